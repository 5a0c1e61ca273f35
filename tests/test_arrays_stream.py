"""A batch as the reader process sends it to `read_counted` (`layers.io.arrays_stream`): the
geometries parsed there come back as the same arrays the fast path makes, through Arrow's IPC
stream and from a slice; a batch the fast path cannot read comes back as its WKB; fields and the
schema's metadata are kept; a feature too large is refused before it is parsed."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import shapely

from layers.io import arrays_stream
from layers.io.feature_size import FeatureTooLarge
from layers.io.wkb_arrays import certainly_valid, wkb_to_arrays
from tests.same_arrays import assert_same_geometry_arrays

X0, Y0 = 333_000.0, 6_250_000.0  # Perth, UTM 50S


def _geometries():
    box = shapely.box(X0, Y0, X0 + 12, Y0 + 9)
    return [box, None, shapely.MultiPolygon([box, shapely.box(X0 + 20, Y0, X0 + 30, Y0 + 8)]),
            shapely.Point(X0, Y0), shapely.LineString([(X0, Y0), (X0 + 5, Y0 + 5)]),
            shapely.Polygon([(X0, Y0), (X0 + 40, Y0), (X0 + 40, Y0 + 40), (X0, Y0 + 40)],
                            [[(X0 + 10, Y0 + 10), (X0 + 20, Y0 + 10), (X0 + 20, Y0 + 20), (X0 + 10, Y0 + 10)]]),
            shapely.Polygon([(X0, Y0), (X0 + 10, Y0 + 10), (X0 + 10, Y0), (X0, Y0 + 10), (X0, Y0)])]  # a bow-tie


def _batch(geoms, metadata=None) -> pa.RecordBatch:
    wkb = pa.array([None if g is None else shapely.to_wkb(g) for g in geoms], pa.binary())
    schema = pa.schema([("fid", pa.int64()), ("name", pa.string()), ("geom", pa.binary())], metadata=metadata)
    return pa.record_batch([pa.array(np.arange(len(geoms))), pa.array([f"b{i}" for i in range(len(geoms))]), wkb],
                           schema=schema)


def _sent(batches: list[pa.RecordBatch]) -> list[pa.RecordBatch]:
    """The batches encoded, written to an Arrow IPC stream and read back, as between the processes."""
    schema = arrays_stream.stream_schema(batches[0].schema, "geom")
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        first = 0
        for batch in batches:
            writer.write_batch(arrays_stream.encode(batch, "geom", schema, first))
            first += batch.num_rows
    return list(pa.ipc.open_stream(sink.getvalue()))


def test_parsed_geometries_come_back_as_the_fast_path_made_them():
    source = _batch(_geometries(), metadata={b"geo": b"{}"})
    (received,) = _sent([source])
    fields, arrays, certain, wkb = arrays_stream.decode(received)
    reference = wkb_to_arrays(source.column("geom"))
    assert_same_geometry_arrays(arrays, reference)
    np.testing.assert_array_equal(certain, certainly_valid(reference))
    assert certain.tolist() == [True, False, True, True, True, True, False]  # GEOS is asked the rest
    assert fields.schema.names == ["fid", "name"] and fields.column("name").to_pylist()[2] == "b2"
    assert fields.schema.metadata == {b"geo": b"{}"} and wkb.null_count == len(wkb)


def test_a_batch_the_fast_path_cannot_read_comes_back_as_wkb():
    collection = [shapely.GeometryCollection([shapely.Point(X0, Y0), shapely.box(X0, Y0, X0 + 1, Y0 + 1)])]
    source = _batch(_geometries()[:1] + collection)
    (received,) = _sent([source])
    fields, arrays, certain, wkb = arrays_stream.decode(received)
    assert arrays is None and certain is None
    assert wkb.to_pylist() == source.column("geom").to_pylist() and fields.num_rows == 2


@pytest.mark.parametrize("start, stop", [(0, 3), (2, 6), (5, 7)])
def test_a_slice_of_a_batch_holds_its_own_features(start, stop):
    source = _batch(_geometries())
    (received,) = _sent([source])
    _, arrays, certain, _ = arrays_stream.decode(received.slice(start, stop - start))
    reference = wkb_to_arrays(source.column("geom").slice(start, stop - start))
    assert_same_geometry_arrays(arrays, reference)
    np.testing.assert_array_equal(certain, certainly_valid(reference))


def test_a_feature_too_large_is_refused_with_its_number_in_the_layer(monkeypatch):
    from layers.io import feature_size

    monkeypatch.setattr(feature_size, "MAX_VERTICES", 3)
    first = _batch(_geometries()[:3])
    line = _batch([shapely.LineString([(X0, Y0), (X0 + 1, Y0), (X0 + 2, Y0), (X0 + 3, Y0)])])
    with pytest.raises(FeatureTooLarge, match="feature 4 has 4 vertices, more than 3"):
        _sent([first, line])
