"""Drawing geometry without Qt: flat arrays, culling, level of detail, tiny-feature pixels."""
from __future__ import annotations

import numpy as np
import shapely

from planner_gui.map.geometry import LayerGeometry, rasterise_boxes


def test_rings_and_parts_are_separated_and_features_sliced():
    holed = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (3, 2), (3, 3), (2, 2)]])
    multi = shapely.MultiPolygon([shapely.box(20, 20, 30, 30), shapely.box(40, 40, 50, 50)])
    g = LayerGeometry.from_geometries(np.array([holed, multi, shapely.box(0, 0, 1, 1)]), "polygon")
    assert g.n_features == 3
    assert g.ring_end.sum() == 2 + 2 + 1  # one end per ring
    x, y, connect = g.gather(np.array([1]))
    assert len(x) == 10 and list(connect).count(0) == 2  # two rings of five vertices, not joined


def test_cull_keeps_what_the_view_shows_and_splits_off_tiny_features():
    boxes = shapely.box(np.arange(100) * 100.0, 0, np.arange(100) * 100.0 + 10, 10)
    g = LayerGeometry.from_geometries(boxes, "polygon")
    view = (0, -50, 1000, 50)
    fine = g.cull(view, pixel_m=1.0)  # 10 m = 10 px: paths
    assert set(fine.features) == set(range(11)) and len(fine.small) == 0
    coarse = g.cull(view, pixel_m=5.0)  # 10 m = 2 px: pixels
    assert len(coarse.features) == 0 and set(coarse.small) == set(range(11))


def test_simplification_is_per_zoom_bucket_and_cached():
    circle = shapely.Point(0, 0).buffer(1000, quad_segs=256)
    g = LayerGeometry.from_geometries(np.array([circle]), "polygon")
    coarse = g.at_resolution(60.0)
    assert coarse is g.at_resolution(50.0)  # same power-of-two bucket (32 m)
    assert len(coarse.x) < len(g.x) / 4
    assert g.at_resolution(0.2) is g  # below half a metre: the full detail


def test_rasterise_boxes_marks_the_pixels_a_box_covers():
    mask = rasterise_boxes(np.array([[0.5, 0.5, 2.5, 1.5]]), (0, 0, 10, 10), 1.0, (10, 10))
    assert mask.sum() == 6 and mask[0:2, 0:3].all()


def test_every_zoom_levels_simplification_can_be_made_ahead(qtbot, window, tmp_path):
    """The loader makes each zoom level's simplification in its thread: a zoom finds it made."""
    import geopandas as gpd

    from tests.gui.helpers import load

    circle = shapely.Point(601_000, 5_340_000).buffer(3000, quad_segs=256)  # Vienna, UTM 33N
    path = tmp_path / "district.gpkg"
    gpd.GeoDataFrame({"name": ["ring"]}, geometry=[circle], crs="EPSG:32633").to_file(path, engine="pyogrio")
    load(qtbot, window, [path])
    g = window.canvas.graphic(window.session.layers.find("district")).geometry
    made = dict(g._simplified)
    assert sorted(made) == [2.0 ** k for k in range(10)]  # 1 m to 512 m a pixel
    assert all(g.at_resolution(2.0 ** k + 0.1) is made[2.0 ** k] for k in range(10))


def test_the_loader_works_out_a_layers_extent_so_zoom_to_layer_finds_it(qtbot, window, tmp_path, monkeypatch):
    """The extent zoom to layer asks for, and each feature's size, are worked out in the loader's
    thread (a million bounds scanned on the GUI thread took 8 ms of its turn), never on the GUI
    thread; the extent is the layer's bounds in the working CRS."""
    import threading

    import geopandas as gpd

    from planner_gui.map.geometry import LayerGeometry
    from tests.gui.helpers import load

    worked_out_in = []  # the thread each first computation ran in
    for name in ("extent", "size"):
        original = getattr(LayerGeometry, name)

        def watched(self, original=original, name=name):
            if f"_{name}" not in self.__dict__:
                worked_out_in.append(threading.current_thread())
            return original.fget(self)

        monkeypatch.setattr(LayerGeometry, name, property(watched))
    # Santiago de Chile, lon/lat: drawn in the working CRS chosen for it (UTM 19S)
    parcels = [shapely.box(-70.66 + i * 0.01, -33.46 + (i % 3) * 0.01, -70.655 + i * 0.01, -33.455 + (i % 3) * 0.01)
               for i in range(12)]
    path = tmp_path / "parcels.gpkg"
    gpd.GeoDataFrame({"lot": range(12)}, geometry=parcels, crs="EPSG:4326").to_file(path, engine="pyogrio")
    load(qtbot, window, [path])
    g = window.canvas.graphic(window.session.layers.find("parcels")).geometry
    window.canvas.zoom_to_layer(window.session.layers.find("parcels"))
    assert len(worked_out_in) == 2 and threading.main_thread() not in worked_out_in
    expected = gpd.GeoSeries(parcels, crs="EPSG:4326").to_crs(window.session.working_crs).total_bounds
    np.testing.assert_allclose(g.extent, expected, atol=1e-6)
