"""The bundled Hanoi sample read once per test process, each test given a copy of its own.

Most GUI tests open the sample only to have a city in the window: reading its ten layers (the
reader process, the frames, the roles and fields guessed) and preparing them for drawing (each zoom
level's simplification) took about half a second of each of 92 tests (windows, and sessions of
`open_project`; their 17 files took 84 s on two workers, 61 s with the sample read once). Here
`load_project` of the sample reads and prepares it once (with the project's and the loader's own
code), and every call after gives a `Project` whose layers are copies: their own frames, arrays,
styles, fields and warnings, so that nothing a test changes (a style, a derived `status` column, a
field mapping) reaches the original or another test. The drawing geometry is shared: it is made
from the shapely geometries, which cannot change (a frame given new geometries is drawn anew,
`planner_gui.map.geometry.prepared` keys it on the frame).

Only the tests that open the sample to have a city use it (the `sample_read_once` fixture); a test of
reading, of the loader, or of what a load reads still reads the files.
"""
from __future__ import annotations

import copy
import dataclasses
import threading
from pathlib import Path

from layers.layer import RasterLayer, VectorLayer
from layers.session.project import SAMPLE_PROJECT, Project

_read: dict[tuple, Project] = {}  # (project file's size and time, allow_outside, repair) -> the project as read
_lock = threading.Lock()


def copied_layer(layer):
    """A layer equal to `layer` that shares nothing a test can change with it."""
    shared = dict(style=dataclasses.replace(layer.style), fields=copy.deepcopy(layer.fields),
                  warnings=list(layer.warnings))
    if type(layer) is VectorLayer:
        return _with_drawing_geometry_of(layer, dataclasses.replace(layer, gdf=layer.gdf.copy(), **shared))
    if type(layer) is RasterLayer:
        return dataclasses.replace(layer, array=layer.array.copy(), **shared)
    raise TypeError(f"the sample's layer '{layer.name}' is a {type(layer).__name__}: no copy for it here")


def _with_drawing_geometry_of(original: VectorLayer, layer: VectorLayer) -> VectorLayer:
    """`layer` finds the drawing geometry `original` was prepared with (same geometries, same CRS)."""
    from planner_gui.map import geometry

    with geometry._cache_lock:
        entry = geometry._cache.get(original)
        if entry is not None:
            (srs, _frame), prepared = entry
            geometry._cache[layer] = ((srs, layer.frame_id), prepared)
    return layer


def copied_project(project: Project) -> Project:
    return dataclasses.replace(project, layers=[copied_layer(layer) for layer in project.layers],
                               failures=list(project.failures), repairs=list(project.repairs),
                               outside=list(project.outside), analysis=copy.deepcopy(project.analysis))


def reading_the_sample_once(real_load_project):
    """`load_project` as `real_load_project` does it, the sample read and prepared only the first time."""
    from planner_gui.jobs.loader import _chosen_crs, prepare_for_drawing

    def load_project(path, allow_outside: bool = False, repair: bool = False) -> Project:
        path = Path(path)
        if path.resolve() != SAMPLE_PROJECT.resolve():
            return real_load_project(path, allow_outside, repair)
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns, allow_outside, repair)
        with _lock:
            if key not in _read:
                project = real_load_project(path, allow_outside, repair)
                crs = project.working_crs or _chosen_crs(project.layers)
                for layer in project.layers:
                    prepare_for_drawing(layer, crs)
                _read[key] = project
            return copied_project(_read[key])

    return load_project
