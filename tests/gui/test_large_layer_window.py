"""A large layer opened in the window is held as arrays, and everything the window does with a layer
still works: it is drawn, a footprint is identified, the timeline filters it, the map exports it,
the attribute table lists its fields, search finds a building, and a removal is undone.

The footprints are in longitude/latitude around Nairobi (the working CRS is chosen from them: UTM
37S), written as GeoPackage and as GeoParquet; every expected figure comes from geopandas on the
file itself (reprojected to the working CRS), not from the app.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
import shapely.affinity
from PySide6 import QtGui

from layers.compact_layer import LARGE_LAYER_FEATURES, CompactVectorLayer
from layers.layer import VectorLayer
from layers.place_search import find_places
from tests.gui.helpers import load

LON0, LAT0 = 36.80, -1.30  # Nairobi
SIDE = 80  # footprints a side: 6,400, over LARGE_LAYER_FEATURES


def _footprints(n_side: int, with_holes: bool = True) -> gpd.GeoDataFrame:
    """A grid of footprints about 15 x 12 m, 30 m apart, every seventh with a courtyard, and a
    year each (2000-2030) for the timeline."""
    assert n_side * n_side > LARGE_LAYER_FEATURES or n_side < 40
    i, j = np.meshgrid(np.arange(n_side), np.arange(n_side))
    lon = LON0 + i.ravel() * 0.00027
    lat = LAT0 + j.ravel() * 0.00027
    shapes = shapely.box(lon, lat, lon + 0.000135, lat + 0.000108)
    if with_holes:
        holed = np.arange(len(shapes)) % 7 == 3
        courtyard = shapely.box(lon + 0.00004, lat + 0.00003, lon + 0.00008, lat + 0.00006)
        shapes[holed] = shapely.difference(shapes[holed], courtyard[holed])
    years = 2000 + (np.arange(len(shapes)) * 7) % 31
    return gpd.GeoDataFrame({"name": [f"House {k:05d}" for k in range(len(shapes))], "opening_year": years,
                             "floors": (np.arange(len(shapes)) % 9) + 1}, geometry=shapes, crs="EPSG:4326")


@pytest.fixture(params=[".gpkg", ".parquet"])
def opened(request, qtbot, window, tmp_path):
    """(window, layer, footprints in the working CRS) of the grid opened from a file of that format."""
    path = tmp_path / f"buildings{request.param}"
    frame = _footprints(SIDE)
    if request.param == ".gpkg":
        frame.to_file(path, layer="buildings", engine="pyogrio")
    else:
        frame.to_parquet(path)
    load(qtbot, window, [path], timeout=60_000)
    layer = window.session.layers.find("buildings")
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    return window, layer, frame.to_crs(window.session.working_crs)


def _view_of(window, frame, rows):
    """The map zoomed to the features `rows`, and the picture of it painted."""
    x0, y0, x1, y1 = frame.geometry.iloc[rows].total_bounds
    window.canvas.set_view((x0 - 5, y0 - 5, x1 + 5, y1 + 5))


def _drawn_rows(frame, view) -> set[int]:
    """The features a view shows, by geopandas: those whose box meets it."""
    b = frame.geometry.bounds.to_numpy()
    xmin, ymin, xmax, ymax = view
    return set(np.flatnonzero((b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax)).tolist())


def test_a_large_file_is_held_as_arrays_and_drawn(qtbot, opened):
    window, layer, frame = opened
    assert isinstance(layer, CompactVectorLayer) and len(layer.gdf) == len(frame)
    assert window.session.working_crs.to_epsg() == 32737  # UTM 37S, from the data
    _view_of(window, frame, list(range(0, 5 * SIDE)))
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    canvas = window.canvas
    assert set(canvas.drawn_features(layer).tolist()) == _drawn_rows(frame, canvas.view_bounds())
    centre = frame.geometry.iloc[SIDE + 2].representative_point()  # inside a footprint
    image = canvas.viewport().grab().toImage()
    point = canvas.map_to_screen(centre.x, centre.y)
    background = canvas.viewport().grab().toImage().pixel(canvas.map_to_screen(
        (frame.geometry.iloc[SIDE + 2].bounds[2] + frame.geometry.iloc[SIDE + 3].bounds[0]) / 2, centre.y))
    assert image.pixel(point) != background  # the footprint is painted, the street beside it is not


def test_a_footprint_is_identified_and_measured_from_the_arrays(qtbot, opened):
    window, layer, frame = opened
    row = 3 * SIDE + 1  # one with a courtyard (row % 7 == 3)
    _view_of(window, frame, [row])
    inside = frame.geometry.iloc[row].representative_point()
    hits = [hit for hit in window.tools["identify"].click(inside.x, inside.y) if hit.layer is layer]  # the Identify tool
    assert [hit.row for hit in hits] == [row]
    assert hits[0].attributes["name"] == frame["name"].iloc[row]
    assert hits[0].attributes["floors"] == frame["floors"].iloc[row]
    assert shapely.equals_exact(hits[0].geometry, frame.geometry.iloc[row], tolerance=1e-6)
    assert not layer._projected  # no frame of shapely geometries was made for it
    measured = window.tools["measure_feature"].click(inside.x, inside.y)  # the feature's area, its courtyard out
    assert measured.planar == pytest.approx(frame.geometry.iloc[row].area, rel=1e-9)


def test_the_timeline_filters_a_large_layer(qtbot, opened):
    window, layer, frame = opened
    _view_of(window, frame, list(range(0, 4 * SIDE)))
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    window.session.layers.set_as_of_year(2010)
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    opened_by_2010 = set(np.flatnonzero(frame["opening_year"].to_numpy() <= 2010).tolist())
    in_view = _drawn_rows(frame, window.canvas.view_bounds())
    assert set(window.canvas.drawn_features(layer).tolist()) == in_view & opened_by_2010
    window.session.layers.set_as_of_year(None)
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    assert set(window.canvas.drawn_features(layer).tolist()) == in_view


def test_a_large_layer_exports_and_lists_its_fields(qtbot, opened, tmp_path):
    from planner_gui.export.menu import map_png_export

    window, layer, frame = opened
    window.canvas.set_view(tuple(frame.total_bounds))
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    path = tmp_path / "map.png"
    menu = window.export_menu
    assert menu.start(lambda p: map_png_export(window.canvas, p, 600, 400), str(path))
    qtbot.waitUntil(lambda: not menu.busy(), timeout=30_000)
    picture = QtGui.QImage(str(path))
    assert picture.width() == 600
    colours = {picture.pixel(x, y) for x in range(0, 600, 7) for y in range(0, 400, 7)}
    assert len(colours) > 2  # footprints drawn over the background, not an empty map
    table = window.open_attribute_table(layer)
    assert table.model.columns == ["name", "opening_year", "floors"]
    places = find_places(list(window.session.layers), "House 00042", window.session.working_crs)
    assert [place.rows for place in places] == [(42,)]
    assert np.allclose(places[0].bounds, frame.geometry.iloc[42].bounds)


def test_removing_a_large_layer_is_undone(qtbot, opened):
    window, layer, frame = opened
    window.session.remove_layer(layer)
    assert layer not in list(window.session.layers) and window.canvas.graphic(layer) is None
    window.session.undo()
    assert window.session.layers.find("buildings") is layer
    _view_of(window, frame, list(range(0, 2 * SIDE)))
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    assert set(window.canvas.drawn_features(layer).tolist()) == _drawn_rows(frame, window.canvas.view_bounds())


def test_a_small_file_is_held_whole(qtbot, window, tmp_path):
    path = tmp_path / "few_buildings.gpkg"
    frame = _footprints(20)
    frame.to_file(path, layer="few_buildings", engine="pyogrio")
    load(qtbot, window, [path])
    layer = window.session.layers.find("few_buildings")
    assert type(layer) is VectorLayer
    read = layer.gdf
    assert list(read.columns) == ["name", "opening_year", "floors", "geometry"]
    assert shapely.equals_exact(np.asarray(read.geometry.values), np.asarray(frame.geometry.values), tolerance=0).all()


def test_an_outline_opened_after_a_large_layer_is_its_boundary(qtbot, opened, tmp_path):
    """A one-polygon layer that covers the others is guessed the city's boundary: the large layer's
    extent there comes from its boxes, not from a frame of its geometries."""
    window, layer, frame = opened
    assert layer.extent_in_crs(window.session.working_crs) == pytest.approx(tuple(frame.total_bounds), abs=1e-6)
    outline = tmp_path / "outline.gpkg"
    gpd.GeoDataFrame({"name": ["Nairobi"]}, geometry=[shapely.box(*frame.total_bounds).buffer(500)],
                     crs=window.session.working_crs).to_file(outline, layer="outline", engine="pyogrio")
    load(qtbot, window, [outline])
    assert window.session.layers.find("outline").role == "boundary"
    assert not layer._projected


def test_a_file_opened_again_shares_the_arrays_kept_for_undo(qtbot, opened):
    """The same file opened again while its removed layer is kept for undo: the new layer holds the
    same arrays (not a second copy of a million footprints), its own fields, and both undo back."""
    window, layer, frame = opened
    window.session.remove_layer(layer)
    load(qtbot, window, [layer.source], timeout=60_000)
    again = window.session.layers.find("buildings")
    assert again is not layer and isinstance(again, CompactVectorLayer)
    assert again.geometries is layer.geometries  # shared, not read into a copy
    assert again.gdf is not layer.gdf and again.gdf["name"].tolist() == frame["name"].tolist()
    _view_of(window, frame, list(range(0, 2 * SIDE)))
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    assert set(window.canvas.drawn_features(again).tolist()) == _drawn_rows(frame, window.canvas.view_bounds())
    window.session.undo()  # the opening
    window.session.undo()  # the removal: the first layer itself, its arrays as they were
    assert window.session.layers.find("buildings") is layer and again not in list(window.session.layers)
    assert np.array_equal(layer.geometries.coords, again.geometries.coords)


def test_a_changed_file_opened_again_is_read_anew(qtbot, opened):
    """Opened again after the file changed (one footprint moved 40 m east): nothing is shared, and
    the map draws the new footprint where the file now has it."""
    window, layer, frame = opened
    window.session.remove_layer(layer)
    moved = frame.to_crs("EPSG:4326")
    moved.loc[5, "geometry"] = shapely.affinity.translate(moved.geometry.iloc[5], xoff=0.00036)
    if layer.source.suffix == ".gpkg":
        moved.to_file(layer.source, layer="buildings", engine="pyogrio")
    else:
        moved.to_parquet(layer.source)
    load(qtbot, window, [layer.source], timeout=60_000)
    again = window.session.layers.find("buildings")
    assert again.geometries is not layer.geometries
    expected = moved.to_crs(window.session.working_crs)
    assert np.allclose(again.bounds_in_crs(window.session.working_crs)[5], expected.geometry.iloc[5].bounds)
    _view_of(window, expected, [5])
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    assert 5 in set(window.canvas.drawn_features(again).tolist())


def test_a_year_on_the_timeline_makes_nothing_per_footprint(qtbot, opened, monkeypatch):
    """Moving the timeline filters a large layer without a shapely geometry per footprint, and
    without working its style classes out again (the style did not change); the map still shows
    exactly the footprints open that year."""
    import gc

    from planner_gui.map import symbology

    window, layer, frame = opened
    _view_of(window, frame, list(range(0, 4 * SIDE)))
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    classed = []
    original = symbology.feature_classes
    monkeypatch.setattr(symbology, "feature_classes", lambda gdf, style: classed.append(len(gdf)) or original(gdf, style))

    def geometries() -> int:
        return sum(isinstance(o, shapely.Geometry) for o in gc.get_objects())

    before = geometries()
    for year in (2010, 2020):
        window.session.layers.set_as_of_year(year)
        qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
        opened_then = set(np.flatnonzero(frame["opening_year"].to_numpy() <= year).tolist())
        assert set(window.canvas.drawn_features(layer).tolist()) == _drawn_rows(frame, window.canvas.view_bounds()) & opened_then
    assert len(frame) not in classed
    assert geometries() - before < len(frame) // 10
    assert not layer._projected


@pytest.mark.parametrize("working_crs", [None, "EPSG:32737"])
def test_a_large_layers_drawing_geometry_is_made_once_in_the_loading_thread(qtbot, window, tmp_path, monkeypatch,
                                                                            working_crs):
    """The loader prepares a large layer's drawing arrays in its thread; the map finds them there
    instead of making them again on the GUI thread (100 ms for a million footprints), whether the
    window had a working CRS already (UTM 37S) or the layer's data chose it. A CRS's WKT may read
    differently in another thread (PROJ's context there: the WGS 84 datum where this thread says
    its ensemble), so what the arrays are kept under is the CRS's definition, not its WKT."""
    import threading

    from pyproj import CRS

    from planner_gui.map import geometry as geo

    if working_crs is not None:
        window.session.set_working_crs(CRS(working_crs))
    made = []
    real = geo.LayerGeometry.from_compact.__func__
    monkeypatch.setattr(geo.LayerGeometry, "from_compact", classmethod(
        lambda cls, *args: (made.append(threading.current_thread() is threading.main_thread()), real(cls, *args))[1]))
    path = tmp_path / "buildings.parquet"
    _footprints(SIDE).to_parquet(path)
    load(qtbot, window, [path], timeout=60_000)
    qtbot.waitUntil(lambda: not window.canvas.busy(), timeout=20_000)
    assert made == [False]
    layer = window.session.layers.find("buildings")
    assert window.canvas.graphic(layer).geometry is geo.prepared(layer, window.canvas.working_crs)
