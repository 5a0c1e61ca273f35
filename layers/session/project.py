"""The project file: the session written down, and read back.

A project is JSON (`*.planner.json`) with paths relative to the project file, so a folder of
data and its project can be moved or shared as one. Version 2 holds the whole session: the
layers (order, role, field mapping, visibility, opacity, style), the working CRS (null: chosen
from the data), the view, the study area, the zone layer and the analysis settings (measure,
radius, buffer segments, scenario, year, the compared scenarios, straight-line or walking
distance and the street network: an OSM extract's path, relative, or a street layer's name) and
the sketch (`layers.session.sketch`: its lines and stations, coordinates in its own CRS; optional, so
version 2 files without one still open).
Version 1 files (layers, CRS
and view only) still open, with default analysis settings.

It is written atomically: a crash while saving leaves the previous project file as it was.
Opening a project never fails as a whole because one of its files is missing or one setting is
wrong: the layers that load are returned, and each problem is reported with its file and reason.

A project comes by mail as often as from the planner's own disk, and it names files to read: one
that names files outside its own folder (an absolute path, `../..`, a link that leads out; its
layers and its street network) could pull any GIS file on the machine into the map and the next
export. So opening it reads nothing but the project file and raises `OutsideFilesError` listing
those files, until the caller says they may be read (`allow_outside=True`: the app after asking
the planner, the CLI with `--allow-outside`). Files in the folder and its subfolders open freely.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from pyproj import CRS

from layers.io.atomic import write_atomically
from layers.crs import require_metric
from layers.compact_layer import held
from layers.io import LayerLoadError, RepairChangesArea, read_counted, read_raster
from layers.layer import Layer, Style, VectorLayer
from layers.session.project_schema import MAX_BYTES, SchemaError, parse
from layers.roles import ROLES, FieldMapping, apply_fields
from layers.session.session import AnalysisSettings, Session, StudyArea
from layers.session.sketch import Sketch

FORMAT = "planner-project"
VERSION = 2
SUFFIX = ".planner.json"
SAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "sample_data" / "hanoi.planner.json"
_V1_CRS = "EPSG:32648"  # version 1 files always named their CRS; this was their default


@dataclass
class Project:
    """What a project file holds once opened (its layers read, nothing applied yet)."""

    path: Path | None
    layers: list[Layer] = field(default_factory=list)
    failures: list[LayerLoadError] = field(default_factory=list)
    # layers that load only if the planner accepts repairs changing polygons' areas (read without
    # `repair`): asked about like a file of their own (the app), refused without --repair (the CLI)
    repairs: list[RepairChangesArea] = field(default_factory=list)
    outside: list[Path] = field(default_factory=list)  # files it names outside its folder, read as allowed
    working_crs: CRS | None = None  # None: chosen from the data
    view: tuple[float, float, float, float] | None = None  # xmin, ymin, xmax, ymax in the working CRS
    analysis: dict = field(default_factory=dict)  # settings, study_area, zone_layer as written
    sketch: Sketch = field(default_factory=Sketch)
    version: int = VERSION


class ProjectError(Exception):
    """The project file itself cannot be read. `str()` reads '<file>: <reason>'."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = Path(path)
        super().__init__(f"{self.path.name}: {reason}")


class OutsideFilesError(ProjectError):
    """The project names files outside its own folder (`files`, absolute); none of them was read."""

    LISTED = 20  # files named in the message; `files` holds them all

    def __init__(self, path: str | os.PathLike, files: list[Path]):
        self.files = files
        listed = ", ".join(str(f) for f in files[:self.LISTED])
        more = f" and {len(files) - self.LISTED:,} more" if len(files) > self.LISTED else ""
        super().__init__(path, f"names {len(files):,} file(s) outside its own folder, which were not read: "
                               f"{listed}{more}. Open them only if you trust where the project came from")


def save_project(path: str | os.PathLike, session: Session, view: tuple[float, float, float, float] | None = None,
                 overwrite_read_only: bool = False) -> Path:
    """Write the session (input layers bottom to top, CRS, analysis) and the view to `path`, atomically.

    A read-only project file is replaced only with `overwrite_read_only` (else `ReadOnlyFileError`,
    an `AtomicWriteError` like every other failed save: `layers.io.atomic`)."""
    path = Path(path)
    entries = []
    for layer in session.layers:
        if layer.source is None:
            continue  # a layer made in the app has no file to point to
        entries.append({
            "source": _relative(layer.source, path.parent),
            "layer": layer.source_layer,
            "name": layer.name,
            "role": layer.role,
            "fields": layer.fields.to_dict() if isinstance(layer, VectorLayer) else None,
            "visible": layer.visible,
            "opacity": layer.opacity,
            "style": layer.style.to_dict(),
        })
    document = {
        "format": FORMAT,
        "version": VERSION,
        "working_crs": session.working_crs.to_string() if session.crs_chosen else None,
        "view": dict(zip(("xmin", "ymin", "xmax", "ymax"), view)) if view else None,
        "layers": entries,
        "analysis": {
            **session.settings.to_dict(),
            "network": _network_reference(session.settings.network, path.parent),
            "study_area": {"layer": session.study_area.layer, "feature": session.study_area.feature},
            "zone_layer": session.zone_layer,
        },
        "sketch": None if session.sketch.is_empty else session.sketch.to_dict(),
    }
    return write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                            overwrite_read_only=overwrite_read_only)


def load_project(path: str | os.PathLike, allow_outside: bool = False, repair: bool = False) -> Project:
    """Read a project file and load its layers; unreadable layers go to `failures`, layers whose
    repair would change polygons' areas by more than 0.1 % to `repairs` (unless `repair`: then
    they load repaired).

    Unless `allow_outside`, a project that names files outside its folder raises
    `OutsideFilesError` (listing them) having read nothing but the project file.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ProjectError(path, f"too large for a project file ({path.stat().st_size:,} bytes)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProjectError(path, f"not a readable project file ({exc})") from None
    if not text.lstrip().startswith("{") or f'"{FORMAT}"' not in text[:4096]:
        raise ProjectError(path, f"not a planner project (expected \"format\": \"{FORMAT}\")")
    try:
        document = parse(text)
    except SchemaError as exc:
        raise ProjectError(path, str(exc)) from None
    except ValueError as exc:  # not JSON, or a number too long to read
        raise ProjectError(path, f"not a readable project file ({str(exc)[:200]})") from None
    if document.get("format") != FORMAT:
        raise ProjectError(path, f"not a planner project (expected \"format\": \"{FORMAT}\")")
    version = document.get("version", 1)
    if version > VERSION:
        raise ProjectError(path, f"made by a newer version of planner (format version {version})")
    crs_text = document.get("working_crs") or (_V1_CRS if version < 2 else None)
    try:
        working_crs = require_metric(CRS.from_user_input(crs_text)) if crs_text else None
    except Exception as exc:
        raise ProjectError(path, f"unusable working CRS: {exc}") from None
    view = document.get("view")  # checked: four finite numbers
    analysis = document.get("analysis") or {}
    if not isinstance(analysis, dict) or not isinstance(analysis.get("study_area") or {}, dict):
        raise ProjectError(path, "\"analysis\" must be an object of settings, with \"study_area\" an object")
    outside = _files_outside(document, path)
    if outside and not allow_outside:
        raise OutsideFilesError(path, outside)
    project = Project(
        path=path, working_crs=working_crs, version=version, analysis=analysis,
        view=tuple(float(view[k]) for k in ("xmin", "ymin", "xmax", "ymax")) if view else None,
        sketch=Sketch.from_dict(document["sketch"]) if document.get("sketch") is not None else Sketch(),
        outside=outside,
    )
    for entry in document.get("layers", []):  # checked: each names a file and holds sound values
        try:
            project.layers.append(_load_entry(entry, path.parent, repair))
        except RepairChangesArea as exc:
            project.repairs.append(exc)
        except LayerLoadError as exc:
            project.failures.append(exc)
    return project


def apply_project(project: Project, session: Session) -> list[str]:
    """Replace the session's work with the project's; returns the settings that could not be applied.

    A setting the data no longer allows (a study-area ward renamed, a scenario's line removed) is
    reported and left at its default, never applied as something else.
    """
    session.clear()
    problems: list[str] = []
    if project.working_crs is not None:
        session.set_working_crs(project.working_crs)
    for layer in project.layers:
        try:
            session.add_layer(layer)
        except ValueError as exc:
            problems.append(f"{layer.name}: {exc}")
    analysis = dict(project.analysis)
    study = analysis.pop("study_area", None) or {}
    zone_layer = analysis.pop("zone_layer", None)
    known = set(AnalysisSettings().to_dict())
    settings = {k: v for k, v in analysis.items() if k in known}
    if isinstance(settings.get("network"), str) and settings["network"].lower().endswith(".pbf") and project.path:
        settings["network"] = str((project.path.parent / settings["network"]).resolve())  # relative to the project
    for key in sorted(set(analysis) - known):
        problems.append(f"unknown analysis setting '{key}' ignored")
    for key, value in settings.items():  # one at a time, so one bad value does not lose the others
        try:
            session.update(**{key: value})
        except (TypeError, ValueError) as exc:
            problems.append(f"analysis setting {key}: {exc}")
    try:
        session.set_study_area(StudyArea(study.get("layer"), study.get("feature")))
    except (TypeError, ValueError) as exc:
        problems.append(f"study area: {exc}")
    try:
        session.set_zone_layer(zone_layer)
    except (TypeError, ValueError) as exc:
        problems.append(f"zones: {exc}")
    session.set_sketch(project.sketch, "Open the sketch")
    session.history.clear()  # an opened project starts a new history: nothing before it to undo
    session.mark_saved()
    return problems


def open_project(path: str | os.PathLike, allow_missing: bool = False,
                 allow_outside: bool = False, repair: bool = False) -> tuple[Session, list[str]]:
    """A session from a project file, for scripts and the CLI: every layer must load, unless
    `allow_missing` (then the missing ones are among the problems returned).

    Returns the session and the problems (settings that could not be applied, see
    `apply_project`); raises ProjectError if the file is unreadable or, one message listing
    them all, if layers are missing; OutsideFilesError (reading none of them) if it names files
    outside its folder, unless `allow_outside`; RepairChangesArea (the first such layer) if a
    layer's repair would change polygons' areas, unless `repair`.
    """
    project = load_project(path, allow_outside, repair)
    if project.repairs:
        raise project.repairs[0]
    missing = [str(f) for f in project.failures]
    if missing and not allow_missing:
        raise ProjectError(path, f"{len(missing):,} layer(s) could not be loaded: {'; '.join(missing[:20])}"
                                 + (f"; and {len(missing) - 20:,} more" if len(missing) > 20 else ""))
    session = Session()
    return session, missing + apply_project(project, session)


def _load_entry(entry: dict, folder: Path, repair: bool = False) -> Layer:
    try:
        source = (folder / entry["source"]).resolve()
    except (OSError, RuntimeError):  # a link loop
        raise LayerLoadError(folder / entry["source"], "cannot be followed to a file (a link loop?)") from None
    except ValueError:  # a NUL character
        raise LayerLoadError(Path(entry["source"].replace("\0", "")), "not a file name") from None
    if source.suffix.lower() in (".tif", ".tiff"):
        layer: Layer = read_raster(source)
    else:
        layer = held(read_counted(source, entry.get("layer"), repair=repair))  # a large one as arrays
    layer.name = entry.get("name") or layer.name
    if entry.get("role") in ROLES:
        layer.role = entry["role"]
    if isinstance(layer, VectorLayer) and entry.get("fields"):
        try:
            layer.fields = FieldMapping.from_dict(entry["fields"], list(layer.gdf.columns))
            layer.warnings += apply_fields(layer)
        except (TypeError, ValueError) as exc:
            layer.warnings.append(f"field mapping in the project not applied ({exc}); guessed instead")
    layer.visible = bool(entry.get("visible", True))
    layer.opacity = float(entry.get("opacity", 1.0))
    if entry.get("style"):
        layer.style = Style.from_dict({**layer.style.to_dict(), **entry["style"]})
    return layer


def _files_outside(document: dict, path: Path) -> list[Path]:
    """The files `document` (the project at `path`) names outside its folder, links followed, in
    the order named, each once: layer sources and a street network extract."""
    folder = Path(os.path.realpath(path.parent))
    named = [entry["source"] for entry in document.get("layers", [])]
    network = (document.get("analysis") or {}).get("network")
    if isinstance(network, str) and network.lower().endswith(".pbf"):  # else a layer's name
        named.append(network)
    outside = []
    for name in named:
        try:
            source = Path(os.path.realpath(path.parent / name))  # as it is read: links followed, then `..`
        except ValueError:  # a NUL in the name: no file anywhere, but not one in the folder either
            source = Path(name)
        if not source.is_relative_to(folder) and source not in outside:
            outside.append(source)
    return outside


def _network_reference(network: str | None, folder: Path) -> str | None:
    """A network extract's path relative to the project (a street layer's name as it is)."""
    if network is None or not network.lower().endswith(".pbf"):
        return network
    return _relative(Path(network), folder)


def _relative(source: Path, folder: Path) -> str:
    try:
        return Path(os.path.relpath(Path(source).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return Path(source).resolve().as_posix()
