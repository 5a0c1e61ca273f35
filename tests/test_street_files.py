"""Street files as they come: lines crossing without a shared vertex, bridges and tunnels, fragments
joined to nothing, networks covering part of the study area, and every warning reaching the user.

Fixtures are made here, in UTM zone 23S (São Paulo's, southern hemisphere); each figure is checked
against an independent computation (a graph built from lines noded by hand, shapely areas, areal
weighting done here).
"""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from layers.analysis.network import StreetGraph, walking_catchment
from layers.analysis.network.crossings import node_crossings, street_levels

UTM_SOUTH = "EPSG:32723"
X0, Y0 = 330_000.0, 7_390_000.0  # São Paulo, in metres


def crossing_grid(n=31, step=100.0, shared=False):
    """A 3 km street grid: each street one straight line from edge to edge; with `shared`, every
    crossing is a vertex of both streets (the grid as an OSM extract or a noded file draws it)."""
    ticks = np.arange(n) * step
    if shared:
        return ([shapely.LineString([(X0 + x, Y0 + y) for y in ticks]) for x in ticks]
                + [shapely.LineString([(X0 + x, Y0 + y) for x in ticks]) for y in ticks])
    return ([shapely.LineString([(X0 + x, Y0), (X0 + x, Y0 + ticks[-1])]) for x in ticks]
            + [shapely.LineString([(X0, Y0 + y), (X0 + ticks[-1], Y0 + y)]) for y in ticks])


def test_a_grid_crossing_without_shared_vertices_walks_like_the_noded_one():
    station = [[X0 + 1_520.0, Y0 + 1_470.0]]
    noded = StreetGraph.from_lines(crossing_grid(shared=True), UTM_SOUTH)
    as_drawn = StreetGraph.from_lines(node_crossings(gpd.GeoDataFrame(geometry=crossing_grid(), crs=UTM_SOUTH)),
                                      UTM_SOUTH)
    assert as_drawn.edge_count == noded.edge_count and as_drawn.node_count == noded.node_count
    reference = walking_catchment(noded, station, 1_000.0)
    walked = walking_catchment(as_drawn, station, 1_000.0)
    assert walked.area_m2 == pytest.approx(reference.area_m2, rel=1e-9)
    assert walked.street_length_m == pytest.approx(reference.street_length_m, rel=1e-9)
    assert reference.area_m2 > 1.5e6  # about 2 km2, not one street's band
    # unnoded, only the station's own street would be walked: what the file gave before
    unnoded = walking_catchment(StreetGraph.from_lines(crossing_grid(), UTM_SOUTH), station, 1_000.0)
    assert unnoded.street_length_m == pytest.approx(2 * (1_000.0 - 20.0))  # 20 m off its street x = 1500


def crossing(**attributes):
    """A street y = 0 (x 0..1000) and a second line x = 500 (y -500..500) crossing it mid-way, no shared
    vertex; the second line carries `attributes`."""
    street = shapely.LineString([(X0, Y0), (X0 + 1_000, Y0)])
    over = shapely.LineString([(X0 + 500, Y0 - 500), (X0 + 500, Y0 + 500)])
    columns = {name: [None, value] for name, value in attributes.items()}
    return gpd.GeoDataFrame(columns, geometry=[street, over], crs=UTM_SOUTH)


@pytest.mark.parametrize("attributes, joined", [
    ({}, True),
    ({"bridge": "yes"}, False),
    ({"BRIDGE": "viaduct"}, False),
    ({"tunnel": "yes"}, False),
    ({"layer": 1}, False),
    ({"layer": "-1"}, False),
    ({"bridge": "no"}, True),
    ({"bridge": "no", "layer": 0}, True),
])
def test_a_bridge_or_tunnel_does_not_join_the_street_it_crosses(attributes, joined):
    graph = StreetGraph.from_lines(node_crossings(crossing(**attributes)), UTM_SOUTH)
    walked = walking_catchment(graph, [[X0 + 100, Y0]], 3_000.0)
    # the street is walked whole; the crossing line (1,000 m) only if the data puts it at the street's level
    assert walked.street_length_m == pytest.approx(2_000.0 if joined else 1_000.0)


def test_levels_read_from_the_attributes():
    frame = crossing(bridge="yes", layer=2)
    assert list(street_levels(frame)) == ["ground 0", "bridge 2"]
    assert list(street_levels(gpd.GeoDataFrame(geometry=frame.geometry))) == ["ground 0", "ground 0"]


def test_two_bridges_at_one_level_join_where_they_cross():
    a = shapely.LineString([(X0, Y0), (X0 + 200, Y0)])
    b = shapely.LineString([(X0 + 100, Y0 - 100), (X0 + 100, Y0 + 100)])
    frame = gpd.GeoDataFrame({"bridge": ["yes", "yes"]}, geometry=[a, b], crs=UTM_SOUTH)
    graph = StreetGraph.from_lines(node_crossings(frame), UTM_SOUTH)
    assert walking_catchment(graph, [[X0, Y0]], 1_000.0).street_length_m == pytest.approx(400.0)


def test_a_station_beside_a_fragment_is_snapped_to_the_main_network_and_said():
    grid = crossing_grid(n=11, shared=True)  # 1 km x 1 km
    platform = shapely.LineString([(X0 + 1_030, Y0 + 500), (X0 + 1_030, Y0 + 541.7)])  # joined to nothing
    graph = StreetGraph.from_lines(grid + [platform], UTM_SOUTH)
    station = np.array([[X0 + 1_031.0, Y0 + 520.0]])  # 1 m from the platform, 31 m from the grid
    walked = walking_catchment(graph, station, 500.0)
    expected_off = shapely.distance(shapely.Point(station[0]), shapely.union_all(grid))
    assert walked.reach.snapped.off_street_m[0] == pytest.approx(expected_off)
    assert walked.street_length_m > 1_000.0  # the grid is walked, not 41.7 m of platform
    assert any("fragment" in w and "41.7 m" in w for w in walked.warnings)
    # a station on the grid passes over no fragment and says nothing
    assert walking_catchment(graph, [[X0 + 500, Y0 + 500]], 500.0).warnings == []


def write_city(path, streets, stations):
    """A 3 km x 3 km study area with two census zones (west 1,000 people, east 3,000) in one GeoPackage."""
    boundary = shapely.box(X0, Y0, X0 + 3_000, Y0 + 3_000)
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[boundary], crs=UTM_SOUTH).to_file(path, layer="city_boundary")
    zones = [shapely.box(X0, Y0, X0 + 1_500, Y0 + 3_000), shapely.box(X0 + 1_500, Y0, X0 + 3_000, Y0 + 3_000)]
    gpd.GeoDataFrame({"population": [1_000.0, 3_000.0]}, geometry=zones, crs=UTM_SOUTH).to_file(
        path, layer="population")
    gpd.GeoDataFrame({"name": [f"s{i}" for i in range(len(stations))]},
                     geometry=shapely.points(stations), crs=UTM_SOUTH).to_file(path, layer="stations")
    gpd.GeoDataFrame(geometry=streets, crs=UTM_SOUTH).to_file(path, layer="streets")


def test_cli_states_the_share_outside_the_network_and_prints_every_warning(tmp_path, capsys):
    from layers.cli import main

    # streets over the western 600 m only (a fifth of the study area), crossing without shared vertices
    ticks = np.arange(0, 601, 100.0)
    streets = ([shapely.LineString([(X0 + x, Y0), (X0 + x, Y0 + 3_000)]) for x in ticks]
               + [shapely.LineString([(X0, Y0 + y), (X0 + 600, Y0 + y)]) for y in np.arange(0, 3_001, 100.0)])
    path = tmp_path / "city.gpkg"
    write_city(path, streets, [(X0 + 300, Y0 + 1_500), (X0 + 2_500, Y0 + 1_500)])  # the second is 1.9 km off
    out = tmp_path / "walk.json"
    code = main([str(path), "--role", f"{path}:streets=street", "-p", "itdp-pnt", "--distance", "walking",
                 "-f", "json", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    result = json.loads(out.read_text())[0]
    # independently: the network's extent is the box x 0..600; people by areal weighting of the two zones
    outside_people = 1_000.0 * (900.0 / 1_500.0) + 3_000.0
    assert result["figures"]["outside_network_population"] == pytest.approx(outside_people, rel=1e-9)
    assert result["figures"]["outside_network_share"] == pytest.approx(outside_people / 4_000.0, rel=1e-9)
    assert result["figures"]["outside_network_area_m2"] == pytest.approx(2_400.0 * 3_000.0, rel=1e-9)
    warnings = result["warnings"]
    assert any("covers only 10.0% of the study area's people" in w for w in warnings)
    assert any("more than 200 m from any street" in w for w in warnings)
    for warning in warnings:
        assert f"warning: itdp-pnt: {warning}" in err
    # the streets were joined at their crossings: the first station walks more than its own street
    assert result["numerator"] > 0
    assert code == main([str(path), "--role", f"{path}:streets=street", "-p", "itdp-pnt", "--distance", "walking"])
    text = capsys.readouterr()
    assert f"{'warning':<18} the street network" in text.out and "warning: itdp-pnt" in text.err
