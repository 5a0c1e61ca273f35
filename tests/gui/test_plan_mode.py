"""Plan mode on the Hanoi sample: click stations near unserved wards, the Coverage dock shows what
they add (equal to `planner measure --compare` on the saved project), undo and redo give the
figures back to the last digit; move, delete and edit a station; New asks before dropping work."""
from __future__ import annotations

import json

import numpy as np
import shapely
from PySide6 import QtCore, QtWidgets

from layers.cli import main as cli
from layers.layer import VectorLayer

Left, Right = QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.MouseButton.RightButton


def _unserved_ward_centres(window, count=2):
    """Centres of the most populous wards more than 2.5 km from every station of plan 2030."""
    session = window.session
    crs = session.working_crs
    stations = next(l for l in session.layers if l.role == "metro_station")
    served = session.check_scenario("plan 2030").select(stations.in_crs(crs))
    wards = next(l for l in session.layers if isinstance(l, VectorLayer) and l.name.startswith("Wards"))
    gdf = wards.in_crs(crs)
    centres = shapely.point_on_surface(np.asarray(gdf.geometry.values, dtype=object))
    far = shapely.distance(centres[:, None], np.asarray(served.geometry.values)[None, :]).min(axis=1) > 2500
    inside = shapely.within(centres, session.city().study_area)
    order = np.argsort(-gdf["population"].to_numpy(dtype=float))
    picked = [i for i in order if far[i] and inside[i]][:count]
    return [(float(centres[i].x), float(centres[i].y)) for i in picked], gdf["name"].iloc[picked].tolist()


def _click(qtbot, window, x, y, button=Left):
    canvas = window.canvas
    qtbot.mouseClick(canvas.viewport(), button, pos=canvas.map_to_screen(x, y))


def _gain_after(qtbot, window, action):
    """Do `action`, then wait for the sketch's gain computed for the sketch as it now is."""
    panel = window.dashboard.sketch_gain
    with qtbot.waitSignal(panel.shown, timeout=20_000):
        action()
    qtbot.waitUntil(lambda: not panel.runner.busy(), timeout=20_000)
    return window.session.latest.get("sketch_gain")


def _settled(qtbot, window):
    """The Coverage figures once every request the last edit made has been answered."""
    coverage, gain = window.dashboard.coverage, window.dashboard.sketch_gain
    qtbot.waitUntil(lambda: not (coverage.runner.busy() or coverage._timer.isActive() or gain.runner.busy()),
                    timeout=20_000)
    return window.session.latest["coverage"].result.figures


def _coverage_after(qtbot, window, action):
    coverage = window.dashboard.coverage
    with qtbot.waitSignal(coverage.figures_shown, timeout=20_000):
        action()
    qtbot.waitUntil(lambda: not coverage.busy(), timeout=20_000)
    return window.session.latest["coverage"].result.figures


def test_sketched_stations_gain_equals_planner_measure_compare_and_undo_redo(qtbot, sample_window, tmp_path):
    window, session = sample_window, sample_window.session
    places, wards = _unserved_ward_centres(window)
    assert len(places) == 2
    (x1, y1), (x2, y2) = places
    window.canvas.set_view((min(x1, x2) - 4000, min(y1, y2) - 4000, max(x1, x2) + 4000, max(y1, y2) + 4000))
    # the Coverage figures count plan 2030, so the sketch (planned, opening 2030) moves them
    before = _coverage_after(qtbot, window, lambda: window.dashboard.coverage.set_scenario("plan-2030"))
    window.set_tool("plan_add")
    assert window.tool_actions["plan_add"].shortcut().toString() == "P"

    first = _gain_after(qtbot, window, lambda: _click(qtbot, window, x1, y1))
    assert first.gained_population > 0
    after_one = _settled(qtbot, window)
    assert after_one["population"] > before["population"]
    d = _gain_after(qtbot, window, lambda: _click(qtbot, window, x2, y2))
    assert not window.dashboard.sketch_gain.isHidden()  # shown in the Coverage dock while there is a sketch
    assert session.sketch_layer("metro_line") is not None  # the line follows through the stations
    assert d.gained_population > first.gained_population
    gained_wards = set(d.zones.index[d.zones["gained_population"] > 0])
    assert set(wards) <= gained_wards

    path = window.save_project(tmp_path / "sketch.planner.json")
    assert path is not None and not session.modified
    a_text, b_text = session.sketch_scenarios()
    out = tmp_path / "compare.json"
    assert cli([str(path), "-p", "itdp-pnt", "--compare", a_text, b_text, "--zones", "-f", "json",
                "-o", str(out), "--allow-outside"]) == 0  # saved in tmp_path, its data in the sample's folder
    [measured] = json.loads(out.read_text())
    for key in ("gained_population", "gained_area_m2", "net_population", "population_b"):
        assert measured[key] == getattr(d, key), key
    assert {z["zone"]: z["gained_population"] for z in measured["zones"]} == d.zones["gained_population"].to_dict()

    after = _settled(qtbot, window)
    undone = _coverage_after(qtbot, window, window.undo)
    assert undone == after_one  # to the last digit
    redone = _coverage_after(qtbot, window, window.redo)
    assert redone == after
    _coverage_after(qtbot, window, window.undo)
    with qtbot.waitSignal(window.dashboard.sketch_gain.shown, timeout=20_000) as blanked:  # the last station undone
        _coverage_after(qtbot, window, window.undo)
    assert blanked.args == [None]  # the panel says it shows nothing now
    assert session.sketch.is_empty
    qtbot.waitUntil(window.dashboard.sketch_gain.isHidden)
    assert session.latest["coverage"].result.figures == before


def test_move_delete_and_edit_a_sketched_station(qtbot, sample_window, monkeypatch):
    window, session = sample_window, sample_window.session
    [(x, y)] = _unserved_ward_centres(window, 1)[0]
    window.canvas.set_view((x - 4000, y - 4000, x + 4000, y + 4000))
    window.set_tool("plan_add")
    _click(qtbot, window, x, y)
    _click(qtbot, window, x + 1500, y)
    _click(qtbot, window, x, y + 1500, Right)  # ends the line
    _click(qtbot, window, x - 1500, y - 1500)  # a new line
    assert [len(line.stations) for line in session.sketch.lines] == [2, 1]

    window.set_tool("plan_move")
    _click(qtbot, window, *session.sketch_station_xy(0, 1))
    _click(qtbot, window, x + 2500, y + 500)
    moved = session.sketch_station_xy(0, 1)
    assert abs(moved[0] - (x + 2500)) < 3 * window.canvas.pixel_size()

    window.set_tool("plan_delete")
    _click(qtbot, window, *session.sketch_station_xy(1, 0))
    assert [len(line.stations) for line in session.sketch.lines] == [2, 0]

    from planner_gui import sketch_form

    def fill_in(form) -> int:  # what the planner types into the form, then OK
        form.station.name.setText("Ga Mới")
        form.station.status.setCurrentIndex(form.station.status.findData("under_construction"))
        form.station.year.setValue(2029)
        form.line.name.setText("Tuyến 5: Văn Cao - Hòa Lạc")
        form.line.year.setValue(2031)
        form.accept()
        return QtWidgets.QDialog.DialogCode.Accepted

    monkeypatch.setattr(sketch_form.StationForm, "exec", fill_in)
    window.set_tool("plan_edit")
    _click(qtbot, window, *session.sketch_station_xy(0, 0))
    station, line = session.sketch.lines[0].stations[0], session.sketch.lines[0]
    assert (station.name, station.status, station.opening_year) == ("Ga Mới", "under_construction", 2029)
    assert (line.name, line.status, line.opening_year) == ("Tuyến 5: Văn Cao - Hòa Lạc", "planned", 2031)
    assert session.sketch_layer("metro_line").gdf["name"].iloc[0] == "Tuyến 5: Văn Cao - Hòa Lạc"
    window.undo()  # the station and its line, one edit
    assert session.sketch.lines[0].stations[0].name == "S1 station 1"
    assert session.sketch.lines[0].name == "Sketch line S1"


def test_new_project_asks_before_dropping_unsaved_work(qtbot, sample_window, monkeypatch):
    window, session = sample_window, sample_window.session
    asked = []
    answer = {"value": "cancel"}
    monkeypatch.setattr(type(window), "ask_save_changes", lambda self, what: asked.append(what) or answer["value"])
    assert not session.modified
    stations = next(l for l in session.layers if l.role == "metro_station")
    session.remove_layer(stations)
    assert session.modified
    assert window.new_project() is False and asked == ["Close the project"]
    assert len(session.layers) > 0
    answer["value"] = "discard"
    assert window.new_project() is True
    assert len(session.layers) == 0 and not session.modified and not session.history.can_undo()
    assert window.new_project() is True and len(asked) == 2  # nothing to lose: no question


def test_the_sketch_exports_as_a_geopackage(qtbot, sample_window, tmp_path):
    from layers.io import read_layers

    window, session = sample_window, sample_window.session
    [(x, y), (x2, y2)] = _unserved_ward_centres(window)[0]
    session.sketch_add_station(x, y)
    session.sketch_add_station(x2, y2)
    written = window.export_sketch(tmp_path / "sketch.gpkg")
    layers = {layer.name: layer for layer in read_layers(written)}
    stations, lines = layers["sketch_stations"], layers["sketch_lines"]
    assert stations.role == "metro_station" and list(stations.gdf["line"]) == ["S1", "S1"]
    assert stations.gdf.crs == session.working_crs
    assert shapely.equals_exact(lines.gdf.geometry.iloc[0], shapely.LineString([(x, y), (x2, y2)]), 1e-6)
