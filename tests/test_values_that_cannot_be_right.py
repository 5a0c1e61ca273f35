"""Figures that cannot be right are refused or flagged, never summed: fill values nobody declared
in a grid are read as no data and said; a population grid of negative, infinite or absurd counts
is refused naming the value and where; a repair that changes a polygon's area is named with both
areas and kept only if the planner accepts it (`planner measure --repair`)."""
from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from pyproj import CRS
from rasterio.transform import from_origin, xy

from layers.analysis.city import CityData, CityDataError
from layers.cli import main
from layers.crs import crs_label
from layers.io import LayerLoadError, RepairChangesArea, read_counted, read_raster, read_vector
from layers.session import Session

CAPE_TOWN = "EPSG:32734"  # UTM 34S
TRANSFORM = from_origin(260_000, 6_250_000, 100, 100)


def _grid(path, values: np.ndarray, nodata=None):
    with rasterio.open(path, "w", driver="GTiff", width=values.shape[1], height=values.shape[0], count=1,
                       dtype=values.dtype, crs=CAPE_TOWN, transform=TRANSFORM, nodata=nodata) as dst:
        dst.write(values, 1)
    return path


def _people(dtype) -> np.ndarray:
    return np.arange(1, 13, dtype=dtype).reshape(3, 4) * 10


def _where(row: int, col: int) -> str:
    x, y = xy(TRANSFORM, row, col)  # the cell's centre, by rasterio
    return f"row {row + 1}, column {col + 1}: x {x:,.2f}, y {y:,.2f} in {crs_label(CRS(CAPE_TOWN))}"


@pytest.mark.parametrize("dtype, fill, said", [
    ("int16", -32768, "-32768 (the lowest 16-bit integer)"),
    ("int32", -9999, "-9999"),
    ("float32", -3.4e38, "-3.4e38 or lower (the lowest floating-point values)"),
    ("float32", -3.4028235e38, "-3.4e38 or lower (the lowest floating-point values)"),
    ("float64", -99999, "-99999"),
    ("float32", np.nan, "NaN (not a number)"),
])
def test_an_undeclared_fill_value_is_read_as_no_data_and_said(tmp_path, dtype, fill, said):
    values = _people(dtype)
    values[1, 2] = fill
    values[2, 3] = fill
    layer = read_raster(_grid(tmp_path / "population.tif", values))
    assert layer.role == "population" and layer.not_population is None
    expected = float(np.nansum(_people("float64"))) - float(_people("float64")[1, 2] + _people("float64")[2, 3])
    assert np.nansum(layer.array) == expected
    assert np.isnan(layer.array[1, 2]) and np.isnan(layer.array[2, 3])
    assert layer.warnings == [f"2 cell(s) hold {said}, a fill value the file does not declare as nodata: read as "
                              f"no data (the first at {_where(1, 2)})"]


def test_a_declared_fill_value_is_no_data_without_a_word(tmp_path):
    values = _people("int16")
    values[0, 0] = -32768
    layer = read_raster(_grid(tmp_path / "population.tif", values, nodata=-32768))
    assert np.isnan(layer.array[0, 0]) and layer.warnings == []


@pytest.mark.parametrize("dtype, value, said", [
    ("int32", -5, "a negative value (the first, -5,"),
    ("float64", 1e308, "more than 1,000,000,000 people (the first, 1e+308,"),
    ("float32", np.inf, "an infinite value (the first, inf,"),
    ("float32", -np.inf, "an infinite value (the first, -inf,"),
])
def test_a_population_grid_of_counts_no_place_has_is_refused_naming_the_value_and_where(tmp_path, dtype, value, said):
    values = _people(dtype)
    values[2, 1] = value
    with pytest.raises(LayerLoadError) as info:
        read_raster(_grid(tmp_path / "population.tif", values))
    assert str(info.value) == (f"population.tif: it cannot be a population grid: 1 cell(s) hold {said} "
                               f"at {_where(2, 1)})")


def test_a_grid_that_is_not_people_loads_but_cannot_become_the_population(tmp_path):
    values = _people("int32") - 50  # heights above a datum: negative ones are fine
    layer = read_raster(_grid(tmp_path / "heights.tif", values))
    assert layer.role == "other" and "a negative value" in layer.not_population
    session = Session()
    session.add_layer(layer)
    session.guess_roles([layer])  # the one raster of a session would be guessed the population: not this one
    assert layer.role == "other"
    with pytest.raises(ValueError, match="heights: it cannot be a population grid: 4 cell.s. hold a negative value"):
        session.set_role(layer, "population")
    layer.role = "population"  # as a project file may set it
    boundary = shapely.box(260_000, 6_249_700, 260_400, 6_250_000)
    with pytest.raises(CityDataError, match="heights: it cannot be a population grid"):
        CityData.from_layers([layer], CAPE_TOWN, study_area=boundary)


def test_planner_measure_refuses_a_population_grid_of_negative_people(tmp_path, capsys):
    values = _people("float32")
    values[0, 3] = -26e6
    grid = _grid(tmp_path / "population.tif", values)
    stations = tmp_path / "metro_stations.geojson"
    gpd.GeoDataFrame({"name": ["Civic"]}, geometry=[shapely.Point(260_150, 6_249_850)], crs=CAPE_TOWN).to_file(stations)
    assert main([str(stations), str(grid), "-f", "json"]) == 2
    err = capsys.readouterr().err
    assert "population.tif" in err and "a negative value (the first, -2.6e+07" in err and "Traceback" not in err


# -- repairs that change areas -------------------------------------------------------------------

def _hole_outside(x0: float, y0: float) -> shapely.Polygon:
    """115.0 km2 as drawn (shell 129.4 less a 14.4 km2 hole that lies outside it), 143.8 repaired."""
    shell, hole = np.sqrt(129.4e6), np.sqrt(14.4e6)
    return shapely.Polygon(shapely.box(x0, y0, x0 + shell, y0 + shell).exterior.coords,
                           [shapely.box(x0 + shell + 1000, y0, x0 + shell + 1000 + hole, y0 + hole).exterior.coords])


def _areas_said(message: str) -> tuple[float, float]:
    drawn, repaired = re.search(r"feature 2: ([\d,.]+) km2 as drawn, ([\d,.]+) km2 repaired", message).groups()
    return float(drawn.replace(",", "")), float(repaired.replace(",", ""))


@pytest.mark.parametrize("crs", [CAPE_TOWN, "EPSG:4326"])
@pytest.mark.parametrize("read", [read_vector, read_counted])
def test_a_repair_that_changes_an_area_names_the_feature_and_both_areas(tmp_path, crs, read):
    ward = _hole_outside(270_000, 6_230_000)
    park = shapely.box(250_000, 6_240_000, 251_000, 6_241_000)
    frame = gpd.GeoDataFrame({"name": ["park", "ward 7"]}, geometry=[park, ward], crs=CAPE_TOWN)
    path = tmp_path / "wards.gpkg"
    frame.to_crs(crs).to_file(path)
    with pytest.raises(RepairChangesArea) as info:
        read(path)
    assert "the file: 1 invalid polygon(s) would change area by more than 0.1% if repaired" in str(info.value)
    drawn, repaired = _areas_said(str(info.value))
    metric = gpd.GeoSeries([ward], crs=CAPE_TOWN)  # independently: the rings' areas in UTM
    shell, hole = shapely.Polygon(ward.exterior).area / 1e6, shapely.Polygon(ward.interiors[0]).area / 1e6
    assert (shell - hole, shell + hole) == pytest.approx((115.0, 143.8))
    tolerance = 1e-6 if crs == CAPE_TOWN else 2e-3  # on the ellipsoid, not in the projection
    assert drawn == pytest.approx(shell - hole, rel=tolerance) and repaired == pytest.approx(shell + hole, rel=tolerance)
    assert metric.area.iloc[0] / 1e6 == pytest.approx(115.0)

    layer = read(path, repair=True)
    assert any("kept as repaired: feature 2:" in w for w in layer.warnings)
    areas = layer.in_crs(CAPE_TOWN).geometry.area / 1e6 if read is read_vector else None
    if areas is not None:
        assert areas.iloc[1] == pytest.approx(shell + hole, rel=tolerance)


def test_a_repair_that_keeps_the_area_is_made_without_a_question(tmp_path):
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])  # 50 m2 more once repaired
    square = shapely.box(0, 20, 1000, 1020)  # 1 km2: the change is 0.005 % of the feature
    feature = shapely.MultiPolygon([shapely.affinity.translate(bowtie, 270_000, 6_230_000),
                                    shapely.affinity.translate(square, 270_000, 6_230_000)])
    path = tmp_path / "parks.gpkg"
    gpd.GeoDataFrame({"name": ["park"]}, geometry=[feature], crs=CAPE_TOWN).to_file(path)
    layer = read_vector(path)
    assert layer.warnings == ["1 invalid geometry repaired with make_valid"]
    assert layer.gdf.geometry.area.iloc[0] == pytest.approx(1e6 + 50)


def test_planner_measure_refuses_a_repair_that_changes_an_area_unless_told(tmp_path, capsys):
    wards = tmp_path / "city_boundary.gpkg"
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[_hole_outside(270_000, 6_230_000)], crs=CAPE_TOWN).to_file(wards)
    stations = tmp_path / "metro_stations.geojson"
    gpd.GeoDataFrame({"name": ["Civic"]}, geometry=[shapely.Point(272_000, 6_232_000)], crs=CAPE_TOWN).to_file(stations)
    args = [str(wards), str(stations), "-f", "json", "--preset", "sdg-11.2.1"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "city_boundary.gpkg" in err and "km2 as drawn" in err and "give --repair to accept it" in err
    assert main(args + ["--repair"]) == 0
    capsys.readouterr()
