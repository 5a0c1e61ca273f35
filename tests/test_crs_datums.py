"""Data as agencies publish it, on its own datum: a State Plane file in US survey feet, NAD83 lon/lat,
a Finnish GeoTIFF whose WKT pyproj's PROJ cannot place, Krovak, a polar cap. Figures are checked
against geopandas in a metric CRS of the same datum (EPSG:32118, 26918), and against pyproj.Geod on
the ellipsoid; no library warning reaches the planner."""
from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS, Geod
from pyproj.transformer import TransformerGroup
from rasterio.transform import from_origin

from layers.cli import main as cli
from layers.crs import TransformError, choose_working_crs, metric_form, shift
from layers.io import read_raster

ROOT = Path(__file__).resolve().parent.parent
# Lower Manhattan / Brooklyn in NAD83 / New York Long Island (ftUS), EPSG:2263
NY_X0, NY_Y0 = 975_000.0, 180_000.0
FT = 1200 / 3937  # one US survey foot in metres


def _new_york(tmp_path, stations_crs="EPSG:4269"):
    """Boroughs-like zones and an outline in EPSG:2263 (feet), stations in `stations_crs`, as NYC's
    City Planning and a transit agency would hand them over."""
    outline = shapely.Polygon([(NY_X0, NY_Y0), (NY_X0 + 30_000, NY_Y0 + 2_000), (NY_X0 + 28_000, NY_Y0 + 40_000),
                               (NY_X0 + 1_000, NY_Y0 + 38_000)])
    city = gpd.GeoDataFrame({"name": ["city"]}, geometry=[outline], crs=2263)
    city.to_file(tmp_path / "city_boundary.gpkg", layer="city_boundary")
    points = [(NY_X0 + 2_000, NY_Y0 + 5_000), (NY_X0 + 15_000, NY_Y0 + 20_000), (NY_X0 + 27_500, NY_Y0 + 35_000)]
    stations = gpd.GeoDataFrame({"name": ["A", "B", "C"], "status": ["existing"] * 3},
                                geometry=shapely.points(points), crs=2263)
    if stations_crs != "EPSG:2263":
        stations = stations.to_crs(stations_crs)
    stations.to_file(tmp_path / "stations.geojson")
    return [str(tmp_path / "city_boundary.gpkg"), str(tmp_path / "stations.geojson")]


def _measure(files, *flags, capsys=None) -> tuple[dict, str]:
    code = cli([*files, *flags, "-p", "itdp-pnt", "-r", "800", "-f", "json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)[0], out.err


def _truth(files, metric_epsg: int, radius_m: float = 800.0):
    """Study area and catchment areas by geopandas in a metric CRS of the data's datum."""
    boundary = gpd.read_file(files[0]).to_crs(metric_epsg).geometry.iloc[0]
    stations = gpd.read_file(files[1]).to_crs(metric_epsg)
    reached = stations.buffer(radius_m, quad_segs=1024).union_all().intersection(boundary)  # the circles, to 2e-7
    return boundary.area, reached.area


@pytest.mark.parametrize("flags", [(), ("--crs", "EPSG:2263"), ("--crs", "EPSG:32118")])
def test_a_state_plane_file_in_us_feet_and_nad83_stations_measure_in_metres(tmp_path, capsys, recwarn, flags):
    """Before: refused ("the datum-shift grid it needs is not installed"), with pyproj's UserWarning,
    with or without --crs. Now measured in EPSG:32118 (the zone in metres, NAD83): no shift at all."""
    files = _new_york(tmp_path)
    result, err = _measure(files, *flags, capsys=capsys)
    assert result["crs"] == "EPSG:32118 (NAD83 / New York Long Island)"  # no datum shift to state
    study_m2, reached_m2 = _truth(files, 32118)
    assert result["figures"]["study_area_m2"] == pytest.approx(study_m2, rel=1e-9)
    assert result["figures"]["area_m2"] == pytest.approx(reached_m2, rel=1e-4)  # the engine's circles: 1e-4
    # feet are not metres: the outline is 30,000 ft wide, about 9,144 m
    assert study_m2 == pytest.approx(gpd.read_file(files[0]).area.iloc[0] * FT**2, rel=1e-6)
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
    assert "Warning" not in err


def test_nad83_lonlat_data_is_measured_in_its_own_utm_zone(tmp_path, capsys):
    files = _new_york(tmp_path)
    gpd.read_file(files[0]).to_crs(4269).to_file(tmp_path / "city_boundary.gpkg", layer="city_boundary")
    result, _ = _measure(files, capsys=capsys)
    assert result["crs"] == "EPSG:26918 (NAD83 / UTM zone 18N)"
    study_m2, reached_m2 = _truth(files, 26918)
    assert result["figures"]["study_area_m2"] == pytest.approx(study_m2, rel=1e-9)
    assert result["figures"]["area_m2"] == pytest.approx(reached_m2, rel=1e-4)  # the engine's circles: 1e-4


def test_wgs84_stations_on_a_state_plane_city_take_the_4_m_shift_and_say_so(tmp_path, capsys, recwarn):
    """OSM's stations (WGS 84) over the city's file (NAD83): PROJ's best way without NOAA's grids is
    NAD83 to WGS 84 at 4 m; it is used, and its accuracy is printed with the figures."""
    files = _new_york(tmp_path, stations_crs="EPSG:4326")
    result, _ = _measure(files, capsys=capsys)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # PROJ's: a 2 m way needs a grid not installed
        group = TransformerGroup(4326, 32118, always_xy=True)
    stated = group.transformers[0].accuracy  # PROJ's database, asked directly
    assert result["crs"].startswith("EPSG:32118 (NAD83 / New York Long Island); stations: from EPSG:4326")
    assert f"accurate to {stated:g} m" in result["crs"] and 0 < stated <= 5
    [said] = result["inputs"]["datum_shifts"]  # also listed with the inputs, and on standard error
    assert said.startswith("stations: from EPSG:4326 (WGS 84) by ") and f"accurate to {stated:g} m" in said
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]


def test_the_command_prints_no_library_warning(tmp_path):
    """A fresh process, Python's default warning filters: standard error holds our words only."""
    files = _new_york(tmp_path, stations_crs="EPSG:4326")
    run = subprocess.run([sys.executable, "-W", "default", "-m", "layers.cli", *files, "-p", "itdp-pnt", "-f", "json"],
                         capture_output=True, text=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin"})
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr and "pyproj" not in run.stderr


def test_a_shift_worse_than_5_m_is_refused_naming_the_grid_that_fixes_it():
    """NAD27 to WGS 84 without NOAA's grid is 10 m or worse: refused, naming the grid to install and
    the other fix (a working CRS on NAD27, where no shift is needed)."""
    with pytest.raises(TransformError, match=r"accurate to \d+ m, more than 5 m.*us_noaa_conus.tif.*NAD27"):
        shift(4267, 4326, (-74.1, 40.6, -73.8, 40.9))
    assert choose_working_crs([(4267, (-74.1, 40.6, -73.8, 40.9))]).to_epsg() == 26718  # NAD27 / UTM 18N


def test_feet_crs_are_measured_in_their_metric_twin():
    assert metric_form(2263).to_epsg() == 32118
    assert metric_form(2229).to_epsg() == 26945  # California zone 5: US feet -> metres
    assert metric_form(32648).to_epsg() == 32648


def test_a_finnish_geotiff_loads_by_its_code_whatever_proj_wrote_its_wkt(tmp_path, capsys):
    """rasterio's GDAL writes EPSG:3879 with the datum 'EUREF-FIN', which pyproj's PROJ cannot place
    (a "ballpark" way only): read from the WKT it was refused. The grid is read by its code."""
    tif = tmp_path / "vaesto.tif"
    x0, y0 = 25_496_000.0, 6_676_000.0  # Helsinki, GK25FIN
    people = np.arange(40 * 30, dtype="float64").reshape(30, 40) % 17
    with rasterio.open(tif, "w", driver="GTiff", width=40, height=30, count=1, dtype="float64", crs="EPSG:3879",
                       transform=from_origin(x0, y0, 100, 100), nodata=-1) as dst:
        dst.write(people, 1)
    with rasterio.open(tif) as src:
        wkt = src.crs.to_wkt()
    from_wkt = CRS.from_user_input(wkt)
    assert from_wkt.to_epsg() is None  # pyproj's PROJ does not recognise what rasterio's wrote ...
    ways = TransformerGroup(from_wkt, 4326).transformers
    assert "ballpark" in ways[0].description.lower()  # ... and knows no datum shift for it
    layer = read_raster(tif)
    assert layer.crs.to_epsg() == 3879
    # measured: a boundary inside the grid along cell edges, stations in ETRS-TM35FIN (EPSG:3067)
    boundary = gpd.GeoDataFrame({"name": ["Helsinki"]}, geometry=[shapely.box(x0 + 500, y0 - 2500, x0 + 3500, y0 - 500)],
                                crs=3879)
    boundary.to_file(tmp_path / "city_boundary.gpkg", layer="city_boundary")
    stations = gpd.GeoDataFrame({"status": ["existing"]}, geometry=[shapely.Point(x0 + 2000, y0 - 1500)], crs=3879)
    stations.to_crs(3067).to_file(tmp_path / "metro_stations.gpkg", layer="metro_stations")
    files = [str(tmp_path / "city_boundary.gpkg"), str(tmp_path / "metro_stations.gpkg"), str(tif)]
    result, _ = _measure(files, capsys=capsys)
    assert result["crs"].startswith("EPSG:3879 ")
    assert result["denominator"] == pytest.approx(people[5:25, 5:35].sum(), rel=1e-9)


def test_krovak_is_the_datas_own_grid(tmp_path, capsys):
    """Prague in S-JTSK / Krovak East North (EPSG:5514): measured in it, not moved to UTM."""
    x0, y0 = -745_000.0, -1_045_000.0
    gpd.GeoDataFrame({"name": ["Praha"]}, geometry=[shapely.box(x0, y0, x0 + 6000, y0 + 5000)], crs=5514).to_file(
        tmp_path / "city_boundary.gpkg", layer="city_boundary")
    gpd.GeoDataFrame({"status": ["existing"]}, geometry=[shapely.Point(x0 + 3000, y0 + 2500)], crs=5514).to_crs(
        4326).to_file(tmp_path / "stations.geojson")
    files = [str(tmp_path / "city_boundary.gpkg"), str(tmp_path / "stations.geojson")]
    result, _ = _measure(files, capsys=capsys)
    assert result["crs"].startswith("EPSG:5514 (S-JTSK / Krovak East North)")
    assert "accurate to 1 m" in result["crs"]  # S-JTSK to WGS 84 for Czechia (6 m for both countries)
    assert result["figures"]["study_area_m2"] == pytest.approx(30e6, rel=1e-9)


def _polar_cap(tmp_path):
    cap = shapely.segmentize(shapely.box(-180, -90, 180, -85), 0.5)
    gpd.GeoDataFrame({"name": ["cap"]}, geometry=[cap], crs=4326).to_file(tmp_path / "city_boundary.geojson")
    gpd.GeoDataFrame({"status": ["existing"]}, geometry=[shapely.Point(20, -87)], crs=4326).to_file(
        tmp_path / "stations.geojson")
    return [str(tmp_path / "city_boundary.geojson"), str(tmp_path / "stations.geojson")], cap


def test_a_polar_cap_is_measured_right_on_the_ellipsoid(tmp_path, capsys):
    """Before: 6.4 times its area, in UTM zone 31S. Now in a stereographic CRS centred on the pole
    whose areal scale is within 0.5 % over the cap: its area is the ellipsoid's (pyproj.Geod)."""
    files, cap = _polar_cap(tmp_path)
    result, _ = _measure(files, capsys=capsys)
    assert "Stereographic" in result["crs"]
    true_m2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(cap)[0])
    assert result["figures"]["study_area_m2"] == pytest.approx(true_m2, rel=0.005)
    # the catchment of a station at 87 S is an 800 m disk on the ground, its area a circle's
    assert result["figures"]["area_m2"] == pytest.approx(np.pi * 800**2, rel=0.006)


def test_a_working_crs_that_distorts_the_study_area_is_refused_with_the_reason(tmp_path, capsys):
    files, _ = _polar_cap(tmp_path)
    assert cli([*files, "-p", "itdp-pnt", "--crs", "EPSG:32731"]) == 2
    err = capsys.readouterr().err
    assert "EPSG:32731" in err and "distorts areas" in err and "more than 0.5%" in err and "+proj=stere" in err


def test_the_ruler_measures_on_the_working_crs_own_ellipsoid():
    """In Krovak (Bessel 1841) no shift to WGS 84 is needed for an ellipsoidal length: S-JTSK's own
    lon/lat on Bessel's ellipsoid, compared with pyproj.Geod there."""
    from layers.ruler import measure_distance

    xs, ys = [-745_000.0, -741_000.0], [-1_045_000.0, -1_042_000.0]
    lonlat = gpd.GeoSeries(shapely.points(np.column_stack([xs, ys])), crs=5514).to_crs(4156)  # S-JTSK lon/lat
    expected = Geod(ellps="bessel").inv(lonlat.x[0], lonlat.y[0], lonlat.x[1], lonlat.y[1])[2]
    measured = measure_distance(xs, ys, CRS.from_epsg(5514))
    assert measured.ellipsoidal == pytest.approx(expected, rel=1e-9)
    assert "ellipsoidal (Bessel 1841)" in measured.text() and measured.planar == pytest.approx(5000.0)


def test_a_continent_is_refused_saying_no_plane_measures_it(tmp_path, capsys):
    """Europe as one study area: no conformal plane keeps its areas within 0.5 %, so the figures are
    refused with the reason, not given 10 % wrong."""
    gpd.GeoDataFrame({"name": ["Europe"]}, geometry=[shapely.segmentize(shapely.box(-10, 35, 40, 70), 1)],
                     crs=4326).to_file(tmp_path / "city_boundary.geojson")
    gpd.GeoDataFrame({"status": ["existing"]}, geometry=[shapely.Point(2.35, 48.85)], crs=4326).to_file(
        tmp_path / "stations.geojson")
    assert cli([str(tmp_path / "city_boundary.geojson"), str(tmp_path / "stations.geojson"), "-p", "itdp-pnt"]) == 2
    err = capsys.readouterr().err
    assert "distorts areas over the study area by up to" in err and "no one planar CRS measures an area this large" in err
