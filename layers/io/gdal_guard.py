"""GDAL as the planner lets it read a file from elsewhere: one driver, the file alone, no network.

Given a file name, GDAL would otherwise do three things an untrusted file can steer:

- **Pick a driver by content**, any of its ~150: a `.json` that is a GDAL "streamed pipeline"
  (`{"type": "gdal_streamed_alg", ...}`) runs `gdal vector pipeline ! read /any/file.csv`, an
  ESRI JSON pages through a server, a VRT reads other files. Here pyogrio's GDAL keeps only the
  drivers of the formats the planner reads and writes (`VECTOR_DRIVERS`; the others are
  unloaded once, with GDAL's own GDAL_SKIP), each file is opened with its format's driver named
  (`layers.io.formats.gdal_source`), and rasters open with rasterio restricted to GeoTIFF.
- **Read sibling files**: `pop.tif.aux.xml` (which can declare 100 people a nodata value),
  `pop.tif.msk` (which can be a VRT over any file), `.ovr`, `.tfw`, `.vat.dbf`, ... With
  GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR GDAL believes the folder holds the file alone, and with
  GDAL_PAM_ENABLED=NO it neither reads nor writes `.aux.xml`. A Shapefile's own parts (.shx,
  .dbf, .prj, .cpg) are still read, by name; `layers.io.formats.check_parts` checks them first.
- **Reach the network**: /vsicurl/ accepts no file name, and any other request goes to a proxy
  on the local discard port where nothing answers. libcurl lets `no_proxy`/`NO_PROXY` bypass a
  proxy (`no_proxy=*` is common), so the process drops those two variables: it makes no request
  of its own. GeoJSON `crs` links, GDAL's one way to fetch from a file's content, are refused
  before GDAL sees the file (`layers.io.formats.check_content`). PROJ fetches no grids.

The options are set in the environment (which both GDALs, and PROJ where pyproj is imported
later, read), in pyogrio's GDAL as its own configuration (which outranks the environment and a
GDAL configuration file), in pyproj if it was imported before, and for rasterio around each open
(`opened_raster`), so that no setting of the user's environment undoes them.
"""
from __future__ import annotations

import contextlib
import os
import sys

import pyogrio

UNTRUSTED_FILE_OPTIONS = {
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".planner-reads-no-urls",
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/planner-reads-no-urls",  # when set, GDAL allows this name alone
    "GDAL_HTTP_PROXY": "127.0.0.1:9",
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "GDAL_PAM_ENABLED": "NO",
    "PROJ_NETWORK": "OFF",
}
PROXY_BYPASS = ("no_proxy", "NO_PROXY")
# The drivers pyogrio's GDAL keeps: those of the vector formats the planner reads (GeoParquet is
# read by pyarrow, not GDAL) and writes (GeoPackage, GeoJSON).
VECTOR_DRIVERS = ("GeoJSON", "TopoJSON", "GPKG", "ESRI Shapefile", "FlatGeobuf")
RASTER_DRIVER = "GTiff"  # the one driver rasterio may open a raster with
RASTER_OPEN_OPTIONS = {"GEOREF_SOURCES": "INTERNAL"}  # its georeferencing from inside the file only


def _vector_drivers_present() -> tuple[str, ...]:
    return tuple(sorted(pyogrio.list_drivers()))


def _keep_only_planner_drivers() -> tuple[str, ...]:
    """Unload every vector driver of pyogrio's GDAL but VECTOR_DRIVERS; return those unloaded.

    GDAL reads GDAL_SKIP when drivers are registered: set it, then register again (pyogrio did
    so when imported), and GDAL unloads the named drivers. It stays set, so that registering
    again later unloads them again."""
    from pyogrio.core import _register_drivers

    others = tuple(name for name in _vector_drivers_present() if name not in VECTOR_DRIVERS)
    pyogrio.set_gdal_config_options({"GDAL_SKIP": ",".join(others)})
    _register_drivers()
    left = set(_vector_drivers_present())
    if left - set(VECTOR_DRIVERS):  # pyogrio changed how it registers drivers: read nothing
        raise ImportError(f"GDAL kept drivers the planner does not allow: {', '.join(sorted(left - set(VECTOR_DRIVERS)))}")
    return others


os.environ.update(UNTRUSTED_FILE_OPTIONS)
for _name in PROXY_BYPASS:
    os.environ.pop(_name, None)
pyogrio.set_gdal_config_options(UNTRUSTED_FILE_OPTIONS)
if sys.modules.get("pyproj") is not None:  # its context may exist already, having read PROJ_NETWORK before
    import pyproj.network

    pyproj.network.set_network_enabled(False)
VECTOR_DRIVERS_UNLOADED = _keep_only_planner_drivers()


@contextlib.contextmanager
def opened_raster(path):
    """`rasterio.open(path)` for reading, GeoTIFF only, the file alone, no network. (rasterio is
    imported here, not with the module: a reader that reads no raster does not wait for it.)"""
    import rasterio

    with rasterio.Env(**UNTRUSTED_FILE_OPTIONS):
        with rasterio.open(path, driver=RASTER_DRIVER, **RASTER_OPEN_OPTIONS) as src:
            yield src
