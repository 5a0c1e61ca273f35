"""Build the bundled Hanoi sample maps from the fact tables and the licensed geodata.

Run from the repository root::

    python -m sample_data.build [--geodata PATH]

Inputs
    sample_data/facts/*.csv      sourced facts (every row has a `source`)
    ../shared/geodata/           real boundary files (OSM, geoBoundaries, Natural Earth), see
                                 sample_data/README.md for their licences; override with
                                 --geodata or the PLANNER_GEODATA environment variable.
Outputs (committed, so the app never needs the inputs)
    sample_data/hanoi.gpkg                    vector layers, EPSG:4326
    sample_data/hanoi_population_250m.tif     synthetic population grid, EPSG:32648,
                                              float32 persons per 250 m cell, nodata -9999
    sample_data/hanoi.planner.json            sample project file

All geometry work is done in EPSG:32648 (WGS 84 / UTM 48N, metres). The build is
deterministic: the same inputs give byte-identical outputs (the GeoPackage timestamp is
pinned with OGR_CURRENT_DATE).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import geopandas as gpd
import shapely
from shapely.geometry import LineString, Point, Polygon, box
from shapely import affinity, ops

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FACTS = HERE / "facts"
DEFAULT_GEODATA = REPO.parent / "shared" / "geodata"

WGS84 = "EPSG:4326"
UTM = "EPSG:32648"
CELL_M = 250.0
SUBCELLS = 10  # 25 m sub-cells for area fractions inside each 250 m cell
NODATA = -9999.0
CENSUS_2019 = 8_053_663  # 2019 census, see facts/city_totals.csv
SIMPLIFY_M = 25.0
RIVER_HALF_WIDTH_M = 400.0  # ~800 m wide channel (fact sheet: 0.5-1 km at low water)
BRIDGE_OVERHANG_M = 350.0  # drawn beyond each bank
GPKG_DATE = "2026-01-01T00:00:00.000Z"

GEOBOUNDARIES = "geoBoundaries VNM-ADM2 2020 (Government of Viet Nam / OCHA ROAP), CC BY 3.0 IGO"
OSM_OUTLINE = "OpenStreetMap relation 1903516 'Hà Nội' (Nominatim export), © OpenStreetMap contributors, ODbL"
OSM_WARDS = "OpenStreetMap admin_level=6 wards/communes (overpass export 2026-04-09), © OpenStreetMap contributors, ODbL"
NATURAL_EARTH = "Natural Earth 1:10m rivers_lake_centerlines (public domain)"


# ---------------------------------------------------------------- helpers
def read_facts(name: str) -> pd.DataFrame:
    """Read one fact table; empty cells become NA."""
    return pd.read_csv(FACTS / f"{name}.csv", dtype=str, keep_default_na=False).replace("", pd.NA)


def ascii_key(text: str) -> str:
    """'Ứng Hòa' -> 'ung hoa' (for matching the ASCII geoBoundaries names)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower().strip()


def to_utm_points(lat, lon) -> np.ndarray:
    pts = gpd.GeoSeries(gpd.points_from_xy(np.asarray(lon, float), np.asarray(lat, float)), crs=WGS84)
    return shapely.get_coordinates(pts.to_crs(UTM).values)


def polygons_only(geom):
    """Keep the polygonal part of a geometry (after clipping / make_valid)."""
    geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else Polygon()


def circle(xy, area_m2: float, n: int = 96):
    return Point(xy).buffer(math.sqrt(area_m2 / math.pi), quad_segs=n // 4)


def ellipse(xy, a: float, b: float, angle_deg: float = 0.0):
    e = affinity.scale(Point(0, 0).buffer(1.0, quad_segs=32), a, b)
    e = affinity.rotate(e, angle_deg, origin=(0, 0))
    return affinity.translate(e, *xy)


def scale_to_area(geom, target_m2: float, clip=None, iters: int = 30):
    """Scale geom about its centroid (then clip) until its area is target_m2."""
    c = geom.centroid
    f = 1.0
    out = geom
    for _ in range(iters):
        out = affinity.scale(geom, f, f, origin=c)
        if clip is not None:
            out = polygons_only(out.difference(clip))
        f *= math.sqrt(target_m2 / out.area)
    return out


def frame(rows: list[dict], role: str) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=UTM)
    gdf.insert(1, "role", role)
    return gdf


# ---------------------------------------------------------------- boundaries
def build_city(geodata: Path):
    g = gpd.read_file(geodata / "hanoi_city_outline_osm.geojson").to_crs(UTM)
    geom = polygons_only(shapely.simplify(g.geometry.iloc[0], SIMPLIFY_M, preserve_topology=True))
    return frame([{"name": "Hà Nội", "source": OSM_OUTLINE + "; simplified 25 m", "geometry": geom}], "boundary")


def build_districts(geodata: Path, city_geom):
    facts = read_facts("districts")
    g = gpd.read_file(geodata / "hanoi_area_districts_geoboundaries_2020.geojson").to_crs(UTM)
    g["key"] = g["district"].map(ascii_key)
    facts["key"] = facts["name_ascii"].map(ascii_key)
    g = g[g["key"].isin(set(facts["key"]))]
    assert len(g) == 30, f"expected 30 Hanoi districts, got {len(g)}"
    g = g.sort_values("key").reset_index(drop=True)
    simple = shapely.coverage_simplify(shapely.make_valid(g.geometry.values), SIMPLIFY_M)
    geoms = [polygons_only(shapely.intersection(s, city_geom)) for s in simple]
    g = g.assign(geometry=geoms).merge(facts, on="key")
    rows = []
    for r in g.sort_values("name").itertuples():
        rows.append({
            "name": r.name, "kind": r.kind, "population": int(r.population_2018), "population_year": 2018,
            "area_km2_official": float(r.area_km2_official),
            "source": f"boundary: {GEOBOUNDARIES}, simplified 25 m, clipped to the OSM outline; "
                      f"figures: {r.source}; {r.note}",
            "centre_lat": float(r.centre_lat), "centre_lon": float(r.centre_lon),
            "geometry": r.geometry,
        })
    gdf = frame(rows, "ward")
    centres = gdf[["centre_lat", "centre_lon"]].to_numpy()
    return gdf.drop(columns=["centre_lat", "centre_lon"]), centres


def build_wards(geodata: Path, city_geom):
    g = gpd.read_file(geodata / "hanoi_wards_communes126_osm_2026.geojson")
    g = g[g.geom_type.isin(["Polygon", "MultiPolygon"])].to_crs(UTM)
    assert len(g) == 126, len(g)
    g = g.sort_values("name").reset_index(drop=True)
    simple = shapely.coverage_simplify(shapely.make_valid(g.geometry.values), SIMPLIFY_M)
    rows = []
    for name, geom in zip(g["name"], simple):
        rows.append({"name": name, "kind": "ward" if name.startswith("Phường") else "commune",
                     "population": 0, "source": OSM_WARDS + "; simplified 25 m; population from the sample grid",
                     "geometry": polygons_only(shapely.intersection(geom, city_geom))})
    return frame(rows, "ward")


# ---------------------------------------------------------------- water
def red_river_centreline(geodata: Path) -> LineString:
    """Natural Earth centreline, rubber-sheeted so that it passes through the fact-sheet points.

    Each fact point P_i is projected onto the NE line (along-line distance s_i, foot Q_i);
    every NE vertex is shifted by the offset P_i - Q_i interpolated linearly in s. The NE
    line keeps its bends between the points, and the result passes exactly through the
    fact points (which include the bridge crossings).
    """
    ne = gpd.read_file(geodata / "ne_10m_rivers_lake_centerlines.topojson")
    ne = ne[ne["name_en"] == "Red"].set_crs(WGS84, allow_override=True).to_crs(UTM)
    line = shapely.union_all(ne.geometry.values)
    if line.geom_type == "MultiLineString":
        line = ops.linemerge(line)
    if line.geom_type != "LineString":  # keep the longest piece
        line = max(line.geoms, key=lambda g: g.length)
    pts = read_facts("red_river_centreline")
    pts = pts[pts["control"] == "yes"]  # two points disagree with the district boundaries, see the table's note
    P = to_utm_points(pts["lat"], pts["lon"])
    s = np.array([line.project(Point(p)) for p in P])
    if not np.all(np.diff(s) > 0):
        raise ValueError(f"fact points do not run downstream along the NE line: {s}")
    Q = np.array([line.interpolate(x).coords[0] for x in s])
    off = P - Q
    coords = np.asarray(line.coords)
    sv = np.array([line.project(Point(c)) for c in coords])
    s_end = s[-1] + 3000.0  # run on past the SE border
    keep = (sv > s[0]) & (sv < s_end)
    allpts = np.vstack([coords[keep], Q, [line.interpolate(s_end).coords[0]]])
    alls = np.concatenate([sv[keep], s, [s_end]])
    order = np.argsort(alls, kind="stable")
    allpts, alls = allpts[order], alls[order]
    shifted = allpts + np.column_stack([np.interp(alls, s, off[:, 0]), np.interp(alls, s, off[:, 1])])
    return LineString(shifted)


def build_water(centreline: LineString):
    wf = read_facts("water").set_index("name")
    river = centreline.buffer(RIVER_HALF_WIDTH_M, quad_segs=8)
    r = wf.loc["Sông Hồng (Red River)"]
    rows = [{"name": "Sông Hồng (Red River)", "kind": "river",
             "source": f"{r.source}; centreline = Natural Earth line rubber-sheeted through the fact points, "
                       f"buffered to an assumed width of 800 m; approximate ({r.accuracy})", "geometry": river}]
    keep_off = river.buffer(250.0)  # the dyke and the road between lake and river

    r = wf.loc["Hồ Tây (West Lake)"]
    xy = to_utm_points([r.centre_lat], [r.centre_lon])[0]
    target = 5.13e6  # between the two facts: ~500 ha (text) and 5.26 km2 (infobox)
    west = scale_to_area(ellipse(xy, 1350.0, 1200.0, 20.0), target, clip=keep_off)
    rows.append({"name": "Hồ Tây (West Lake)", "kind": "lake",
                 "source": f"{r.source}; schematic ellipse of {target / 1e6:.2f} km2 around the fact centre ({r.accuracy})",
                 "geometry": west})

    r = wf.loc["Hồ Trúc Bạch"]
    # Trúc Bạch was split off West Lake by Thanh Niên road: place it just across a 30 m road from
    # the drawn West Lake, in the direction of its (approximate) fact centre.
    fact_xy = to_utm_points([r.centre_lat], [r.centre_lon])[0]
    c = np.asarray(west.centroid.coords[0])
    u = (fact_xy - c) / np.hypot(*(fact_xy - c))
    shore = west.exterior.intersection(LineString([c, c + u * 10_000]))
    d_shore = max(np.hypot(*(np.asarray(p.coords[0]) - c)) for p in getattr(shore, "geoms", [shore]))
    xy = c + u * (d_shore + 30.0 + 260.0)
    truc = polygons_only(scale_to_area(ellipse(xy, 300.0, 230.0, 0.0), 22e4).difference(west.buffer(30.0)))
    rows.append({"name": "Hồ Trúc Bạch", "kind": "lake",
                 "source": f"{r.source}; schematic ellipse of ~22 ha across a 30 m road (Thanh Niên) from the "
                           f"drawn West Lake, towards the approximate centre ({r.accuracy})", "geometry": truc})

    r = wf.loc["Hồ Hoàn Kiếm"]
    xy = to_utm_points([r.centre_lat], [r.centre_lon])[0]
    hk = scale_to_area(ellipse(xy, 115.0, 330.0, -8.0), 12e4)
    rows.append({"name": "Hồ Hoàn Kiếm", "kind": "lake",
                 "source": f"{r.source}; schematic ellipse of 12 ha ({r.accuracy})", "geometry": hk})
    return frame(rows, "water")


# ---------------------------------------------------------------- metro
PREPEND = {"3-1U": ("3-1E", -1), "3-EXT": ("3-1U", -1)}  # section starts where another ends


def build_metro():
    lines = read_facts("metro_lines")
    pts = read_facts("metro_stations")
    xy = to_utm_points(pts["lat"], pts["lon"])
    pts = pts.assign(x=xy[:, 0], y=xy[:, 1])
    section_pts = {sec: grp[["x", "y"]].to_numpy() for sec, grp in pts.groupby("section", sort=False)}
    for sec, (other, idx) in PREPEND.items():
        section_pts[sec] = np.vstack([section_pts[other][idx], section_pts[sec]])

    line_rows, sec_info = [], {}
    for r in lines.itertuples():
        geom = LineString(section_pts[r.section])
        oy = None if pd.isna(r.opening_year) else int(r.opening_year)
        sec_info[r.section] = (r.status, oy)
        line_rows.append({
            "name": r.name, "line": r.line, "section": r.section, "status": r.status, "opening_year": oy,
            "colour": r.colour,
            "length_km_official": None if pd.isna(r.length_km_official) else float(r.length_km_official),
            "stations_official": None if pd.isna(r.stations_official) else int(r.stations_official),
            "construction_start": None if pd.isna(r.construction_start) else r.construction_start,
            "accuracy": r.accuracy, "source": f"{r.source}; {r.note}", "geometry": geom,
        })
    st_rows = []
    for r in pts[pts["kind"] == "station"].itertuples():
        status, oy = sec_info[r.section]
        st_rows.append({"name": r.name, "line": r.line, "section": r.section, "code": r.code, "status": status,
                        "opening_year": oy, "accuracy": r.accuracy, "source": f"{r.source}; {r.note}",
                        "geometry": Point(r.x, r.y)})
    ml = frame(line_rows, "metro_line")
    ms = frame(st_rows, "metro_station")
    for c in ("opening_year", "stations_official"):
        ml[c] = ml[c].astype("Int32")
    ms["opening_year"] = ms["opening_year"].astype("Int32")
    return ml, ms


# ---------------------------------------------------------------- bridges
def build_bridges(centreline: LineString, river):
    b = read_facts("bridges")
    xy = to_utm_points(b["lat"], b["lon"])
    half = RIVER_HALF_WIDTH_M + BRIDGE_OVERHANG_M
    rows = []
    for r, p in zip(b.itertuples(), xy):
        s = centreline.project(Point(p))
        c = np.asarray(centreline.interpolate(s).coords[0])
        moved = float(np.hypot(*(c - p)))
        a = np.asarray(centreline.interpolate(max(s - 300, 0)).coords[0])
        z = np.asarray(centreline.interpolate(s + 300).coords[0])
        t = (z - a) / np.hypot(*(z - a))
        n = np.array([-t[1], t[0]])
        geom = LineString([c - n * half, c + n * half])
        assert geom.crosses(river) and not river.contains(Point(geom.coords[0])), r.name
        acc = f"crossing {r.accuracy}; drawn perpendicular to the sample river, {2 * half / 1000:.1f} km long (schematic)"
        if moved > 1.0:
            acc += f"; centre moved {moved:.0f} m onto the sample centreline"
        rows.append({"name": r.name, "status": r.status,
                     "opening_year": None if pd.isna(r.opening_year) else int(r.opening_year),
                     "construction_start": None if pd.isna(r.construction_start) else r.construction_start,
                     "length_m_official": None if pd.isna(r.length_m_official) else float(r.length_m_official),
                     "accuracy": acc, "source": f"{r.source}; {r.note}", "geometry": geom})
    gdf = frame(rows, "bridge")
    gdf["opening_year"] = gdf["opening_year"].astype("Int32")
    return gdf


# ---------------------------------------------------------------- green
def build_green(centreline: LineString, water, city_geom):
    g = read_facts("green")
    water_all = shapely.union_all(water.geometry.values)
    west = water.loc[water["name"] == "Hồ Tây (West Lake)", "geometry"].iloc[0]
    river = water.loc[water["kind"] == "river", "geometry"].iloc[0]
    rows = []
    for r in g.itertuples():
        if r.kind == "park":
            geom = circle(to_utm_points([r.centre_lat], [r.centre_lon])[0], float(r.area_ha_drawn) * 1e4)
        elif r.kind == "corridor":
            c = read_facts("to_lich_course")
            geom = LineString(to_utm_points(c["lat"], c["lon"])).buffer(40.0, quad_segs=4)
        elif r.kind == "riverbank":
            p = read_facts("red_river_centreline").set_index("point")
            s0, s1 = (centreline.project(Point(to_utm_points([p.loc[k, "lat"]], [p.loc[k, "lon"]])[0]))
                      for k in ("Thăng Long bridge", "Thanh Trì bridge"))
            geom = ops.substring(centreline, s0, s1).buffer(RIVER_HALF_WIDTH_M + 250.0, cap_style="flat")
            geom = geom.difference(river)
        elif r.kind == "lake_shore":
            geom = west.buffer(40.0).difference(west)
        else:
            raise ValueError(r.kind)
        geom = polygons_only(shapely.intersection(polygons_only(geom.difference(water_all)), city_geom))
        rows.append({"name": r.name, "kind": r.kind, "status": r.status,
                     "opening_year": None if pd.isna(r.opening_year) else int(r.opening_year),
                     "area_ha_official": None if pd.isna(r.area_ha_official) else float(r.area_ha_official),
                     "accuracy": r.accuracy, "source": f"{r.source}; {r.note}", "geometry": geom})
    gdf = frame(rows, "green")
    gdf["opening_year"] = gdf["opening_year"].astype("Int32")
    return gdf


# ---------------------------------------------------------------- digital
def build_digital(city_geom):
    d = read_facts("digital_zones")
    rows = []
    for r in d.itertuples():
        if r.name.startswith("Old quarter"):
            a = to_utm_points([21.030, 21.040], [105.846, 105.855])
            geom = box(a[0, 0], a[0, 1], a[1, 0], a[1, 1])
        else:
            geom = circle(to_utm_points([r.centre_lat], [r.centre_lon])[0], float(r.area_ha) * 1e4)
        rows.append({"name": r.name, "description": r.description, "status": r.status,
                     "opening_year": None if pd.isna(r.opening_year) else int(r.opening_year),
                     "illustrative": r.illustrative == "true", "source": f"{r.source}; {r.note}",
                     "geometry": polygons_only(shapely.intersection(geom, city_geom))})
    gdf = frame(rows, "digital_zone")
    gdf["opening_year"] = gdf["opening_year"].astype("Int32")
    return gdf


# ---------------------------------------------------------------- population grid
def grid_spec(city_geom):
    x0, y0, x1, y1 = city_geom.bounds
    x0, y0 = math.floor(x0 / CELL_M) * CELL_M, math.floor(y0 / CELL_M) * CELL_M
    x1, y1 = math.ceil(x1 / CELL_M) * CELL_M, math.ceil(y1 / CELL_M) * CELL_M
    return x0, y1, int(round((x1 - x0) / CELL_M)), int(round((y1 - y0) / CELL_M))


def cell_fractions(geoms, spec, mask=None):
    """Per-cell area fraction of each geometry, from 25 m sub-cells.

    Returns (cells, zone, frac): flat cell index, zone index (into geoms) and the fraction
    of the 250 m cell covered by that zone (optionally only where `mask` (sub-cell bool) is true).
    """
    from rasterio import features
    from rasterio.transform import from_origin
    x0, ytop, nx, ny = spec
    sub = CELL_M / SUBCELLS
    ids = features.rasterize(((g, i + 1) for i, g in enumerate(geoms)), out_shape=(ny * SUBCELLS, nx * SUBCELLS),
                             transform=from_origin(x0, ytop, sub, sub), fill=0, dtype="int32")
    if mask is not None:
        ids = np.where(mask, ids, 0)
    rows, cols = np.nonzero(ids)
    cells = (rows // SUBCELLS) * nx + cols // SUBCELLS
    key = cells.astype(np.int64) * (len(geoms) + 1) + ids[rows, cols]
    uk, counts = np.unique(key, return_counts=True)
    return uk // (len(geoms) + 1), uk % (len(geoms) + 1) - 1, counts / SUBCELLS ** 2


def build_population(districts, centres, water, green, city_geom):
    """Synthetic dasymetric population grid; returns (array, transform, spec)."""
    from rasterio import features
    from rasterio.transform import from_origin
    spec = grid_spec(city_geom)
    x0, ytop, nx, ny = spec
    sub = CELL_M / SUBCELLS
    empty = shapely.union_all(list(water.geometry) + list(green.loc[green["kind"] == "park", "geometry"]))
    land = features.rasterize([(empty, 1)], out_shape=(ny * SUBCELLS, nx * SUBCELLS),
                              transform=from_origin(x0, ytop, sub, sub), fill=0, dtype="uint8") == 0
    geoms = list(districts.geometry)
    c_cell, c_zone, c_frac = cell_fractions(geoms, spec)            # coverage incl. water
    l_cell, l_zone, l_frac = cell_fractions(geoms, spec, mask=land)  # land only

    # dasymetric weight at each cell centre
    cx = x0 + (np.arange(nx) + 0.5) * CELL_M
    cy = ytop - (np.arange(ny) + 0.5) * CELL_M
    gx, gy = np.meshgrid(cx, cy)
    gx, gy = gx.ravel(), gy.ravel()
    cxy = to_utm_points(centres[:, 0], centres[:, 1])
    core = to_utm_points([21.0288], [105.8524])[0]  # Hoàn Kiếm lake, the historic core
    urban = (districts["kind"] == "urban district").to_numpy()
    scale = np.where(urban, 1500.0, 3000.0)
    d_core = np.hypot(gx - core[0], gy - core[1])
    w_cell = 0.3 + np.exp(-d_core / 5000.0)
    d_cent = np.hypot(gx[l_cell] - cxy[l_zone, 0], gy[l_cell] - cxy[l_zone, 1])
    w_l = l_frac * (w_cell[l_cell] + np.exp(-d_cent / scale[l_zone]))

    pop = districts["population"].to_numpy(float)
    target = pop * CENSUS_2019 / pop.sum()
    k = target / np.bincount(l_zone, weights=w_l, minlength=len(geoms))
    for _ in range(200):  # district sums measured with coverage fractions, as the app does
        v = np.bincount(l_cell, weights=w_l * k[l_zone], minlength=nx * ny)
        s = np.bincount(c_zone, weights=c_frac * v[c_cell], minlength=len(geoms))
        k *= target / s
        if np.max(np.abs(s / target - 1)) < 1e-7:
            break
    v = np.bincount(l_cell, weights=w_l * k[l_zone], minlength=nx * ny)
    inside = np.zeros(nx * ny, bool)
    inside[c_cell] = True
    arr = np.where(inside, v, NODATA).reshape(ny, nx).astype("float32")
    return arr, from_origin(x0, ytop, CELL_M, CELL_M), spec


def zone_population(arr, spec, geoms):
    c_cell, c_zone, c_frac = cell_fractions(list(geoms), spec)
    v = np.where(arr.ravel() > 0, arr.ravel(), 0.0).astype(float)
    return np.bincount(c_zone, weights=c_frac * v[c_cell], minlength=len(geoms))


# ---------------------------------------------------------------- output
LAYER_ORDER = ["city_boundary", "districts", "wards", "water", "green", "digital_zones", "bridges",
               "metro_lines", "metro_stations"]


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]):
    os.environ["OGR_CURRENT_DATE"] = GPKG_DATE
    if path.exists():
        path.unlink()
    for name in LAYER_ORDER:
        gdf = layers[name].to_crs(WGS84)
        gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 1e-7)
        gdf["geometry"] = [polygons_only(g) if g.geom_type in ("Polygon", "MultiPolygon", "GeometryCollection")
                           else g for g in gdf.geometry]
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def write_raster(path: Path, arr, transform):
    import rasterio
    if path.exists():
        path.unlink()
    with rasterio.open(path, "w", driver="GTiff", width=arr.shape[1], height=arr.shape[0], count=1,
                       dtype="float32", crs=UTM, transform=transform, nodata=NODATA, compress="deflate",
                       predictor=3, tiled=True, blockxsize=256, blockysize=256) as dst:
        dst.write(arr, 1)
        dst.update_tags(1, units="persons per cell", synthetic="yes",
                        description=f"Synthetic dasymetric population grid; total = 2019 census {CENSUS_2019}")


def project_dict(view):
    def vec(layer, name, visible, **style):
        base = {"stroke": "#333333", "fill": None, "fill_alpha": 0.0, "width": 1.0, "point_size": 6,
                "category_field": None, "colour_field": None, "label_field": None}
        base.update(style)
        return {"source": "hanoi.gpkg", "layer": layer, "name": name, "visible": visible, "opacity": 1.0,
                "style": base}
    return {
        "format": "planner-project", "version": 1, "working_crs": UTM,
        "view": dict(zip(("xmin", "ymin", "xmax", "ymax"), (round(v) for v in view))),
        "layers": [
            {"source": "hanoi_population_250m.tif", "layer": None, "name": "Population (250 m grid)",
             "visible": True, "opacity": 0.6, "style": {"colormap": "viridis"}},
            vec("districts", "Districts (until 2025)", False, stroke="#7f7f7f", width=1.0, label_field="name"),
            vec("wards", "Wards and communes (2025)", True, stroke="#9e9e9e", width=0.6),
            vec("city_boundary", "Hà Nội boundary", True, stroke="#222222", width=2.0),
            vec("water", "Water", True, stroke="#2b6cb0", fill="#6fa8dc", fill_alpha=0.9, width=0.5),
            vec("green", "Green space", True, stroke="#2e7d32", fill="#66bb6a", fill_alpha=0.7, width=0.5,
                category_field="status"),
            vec("digital_zones", "Digital zones", True, stroke="#6a1b9a", fill="#9c27b0", fill_alpha=0.25,
                width=1.0, category_field="status", label_field="name"),
            vec("bridges", "Red River bridges", True, stroke="#5d4037", width=3.0, category_field="status"),
            vec("metro_lines", "Metro lines", True, width=4.0, colour_field="colour", category_field="status"),
            vec("metro_stations", "Metro stations", True, stroke="#111111", fill="#ffffff", fill_alpha=1.0,
                point_size=7, category_field="status", label_field="name"),
        ],
    }


def build(geodata: Path = DEFAULT_GEODATA, out_dir: Path = HERE, verbose: bool = True) -> dict:
    city = build_city(geodata)
    city_geom = city.geometry.iloc[0]
    districts, centres = build_districts(geodata, city_geom)
    wards = build_wards(geodata, city_geom)
    centreline = red_river_centreline(geodata)
    water = build_water(centreline)
    river = water.geometry.iloc[0]
    metro_lines, metro_stations = build_metro()
    bridges = build_bridges(centreline, river)
    green = build_green(centreline, water, city_geom)
    digital = build_digital(city_geom)

    arr, transform, spec = build_population(districts, centres, water, green, city_geom)
    wards["population"] = np.round(zone_population(arr, spec, wards.geometry)).astype("int64")

    layers = {"city_boundary": city, "districts": districts, "wards": wards, "water": water, "green": green,
              "digital_zones": digital, "bridges": bridges, "metro_lines": metro_lines,
              "metro_stations": metro_stations}
    write_gpkg(out_dir / "hanoi.gpkg", layers)
    write_raster(out_dir / "hanoi_population_250m.tif", arr, transform)
    project = project_dict(city_geom.bounds)
    (out_dir / "hanoi.planner.json").write_text(json.dumps(project, ensure_ascii=False, indent=2) + "\n",
                                                encoding="utf-8")
    if verbose:
        for name in LAYER_ORDER:
            print(f"{name:16s} {len(layers[name]):4d} features")
        total = float(arr[arr > 0].sum())
        print(f"population grid {arr.shape[1]}x{arr.shape[0]} cells, total {total:,.0f} "
              f"({100 * (total / CENSUS_2019 - 1):+.3f} % vs census {CENSUS_2019:,})")
        for r in metro_lines.itertuples():
            print(f"metro {r.section:6s} {r.geometry.length / 1000:6.2f} km drawn, official {r.length_km_official}")
    return layers


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--geodata", type=Path, default=Path(os.environ.get("PLANNER_GEODATA", DEFAULT_GEODATA)))
    ap.add_argument("--out", type=Path, default=HERE)
    args = ap.parse_args(argv)
    build(args.geodata, args.out)


if __name__ == "__main__":
    main()
