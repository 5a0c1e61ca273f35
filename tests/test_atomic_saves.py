"""Every save is old-or-new: a full disk, an empty write or a kill leaves the previous file whole,
temporary files of killed runs are cleaned by the next save, links and permissions are kept."""
from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.atomic import TMP_MARK, AtomicWriteError, atomic_path, write_atomically
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


KINDS = {
    # what a killed process was writing, and how to tell the file is whole
    "project": ("plan.planner.json", "write_atomically(path, json.dumps({'n': n, 'pad': 'x' * 400_000}))",
                lambda p: json.loads(p.read_text())["n"] >= 0),
    "geopackage": ("city.gpkg",
                   "write_vector(gpd.GeoDataFrame({'n': [n] * 3000}, geometry=gpd.points_from_xy(range(3000), "
                   "range(3000)), crs=32648), path, 'stations')",
                   lambda p: len(pyogrio.read_dataframe(p, layer="stations")) == 3000),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_kill_during_a_save_leaves_the_old_file_or_the_new_one(tmp_path, kind):
    name, save, whole = KINDS[kind]
    path = tmp_path / name
    script = textwrap.dedent(f"""
        import json, sys
        import geopandas as gpd
        from pathlib import Path
        from layers.atomic import write_atomically
        from layers.io import write_vector
        path = Path(sys.argv[1])
        n = 0
        {save}
        print("ready", flush=True)
        while True:
            n += 1
            {save}
        """)
    rng = random.Random(11)
    for _ in range(12):
        process = subprocess.Popen([sys.executable, "-c", script, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                                   text=True)
        assert process.stdout.readline().strip() == "ready"  # one whole save before the kills start
        time.sleep(rng.uniform(0.0, 0.05))  # a random moment of the next saves: the kill is what is tested
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert whole(path), f"{name} is not whole after a kill"
    write_atomically(tmp_path / "next.txt", "a later save cleans up")
    assert temporaries(tmp_path) == []
