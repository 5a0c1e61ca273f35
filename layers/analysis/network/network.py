"""The walking network a session measures with: where it comes from and how it is built.

A network is either an OpenStreetMap extract (a `.pbf` file, its walking ways read with pyrosm)
or a line layer of role 'street' (any format the app reads; noded at its crossings level by
level, `crossings.py`). Either way its graph is built once in the working CRS and cached beside the source file (`cache.py`); `WalkingNetwork` then draws
catchments with the stated walking band and hole size.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely

from layers.analysis.coverage import as_area
from layers.analysis.network.cache import cached_graph
from layers.analysis.network.catchment import (
    DEFAULT_BAND_M, DEFAULT_FILL_HOLES_M2, WalkingCatchment, method_text, walking_catchment_of,
)
from layers.analysis.network.crossings import node_crossings
from layers.analysis.network.graph import NetworkSource, StreetGraph
from layers.analysis.network.osm import check_pbf, read_walking_streets
from layers.analysis.progress import IsCancelled, Progress
from layers.crs import reproject


def is_osm_extract(reference: str | None) -> bool:
    """True if a network reference names an OpenStreetMap extract file (else it names a layer)."""
    return reference is not None and reference.lower().endswith(".pbf")


def graph_from_osm(path: str | Path, crs) -> tuple[StreetGraph, str]:
    """The walking graph of an OSM extract in `crs`, from its cache or built (returns how: 'cache'/'built')."""
    path = Path(path)

    def build() -> StreetGraph:
        ways, source = read_walking_streets(path)
        return StreetGraph.from_lines(reproject(ways, crs), crs, source)

    check_pbf(path)
    return cached_graph(path, crs, "osm walking", build)


def graph_from_layer(layer, crs) -> tuple[StreetGraph, str]:
    """The graph of a line layer (role 'street') in `crs`; cached beside its file if it has one."""
    where = f" ({layer.source.name})" if layer.source is not None else ""
    source = NetworkSource(f"layer '{layer.name}'{where}", "")

    def build() -> StreetGraph:
        return StreetGraph.from_lines(node_crossings(layer.in_crs(crs)), crs, source)

    if layer.source is None or not Path(layer.source).is_file():
        return build(), "built"
    return cached_graph(Path(layer.source), crs, f"layer {layer.source_layer or layer.name}", build)


@dataclass(eq=False)
class WalkingNetwork:
    """A street graph and the band and hole size its catchments are drawn with."""

    graph: StreetGraph
    band_m: float = DEFAULT_BAND_M
    fill_holes_m2: float = DEFAULT_FILL_HOLES_M2

    @property
    def distance_text(self) -> str:
        return f"walking distance along the street network ({self.graph.source.text()})"

    def method(self, radius_m: float) -> str:
        return method_text(radius_m, self.band_m, self.fill_holes_m2, self.graph.source.text(),
                           self.graph.crs_label)

    def outside(self, study_area: shapely.Geometry) -> shapely.Geometry:
        """The part of the study area beyond the network's extent (`StreetGraph.extent`): walked, it
        reaches nothing, because the network holds no streets there, whatever streets the city has."""
        return as_area(shapely.difference(study_area, self.graph.extent))

    def catchment(self, features, radius_m: float, study_area: shapely.Geometry | None = None,
                  progress: Progress = None, cancelled: IsCancelled = None) -> WalkingCatchment:
        """The walking catchment of features (in the graph's CRS), clipped to `study_area`."""
        result = walking_catchment_of(self.graph, features, radius_m, self.band_m, self.fill_holes_m2,
                                      progress, cancelled)
        if study_area is not None:
            result.area = as_area(shapely.intersection(result.area, study_area))
        return result
