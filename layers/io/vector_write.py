"""Layers written to GeoPackage or GeoJSON, atomically (`layers.io.atomic`)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import geopandas as gpd

from layers.io.atomic import atomic_path, whole_geojson, whole_geopackage
from layers.io.load import short_text
from layers.layer import VectorLayer

WRITE_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON"}


def write_vector(data: VectorLayer | gpd.GeoDataFrame, path: str | os.PathLike, layer: str | None = None) -> Path:
    """Write a layer to GeoPackage or GeoJSON.

    Written to a temporary file and moved into place, so a failure or a kill never leaves a
    half-written file. Writing a further layer into an existing GeoPackage adds or replaces that
    layer in a copy of the file that then replaces it: a kill leaves the old layer or the new one,
    never an empty one.
    """
    gdf = data.gdf if isinstance(data, VectorLayer) else data
    return write_vectors({layer or (data.name if isinstance(data, VectorLayer) else Path(path).stem): gdf}, path)


def write_vectors(frames: dict[str, gpd.GeoDataFrame], path: str | os.PathLike, new_file: bool = False) -> Path:
    """Write several layers (name -> frame) into one GeoPackage, or one layer to GeoJSON, atomically.

    Layers already in a GeoPackage at `path` and not named in `frames` are kept, unless
    `new_file`: then the file written holds just `frames`.

    GeoJSON names its CRS only by an EPSG code (anything else it takes as lon/lat WGS 84,
    RFC 7946): a layer in a CRS without one (a custom transverse Mercator, say) is written in
    EPSG:4326, so that its features read back where they are, not hundreds of kilometres away.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_DRIVERS:
        raise ValueError(f"{path.name}: can only write {', '.join(sorted(WRITE_DRIVERS))}")
    driver = WRITE_DRIVERS[suffix]
    import pyogrio  # here, not at the top: what reads files in this process needs no GDAL (it is the reader process's)

    if driver != "GPKG" and len(frames) != 1:
        raise ValueError(f"{path.name}: a {driver} file holds one layer, not {len(frames)}")
    with atomic_path(path, whole_geopackage if driver == "GPKG" else whole_geojson) as tmp:
        if driver == "GPKG" and path.exists() and not new_file:
            shutil.copyfile(path, tmp)
        for name, gdf in frames.items():
            if driver == "GeoJSON" and gdf.crs is not None and gdf.crs.to_epsg() is None:
                gdf = gdf.to_crs(4326)
            try:
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver=driver, use_arrow=True)
            except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
                raise OSError(f"GDAL could not write it: {short_text(exc)}") from None  # named by atomic_path
    return path
