"""`planner measure`: coverage indicators from the command line, with no Qt.

    planner measure [FILES...] [--preset NAME ...] [--radius M] [--scenario S]
                    [--compare A B] [--zones [LAYER]] [--format table|csv|json] [--output PATH]

With no FILES it measures the bundled Hanoi sample (sample_data/hanoi.planner.json). FILES
can be GIS files (every layer of each is read, roles from the data or the names) or one
*.planner.json project. The figures come from `layers.indicators.evaluate` / `compare`, the
same functions the GUI dashboard calls. Also: `python -m layers.cli ...`.
"""
from __future__ import annotations

import argparse
import io
import json
import math
import sys
from pathlib import Path

PROG = "planner measure"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would exit(2) itself; keep main() returning 2
        raise _Usage(message)


class _Usage(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    from layers.analysis.indicators import PRESETS

    p = _Parser(prog=PROG, description="Measure how much of the city the networks reach (area and people).")
    p.add_argument("files", nargs="*", help="GIS files or one .planner.json project (default: bundled Hanoi sample)")
    p.add_argument("--preset", "-p", action="append", choices=list(PRESETS),
                   help="indicator (repeatable; default: all that the data allows)")
    p.add_argument("--radius", "-r", type=float, help="catchment radius in metres (default: the preset's)")
    p.add_argument("--scenario", "-s", default="existing",
                   help="existing (default) | all | 2025 (as of a year) | plan-2030, optionally -without-line-2")
    p.add_argument("--as-of", type=int, help="shorthand for --scenario YEAR")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="scenario B against scenario A")
    p.add_argument("--zones", nargs="?", const=True, default=None, metavar="LAYER",
                   help="break down by a zone layer (default: the wards)")
    p.add_argument("--format", "-f", choices=("table", "csv", "json"), default="table")
    p.add_argument("--output", "-o", help="write to this file instead of standard output")
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = _parser().parse_args(argv)
    except _Usage as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    try:
        text = _run(args)
    except _Failure as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"{PROG}: {args.output}: cannot write ({exc.strerror or exc})", file=sys.stderr)
            return 2
    else:
        sys.stdout.write(text)
    return 0


class _Failure(Exception):
    pass


def _load(files: list[str]):
    from layers.analysis.city import SAMPLE_PROJECT, CityData, CityDataError
    from layers.io import LayerLoadError
    from layers.project import ProjectError

    try:
        if not files:
            return CityData.sample()
        if len(files) == 1 and files[0].endswith(".planner.json"):
            return CityData.from_project(files[0])
        return CityData.from_files(files)
    except LayerLoadError as exc:
        path = exc.path if exc.path.is_absolute() else Path(exc.path)
        raise _Failure(f"{path}: {exc.reason}") from None
    except ProjectError as exc:
        raise _Failure(f"{exc.path}: {str(exc).split(': ', 1)[-1]}") from None
    except CityDataError as exc:
        where = ", ".join(files) if files else str(SAMPLE_PROJECT)
        raise _Failure(f"{where}: {exc}") from None


def _run(args) -> str:
    from layers.analysis.city import CityDataError
    from layers.crs import NotMetricCRSError
    from layers.analysis.indicators import PRESETS, compare, evaluate
    from layers.analysis.scenario import parse_scenario

    city = _load(args.files)
    try:
        scenario = parse_scenario(str(args.as_of) if args.as_of is not None else args.scenario)
        presets = args.preset or [p.name for p in PRESETS.values() if city.has(p.role)]
        if not presets:
            raise _Failure(f"{', '.join(args.files) or 'sample'}: no layer to measure (metro stations, green, ...)")
        if args.compare:
            a, b = (parse_scenario(s) for s in args.compare)
            results = [compare(name, city, a, b, args.radius, args.zones) for name in presets
                       if name != "green-per-resident"]
        else:
            results = [evaluate(name, city, args.radius, scenario, args.zones) for name in presets]
    except (ValueError, KeyError, CityDataError, NotMetricCRSError) as exc:
        where = ", ".join(args.files) or "sample"
        raise _Failure(f"{where}: {exc.args[0] if exc.args else exc}") from None
    return _format(results, args.format)


def _rows(results) -> list[dict]:
    rows = []
    for r in results:
        d = r.to_dict()
        zones = d.pop("zones", None)
        d.pop("gained_geometry_wkt", None)
        figures = d.pop("figures", None) or {}
        row = {**d, **{k: v for k, v in figures.items() if k not in d}}
        row["zone"] = ""
        rows.append(row)
        for z in zones or []:
            rows.append({"preset": d["preset"], "scenario": d.get("scenario", d.get("scenario_b")),
                         "crs": d["crs"], **z})
    return rows


def _format(results, fmt: str) -> str:
    if fmt == "json":
        return json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False, default=_json_default) + "\n"
    import pandas as pd

    rows = _rows(results)
    if fmt == "csv":
        buf = io.StringIO()
        pd.DataFrame(rows).to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()
    return _table(results)


def _json_default(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    return str(v)


def _fmt(v, key: str = "") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if key.endswith("share") and isinstance(v, float):
        return f"{v:.4%}"
    if isinstance(v, float):
        return f"{v:,.3f}"
    return str(v)


def _table(results) -> str:
    out = []
    for r in results:
        d = r.to_dict()
        if "value" in d:
            share = d["unit"].startswith("share")
            value = f"{d['value']:.4%}" if share and not math.isnan(d["value"]) else _fmt(d["value"])
            out.append(f"{d['title']} [{d['preset']}]  scenario: {d['scenario']}  radius: {d['radius_m']:g} m")
            out.append(f"  value            {value}  ({d['unit']})")
            out.append(f"  numerator        {_fmt(d['numerator'])}")
            out.append(f"  denominator      {_fmt(d['denominator'])}")
            for k, v in (d.get("figures") or {}).items():
                out.append(f"  {k:<16} {_fmt(v, k)}")
        else:
            out.append(f"{d['preset']}: {d['scenario_b']} against {d['scenario_a']}  radius: {d['radius_m']:g} m")
            for k in ("gained_area_m2", "lost_area_m2", "gained_population", "lost_population",
                      "population_a", "population_b", "net_population"):
                out.append(f"  {k:<18} {_fmt(d[k])}")
        out.append(f"  CRS              {d['crs']}")
        if "method" in d:
            out.append(f"  method           {d['method']}")
            out.append(f"  source           {d['source']}")
        if d.get("zones"):
            import pandas as pd

            out.append(pd.DataFrame(d["zones"]).set_index("zone").to_string(float_format=lambda x: f"{x:,.3f}"))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
