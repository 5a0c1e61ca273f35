"""LayerStack: order, visibility, opacity and the events a GUI follows."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.io.raster_load import read_raster
from layers.layer import Style, VectorLayer
from layers.stack import LayerStack


@pytest.fixture
def stack_and_events(wards_gdf):
    stack = LayerStack()
    events = []
    # every signal of the stack, as (its name, the layer's name, the index if it has one)
    stack.events.all.connect(lambda e: events.append((e.signal.name, e.args[0].name, *e.args[1:])))
    for name in ("population", "wards", "metro"):
        stack.add(VectorLayer(name=name, gdf=wards_gdf))
    return stack, events


def test_add_puts_layers_on_top_and_tells(stack_and_events):
    stack, events = stack_and_events
    assert stack.names() == ["population", "wards", "metro"]
    assert events == [("inserted", "population", 0), ("inserted", "wards", 1), ("inserted", "metro", 2)]


def test_a_layer_opened_from_a_file_is_placed_by_what_it_draws(wards_gdf, stations_gdf, population_tif):
    """Rasters under polygons under lines under points, the newest on top within its tier, above the
    layers of its tier wherever the planner has moved them."""
    stack = LayerStack()
    lines = gpd.GeoDataFrame(geometry=[shapely.LineString([(585_000, 2_325_000), (587_000, 2_326_000)])],
                             crs="EPSG:32648")
    opened = [VectorLayer(name="stations", gdf=stations_gdf), VectorLayer(name="wards", gdf=wards_gdf),
              VectorLayer(name="line 2", gdf=lines), read_raster(population_tif)]
    for layer in opened:
        stack.add(layer, stack.placement(layer))
    assert stack.names() == ["population", "wards", "line 2", "stations"]
    stack.move(stack.find("stations"), 0)  # the planner's own order is kept
    for layer in (VectorLayer(name="wards", gdf=wards_gdf), read_raster(population_tif)):
        stack.add(layer, stack.placement(layer))
    assert stack.names() == ["stations", "population", "population (2)", "wards", "wards (2)", "line 2"]
    assert LayerStack().placement(opened[0]) == 0


def test_duplicate_names_get_a_suffix(stack_and_events, wards_gdf):
    stack, _ = stack_and_events
    assert stack.add(VectorLayer(name="wards", gdf=wards_gdf)).name == "wards (2)"


def test_move_changes_drawing_order(stack_and_events):
    stack, events = stack_and_events
    stack.move(stack.find("metro"), 0)
    assert stack.names() == ["metro", "population", "wards"]
    assert events[-1] == ("moved", "metro", 0)
    with pytest.raises(IndexError):
        stack.move(stack.find("metro"), 3)


def test_visibility_opacity_style_and_remove(stack_and_events):
    stack, events = stack_and_events
    wards = stack.find("wards")
    stack.set_visible(wards, False)
    stack.set_visible(wards, False)  # no change, no event
    stack.set_opacity(wards, 0.5)
    stack.set_style(wards, Style(stroke="#ff0000"))
    stack.remove(wards)
    assert events[3:] == [("visibility", "wards"), ("opacity", "wards"), ("style", "wards"), ("removed", "wards", 1)]
    assert not wards.visible and wards.opacity == 0.5 and wards.style.stroke == "#ff0000"
    assert stack.names() == ["population", "metro"]
    with pytest.raises(ValueError):
        stack.set_opacity(stack.find("metro"), 1.5)


def test_unknown_role_is_refused(wards_gdf):
    with pytest.raises(ValueError, match="unknown role 'roads'"):
        VectorLayer(name="x", gdf=wards_gdf, role="roads")


def test_reprojection_is_cached_until_the_data_changes(stations_gdf):
    layer = VectorLayer(name="stations", gdf=stations_gdf)
    first = layer.in_crs(32648)
    assert first.crs.to_epsg() == 32648
    assert layer.in_crs("EPSG:32648") is first
    layer.gdf = stations_gdf.iloc[:2].copy()
    assert len(layer.in_crs(32648)) == 2


def test_a_result_shown_again_unchanged_tells_nobody_and_a_changed_one_does():
    """A dock recomputed after a change that moved nothing (a layer not measured shown again) hands
    the same catchment back: the map must not redraw it."""
    import geopandas as gpd
    import shapely

    from layers.crs import HANOI_CRS
    from layers.layer import Style
    from layers.session import Session

    session = Session()
    events = []
    session.results.events.all.connect(events.append)

    def catchment(radius):
        return gpd.GeoDataFrame({"radius_m": [radius]}, geometry=[shapely.Point(585_000, 2_325_000).buffer(radius)],
                                crs=HANOI_CRS)

    style = Style(stroke="#1f77b4")
    shown = session.show_result("catchment", catchment(500.0), "Catchment (500 m)", style)
    assert len(events) == 1
    assert session.show_result("catchment", catchment(500.0), "Catchment (500 m)", style) is shown
    assert len(events) == 1  # the same features, name and style: nothing to tell
    session.show_result("catchment", catchment(800.0), "Catchment (500 m)", style)  # a field and geometry moved
    assert len(events) == 2 and shown.gdf["radius_m"].iloc[0] == 800.0
    moved = catchment(800.0)
    moved["radius_m"] = 500.0  # the geometry alone differs from the first
    session.show_result("catchment", catchment(500.0), "Catchment (500 m)", style)
    session.show_result("catchment", moved, "Catchment (500 m)", style)
    assert len(events) == 4
    session.show_result("catchment", moved, "Catchment (500 m)", Style(stroke="#ff0000"))
    assert len(events) == 5  # a new style is drawn
