"""SDG 11.2.1 measured on a GTFS feed: one catchment of 1 km around high-capacity stations and 500 m
around low-capacity stops, with and without the frequent-service criterion, against shapely and
a cell-by-cell count of people."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from tests.feeds import tables, write_feed
from layers.analysis.presets import PRESETS
from layers.cli import main

UTM34S = "EPSG:32734"
CELL = 200.0


@pytest.fixture
def city(tmp_path):
    stops = tables()["stops"]
    stations = stops[(stops["location_type"] == 1) | (stops["parent_station"] == "") & (stops["location_type"] == 0)]
    points = gpd.GeoSeries(gpd.points_from_xy(stations["stop_lon"], stations["stop_lat"]), crs=4326).to_crs(UTM34S)
    where = dict(zip(stations["stop_id"], points))
    cx, cy = where["Central"].x, where["Central"].y
    boundary = shapely.box(cx - 2500, cy - 3500, cx + 5500, cy + 2000)
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[boundary], crs=UTM34S).to_file(tmp_path / "boundary.gpkg")
    rows, cols = 40, 55
    west, north = cx - 4000, cy + 3000
    values = ((np.arange(cols)[None, :] % 7) + (np.arange(rows)[:, None] % 5) + 1) * 3.0
    transform = from_origin(west, north, CELL, CELL)
    with rasterio.open(tmp_path / "pop.tif", "w", driver="GTiff", height=rows, width=cols, count=1, dtype="float64",
                       crs=UTM34S, transform=transform) as dst:
        dst.write(values, 1)
    cells = np.array([shapely.box(west + c * CELL, north - (r + 1) * CELL, west + (c + 1) * CELL, north - r * CELL)
                      for r in range(rows) for c in range(cols)], dtype=object)
    return dict(feed=write_feed(tmp_path), where=where, boundary=boundary, cells=cells, values=values.ravel(),
                folder=tmp_path)


def people_in(zone, city) -> float:
    """People in `zone`: each cell's people times the share of the cell inside (shapely, cell by cell)."""
    return float((city["values"] * shapely.area(shapely.intersection(city["cells"], zone)) / CELL**2).sum())


def sdg_zone(city, names_high, names_low):
    """The union of 1 km circles around `names_high` and 500 m ones around `names_low`, in the study area
    (4,096 chords a circle: 4e-7 short of them; the figures are within 1e-4 of the circles)."""
    circles = [city["where"][n].buffer(1000, quad_segs=1024) for n in names_high]
    circles += [city["where"][n].buffer(500, quad_segs=1024) for n in names_low]
    return shapely.intersection(shapely.union_all(circles), city["boundary"])


def measure(city, capsys, *flags):
    argv = [str(city["feed"]), str(city["folder"] / "boundary.gpkg"), str(city["folder"] / "pop.tif"),
            "-p", "sdg-11.2.1", "--format", "json", *flags]
    assert main(argv) == 0, capsys.readouterr().err
    out, err = capsys.readouterr()
    return json.loads(out)[0], err


def test_sdg_one_catchment_for_both_classes_with_and_without_frequent_service(city, capsys):
    result, _ = measure(city, capsys, "--frequent-headway", "12")
    everything = sdg_zone(city, ["Central", "Museum", "Harbour"], ["S1", "S2"])
    study_people = people_in(city["boundary"], city)
    figures = result["figures"]
    assert "32734" in result["crs"]
    assert figures["area_m2"] == pytest.approx(everything.area, rel=1e-4)
    assert result["numerator"] == pytest.approx(people_in(everything, city), rel=1e-4)
    assert result["denominator"] == pytest.approx(study_people, rel=1e-9)
    # at 12 minutes the metro stations (5, 5 and 10 min) are frequent, the bus stops (15 min) are not
    frequent = sdg_zone(city, ["Central", "Museum", "Harbour"], [])
    assert figures["frequent_headway_min"] == 12 and figures["frequent_stations"] == 3
    assert figures["frequent_area_m2"] == pytest.approx(frequent.area, rel=1e-4)
    assert figures["frequent_population"] == pytest.approx(people_in(frequent, city), rel=1e-4)
    assert figures["frequent_population_share"] == pytest.approx(people_in(frequent, city) / study_people, rel=1e-4)
    assert figures["frequent_population"] < result["numerator"]
    assert "mean headway of 12 min or better" in result["method"] and "Tuesday 2024-03-05, 07:00-09:00" in result["method"]


def test_a_stricter_headway_and_a_planned_brt(city, capsys):
    result, _ = measure(city, capsys, "--frequent-headway", "8", "--brt", "12")
    # every station is high capacity now (the bus is BRT): 1 km everywhere; at 8 minutes Harbour (10) drops out
    everything = sdg_zone(city, ["Central", "Museum", "Harbour", "S1", "S2"], [])
    assert result["figures"]["area_m2"] == pytest.approx(everything.area, rel=1e-4)
    frequent = sdg_zone(city, ["Central", "Museum"], [])
    assert result["figures"]["frequent_population"] == pytest.approx(people_in(frequent, city), rel=1e-4)


def test_without_a_headway_the_figures_say_how_to_ask_for_it(city, capsys):
    result, _ = measure(city, capsys)
    assert not any(k.startswith("frequent_") for k in result["figures"])
    assert "--frequent-headway" in result["method"]


def test_the_table_output_and_an_expired_feed_warning(city, capsys):
    expired = write_feed(city["folder"] / "old", expired=True)
    argv = [str(expired), str(city["folder"] / "boundary.gpkg"), str(city["folder"] / "pop.tif"), "-p", "sdg-11.2.1",
            "--frequent-headway", "20"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "frequent_population_share" in out and "population_share" in out
    assert "service ended on 2020-12-31" in err


def test_presets_are_records_with_roles_radii_and_sources():
    sdg = PRESETS["sdg-11.2.1"]
    assert sdg.reaches(1000.0) == [("high", 1000.0), ("low", 500.0)]
    assert sdg.reaches(800.0) == [("high", 800.0), ("low", 500.0)]  # the radius setting moves the high class
    assert "transit_stop" in sdg.roles and sdg.frequent_service
    assert PRESETS["itdp-pnt"].reaches(1000.0) == [("high", 1000.0)]
    assert PRESETS["green-access"].reaches(300.0) == [(None, 300.0)]
    for p in PRESETS.values():
        assert p.roles and p.source and p.method


@pytest.mark.parametrize("flags, fragment", [
    (("--service-window", "9-7"), "write the hours as HH:MM-HH:MM"),
    (("--service-day", "5 March"), "write a date as YYYY-MM-DD"),
    (("--frequent-headway", "-5"), "frequent-service headway"),
    (("--brt", "99"), "no route 99 in the feed"),
])
def test_bad_transit_flags_are_messages(city, capsys, flags, fragment):
    argv = [str(city["feed"]), str(city["folder"] / "boundary.gpkg"), "-p", "sdg-11.2.1", *flags]
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err


def test_a_project_keeps_the_feed_and_the_headway(city, capsys):
    """Saved and opened again: the feed's layers come back by name inside it, the headway with the settings."""
    from layers.cli import build_session
    from layers.session.project import save_project

    session = build_session([str(city["feed"]), str(city["folder"] / "boundary.gpkg"), str(city["folder"] / "pop.tif")])
    session.update(frequent_headway_min=12.0)
    project = save_project(city["folder"] / "city.planner.json", session)
    before, _ = measure(city, capsys, "--frequent-headway", "12")
    assert main([str(project), "-p", "sdg-11.2.1", "--format", "json"]) == 0
    after = json.loads(capsys.readouterr().out)[0]
    assert after["figures"] == before["figures"] and after["value"] == before["value"]
