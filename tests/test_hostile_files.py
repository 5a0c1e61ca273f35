"""Every file a planner opens is untrusted: a GDAL VRT disguised as a GeoTIFF, a GeoPackage, a
GeoJSON or a zipped Shapefile is refused before GDAL reads it, so it fetches no URL and reads no
file it points at. A local listener proves no connection is made."""
from __future__ import annotations

import zipfile

import pytest

from layers.io import LayerLoadError, read_layers, read_raster, read_raster_view, read_vector


def raster_vrt(source: str) -> str:
    return (f'<VRTDataset rasterXSize="4" rasterYSize="4"><SRS>EPSG:32648</SRS>'
            f'<GeoTransform>585000, 100, 0, 2325400, 0, -100</GeoTransform>'
            f'<VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
            f'<SourceFilename relativeToVRT="0">{source}</SourceFilename><SourceBand>1</SourceBand>'
            f'</SimpleSource></VRTRasterBand></VRTDataset>')


def vector_vrt(source: str) -> str:
    return (f'<OGRVRTDataSource><OGRVRTLayer name="stations"><SrcDataSource>{source}</SrcDataSource>'
            f'</OGRVRTLayer></OGRVRTDataSource>')


@pytest.mark.parametrize("name", ["population.tif", "hanoi.gpkg", "stations.geojson", "lines.fgb", "wards.shp"])
def test_a_vrt_in_disguise_opens_no_socket(tmp_path, listener, name):
    port, connections = listener
    url = f"/vsicurl/http://127.0.0.1:{port}/secret"
    path = tmp_path / name
    path.write_text(raster_vrt(url + ".tif") if name.endswith(".tif") else vector_vrt(url + ".geojson"))
    with pytest.raises(LayerLoadError, match=rf"{name}: is not a .* file: its content is XML, such as a GDAL VRT"):
        read_layers(path)
    if name.endswith(".tif"):
        with pytest.raises(LayerLoadError):
            read_raster(path)
    else:
        with pytest.raises(LayerLoadError):
            read_vector(path)
    assert connections == []


def test_a_vrt_in_disguise_reads_no_file_outside(tmp_path):
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_bytes(b"x" * 64)
    path = tmp_path / "population.tif"
    path.write_text(raster_vrt(str(secret)))
    with pytest.raises(LayerLoadError, match="population.tif: is not a GeoTIFF file"):
        read_raster(path)
    with pytest.raises(Exception):  # the map's window reads go through the same driver restriction
        read_raster_view(path, (585000, 2325000, 585400, 2325400), (4, 4))


def test_a_zipped_vrt_named_shp_is_refused(tmp_path, listener):
    port, connections = listener
    path = tmp_path / "wards.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("wards.shp", vector_vrt(f"/vsicurl/http://127.0.0.1:{port}/x.geojson"))
    with pytest.raises(LayerLoadError, match="wards.zip: is not a Shapefile file: its content is XML"):
        read_layers(path)
    assert connections == []


def test_a_pipe_or_a_link_loop_is_not_a_file(tmp_path):
    import os

    pipe = tmp_path / "fifo.gpkg"
    os.mkfifo(pipe)
    with pytest.raises(LayerLoadError, match="not a regular file"):
        read_layers(pipe)  # and does not hang reading it
    loop = tmp_path / "loop.gpkg"
    loop.symlink_to(tmp_path / "loop2.gpkg")
    (tmp_path / "loop2.gpkg").symlink_to(loop)
    with pytest.raises(LayerLoadError, match="loop.gpkg"):
        read_layers(loop)


def test_gdal_reaches_no_network_even_for_a_plain_vrt(tmp_path, listener):
    """Belt and braces: a .vrt given to GDAL directly (the app never does) fetches nothing either."""
    import pyogrio
    import rasterio

    import layers.io.gdal_guard  # noqa: F401  (sets GDAL's configuration)

    port, connections = listener
    raster = tmp_path / "x.vrt"
    raster.write_text(raster_vrt(f"/vsicurl/http://127.0.0.1:{port}/x.tif"))
    vector = tmp_path / "y.vrt"
    vector.write_text(vector_vrt(f"/vsicurl/http://127.0.0.1:{port}/x.geojson"))
    with pytest.raises(Exception):
        with rasterio.open(raster) as src:
            src.read(1)
    with pytest.raises(Exception):
        pyogrio.read_dataframe(vector)
    assert connections == []
