"""Small cities that are not Hanoi, made by the tests: other UTM zones, both hemispheres, data in
lon/lat, Web Mercator or the local UTM zone, population grids in any of those CRSs.

Each city is a boundary (16 x 12 km), four wards, stations, green areas, and a population grid
whose people per square metre vary smoothly, written to a GeoPackage and a GeoTIFF the way an
agency would hand them over. `truth` gives the geometry in the city's own UTM zone for
independent checks with geopandas and exactextract.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
import shapely.affinity
from pyproj import CRS
from rasterio.transform import from_origin

from layers.crs import utm_crs_for


@dataclass(frozen=True)
class City:
    name: str
    lon: float
    lat: float
    data_crs: str  # 'lonlat', 'webmercator' or 'utm': the CRS of the vector files
    grid_crs: str  # the same choices for the population GeoTIFF

    @property
    def utm(self) -> CRS:
        return utm_crs_for(self.lon, self.lat)

    def crs(self, kind: str) -> CRS:
        return {"lonlat": CRS.from_epsg(4326), "webmercator": CRS.from_epsg(3857), "utm": self.utm}[kind]


CITIES = [
    City("paris", 2.3522, 48.8566, "lonlat", "lonlat"),  # UTM 31N, as OSM and WorldPop give it
    City("sao_paulo", -46.6333, -23.5505, "webmercator", "utm"),  # UTM 23S
    City("nairobi", 36.8219, -1.2921, "utm", "webmercator"),  # UTM 37S
    City("oslo", 10.7522, 59.9139, "lonlat", "webmercator"),  # UTM 32N, far north: Mercator x4 areas
]


@dataclass
class Truth:
    """The city in its own UTM zone (metres), for checks that do not use planner's code."""

    crs: CRS
    boundary: shapely.Geometry
    wards: gpd.GeoDataFrame
    stations: gpd.GeoDataFrame
    green: gpd.GeoDataFrame


def truth(city: City) -> Truth:
    utm = city.utm
    c = gpd.GeoSeries([shapely.Point(city.lon, city.lat)], crs=4326).to_crs(utm).iloc[0]
    x0, y0 = c.x - 8000, c.y - 6000
    boundary = shapely.Polygon([(x0, y0), (x0 + 16000, y0 + 500), (x0 + 15500, y0 + 12000), (x0 + 300, y0 + 11500)])
    boundary = shapely.segmentize(boundary, 200)  # stays the same shape in any CRS
    quarters = [shapely.box(x0 + xa, y0 + ya, x0 + xb, y0 + yb)
                for xa, xb in ((-1000, 8000), (8000, 17000)) for ya, yb in ((-1000, 6000), (6000, 13000))]
    wards = gpd.GeoDataFrame({"name": ["SW", "NW", "SE", "NE"]},
                             geometry=[shapely.segmentize(q.intersection(boundary), 200) for q in quarters], crs=utm)
    points = [(3000, 2500), (7000, 6000), (9500, 6500), (12500, 9000), (5000, 9500)]
    stations = gpd.GeoDataFrame(
        {"name": [f"S{i}" for i in range(len(points))], "status": ["existing"] * 4 + ["planned"],
         "opening_year": [2001, 2005, 2010, 2015, 2031], "line": ["1", "1", "1", "2", "2"]},
        geometry=[shapely.Point(x0 + dx, y0 + dy) for dx, dy in points], crs=utm)
    green = gpd.GeoDataFrame({"name": ["park A", "park B", "verge"]}, geometry=[
        shapely.box(x0 + 1000, y0 + 7000, x0 + 2500, y0 + 8000), shapely.Point(x0 + 11000, y0 + 3000).buffer(600),
        shapely.box(x0 + 6000, y0 + 1000, x0 + 6050, y0 + 1050)], crs=utm)
    return Truth(utm, boundary, wards, stations, green)


def density(lon: np.ndarray, lat: np.ndarray, city: City) -> np.ndarray:
    """People per square metre at a place: smooth, higher towards the centre (about 4,000 per km2 there)."""
    d2 = ((lon - city.lon) * np.cos(np.radians(city.lat))) ** 2 + (lat - city.lat) ** 2
    return 0.004 * np.exp(-d2 / (2 * 0.05 ** 2)) + 0.0005


_MADE: dict[tuple, dict[str, bytes]] = {}  # (what, city) -> its files' names and bytes, made once a test process


def _handed_over(what, city: City, folder: Path) -> tuple[Path, ...]:
    """The files `what(city, folder)` writes, made once per test process and copied into `folder`
    after: the same bytes, a tenth of the time."""
    if (what, city) not in _MADE:
        with tempfile.TemporaryDirectory() as made:
            _MADE[what, city] = {path.name: path.read_bytes() for path in what(city, Path(made))}
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in _MADE[what, city].items():
        (folder / name).write_bytes(content)
    return tuple(folder / name for name in _MADE[what, city])


def write_city(city: City, folder: Path) -> tuple[Path, Path]:
    """The city as an agency hands it over: a GeoPackage of layers and a population GeoTIFF."""
    return _handed_over(_write_city, city, folder)


def _write_city(city: City, folder: Path) -> tuple[Path, Path]:
    t = truth(city)
    vectors = city.crs(city.data_crs)
    gpkg = folder / f"{city.name}.gpkg"
    gpd.GeoDataFrame({"name": [city.name]}, geometry=[t.boundary], crs=t.crs).to_crs(vectors).to_file(
        gpkg, layer="city_boundary")
    t.wards.to_crs(vectors).to_file(gpkg, layer="wards")
    t.stations.to_crs(vectors).to_file(gpkg, layer="metro_stations")
    t.green.to_crs(vectors).to_file(gpkg, layer="green_spaces")
    return gpkg, write_population(city, t, folder / f"{city.name}_population.tif")


def write_population(city: City, t: Truth, path: Path) -> Path:
    """People per cell (density x the cell's true area on the ground) on a grid in `city.grid_crs`."""
    grid_crs = city.crs(city.grid_crs)
    west, south, east, north = gpd.GeoSeries([t.boundary.buffer(1500)], crs=t.crs).to_crs(grid_crs).total_bounds
    if grid_crs.is_geographic:
        cell = 0.002
    else:
        cell = 200.0 / np.cos(np.radians(city.lat)) if city.grid_crs == "webmercator" else 200.0
    cols, rows = int(np.ceil((east - west) / cell)), int(np.ceil((north - south) / cell))
    transform = from_origin(west, north, cell, cell)
    xs = west + (np.arange(cols) + 0.5) * cell
    ys = north - (np.arange(rows) + 0.5) * cell
    gx, gy = np.meshgrid(xs, ys)
    lonlat = gpd.GeoSeries(gpd.points_from_xy(gx.ravel(), gy.ravel()), crs=grid_crs).to_crs(4326)
    lon, lat = lonlat.x.to_numpy().reshape(gx.shape), lonlat.y.to_numpy().reshape(gx.shape)
    corners = [shapely.box(x - cell / 2, y - cell / 2, x + cell / 2, y + cell / 2)
               for x, y in zip(gx.ravel(), gy.ravel())]
    ground = gpd.GeoSeries(corners, crs=grid_crs).to_crs(t.crs).area.to_numpy().reshape(gx.shape)
    people = (density(lon, lat, city) * ground).astype("float64")
    with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1, dtype="float64",
                       crs=grid_crs.to_wkt(), transform=transform, nodata=-1) as dst:
        dst.write(people, 1)
    return path


def buildings(city: City, seed: int = 3) -> gpd.GeoDataFrame:
    """Building footprints in the city's own UTM zone: rotated rectangles all over, plus the hard
    cases placed on purpose: footprints astride a station's 500 m circle (the catchment's edge),
    astride the ward boundaries (x0 + 8 km, y0 + 6 km), multi-part footprints, and a missing
    floor area. Fields: `floor_area` (m2, float, one missing) and `jobs` (integer)."""
    t = truth(city)
    x0, y0 = t.boundary.bounds[0] - 300, t.boundary.bounds[1]
    rng = np.random.default_rng(seed)
    n = 1500
    cx, cy = x0 + rng.uniform(0, 16000, n), y0 + rng.uniform(0, 12000, n)
    on_circle = [(s.x + 502 * np.cos(a), s.y + 502 * np.sin(a))  # astride the edge, centroid off it
                 for s in t.stations.geometry[:4] for a in np.linspace(0, 2 * np.pi, 12, endpoint=False)]
    # centred 3 m off the line: a centroid exactly on a shared boundary would count in both wards
    on_wards = [(x0 + 303 + 8000, y0 + d) for d in np.linspace(500, 11000, 15)] + \
               [(x0 + 300 + d, y0 + 6003) for d in np.linspace(500, 15000, 15)]
    cx = np.concatenate([cx, [p[0] for p in on_circle + on_wards]])
    cy = np.concatenate([cy, [p[1] for p in on_circle + on_wards]])
    w, h = rng.uniform(8, 40, len(cx)), rng.uniform(8, 30, len(cx))
    angle = rng.uniform(0, np.pi, len(cx))
    shapes = []
    for x, y, ww, hh, a in zip(cx, cy, w, h, angle):
        box = shapely.box(-ww / 2, -hh / 2, ww / 2, hh / 2)
        shapes.append(shapely.affinity.translate(shapely.affinity.rotate(box, a, use_radians=True), x, y))
    # every 50th a two-part building (a main block and an annex 25-60 m beyond it: apart, so valid)
    for i in range(0, len(shapes), 50):
        west, _, east, _ = shapes[i].bounds
        annex = shapely.affinity.translate(shapes[i], east - west + rng.uniform(25, 60), rng.uniform(-20, 20))
        shapes[i] = shapely.MultiPolygon([shapes[i], annex])
    floor_area = np.array([s.area for s in shapes]) * rng.integers(1, 12, len(shapes))
    floor_area[7] = np.nan
    return gpd.GeoDataFrame({"floor_area": floor_area, "jobs": rng.integers(0, 200, len(shapes))},
                            geometry=shapes, crs=t.crs)


def schools(city: City, seed: int = 4) -> gpd.GeoDataFrame:
    """Schools as points with their pupils, in the city's UTM zone; one on a station's 500 m circle."""
    t = truth(city)
    x0, y0 = t.boundary.bounds[0] - 300, t.boundary.bounds[1]
    rng = np.random.default_rng(seed)
    xy = np.column_stack([x0 + rng.uniform(0, 16000, 60), y0 + rng.uniform(0, 12000, 60)])
    s = t.stations.geometry.iloc[0]
    xy[0] = (s.x + 500.0, s.y)
    return gpd.GeoDataFrame({"pupils": rng.integers(100, 1500, len(xy))}, geometry=shapely.points(xy), crs=t.crs)


def write_features(city: City, folder: Path) -> tuple[Path, Path]:
    """The buildings and the schools as agencies hand them over, in the city's data CRS."""
    return _handed_over(_write_features, city, folder)


def _write_features(city: City, folder: Path) -> tuple[Path, Path]:
    vectors = city.crs(city.data_crs)
    paths = folder / f"{city.name}_buildings.gpkg", folder / f"{city.name}_schools.geojson"
    buildings(city).to_crs(vectors).to_file(paths[0], layer="buildings")
    schools(city).to_crs(vectors).to_file(paths[1])
    return paths
