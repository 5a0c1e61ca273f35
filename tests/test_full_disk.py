"""A full disk during any save leaves every old file as it was, removes the temporary file and says
which file could not be saved: project, CSV, HTML, PDF, PNG, GeoPackage and `planner measure -o`.

The disk is made "full" for a child process with RLIMIT_FSIZE (no file may grow past a few KB, the
same short write a full disk gives, for every writer: Python's, GDAL's and Qt's), so the test needs
no privileges and no real tiny file system.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from layers.io.atomic import TMP_MARK

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent("""
    import json, os, resource, signal, sys
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import geopandas as gpd, numpy as np, pandas as pd, shapely
    from PySide6 import QtGui
    from layers.io.atomic import AtomicWriteError, write_atomically
    from layers.cli import main as planner_main
    from layers.io import write_vector
    from layers.report import Report, write_csv, write_geopackage
    from planner_gui.export.render import save_png
    from planner_gui.export.report_pdf import write_pdf

    app = QtGui.QGuiApplication([])
    folder = Path(sys.argv[1])
    big = pd.DataFrame({"ward": [f"Phường {i}" for i in range(2000)], "share": np.linspace(0, 1, 2000)})
    report = Report("Coverage of a city", "EPSG:32633", tables={"By ward": big})
    square = shapely.box(0, 0, 100, 100)
    noise = np.random.default_rng(1).integers(0, 255, (300, 300, 3), dtype=np.uint8)  # does not compress
    image = QtGui.QImage(noise.tobytes(), 300, 300, 900, QtGui.QImage.Format.Format_RGB888).copy()
    points = gpd.GeoDataFrame({"n": range(3000)}, geometry=gpd.points_from_xy(range(3000), range(3000)), crs=32633)
    saves = {
        "plan.planner.json": lambda p: write_atomically(p, json.dumps({"pad": "x" * 100_000})),
        "table.csv": lambda p: write_csv(big, p),
        "report.html": lambda p: report.write_html(p),
        "report.pdf": lambda p: write_pdf(report, p),
        "map.png": lambda p: save_png(image, p),
        "results.gpkg": lambda p: write_geopackage(p, catchments={"metro 500 m": square}, crs="EPSG:32633"),
        "city.gpkg": lambda p: write_vector(points, p, "stations"),
    }
    for name in saves:  # the old files: small, written before the disk fills
        write_atomically(folder / name, f"old {name}")
    write_atomically(folder / "measure.json", "old measure.json")

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    outcome = {}
    for name, save in saves.items():
        try:
            save(folder / name)
        except AtomicWriteError as exc:
            outcome[name] = str(exc)
        except Exception as exc:
            outcome[name] = f"UNEXPECTED {type(exc).__name__}: {exc}"
        else:
            outcome[name] = "SAVED"
    code = planner_main(["--format", "json", "-o", str(folder / "measure.json")])
    outcome["measure.json"] = f"exit {code}"
    print(json.dumps(outcome))
""")


def test_a_full_disk_during_any_save_keeps_every_old_file_and_says_which(tmp_path):
    run = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    for name, said in outcome.items():
        assert (tmp_path / name).read_text() == f"old {name}", f"{name} was changed by a failed save"
        if name == "measure.json":
            assert said == "exit 2"
            assert "measure.json: could not be saved" in run.stderr
        else:
            assert said.startswith(f"{name}: ") and "previous file is unchanged" in said, (name, said)
    assert [p.name for p in tmp_path.iterdir() if TMP_MARK in p.name] == []
