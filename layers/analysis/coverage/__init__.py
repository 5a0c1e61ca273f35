"""The coverage engine, one concern a module: catchments, population, features, zones, overlaps.

Definitions (the same in the GUI, the CLI and the benchmarks, because it is this code):

* **Catchment** (`catchment.py`): every point within R metres (straight line) of a layer's
  features, clipped to the study area: areas within 1e-4 of the true circles, counts by the exact
  distance (`within.py`); areas planar in the working metric CRS.
* **Population covered** (`population.py`): exact fractional-cell weighting, in the grid's own CRS.
* **Features inside** (`features.py`): features intersecting and by centroid, their area inside, field sums;
  millions of footprints held as arrays (`compact.py`).
* **By zone** (`zones.py`): the same figures for catchment ∩ zone against zone ∩ study area.
* **Overlaps** (`overlap.py`): every combination of two to four catchments.

Everything is vectorised shapely 2 (GEOS) and NumPy: no Python loop over features or cells.
"""
from layers.analysis.coverage.catchment import QUAD_SEGS, catchment
from layers.analysis.coverage.within import MEASURE_QUAD_SEGS, Within, disk_area_error
from layers.analysis.coverage.compact import CompactGeometries
from layers.analysis.coverage.features import FeatureSet
from layers.analysis.coverage.overlap import OverlapResult, overlap_matrix
from layers.analysis.coverage.population import PopulationGrid, ZonePopulation
from layers.analysis.coverage.shapes import as_area, polygonal
from layers.analysis.coverage.zones import CoverageResult, measure_catchment, measure_regions, zone_geometries

__all__ = [
    "QUAD_SEGS", "MEASURE_QUAD_SEGS", "Within", "catchment", "disk_area_error", "CompactGeometries", "FeatureSet", "OverlapResult", "overlap_matrix",
    "PopulationGrid", "ZonePopulation", "as_area", "polygonal", "CoverageResult", "measure_catchment", "measure_regions",
    "zone_geometries",
]
