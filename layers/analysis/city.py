"""CityData: everything the coverage figures need, in one working metric CRS.

The GUI dashboard and the `planner measure` command build one CityData and pass it to
`layers.indicators.evaluate`, so both give identical figures from identical inputs.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from layers.analysis.coverage import FeatureIndex, PopulationGrid, as_area
from layers.crs import HANOI_CRS, crs_label, require_metric
from layers.io import LayerLoadError, read_layers
from layers.layer import Layer, RasterLayer, VectorLayer
from layers.stack import LayerStack

CONTEXT_ROLES = ("boundary", "ward", "population")
SAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "sample_data" / "hanoi.planner.json"


class CityDataError(ValueError):
    """The inputs cannot make a city to measure (e.g. no study area); str() says why."""


@dataclass(eq=False)
class CityData:
    """Study area, population grid, zones and layers by role, all in the metric `crs`."""

    crs: CRS
    study_area: shapely.Geometry
    population: PopulationGrid | None = None
    layers: dict[str, list[VectorLayer]] = field(default_factory=dict)  # by role
    zones: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)  # by layer name, in crs
    # Apply each layer's feature filter (the timeline's year): the figures measure what the map
    # shows. False measures every feature of the visible layers (scenarios then choose).
    use_filters: bool = True
    _indexes: dict = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.crs = require_metric(self.crs)

    @property
    def crs_label(self) -> str:
        return crs_label(self.crs)

    # -- building -----------------------------------------------------------------------------
    @classmethod
    def from_layers(
        cls, layers: list[Layer], crs: CRS | str | int | None = None, study_area: shapely.Geometry | None = None
    ) -> CityData:
        """From loaded layers: 'boundary' layers make the study area (else the wards' union),
        the first 'population' raster the population grid, 'ward' layers the zones.

        A hidden network layer (metro, bridge, green, digital zone, ...) does not count: the
        figures measure what the map shows. Context layers (boundary, ward, population) count
        whether drawn or not, since hiding the grid to see the lines must not empty the city.
        """
        crs = require_metric(CRS.from_user_input(crs) if crs is not None else HANOI_CRS)
        by_role: dict[str, list[VectorLayer]] = {}
        rasters = [layer for layer in layers if isinstance(layer, RasterLayer)]
        # A display-only raster holds only an overview: a population grid must refuse it, while a
        # large raster of another role (an image to look at) is simply not taken for one.
        people = [r for r in rasters if r.role == "population"] or (
            rasters if len(rasters) == 1 and not rasters[0].display_only else []
        )
        if people and people[0].display_only:
            raise CityDataError(_display_only_reason(people[0]))
        population = PopulationGrid.from_raster(people[0], crs) if people else None
        for layer in layers:
            if isinstance(layer, VectorLayer) and (layer.visible or layer.role in CONTEXT_ROLES):
                by_role.setdefault(layer.role, []).append(layer)
        zones = {layer.name: layer.in_crs(crs) for layer in by_role.get("ward", [])}
        if study_area is None:
            outline = [layer.in_crs(crs) for layer in by_role.get("boundary", [])]
            if not outline and zones:
                outline = list(zones.values())
            if outline:
                geoms = np.concatenate([np.asarray(g.geometry.values, dtype=object) for g in outline])
                study_area = as_area(shapely.union_all(shapely.make_valid(geoms)))
            elif population is not None and CRS.from_user_input(population.crs) == crs:
                study_area = shapely.box(*_grid_bounds(population))
            else:
                raise CityDataError("no study area: give a city boundary or ward layer (role 'boundary' or 'ward')")
        if study_area.is_empty or study_area.area <= 0:
            raise CityDataError("the study area is empty")
        return cls(crs=crs, study_area=study_area, population=population, layers=by_role, zones=zones)

    @classmethod
    def from_stack(cls, stack: LayerStack, crs=None, study_area=None) -> CityData:
        return cls.from_layers(list(stack), crs, study_area)

    @classmethod
    def from_files(cls, paths: list[str | os.PathLike], crs=None, study_area=None) -> CityData:
        """Read every layer of every file (raises layers.io.LayerLoadError naming the file)."""
        layers: list[Layer] = []
        for path in paths:
            layers.extend(read_layers(path))
        return cls.from_layers(layers, crs, study_area)

    @classmethod
    def from_project(cls, path: str | os.PathLike) -> CityData:
        from layers.project import load_project

        project = load_project(path)
        if project.failures:
            raise project.failures[0]
        return cls.from_layers(project.layers, project.working_crs)

    @classmethod
    def sample(cls) -> CityData:
        """The bundled Hanoi sample (sample_data/hanoi.planner.json)."""
        if not SAMPLE_PROJECT.exists():
            raise LayerLoadError(SAMPLE_PROJECT, "the bundled Hanoi sample is not installed (file not found)")
        return cls.from_project(SAMPLE_PROJECT)

    # -- asking ---------------------------------------------------------------------------------
    def features(self, role: str, scenario=None) -> gpd.GeoDataFrame:
        """All features of a role (every layer of it), in the working CRS, less those each layer's
        feature filter leaves out (if `use_filters`), filtered by `scenario`."""
        frames = [
            layer.shown_in_crs(self.crs) if self.use_filters else layer.in_crs(self.crs)
            for layer in self.layers.get(role, [])
        ]
        if not frames:
            return gpd.GeoDataFrame(geometry=[], crs=self.crs)
        gdf = frames[0] if len(frames) == 1 else gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=self.crs)
        return scenario.select(gdf) if scenario is not None else gdf

    def has(self, role: str) -> bool:
        return bool(self.layers.get(role))

    def zone_layer(self, name: str | None = None) -> gpd.GeoDataFrame | None:
        """A zone layer by name; default: one named like 'wards', else the first."""
        if not self.zones:
            return None
        if name is None:
            name = next((n for n in self.zones if "ward" in n.lower()), next(iter(self.zones)))
        if name not in self.zones:
            raise CityDataError(f"no zone layer '{name}' (have: {', '.join(self.zones)})")
        return self.zones[name]

    def feature_index(self, role: str) -> FeatureIndex:
        """The (cached) feature index of a role, e.g. buildings or schools."""
        key = (role, self.use_filters,
               tuple((id(layer.gdf), id(layer.feature_filter)) for layer in self.layers.get(role, [])))
        if key not in self._indexes:
            self._indexes[key] = FeatureIndex.from_features(self.features(role), self.crs)
        return self._indexes[key]


def _display_only_reason(layer: RasterLayer) -> str:
    name = layer.source.name if layer.source is not None else layer.name
    rows, cols = layer.full_shape
    return (
        f"{name}: the population raster is too large to analyse ({cols:,} x {rows:,} = {rows * cols:,} "
        "pixels); it is only drawn from overviews. Clip or resample it to the study area (e.g. with "
        "gdalwarp) and load that"
    )


def _grid_bounds(grid: PopulationGrid):
    t = grid.transform
    rows, cols = grid.shape
    xs = (t.c, t.c + cols * t.a)
    ys = (t.f, t.f + rows * t.e)
    return min(xs), min(ys), max(xs), max(ys)
