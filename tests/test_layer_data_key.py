"""What is worked out once from a layer's data (its reprojection to the working CRS, its bounds, the
map's answers keyed on `Layer.data_key`) follows the data: a frame set anew, or a change made to it
in place and announced (`LayerStack.notify_data_changed`, as a field mapping's status column is).

The station file here is in longitude/latitude, the session in UTM 48N: the figures read the
stations' reprojection, which was kept from before the mapping was set."""
from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely

from layers.analysis.indicators import evaluate
from layers.io.load import held_as_arrays
from layers.layer import VectorLayer
from layers.session import Session

RADIUS_M = 500.0
# two stations 5 km apart in Hanoi, and a boundary around both, far from either's circle
STATIONS_LONLAT = [(105.80, 21.00), (105.85, 21.03)]


def _session(as_arrays: bool = False) -> tuple[Session, VectorLayer]:
    session = Session()
    session.set_working_crs("EPSG:32648")
    boundary = gpd.GeoDataFrame({"name": ["city"]}, geometry=[shapely.box(105.75, 20.95, 105.90, 21.08)], crs=4326)
    session.add_layer(VectorLayer(name="boundary", gdf=boundary.to_crs(32648), role="boundary"))
    stations = gpd.GeoDataFrame({"name": ["A", "B"], "phase": ["open", "planned"]},
                                geometry=shapely.points(STATIONS_LONLAT), crs=4326)
    layer = VectorLayer(name="stations", gdf=stations, role="metro_station")
    if as_arrays:  # as a layer of a million footprints is held
        layer = held_as_arrays(layer)
    session.add_layer(layer)
    return session, layer


def _catchment_km2(session: Session) -> float:
    return evaluate("itdp-pnt", session.measured_city(), RADIUS_M, session.scenario()).figures["area_m2"] / 1e6


def test_a_status_field_mapped_after_the_figures_were_measured_changes_them():
    session, layer = _session()
    both = _catchment_km2(session)  # measured: the stations' reprojection is made and kept
    assert both == pytest.approx(2 * math.pi * RADIUS_M ** 2 / 1e6, rel=1e-3)  # no status: both exist
    session.set_fields(layer, {"status": "phase"})  # B is planned, and the scenario is 'existing'
    assert layer.gdf["status"].tolist() == ["existing", "planned"]
    assert _catchment_km2(session) == pytest.approx(both / 2, rel=1e-3)
    assert layer.in_crs(session.working_crs)["status"].tolist() == ["existing", "planned"]


def test_a_layer_held_as_arrays_gives_its_fields_as_they_are_now():
    session, layer = _session(as_arrays=True)
    assert "status" not in layer.in_crs(session.working_crs).columns
    session.set_fields(layer, {"status": "phase"})
    assert layer.in_crs(session.working_crs)["status"].tolist() == ["existing", "planned"]


def test_a_frame_set_anew_is_new_data_for_every_answer_kept():
    _, layer = _session()
    first_key, first_bounds = layer.data_key, layer.bounds
    moved = layer.gdf.set_geometry(shapely.points([(106.0, 21.2), (106.1, 21.3)]), crs=4326)
    layer.gdf = moved
    assert layer.data_key != first_key  # a new frame: a new key, whatever id() the new frame has
    assert layer.bounds == pytest.approx((106.0, 21.2, 106.1, 21.3)) != first_bounds
    x, y = layer.in_crs("EPSG:32648").geometry.iloc[0].coords[0]
    assert x == pytest.approx(603_794, abs=1)  # 106.0 E in UTM 48N (105.80 E, the first frame, is 583 km)
    changed = layer.data_key
    layer.data_revision += 1  # what LayerStack.notify_data_changed does after a change in place
    assert layer.data_key != changed
