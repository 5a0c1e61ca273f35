"""Walking catchments: the streets reached within R metres, widened by a walking band.

The catchment of a set of origins for a walking distance R is the street pieces reached within
R (`reach.walk`, full and partial edges, and each origin's walk to its street) widened by a
stated walking band on either side (default 50 m: the homes and doors along a street are reached
from it), with the holes smaller than a stated area filled (default 2,500 m²: a courtyard
enclosed by reached streets is reached too). It is the method of ITDP's Pedestrians First
(`isochrones.proper_iso_polys`: reached and partial OSM edges buffered by 100 m, holes up to
2,500 m² infilled), with a narrower band by default so that a street on the far side of a block
is not reached through the buildings.

The band is drawn block by block (`widen`, `blocks.py`): a city block whose every side is
reached is filled but for its core further than the band from its sides, and the band is drawn
only round the pieces that are no side of such a block. That is the same set as a band round
every piece, and 5-10 times faster on a city's network (300,000 edges: well under a second).

Per-origin catchments from the same run share the catchment out without overlap: each point
goes to the origin whose reached street is nearest it (a Voronoi partition of points along
the reached pieces, `PARTITION_SPACING_M` apart), and a street piece belongs to the origin
nearest along the network.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from layers.analysis.coverage import as_area
from layers.analysis.coverage.shapes import geometries
from layers.analysis.network.graph import StreetGraph
from layers.analysis.network.origins import origin_points
from layers.analysis.network.reach import Reach, walk
from layers.analysis.network.snap import snap_to_streets
from layers.analysis.progress import IsCancelled, Progress, check

DEFAULT_BAND_M = 50.0
DEFAULT_FILL_HOLES_M2 = 2_500.0  # ITDP Pedestrians First's infill
BAND_QUAD_SEGS = 8  # segments per quarter circle of the band's round ends (as QGIS and PostGIS)
GEOS_BUFFER_SIMPLIFY = 0.01  # GEOS drops buffer input vertices that move the edge by less than this x the width
PARTITION_SPACING_M = 10.0
VORONOI_NUDGE_M = 0.001
FAR_FROM_STREET_M = 200.0  # an origin further than this from any street is reported: the data may not match


@dataclass
class WalkingCatchment:
    """What the origins reach on foot: the area (a polygon in the graph's CRS) and how it was made."""

    area: shapely.Geometry
    reach: Reach
    radius_m: float
    band_m: float
    fill_holes_m2: float
    crs: str
    network: str  # the network's source and date, in words
    by_origin: np.ndarray | None = None  # polygons, one per origin, not overlapping (if asked for)
    warnings: list[str] = field(default_factory=list)

    @property
    def area_m2(self) -> float:
        return float(self.area.area)

    @property
    def street_length_m(self) -> float:
        return self.reach.street_length_m

    @property
    def distance_text(self) -> str:
        """'walking distance along the street network (<source, date>)' for figures and tables."""
        return f"walking distance along the street network ({self.network})"

    @property
    def method(self) -> str:
        """'within R m by walking distance ... how', for a catchment shown on its own."""
        return f"within {self.radius_m:g} m {method_text(self.radius_m, self.band_m, self.fill_holes_m2, self.network, self.crs)}"


def method_text(radius_m: float, band_m: float, fill_holes_m2: float, network: str, crs: str) -> str:
    """How a walking distance is measured, a clause in place of `presets.STRAIGHT` in an
    indicator's method (no parentheses of its own but the CRS's: the method keeps to one level)."""
    return (f"by walking distance along the street network of {network}: from each origin to the nearest "
            f"point of the nearest street edge, then along the streets by multi-source Dijkstra, edges cut "
            f"where the {radius_m:g} m run out; the streets reached widened by a {band_m:g} m walking band, "
            f"holes under {fill_holes_m2:,.0f} m² filled, as ITDP's Pedestrians First; planar, in {crs}")


def walking_catchment(
    graph: StreetGraph,
    origin_xy: np.ndarray,
    radius_m: float,
    band_m: float = DEFAULT_BAND_M,
    fill_holes_m2: float = DEFAULT_FILL_HOLES_M2,
    per_origin: bool = False,
    progress: Progress = None,
    cancelled: IsCancelled = None,
) -> WalkingCatchment:
    """The walking catchment of origin points (x, y in the graph's CRS) for `radius_m` metres."""
    for name, value in (("walking band", band_m), ("hole size", fill_holes_m2)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"the {name} must be a finite number >= 0, not {value}")
    check(cancelled, progress, 0.0)
    snapped = snap_to_streets(graph, origin_xy)
    reach = walk(graph, snapped, radius_m, cancelled)
    check(cancelled, progress, 0.3)
    area = widen(graph, reach, band_m)
    check(cancelled, progress, 0.8)
    area = fill_holes(area, fill_holes_m2)
    by_origin = None
    if per_origin:
        by_origin = share_out(area, reach, len(snapped.edge), cancelled)
    check(cancelled, progress, 1.0)
    warnings = snap_warnings(snapped)
    return WalkingCatchment(area, reach, float(radius_m), float(band_m), float(fill_holes_m2), graph.crs_label,
                            graph.source.text(), by_origin, warnings)


def snap_warnings(snapped) -> list[str]:
    """What the planner must know about where the origins joined the streets."""
    warnings = []
    far = int((snapped.off_street_m > FAR_FROM_STREET_M).sum())
    if far:
        warnings.append(f"{far} origin(s) are more than {FAR_FROM_STREET_M:g} m from any street of the network "
                        "(does the network cover them?)")
    stray = snapped.fragment_length_m > 0
    if stray.any():
        lengths = ", ".join(f"{m:,.1f} m" for m in np.unique(snapped.fragment_length_m[stray])[:5])
        warnings.append(f"{int(stray.sum())} origin(s) lie nearest a street fragment joined to nothing else "
                        f"({lengths} of street); they were joined to the nearest street of the network that "
                        f"serves the city instead, up to {snapped.off_street_m[stray].max():,.1f} m away")
    return warnings


def widen(graph: StreetGraph, reach: Reach, band_m: float) -> shapely.Geometry:
    """The reached street pieces widened by `band_m` on either side, dissolved.

    Every point within `band_m` of a reached piece, worked out block by block (`blocks.py`):
    the blocks whose every side is reached make a region U; inside it, a point is within the
    band unless it lies in its block's core (further than the band from the block's sides) and
    away from a loose piece. Outside U, the nearest reached street is a side of U or a loose
    piece, so there the catchment is the band around U (`U.buffer(band)`) and around the loose
    pieces: those on edges that are no side of an enclosed block (the fringe where the distance
    runs out, dead ends, walks to the street). At 300,000 edges this dissolves a few thousand
    pieces instead of hundreds of thousands.

    It is the same set as one band drawn around every piece. Drawn as polygons, the two ways
    differ only where GEOS approximates: round ends as chords (`BAND_QUAD_SEGS` a quarter circle)
    and input vertices that move the band's edge by under 1% of its width dropped (its buffer
    simplification); so their outlines agree within `outline_tolerance_m(band_m)` (0.74 m for a
    50 m band). The areas agree to 6e-7 on the 300,000-edge bench grid and to 3e-5 on Helsinki's
    OpenStreetMap ways with every hole kept (`tests/test_walking_blocks.py`).
    """
    long_enough = reach.piece_length_m > 0
    pieces, edge = reach.pieces[long_enough], reach.piece_edge[long_enough]
    if not len(pieces) or band_m <= 0:
        return shapely.Polygon()
    blocks = graph.blocks
    enclosed = blocks.enclosed(reach.whole_edge)
    inside = blocks.sides_in(enclosed, graph.edge_count)  # edges that are a side of an enclosed block
    loose = pieces[(edge < 0) | (inside[np.maximum(edge, 0)] == 0)]
    bands = []
    if enclosed.any():
        region = shapely.coverage_union_all(blocks.polygons[enclosed])
        cores = shapely.buffer(blocks.polygons[enclosed], -band_m, quad_segs=BAND_QUAD_SEGS)
        cores = cores[~shapely.is_empty(cores)]
        around = shapely.buffer(region, band_m, quad_segs=BAND_QUAD_SEGS)
        bands.append(shapely.difference(around, shapely.union_all(cores)) if len(cores) else around)
    if len(loose):
        lines = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(shapely.linestrings(loose))))
        bands.extend(shapely.buffer(lines, band_m, quad_segs=BAND_QUAD_SEGS))
    return as_area(shapely.union_all(bands))


def outline_tolerance_m(band_m: float) -> float:
    """How far two GEOS drawings of one band can lie apart: the sagitta of a chord of the round
    ends plus GEOS's buffer simplification tolerance (1% of the band)."""
    return band_m * (1 - np.cos(np.pi / (4 * BAND_QUAD_SEGS)) + GEOS_BUFFER_SIMPLIFY)


def fill_holes(area: shapely.Geometry, max_hole_m2: float) -> shapely.Geometry:
    """`area` with its holes smaller than `max_hole_m2` filled."""
    if area.is_empty or max_hole_m2 <= 0:
        return area
    parts = shapely.get_parts(area)
    polygons = []
    for part in parts:
        holes = np.asarray(shapely.get_interior_ring(part, np.arange(shapely.get_num_interior_rings(part))),
                           dtype=object)
        kept = holes[shapely.area(shapely.polygons(holes)) >= max_hole_m2] if len(holes) else holes
        polygons.append(shapely.Polygon(shapely.get_exterior_ring(part), list(kept)))
    return as_area(shapely.union_all(polygons)) if len(polygons) > 1 else polygons[0]


def share_out(area: shapely.Geometry, reach: Reach, origins: int, cancelled: IsCancelled = None) -> np.ndarray:
    """The catchment shared out among the origins: each point to the origin of its nearest reached piece."""
    result = np.array([shapely.Polygon()] * origins, dtype=object)
    if area.is_empty or not len(reach.pieces):
        return result
    lines = shapely.segmentize(shapely.linestrings(reach.pieces), PARTITION_SPACING_M)
    xy, piece = shapely.get_coordinates(lines, return_index=True)
    xy, first = np.unique(xy, axis=0, return_index=True)
    owner = reach.piece_origin[piece[first]]
    if len(np.unique(owner)) == 1:
        result[owner[0]] = area
        return result
    check(cancelled)
    frame = shapely.box(*shapely.bounds(area)).buffer(1.0)
    # nudged by up to a millimetre (a fixed seed: the same shares every run) so that no four points
    # lie on one circle: GEOS's Voronoi cells of a regular lattice (a street grid) can be invalid
    nudged = xy + np.random.default_rng(0).uniform(-VORONOI_NUDGE_M, VORONOI_NUDGE_M, xy.shape)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(nudged), extend_to=frame, ordered=True))
    for who in np.unique(owner):
        check(cancelled)
        region = shapely.coverage_union_all(cells[owner == who])
        result[who] = as_area(shapely.intersection(region, area))
    return result


def walking_catchment_of(
    graph: StreetGraph, features, radius_m: float, band_m: float = DEFAULT_BAND_M,
    fill_holes_m2: float = DEFAULT_FILL_HOLES_M2, progress: Progress = None, cancelled: IsCancelled = None,
) -> WalkingCatchment:
    """The walking catchment of features (stations, lines, areas; `origins.origin_points`) in the graph's CRS.

    An area's own surface counts as reached (as in the straight-line catchment)."""
    xy, _ = origin_points(features)
    result = walking_catchment(graph, xy, radius_m, band_m, fill_holes_m2, progress=progress, cancelled=cancelled)
    geoms = geometries(features)
    areas = geoms[np.isin(shapely.get_type_id(geoms), (3, 6))]
    if len(areas):
        result.area = as_area(shapely.union_all(np.r_[np.asarray(areas, dtype=object), [result.area]]))
    return result

