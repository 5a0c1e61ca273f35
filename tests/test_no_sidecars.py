"""GDAL reads the file it is given and no sibling: a raster's figures are those of the raster alone,
whatever `.aux.xml`, `.msk`, `.ovr` or `.tfw` lie beside it; a Shapefile's own parts (and a
GeoPackage's journal) are read only when they are regular files in the same folder."""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from layers.io import LayerLoadError, read_layers, read_raster

# Santiago de Chile, UTM 19S: 4 x 4 cells of 100 m, 10,000 people each
CRS, TRANSFORM = "EPSG:32719", from_origin(346_000, 6_300_400, 100, 100)
PEOPLE = np.full((4, 4), 10_000, "float32")


def _grid(path, data=PEOPLE, **extra):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0], count=1,
                       dtype=data.dtype, crs=CRS, transform=TRANSFORM, **extra) as dst:
        dst.write(data, 1)
    return path


def _alone(path, tmp_path):
    """The raster read from a folder where it is alone."""
    folder = tmp_path / "alone"
    folder.mkdir(exist_ok=True)
    return read_raster(shutil.copy(path, folder / path.name))


def mask_over(source) -> str:
    """A GDAL mask sidecar (a VRT, flagged as the mask of the whole dataset) whose pixels are `source`'s."""
    return (f'<VRTDataset rasterXSize="4" rasterYSize="4"><Metadata><MDI key="INTERNAL_MASK_FLAGS_1">2</MDI>'
            f'</Metadata><VRTRasterBand dataType="Byte" band="1"><SimpleSource>'
            f'<SourceFilename relativeToVRT="0">{source}</SourceFilename><SourceBand>1</SourceBand>'
            f'</SimpleSource></VRTRasterBand></VRTDataset>')


def test_an_aux_xml_declaring_a_nodata_value_changes_no_figure(tmp_path):
    pop = _grid(tmp_path / "pop.tif")
    (tmp_path / "pop.tif.aux.xml").write_text(
        '<PAMDataset><PAMRasterBand band="1"><NoDataValue>10000</NoDataValue></PAMRasterBand></PAMDataset>')
    layer = read_raster(pop)
    assert np.nansum(layer.array) == PEOPLE.sum() == 160_000
    assert layer.nodata is None
    np.testing.assert_array_equal(layer.array, _alone(pop, tmp_path).array)
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["pop.tif", "pop.tif.aux.xml"]  # none written


def test_a_mask_sidecar_that_is_a_vrt_over_a_file_outside_is_not_opened(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    zeros = _grid(outside / "zeros.tif", np.zeros((4, 4), "uint8"))
    pop = _grid(tmp_path / "pop.tif")
    (tmp_path / "pop.tif.msk").write_text(mask_over(zeros))
    before = zeros.stat().st_mtime_ns, zeros.read_bytes()
    layer = read_raster(pop)
    assert np.nansum(layer.array) == 160_000  # a mask of zeros would have hidden every cell
    from layers.io.gdal_guard import opened_raster

    with opened_raster(pop) as src:
        assert src.files == [str(pop)]
    assert (zeros.stat().st_mtime_ns, zeros.read_bytes()) == before


def test_external_overviews_and_world_files_are_not_read(tmp_path):
    """A `.ovr` made from another grid and a `.tfw` placing it elsewhere: the overview the map draws
    from a large raster is made from the file's own cells, and it stays where its header says."""
    wide = (2, 4096)  # wider than OVERVIEW_MAX_SIDE: drawn from an overview at half resolution
    other = _grid(tmp_path / "other.tif", np.full(wide, 99.0, "float32"))
    with rasterio.Env(TIFF_USE_OVR=True), rasterio.open(other, "r+") as src:  # to other.tif.ovr
        src.build_overviews([2])
    pop = _grid(tmp_path / "pop.tif", np.full(wide, 10_000.0, "float32"))
    os.rename(tmp_path / "other.tif.ovr", tmp_path / "pop.tif.ovr")
    (tmp_path / "pop.tfw").write_text("1\n0\n0\n-1\n0\n0\n")
    layer = read_raster(pop, max_pixels=4)  # display-only: drawn from an overview
    assert layer.array.shape == (1, 2048)
    assert set(np.unique(layer.array).tolist()) == {10_000.0}
    assert layer.full_transform == TRANSFORM


def test_a_prj_that_is_a_named_pipe_is_refused_without_waiting(tmp_path, stations_gdf):
    path = tmp_path / "stations.shp"
    stations_gdf.to_file(path)
    path.with_suffix(".prj").unlink()
    os.mkfifo(path.with_suffix(".prj"))  # opening it for reading would wait for a writer for ever
    with pytest.raises(LayerLoadError, match=r"stations.shp: its part stations.prj is not a regular file"):
        read_layers(path)


def test_a_shapefile_part_linked_to_a_file_elsewhere_is_refused(tmp_path, stations_gdf):
    """A .dbf that is a link out of the folder could make GDAL read any table on the machine."""
    path = tmp_path / "stations.shp"
    stations_gdf.to_file(path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.move(path.with_suffix(".dbf"), elsewhere / "stations.dbf")
    path.with_suffix(".dbf").symlink_to(elsewhere / "stations.dbf")
    with pytest.raises(LayerLoadError, match=r"stations.shp: its part stations.dbf is a link to a file in another folder"):
        read_layers(path)
    path.with_suffix(".dbf").unlink()
    shutil.move(elsewhere / "stations.dbf", tmp_path / "real.dbf")
    path.with_suffix(".dbf").symlink_to(tmp_path / "real.dbf")  # a link inside the folder is fine
    assert read_layers(path)[0].gdf["name"].tolist() == stations_gdf["name"].tolist()
    path.with_suffix(".shx").unlink()
    path.with_suffix(".shx").symlink_to(tmp_path / "gone.shx")
    with pytest.raises(LayerLoadError, match=r"stations.shp: its part stations.shx is a link that leads to no file"):
        read_layers(path)


def test_a_geopackage_journal_that_is_a_pipe_is_refused(tmp_path, stations_gdf):
    path = tmp_path / "city.gpkg"
    stations_gdf.to_file(path, layer="stations")
    os.mkfifo(tmp_path / "city.gpkg-wal")
    with pytest.raises(LayerLoadError, match=r"city.gpkg: its part city.gpkg-wal is not a regular file"):
        read_layers(path)
