"""Buildings read as arrays (`layers.io.read_counted`, what `planner measure` does): the same
layer as `read_vector` reads (fields, role, warnings, geometries), the same refusals with the same
messages for broken and hostile files, and the same figures from `planner measure`."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import layers.cli
import layers.io.counted_read
import layers.io.sources
import layers.io.wkb_arrays
from layers.cli import main
from layers.compact_layer import CompactVectorLayer
from layers.io import LayerLoadError, read_counted, read_vector
from tests.cities import CITIES, buildings, write_city, write_features

X0, Y0 = 585_000.0, 2_325_000.0  # UTM 48N metres


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of 7 features: a file of a few dozen is read in several, as a city is."""
    monkeypatch.setattr(layers.io.sources, "COUNTED_BATCH", 7)


def odd_buildings() -> gpd.GeoDataFrame:
    """Footprints with what real files hold: parts, holes, a bow-tie, a collection of one kind,
    missing and empty geometries, text, a year and a status."""
    boxes = [shapely.box(X0 + 30 * i, Y0, X0 + 30 * i + 20, Y0 + 15) for i in range(30)]
    odd = [
        shapely.Polygon([(X0, Y0 + 50), (X0 + 10, Y0 + 60), (X0 + 10, Y0 + 50), (X0, Y0 + 60)]),  # bow-tie
        shapely.MultiPolygon([shapely.box(X0, Y0 + 80, X0 + 5, Y0 + 85), shapely.box(X0 + 9, Y0 + 80, X0 + 12, Y0 + 84)]),
        shapely.box(X0, Y0 + 100, X0 + 40, Y0 + 140).difference(shapely.box(X0 + 10, Y0 + 110, X0 + 20, Y0 + 120)),
        shapely.GeometryCollection([shapely.box(X0 + 50, Y0 + 50, X0 + 60, Y0 + 60)]),
        None,
        shapely.Polygon(),
    ]
    geoms = boxes[:10] + odd[:3] + boxes[10:20] + odd[3:] + boxes[20:]
    n = len(geoms)
    return gpd.GeoDataFrame({
        "name": [f"Tòa nhà {i}" for i in range(n)],
        "floor_area": np.arange(n) * 10.5,
        "status": ["existing", "planned"] * (n // 2),
        "opening_year": np.arange(n) + 2000,
    }, geometry=geoms, crs="EPSG:32648")


def assert_same_layer(compact: CompactVectorLayer, whole) -> None:
    assert isinstance(compact, CompactVectorLayer)
    assert (compact.name, compact.role, compact.source_layer) == (whole.name, whole.role, whole.source_layer)
    assert compact.fields == whole.fields
    assert compact.warnings == whole.warnings
    assert compact.crs == whole.crs and compact.geometry_kind == whole.geometry_kind
    np.testing.assert_allclose(compact.bounds, whole.bounds, rtol=0, atol=0)
    pd.testing.assert_frame_equal(pd.DataFrame(compact.gdf), pd.DataFrame(whole.gdf.drop(columns=whole.gdf.geometry.name)))
    shapes = compact.geometries.shapes(np.arange(len(compact.geometries)))
    assert shapely.equals_exact(shapes, whole.gdf.geometry.values, tolerance=0).all()


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_read_counted_reads_the_layer_read_vector_reads(suffix, tmp_path, monkeypatch):
    """GeoPackage (GDAL's Arrow stream) and GeoParquet (its record batches): each batch read
    straight into arrays by the reader process, but the batch with the collection, which shapely
    reads here."""
    read_fast = []
    monkeypatch.setattr(layers.io.counted_read, "decode",
                        lambda batch, decode=layers.io.counted_read.decode: read_fast.append(decode(batch)[1]) or decode(batch))
    path = tmp_path / f"buildings{suffix}"
    layer = "buildings" if suffix == ".gpkg" else None
    if layer:
        odd_buildings().to_file(path, layer=layer)
    else:
        odd_buildings().to_parquet(path)
    compact, whole = read_counted(path, layer, repair=True), read_vector(path, layer, repair=True)
    assert_same_layer(compact, whole)
    assert compact.role == "building" and len(compact.gdf) == 34
    assert sum(store is None for store in read_fast) == 1 and len(read_fast) == 6  # 38 features in batches of 7
    assert set(compact.warnings) >= {"2 feature(s) without geometry were skipped",
                                     "1 GeometryCollection(s) of one kind read as multi-part geometries",
                                     "1 invalid geometry repaired with make_valid"}
    with pytest.raises(LayerLoadError) as compact_refusal:  # the bow-tie's repair adds area: asked first
        read_counted(path, layer)
    with pytest.raises(LayerLoadError) as whole_refusal:
        read_vector(path, layer)
    assert str(compact_refusal.value) == str(whole_refusal.value)
    assert "feature 11: 0.0 m2 as drawn, 50.0 m2 repaired" in str(compact_refusal.value)


def test_batches_are_kept_behind_the_read_on_threads_of_their_own_and_a_failure_there_is_said(tmp_path, monkeypatch):
    """Each batch's boxes are worked out, and the batch copied into place, on two threads behind the
    read (the read above: in order, the same arrays as read_vector's); what fails there stops the
    read with the file named, and no thread is left waiting."""
    import threading

    from layers.analysis.coverage.compact import CompactBuilder

    path = tmp_path / "buildings.parquet"
    odd_buildings().to_parquet(path)
    where, layers_builder, real_ready, real_append = [], set(), CompactBuilder.ready, CompactBuilder.append
    monkeypatch.setattr(CompactBuilder, "ready", lambda self, store: layers_builder.add(id(self)) or where.append(
        ("ready", threading.current_thread().name)) or real_ready(self, store))
    monkeypatch.setattr(CompactBuilder, "append", lambda self, store: (  # (a repair's builders are others)
        id(self) in layers_builder and where.append(("append", threading.current_thread().name))) or real_append(self, store))
    compact = read_counted(path, repair=True)
    assert set(where) == {("ready", "ready behind"), ("append", "append behind")} and len(where) == 2 * 6
    assert_same_layer(compact, read_vector(path, repair=True))

    def failing(self, store):
        raise MemoryError("no room for the batch")

    monkeypatch.setattr(CompactBuilder, "append", failing)
    plain = tmp_path / "plain.parquet"  # valid footprints: no repair, so the layer's builder is the only one
    gpd.GeoDataFrame(geometry=[shapely.box(X0 + 30 * i, Y0, X0 + 30 * i + 20, Y0 + 15) for i in range(30)],
                     crs="EPSG:32648").to_parquet(plain)
    with pytest.raises(LayerLoadError) as refusal:
        read_counted(plain)
    assert refusal.value.path == plain and "memory" in refusal.value.reason
    assert not [t for t in threading.enumerate() if t.name in ("ready behind", "append behind")]


@pytest.mark.parametrize("suffix, declared", [(".gpkg", 20), (".parquet", 20), (".fgb", 20), (".geojson", -1)])
def test_the_arrays_are_reserved_for_the_features_the_file_declares(suffix, declared, tmp_path, monkeypatch):
    """Formats whose header says how many features they hold reserve the arrays once; GeoJSON
    (GDAL would parse it again to count) grows them as it is read. Either way the same layer."""
    reserved = []

    class Spy(layers.io.counted_read.CompactBuilder):
        def __init__(self, expected=0, *args, **kwargs):
            reserved.append(expected)
            super().__init__(expected, *args, **kwargs)

    monkeypatch.setattr(layers.io.counted_read, "CompactBuilder", Spy)
    path = tmp_path / f"buildings{suffix}"
    frame = gpd.GeoDataFrame({"height_m": np.arange(20.0)}, crs="EPSG:32756",  # Sydney, UTM 56S
                             geometry=[shapely.box(334_000 + 30 * i, 6_250_000, 334_020 + 30 * i, 6_250_015)
                                       for i in range(20)])
    frame.to_parquet(path) if suffix == ".parquet" else frame.to_file(path)
    compact, whole = read_counted(path), read_vector(path)
    assert reserved == [declared]
    assert_same_layer(compact, whole)
    # in metres, the CRS they are measured in as a rule: measured as they were read (GEOS's
    # figures; a FlatGeobuf file's order is its spatial index's)
    measured = compact.geometries.measured
    np.testing.assert_allclose(measured.areas, shapely.area(whole.gdf.geometry.values), rtol=1e-12)
    np.testing.assert_array_equal(measured.bounds, shapely.bounds(whole.gdf.geometry.values))


def test_footprints_in_degrees_are_measured_where_the_engine_transforms_them(tmp_path):
    path = tmp_path / "buildings.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(151.2 + i * 1e-3, -33.87, 151.2005 + i * 1e-3, -33.8695) for i in range(5)],
                     crs="EPSG:4326").to_file(path)  # Sydney in longitude and latitude
    assert read_counted(path).geometries.measured is None


@pytest.mark.parametrize("city", CITIES, ids=lambda c: c.name)
def test_read_counted_in_each_city_and_its_data_crs(city, tmp_path):
    paths = write_features(city, tmp_path)  # buildings (GeoPackage) and schools (GeoJSON), lon/lat or Web Mercator
    for path in paths:
        assert_same_layer(read_counted(path), read_vector(path))
    assert len(read_counted(paths[0]).gdf) == len(buildings(city))


def broken_files(tmp_path):
    """Building files that must be refused, each as `read_vector` refuses it."""
    gdf = odd_buildings()
    files = {}
    files["no_crs"] = tmp_path / "no_crs_buildings.fgb"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        present = gdf[~(gdf.geometry.isna() | gdf.geometry.is_empty)]  # FlatGeobuf holds no missing geometry
        present.set_crs(None, allow_override=True).to_file(files["no_crs"])
    files["degrees"] = tmp_path / "mislabelled_buildings.gpkg"
    gdf.set_crs("EPSG:4326", allow_override=True).to_file(files["degrees"])
    mixed = gdf.copy()
    mixed.loc[[3, 25], "geometry"] = shapely.GeometryCollection([shapely.Point(X0, Y0), shapely.box(X0, Y0, X0 + 1, Y0 + 1)])
    files["mixed"] = tmp_path / "mixed_buildings.gpkg"
    mixed.to_file(files["mixed"])
    files["not_finite"] = tmp_path / "nan_buildings.geojson"
    files["not_finite"].write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"h": i}, "geometry": {"type": "Point", "coordinates": [105.8 + i * 1e-3, 21.0]}}
        for i in range(9)] + [{"type": "Feature", "properties": {"h": 9}, "geometry": {"type": "Point",
                                                                                       "coordinates": [1e400, 21.0]}}]}))
    files["none"] = tmp_path / "empty_buildings.geojson"
    files["none"].write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    files["vrt"] = tmp_path / "vrt_buildings.gpkg"
    files["vrt"].write_text('<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>/etc/passwd</SrcDataSource>'
                            '</OGRVRTLayer></OGRVRTDataSource>')
    return files


def test_broken_and_hostile_building_files_are_refused_with_the_same_message(tmp_path, capsys):
    expected = {"no_crs": "no coordinate reference system", "degrees": "impossible for EPSG:4326",
                "mixed": "2 feature(s) mix points, lines and polygons in one GeometryCollection (first: feature 4)",
                "not_finite": "1 coordinate(s) that are not finite", "none": "has no features",
                "vrt": "is not a GeoPackage file: its content is XML"}
    for kind, path in broken_files(tmp_path).items():
        with pytest.raises(LayerLoadError) as whole:
            read_vector(path)
        with pytest.raises(LayerLoadError) as compact:
            read_counted(path)
        assert str(compact.value) == str(whole.value), kind
        assert expected[kind] in str(compact.value), kind
        # and from the command line: the file named, the reason, no traceback
        assert main([str(path), "--role", f"{path.name}=building"]) == 2, kind
        err = capsys.readouterr().err
        assert err.startswith(f"planner measure: {path}: ") and expected[kind] in err and "Traceback" not in err, kind


@pytest.mark.parametrize("city", [c for c in CITIES if c.name in ("paris", "nairobi")], ids=lambda c: c.name)
def test_planner_measure_gives_the_same_json_with_buildings_as_arrays(city, tmp_path, capsys, monkeypatch):
    gpkg, tif = write_city(city, tmp_path)
    b, s = write_features(city, tmp_path)
    args = [str(gpkg), str(tif), str(b), str(s), "-p", "itdp-pnt", "--zones", "-f", "json",
            "--sum-field", "floor_area", "--sum-field", "pupils", "--year", "2030"]
    assert main(args) == 0
    compact = json.loads(capsys.readouterr().out)
    seen = []
    monkeypatch.setattr(layers.cli, "_layers_to_count", lambda path, roles: seen.append(path) or set())
    assert main(args) == 0
    whole = json.loads(capsys.readouterr().out)
    assert len(set(seen)) == 4  # the second run read every layer whole (the first file asked twice: read ahead)
    assert_same_figures(compact, whole)
    assert compact[0]["features"]["buildings"]["count_intersecting"] > 50


def assert_same_figures(a, b, where="") -> None:
    if isinstance(a, dict):
        assert set(a) == set(b), where
        for key in a:
            assert_same_figures(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_figures(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-9), where
    else:
        assert a == b, where


def test_counted_as_arrays_in_another_crs_and_by_year_as_the_whole_layer_is(tmp_path):
    """The timeline's year and a working CRS other than the file's (UTM 48N read, 49N worked in):
    the features counted from the arrays are those, and measure as, the whole layer's."""
    from layers.analysis.coverage import FeatureSet
    from layers.analysis.scenario import Scenario

    path = tmp_path / "buildings.gpkg"
    odd_buildings().to_file(path, layer="buildings")
    compact, whole = read_counted(path, "buildings", repair=True), read_vector(path, "buildings", repair=True)
    for layer in (compact, whole):
        layer.feature_filter = Scenario.as_of(2020)
    working = "EPSG:32649"
    region = shapely.box(*whole.in_crs(working).total_bounds).buffer(-40.0)  # cuts through the footprints
    figures = [FeatureSet.from_frame(layer.counted_in_crs(working), ["floor_area"]).measure([region]).iloc[0]
               for layer in (compact, whole)]
    assert len(compact.counted_in_crs(working).fields) == int(whole.feature_mask().sum()) < len(whole.gdf)
    for key, value in figures[1].items():
        assert figures[0][key] == pytest.approx(value, rel=1e-9), key
    counted_area = whole.counted_in_crs(working).geometry.area.sum()
    assert figures[0]["count_intersecting"] > 0 and 0 < figures[0]["area_inside_m2"] < counted_area  # cut through


HELSINKI_BUILDINGS = Path(__file__).resolve().parents[1] / "sample_data" / "helsinki" / "helsinki_buildings.gpkg"


def test_real_footprints_read_as_arrays_as_read_vector_reads_them():
    """OpenStreetMap's buildings of central Helsinki (ODbL, sample_data/helsinki): courtyards, a
    two-part building, rings that touch themselves (invalid, repaired): read straight into arrays
    in batches of 7, the same layer as read whole, and the same refusal without --repair."""
    assert_same_layer(read_counted(HELSINKI_BUILDINGS, repair=True), read_vector(HELSINKI_BUILDINGS, repair=True))
    try:
        whole = read_vector(HELSINKI_BUILDINGS)
    except LayerLoadError as refusal:
        with pytest.raises(LayerLoadError) as compact_refusal:
            read_counted(HELSINKI_BUILDINGS)
        assert str(compact_refusal.value) == str(refusal)
    else:
        assert_same_layer(read_counted(HELSINKI_BUILDINGS), whole)


def test_a_feature_too_large_in_a_later_batch_is_named_and_the_reader_goes_on(tmp_path):
    """The reader parses batches ahead, two at a time: a feature too large in the fifth batch is
    refused by its own number, after the batches before it, and the next read is served."""
    from layers.io.feature_size import MAX_PARTS

    path = tmp_path / "trees.gpkg"  # Quito, UTM 17S
    points = shapely.points(np.column_stack([np.arange(40) * 5.0 + 776_000, np.full(40, 9_976_000.0)]))
    geoms = list(points)
    geoms[31] = shapely.multipoints(np.column_stack([np.arange(MAX_PARTS + 1) * 0.01 + 776_000,
                                                     np.full(MAX_PARTS + 1, 9_976_100.0)]))
    gpd.GeoDataFrame({"n": np.arange(40)}, geometry=geoms, crs="EPSG:32717").to_file(path)
    with pytest.raises(LayerLoadError, match=f"trees.gpkg: the file: feature 32 has {MAX_PARTS + 1:,} parts"):
        read_counted(path)
    geoms[31] = points[31]
    gpd.GeoDataFrame({"n": np.arange(40)}, geometry=geoms, crs="EPSG:32717").to_file(path)
    assert len(read_counted(path).geometries) == 40


def test_planner_measure_names_a_feature_too_large_in_footprints_it_read_ahead(tmp_path, capfd):
    from layers.io.feature_size import MAX_PARTS

    path = tmp_path / "trees.gpkg"  # Quito, UTM 17S
    geoms = list(shapely.points(np.column_stack([np.arange(40) * 5.0 + 776_000, np.full(40, 9_976_000.0)])))
    geoms[31] = shapely.multipoints(np.column_stack([np.arange(MAX_PARTS + 1) * 0.01 + 776_000,
                                                     np.full(MAX_PARTS + 1, 9_976_100.0)]))
    gpd.GeoDataFrame({"n": np.arange(40)}, geometry=geoms, crs="EPSG:32717").to_file(path)
    assert main([str(path), "--role", "trees.gpkg=building"]) == 2
    err = capfd.readouterr().err
    assert f"trees.gpkg: layer 'trees': feature 32 has {MAX_PARTS + 1:,} parts" in err and "Traceback" not in err


@pytest.mark.parametrize("change", ["same", "a corner moved in a later batch", "a feature fewer", "a feature more",
                                    "another CRS"])
def test_a_file_read_again_while_its_reading_is_held_is_compared_as_it_is_read(change, tmp_path, monkeypatch):
    """The app holds a large layer (`held`), and the same file is read again (opened again while the
    removed layer is kept for undo): the new reading is compared with the held one batch by batch
    (`CompactBuilder(like=...)`) and, where every feature is the same, is the held geometries
    themselves, never a second copy; where the file changed, the reading is what it would be with
    nothing held, feature for feature."""
    import layers.compact_layer
    from layers.compact_layer import held
    from tests.same_arrays import assert_same_geometry_arrays

    monkeypatch.setattr(layers.compact_layer, "LARGE_LAYER_FEATURES", 5)  # 36 footprints held as a city's are
    path = tmp_path / "footprints.gpkg"
    frame = odd_buildings()
    frame.to_file(path, layer="footprints")
    first = held(read_counted(path, repair=True))  # (the bow-tie)
    assert isinstance(first, CompactVectorLayer)  # held as arrays, as a large layer is
    if change == "a corner moved in a later batch":
        frame.loc[30, "geometry"] = shapely.box(X0 + 1, Y0 + 300, X0 + 21, Y0 + 315)
    elif change == "a feature fewer":
        frame = frame.iloc[:-1]
    elif change == "a feature more":
        frame = pd.concat([frame, frame.iloc[:1]], ignore_index=True)
    elif change == "another CRS":  # the same numbers, said to be in UTM 49N
        frame = frame.set_crs("EPSG:32649", allow_override=True)
    frame.to_file(path, layer="footprints")
    again = read_counted(path, repair=True)
    if change == "same":
        assert again.geometries is first.geometries
    else:
        assert again.geometries is not first.geometries
    frame.to_file(tmp_path / "copy.gpkg", layer="footprints")
    fresh = read_counted(tmp_path / "copy.gpkg", repair=True)  # nothing held from this file: read as ever
    assert_same_geometry_arrays(again.geometries, fresh.geometries)
    assert again.crs == fresh.crs
    np.testing.assert_array_equal(again.geometries.measures().areas, fresh.geometries.measures().areas)


@pytest.mark.parametrize("suffix", [".gpkg", ".parquet"])
def test_a_building_in_parts_one_of_them_empty_reads_as_read_vector_reads_it(suffix, tmp_path):
    """MULTIPOLYGON (((...)), EMPTY) is a valid building GEOS reads (an empty part, first, between
    or last): read as arrays and made a shapely geometry again for GEOS's check, it is the same
    geometry, where shapely's from_ragged_array crashed the process."""
    box = shapely.box(585_000, 2_325_000, 585_010, 2_325_010)
    ring = "((585020 2325000, 585030 2325000, 585030 2325010, 585020 2325000))"
    parts = [shapely.from_wkt(f"MULTIPOLYGON ({ring}, EMPTY)"), shapely.from_wkt(f"MULTIPOLYGON (EMPTY, {ring})"),
             shapely.from_wkt(f"MULTIPOLYGON ({ring}, EMPTY, {ring.replace('5850', '5851')})")]
    frame = gpd.GeoDataFrame({"id": range(5)}, geometry=[box, *parts, box], crs="EPSG:32648")
    path = tmp_path / f"buildings{suffix}"
    frame.to_file(path) if suffix == ".gpkg" else frame.to_parquet(path)
    compact, whole = read_counted(path, None), read_vector(path, None)
    assert_same_layer(compact, whole)
    assert shapely.get_num_geometries(whole.gdf.geometry.values).tolist() == [1, 2, 2, 3, 1]
