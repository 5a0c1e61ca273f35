"""Every supported format written by one library and read back through layers.io."""
from __future__ import annotations

import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from rasterio.enums import Resampling
from rasterio.transform import from_origin

from layers.io import list_vector_layers, read_layers, read_raster, read_raster_view, read_vector, write_vector
from layers.layer import RasterLayer, VectorLayer


def _same(layer: VectorLayer, expected) -> None:
    assert len(layer.gdf) == len(expected)
    assert layer.gdf.crs.to_epsg() == expected.crs.to_epsg()
    assert list(layer.gdf["name"]) == list(expected["name"])
    assert layer.gdf.geometry.geom_equals_exact(expected.geometry.reset_index(drop=True), 1e-9).all()


@pytest.mark.parametrize("suffix", [".geojson", ".fgb", ".shp"])
def test_single_layer_formats_round_trip(tmp_path, stations_gdf, suffix):
    path = tmp_path / f"metro_stations{suffix}"
    stations_gdf.to_file(path, engine="pyogrio")
    layer = read_vector(path)
    _same(layer, stations_gdf)
    assert layer.role == "metro_station"  # inferred from the file name and point geometry
    assert list(layer.gdf["status"]) == ["existing", "under_construction", "planned"]
    assert list(layer.gdf["opening_year"]) == [2021, 2027, 2035]


def test_zipped_shapefile(tmp_path, stations_gdf):
    stations_gdf.to_file(tmp_path / "stations.shp", engine="pyogrio")
    archive = tmp_path / "stations.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in tmp_path.glob("stations.*"):
            if part.suffix != ".zip":
                zf.write(part, part.name)
    _same(read_vector(archive), stations_gdf)


def test_geoparquet(tmp_path, wards_gdf):
    path = tmp_path / "wards.parquet"
    wards_gdf.to_parquet(path)
    layer = read_vector(path)
    _same(layer, wards_gdf)
    assert layer.role == "ward"


def test_geopackage_every_layer_and_one_by_name(tmp_path, stations_gdf, wards_gdf):
    path = tmp_path / "city.gpkg"
    write_vector(stations_gdf, path, layer="metro_stations")
    write_vector(wards_gdf, path, layer="wards")
    assert list_vector_layers(path) == ["metro_stations", "wards"]
    both = read_layers(path)
    assert [l.name for l in both] == ["metro_stations", "wards"]
    assert [l.role for l in both] == ["metro_station", "ward"]
    one = read_vector(path, "wards")
    _same(one, wards_gdf)
    assert one.source_layer == "wards"


def test_write_geojson_from_layer(tmp_path, stations_gdf):
    src = tmp_path / "in.gpkg"
    write_vector(stations_gdf, src, layer="metro_stations")
    layer = read_vector(src, "metro_stations")
    out = write_vector(layer, tmp_path / "out.geojson")
    back = pyogrio.read_dataframe(out)
    assert list(back["name"]) == list(stations_gdf["name"])
    assert not list(tmp_path.glob(".*tmp*")), "no temporary file is left behind"


@pytest.mark.parametrize("crs, lon_lat", [
    ("+proj=tmerc +lat_0=0 +lon_0=105 +k=0.9999 +x_0=500000 +y_0=0 +datum=WGS84 +units=m +no_defs",
     (105.8, 21.0)),  # a custom TM-3 zone on WGS 84: no EPSG code
    ("+proj=utm +zone=23 +south +datum=WGS84 +units=m +no_defs", (-46.63, -23.55)),  # EPSG:32723 spelled out
    ("EPSG:5897", (105.8, 21.0)),  # VN-2000 / TM-3 zone 482: kept, GeoJSON names it
])
def test_geojson_keeps_features_where_they_are(tmp_path, crs, lon_lat):
    """A layer in a CRS GeoJSON cannot name is written in lon/lat; one it can name keeps its CRS."""
    from pyproj import CRS

    crs = CRS.from_user_input(crs)
    here = gpd.GeoSeries([shapely.Point(*lon_lat)], crs=4326).to_crs(crs)
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=here.values, crs=crs)
    back = read_vector(write_vector(gdf, tmp_path / "out.geojson"))
    assert back.crs == (crs if crs.to_epsg() else CRS.from_epsg(4326))
    x, y = back.gdf.to_crs(4326).geometry.iloc[0].coords[0]
    assert (x, y) == pytest.approx(lon_lat, abs=1e-7)


def test_geotiff_round_trip_with_nodata(population_tif):
    layer = read_raster(population_tif)
    assert isinstance(layer, RasterLayer)
    assert layer.crs.to_epsg() == 32648
    assert np.isnan(layer.array[0, 0])
    assert np.nansum(layer.array) == sum(range(2, 21))
    assert layer.bounds == (585_000.0, 2_325_000.0, 585_500.0, 2_325_400.0)
    assert layer.role == "population"


def test_large_raster_view_reads_a_decimated_window(tmp_path):
    """A 4000 x 4000 GeoTIFF with overviews: the view read returns the screen's size, not the file's."""
    path = tmp_path / "big.tif"
    data = np.tile(np.arange(4000, dtype="float32"), (4000, 1))
    with rasterio.open(
        path, "w", driver="GTiff", width=4000, height=4000, count=1, dtype="float32",
        crs="EPSG:32648", transform=from_origin(500_000, 2_400_000, 10, 10), tiled=True,
    ) as dst:
        dst.write(data, 1)
        dst.build_overviews([2, 4, 8], Resampling.average)
    array, bounds = read_raster_view(path, (500_000, 2_360_000, 540_000, 2_400_000), (400, 400))
    assert array.shape == (400, 400)
    assert bounds == pytest.approx((500_000, 2_360_000, 540_000, 2_400_000))
    # The column mean of a decimated ramp stays a ramp: left edge small, right edge large.
    assert array[:, 0].mean() < 20 and array[:, -1].mean() > 3980
    window, wb = read_raster_view(path, (510_000, 2_390_000, 511_000, 2_391_000), (400, 400))
    assert window.shape == (100, 100)  # 1 km at 10 m is 100 pixels, fewer than the cap
    assert window[0, 0] == 1000
