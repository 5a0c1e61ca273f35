"""What the map works out once from a layer's data (the timeline's mask, style classes, legend
groups) follows a change of the layer's field mapping, which rewrites its derived status and
opening year in place: the map then shows what the figures count."""
from __future__ import annotations

import dataclasses

import geopandas as gpd
import shapely

from layers.layer import VectorLayer
from layers.session import Session
from planner_gui.map.legend.entries import vector_groups
from planner_gui.map.shown import shown_mask
from planner_gui.map.symbology import layer_style_classes


def _stations() -> tuple[Session, VectorLayer]:
    gdf = gpd.GeoDataFrame({"name": ["Ponte", "Centro"], "built": [2020, 2030], "planned": [2030, 2020],
                            "state": ["open", "planned"], "plan": ["planned", "planned"]},
                           geometry=shapely.points([[584_000, 4_477_000], [585_000, 4_477_500]]),  # Rome, UTM 33N
                           crs="EPSG:32633")
    session = Session()
    layer = VectorLayer(name="stations", gdf=gdf, role="metro_station")
    session.add_layer(layer)
    session.set_fields(layer, {"opening_year": "built", "status": "state"})
    return session, layer


def test_the_timeline_shows_what_the_new_mapping_says():
    session, layer = _stations()
    session.layers.set_as_of_year(2025)
    assert shown_mask(layer).tolist() == layer.feature_mask().tolist() == [True, False]
    session.set_fields(layer, {"opening_year": "planned", "status": "state"})
    assert shown_mask(layer).tolist() == layer.feature_mask().tolist() == [False, True]


def test_style_classes_and_legend_follow_the_new_mapping():
    session, layer = _stations()
    session.set_style(layer, dataclasses.replace(layer.style, category_field="status"))
    assert {cls.label: rows.tolist() for cls, rows in layer_style_classes(layer)} == {"existing": [0], "planned": [1]}
    assert [swatch.label for _, swatches in vector_groups(layer) for swatch in swatches] == ["existing", "planned"]
    session.set_fields(layer, {"opening_year": "built", "status": "plan"})  # both planned now
    assert {cls.label: rows.tolist() for cls, rows in layer_style_classes(layer)} == {"planned": [0, 1]}
    assert [swatch.label for _, swatches in vector_groups(layer) for swatch in swatches] == ["planned"]
