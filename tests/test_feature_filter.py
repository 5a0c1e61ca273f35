"""The timeline's model state: per-layer feature filters and the stack's as-of year."""
from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine

from layers.analysis.city import CityData
from layers.analysis.coverage import PopulationGrid
from layers.layer import VectorLayer
from layers.analysis.scenario import Scenario
from layers.stack import LayerStack

UTM = "EPSG:32648"
X0, Y0 = 585_000.0, 2_325_000.0


def stations() -> VectorLayer:
    gdf = gpd.GeoDataFrame(
        {"line": ["2A", "3", "2", "9"], "status": ["existing", "existing", "under_construction", "planned"],
         "opening_year": [2021, 2024, 2030, None]},
        geometry=shapely.points([(X0 + 1000, Y0 + 1000), (X0 + 3000, Y0 + 1000), (X0 + 5000, Y0 + 1000),
                                 (X0 + 7000, Y0 + 1000)]),
        crs=UTM,
    )
    return VectorLayer(name="stations", role="metro_station", gdf=gdf)


def ward() -> VectorLayer:
    gdf = gpd.GeoDataFrame({"name": ["all"], "status": ["planned"], "opening_year": [2040]},
                           geometry=[shapely.box(X0, Y0, X0 + 8000, Y0 + 2000)], crs=UTM)
    return VectorLayer(name="wards", role="ward", gdf=gdf)


def test_as_of_uses_the_opening_year_before_the_status():
    layer = stations()
    assert Scenario.as_of(2022).mask(layer.gdf).tolist() == [True, False, False, False]
    assert Scenario.as_of(2025).mask(layer.gdf).tolist() == [True, True, False, False]
    assert Scenario.as_of(2030).mask(layer.gdf).tolist() == [True, True, True, False]


def test_stack_as_of_year_filters_network_layers_not_context_and_tells_listeners():
    stack, events = LayerStack(), []
    net, zones = stack.add(stations()), stack.add(ward())
    stack.events.all.connect(events.append)
    stack.set_as_of_year(2022)
    assert [(e.signal.name, e.args[0].name) for e in events] == [("filter", "stations")]
    assert net.feature_mask().tolist() == [True, False, False, False]
    assert zones.feature_mask() is None
    assert len(net.shown_in_crs(UTM)) == 1
    later = stack.add(stations())  # a layer added while the timeline is on takes the year too
    assert later.feature_mask().tolist() == [True, False, False, False]
    stack.set_as_of_year(None)
    assert net.feature_mask() is None and stack.as_of_year is None


def test_city_data_counts_what_the_filter_shows_unless_asked_not_to():
    stack = LayerStack()
    stack.add(stations())
    stack.add(ward())
    grid = PopulationGrid(np.full((20, 80), 10.0), Affine(100, 0, X0, 0, -100, Y0 + 2000), UTM)
    city = CityData.from_layers(list(stack), UTM, shapely.box(X0, Y0, X0 + 8000, Y0 + 2000))
    city.population = grid
    assert len(city.features("metro_station")) == 4
    stack.set_as_of_year(2024)
    assert city.features("metro_station")["line"].tolist() == ["2A", "3"]
    everything = dataclasses.replace(city, use_filters=False)
    assert len(everything.features("metro_station")) == 4
    assert everything.population is grid


def test_the_timeline_reads_a_large_layers_fields_without_making_its_geometries():
    """The timeline's year-by-year masks read the features' fields (`CityData.feature_fields`): the same
    rows as `features` gives, and a building layer held as arrays makes no shapely frame for them."""
    from layers.analysis.coverage.compact import CompactGeometries
    from layers.compact_layer import CompactVectorLayer

    footprints = shapely.box(X0 + np.arange(40) * 50.0, Y0, X0 + np.arange(40) * 50.0 + 20, Y0 + 15)
    fields = gpd.GeoDataFrame({"opening_year": 2000 + np.arange(40) % 30, "floors": np.arange(40) % 5})
    held = CompactVectorLayer(name="buildings", role="building", gdf=fields, layer_crs=UTM,
                              geometries=CompactGeometries.from_shapely(footprints))
    whole = VectorLayer(name="buildings", role="building", gdf=gpd.GeoDataFrame(fields, geometry=footprints, crs=UTM))
    for layer in (held, whole):
        stack = LayerStack()
        stack.add(stations())
        stack.add(layer)
        stack.set_as_of_year(2015)
        city = CityData.from_layers(list(stack), UTM, shapely.box(X0, Y0, X0 + 8000, Y0 + 2000))
        stations_shown = pd.DataFrame(city.features("metro_station")).drop(columns="geometry")
        assert city.feature_fields("metro_station").equals(stations_shown)
        assert city.feature_fields("building").equals(pd.DataFrame(fields[fields["opening_year"] <= 2015]))
    assert not held._projected  # the building layer's geometries stayed arrays
