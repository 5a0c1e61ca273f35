"""Population covered: exact fractional-cell weighting of a population grid by regions.

Every cell counts its people times the share of its area inside a region (a cell half inside
counts half). The regions' boundaries are cut along the grid's lines (`cells.py`, Green's
theorem): the cells a boundary crosses get their exact share, the cells wholly inside are summed
a column at a time from running sums down the columns, never visited one by one. No GEOS
overlay, no index: the work grows with the regions' boundaries, not their area. Nodata cells
hold no people.

People counts do not change under reprojection, so a grid in any CRS (lon/lat, Web Mercator,
another UTM zone) is weighted in its own CRS: regions are densified in their metric CRS and
transformed onto the grid, never the grid resampled.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS

from layers.analysis.coverage.cells import column_sums_below, cut, valid_regions, weighted_sums
from layers.grid import grid_bounds
from layers.analysis.coverage.shapes import parallel
from layers.analysis.progress import IsCancelled, check
from layers.crs import DENSIFY_M, lonlat_bounds, transformer


class _AskedAgain:
    """`population_in_cached`: for regions asked about again and again (the study area, the wards)."""

    def population_in_cached(self, regions, cancelled: IsCancelled = None) -> np.ndarray:
        regions = np.asarray(regions, dtype=object).ravel()
        key = tuple(shapely.to_wkb(regions, hex=False)) if len(regions) else ()
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            if len(cache) > 16:
                cache.clear()
            cache[key] = self.population_in(regions, cancelled=cancelled)
        return cache[key].copy()

    def same_source(self, other) -> bool:
        """True if `other` counts the same people the same way (so its cached answers hold)."""
        return type(other) is type(self) and self._source() == other._source()


@dataclass(eq=False)
class PopulationGrid(_AskedAgain):
    """People per cell on a north-up grid in its own CRS: float64 values (NaN = nodata), affine transform.

    `regions_crs` is the CRS the regions asked about are in (the working CRS; default: the
    grid's). Counts do not change under reprojection, so the grid stays as it is and each
    region is densified (every DENSIFY_M metres) and transformed onto it: a grid in lon/lat,
    Web Mercator or another zone is weighted exactly in its own cells.
    """

    values: np.ndarray
    transform: Affine
    crs: CRS
    regions_crs: CRS | None = None
    _below: np.ndarray | None = field(default=None, init=False, repr=False)
    _people: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype="float64")
        t = self.transform
        if t.b != 0 or t.d != 0:
            raise ValueError("the population grid is rotated; only north-up grids are supported")
        if self.crs is None:
            raise ValueError("the population grid has no CRS")
        self.crs = CRS.from_user_input(self.crs)
        self.regions_crs = self.crs if self.regions_crs is None else CRS.from_user_input(self.regions_crs)
        if self.regions_crs != self.crs:
            transformer(self.regions_crs, self.crs, self.area)  # refuses a transform without a datum shift now, not mid-figure

    @classmethod
    def from_raster(cls, layer, regions_crs: CRS | None = None) -> PopulationGrid:
        """From a RasterLayer (layers.layer); refuses a display-only one (it holds an overview)."""
        if getattr(layer, "display_only", False):
            name = layer.source.name if getattr(layer, "source", None) is not None else layer.name
            raise ValueError(
                f"{name}: the raster is too large to analyse and holds only an overview for drawing"
            )
        return cls(layer.array, layer.transform, layer.crs, regions_crs)

    @cached_property
    def area(self) -> tuple[float, float, float, float] | None:
        """The grid's extent in degrees, for PROJ to choose the datum shift made for it."""
        rows, cols = self.shape
        return lonlat_bounds(self.crs, grid_bounds(rows, cols, self.transform))

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    @property
    def cell_area(self) -> float:
        """The area of one cell in the grid's own units (square metres, or square degrees)."""
        return abs(self.transform.a * self.transform.e)

    @property
    def below(self) -> np.ndarray:
        """People in each column from each row down (`cells.column_sums_below`, nodata as 0); built once."""
        if self._below is None:
            self._people = np.nan_to_num(self.values, nan=0.0)
            self._below = column_sums_below(self._people)
        return self._below

    def total(self) -> float:
        return float(np.nansum(self.values))

    def _source(self):
        return (id(self.values), self.transform, self.regions_crs)

    def population_in(self, regions, cancelled: IsCancelled = None) -> np.ndarray:
        """People inside each region (array of polygons in `regions_crs`), exact fractional-cell weighting.

        Returns one float per region.
        """
        regions = np.asarray(regions, dtype=object).ravel()
        if self.regions_crs != self.crs:
            to_grid = transformer(self.regions_crs, self.crs, self.area)
            regions = shapely.transform(
                shapely.segmentize(regions, DENSIFY_M),
                lambda xy: np.column_stack(to_grid.transform(xy[:, 0], xy[:, 1])),
            )
        check(cancelled)
        regions = valid_regions(regions)
        rows, cols = self.shape
        below = self.below
        return weighted_sums(cut(regions, self.transform, rows, cols), self._people, below, len(regions))


@dataclass(eq=False)
class ZonePopulation(_AskedAgain):
    """People counted by zone (census blocks, wards with a population field), in the working CRS.

    A zone's people are spread evenly over its area: a region holds each zone's people times the
    share of the zone's area inside it (areal weighting, exact polygon intersections), the way a
    grid cell's people are weighted. Zones that overlap would count their people twice; census
    zones do not overlap.
    """

    geoms: np.ndarray  # polygons in `regions_crs`
    people: np.ndarray
    regions_crs: CRS
    name: str = "zones"

    def __post_init__(self) -> None:
        self.geoms = np.asarray(self.geoms, dtype=object)
        self.people = np.nan_to_num(np.asarray(self.people, dtype="float64"), nan=0.0)
        if (self.people < 0).any():
            raise ValueError(f"{self.name}: {int((self.people < 0).sum())} zone(s) have a negative population")
        self.areas = shapely.area(self.geoms)
        self.tree = shapely.STRtree(self.geoms)

    def _source(self):
        return (id(self.geoms), id(self.people), self.regions_crs)

    def total(self) -> float:
        return float(self.people.sum())

    def population_in(self, regions, cancelled: IsCancelled = None) -> np.ndarray:
        regions = np.asarray(regions, dtype=object).ravel()
        result = np.zeros(len(regions))
        check(cancelled)
        which, zone = self.tree.query(regions, predicate="intersects")
        keep = self.areas[zone] > 0
        which, zone = which[keep], zone[keep]
        inside = shapely.area(parallel(shapely.intersection, regions[which], self.geoms[zone]))
        np.add.at(result, which, self.people[zone] * inside / self.areas[zone])
        return result
