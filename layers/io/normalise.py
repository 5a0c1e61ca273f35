"""What a read vector layer is made into before the app trusts it: odd but valid data is made
usable, data that cannot be right is named.

- Text: GDAL hands strings over as it finds them. A GeoJSON written in Latin-1 or Windows-1258
  (GeoJSON must be UTF-8) would load and then fail, or show garbage, when a name is first used;
  `text_problem` finds such a field at load time. Shapefiles are re-coded by GDAL from their
  .cpg (or the DBF's code page), so they arrive as UTF-8.
- Geometry collections: some tools write a ward made of several polygons, or a line in pieces,
  as a GeometryCollection. One whose members are all polygons (or all lines, or all points) is
  that Multi* geometry; `collections_as_multi` makes it so. One that mixes kinds (a point and a
  polygon) has no single meaning for the map or the analysis and is reported.
- Geometries (`GeometryChecks`): missing ones skipped, invalid ones repaired, and those that
  cannot be right (unsupported kinds, non-finite or impossible coordinates) named, for a whole
  file or for a file read batch by batch.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely
from pyproj import CRS

from layers.crs import implausible_coordinates
from layers.io import feature_size
from layers.io.sliced import in_slices

_MULTI_OF_DIMENSION = {0: shapely.multipoints, 1: shapely.multilinestrings, 2: shapely.multipolygons}
# A repair (make_valid) that changes a polygon's area by more than this share is not a repair but
# a guess (a hole drawn outside its shell becomes land of its own: 143.8 km2 where 115.0 were
# drawn): it is said, and kept only if the planner accepts it.
REPAIR_AREA_TOLERANCE = 0.001
SAID_AT_MOST = 5  # features named in one message
# shapely type ids of what a layer may hold: Point, LineString, LinearRing, Polygon and their Multi* kinds
SUPPORTED_TYPE_IDS = (0, 1, 2, 3, 4, 5, 6)


def text_problem(frame: pd.DataFrame) -> str | None:
    """None if every text field holds valid UTF-8, else which field does not and where."""
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, (pd.ArrowDtype, pd.StringDtype)):
            chunks = getattr(values.array, "_pa_array", None)
            if chunks is None:
                continue
            for chunk in chunks.chunks:
                try:
                    chunk.validate(full=True)
                except pa.ArrowInvalid:
                    return _first_bad_text(column, chunk)
        elif values.dtype == object:
            for row, value in enumerate(values):
                if isinstance(value, bytes):
                    return f"field '{column}' holds raw bytes, not text (row {row + 1})"
    return None


def _first_bad_text(column: str, chunk: pa.Array) -> str:
    binary = pa.large_binary() if pa.types.is_large_string(chunk.type) else pa.binary()
    for row, raw in enumerate(chunk.cast(binary).to_pylist()):
        try:
            (raw or b"").decode("utf-8")
        except UnicodeDecodeError:
            sample = raw.decode("utf-8", errors="replace")[:40]
            return f"the text of field '{column}' is not UTF-8 (feature {row + 1}: '{sample}')"
    return f"the text of field '{column}' is not UTF-8"


def collections_as_multi(geoms: np.ndarray) -> tuple[np.ndarray, int, np.ndarray]:
    """Geometry collections of one kind as Multi* geometries.

    Returns (geometries, how many were converted, indexes of collections that mix kinds, left
    as they are). Empty collections are left to the caller (they are empty geometries).
    """
    geoms = np.asarray(geoms, dtype=object)
    collection = shapely.get_type_id(geoms) == shapely.GeometryType.GEOMETRYCOLLECTION
    collection &= ~shapely.is_empty(geoms)
    out = geoms.copy()
    mixed = []
    for i in np.flatnonzero(collection):
        parts = _single_parts(geoms[i])
        dimensions = set(shapely.get_dimensions(parts).tolist())
        if len(dimensions) == 1:
            out[i] = _MULTI_OF_DIMENSION[dimensions.pop()](parts)
        else:
            mixed.append(i)
    return out, int(collection.sum()) - len(mixed), np.asarray(mixed, dtype=np.int64)


def _single_parts(geom) -> np.ndarray:
    """The points, lines and polygons of a geometry, however deeply nested."""
    parts = np.asarray([geom], dtype=object)
    while True:
        nested = shapely.get_num_geometries(parts) > 1
        nested |= np.isin(shapely.get_type_id(parts), (4, 5, 6, 7))
        if not nested.any():
            return parts[~shapely.is_empty(parts)]
        parts = shapely.get_parts(parts)


class GeometryChecks:
    """The checks every vector file's geometries pass, chunk by chunk (a file read in batches),
    answered once for the whole file: counts summed, the first offending feature numbered in it.

    `chunk` drops missing and empty geometries, reads collections of one kind as multi-part
    geometries and repairs invalid ones with make_valid; `problem` then says the first problem of
    the file, in this order: no geometry at all, the text (`text_problem`'s answer), collections
    that mix kinds, unsupported types, non-finite coordinates, coordinates impossible for the
    CRS. Repairs that change a polygon's area by more than REPAIR_AREA_TOLERANCE are kept aside:
    `repair_question` says them for the planner to accept, unless `repair` accepted them already
    (then `repair_warnings` says them). `warnings` says what was skipped or repaired.
    """

    _TYPE_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                   "MultiPolygon", "GeometryCollection")

    def __init__(self, repair: bool = False) -> None:
        self.repair = repair
        self.area_changes: list[tuple[int, object, object]] = []  # (feature number, before, after), the first few
        self.area_changed = 0
        self.seen = self.kept = self.missing = self.made_multi = self.mixed = self.not_finite = self.repaired = 0
        self.first_mixed: int | None = None
        self.too_large: str | None = None  # the first feature of more parts or vertices than allowed
        self.types: set[int] = set()
        self.low, self.high = np.full(2, np.inf), np.full(2, -np.inf)

    def chunk(self, geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """This chunk's geometries that have one, normalised and repaired, and which rows they are."""
        first, self.seen = self.seen, self.seen + len(geoms)
        if self.too_large is None:
            self.too_large = _too_large(shapely.get_num_geometries(geoms), shapely.get_num_coordinates(geoms), first)
        if self.too_large:
            return geoms, np.ones(len(geoms), dtype=bool)  # refused at the end: nothing more to look at
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        self.missing += int((~keep).sum())
        geoms, made_multi, mixed = collections_as_multi(geoms[keep])
        self.made_multi += made_multi
        if len(mixed) and self.first_mixed is None:
            self.first_mixed = self.kept + int(mixed[0])
        self.mixed += len(mixed)
        self._note_kept(shapely.get_type_id(geoms), in_slices(shapely.get_coordinates, geoms))
        if self.wrong():
            return geoms, keep  # refused at the end: nothing to repair
        invalid = ~shapely.is_valid(geoms)
        if invalid.any():
            geoms = geoms.copy()
            geoms[invalid] = self._repaired(geoms[invalid], first + np.flatnonzero(keep)[invalid] + 1)
        return geoms, keep

    def arrays(self, store, certain: np.ndarray) -> tuple[object, np.ndarray]:
        """`chunk` for a batch read straight into arrays (`layers.io.wkb_arrays`): `store` is the
        batch's `CompactGeometries`, `certain` where `certainly_valid` said valid. The same counts,
        checks, repairs and messages; GEOS is asked whether a feature is valid only where
        `certain` is not, and a repaired feature's arrays replace its own."""
        from layers.analysis.coverage.compact import CompactGeometries

        first, self.seen = self.seen, self.seen + len(store)
        parts = np.diff(store.geom_offsets)
        vertices = np.diff(store.coord_offsets)
        if self.too_large is None:
            self.too_large = _too_large(np.where(np.isin(store.types, (4, 5, 6)), parts, 1), vertices, first)
        if self.too_large:
            return store, np.ones(len(store), dtype=bool)
        keep = (store.types >= 0) & (vertices > 0)  # empty: no coordinates (GEOS's is_empty)
        self.missing += int((~keep).sum())
        if not keep.all():
            store, certain = store.take(np.flatnonzero(keep)), certain[keep]
        self._note_kept(store.types, store.coords)
        if self.wrong():
            return store, keep
        unsure = np.flatnonzero(~certain)
        if len(unsure):
            geoms = store.shapes(unsure)
            invalid = ~shapely.is_valid(geoms)
            if invalid.any():
                rows = np.flatnonzero(keep)[unsure[invalid]]
                repaired = self._repaired(geoms[invalid], first + rows + 1)
                store = store.replaced(unsure[invalid], CompactGeometries.from_shapely(repaired))
        return store, keep

    def _note_kept(self, types: np.ndarray, coords: np.ndarray) -> None:
        """Count the kept features of a chunk (their shapely type ids and coordinates): their kinds,
        their coordinates that are not finite, and the extent of those that are."""
        self.kept += len(types)
        self.types |= set(np.unique(types).tolist())
        finite = True if np.isfinite(coords).all() else np.isfinite(coords[:, 0]) & np.isfinite(coords[:, 1])
        not_finite = 0 if finite is True else int((~finite).sum())
        self.not_finite += not_finite
        if not_finite < len(coords):
            # no copy of the coordinates when all are finite (as nearly always): a copy of millions
            # is made with the GIL held, a reduction is not. Column by column: NumPy reduces an
            # (n, 2) array along its first axis thirty times slower.
            seen = coords[finite] if not_finite else coords
            self.low = np.minimum(self.low, [seen[:, 0].min(), seen[:, 1].min()])
            self.high = np.maximum(self.high, [seen[:, 0].max(), seen[:, 1].max()])

    def _repaired(self, invalid: np.ndarray, features: np.ndarray) -> np.ndarray:
        """The invalid geometries `invalid` (feature numbers `features`) repaired with make_valid,
        counted, and those whose area the repair changed noted."""
        repaired = in_slices(shapely.make_valid, invalid)
        self.repaired += len(invalid)
        self._note_area_changes(invalid, repaired, features)
        return repaired

    def _note_area_changes(self, before: np.ndarray, after: np.ndarray, features: np.ndarray) -> None:
        """Remember the repaired polygons whose area changed by more than REPAIR_AREA_TOLERANCE (in
        the layer's own units: a ratio, whatever they are; said in km2 by `problem`)."""
        area_before, area_after = shapely.area(before), shapely.area(after)
        changed = np.abs(area_after - area_before) > REPAIR_AREA_TOLERANCE * np.abs(area_before)
        changed &= (area_before > 0) | (area_after > 0)  # lines and points have no area to change
        self.area_changed += int(changed.sum())
        room = max(0, SAID_AT_MOST - len(self.area_changes))
        self.area_changes += list(zip(features[changed][:room].tolist(), before[changed][:room],
                                      after[changed][:room]))

    def area_change_text(self, crs) -> str:
        """The repairs that change areas, in words: each feature with its area before and after (km2,
        or m2 below 1 km2)."""
        said = []
        for feature, before, after in self.area_changes:
            km2_before, km2_after = polygon_area_km2(before, crs), polygon_area_km2(after, crs)
            if max(km2_before, km2_after) >= 1:
                said.append(f"feature {feature}: {km2_before:,.3f} km2 as drawn, {km2_after:,.3f} km2 repaired")
            else:  # a building, a plot: in square metres
                said.append(f"feature {feature}: {km2_before * 1e6:,.1f} m2 as drawn, {km2_after * 1e6:,.1f} m2 repaired")
        more = f"; and {self.area_changed - len(said):,} more" if self.area_changed > len(said) else ""
        return "; ".join(said) + more

    def wrong(self) -> bool:
        """A problem found so far that `problem` will say (the rest is then not worth repairing)."""
        return bool(self.too_large or self.mixed or self.not_finite or self.unsupported())

    def unsupported(self) -> set[str]:
        return {self._TYPE_NAMES[t] for t in self.types if t >= 0 and t not in SUPPORTED_TYPE_IDS}

    def problem(self, where: str, crs, text: str | None) -> str | None:
        """Why the file cannot be loaded (`where` names the layer), or None; `text` is
        `text_problem`'s answer for its fields."""
        if self.too_large:
            return f"{where}: {self.too_large}"
        if not self.kept:
            return f"{where} has no features with a geometry"
        if text:
            return f"{where}: {text}; save it again with UTF-8 text"
        if self.mixed:
            return (f"{where}: {self.mixed} feature(s) mix points, lines and polygons in one GeometryCollection "
                    f"(first: feature {self.first_mixed + 1}); split them by kind")
        if self.unsupported():
            return f"{where} has unsupported geometry type(s): {', '.join(sorted(self.unsupported()))}"
        if self.not_finite:
            return f"{where} has {self.not_finite} coordinate(s) that are not finite numbers (NaN or infinity)"
        reason = implausible_coordinates((*self.low.tolist(), *self.high.tolist()), crs)
        return f"{where}: {reason}" if reason else None

    def repair_question(self, where: str, crs) -> str | None:
        """Without `repair`: what the repairs that change areas would do, for the planner to accept
        or refuse (asked once `problem` has nothing to say); None if there are none."""
        if self.repair or not self.area_changed:
            return None
        return (f"{where}: {self.area_changed:,} invalid polygon(s) would change area by more than "
                f"{REPAIR_AREA_TOLERANCE:.1%} if repaired with make_valid ({self.area_change_text(crs)}); "
                "fix them in the source file, or accept the repair")

    def warnings(self) -> list[str]:
        out = []
        if self.missing:
            out.append(f"{self.missing} feature(s) without geometry were skipped")
        if self.made_multi:
            out.append(f"{self.made_multi} GeometryCollection(s) of one kind read as multi-part geometries")
        if self.repaired:
            out.append(f"{self.repaired} invalid geometr{'y' if self.repaired == 1 else 'ies'} repaired with make_valid")
        return out

    def repair_warnings(self, crs) -> list[str]:
        """With `repair`: the repairs that changed areas, said (see `warnings` for the rest)."""
        if not (self.repair and self.area_changed):
            return []
        return [f"{self.area_changed:,} repaired polygon(s) changed area by more than {REPAIR_AREA_TOLERANCE:.1%}, "
                f"kept as repaired: {self.area_change_text(crs)}"]


def _too_large(parts: np.ndarray, vertices: np.ndarray, first: int) -> str | None:
    """What is wrong with the first feature of more than MAX_PARTS parts or MAX_VERTICES vertices
    (`parts` and `vertices` per feature, numbered from `first` + 1), or None."""
    over = (parts > feature_size.MAX_PARTS) | (vertices > feature_size.MAX_VERTICES)
    if not over.any():
        return None
    i = int(np.flatnonzero(over)[0])
    if parts[i] > feature_size.MAX_PARTS:
        return feature_size.too_many(first + i + 1, int(parts[i]), "parts")
    return feature_size.too_many(first + i + 1, int(vertices[i]), "vertices")


def polygon_area_km2(geom, crs) -> float:
    """A polygon's area in km2 as its rings are drawn (the shell less its holes, wherever they lie):
    on the ellipsoid for a geographic CRS, else in the CRS's own unit (metres, US feet, ...)."""
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        oriented = shapely.orient_polygons(geom)  # shells counter-clockwise, holes clockwise: holes subtract
        return abs(crs.get_geod().geometry_area_perimeter(oriented)[0]) / 1e6
    metres = crs.axis_info[0].unit_conversion_factor
    return float(shapely.area(geom)) * metres * metres / 1e6
