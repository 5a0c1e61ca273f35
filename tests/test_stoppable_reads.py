"""Every read can be stopped: a file that would read for ever, block, take all the memory or hold
a feature too large to measure ends in a message naming the file, within the time limit (small
here: 2 s), and the reader process it was read in is gone."""
from __future__ import annotations

import os
import sqlite3
import struct
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pytest
import shapely

from layers.cli import main
from layers.io import LayerLoadError, read_counted, read_layers, read_vector
from layers.io.feature_size import FeatureTooLarge, refuse_oversized_wkb
from layers.io.isolated import ReaderProcess, ReadLimits, reading

LIMITS = ReadLimits(timeout_s=2.0)


def _stations(path, crs="EPSG:32736"):  # Dar es Salaam, UTM 36S
    gpd.GeoDataFrame({"name": ["Kivukoni", "Posta"]}, geometry=shapely.points([[530_000, 9_250_000],
                                                                              [530_400, 9_250_300]]),
                     crs=crs).to_file(path, layer="stations")


def endless_geopackage(path):
    """A GeoPackage whose second layer is a view over an unbounded recursive query: SQLite counts
    for ever, and GDAL waits for its first row."""
    _stations(path)
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
              SELECT i AS fid, (SELECT geom FROM stations LIMIT 1) AS geom FROM n WHERE i = 0;
            INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)
              VALUES ('endless', 'features', 'endless', 32736);
            INSERT INTO gpkg_geometry_columns VALUES ('endless', 'geom', 'POINT', 32736, 0, 0);
        """)
    return path


def test_a_geopackage_view_that_never_ends_is_stopped_at_the_time_limit(tmp_path):
    path = endless_geopackage(tmp_path / "city.gpkg")
    other = tmp_path / "stations.gpkg"
    _stations(other)
    with reading(LIMITS) as reader:
        with pytest.raises(LayerLoadError, match=r"city.gpkg: .*did not finish within 2 s \(the time limit\); stopped"):
            read_layers(path)
        assert reader._proc.poll() is not None  # the child that hung was killed
        assert len(read_layers(other)[0].gdf) == 2  # and the next file is read by a new one


def test_a_shapefile_whose_prj_is_a_named_pipe_is_stopped(tmp_path):
    path = tmp_path / "stations.shp"
    _stations(path)
    (tmp_path / "stations.prj").unlink()
    os.mkfifo(tmp_path / "stations.prj")  # GDAL's open of it waits for a writer that never comes
    with pytest.raises(LayerLoadError, match="stations.shp: ") as info:
        read_layers(path, limits=LIMITS)
    assert "Traceback" not in str(info.value)


def zip_of_empty_members(path, count: int) -> None:
    """A valid zip archive of `count` empty files, written directly (zipfile takes seconds for 100,000)."""
    locals_, centrals, offset = [], [], 0
    for i in range(count):
        name = f"part{i}.txt".encode()
        local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0) + name
        centrals.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, len(name), 0, 0, 0,
                                    0, 0, offset) + name)
        locals_.append(local)
        offset += len(local)
    directory = b"".join(centrals)
    end64_at = offset + len(directory)
    end64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count, len(directory), offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end64_at, 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    path.write_bytes(b"".join(locals_) + directory + end64 + locator + end)


def test_the_zip_builder_makes_archives_zipfile_reads(tmp_path):
    import zipfile

    zip_of_empty_members(tmp_path / "few.zip", 3)
    assert zipfile.ZipFile(tmp_path / "few.zip").namelist() == ["part0.txt", "part1.txt", "part2.txt"]


def test_a_zip_of_100000_members_is_refused_by_its_count_before_it_is_listed(tmp_path, monkeypatch):
    import zipfile

    path = tmp_path / "wards.zip"
    zip_of_empty_members(path, 100_000)
    listed = []
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda *a, **k: listed.append(1) or 1 / 0)
    with pytest.raises(LayerLoadError, match="wards.zip: the zip archive holds 100,000 files, more than the 10,000"):
        read_layers(path, limits=LIMITS)
    assert not listed


def multipoint_wkb(xy: np.ndarray) -> bytes:
    """A MultiPoint's WKB, written directly (shapely makes a Point object per part: seconds for millions)."""
    parts = np.zeros(len(xy), dtype=[("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
    parts["order"], parts["kind"], parts["x"], parts["y"] = 1, 1, xy[:, 0], xy[:, 1]
    return b"\x01" + struct.pack("<2I", 4, len(xy)) + parts.tobytes()


def test_the_multipoint_wkb_is_the_one_shapely_writes():
    xy = np.array([[1.5, 2.5], [3.0, -4.0]])
    assert multipoint_wkb(xy) == shapely.to_wkb(shapely.multipoints(xy), byte_order=1)


@pytest.mark.parametrize("read", [read_vector, read_counted])
def test_a_multipoint_of_two_million_parts_is_refused_with_its_count(tmp_path, read):
    path = tmp_path / "trees.gpkg"  # Frankfurt, UTM 32N
    gpd.GeoDataFrame({"name": ["oak", "all of them"]}, geometry=[shapely.Point(365_000, 5_645_000),
                     shapely.MultiPoint([(365_000, 5_645_000)])], crs="EPSG:32632").to_file(path, SPATIAL_INDEX="NO")
    xy = np.random.default_rng(7).uniform([360_000, 5_640_000], [370_000, 5_650_000], (2_000_000, 2))
    with sqlite3.connect(path) as con:  # a GeoPackage geometry: its header, then the WKB
        con.execute("UPDATE trees SET geom = ? WHERE name = 'all of them'",
                    (b"GP\x00\x01" + struct.pack("<i", 32632) + multipoint_wkb(xy),))
    with pytest.raises(LayerLoadError, match="trees.gpkg: the file: feature 2 has 2,000,000 parts, more than "
                                             "100,000, the most one feature may have"):
        with reading(LIMITS):
            read(path)


@pytest.mark.parametrize("header, where", [
    (b"\x01" + struct.pack("<2I", 4, 2_000_000), "ISO, little-endian"),
    (b"\x00" + struct.pack(">3I", 0x20000004, 4326, 2_000_000), "PostGIS's, with an SRID, big-endian"),
    (b"\x01" + struct.pack("<3I", 0xA0000002, 4326, 6_000_000), "a line of Z, with an SRID"),
])
def test_a_header_counting_too_much_is_refused_before_parsing_in_each_kind_of_wkb(header, where):
    """The count is read where each kind of WKB has it (after an SRID in PostGIS's), from the header
    alone: the bytes the count promises need not even be there."""
    wkb = pa.array([shapely.to_wkb(shapely.Point(1, 2)), header + bytes(16)], pa.binary())
    with pytest.raises(FeatureTooLarge, match="feature 12 has [26],000,000 (parts|vertices)"):
        refuse_oversized_wkb(wkb, first_feature=10)


@pytest.mark.parametrize("kind", ["polygon", "line"])  # a polygon's vertices counted once parsed, a line's before
@pytest.mark.parametrize("read", [read_vector, read_counted])
def test_a_feature_of_more_vertices_than_allowed_is_refused(tmp_path, monkeypatch, kind, read):
    from layers.io import feature_size

    monkeypatch.setattr(feature_size, "MAX_VERTICES", 1_000)
    path = tmp_path / "coast.gpkg"  # Wellington, NZTM: one ring of 2,001 vertices
    ring = shapely.Point(1_748_000, 5_427_000).buffer(5_000, quad_segs=500)
    bay = shapely.Point(1_740_000, 5_427_000).buffer(10)
    if kind == "line":
        ring, bay = shapely.LineString(ring.exterior.coords), shapely.LineString(bay.exterior.coords)
    gpd.GeoDataFrame({"name": ["bay", "coast"]}, geometry=[bay, ring], crs="EPSG:2193").to_file(path)
    with pytest.raises(LayerLoadError, match="coast.gpkg: the file: feature 2 has 2,001 vertices, more than 1,000"):
        read(path)


def test_a_read_that_needs_more_memory_than_allowed_is_stopped(tmp_path):
    path = tmp_path / "river.geojson"  # one line of 1.5 million vertices: GDAL's JSON tree is ten times the file
    coordinates = ",".join(["[-43.1796,-22.9035]", "[-43.1795,-22.9036]"] * 750_000)  # Rio de Janeiro
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
                    f'"geometry":{{"type":"LineString","coordinates":[{coordinates}]}}}}]}}')
    with pytest.raises(LayerLoadError, match="river.geojson: .*700 MB") as info:
        read_layers(path, limits=ReadLimits(timeout_s=20, memory_mb=700))
    assert "Traceback" not in str(info.value)


def test_a_file_that_says_it_has_features_but_gives_none_is_refused(tmp_path):
    path = tmp_path / "stations.gpkg"
    _stations(path)
    with sqlite3.connect(path) as con:
        for (trigger,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            con.execute(f'DROP TRIGGER "{trigger}"')  # GDAL's triggers keep the count right; a careless tool's do not
        con.execute("DELETE FROM stations")
    with pytest.raises(LayerLoadError, match="says it has 2 features but none could be read"):
        read_layers(path, limits=LIMITS)
    with pytest.raises(LayerLoadError, match="says it has 2 features but none could be read"):
        read_counted(path)


def test_a_stream_cut_short_is_never_a_shorter_layer(tmp_path, monkeypatch):
    """The child killed half-way through a layer (by the watchdog, a crash, the memory cap): the
    rows already sent are not a layer."""
    path = tmp_path / "stations.gpkg"
    _stations(path)
    real = ReaderProcess._message
    headers = []

    def trailer_lost(self):  # after a stream's header and rows comes its trailer: the child dies before it
        if headers:
            self._proc.kill()
            self._proc.wait()
            self._proc.stdout.read()  # the trailer, if it was sent already, never came
        message = real(self)
        if "meta" in message:
            headers.append(message)
        return message

    with reading(LIMITS) as reader:
        reader.layers(str(path))
        monkeypatch.setattr(ReaderProcess, "_message", trailer_lost)
        with pytest.raises(LayerLoadError, match="stations.gpkg: .*the reader stopped on this file"):
            read_vector(path)


def test_planner_measure_stops_a_read_at_its_timeout(tmp_path, capsys, monkeypatch):
    path = endless_geopackage(tmp_path / "city.gpkg")
    stopped = []  # the reads stopped at the time limit: one (the read ahead's, said by the command)
    real_kill = ReaderProcess._kill
    monkeypatch.setattr(ReaderProcess, "_kill", lambda self, why: stopped.append(why) or real_kill(self, why))
    assert main([str(path), "--timeout", "2"]) == 2
    err = capsys.readouterr().err
    assert "city.gpkg" in err and "did not finish within 2 s" in err and "Traceback" not in err
    assert stopped == ["timeout"]
    assert main([str(path), "--timeout", "0"]) == 2
    assert "--timeout 0: give a number of seconds above 0" in capsys.readouterr().err


def test_the_work_on_what_a_read_gave_stops_on_cancel_between_slices(monkeypatch):
    """Parsing a million geometries takes seconds after the read itself: Cancel stops it too."""
    import pyarrow as pa

    from layers.analysis.progress import Cancelled
    from layers.io import sliced

    monkeypatch.setattr(sliced, "SLICE", 10)
    wkb = pa.array(shapely.to_wkb(shapely.points(np.arange(100.0), np.arange(100.0))).tolist())
    slices = []
    real = shapely.from_wkb
    monkeypatch.setattr(shapely, "from_wkb", lambda values: slices.append(1) or real(values))
    with reading(LIMITS, cancelled=lambda: len(slices) >= 3):  # Cancel pressed during the third slice
        with pytest.raises(Cancelled):
            sliced.geometries_from_wkb(wkb)
    assert len(slices) == 3  # three slices of ten parsed, then stopped
    assert len(sliced.geometries_from_wkb(wkb)) == 100  # outside a cancelled load: all of them


def test_the_reader_process_loads_neither_qt_nor_geopandas(tmp_path):
    """It starts in a fraction of a second: pyogrio, pyarrow and GDAL, not pandas, geopandas,
    shapely or Qt (seen in the shared libraries it has mapped)."""
    path = tmp_path / "stations.gpkg"
    _stations(path)
    with reading(LIMITS) as reader:
        assert reader.layers(str(path)) == ["stations"]
        maps = Path(f"/proc/{reader._proc.pid}/maps").read_text()
    libraries = {Path(line.split()[-1]).name for line in maps.splitlines() if ".so" in line}
    assert any(name.startswith("libgdal") for name in libraries) and any("arrow" in name for name in libraries)
    for unwanted in ("PySide6", "Qt6", "/shapely/", "/pandas/", "/geopandas/"):
        assert unwanted not in maps, unwanted
