"""Benchmark: a city-size GTFS feed opened and SDG 11.2.1 measured with its frequent-service criterion.

The bench makes a feed the size of a mid-sized city's (about 100,000 stop times): 35 bus
routes of 30 stops across a 24 x 24 km city (Lyon's UTM zone, 31N), each a timed trip every
20 minutes from 05:00 to 21:00 in both directions, and four metro lines of 20 stations under
parent stations, run by frequencies.txt (every 4 minutes, 05:00-24:00), with shapes; a weekday
calendar with a holiday removed by calendar_dates.txt. Beside it, the city's boundary
(GeoPackage) and a population grid of 100 m cells (GeoTIFF), in UTM 31N.

It times, in this process, with the app's modules and gtfs-kit imported before the clock starts
(their import is printed on its own, as is a fresh `planner measure` process end to end):
  open feed   `read_layers(feed.zip)`, cold: the members checked, the tables read by gtfs-kit,
              stations, classes, lines and the service in the busiest weekday's 07:00-09:00
  measure     the boundary and the population grid read, the session made (working CRS, roles),
              SDG 11.2.1 evaluated with `--frequent-headway 10` (with and without the criterion)
and prints the figures. The target is open + measure under 2 s.

    python bench/bench_gtfs.py [--routes 35] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from pyproj import Transformer
from rasterio.transform import from_origin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

UTM = "EPSG:32631"
CENTRE = (643_000.0, 5_070_000.0)  # Lyon, UTM 31N
HALF_M = 12_000.0


def make_feed(path: Path, routes: int, seed: int = 7) -> int:
    """Write the synthetic feed; returns its stop times."""
    rng = np.random.default_rng(seed)
    to_lonlat = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    stops, route_rows, trips, stop_times, shapes, frequencies = [], [], [], [], [], []
    for r in range(routes):
        angle = rng.uniform(0, np.pi)
        offset = rng.uniform(-HALF_M * 0.7, HALF_M * 0.7)
        t = np.linspace(-HALF_M * 0.9, HALF_M * 0.9, 30)
        x = CENTRE[0] + t * np.cos(angle) - offset * np.sin(angle)
        y = CENTRE[1] + t * np.sin(angle) + offset * np.cos(angle)
        lon, lat = to_lonlat.transform(x, y)
        ids = [f"b{r}_{i}" for i in range(30)]
        stops += [dict(stop_id=s, stop_name=f"Stop {s}", stop_lat=la, stop_lon=lo, location_type=0, parent_station="")
                  for s, lo, la in zip(ids, lon, lat)]
        route_rows.append(dict(route_id=f"B{r}", route_short_name=str(r + 1), route_long_name=f"Bus {r + 1}",
                               route_type=3, route_color="3366AA"))
        for direction in (0, 1):
            order = ids if direction == 0 else ids[::-1]
            for start in range(5 * 60, 21 * 60, 20):
                trip = f"B{r}_{direction}_{start}"
                trips.append(dict(route_id=f"B{r}", service_id="WK", trip_id=trip, direction_id=direction, shape_id=""))
                stop_times += [(trip, start + 2 * i, s, i + 1) for i, s in enumerate(order)]
    for m in range(4):
        angle = m * np.pi / 4
        t = np.linspace(-HALF_M * 0.8, HALF_M * 0.8, 20)
        x, y = CENTRE[0] + t * np.cos(angle), CENTRE[1] + t * np.sin(angle)
        lon, lat = to_lonlat.transform(x, y)
        names = [f"m{m}_{i}" for i in range(20)]
        for name, lo, la in zip(names, lon, lat):
            stops.append(dict(stop_id=name, stop_name=f"Station {name}", stop_lat=la, stop_lon=lo, location_type=1,
                              parent_station=""))
            for d in (0, 1):
                stops.append(dict(stop_id=f"{name}_{d}", stop_name=f"Station {name} platform {d}", stop_lat=la,
                                  stop_lon=lo, location_type=0, parent_station=name))
        route_rows.append(dict(route_id=f"M{m}", route_short_name=f"M{m + 1}", route_long_name=f"Metro {m + 1}",
                               route_type=1, route_color="E3000F"))
        for d in (0, 1):
            order = names if d == 0 else names[::-1]
            trip = f"M{m}_{d}"
            trips.append(dict(route_id=f"M{m}", service_id="WK", trip_id=trip, direction_id=d, shape_id=trip))
            stop_times += [(trip, 5 * 60 + 2 * i, f"{s}_{d}", i + 1) for i, s in enumerate(order)]
            frequencies.append(dict(trip_id=trip, start_time="05:00:00", end_time="24:00:00", headway_secs=240))
            la_lo = list(zip(lat, lon)) if d == 0 else list(zip(lat, lon))[::-1]
            shapes += [dict(shape_id=trip, shape_pt_lat=la, shape_pt_lon=lo, shape_pt_sequence=i)
                       for i, (la, lo) in enumerate(la_lo)]
    st = pd.DataFrame(stop_times, columns=["trip_id", "minute", "stop_id", "stop_sequence"])
    clock = st["minute"].map(lambda v: f"{v // 60:02d}:{v % 60:02d}:00")
    st = pd.DataFrame({"trip_id": st["trip_id"], "arrival_time": clock, "departure_time": clock,
                       "stop_id": st["stop_id"], "stop_sequence": st["stop_sequence"]})
    tables = {
        "agency": pd.DataFrame([dict(agency_name="Bench Transit", agency_url="https://example.org",
                                     agency_timezone="Europe/Paris")]),
        "stops": pd.DataFrame(stops), "routes": pd.DataFrame(route_rows), "trips": pd.DataFrame(trips),
        "stop_times": st, "frequencies": pd.DataFrame(frequencies), "shapes": pd.DataFrame(shapes),
        "calendar": pd.DataFrame([dict(service_id="WK", monday=1, tuesday=1, wednesday=1, thursday=1, friday=1,
                                       saturday=0, sunday=0, start_date="20260105", end_date="20261231")]),
        "calendar_dates": pd.DataFrame([dict(service_id="WK", date="20260501", exception_type=2)]),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            archive.writestr(f"{name}.txt", frame.to_csv(index=False))
    return len(st)


def make_city(folder: Path) -> None:
    boundary = shapely.box(CENTRE[0] - HALF_M, CENTRE[1] - HALF_M, CENTRE[0] + HALF_M, CENTRE[1] + HALF_M)
    gpd.GeoDataFrame({"name": ["city"]}, geometry=[boundary], crs=UTM).to_file(folder / "boundary.gpkg")
    side = int(2 * HALF_M / 100)
    yy, xx = np.mgrid[0:side, 0:side]
    people = 400.0 * np.exp(-(((xx - side / 2) ** 2 + (yy - side / 2) ** 2) / (side / 3) ** 2))
    with rasterio.open(folder / "pop.tif", "w", driver="GTiff", height=side, width=side, count=1, dtype="float64",
                       crs=UTM, transform=from_origin(CENTRE[0] - HALF_M, CENTRE[1] + HALF_M, 100, 100)) as dst:
        dst.write(people, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=35, help="bus routes (35: about 100,000 stop times)")
    parser.add_argument("--keep", help="write the feed and the city into this folder and keep them")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_gtfs_"))
    folder.mkdir(parents=True, exist_ok=True)
    feed = folder / "feed.zip"
    count = make_feed(feed, args.routes)
    make_city(folder)
    print(f"feed: {count:,} stop times, {feed.stat().st_size / 1e6:.1f} MB zipped; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    t0 = time.perf_counter()
    import gtfs_kit  # noqa: F401
    from layers.analysis.indicators import evaluate
    from layers.io import read_layers
    from layers.session import Session

    t1 = time.perf_counter()
    stations, lines = read_layers(feed)
    t2 = time.perf_counter()
    session = Session()
    for layer in [stations, lines, *read_layers(folder / "boundary.gpkg"), *read_layers(folder / "pop.tif")]:
        session.add_layer(layer)
    session.guess_roles(list(session.layers))
    session.update(frequent_headway_min=10.0)
    result = evaluate("sdg-11.2.1", session.city()).to_dict()
    t3 = time.perf_counter()
    command = [sys.executable, "-m", "layers.cli", str(feed), str(folder / "boundary.gpkg"), str(folder / "pop.tif"),
               "-p", "sdg-11.2.1", "--frequent-headway", "10", "--format", "json"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    t4 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    t5 = time.perf_counter()
    if done.returncode != 0:
        sys.exit(f"planner measure failed: {done.stderr}")
    if json.loads(done.stdout)[0]["value"] != result["value"]:
        sys.exit("planner measure gave another figure than the session")
    figures = result["figures"]
    print(f"stations {len(stations.gdf):,} ({(stations.gdf['capacity'] == 'high').sum():,} high capacity), "
          f"lines {len(lines.gdf):,}; service window {stations.gdf['service_window'].iloc[0]}")
    print(f"imports (gtfs-kit, the app's model) {t1 - t0:6.3f} s")
    print(f"open feed                           {t2 - t1:6.3f} s")
    print(f"measure                             {t3 - t2:6.3f} s")
    print(f"open + measure                      {t3 - t1:6.3f} s  (target < 2 s)")
    print(f"planner measure, a fresh process    {t5 - t4:6.3f} s  (Python's start and every import included)")
    print(f"SDG 11.2.1      {result['value']:.4f} of {result['denominator']:,.0f} people "
          f"({figures['area_m2'] / 1e6:,.2f} km2), CRS {result['crs']}")
    print(f"  frequent (<= {figures['frequent_headway_min']:g} min): {figures['frequent_population_share']:.4f} "
          f"({figures['frequent_stations']:,} stations, {figures['frequent_area_m2'] / 1e6:,.2f} km2)")


if __name__ == "__main__":
    main()
