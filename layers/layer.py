"""Layers: the data of one map layer plus how it is drawn and what it means for planning.

A layer is plain Python over a GeoDataFrame (vector) or a NumPy array with an affine transform
(raster). The GUI draws it and the analysis measures it; neither owns it.  Planning metadata
lives here because every part of the app asks the same questions of it: what is this layer
(`role`), and which of its features exist, are being built, or are only planned (`status`,
`opening_year`).
"""
from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from affine import Affine
from pyproj import CRS

from layers.crs import reproject
from layers.grid import grid_bounds
from layers.roles import ROLES, FieldMapping

_FRAME_IDS = itertools.count(1)  # `VectorLayer.frame_id`


@dataclass
class Style:
    """How a layer is drawn. Colours are '#rrggbb'; sizes are screen pixels."""

    stroke: str = "#333333"
    fill: str | None = None
    fill_alpha: float = 0.35
    width: float = 1.0
    point_size: float = 6.0
    category_field: str | None = None  # e.g. 'status': solid / dashed / dotted
    colour_field: str | None = None  # a field holding '#rrggbb' per feature, e.g. metro 'colour'
    label_field: str | None = None  # e.g. 'name' for station labels
    colormap: str = "viridis"  # rasters

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def key(self) -> tuple:
        """The style's values as a tuple, to key what is drawn with it (every field is a scalar):
        `dataclasses.astuple` deep-copies each field, and the map's legend and the Layers dock ask
        for a key per icon and per class at every repaint (4.5 ms of a timeline step's GUI thread)."""
        return tuple(vars(self).values())

    @classmethod
    def from_dict(cls, data: dict | None) -> Style:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


# A default look per role, so that a freshly loaded file reads as what it is.
DEFAULT_STYLES = {
    "metro_line": Style(stroke="#d62728", width=3.0, category_field="status", colour_field="colour"),
    "metro_station": Style(stroke="#222222", fill="#ffffff", point_size=7.0, label_field="name"),
    "transit_stop": Style(stroke="#222222", fill="#ffffff", point_size=5.0, label_field="name"),
    "transit_line": Style(stroke="#1f4e9c", width=2.0, colour_field="colour"),
    "bridge": Style(stroke="#8c564b", width=3.0, category_field="status"),
    "green": Style(stroke="#2ca02c", fill="#2ca02c", fill_alpha=0.45, category_field="status"),
    "digital_zone": Style(stroke="#7b3fbf", fill="#9467bd", fill_alpha=0.3, width=1.5),
    "boundary": Style(stroke="#000000", fill=None, width=2.0),
    "ward": Style(stroke="#7f7f7f", fill=None, width=0.8),
    "population": Style(colormap="inferno"),
    "water": Style(stroke="#4a90c2", fill="#9ecae1", fill_alpha=0.9, width=0.5),
    "other": Style(),
}


def default_style(role: str) -> Style:
    return dataclasses.replace(DEFAULT_STYLES.get(role, DEFAULT_STYLES["other"]))


@dataclass(eq=False)
class Layer:
    """What every layer has: a name, where it came from, how it is drawn, what it means."""

    name: str
    source: Path | None = None
    source_layer: str | None = None  # the layer inside a multi-layer file (GeoPackage)
    role: str = "other"
    style: Style = field(default_factory=Style)
    visible: bool = True
    opacity: float = 1.0
    warnings: list[str] = field(default_factory=list)  # what loading repaired or flagged
    fields: FieldMapping = field(default_factory=FieldMapping)  # which field means what (layers.roles)
    # How many times the layer's data changed in place (`LayerStack.notify_data_changed`: a field
    # mapping's derived status and year, a sketch): what is worked out once from the data (its
    # reprojections, the timeline's mask, style classes, legend groups) is keyed on it, and on
    # `frame_id`, the data's identity (`data_key`).
    data_revision: int = field(default=0, init=False, repr=False)
    # Which frame a vector layer's `gdf` is: a number given to each frame set (`VectorLayer.__setattr__`),
    # never given again (0: a raster's). Not `id(gdf)`: a frame replaced and freed leaves its id to the
    # next object made, and what was worked out from it (bounds, a reprojection, a drawing) was taken
    # for the new frame's.
    frame_id: int = field(default=0, init=False, repr=False)

    @property
    def data_key(self) -> tuple[int, int]:
        """The layer's data as a key: which frame it holds (`frame_id`) and how many times that
        changed in place. Never the key of other data, whatever the frames freed before."""
        return self.frame_id, self.data_revision

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}")


@dataclass(eq=False)
class VectorLayer(Layer):
    """A vector layer: a GeoDataFrame in its own CRS, with normalised `status` / `opening_year`."""

    gdf: gpd.GeoDataFrame = field(default_factory=gpd.GeoDataFrame)
    # Which features are on the map and count in the figures, e.g. Scenario.as_of(2020) set by
    # the timeline: any object with `.mask(gdf) -> bool array`; None shows every feature. Set it
    # through LayerStack.set_feature_filter / set_as_of_year so that the views hear of it.
    feature_filter: object = None
    _projected: dict = field(default_factory=dict, init=False, repr=False)  # per CRS: dropped for another
    _facts: dict = field(default_factory=dict, init=False, repr=False)  # of the data in any CRS (`_fact`)

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        if name == "gdf":  # after the frame (`keyed_frame`)
            object.__setattr__(self, "frame_id", next(_FRAME_IDS))

    def keyed_frame(self) -> tuple[tuple[int, int], gpd.GeoDataFrame]:
        """(`data_key`, `gdf`), for what is worked out from the frame and kept under its key: the key
        read first, then the frame (which `__setattr__` sets before its key), so that a frame
        replaced meanwhile by another thread is at worst worked out under the old key, and again
        under its own, never kept under the new key from the old frame."""
        key = self.data_key
        return key, self.gdf

    @property
    def crs(self) -> CRS | None:
        return self.gdf.crs

    def in_crs(self, crs: CRS | str | int) -> gpd.GeoDataFrame:
        """The features reprojected to `crs`, computed once per CRS and reused.

        Drawing and analysis both work in the working CRS; reprojecting a large layer on
        every redraw or radius change would cost more than the work itself. Replacing
        `gdf`, or changing it in place (`LayerStack.notify_data_changed`: the status column a
        field mapping derives), invalidates the cache.
        """
        target = CRS.from_user_input(crs)
        data, gdf = self.keyed_frame()
        key = (target.srs, data)  # its definition: a WKT may read otherwise in another thread
        if key not in self._projected:
            self._projected.clear()
            same = gdf.crs is not None and CRS.from_user_input(gdf.crs) == target
            self._projected[key] = gdf if same else reproject(gdf, target)
        return self._projected[key]

    def tree_in_crs(self, crs: CRS | str | int) -> tuple[np.ndarray, shapely.STRtree]:
        """The features' geometries in `crs` and an STRtree over them (built once per CRS)."""
        gdf = self.in_crs(crs)
        key = ("tree", id(gdf))
        if key not in self._projected:
            geoms = np.asarray(gdf.geometry.values, dtype=object)
            self._projected[key] = (geoms, shapely.STRtree(geoms))
        return self._projected[key]

    def extent_in_crs(self, crs) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the features in `crs`."""
        return tuple(float(v) for v in self.in_crs(crs).total_bounds)

    def features_near(self, x: float, y: float, distance_m: float, crs) -> tuple[np.ndarray, np.ndarray]:
        """(rows, geometries in `crs`) of the features within `distance_m` of the point (x, y) in `crs`
        (what identify and pick ask), in no particular order."""
        geoms, tree = self.tree_in_crs(crs)
        rows = tree.query(shapely.Point(x, y), predicate="dwithin", distance=distance_m)
        return rows, geoms[rows]

    def shapes_in_crs(self, rows, crs) -> np.ndarray:
        """The geometries of features `rows` (positions in `gdf`) in `crs`."""
        return np.asarray(self.in_crs(crs).geometry.values, dtype=object)[np.asarray(rows, dtype=np.int64)]

    def feature_mask(self):
        """Bool array, True for the features the filter lets through; None when there is no filter."""
        if self.feature_filter is None:
            return None
        return np.asarray(self.feature_filter.mask(self.gdf), dtype=bool)

    def shown_in_crs(self, crs: CRS | str | int) -> gpd.GeoDataFrame:
        """`in_crs(crs)` less the features the feature filter leaves out."""
        gdf = self.in_crs(crs)
        mask = self.feature_mask()
        return gdf if mask is None else gdf[mask]

    def counted_in_crs(self, crs: CRS | str | int, filtered: bool = True):
        """The features to count in a catchment (`FeatureSet.from_frame` takes it): `shown_in_crs`,
        or `in_crs` if not `filtered`. A layer held as arrays gives them as arrays."""
        return self.shown_in_crs(crs) if filtered else self.in_crs(crs)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in the layer's CRS, once per GeoDataFrame (the working CRS
        is chosen from every layer's bounds, and asked often)."""
        return self._fact("bounds", lambda: tuple(float(v) for v in self.gdf.total_bounds))

    @property
    def geometry_kind(self) -> str:
        """geometry_kind(gdf), once per GeoDataFrame (the legend and the layer panel ask on every repaint)."""
        return self._fact("kind", lambda: geometry_kind(self.gdf))

    def _fact(self, name: str, work_out):
        """A fact of the data whatever the CRS (its bounds, its kind), worked out once per GeoDataFrame."""
        if self._facts.get("of") != self.frame_id:
            self._facts = {"of": self.frame_id}
        if name not in self._facts:
            self._facts[name] = work_out()
        return self._facts[name]


@dataclass(eq=False)
class RasterLayer(Layer):
    """A single-band raster: values as float64 with NaN where there is no data.

    `array` and `transform` always go together: the cells held in memory and where they lie.
    A raster too large to hold whole (see layers.io.LARGE_RASTER_PIXELS) is *display-only*:
    `array` is then a decimated overview of the whole extent (its `transform` has the
    overview's coarser cells), `full_shape` / `full_transform` are the file's own, and the map
    reads the windows it shows from `source` (band `band`). The analysis refuses such a layer.
    """

    array: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    transform: Affine = field(default_factory=Affine.identity)
    crs: CRS | None = None
    nodata: float | None = None
    band: int = 1
    full_shape: tuple[int, int] | None = None  # (rows, columns) in the file; None: `array` is all of it
    full_transform: Affine | None = None
    not_population: str | None = None  # why its cells cannot be counts of people (layers.io.grid_values), or None

    @property
    def display_only(self) -> bool:
        """True if `array` is only an overview for drawing, not the raster's full resolution."""
        return self.full_shape is not None

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        west, south, east, north = grid_bounds(*self.array.shape, self.transform)
        return (float(west), float(south), float(east), float(north))

    @property
    def geometry_kind(self) -> str:
        return "raster"


# shapely's geometry type ids: Point 0, LineString 1, LinearRing 2, Polygon 3, Multi* 4-6, collection 7
_KIND_OF_TYPE_ID = {0: "point", 1: "line", 2: "line", 3: "polygon", 4: "point", 5: "line", 6: "polygon"}


def field_columns(gdf: gpd.GeoDataFrame) -> list[str]:
    """A layer's fields: its frame's columns but the geometry (a layer held as arrays has none there)."""
    geometry = gdf._geometry_column_name if isinstance(gdf, gpd.GeoDataFrame) else None
    return [c for c in gdf.columns if c != geometry]


def geometry_kind(gdf: gpd.GeoDataFrame) -> str:
    """'point', 'line', 'polygon' or 'mixed' for a GeoDataFrame's geometries (missing ones aside).

    From shapely's type ids (one vectorised pass), not type names: a million footprints take
    milliseconds, where a Python loop over names held the interpreter for two seconds.
    """
    return kind_of_type_ids(shapely.get_type_id(np.asarray(gdf.geometry.values, dtype=object)))


def kind_of_type_ids(ids: np.ndarray) -> str:
    """'point', 'line', 'polygon' or 'mixed' for shapely type ids (-1, missing, aside)."""
    counts = np.bincount(np.asarray(ids, dtype=np.int64) + 1)  # missing: -1
    found = {_KIND_OF_TYPE_ID.get(int(i), "other") for i in np.flatnonzero(counts[1:])}
    return found.pop() if len(found) == 1 else "mixed"
