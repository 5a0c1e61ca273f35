"""The geometry kind the layer panel and the canvas ask for (`layer.geometry_kind`): the kind of its
data, remembered per data."""
from __future__ import annotations

import geopandas as gpd
import shapely

from layers.crs import HANOI_CRS
from layers.layer import VectorLayer, geometry_kind


def _layer(geoms) -> VectorLayer:
    return VectorLayer(name="things", gdf=gpd.GeoDataFrame(geometry=geoms, crs=HANOI_CRS))


def test_kind_matches_the_layer_for_every_mix_of_geometry_types():
    point, line, square = shapely.Point(0, 0), shapely.LineString([(0, 0), (1, 1)]), shapely.box(0, 0, 1, 1)
    cases = [
        [point, shapely.MultiPoint([(0, 0), (2, 2)])],
        [line, shapely.MultiLineString([[(0, 0), (1, 0)]]), shapely.LinearRing([(0, 0), (1, 0), (1, 1)])],
        [square, shapely.MultiPolygon([square]), shapely.Polygon()],
        [square, line],
        [square, None],
        [shapely.GeometryCollection([point])],
        [],
    ]
    for geoms in cases:
        layer = _layer(geoms)
        assert layer.geometry_kind == geometry_kind(layer.gdf), geoms


def test_kind_is_remembered_until_the_layer_gets_new_data():
    layer = _layer([shapely.box(0, 0, 1, 1)])
    assert layer.geometry_kind == "polygon"
    layer.gdf = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=HANOI_CRS)  # new data: asked again
    assert layer.geometry_kind == "point"
