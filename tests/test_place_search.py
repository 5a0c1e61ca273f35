"""Place search lists each place once with its layer: one name in two layers is two entries, each
naming its layer; one feature (or an interchange's platforms, a few hundred metres apart) is one
entry; one name far apart in one layer is numbered. In Santiago de Chile (UTM 19S), from lon/lat."""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.layer import VectorLayer
from layers.place_search import SAME_PLACE_M, find_places

UTM_19S = "EPSG:32719"
# Santiago: Baquedano is an interchange of lines 1 and 5 (two platforms ~150 m apart); a 'Baquedano'
# commune far north (Antofagasta region) stands for a second place with the same name in the layer.
STATIONS = gpd.GeoDataFrame(
    {"name": ["Baquedano", "Baquedano", "Los Héroes", "Baquedano", "Universidad de Chile"],
     "line": ["L1", "L5", "L1", "far", "L1"]},
    geometry=shapely.points([(-70.6345, -33.4372), (-70.6335, -33.4362), (-70.6602, -33.4462),
                             (-69.8400, -23.3400), (-70.6530, -33.4440)]), crs=4326)
COMMUNES = gpd.GeoDataFrame(
    {"name": ["Baquedano", "Providencia"]},
    geometry=[shapely.box(-70.640, -33.442, -70.628, -33.432), shapely.box(-70.62, -33.44, -70.59, -33.41)],
    crs=4326)


@pytest.fixture
def layers():
    stations = VectorLayer(name="Metro stations", role="metro_station", gdf=STATIONS)
    communes = VectorLayer(name="Communes", role="ward", gdf=COMMUNES)
    return [communes, stations]  # stations on top


def test_each_place_once_with_its_layer_beside_its_name(layers):
    places = find_places(layers, "baquedano", UTM_19S)
    labels = [p.label() for p in places]
    assert len(labels) == len(set(labels))  # no entry twice
    assert labels == ["Baquedano — Metro stations (1 of 2)", "Baquedano — Metro stations (2 of 2)",
                      "Baquedano — Communes"]
    # the interchange's two platforms are one place: both highlighted, zoomed to together
    interchange = places[0]
    assert interchange.rows == (0, 1)
    platforms = STATIONS.to_crs(UTM_19S).geometry.iloc[[0, 1]]
    assert platforms.iloc[0].distance(platforms.iloc[1]) < SAME_PLACE_M
    assert interchange.bounds == pytest.approx(platforms.total_bounds.tolist())
    assert places[1].rows == (3,)  # 1,100 km away: another place of that name
    assert places[2].layer.name == "Communes" and places[2].rows == (0,)


def test_a_feature_named_once_is_one_entry_and_the_limit_counts_places(layers):
    places = find_places(layers, "los heroes", UTM_19S)
    assert [(p.label(), p.rows) for p in places] == [("Los Héroes — Metro stations", (2,))]
    assert len(find_places(layers, "baquedano", UTM_19S, limit=1)) == 1
