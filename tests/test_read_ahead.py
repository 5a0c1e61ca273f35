"""A read sent ahead (`ReaderProcess.counted_ahead`): `planner measure` asks its reader process
for the city's footprints before its own imports, and reads them from there once it can, after its
other files. What it reads is what a read asked then gives; other requests are answered by the same
child meanwhile; a read of another layer of things to count drops the one sent ahead (read again if
asked after); a reader closed with a read still pending ends at once."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import layers.cli
from layers.cli import main
from layers.io import isolated, read_counted, read_vector
from layers.io.sources import counted_request
from tests.cities import CITIES, write_city, write_features
from tests.same_arrays import assert_same_geometry_arrays

CITY = next(c for c in CITIES if c.name == "nairobi")  # UTM 37S, south of the equator


def _send_ahead(buildings: Path) -> None:
    with isolated.reading() as reader:
        reader.counted_ahead(**counted_request(buildings, "buildings"))


@pytest.fixture
def files(tmp_path):
    isolated.close_idle()
    yield write_features(CITY, tmp_path)
    isolated.close_idle()


def test_a_read_sent_ahead_gives_what_a_read_asked_gives_without_a_second_child(files, monkeypatch):
    buildings = Path(files[0])
    asked = read_counted(buildings, "buildings")
    isolated.close_idle()
    started = []
    real_start = isolated.ReaderProcess._start
    monkeypatch.setattr(isolated.ReaderProcess, "_start", lambda self: started.append(self) or real_start(self))
    _send_ahead(buildings)
    assert len(started) == 1 and isolated._idle[0]._sent_ahead is not None
    ahead = read_counted(buildings, "buildings")
    assert len(started) == 1 and started[0]._sent_ahead is None  # the answer read from the child it was sent to
    assert_same_geometry_arrays(ahead.geometries, asked.geometries)
    assert ahead.gdf.equals(asked.gdf) and ahead.warnings == asked.warnings and ahead.crs == asked.crs


def _pending_with_its_answer(files):
    """(buildings, schools, the buildings read as asked, the idle reader they were then sent ahead
    to, its child)."""
    buildings, schools = (Path(f) for f in files)
    asked = read_counted(buildings, "buildings")
    isolated.close_idle()
    _send_ahead(buildings)
    pending = isolated._idle[0]
    return buildings, schools, asked, pending, pending._proc


def test_other_requests_after_a_read_sent_ahead_are_answered_by_the_same_child_meanwhile(files):
    buildings, schools, asked, pending, child = _pending_with_its_answer(files)
    other = read_vector(schools)  # not the read sent ahead: answered while it waits
    assert pending._proc is child and child.poll() is None and pending._sent_ahead is not None
    ahead = read_counted(buildings, "buildings")  # then the one sent ahead, from there
    assert pending._proc is child and pending._sent_ahead is None
    assert_same_geometry_arrays(ahead.geometries, asked.geometries)
    assert ahead.gdf.equals(asked.gdf)
    isolated.close_idle()
    assert len(other.gdf) == len(read_vector(schools).gdf) > 0


def test_another_read_of_things_to_count_drops_the_read_sent_ahead_which_is_read_again_if_asked(files):
    buildings, schools, asked, pending, child = _pending_with_its_answer(files)
    assert len(read_counted(schools).gdf) > 0
    assert pending._proc is child and pending._sent_ahead is None  # dropped by the child, which answered
    again = read_counted(buildings, "buildings")  # read afresh
    assert_same_geometry_arrays(again.geometries, asked.geometries)
    assert again.gdf.equals(asked.gdf) and pending._proc is child


def test_a_reader_closed_with_a_read_pending_ends_at_once(files):
    _send_ahead(Path(files[0]))
    child = isolated._idle[0]._proc
    isolated.close_idle()  # the child is not left writing to a pipe no one reads
    assert child.poll() is not None and not isolated._idle


def test_planner_measure_reads_its_footprints_ahead_and_measures_the_same(tmp_path, files, capsys, monkeypatch):
    gpkg, tif = write_city(CITY, tmp_path)
    args = [str(files[0]), str(gpkg), str(files[1]), str(tif), "-p", "itdp-pnt", "--zones", "-f", "json"]
    sent, started, asked = [], [], []
    monkeypatch.setattr(isolated.ReaderProcess, "counted_ahead", lambda self, send=isolated.ReaderProcess.counted_ahead,
                        **request: sent.append(request) or send(self, **request))
    real_start, real_ask = isolated.ReaderProcess._start, isolated.ReaderProcess._ask
    monkeypatch.setattr(isolated.ReaderProcess, "_start", lambda self: started.append(self) or real_start(self))
    monkeypatch.setattr(isolated.ReaderProcess, "_ask", lambda self, request, *a, **k: asked.append(request) or
                        real_ask(self, request, *a, **k))
    assert main(args) == 0
    ahead = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in sent] == [f"{files[0]}"] and sent[0]["layer"] == "buildings"
    assert len(started) == 1  # every file read by the child the footprints were sent to: none stopped
    # the files with nothing to count read first, while the child parses the footprints; then the
    # footprints; then the other file to count (its read would have dropped the one sent ahead)
    read = [(r["op"], Path(r.get("source") or r.get("path"))) for r in asked if r["op"] in ("arrow", "counted", "raster")]
    assert [op for op, _ in read[-2:]] == ["counted", "counted"]
    assert [path.name for _, path in read[-2:]] == [Path(files[0]).name, Path(files[1]).name]  # (GDAL's "GeoJSON:" prefix)
    assert {path for _, path in read[:-2]} == {gpkg, tif}
    monkeypatch.setattr(layers.cli, "_read_ahead", lambda args, unreadable, sent: None)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == ahead
    assert ahead[0]["features"]["buildings"]["count_intersecting"] > 50


def _rasterio_loaded(pid: int) -> bool:
    return "rasterio" in Path(f"/proc/{pid}/maps").read_text()


def test_a_reader_told_rasters_will_come_imports_their_library_before_any_raster_read(files):
    with isolated.reading() as reader:
        reader.layers(str(files[0]))  # started, and a file listed: no layer read, no raster library
        pid = reader._proc.pid
        assert not _rasterio_loaded(pid)
        reader.expect_rasters()  # no answer to wait for
        deadline = time.monotonic() + 60
        while not _rasterio_loaded(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _rasterio_loaded(pid)
        assert reader.layers(str(files[0])) == ["buildings"]  # and it answers as before


@pytest.mark.parametrize("with_grid", [True, False])
def test_planner_measure_tells_its_reader_rasters_will_come_when_it_has_a_geotiff(tmp_path, files, monkeypatch,
                                                                                  capsys, with_grid):
    gpkg, tif = write_city(CITY, tmp_path)
    told = []
    monkeypatch.setattr(isolated.ReaderProcess, "expect_rasters", lambda self, real=isolated.ReaderProcess.expect_rasters:
                        told.append(self) or real(self))
    assert main([str(files[0]), str(gpkg), *([str(tif)] if with_grid else []), "-p", "itdp-pnt"]) == 0
    capsys.readouterr()
    assert len(told) == with_grid


def test_a_reader_that_crashes_beside_the_read_sent_ahead_reads_the_other_file_again(tmp_path, files, capsys,
                                                                                     monkeypatch):
    """The reader parses the footprints sent ahead while it answers for the other files: if it
    crashes then, the file it was answering for may not be the cause. That file is read again, in
    a new reader, and the footprints after it (a file that crashes the reader says so when read)."""
    import os
    import signal

    gpkg, tif = write_city(CITY, tmp_path)
    args = [str(files[0]), str(gpkg), str(tif), "-p", "itdp-pnt", "--zones", "-f", "json"]
    assert main(args) == 0
    expected = json.loads(capsys.readouterr().out)
    crash, asked = [], []
    real_ask, real_message = isolated.ReaderProcess._ask, isolated.ReaderProcess._message

    def ask(self, request, *a, **k):
        asked.append((request["op"], request.get("source")))
        if request["op"] == "arrow" and Path(request["source"]) == gpkg and self._sent_ahead is not None and not crash:
            crash.append(self._proc)  # the child dies while it answers: as a crash in its parsing thread
        return real_ask(self, request, *a, **k)

    def message(self):
        if crash and crash[-1] is self._proc and self._proc.poll() is None:
            os.kill(self._proc.pid, signal.SIGSEGV)
            self._proc.wait()
        return real_message(self)

    monkeypatch.setattr(isolated.ReaderProcess, "_ask", ask)
    monkeypatch.setattr(isolated.ReaderProcess, "_message", message)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == expected
    assert len(crash) == 1 and crash[0].returncode == -signal.SIGSEGV
    import pyogrio

    # the city's file read again (its layer read when the child crashed, once more), and the
    # footprints afresh, last (the child that parsed them ahead is gone)
    assert asked.count(("arrow", str(gpkg))) == len(pyogrio.list_layers(gpkg)) + 1
    assert asked[-1][0] == "counted" and Path(asked[-1][1]) == Path(files[0])


class _Batch:
    def __init__(self, i: int, nbytes: int):
        self.i, self.nbytes, self.num_rows = i, nbytes, 1


def test_the_reader_keeps_at_most_its_share_of_batches_ahead_of_the_pipe():
    """The reader's side: batches made ahead of a pipe wait there up to the limit (then the making
    waits for the pipe), and up to a lower one once the pipe takes them; they come out in order, a
    failure after the batches before it, and a pipe left early stops the making and closes the source."""
    from layers.io.reader_child import _Ahead

    taken, ahead_most, ahead_once_read, closed = [0], [0], [0], []

    def source(n, fail_at=None):
        try:
            for i in range(n):
                if i == fail_at:
                    raise ValueError("a damaged feature")
                ahead = i - taken[0]  # made and not yet taken, before this one
                ahead_most[0] = max(ahead_most[0], ahead)
                if taken[0] > 4:  # the batches made before the pipe was read are gone
                    ahead_once_read[0] = max(ahead_once_read[0], ahead)
                yield _Batch(i, 10)
        finally:
            closed.append(True)

    got = []
    for batch in _Ahead(source(200), most_bytes=35, once_read_bytes=15):
        if not got:  # the planner's side is importing: the reader makes what it may hold
            while ahead_most[0] < 3:
                time.sleep(0.001)
        got.append(batch.i)
        taken[0] += 1
    assert got == list(range(200)) and closed == [True]
    assert 3 <= ahead_most[0] <= 4  # 35 bytes: 4 batches of 10 held at most (one of them taken), then it waits
    assert ahead_once_read[0] <= 2  # 15 bytes, once the pipe took one

    got.clear()
    with pytest.raises(ValueError, match="damaged"):
        for batch in _Ahead(source(10, fail_at=6)):
            got.append(batch.i)
    assert got == list(range(6)) and len(closed) == 2
    early = _Ahead(source(1000), most_bytes=35)
    next(iter(early))
    early.close()  # the pipe broke: the maker stops and the source is closed
    assert len(closed) == 3


@pytest.mark.parametrize("wrong", [["--role", "no equals sign"], ["--role", "=building"]])
def test_a_wrong_flag_is_said_once_and_the_read_ahead_says_nothing(files, capfd, wrong):
    """The read ahead runs on a thread before the flags are checked: what it cannot read is left
    to the command, which says it once, in its words, with no traceback from the thread."""
    assert main([str(files[0]), *wrong]) == 2
    err = capfd.readouterr().err
    assert err.count("planner measure: --role") == 1 and "write FILE=ROLE" in err and "Traceback" not in err


def test_a_read_sent_ahead_is_parsed_one_batch_at_a_time_until_it_is_asked_for(monkeypatch):
    """The reader's side: while the planner's side imports (a read sent ahead, not asked for yet),
    one batch is parsed at a time, so that the reader takes one core, not the command's too; once
    it is asked for, PARSERS at once. A parse waits (up to a bound) for a second to start beside it."""
    import threading

    import layers.io.arrays_stream
    from layers.io.reader_child import PARSERS, _encoded

    assert PARSERS >= 2
    beside, lock = [], threading.Lock()
    meeting = [threading.Barrier(2)]

    def encode(batch, geometry, schema, first):  # a parse that says whether another ran beside it
        try:
            meeting[0].wait(timeout=beside_wait[0])
            met = True
        except threading.BrokenBarrierError:
            met = False
        with lock:
            beside.append(met)
            if not met:
                meeting[0] = threading.Barrier(2)
        return batch

    monkeypatch.setattr(layers.io.arrays_stream, "encode", encode)
    asked = threading.Event()
    beside_wait = [0.3]  # no second parse starts while the read is ahead: each waits this long alone
    batches = _encoded((_Batch(i, 10) for i in range(4)), "geometry", None, asked)
    got = [next(batches).i, next(batches).i]
    assert got == [0, 1] and beside == [False, False]
    asked.set()
    beside_wait[0] = 30.0  # once asked, the last two are parsed at once: they meet at once
    meeting[0] = threading.Barrier(2)
    got += [batch.i for batch in batches]
    assert got == [0, 1, 2, 3] and beside == [False, False, True, True]


def test_what_the_pipe_took_from_a_read_ahead_is_given_back_before_the_next_batch(monkeypatch):
    """The reader's side: each batch the pipe has taken from those held ahead is let go and what it
    held given back to the system (malloc_trim) before the next is sent, not after the read: the two
    processes' memory peaks while the planner's side takes the layer in."""
    import gc
    import weakref

    import layers.io.reader_child as reader_child

    class Held(_Batch):
        pass

    alive_at_give_back = []
    refs = []

    def give_back():
        gc.collect()
        alive_at_give_back.append(sum(ref() is not None for ref in refs))

    monkeypatch.setattr(reader_child, "_give_back_freed", give_back)

    def source():
        for i in range(5):
            batch = Held(i, 10)
            refs.append(weakref.ref(batch))
            yield batch

    ahead = reader_child._Ahead(source(), most_bytes=1000)
    taken = 0
    for batch in ahead:
        assert len(alive_at_give_back) == taken  # given back once per batch taken, before the next
        taken += 1
        del batch
    assert taken == 5 and len(alive_at_give_back) == 5
    # when each is given back, the batch the pipe took is gone: only those still held ahead remain
    assert all(alive <= 5 - i - 1 for i, alive in enumerate(alive_at_give_back))
