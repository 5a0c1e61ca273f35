"""A read sent ahead (`layers.io.isolated.counted_ahead`): `planner measure` asks its reader process
for the city's footprints before its own imports, and reads them from there once it can. What it
reads is what a read asked then gives; a different request first stops the child (its answer would
be in the way) and is answered; a reader closed with a read still pending ends at once."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import layers.cli
from layers.cli import main
from layers.io import isolated, read_counted, read_vector
from layers.io.sources import counted_request
from tests.cities import CITIES, write_city, write_features

CITY = next(c for c in CITIES if c.name == "nairobi")  # UTM 37S, south of the equator


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
    isolated.counted_ahead(counted_request(buildings, "buildings"))
    assert len(started) == 1 and isolated._idle[0]._sent_ahead is not None
    ahead = read_counted(buildings, "buildings")
    assert len(started) == 1 and started[0]._sent_ahead is None  # the answer read from the child it was sent to
    for name in ("types", "geom_offsets", "part_offsets", "path_offsets", "coords"):
        np.testing.assert_array_equal(getattr(ahead.geometries, name), getattr(asked.geometries, name))
    assert ahead.gdf.equals(asked.gdf) and ahead.warnings == asked.warnings and ahead.crs == asked.crs


def test_another_request_after_a_read_sent_ahead_is_answered(files):
    buildings, schools = (Path(f) for f in files)
    isolated.counted_ahead(counted_request(buildings, "buildings"))
    pending = isolated._idle[0]
    first_child = pending._proc
    other = read_vector(schools)  # not the read sent ahead: that child is stopped, another answers
    assert first_child.poll() is not None and pending._proc is not first_child
    assert len(other.gdf) == len(read_vector(schools).gdf) > 0
    assert len(read_counted(buildings, "buildings").gdf) > 0


def test_a_reader_closed_with_a_read_pending_ends_at_once(files):
    isolated.counted_ahead(counted_request(Path(files[0]), "buildings"))
    child = isolated._idle[0]._proc
    isolated.close_idle()  # the child is not left writing to a pipe no one reads
    assert child.poll() is not None and not isolated._idle


def test_planner_measure_reads_its_footprints_ahead_and_measures_the_same(tmp_path, files, capsys, monkeypatch):
    gpkg, tif = write_city(CITY, tmp_path)
    args = [str(files[0]), str(gpkg), str(tif), "-p", "itdp-pnt", "--zones", "-f", "json"]
    sent, started = [], []
    monkeypatch.setattr(isolated, "counted_ahead", lambda request, limits=None, send=isolated.counted_ahead:
                        sent.append(request) or send(request, limits))
    real_start = isolated.ReaderProcess._start
    monkeypatch.setattr(isolated.ReaderProcess, "_start", lambda self: started.append(self) or real_start(self))
    assert main(args) == 0
    ahead = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in sent] == [f"{files[0]}"] and sent[0]["layer"] == "buildings"
    assert len(started) == 1  # every file read by the child the footprints were sent to: none stopped
    monkeypatch.setattr(layers.cli, "_read_ahead", lambda args: None)
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out) == ahead
    assert ahead[0]["features"]["buildings"]["count_intersecting"] > 50
