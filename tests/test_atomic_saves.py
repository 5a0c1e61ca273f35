"""Every save is old-or-new: a full disk, an empty write or a kill leaves the previous file whole,
temporary files of killed runs are cleaned by the next save, links and permissions are kept."""
from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.io.atomic import TMP_MARK, AtomicWriteError, atomic_path, write_atomically
from layers.io import write_vector

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def temporaries(folder):
    return [p for p in folder.iterdir() if TMP_MARK in p.name]


def test_a_full_disk_leaves_the_old_file_and_names_the_target(tmp_path):
    path = write_atomically(tmp_path / "plan.planner.json", '{"old": true}')
    with pytest.raises(AtomicWriteError, match=r"plan\.planner\.json: could not be saved .*No space left"):
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                f.write(b'{"new": ')
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert path.read_text() == '{"old": true}'
    assert temporaries(tmp_path) == []


def test_a_writer_that_writes_nothing_does_not_replace_the_file(tmp_path):
    """Before: a PDF export on a full disk replaced the report with a 0-byte file and said 'saved'."""
    path = write_atomically(tmp_path / "report.pdf", b"%PDF old")
    with pytest.raises(AtomicWriteError, match="report.pdf: nothing was written"):
        with atomic_path(path) as tmp:
            tmp.touch()
    assert path.read_bytes() == b"%PDF old" and temporaries(tmp_path) == []


def test_a_save_through_a_link_writes_its_target_and_keeps_mode(tmp_path):
    real = tmp_path / "real" / "plan.planner.json"
    real.parent.mkdir()
    write_atomically(real, "old")
    os.chmod(real, 0o640)
    link = tmp_path / "plan.planner.json"
    link.symlink_to(real)
    write_atomically(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert (real.stat().st_mode & 0o777) == 0o640


def test_temporaries_of_a_killed_run_are_cleaned_by_the_next_save(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".plan.planner.json{TMP_MARK}{int(dead.stdout)}-abc.json"
    stale.write_text("half")
    mine = tmp_path / f".other.csv{TMP_MARK}{os.getpid()}-xyz.csv"  # a save of this process under way
    mine.write_text("busy")
    write_atomically(tmp_path / "plan.planner.json", "new")
    assert not stale.exists() and mine.exists()


def test_replacing_a_geopackage_layer_keeps_the_other_layers(tmp_path):
    path = tmp_path / "city.gpkg"
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0)], crs=32648)
    write_vector(gdf, path, "stations")
    write_vector(gdf, path, "wards")
    write_vector(gdf.assign(name=["b"]), path, "stations")
    assert sorted(n for n, _ in pyogrio.list_layers(path)) == ["stations", "wards"]
    assert pyogrio.read_dataframe(path, layer="stations")["name"].tolist() == ["b"]


ZYGOTE = textwrap.dedent("""
    # Imports once, then for each kind of file forks children that save it in a loop and are
    # SIGKILLed: two at chosen points of the save (just before and just after the rename that
    # replaces the file, by a hook in the child), and `rounds` at moments spread evenly over the
    # time of one save; checks after every kill that the file is whole.
    import json, os, signal, sys, time, traceback
    from pathlib import Path
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    import geopandas as gpd, numpy as np, pandas as pd, pyogrio, shapely
    from PySide6 import QtGui
    from layers.io.atomic import TMP_MARK, whole_pdf, write_atomically
    from layers.io import write_vector
    from layers.report import Report, write_csv, write_geopackage
    from planner_gui.export.render import save_png
    from planner_gui.export.report_pdf import write_pdf

    app = QtGui.QGuiApplication([])
    root, rounds = Path(sys.argv[1]), int(sys.argv[2])

    def table(n):
        return pd.DataFrame({"ward": [f"Phường {i}" for i in range(3000)], "n": n})

    def image(n):
        pixels = np.random.default_rng(n).integers(0, 255, (400, 400, 3), dtype=np.uint8)
        return QtGui.QImage(pixels.tobytes(), 400, 400, 1200, QtGui.QImage.Format.Format_RGB888).copy()

    def points(n):
        return gpd.GeoDataFrame({"n": [n] * 3000}, geometry=gpd.points_from_xy(range(3000), range(3000)), crs=32633)

    def report(n):
        return Report(f"Coverage {n}", "EPSG:32633", tables={"By ward": table(n).head(300)})

    KINDS = {  # file name, save(path, n), is the file whole?
        "project": ("plan.planner.json", lambda p, n: write_atomically(p, json.dumps({"n": n, "pad": "x" * 400_000})),
                    lambda p: json.loads(p.read_text())["n"] >= 0),
        "csv": ("wards.csv", lambda p, n: write_csv(table(n), p),
                lambda p: len(pd.read_csv(p)) == 3000),
        "html": ("report.html", lambda p, n: report(n).write_html(p),
                 lambda p: p.read_text().rstrip().endswith("</html>")),
        "pdf": ("report.pdf", lambda p, n: write_pdf(report(n), p), lambda p: whole_pdf(p) is None),
        "png": ("map.png", lambda p, n: save_png(image(n), p),
                lambda p: QtGui.QImage(str(p)).size().width() == 400),
        "geopackage": ("city.gpkg", lambda p, n: write_vector(points(n), p, "stations"),
                       lambda p: len(pyogrio.read_dataframe(p, layer="stations")) == 3000
                       and len(pyogrio.read_dataframe(p, layer="wards")) == 3000),
        "report geopackage": ("results.gpkg",
                              lambda p, n: write_geopackage(p, catchments={f"metro {n}": shapely.box(0, 0, n, n + 1)},
                                                            crs="EPSG:32633"),
                              lambda p: len(pyogrio.read_dataframe(p, layer="catchments")) == 1),
    }

    def saving(path, save, n, kill_at=None, told=None):
        # The child: saves in a loop, writing "s" to `told` as each save starts and "e" as it
        # ends; with `kill_at`, SIGKILLs itself at that point of its first rename onto `path` (a
        # save that never renames onto it loops until the parent gives up). Never returns.
        try:
            if kill_at is not None:
                rename = os.replace

                def replace(source, target):
                    if Path(target) == path and kill_at == "before rename":
                        os.kill(os.getpid(), signal.SIGKILL)
                    rename(source, target)
                    if Path(target) == path and kill_at == "after rename":
                        os.kill(os.getpid(), signal.SIGKILL)
                os.replace = replace
            while True:
                n += 1
                told is None or os.write(told, b"s")
                save(path, n)
                told is None or os.write(told, b"e")
        except BaseException:
            traceback.print_exc()  # in the test's failure message (the run's stderr)
        finally:
            os._exit(1)

    def killed(path, whole, folder, before, status):
        # what a kill left: whole or not, replaced or not, a temporary file there or not; and
        # that it was the kill that ended the child, not an error of its save
        try:
            ok = whole(path)
        except Exception:
            ok = False
        return {"whole": ok, "replaced": path.read_bytes() != before,
                "temporary": any(TMP_MARK in p for p in os.listdir(folder)),
                "killed": os.waitstatus_to_exitcode(status) == -signal.SIGKILL}

    outcome = {}
    for kind, (name, save, whole) in KINDS.items():
        folder = root / kind.replace(" ", "_")
        folder.mkdir()
        path = folder / name
        if kind == "geopackage":
            write_vector(points(0), path, "wards")
        took = []
        for n in range(3):
            started = time.perf_counter()
            save(path, n)
            took.append(time.perf_counter() - started)
        one_save = sorted(took)[1]
        result = outcome[kind] = {"points": {}, "timed": []}
        for number, kill_at in enumerate(("before rename", "after rename")):
            before = path.read_bytes()
            child = os.fork()
            if child == 0:
                saving(path, save, 1000 * (number + 1), kill_at)
            deadline = time.monotonic() + 60
            while (ended := os.waitpid(child, os.WNOHANG)) == (0, 0):
                if time.monotonic() > deadline:  # it never renamed onto the file
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                    break
                time.sleep(0.002)
            else:
                result["points"][kill_at] = killed(path, whole, folder, before, ended[1])
        for round in range(rounds):  # a kill at round/rounds of a save, once the child saves as fast as here
            before = path.read_bytes()
            told, tell = os.pipe()
            child = os.fork()
            if child == 0:
                os.close(told)
                saving(path, save, 1000 * (round + 3), told=tell)
            os.close(tell)
            said = b""
            while said.count(b"s") < 2 and len(said) < 4:  # its second save started: the first is done
                part = os.read(told, 4 - len(said))
                said += part
                if not part:  # it failed (its traceback is on stderr)
                    break
            time.sleep(round / rounds * one_save)
            os.kill(child, signal.SIGKILL)
            _, status = os.waitpid(child, 0)
            while part := os.read(told, 4096):
                said += part
            os.close(told)
            result["timed"].append(dict(killed(path, whole, folder, before, status), mid_save=said.endswith(b"s")))
        save(path, 1)  # the next save cleans up after the killed ones
        result["left"] = [p for p in os.listdir(folder) if TMP_MARK in p]
    print(json.dumps(outcome))
""")


def test_a_kill_during_a_save_leaves_the_old_file_or_the_new_one(tmp_path):
    """Every kind of save killed at chosen points and at moments spread over its time: the file is
    always whole (old or new), and the next save removes what the killed ones left."""
    run = subprocess.run([sys.executable, "-c", ZYGOTE, str(tmp_path), "6"], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    for kind, result in outcome.items():
        # each save writes a temporary file and renames it onto the file: killed just before the
        # rename, the old file is there whole with the temporary; just after, the new one
        assert result["points"] == {
            "before rename": {"whole": True, "replaced": False, "temporary": True, "killed": True},
            "after rename": {"whole": True, "replaced": True, "temporary": False, "killed": True}}, kind
        broken = [n for n, kill in enumerate(result["timed"]) if not kill["whole"]]
        assert broken == [], f"{kind}: not whole after the kills of rounds {broken}"
        assert all(kill["killed"] for kill in result["timed"]), f"{kind}: a save failed: {run.stderr[-3000:]}"
        assert any(kill["mid_save"] for kill in result["timed"]), kind  # the timed kills hit saves under way
        assert result["left"] == [], kind
