"""Build the study area of the Berlin-Brandenburg GTFS example (offline, from the feed beside it).

    python sample_data/berlin/build.py

Writes study_area.gpkg beside this file: the square (in ETRS89 / UTM zone 33N, EPSG:25833, the
grid Berlin and Brandenburg publish in) around the feed's stations, grown by 1 km and rounded out
to whole kilometres, role 'boundary'. It is a study area made for the example, not an
administrative boundary. Measure with

    planner measure sample_data/berlin/vbb_havelbus_gtfs.zip sample_data/berlin/study_area.gpkg -p sdg-11.2.1

The feed is VBB's (CC BY 4.0, see ATTRIBUTION.md).
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from layers.io import read_layers, write_vector  # noqa: E402

HERE = Path(__file__).resolve().parent
GRID = "EPSG:25833"


def main() -> None:
    stations, _ = read_layers(HERE / "vbb_havelbus_gtfs.zip")
    west, south, east, north = stations.gdf.to_crs(GRID).total_bounds
    box = shapely.box(math.floor(west / 1000 - 1) * 1000, math.floor(south / 1000 - 1) * 1000,
                      math.ceil(east / 1000 + 1) * 1000, math.ceil(north / 1000 + 1) * 1000)
    area = gpd.GeoDataFrame({"name": ["Havelbus routes 650-653 (example study area)"], "role": ["boundary"]},
                            geometry=[box], crs=GRID)
    print(write_vector(area, HERE / "study_area.gpkg", layer="study_area"))


if __name__ == "__main__":
    main()
