"""A save writes a regular file or a new name in an existing folder, and nothing else.

Devices, named pipes, folders, dangling links, link loops and links to any of these are refused
with the app's own save error (`AtomicWriteError`) naming the file, and left exactly as they were;
a read-only file is replaced only when asked; a name too long for the file system, or any other
OS error, is the same save error, never a raw `OSError`/`RuntimeError`. Every writer of the app
(project, CSV, HTML, GeoPackage/GeoJSON, `planner measure -o`) goes through the same check.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers.io import write_vector
from layers.io.atomic import AtomicWriteError, ReadOnlyFileError, atomic_path, write_atomically
from layers.report import Report, write_csv
from tests.test_cli import city_files  # noqa: F401  (a fixture: a small city in UTM 48N)


def kind(path: Path) -> str:
    mode = os.lstat(path).st_mode
    for test, name in ((stat.S_ISLNK, "link"), (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "char device"),
                       (stat.S_ISDIR, "folder"), (stat.S_ISREG, "file")):
        if test(mode):
            return name
    return "other"


def char_device(folder: Path) -> Path:
    """A character device node of our own (the numbers of /dev/null), so that a save that wrongly
    replaced it would replace only this node."""
    node = folder / "device"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device node here")
    return node


def test_a_named_pipe_is_refused_and_left_a_pipe(tmp_path):
    path = tmp_path / "wards.csv"
    os.mkfifo(path)
    with pytest.raises(AtomicWriteError, match=r"wards\.csv: .*named pipe"):
        write_atomically(path, "a,b\n")
    assert kind(path) == "fifo"


def test_a_folder_is_refused_and_left_a_folder(tmp_path):
    path = tmp_path / "report.html"
    path.mkdir()
    with pytest.raises(AtomicWriteError, match=r"report\.html: .*a folder"):
        write_atomically(path, "<html></html>")
    assert kind(path) == "folder"


def test_a_dangling_link_is_refused_and_its_target_not_created(tmp_path):
    link = tmp_path / "plan.planner.json"
    link.symlink_to(tmp_path / "elsewhere.planner.json")
    with pytest.raises(AtomicWriteError, match=r"plan\.planner\.json: .*link to .*elsewhere\.planner\.json.*does not exist"):
        write_atomically(link, "{}")
    assert kind(link) == "link" and not (tmp_path / "elsewhere.planner.json").exists()


def test_a_link_loop_is_the_save_error_not_a_runtime_error(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(AtomicWriteError, match=r"a\.json: .*link loop"):
        write_atomically(a, "{}")
    assert kind(a) == kind(b) == "link"


def test_a_link_to_a_device_is_refused_and_the_device_kept(tmp_path):
    device = char_device(tmp_path)
    link = tmp_path / "map.png"
    link.symlink_to(device)
    with pytest.raises(AtomicWriteError, match=r"map\.png: .*device"):
        write_atomically(link, b"\x89PNG")
    assert kind(device) == "char device" and kind(link) == "link"


def test_a_device_itself_is_refused(tmp_path):
    device = char_device(tmp_path)
    with pytest.raises(AtomicWriteError, match=r"device: .*device"):
        write_atomically(device, "x")
    assert kind(device) == "char device"


def test_a_link_to_dev_null_leaves_dev_null_a_device(tmp_path):
    before = os.stat("/dev/null")
    assert stat.S_ISCHR(before.st_mode)
    link = tmp_path / "out.json"
    link.symlink_to("/dev/null")
    with pytest.raises(AtomicWriteError, match=r"out\.json: .*/dev/null"):
        write_atomically(link, "{}")
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_a_link_to_a_pipe_is_refused(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    link = tmp_path / "results.gpkg"
    link.symlink_to(pipe)
    with pytest.raises(AtomicWriteError, match=r"results\.gpkg: .*named pipe"):
        with atomic_path(link) as tmp:
            tmp.write_bytes(b"x")
    assert kind(pipe) == "fifo"


def test_a_new_name_in_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(AtomicWriteError, match=r"plan\.planner\.json: .*folder .*does not exist"):
        write_atomically(tmp_path / "no such folder" / "plan.planner.json", "{}")
    assert not (tmp_path / "no such folder").exists()


def test_a_read_only_file_is_replaced_only_when_asked(tmp_path):
    """By the mode bits, even as root (who could write it anyway): the planner's own protection."""
    path = tmp_path / "plan.planner.json"
    path.write_text("old")
    os.chmod(path, 0o444)
    with pytest.raises(ReadOnlyFileError, match=r"plan\.planner\.json: .*read-only"):
        write_atomically(path, "new")
    assert path.read_text() == "old"
    assert isinstance(ReadOnlyFileError("x"), AtomicWriteError)  # the one save error the app shows
    write_atomically(path, "new", overwrite_read_only=True)
    assert path.read_text() == "new" and stat.S_IMODE(path.stat().st_mode) == 0o444  # the mode is kept


def test_a_read_only_file_behind_a_link_is_protected_too(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    os.chmod(real, 0o400)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with pytest.raises(ReadOnlyFileError):
        write_atomically(link, "new")
    assert real.read_text() == "old"


def test_a_name_over_255_bytes_is_the_save_error(tmp_path):
    path = tmp_path / ("ư" * 128 + ".csv")  # 260 bytes in UTF-8
    with pytest.raises(AtomicWriteError, match="255"):
        write_atomically(path, "x")


def test_a_long_name_that_fits_is_saved(tmp_path):
    """The temporary name is longer than the target's: it must not be what makes a save fail."""
    path = tmp_path / ("a" * 245 + ".csv")
    write_atomically(path, "x")
    assert path.read_text() == "x"


def test_any_os_error_is_the_save_error(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("layers.io.atomic.os.listdir", broken)
    monkeypatch.setattr("layers.io.atomic.tempfile.mkstemp", broken)
    with pytest.raises(AtomicWriteError, match=r"plan\.csv: .*Permission denied"):
        write_atomically(tmp_path / "plan.csv", "x")


def test_a_save_through_a_link_to_a_file_keeps_the_link(tmp_path):
    real = tmp_path / "data" / "wards.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "wards.csv"
    link.symlink_to(Path("data") / "wards.csv")  # relative, as people make them
    write_atomically(link, "new")
    assert kind(link) == "link" and real.read_text() == "new"


@pytest.mark.parametrize("writer", ["csv", "html", "geopackage", "geojson", "project"])
def test_every_writer_refuses_a_pipe_and_a_dangling_link(tmp_path, writer):
    from layers.session.project import save_project
    from layers.session import Session

    points = gpd.GeoDataFrame({"n": [1]}, geometry=[shapely.Point(500_000, 0)], crs=32733)  # UTM 33S
    suffix, save = {
        "csv": (".csv", lambda p: write_csv(pd.DataFrame({"a": [1]}), p)),
        "html": (".html", lambda p: Report("Coverage", "EPSG:32733").write_html(p)),
        "geopackage": (".gpkg", lambda p: write_vector(points, p, "stations")),
        "geojson": (".geojson", lambda p: write_vector(points, p)),
        "project": (".planner.json", lambda p: save_project(p, Session())),
    }[writer]
    pipe = tmp_path / f"pipe{suffix}"
    os.mkfifo(pipe)
    with pytest.raises(AtomicWriteError, match="named pipe"):
        save(pipe)
    assert kind(pipe) == "fifo"
    dangling = tmp_path / f"dangling{suffix}"
    dangling.symlink_to(tmp_path / f"target{suffix}")
    with pytest.raises(AtomicWriteError, match="does not exist"):
        save(dangling)
    assert not (tmp_path / f"target{suffix}").exists()


def test_a_read_only_project_is_replaced_only_when_asked(tmp_path):
    from layers.session.project import save_project
    from layers.session import Session

    path = save_project(tmp_path / "plan.planner.json", Session())
    before = path.read_bytes()
    os.chmod(path, 0o444)
    with pytest.raises(ReadOnlyFileError):
        save_project(path, Session(), view=(0.0, 0.0, 1.0, 1.0))
    assert path.read_bytes() == before
    save_project(path, Session(), view=(0.0, 0.0, 1.0, 1.0), overwrite_read_only=True)
    assert path.read_bytes() != before


def test_measure_output_to_a_pipe_or_a_read_only_file(tmp_path, capsys, city_files):  # noqa: F811
    """Refused before the measure runs (a long run is not wasted on a file it cannot write)."""
    from layers.cli import main

    pipe = tmp_path / "measure.json"
    os.mkfifo(pipe)
    assert main([*city_files, "-p", "itdp-pnt", "-f", "json", "-o", str(pipe)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("planner measure: ") and "measure.json" in err and "named pipe" in err
    assert "Traceback" not in err and kind(pipe) == "fifo"
    kept = tmp_path / "kept.json"
    kept.write_text("old")
    os.chmod(kept, 0o444)
    assert main([*city_files, "-p", "itdp-pnt", "-f", "json", "-o", str(kept)]) == 2
    err = capsys.readouterr().err
    assert "read-only" in err and "--overwrite-read-only" in err and kept.read_text() == "old"
    assert main([*city_files, "-p", "itdp-pnt", "-f", "json", "-o", str(kept), "--overwrite-read-only"]) == 0
    assert kept.read_text().startswith("[")
