"""Past one machine: features counted in a catchment on a Dask cluster, partition by partition.

A country's building footprints (tens of millions) do not fit a desktop's memory. Here they live
in spatial partitions on a Dask cluster (a LocalCluster on this machine, or any cluster by its
scheduler's address), and each partition is counted by the in-process engine itself:
`FeatureSet.from_frame(partition).measure(regions)`. Every feature lies in exactly one partition,
so each figure of `features.py` (counts, areas inside, field sums, each a sum over features) is
the sum of the partitions' figures: the same numbers as the in-process engine, total and by zone.

* Partitions are spatial (dask-geopandas' `spatial_shuffle` on the Hilbert distance of each
  footprint's bounding-box centre), so a catchment meets few of them: a partition whose bounding
  box misses the regions' is never read or sent anywhere.
* The regions (the catchment and its pieces by zone, a few hundred polygons) are scattered to
  every worker once per question (`Client.scatter(..., broadcast=True)`), not sent per task.
* Only the footprints are distributed. The catchment, the zones and the population (exact
  fractional cells, `population.py`) are computed on the client with the existing code: they are
  small, and a population grid is read only in the study area's window.

The worker processes must be able to import `layers` (install planner on each worker).
"""
from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import dask_geopandas
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from dask import delayed
from distributed import Client, LocalCluster, as_completed

from layers.analysis.coverage import FeatureSet, polygonal
from layers.analysis.progress import IsCancelled, check

ROWS_PER_PARTITION = 200_000  # footprints per partition when partitioning a frame held in memory
CONNECT_TIMEOUT_S = 10  # how long to wait for a scheduler named by its address
CUT_MARGIN_M = 1.0  # a partition's box is widened by this before the regions are cut to it


@contextmanager
def dask_client(scheduler: str | None = None, n_workers: int | None = None, processes: bool = True):
    """A Dask client, closed on exit: to the cluster whose scheduler is at `scheduler`
    (e.g. 'tcp://10.0.0.5:8786', started with `dask scheduler` and `dask worker`), else to a
    LocalCluster started here (one single-threaded worker per core, `processes` or threads)."""
    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(f"no Dask scheduler answers at {scheduler} ({exc})") from None
        try:
            yield client
        finally:
            client.close()
        return
    with LocalCluster(n_workers=n_workers or os.cpu_count() or 1, threads_per_worker=1, processes=processes,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


@dataclasses.dataclass(eq=False)
class PartitionedFeatures:
    """A layer's features in spatial partitions on a Dask cluster, counted as `FeatureSet` counts them.

    `partitions` are dask Delayed objects (or futures), each a GeoDataFrame in the working CRS
    with the `sum_fields`; `bounds` is each partition's bounding box (n x 4), NaN when unknown
    (such a partition is always read). `has_polygon` / `has_line` say what kinds of geometry the
    whole layer holds: they choose the figures (`FeatureSet.columns`), as in one process.
    """

    partitions: list
    bounds: np.ndarray
    sum_fields: tuple[str, ...]
    client: object
    n_features: int
    has_polygon: bool
    has_line: bool
    partitions_read: int = 0  # by the last measure (how many a catchment met)

    def __len__(self) -> int:
        return self.n_features

    def columns(self) -> list[str]:
        kinds = SimpleNamespace(is_polygon=np.array([self.has_polygon]), is_line=np.array([self.has_line]),
                                values=dict.fromkeys(self.sum_fields))
        return FeatureSet.columns(kinds)  # the one rule, applied to the whole layer's kinds

    def measure(self, regions, cancelled: IsCancelled = None) -> pd.DataFrame:
        """`FeatureSet.measure`'s figures for each region, one row each: the partitions' sums."""
        regions = np.asarray(regions, dtype=object).ravel()
        total = _every_figure(len(regions), self.sum_fields)
        valid = ~(shapely.is_missing(regions) | shapely.is_empty(regions))
        met = _boxes_meet(self.bounds, shapely.total_bounds(regions[valid])) if valid.any() else []
        self.partitions_read = len(met)
        if len(met):
            [shared] = self.client.scatter([regions], broadcast=True, hash=False)
            tasks = [delayed(_measure_partition)(self.partitions[i], shared, self.sum_fields) for i in met]
            futures = self.client.compute(tasks)
            place = {future.key: i for i, future in enumerate(futures)}
            parts = [None] * len(futures)
            try:
                for future in as_completed(futures):
                    check(cancelled)
                    parts[place[future.key]] = future.result()
            except BaseException:  # cancelled, or a partition failed: stop the rest
                self.client.cancel(futures)
                raise
            for part in parts:  # added in partition order: the same last bits on every run
                total += part
        for column in ("count_intersecting", "count_by_centroid"):
            total[column] = total[column].astype(np.int64)
        return total[self.columns()]


    def measure_near(self, regions, near: shapely.Geometry, cancelled: IsCancelled = None):
        """`FeatureSet.measure_near`: the figures, then the features whose box meets `near`, each
        from the partitions that the regions (then `near`) meet."""
        figures = self.measure(regions, cancelled)
        met = [] if near.is_empty else _boxes_meet(self.bounds, near.bounds)
        found = self.client.gather(self.client.compute(
            [delayed(_near_partition)(self.partitions[i], near, self.sum_fields) for i in met])) if len(met) else []
        shapes = np.concatenate([f[0] for f in found]) if found else np.zeros(0, dtype=object)
        return figures, (shapes, {name: np.concatenate([f[1][name] for f in found]) if found else np.zeros(0)
                                  for name in self.sum_fields})


def _near_partition(part: gpd.GeoDataFrame, near: shapely.Geometry, sum_fields):
    """On a worker: the partition's features whose box meets `near`, and their fields."""
    return FeatureSet.from_frame(part, list(sum_fields)).measure_near([], near)[1]


def _boxes_meet(bounds: np.ndarray, box) -> np.ndarray:
    """Indices of the partitions whose bounding box meets `box` (unknown boxes always do)."""
    xmin, ymin, xmax, ymax = box
    unknown = np.isnan(bounds).any(axis=1)
    meet = (bounds[:, 2] >= xmin) & (bounds[:, 0] <= xmax) & (bounds[:, 3] >= ymin) & (bounds[:, 1] <= ymax)
    return np.flatnonzero(unknown | meet)


class _EveryFigure(FeatureSet):
    """A partition's features, reporting every figure: a partition of points has no area column of
    its own, but its zero adds to the polygons' areas of the other partitions."""

    def columns(self) -> list[str]:
        out = ["count_intersecting", "count_by_centroid", "area_inside_m2", "length_inside_m"]
        for name in self.values:
            out += [f"{name}_sum", f"{name}_area_weighted"]
        return out


def _every_figure(n_regions: int, sum_fields) -> pd.DataFrame:
    columns = _EveryFigure(np.empty(0, dtype=object), dict.fromkeys(sum_fields, np.empty(0))).columns()
    return pd.DataFrame(0.0, index=pd.RangeIndex(n_regions), columns=columns)


def _measure_partition(part: gpd.GeoDataFrame, regions: np.ndarray, sum_fields) -> pd.DataFrame:
    """On a worker: one partition counted by the in-process engine (counts as floats, to add).

    The regions are first cut to the partition's bounding box widened by CUT_MARGIN_M: every
    feature lies inside that box, CUT_MARGIN_M away from the new edges, so each feature meets the
    cut region exactly where it met the whole one (and its centroid, inside its own box, too),
    and the engine's grid then covers the partition, not the whole catchment."""
    features = _EveryFigure.from_frame(part, list(sum_fields))
    if len(features):
        xmin, ymin, xmax, ymax = features.total_bounds()
        box = shapely.box(xmin - CUT_MARGIN_M, ymin - CUT_MARGIN_M, xmax + CUT_MARGIN_M, ymax + CUT_MARGIN_M)
        regions = polygonal(shapely.intersection(regions, box))
    return features.measure(regions).astype(np.float64)


def _kinds(part: gpd.GeoDataFrame) -> np.ndarray:
    """On a worker: a partition's feature count, whether it has polygons, lines, and its bounds."""
    features = FeatureSet(np.asarray(part.geometry.values, dtype=object))
    box = features.total_bounds()
    return np.array([len(features), features.is_polygon.any(), features.is_line.any(), *box], dtype=np.float64)


def _survey(partitions: list, client) -> np.ndarray:
    """Count, kinds and bounds of every partition (one pass over the data, on the workers)."""
    return np.vstack(client.gather(client.compute([delayed(_kinds)(p) for p in partitions])))


def _from_partitions(partitions: list, client, sum_fields) -> PartitionedFeatures:
    survey = _survey(partitions, client)
    return PartitionedFeatures(partitions, survey[:, 3:], tuple(sum_fields), client, int(survey[:, 0].sum()),
                               bool(survey[:, 1].any()), bool(survey[:, 2].any()))


def partition_frame(gdf: gpd.GeoDataFrame, client, sum_fields=(), rows_per_partition: int = ROWS_PER_PARTITION
                    ) -> PartitionedFeatures:
    """Features held in memory, in spatial partitions kept on the cluster: sorted by the Hilbert
    distance of each bounding box's centre (level 16, over the layer's
    bounds), cut into runs of `rows_per_partition` and scattered to the workers.

    The frame must be in the working CRS; only the geometry and `sum_fields` are sent. (For data
    that does not fit here, write it with `write_partitioned`, or `spatial_shuffle` a Dask frame,
    and open it with `open_geoparquet`.)
    """
    FeatureSet.from_frame(gdf.iloc[:0], sum_fields)  # the fields exist and are numeric, said here
    frame = gdf[[*sum_fields, gdf.geometry.name]]
    keep = ~(shapely.is_missing(frame.geometry.values) | shapely.is_empty(frame.geometry.values))
    frame = frame[keep]
    if len(frame):
        frame = frame.iloc[np.argsort(_hilbert(frame, frame.total_bounds), kind="stable")]
    chunks = [frame.iloc[i:i + rows_per_partition] for i in range(0, len(frame), rows_per_partition)] or [frame]
    return _from_partitions(client.scatter(chunks, hash=False), client, sum_fields)


def _hilbert(frame: gpd.GeoDataFrame, bounds) -> np.ndarray:
    """Each feature's place on the Hilbert curve over `bounds` (the curve of dask-geopandas'
    `spatial_shuffle`, in geopandas since 0.12)."""
    return frame.geometry.hilbert_distance(total_bounds=tuple(bounds), level=16).to_numpy()


def open_geoparquet(path: str | os.PathLike, crs, client, sum_fields=()) -> PartitionedFeatures:
    """Features streamed from a GeoParquet file or a folder of them (a partitioned dataset), one
    partition per file: the workers read them, nothing is held on the client. Each partition is
    brought into `crs` and checked as a loaded layer is (finite coordinates; invalid geometries
    repaired with make_valid). The partitions' bounds and kinds come from the files' GeoParquet
    metadata (footers only). Write the dataset in spatial order (`write_partitioned`) so that a
    catchment meets few partitions."""
    files = _parquet_files(Path(path))
    frame = dask_geopandas.read_parquet([str(f) for f in files])
    if frame.crs is None:
        raise ValueError(f"{Path(path).name}: the GeoParquet data names no CRS, so it cannot be placed")
    missing = [f for f in sum_fields if f not in frame.columns]
    if missing:
        raise ValueError(f"{Path(path).name}: no field '{missing[0]}' to sum (it has: {', '.join(frame.columns)})")
    frame = frame[[*sum_fields, frame.geometry.name]]
    parts = [delayed(_checked)(p, crs, f.name) for p, f in zip(frame.to_delayed(), files)]
    survey = _footer_survey(files, frame.crs, crs)
    if survey is None:  # files without bbox or geometry types in their metadata: one pass to learn them
        return _from_partitions(parts, client, sum_fields)
    rows, has_polygon, has_line, bounds = survey
    return PartitionedFeatures(parts, bounds, tuple(sum_fields), client, rows, has_polygon, has_line)


def _footer_survey(files: list[Path], file_crs, crs):
    """(rows, has polygons, has lines, bounds in `crs`) from the files' footers, or None if unknown."""
    import pyarrow.parquet as pq
    from pyproj import Transformer

    to_crs = Transformer.from_crs(file_crs, crs, always_xy=True)
    rows, types, bounds = 0, set(), []
    for f in files:
        meta = pq.read_metadata(f)
        geo = json.loads((meta.metadata or {}).get(b"geo", b"{}"))
        column = geo.get("columns", {}).get(geo.get("primary_column", "geometry"), {})
        if not column.get("geometry_types") or len(column.get("bbox", ())) != 4:
            return None
        rows += meta.num_rows
        types.update(column["geometry_types"])
        bounds.append(to_crs.transform_bounds(*column["bbox"], densify_pts=21))  # holds the reprojected data
    return (rows, any("Polygon" in t for t in types), any("LineString" in t for t in types),
            np.asarray(bounds, dtype=np.float64))


def _parquet_files(path: Path) -> list[Path]:
    """The GeoParquet files of a dataset, each checked to be Parquet by its first bytes."""
    if not path.exists():
        raise ValueError(f"{path.name}: file not found")
    files = sorted(f for f in path.glob("*.parquet") if not f.name.startswith(".")) if path.is_dir() else [path]
    if not files:
        raise ValueError(f"{path.name}: a folder with no .parquet files")
    for f in files:
        with open(f, "rb") as stream:
            if stream.read(4) != b"PAR1":
                raise ValueError(f"{f.name}: is not a GeoParquet file (no Parquet signature)")
    return files


def _checked(part: gpd.GeoDataFrame, crs, name: str) -> gpd.GeoDataFrame:
    """On a worker: a partition in the working CRS, refused if non-finite, invalid ones repaired."""
    if not part.crs.equals(crs):
        part = part.to_crs(crs)
    geoms = part.geometry.values
    if not np.isfinite(shapely.get_coordinates(geoms)).all():
        raise ValueError(f"{name}: coordinates that are not finite numbers (NaN or infinity)")
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if invalid.any():
        part = part.copy()
        part.loc[invalid, part.geometry.name] = shapely.make_valid(geoms[invalid])
    return part


def write_partitioned(chunks: Iterator[gpd.GeoDataFrame], folder: str | os.PathLike, bounds,
                      rows_per_file: int = ROWS_PER_PARTITION) -> list[Path]:
    """Write footprints as a GeoParquet dataset in spatial (Hilbert) order, a chunk at a time:
    each chunk is sorted by the Hilbert distance of its features within `bounds` (the whole
    dataset's, so every chunk uses one curve) and cut into files of `rows_per_file`.

    Memory is bounded by one chunk; files of different chunks overlap in space, so for the fewest
    partitions per catchment give chunks that are themselves regions (tiles, provinces)."""
    from layers.io.atomic import atomic_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for chunk in chunks:
        chunk = chunk.iloc[np.argsort(_hilbert(chunk, bounds), kind="stable")]
        for start in range(0, len(chunk), rows_per_file):
            path = folder / f"part.{len(written):05d}.parquet"
            with atomic_path(path) as tmp:
                chunk.iloc[start:start + rows_per_file].to_parquet(tmp, write_covering_bbox=False)
            written.append(path)
    return written


def on_cluster(city, client):
    """The city with its counted features (buildings, facilities) in partitions on `client`: the
    figures of `indicators.evaluate` then come from the cluster, everything else as before."""
    return city.counting_with(city.counters(lambda gdf, sum_fields: partition_frame(gdf, client, sum_fields)))
