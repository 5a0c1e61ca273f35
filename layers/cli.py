"""`planner measure`: coverage indicators from the command line, with no Qt.

    planner measure [FILES...] [--preset NAME ...] [--radius M] [--segments N] [--scenario S | --as-of YEAR]
                    [--year YEAR] [--compare A B] [--zones] [--zone-layer NAME] [--study-area LAYER[:FEATURE]]
                    [--role FILE[:LAYER]=ROLE ...] [--field [FILE:]LAYER.KIND=FIELD ...]
                    [--sum-field [LAYER:]FIELD ...] [--crs CRS]
                    [--distance straight|walking] [--network FILE.osm.pbf | LAYER] [--walking-band M]
                    [--frequent-headway MIN] [--brt ROUTE ...] [--service-day YYYY-MM-DD] [--service-window HH:MM-HH:MM]
                    [--engine local|dask [--scheduler tcp://HOST:PORT]] [--repair] [--timeout S]
                    [--format table|csv|json] [--output PATH] [--overwrite-read-only] [--allow-missing] [--allow-outside]

It builds the same `layers.session.Session` the app works on: from GIS files (every layer of
each, roles guessed as in the app and set with --role) or from one *.planner.json project (its
layers, roles, working CRS, study area and analysis settings; flags override them). With no
FILES it measures the bundled Hanoi sample. The figures come from `layers.analysis.indicators`,
the same functions the app's docks call, so a project measures here as it shows there. What it
measured with (each layer's role and fields, the working CRS and any datum shift) goes to standard
error before the figures, and into the JSON under `inputs`. Also: `python -m layers.cli ...`.

The table is for people (`layers.text.figure_text`: shares as per cent, people whole; a
comparison's zones by gain, the unchanged ones left out and counted); CSV and JSON keep every
digit and zone. A run over 2 s shows a progress line on standard error when it is a terminal
(`layers.progress_line`), never on standard output.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import numbers
import os
import sys
import threading
from pathlib import Path
from typing import NoReturn

from layers.io.limits import READ_TIMEOUT_S
from layers.progress_line import ProgressLine
from layers.text import figure_text, km2_text, people_text, share_text

PROG = "planner measure"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit(2) itself; keep main() returning 2
        raise _Usage(message)


class _Usage(Exception):
    pass


class _Failure(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    from layers.analysis.presets import PRESETS
    from layers.roles import FIELD_KINDS

    p = _Parser(prog=PROG, description="Measure how much of the city the networks reach (area and people).")
    p.add_argument("files", nargs="*", help="GIS files or one .planner.json project (default: bundled Hanoi sample)")
    p.add_argument("--preset", "-p", action="append", choices=list(PRESETS),
                   help="indicator (repeatable; default: all that the data allows)")
    p.add_argument("--radius", "-r", type=float, help="catchment radius in metres (default: the preset's)")
    p.add_argument("--segments", type=int, help="buffer segments per quarter circle, at least (default 16; the figures use 91 or more "
                        "whatever N: within 1e-4 of the true circles)")
    p.add_argument("--scenario", "-s", help="existing (default) | all | 2025 (as of a year) | plan-2030, "
                                            "optionally -without-line-2")
    p.add_argument("--as-of", type=int, metavar="YEAR", help="shorthand for --scenario YEAR")
    p.add_argument("--year", type=int, help="the timeline's year: measure the network as drawn on the map then")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="scenario B against scenario A")
    p.add_argument("--zones", action="store_true", help="break the figures down by zone (the zone layer's)")
    p.add_argument("--zone-layer", metavar="LAYER", help="the zone layer (default: the first of role 'ward')")
    p.add_argument("--study-area", metavar="LAYER[:FEATURE]",
                   help="the study area: a layer, or one feature of it by name (default: the boundary layer)")
    p.add_argument("--role", action="append", default=[], metavar="FILE[:LAYER]=ROLE",
                   help="set a layer's role (repeatable), e.g. city.geojson=boundary or city.gpkg:stops=metro_station")
    p.add_argument("--field", action="append", default=[], metavar="[FILE:]LAYER.KIND=FIELD",
                   help="which field of a layer means what (repeatable; KIND: " + ", ".join(FIELD_KINDS) + "), "
                        "e.g. nybb.zone_name=BoroName or tracts.gpkg:tracts.population=POP2020")
    p.add_argument("--sum-field", action="append", default=[], metavar="[LAYER:]FIELD",
                   help="a numeric field of the buildings / facilities to sum in the catchment (repeatable), "
                        "e.g. floor_area or schools:pupils")
    p.add_argument("--allow-missing", action="store_true",
                   help="measure a project even if some of its layers cannot be loaded (they are listed)")
    p.add_argument("--allow-outside", action="store_true",
                   help="read the files a project names outside its own folder (absolute paths, ../..); "
                        "without it such a project is refused, with the list, and none of them is read")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="count buildings and facilities in this process (local) or on a Dask cluster in spatial "
                        "partitions (dask; pip install 'planner[dask]')")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="with --engine dask: the Dask scheduler's address (default: a local cluster, one worker a core)")
    p.add_argument("--crs", help="the working CRS, a metric one (default: the project's, else chosen from the data)")
    p.add_argument("--distance", choices=("straight", "walking"),
                   help="straight line (default) or walking distance along the street network")
    p.add_argument("--network", metavar="FILE.osm.pbf|LAYER",
                   help="the street network for walking distance: an OpenStreetMap extract, or a layer of role "
                        "'street' (default: the first street layer); implies --distance walking")
    p.add_argument("--frequent-headway", type=float, metavar="MIN",
                   help="SDG 11.2.1's frequent service: also give the figures counting only stations of a GTFS feed "
                        "with a mean headway of MIN minutes or better in the service window")
    p.add_argument("--brt", action="append", default=[], metavar="ROUTE",
                   help="a bus route of a GTFS feed that is BRT, by route_id or short name: high capacity (repeatable)")
    p.add_argument("--service-day", metavar="YYYY-MM-DD",
                   help="the day a GTFS feed's service is counted on (default: its busiest weekday)")
    p.add_argument("--service-window", metavar="HH:MM-HH:MM",
                   help="the hours a GTFS feed's departures are counted in (default 07:00-09:00)")
    p.add_argument("--travel-time", metavar="ORIGIN",
                   help="travel time by transit and on foot from ORIGIN (lon,lat or a stop's name) over a GTFS feed "
                        "among the files: the area and people within 15/30/45/60 minutes and --minutes")
    p.add_argument("--minutes", type=float, default=30.0, help="with --travel-time: a band of this many minutes too")
    p.add_argument("--percentile", type=float, default=50.0,
                   help="with --travel-time: the percentile of travel time over the departure minutes (default 50)")
    p.add_argument("--window", metavar="HH:MM-HH:MM",
                   help="with --travel-time: the departure window (default 07:00-09:00 on the feed's busiest weekday)")
    p.add_argument("--walk-speed", type=float, default=4.8, metavar="KMH", help="with --travel-time: walking speed")
    p.add_argument("--max-transfers", type=int, default=4, metavar="N", help="with --travel-time: the most transfers")
    p.add_argument("--sketch-headway", type=float, default=6.0, metavar="MIN",
                   help="with --travel-time and a project with a sketch: its lines' headway (the gain is given)")
    p.add_argument("--sketch-speed", type=float, default=35.0, metavar="KMH",
                   help="with --travel-time and a sketch: its lines' average speed between stations")
    p.add_argument("--walking-band", type=float, metavar="M",
                   help="walking catchments: the band either side of the streets reached (default 50 m)")
    p.add_argument("--repair", action="store_true",
                   help="accept repairs of invalid polygons that change their area by more than 0.1 %% "
                        "(without it such a file is refused, naming the polygons and both areas)")
    p.add_argument("--timeout", type=float, default=READ_TIMEOUT_S, metavar="S",
                   help="stop reading a file (a layer) that takes longer than this many seconds "
                        f"(default {READ_TIMEOUT_S:g})")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table")
    p.add_argument("--output", "-o", help="write to this file (atomically) instead of standard output")
    p.add_argument("--overwrite-read-only", action="store_true",
                   help="with --output: replace the file even if it is read-only (by default it is kept)")
    return p


def main(argv: list[str] | None = None, once: bool = False) -> int:
    """`planner measure` with `argv` (default: the command line's); its exit code. `once`: the
    process runs this one command (the `planner` script, `python -m layers.cli`): its reader
    process is ended as soon as the files are read, so that its memory is not held while the
    figures are worked out (4M footprints: about 110 MB); a script calling main() again keeps it
    for the next call, started already."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_intermixed_args(argv)  # files may come after flags
    except _Usage as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    from layers.io.atomic import AtomicWriteError, ReadOnlyFileError, save_target, write_atomically

    progress = ProgressLine(PROG)  # on standard error, if it is a terminal and the run takes a while
    failure = None
    try:
        if args.output:  # before the measure: a long run is not wasted on a file that cannot be written
            save_target(args.output, args.overwrite_read_only)
        text = _run(args, progress, once)
        if args.output:
            progress.step(f"writing {Path(args.output).name}")
            write_atomically(args.output, text, overwrite_read_only=args.overwrite_read_only)
    except ReadOnlyFileError as exc:
        failure = f"{exc} (--overwrite-read-only replaces it)"
    except (_Failure, AtomicWriteError) as exc:  # a save error names the file and says the old one is unchanged
        failure = str(exc)
    finally:
        progress.done()  # before anything else is printed
    if failure is not None:
        print(f"{PROG}: {failure}", file=sys.stderr)
        return 2
    if not args.output:
        sys.stdout.write(text)
    return 0


def build_session(files: list[str], roles: list[str] = (), allow_missing: bool = False, compact: bool = True,
                  allow_outside: bool = False, transit=None, crs: str | None = None,
                  progress: ProgressLine | None = None, timeout_s: float = READ_TIMEOUT_S, repair: bool = False,
                  read_last: str | None = None):
    """The session `planner measure` works on: a project, GIS files, or the bundled sample.

    A project that names files outside its folder is refused with their list unless `allow_outside`.
    `progress` is told which file is being read.

    With `compact`, the layers of buildings and facilities (by --role, else by their names) are
    read as arrays (`layers.io.read_counted`): millions of footprints in a fraction of the memory.
    `transit` (a `layers.io.FeedOptions`) says how GTFS feeds are opened. `crs` (--crs) is the
    working CRS from the start, so each layer is checked against it as it is added (a State Plane
    file then needs no datum shift), not against one chosen from the data; it is also what a CSV
    table's x/y coordinates are in when the table does not say.
    Every file is read in one reader process (`layers.io.isolated`: the idle one `planner measure`
    started before its imports, else a new one); a read that takes longer than `timeout_s` is stopped.
    With `repair`, invalid polygons are repaired even where that changes their area (else refused).
    `read_last`: a file whose footprints the reader was sent ahead (`_read_ahead`): read after the
    others, which the reader answers while it parses them. Layers are added in the order given.
    """
    from layers.io.isolated import ReadLimits, reading

    with reading(ReadLimits(timeout_s=timeout_s), cancelled=progress.tick if progress is not None else None) as reader:
        return _build_session(files, roles, allow_missing, compact, allow_outside, transit, crs, progress, repair,
                              read_last, reader)


def _build_session(files: list[str], roles, allow_missing: bool, compact: bool, allow_outside: bool, transit,
                   crs: str | None, progress: ProgressLine | None, repair: bool, read_last: str | None, reader):
    from layers.io import LayerLoadError, RepairChangesArea, read_layers
    from layers.session.project import SAMPLE_PROJECT, OutsideFilesError, ProjectError, open_project
    from layers.session import Session

    try:
        if not files or (len(files) == 1 and files[0].endswith(".planner.json")):
            path = Path(files[0]) if files else SAMPLE_PROJECT
            if not files and not path.exists():
                raise _Failure(f"{path}: the bundled Hanoi sample is not installed (file not found)")
            if progress is not None:
                progress.step(f"reading {path.name}")
            session, problems = open_project(path, allow_missing, allow_outside, repair)
            for problem in problems:
                _warn(progress, f"{path}: {problem}")
        else:
            session = Session()
            if crs:
                _set_working_crs(session, crs)
            for path in files:
                if path.endswith(".planner.json"):
                    raise _Failure(f"{path}: give a project alone, not with other files")
            # what each file has to count; files read in the order: those with nothing to count (while the
            # reader parses the footprints sent ahead), the file sent ahead, the others (a read of things
            # to count would drop the one sent ahead)
            to_count = [_layers_to_count(path, roles) if compact else set() for path in files]
            order = sorted(range(len(files)), key=lambda i: 1 if files[i] == read_last else 2 if to_count[i] else 0)
            read = [[] for _ in files]
            for i in order:
                path = files[i]
                if progress is not None:
                    progress.step(f"reading {Path(path).name}")

                def read_file() -> list:
                    return list(read_layers(path, to_count=to_count[i], transit=transit, crs=crs, repair=repair,
                                            cancelled=progress.tick if progress is not None else None))
                try:
                    read[i] = read_file()
                except LayerLoadError:
                    if reader.stopped_beside is None:
                        raise
                    # the reader crashed while it also parsed the file sent ahead: that one may be the
                    # cause. Read again alone (a new reader); the other, read after, says its own failure
                    reader.stopped_beside = None
                    read[i] = read_file()
            for path, layers in zip(files, read):  # in the order given, whatever the order read
                said = set()  # a feed's stations and lines carry the feed's warnings: each said once
                for layer in layers:
                    for warning in layer.warnings:
                        if warning not in said:
                            said.add(warning)
                            _warn(progress, f"{path}: {warning}")
                    try:
                        session.add_layer(layer)
                    except ValueError as exc:  # no accurate transform into the working CRS
                        raise _Failure(f"{path}: {layer.name}: {exc}") from None
            session.guess_roles(list(session.layers))  # the planner's --role flags come after the guesses
    except RepairChangesArea as exc:
        raise _Failure(f"{exc.path}: {exc.reason} (give --repair to accept it)") from None
    except LayerLoadError as exc:
        raise _Failure(f"{exc.path}: {exc.reason}") from None
    except OutsideFilesError as exc:
        raise _Failure(f"{exc.path}: {str(exc).split(': ', 1)[-1]} (--allow-outside)") from None
    except ProjectError as exc:
        raise _Failure(f"{exc.path}: {str(exc).split(': ', 1)[-1]}") from None
    except ValueError as exc:  # a layer that cannot be brought into the working CRS
        raise _Failure(str(exc)) from None
    _set_roles(session, roles)
    return session


def _set_working_crs(session, crs: str) -> None:
    try:
        session.set_working_crs(crs)
    except Exception as exc:  # NotMetricCRSError, TransformError, pyproj's CRSError: each says why
        raise _Failure(f"--crs {crs}: {exc}") from None


def _warn(progress: ProgressLine | None, message: str) -> None:
    """A warning on standard error, on a line of its own (the progress line, if drawn, cleared first)."""
    if progress is not None:
        progress.done()
    print(f"{PROG}: {message}", file=sys.stderr)


def _layers_to_count(path: str, roles) -> set[str]:
    """The vector layers of `path` that hold things to count (roles 'building', 'facility'): those
    --role names so, and those whose names say so (as the role guess reads them) that --role
    gives no other role."""
    from layers.io import is_raster, list_vector_layers
    from layers.roles import COUNTED_ROLES, guess_role

    if is_raster(path):
        return set()
    names = list_vector_layers(path)
    given = {}
    for spec in roles:
        file_name, layer_name, role = _role_spec(spec)
        if _names_file(file_name, Path(path)):
            given.update({name: role for name in names if not layer_name or layer_name == name})
    return {name for name in names
            if given.get(name, guess_role([name, Path(path).stem])) in COUNTED_ROLES}


def _read_ahead(args, failed: list, sent: list) -> None:
    """Send the command's first read now if it is a layer of things to count (a city's footprints,
    the first layer of the first file): the reader process reads and parses it during the command's
    imports and its reads of the other files (`ReaderProcess.counted_ahead`), and `build_session`
    reads it from there, last (its path is put in `sent`). Given a GeoTIFF, the reader imports its
    raster library meanwhile too (`ReaderProcess.expect_rasters`). Run on a
    thread while the imports are done, joined before the session's reads, under the command's time
    limit. A first file that cannot be read is put in `failed` (the command says so when it would
    read it, without trying again: a file that hangs GDAL costs one time limit, not two); what else
    fails here the command meets again and says."""
    from layers.io.formats import feed_location
    from layers.io.isolated import ReadLimits, reading
    from layers.io.sources import TABLE_SUFFIXES, LayerLoadError, counted_request, is_raster, list_vector_layers

    if args.engine != "local" or args.travel_time or not args.files or args.files[0].endswith(".planner.json"):
        return
    path = Path(args.files[0])
    try:
        if feed_location(path) is not None or path.suffix.lower() in TABLE_SUFFIXES:
            return
        with reading(ReadLimits(timeout_s=args.timeout)) as reader:
            to_count = _layers_to_count(str(path), args.role)
            first = list_vector_layers(path)[0] if to_count else None
            if first in to_count:
                reader.counted_ahead(**counted_request(path, first))
                sent.append(args.files[0])
            if any(is_raster(name) for name in args.files):
                reader.expect_rasters()  # its raster library imported beside the parsing, not at the grid's read
    except LayerLoadError as exc:
        failed.append(exc)
    except Exception:  # noqa: BLE001 (anything else: the command does the same again and says what is wrong)
        return


def _role_spec(spec: str) -> tuple[str, str, str]:
    """--role FILE[:LAYER]=ROLE as (file, layer or '', role)."""
    target, sep, role = spec.rpartition("=")
    if not sep or not target:
        raise _Failure(f"--role {spec}: write FILE=ROLE or FILE:LAYER=ROLE")
    file_name, _, layer_name = target.partition(":")
    return file_name, layer_name, role


def _names_file(file_name: str, source: Path) -> bool:
    """Whether --role's FILE is `source` (by its name, or its full path)."""
    return source.name == Path(file_name).name or str(source) == str(Path(file_name).resolve())


def _set_roles(session, roles) -> None:
    for spec in roles:
        file_name, layer_name, role = _role_spec(spec)
        matches = [layer for layer in session.layers if layer.source is not None and _names_file(file_name, layer.source)
                   and (not layer_name or layer_name in (layer.source_layer, layer.name))]
        if not matches:
            have = ", ".join(f"{l.source.name}:{l.source_layer or l.name}" for l in session.layers if l.source) or "none"
            raise _Failure(f"--role {spec}: no such layer (layers: {have})")
        if len(matches) > 1 and not layer_name:
            names = ", ".join(l.source_layer or l.name for l in matches)
            raise _Failure(f"--role {spec}: {file_name} has several layers ({names}); write {file_name}:LAYER={role}")
        try:
            for layer in matches:
                session.set_role(layer, role)
        except ValueError as exc:
            raise _Failure(f"--role {spec}: {exc}") from None


def _set_fields(session, specs) -> None:
    """--field [FILE:]LAYER.KIND=FIELD: which field of a layer means what (as the Layers dock sets it).
    A population field set on polygons of no role makes them census zones (role 'population')."""
    from layers.layer import VectorLayer
    from layers.roles import FIELD_KINDS

    for spec in specs:
        target, sep, name = spec.partition("=")
        where, dot, kind = target.rpartition(".")
        file_name, _, layer_name = where.rpartition(":")
        if not sep or not dot or not layer_name or not name:
            raise _Failure(f"--field {spec}: write LAYER.KIND=FIELD or FILE:LAYER.KIND=FIELD, e.g. wards.zone_name=NAME")
        if kind not in FIELD_KINDS:
            raise _Failure(f"--field {spec}: '{kind}' is not a kind of field (kinds: {', '.join(FIELD_KINDS)})")
        matches = [layer for layer in session.layers if isinstance(layer, VectorLayer)
                   and layer_name in (layer.name, layer.source_layer)
                   and (not file_name or (layer.source is not None and _names_file(file_name, layer.source)))]
        if not matches:
            have = ", ".join(l.name for l in session.layers if isinstance(l, VectorLayer)) or "none"
            raise _Failure(f"--field {spec}: no vector layer '{layer_name}'{f' in {file_name}' if file_name else ''} "
                           f"(layers: {have})")
        if len(matches) > 1:
            raise _Failure(f"--field {spec}: several layers are called '{layer_name}'; write FILE:{layer_name}.{kind}={name}")
        layer = matches[0]
        try:
            session.set_fields(layer, {**layer.fields.to_dict(), kind: name})
        except ValueError as exc:
            raise _Failure(f"--field {spec}: {layer.name}: {exc}") from None
        if kind == "population" and layer.role == "other" and layer.geometry_kind == "polygon":
            session.set_role(layer, "population")


def inputs(session) -> dict:
    """What the figures are measured with: the working CRS and, for each layer, its file, role,
    fields and CRS (and why its role was proposed, where its fields said so)."""
    from layers.crs import crs_label
    from layers.roles import ROLE_TITLES, role_note

    try:
        crs = session.working_crs
    except ValueError:  # no layer placed on the Earth: said by the measure itself
        crs = None
    layers = []
    for layer in session.layers:
        fields = {k: v for k, v in layer.fields.to_dict().items() if v not in (None, [], ())}
        entry = {"file": layer.source.name if layer.source is not None else None,
                 "layer": layer.source_layer or layer.name, "role": layer.role, "role_title": ROLE_TITLES[layer.role],
                 "fields": fields, "crs": crs_label(layer.crs) if layer.crs is not None else None}
        note = role_note(layer)
        if note:
            entry["note"] = note
        layers.append(entry)
    return {"working_crs": crs_label(crs) if crs is not None else None,
            "working_crs_from": "set" if session.crs_chosen else "chosen from the data", "layers": layers}


def _say_inputs(found: dict) -> None:
    """The inputs on standard error, one line a layer: what the planner checks before trusting figures."""
    print(f"{PROG}: working CRS {found['working_crs']} ({found['working_crs_from']})", file=sys.stderr)
    for entry in found["layers"]:
        where = f"{entry['file']}:{entry['layer']}" if entry["file"] else entry["layer"]
        fields = ", ".join(f"{k}={', '.join(v) if isinstance(v, list) else v}" for k, v in entry["fields"].items())
        note = f" ({entry['note']})" if entry.get("note") else ""
        print(f"{PROG}: {where}: role {entry['role']}{note}; fields: {fields or 'none'}; {entry['crs']}",
              file=sys.stderr)
    for shift in found.get("datum_shifts", ()):
        print(f"{PROG}: datum shift: {shift}", file=sys.stderr)


def _set_sum_fields(session, specs) -> None:
    """--sum-field [LAYER:]FIELD: the fields to sum over the counted features (replacing the guessed ones)."""
    from layers.roles import COUNTED_ROLES

    counted = [layer for layer in session.layers if layer.role in COUNTED_ROLES]
    chosen: dict[str, list[str]] = {}
    for spec in specs:
        layer_name, _, name = spec.rpartition(":")
        layers = [l for l in counted if not layer_name or layer_name in (l.name, l.source_layer)]
        if not layers:
            have = ", ".join(l.name for l in counted) or "none (give a layer the role 'building' or 'facility')"
            raise _Failure(f"--sum-field {spec}: no layer of buildings or facilities{f' called {layer_name}' if layer_name else ''} "
                           f"(have: {have})")
        for layer in layers:
            if layer_name or name in layer.gdf.columns:
                chosen.setdefault(layer.name, []).append(name)
        if not any(name in chosen.get(l.name, []) for l in layers):
            raise _Failure(f"--sum-field {spec}: no field '{name}' in {', '.join(l.name for l in layers)}")
    for layer in counted:
        if layer.name in chosen:
            try:
                session.set_fields(layer, {**layer.fields.to_dict(), "sum_fields": chosen[layer.name]})
            except ValueError as exc:
                raise _Failure(f"--sum-field: {layer.name}: {exc}") from None


def _apply_flags(session, args, progress: ProgressLine | None = None) -> list[str]:
    """Flags override the session's settings; returns the presets to measure."""
    from layers.analysis.presets import PRESETS
    from layers.session import StudyArea

    try:
        if args.crs:
            session.set_working_crs(args.crs)
        if args.zone_layer:
            session.set_zone_layer(args.zone_layer)
        if args.study_area:
            layer, _, feature = args.study_area.partition(":")
            session.set_study_area(StudyArea(layer, feature or None))
        if args.segments is not None:
            session.update(segments=args.segments)
        if args.year is not None:
            session.update(year=args.year)
        if args.as_of is not None and args.scenario:
            raise _Failure("give --scenario or --as-of, not both")
        if args.as_of is not None:
            session.update(scenario=str(args.as_of))
        elif args.scenario:
            session.update(scenario=args.scenario)
        if args.compare:
            for text in args.compare:
                session.check_scenario(text)
        if args.radius is not None:
            session.update(radius_m=args.radius)
        if args.network is not None:
            network = str(Path(args.network).resolve()) if args.network.lower().endswith(".pbf") else args.network
            session.update(network=network, distance=args.distance or "walking")
        elif args.distance is not None:
            session.update(distance=args.distance)
        if args.walking_band is not None:
            session.update(walking_band_m=args.walking_band)
        if args.frequent_headway is not None:
            session.update(frequent_headway_min=args.frequent_headway)
        if session.settings.distance == "walking":
            session.walking_network()  # built (or read from its cache) now: a missing network is said plainly
    except _Failure:
        raise
    except Exception as exc:  # ValueError, TransformError, pyproj's CRSError: each says why
        raise _Failure(str(exc)) from None
    roles = {layer.role for layer in session.layers}
    if args.preset:
        presets = list(dict.fromkeys(args.preset))
        unbuffered = [p for p in presets if not PRESETS[p].radius_m]
        if args.radius is not None and unbuffered:
            raise _Failure(f"--radius does not apply to {', '.join(unbuffered)} (no buffer: "
                           f"{PRESETS[unbuffered[0]].title} measures the features themselves); leave it out")
    else:
        presets = [p.name for p in PRESETS.values() if p.applies_to(roles)]
        if args.radius is not None:
            skipped = [p for p in presets if not PRESETS[p].radius_m]
            if skipped:
                _warn(progress, f"--radius does not apply to {', '.join(skipped)} (no buffer)")
    if not presets:
        raise _Failure("no layer to measure: give layers with role metro_station, transit_stop (a GTFS feed), green, "
                       "bridge or digital_zone "
                       "(--role FILE=ROLE)")
    return presets


def _radius_for(session, preset: str, args) -> float | None:
    """The radius of the app for this preset: the flag, else the session's if it is this measure's."""
    from layers.analysis.presets import PRESETS

    if args.radius is not None and PRESETS[preset].radius_m:
        return args.radius
    return session.radius_for(preset)


def _run(args, progress: ProgressLine, once: bool = False) -> str:
    if args.timeout <= 0:
        raise _Failure(f"--timeout {args.timeout:g}: give a number of seconds above 0")
    from layers.io.isolated import ReadLimits, close_idle, prestart

    prestart(ReadLimits(timeout_s=args.timeout))  # the reader process starts while the imports below are done
    unreadable, sent = [], []  # the first file, as the read ahead found it; sent ahead
    ahead = threading.Thread(target=_read_ahead, args=(args, unreadable, sent), name="read ahead", daemon=True)
    ahead.start()  # it waits for the reader to list the first file; this thread imports meanwhile
    from layers.analysis.city import CityDataError
    from layers.analysis.indicators import compare, evaluate
    from layers.crs import NotMetricCRSError, TransformError

    ahead.join()  # the reader is free for the command's reads
    if args.scheduler and args.engine != "dask":
        raise _Failure("--scheduler needs --engine dask")
    if args.travel_time:
        return _travel_time(args, progress)
    if unreadable:
        raise _Failure(f"{unreadable[0].path}: {unreadable[0].reason}")
    session = build_session(args.files, args.role, args.allow_missing, compact=args.engine == "local",
                            allow_outside=args.allow_outside, transit=_feed_options(args), crs=args.crs,
                            progress=progress, timeout_s=args.timeout, repair=args.repair,
                            read_last=sent[0] if sent else None)
    if once:
        close_idle()  # every file is read
    _set_fields(session, args.field)
    _set_sum_fields(session, args.sum_field)
    try:
        presets = _apply_flags(session, args, progress)
    except _Failure:
        _say_inputs(inputs(session))  # what was found, to see why there is nothing to measure
        raise
    found = inputs(session)
    where = ", ".join(args.files) or "sample"
    try:
        with _engine(args) as client:
            if args.compare:
                a, b = (session.check_scenario(s) for s in args.compare)
                city = session.everything()
                compared = [name for name in presets if name != "green-per-resident"]
                results = [compare(name, city, a, b, _radius_for(session, name, args), args.zones,
                                   progress=_step(progress, name, i, len(compared)))
                           for i, name in enumerate(compared)]
            else:
                city, scenario = session.measured_city(), session.scenario()
                if client is not None:
                    from layers.analysis.distributed import on_cluster

                    city = on_cluster(city, client)
                results = [evaluate(name, city, _radius_for(session, name, args), scenario, args.zones,
                                    progress=_step(progress, name, i, len(presets)))
                           for i, name in enumerate(presets)]
            found["datum_shifts"] = list(city.shifts)
    except ConnectionError as exc:  # no Dask scheduler at --scheduler
        raise _Failure(str(exc)) from None
    except (ValueError, KeyError, CityDataError, NotMetricCRSError, TransformError) as exc:
        _say_inputs(found)
        raise _Failure(f"{where}: {exc.args[0] if exc.args else exc}") from None
    _say_inputs(found)
    for result in results:  # also in the output (JSON 'warnings'), but said where a script's reader looks
        for warning in result.warnings:
            _warn(progress, f"warning: {result.preset}: {warning}")
    return _format(results, args.format, found)


def _travel_time(args, progress: ProgressLine) -> str:
    """`--travel-time ORIGIN`: the isochrone figures (layers.transit.reach_figures) over the first
    GTFS feed among the files, people from the session's population layer where one is loaded."""
    from layers.analysis.city import CityDataError
    from layers.crs import utm_crs_for
    from layers.io.formats import feed_location
    from layers.transit.gtfs import FeedError, read_feed
    from layers.transit.reach_figures import travel_time_figures
    from layers.transit.router import Router, Timetable
    from layers.transit.service import ServiceWindow, default_window
    from layers.transit.walking import WalkRule

    try:
        options = _feed_options(argparse.Namespace(brt=[], service_day=args.service_day,
                                                   service_window=args.window or args.service_window))
    except _Failure as exc:  # said with the flag the planner gave
        raise _Failure(str(exc).replace("--service-window", "--window") if args.window else str(exc)) from None
    session = build_session(args.files, args.role, args.allow_missing, allow_outside=args.allow_outside,
                            transit=options, crs=args.crs, progress=progress)
    # the feed among the files, or the one a project's layers were read from
    places = [Path(name) for name in args.files] + [layer.source for layer in session.layers if layer.source]
    feeds = list(dict.fromkeys(f for f in (feed_location(Path(p)) for p in places) if f is not None))
    if not feeds:
        raise _Failure("--travel-time needs a GTFS feed (a zip or a folder with stops.txt) among the files")
    progress.step(f"reading {feeds[0].name}")
    try:
        feed = read_feed(feeds[0])
    except FeedError as exc:
        raise _Failure(f"{feeds[0].name}: {exc}") from None
    window = default_window(feed, *(options.window_s or (7 * 3600, 9 * 3600)))
    if options.day is not None:
        window = ServiceWindow(options.day, window.start_s, window.end_s)
    try:
        city = session.city()
    except (CityDataError, ValueError) as exc:
        city = None  # no study area or population: areas only
        _warn(progress, f"warning: travel time: no people counted ({exc.args[0] if exc.args else exc})")
    crs = city.crs if city is not None else utm_crs_for(float(feed.stops["lon"].mean()), float(feed.stops["lat"].mean()))
    progress.step("routing")
    try:
        router = Router(Timetable.from_feed(feed, window.day, crs), WalkRule(speed_kmh=args.walk_speed))
        figures = travel_time_figures(router, args.travel_time, window, args.minutes, args.percentile, args.max_transfers,
                                      city.population if city is not None else None,
                                      city.study_area if city is not None else None)
        if not session.sketch.is_empty and (city is None or city.population is None):
            _warn(progress, "warning: travel time: the sketch's gain is in people, and no population layer is loaded")
        elif not session.sketch.is_empty:
            from layers.transit.sketch_trips import LineService, reach_gain, with_sketch

            service = LineService(headway_min=args.sketch_headway, speed_kmh=args.sketch_speed)
            after = with_sketch(router, session.sketch, {code: service for code in session.sketch.line_codes()})
            figures["sketch_gain"] = {**reach_gain(router, after, figures["origin_xy"], window, args.minutes,
                                                   city.population, args.percentile, args.max_transfers,
                                                   city.study_area), "service": service.text}
    except ValueError as exc:
        raise _Failure(f"--travel-time: {exc}") from None
    figures.pop("polygons")
    if args.format == "json":
        return json.dumps(_finite_or_null(figures), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if args.format == "csv":
        import pandas as pd

        buf = io.StringIO()
        pd.DataFrame(figures["bands"]).to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    out = [f"travel time from {figures['origin']}"]
    for band in figures["bands"]:
        people = "" if band["population"] is None else \
            f", {people_text(band['population'])} people ({share_text(band['population_share'])})"
        out.append(_line(f"within {band['minutes']:g} min", f"{km2_text(band['area_km2'] * 1e6)}{people}"))
    if "sketch_gain" in figures:
        g = figures["sketch_gain"]
        out.append(_line("sketch adds", f"{people_text(g['gain'])} people within {g['minutes']:g} min "
                                         f"({people_text(g['population_before'])} -> {people_text(g['population_after'])}; "
                                         f"the sketch {g['service']})"))
    for key in ("feed", "window", "percentile", "walk_speed_kmh", "transfer_rule", "crs", "method"):
        out.append(_line(key.replace("_", " "), str(figures[key])))
    return "\n".join(out) + "\n"


def _step(progress: ProgressLine, preset: str, index: int, count: int) -> ProgressLine:
    """The progress line, told that preset `index` of `count` is measured now."""
    progress.step(f"{preset}, {index + 1} of {count}" if count > 1 else preset)
    return progress


def _feed_options(args):
    """--brt, --service-day and --service-window as the options GTFS feeds are opened with."""
    import datetime
    import re

    from layers.io import FeedOptions

    day = window = None
    if args.service_day:
        try:
            day = datetime.date.fromisoformat(args.service_day)
        except ValueError:
            raise _Failure(f"--service-day {args.service_day}: write a date as YYYY-MM-DD") from None
    if args.service_window:
        m = re.fullmatch(r"(\d{1,2}):([0-5]\d)-(\d{1,2}):([0-5]\d)", args.service_window.strip())
        if not m or int(m[1]) * 60 + int(m[2]) >= int(m[3]) * 60 + int(m[4]) or int(m[3]) > 47:
            raise _Failure(f"--service-window {args.service_window}: write the hours as HH:MM-HH:MM, e.g. 07:00-09:00")
        window = ((int(m[1]) * 60 + int(m[2])) * 60, (int(m[3]) * 60 + int(m[4])) * 60)
    return FeedOptions(brt=tuple(args.brt), day=day, window_s=window)


def _engine(args):
    """A Dask client for --engine dask (closed after the measure), else nothing."""
    from contextlib import nullcontext

    if args.engine != "dask":
        return nullcontext(None)
    try:
        from layers.analysis.distributed import dask_client
    except ImportError as exc:
        raise _Failure(f"--engine dask needs dask-geopandas and distributed ({exc.name} is not installed): "
                       "pip install 'planner[dask]'") from None
    return dask_client(args.scheduler)


def _rows(results) -> list[dict]:
    rows = []
    for r in results:
        d = r.to_dict()
        zones = d.pop("zones", None)
        d.pop("gained_geometry_wkt", None)
        figures = dict(d.pop("figures", None) or {})
        for layer, counted in (d.pop("features", None) or {}).items():
            figures.update({f"{layer}_{k}": v for k, v in counted.items()})
        row = {**d, **{k: v for k, v in figures.items() if k not in d}}
        row["warnings"] = "; ".join(d.get("warnings") or [])
        row["zone"] = ""
        rows.append(row)
        for z in zones or []:
            rows.append({"preset": d["preset"], "scenario": d.get("scenario", d.get("scenario_b")),
                         "crs": d["crs"], **z})
    return rows


def _format(results, fmt: str, found: dict | None = None) -> str:
    if fmt == "json":
        rows = [{**r.to_dict(), **({"inputs": found} if found is not None else {})} for r in results]
        return json.dumps(_finite_or_null(rows), indent=2, ensure_ascii=False, allow_nan=False,
                          default=_json_default) + "\n"
    if fmt == "csv":
        import pandas as pd

        buf = io.StringIO()
        pd.DataFrame(_rows(results)).to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    return _table(results)


def _finite_or_null(value):
    """`value` with every figure that could not be computed (NaN, an infinity) as None: JSON has
    no NaN, and `null` says "no figure" to every JSON reader."""
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_or_null(v) for v in value]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    if isinstance(value, numbers.Integral):  # NumPy's integers too
        return int(value)
    return float(value) if math.isfinite(value) else None


def _json_default(v):
    return str(v)


_LABEL = 18  # the width of a figure's name in the table
# What a result's numerator and denominator count, by its unit: the figures of the same name
# say how they are shown (people whole, areas in m2).
_FRACTION_PARTS = {
    "share of population": ("population", "study_population"),
    "share of area": ("area_m2", "study_area_m2"),
    "m2 per resident": ("green_m2", "population"),
}
_DIFFERENCE_FIGURES = ("gained_area_m2", "lost_area_m2", "gained_population", "lost_population",
                       "population_a", "population_b", "net_population")


def _table(results) -> str:
    """The results for people to read: every figure by `layers.text.figure_text` (shares as
    per cent everywhere, people whole), a comparison's zones sorted by what they gain, those
    where nothing changes left out and counted. CSV and JSON keep every zone and every digit."""
    out = []
    for r in results:
        d = r.to_dict()
        out += _result_lines(d) if "value" in d else _difference_lines(d)
        out.append(_line("CRS", d["crs"]))
        out += [_line("warning", w) for w in d.get("warnings") or []]
        if "method" in d:
            out.append(_line("method", d["method"]))
            out.append(_line("source", d["source"]))
        if d.get("zones"):
            out += _zone_lines(d["zones"], changes_only="value" not in d)
        out.append("")
    return "\n".join(out)


def _line(name: str, text: str, indent: int = 2) -> str:
    return f"{' ' * indent}{name:<{_LABEL}} {text}"


def _result_lines(d: dict) -> list[str]:
    numerator, denominator = _FRACTION_PARTS.get(d["unit"], ("", ""))
    value = share_text(d["value"]) if d["unit"].startswith("share") else figure_text(d["value"])
    lines = [f"{d['title']} [{d['preset']}]  scenario: {d['scenario']}  radius: {d['radius_m']:g} m",
             _line("distance", d["distance"]),
             _line("value", f"{value}  ({d['unit']})"),
             _line("numerator", figure_text(d["numerator"], numerator)),
             _line("denominator", figure_text(d["denominator"], denominator))]
    lines += [_line(k, figure_text(v, k)) for k, v in (d.get("figures") or {}).items()]
    for layer, counted in (d.get("features") or {}).items():
        lines.append(f"  features of {layer}:")
        lines += [_line(k, figure_text(v, k), indent=4) for k, v in counted.items()]
    return lines


def _difference_lines(d: dict) -> list[str]:
    return ([f"{d['preset']}: {d['scenario_b']} against {d['scenario_a']}  radius: {d['radius_m']:g} m"]
            + [_line(k, figure_text(d[k], k)) for k in _DIFFERENCE_FIGURES])


def _zone_lines(zones: list[dict], changes_only: bool) -> list[str]:
    """The zone table; for a comparison (`changes_only`) the zones that gain most first, and those
    that neither gain nor lose anything left out, with how many they are."""
    import pandas as pd

    frame = pd.DataFrame(zones).set_index("zone")
    note = []
    if changes_only:
        changed = (frame["gained_area_m2"] > 0) | (frame["lost_area_m2"] > 0)
        gain = [c for c in ("gained_population", "gained_area_m2") if c in frame and frame[c].notna().any()]
        frame = frame[changed].sort_values(gain, ascending=False, kind="stable")
        left_out = int((~changed).sum())
        if left_out:
            note = [f"  ({left_out:,} of {len(changed):,} zones left out: nothing gained or lost there)"]
    if frame.empty:
        return note
    shown = {column: [figure_text(v, column) for v in frame[column]] for column in frame.columns}
    from layers.text import text_table

    return [text_table(frame.index.name, [str(name) for name in frame.index], shown)] + note


def exit_now(code: int) -> NoReturn:
    """End the process that ran `planner measure` with `code`, at once: its reader processes ended,
    its output flushed, and Python's teardown (freeing every object the imports made, pandas' and
    geopandas' among them) skipped: 0.1-0.15 s of a command of about 1.5 s. For the process of the
    command only (`python -m layers.cli`, the `planner` script): a script that calls `main()`
    goes on."""
    from layers.io.isolated import close_idle

    close_idle()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader of the output that left (`| head`), a closed stream
            code = code or 1
    os._exit(code)


if __name__ == "__main__":
    from layers.process_environment import set_up_process

    set_up_process()  # before NumPy is imported
    exit_now(main(once=True))
