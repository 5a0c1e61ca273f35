"""The project file: which files are on the map, in what order, how they look, and the view.

A project is JSON (`*.planner.json`) with paths relative to the project file, so a folder of
data and its project can be moved or shared as one. It is written atomically: a crash while
saving leaves the previous project file as it was. Opening a project never fails as a whole
because one of its files is missing: the layers that load are returned, and each one that
does not is reported with its file and reason.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import CRS

from layers.atomic import write_atomically
from layers.crs import HANOI_CRS, require_metric
from layers.io import LayerLoadError, read_raster, read_vector
from layers.layer import ROLES, Layer, Style
from layers.stack import LayerStack

FORMAT = "planner-project"
VERSION = 1
SUFFIX = ".planner.json"


@dataclass
class Project:
    """What a project file holds once opened."""

    path: Path | None
    layers: list[Layer] = field(default_factory=list)
    failures: list[LayerLoadError] = field(default_factory=list)
    working_crs: CRS = HANOI_CRS
    view: tuple[float, float, float, float] | None = None  # xmin, ymin, xmax, ymax in working_crs


class ProjectError(Exception):
    """The project file itself cannot be read. `str()` reads '<file>: <reason>'."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = Path(path)
        super().__init__(f"{self.path.name}: {reason}")


def save_project(
    path: str | os.PathLike,
    stack: LayerStack,
    working_crs: CRS = HANOI_CRS,
    view: tuple[float, float, float, float] | None = None,
) -> Path:
    """Write the stack (bottom to top) and the view to `path`, atomically."""
    path = Path(path)
    entries = []
    for layer in stack:
        if layer.source is None:
            continue  # computed layers (catchments) are results, rebuilt from the inputs
        entries.append(
            {
                "source": _relative(layer.source, path.parent),
                "layer": layer.source_layer,
                "name": layer.name,
                "role": layer.role,
                "visible": layer.visible,
                "opacity": layer.opacity,
                "style": layer.style.to_dict(),
            }
        )
    document = {
        "format": FORMAT,
        "version": VERSION,
        "working_crs": CRS.from_user_input(working_crs).to_string(),
        "view": dict(zip(("xmin", "ymin", "xmax", "ymax"), view)) if view else None,
        "layers": entries,
    }
    return write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def load_project(path: str | os.PathLike) -> Project:
    """Read a project file and load its layers; unreadable layers go to `failures`."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProjectError(path, "file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectError(path, f"not a readable project file ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ProjectError(path, f"not a planner project (expected \"format\": \"{FORMAT}\")")
    if document.get("version", 0) > VERSION:
        raise ProjectError(path, f"made by a newer version of planner (format version {document['version']})")
    try:
        working_crs = require_metric(CRS.from_user_input(document.get("working_crs") or HANOI_CRS))
    except Exception as exc:
        raise ProjectError(path, f"unusable working CRS: {exc}") from None
    view = document.get("view")
    project = Project(
        path=path,
        working_crs=working_crs,
        view=tuple(float(view[k]) for k in ("xmin", "ymin", "xmax", "ymax")) if view else None,
    )
    for entry in document.get("layers", []):
        try:
            project.layers.append(_load_entry(entry, path.parent))
        except LayerLoadError as exc:
            project.failures.append(exc)
    return project


def _load_entry(entry: dict, folder: Path) -> Layer:
    source = (folder / entry["source"]).resolve()
    if source.suffix.lower() in (".tif", ".tiff"):
        layer: Layer = read_raster(source)
    else:
        layer = read_vector(source, entry.get("layer"))
    layer.name = entry.get("name") or layer.name
    if entry.get("role") in ROLES:
        layer.role = entry["role"]
    layer.visible = bool(entry.get("visible", True))
    layer.opacity = float(entry.get("opacity", 1.0))
    if "style" in entry:
        layer.style = Style.from_dict({**layer.style.to_dict(), **entry["style"]})
    return layer


def _relative(source: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(Path(source).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(source).resolve().as_posix()
