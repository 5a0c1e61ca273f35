"""Within R metres, by the exact distance: the catchment's definition, and counts that keep to it.

A catchment of R metres is every point at most R metres (straight line) from a feature. Drawn as
polygons, its circles are polygons of chords (GEOS buffers: the vertices on the circle), so a
point a few centimetres inside the true circle can fall outside a chord. The figures keep to the
definition in two ways:

* **Areas and people** are measured on the polygon, with enough chords that the polygon's area is
  within `AREA_TOLERANCE` (1e-4) of the true circles' whatever the radius: a disk drawn with
  n = 4q chords misses 1 - n sin(2 pi / n) / (2 pi) of its area (`disk_area_error`), so q is the
  least that misses at most half the tolerance (`MEASURE_QUAD_SEGS`, 91 segments a quarter
  circle). A union of circles misses no more, relatively: each arc of its outline bounds a sector
  of its own circle and those sectors do not overlap, so the union's area is at least the sectors'
  and its shortfall at most theirs. The planner's segment setting can only add chords.
* **Counts** (features intersecting, by centroid, and a field's sum over those counted by centroid)
  are decided by the exact distance for the features the polygon's chords could misjudge: those
  near the thin ring between the polygon (inside the true catchment: its vertices are on the
  circles) and the same polygon drawn on circles of radius R / cos(pi / n) (outside it). Every
  other feature is where the polygon says, so the engine's count stands; for the few near the
  ring, a feature counts if its part inside the zone is within R of a source (`shapely.dwithin`,
  GEOS's exact distance), a centroid if it lies in the zone and within R.

Walking catchments are another definition (distance along the streets) and are measured on their
polygon as they are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from layers.analysis.coverage.cells import valid_regions
from layers.analysis.coverage.features import Near
from layers.analysis.coverage.shapes import parallel, union_of_buffers
from layers.lookup import lookup

_THREADED_CENTROIDS = 2000  # features near the ring whose centroids are worth two threads
AREA_TOLERANCE = 1e-4  # catchment areas (and people in them) within this share of the true circles'


def disk_area_error(quad_segs: int) -> float:
    """Relative area shortfall of a buffered point against pi*r^2 (0.00161 for quad_segs=16)."""
    n = 4 * quad_segs
    return 1.0 - n * math.sin(2 * math.pi / n) / (2 * math.pi)


def quad_segs_for(tolerance: float) -> int:
    """The fewest segments a quarter circle whose disks miss at most `tolerance` of their area."""
    return next(q for q in range(1, 100_000) if disk_area_error(q) <= tolerance)


MEASURE_QUAD_SEGS = quad_segs_for(AREA_TOLERANCE / 2)


def measure_quad_segs(quad_segs: int | None) -> int:
    """Segments a quarter circle for a measured catchment: the setting's, but never too few."""
    return max(int(quad_segs or 0), MEASURE_QUAD_SEGS)


@dataclass(frozen=True, eq=False)
class Within:
    """The places within `radius_m` of any of `sources`, for each (sources, radius_m) given; in a metric CRS.

    SDG 11.2.1 has two: stations at 1 km and stops at 500 m, one catchment."""

    reaches: tuple[tuple[np.ndarray, float], ...]
    quad_segs: int = MEASURE_QUAD_SEGS

    @classmethod
    def of(cls, sources, radius_m: float, quad_segs: int | None = None) -> Within:
        return cls(((np.asarray(sources, dtype=object).ravel(), float(radius_m)),), measure_quad_segs(quad_segs))

    def __or__(self, other: Within) -> Within:
        return Within(self.reaches + other.reaches, max(self.quad_segs, other.quad_segs))

    @property
    def buffered(self) -> bool:
        """True if any radius is over 0 (with none, the features are their own catchment: nothing to decide)."""
        return any(radius > 0 and len(sources) for sources, radius in self.reaches)

    def ring(self, study_area: shapely.Geometry | None) -> shapely.Geometry:
        """Where the chords can misjudge: the polygons drawn on circles of R / cos(pi / n) less those on R."""
        widen = 1.0 / math.cos(math.pi / (4 * self.quad_segs)) + 1e-9
        reaches = [(sources, radius) for sources, radius in self.reaches if radius > 0 and len(sources)]
        if not reaches:
            return shapely.Polygon()

        def drawn(scale: float) -> shapely.Geometry:  # the circles of each radius times `scale`, united
            parts = [union_of_buffers(sources, radius * scale, self.quad_segs) for sources, radius in reaches]
            return parts[0] if len(parts) == 1 else shapely.union_all(parts)

        ring = shapely.difference(drawn(widen), drawn(1.0))
        return ring if study_area is None else shapely.intersection(ring, study_area)

    def holds(self, geoms) -> np.ndarray:
        """True for each geometry some part of which is within its radius of a source (exact distance)."""
        geoms = np.asarray(geoms, dtype=object).ravel()
        out = np.zeros(len(geoms), dtype=bool)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if not present.any():
            return out
        # a tree of the geometries, asked about each source: GEOS prepares the asking geometry, and a
        # source (a station) is prepared at once where a footprint is not
        tree = shapely.STRtree(geoms[present])
        for sources, radius in self.reaches:
            if len(sources):
                _, which = tree.query(sources, predicate="dwithin", distance=radius)
                out[np.flatnonzero(present)[which]] = True
        return out


def exact_counts(figures: pd.DataFrame, near, regions, zones, within: Within) -> pd.DataFrame:
    """The engine's `figures` (one row per region) with their counts decided by the exact distance.

    `regions[i]` is the catchment polygon ∩ `zones[i]` (the study area, or a ward of it), which the
    engine measured; `near` are the features whose bounding box meets `within.ring` (shapely
    geometries, their fields to sum, and how the engine counted them: `FeatureSet.measure_near`'s
    `Near`; where that is not known, GEOS asks the regions again). A feature's box holds its
    centroid, so no other feature's count, by intersection or by centroid, can differ from the polygon's."""
    shapes, values, decided = Near(*near)
    if not len(shapes):
        return figures
    zones = np.asarray(zones, dtype=object)
    f, i = shapely.STRtree(zones).query(shapely.box(*shapely.bounds(shapes).T), predicate="intersects")
    if not len(f):
        return figures
    shapely.prepare(zones)
    shapes_f, zone_i = shapes[f], zones[i]
    centroids = parallel(shapely.centroid, shapes, chunk=_THREADED_CENTROIDS)  # GEOS's, 1.5 us each
    xy = shapely.get_coordinates(centroids)[f]
    if decided is None:
        region_i = valid_regions(regions)[i]  # as the engine measured them
        shapely.prepare(region_i)
        counted = shapely.intersects(region_i, shapes_f)
        by_centroid = shapely.intersects_xy(region_i, xy[:, 0], xy[:, 1])
    else:  # as the engine counted them (a pair it did not count was not counted)
        counted, by_centroid = _pairs_in(decided, f, i, len(zones))
    # a feature's part in its zone: most lie wholly inside; the others are cut (a self-intersecting
    # footprint in its repaired form, as by the engine)
    truly = within.holds(shapes)[f]
    cut = np.flatnonzero(~shapely.contains_properly(zone_i, shapes_f))
    piece = shapes_f[cut]
    bad = ~shapely.is_valid(piece)
    piece[bad] = shapely.make_valid(piece[bad])
    truly[cut] = within.holds(shapely.intersection(piece, zone_i[cut]))
    centroid_truly = shapely.intersects_xy(zone_i, xy[:, 0], xy[:, 1]) & within.holds(centroids)[f]
    n = len(figures)
    out = figures.copy()
    out["count_intersecting"] += np.rint(np.bincount(i, truly.astype(int) - counted, n)).astype(np.int64)
    centroid_change = centroid_truly.astype(int) - by_centroid
    out["count_by_centroid"] += np.rint(np.bincount(i, centroid_change, n)).astype(np.int64)
    for name, v in values.items():
        if f"{name}_sum" in out:
            out[f"{name}_sum"] += np.bincount(i, v[f] * centroid_change, n)
    return out


def _pairs_in(decided, f: np.ndarray, i: np.ndarray, n_regions: int) -> tuple[np.ndarray, np.ndarray]:
    """For (feature, region) pairs f, i: whether the engine counted the feature in the region
    (`decided`: the pairs it counted, with their centroid inside or not), and by its centroid."""
    feature, region, centroid_in = decided
    key = feature * n_regions + region
    order = np.argsort(key)
    key, centroid_in = key[order], centroid_in[order]
    asked = f * n_regions + i
    at, counted = lookup(key, asked)
    return counted, counted & centroid_in[at] if len(key) else counted
