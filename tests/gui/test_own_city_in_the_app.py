"""A planner's own city in the app: drawn and measured in its own UTM zone, the same figures as
`planner measure`, roles set in the layer panel, and the whole analysis kept across save and open."""
from __future__ import annotations

import json

import pytest

from layers import cli
from tests.cities import CITIES, write_city
from tests.gui.helpers import load

PARIS = next(c for c in CITIES if c.name == "paris")  # lon/lat data and a lon/lat population grid
SAO_PAULO = next(c for c in CITIES if c.name == "sao_paulo")  # Web Mercator data, southern hemisphere


def figures_on_screen(qtbot, window):
    panel = window.dashboard.coverage
    qtbot.waitUntil(lambda: panel.coverage is not None and not panel.busy() and not panel._timer.isActive(),
                    timeout=20_000)
    return panel.coverage.result


def cli_figures(tmp_path, *args) -> dict:
    out = tmp_path / "cli.json"
    assert cli.main([*map(str, args), "-f", "json", "-o", str(out)]) == 0
    [result] = json.loads(out.read_text(encoding="utf-8"))
    return result


@pytest.mark.parametrize("city", [PARIS, SAO_PAULO], ids=lambda c: c.name)
def test_a_city_is_drawn_and_measured_in_its_own_utm_zone_as_the_cli_does(qtbot, window, tmp_path, city):
    gpkg, tif = write_city(city, tmp_path / city.name)
    load(qtbot, window, [gpkg, tif])
    utm = city.utm.to_epsg()
    assert window.session.working_crs.to_epsg() == utm
    assert window.canvas.working_crs.to_epsg() == utm  # not Hanoi's zone: not rotated
    assert f"EPSG:{utm}" in window.crs_label.text()
    result = figures_on_screen(qtbot, window)
    expected = cli_figures(tmp_path, gpkg, tif, "-p", "itdp-pnt")
    assert result.preset == "itdp-pnt" and result.crs == expected["crs"]
    for key in ("value", "numerator", "denominator", "radius_m"):
        assert getattr(result, key) == expected[key], key
    # each zone's bar says the figure it plots: the share of the zone's people reached
    zones = {z["zone"]: z for z in cli_figures(tmp_path, gpkg, tif, "-p", "itdp-pnt", "--zones")["zones"]}
    notes = window.dashboard.coverage.chart.note_texts()
    assert set(notes) == set(zones) == {"SW", "NW", "SE", "NE"}
    for name, note in notes.items():
        assert note == f"{100 * zones[name]['population_share']:.1f} %"


def test_roles_set_in_the_layer_panel_change_the_figures(qtbot, window, tmp_path):
    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    before = figures_on_screen(qtbot, window)
    panel = window.layer_panel
    stations = window.stack.find("metro_stations")
    panel.select(stations)
    assert panel.role.currentData() == "metro_station"
    with qtbot.waitSignal(window.dashboard.coverage.figures_shown, timeout=20_000) as blocker:
        panel.role.setCurrentIndex(panel.role.findData("green"))
        panel.role.activated.emit(panel.role.currentIndex())
    assert stations.role == "green"
    # no station layer now: PNT cannot be measured, so the dock measures what the data allows
    assert "itdp-pnt" not in window.dashboard.coverage.measures()
    after = figures_on_screen(qtbot, window)
    assert before.preset == "itdp-pnt" and after.preset == "green-access"
    assert blocker.args[0] is not None


def test_save_quit_reopen_keeps_every_setting_and_the_same_figures(qtbot, window, tmp_path):
    from PySide6 import QtCore

    from planner_gui.main_window import MainWindow

    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    figures_on_screen(qtbot, window)
    session = window.session
    window.set_working_crs("EPSG:2154")  # Lambert-93, France's own grid
    coverage = window.dashboard.coverage
    coverage.set_radius(700)
    coverage.set_scenario("plan-2035")
    session.update(segments=8)
    window.dashboard.timeline.set_year(2012)
    from layers.session import StudyArea

    session.set_study_area(StudyArea("wards", "NE"))
    shown = figures_on_screen(qtbot, window)
    assert shown.radius_m == 700 and "EPSG:2154" in shown.crs
    path = window.save_project(tmp_path / "paris.planner.json")
    settings = QtCore.QSettings(str(tmp_path / "again.ini"), QtCore.QSettings.Format.IniFormat)
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    try:
        load(qtbot, again, [path])
        reopened = figures_on_screen(qtbot, again)
        assert again.session.settings == session.settings
        assert again.session.study_area == StudyArea("wards", "NE")
        assert again.session.working_crs.to_epsg() == 2154
        assert again.dashboard.timeline.slider.value() == 2012
        assert again.dashboard.coverage.radius_slider.value() == 700
        for key in ("value", "numerator", "denominator", "crs", "scenario", "radius_m"):
            assert getattr(reopened, key) == getattr(shown, key), key
        assert again.dashboard.coverage.study_area_combo.currentData() in (("wards", "NE"), ["wards", "NE"])
        # planner measure on the project gives the figures the app shows
        expected = cli_figures(tmp_path, path, "-p", "itdp-pnt")
        assert expected["value"] == reopened.value and expected["scenario"] == reopened.scenario
    finally:
        again.loader.cancel_all()
        again.dashboard.shutdown()
        again.close()


def test_a_mistyped_compare_scenario_is_refused_and_clears_the_previous_figure(qtbot, window, tmp_path):
    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    figures_on_screen(qtbot, window)
    panel = window.dashboard.scenarios
    panel.set_scenarios("existing", "plan 2035")
    with qtbot.waitSignal(panel.shown, timeout=20_000):
        panel.recompute()
    assert panel.difference is not None and window.session.result_layer("gained") is not None
    panel.set_scenarios("existing", "plan 2035 without lin 2")
    panel.recompute()
    assert panel.difference is None and window.session.result_layer("gained") is None
    assert panel.gain_label.text() == "–"
    assert "no layer has a field 'lin'" in panel.status.text() and "line" in panel.status.text()


def test_planner_measure_on_a_saved_project_gives_the_figures_the_app_shows_for_every_preset(qtbot, window, tmp_path):
    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    coverage = window.dashboard.coverage
    figures_on_screen(qtbot, window)
    window.dashboard.timeline.set_year(2012)  # the map's year, 'as drawn on the map'
    presets = [m for m in coverage.measures() if not m.startswith("layer:")]
    assert set(presets) == {"sdg-11.2.1", "itdp-pnt", "green-access", "green-per-resident"}
    for preset in presets:
        with qtbot.waitSignal(coverage.figures_shown, timeout=20_000):
            coverage.set_measure(preset)
        shown = figures_on_screen(qtbot, window)
        assert shown.preset == preset
        path = window.save_project(tmp_path / f"{preset}.planner.json")
        expected = cli_figures(tmp_path, path, "-p", preset)
        for key in ("value", "numerator", "denominator", "crs", "scenario", "radius_m"):
            assert expected[key] == getattr(shown, key), (preset, key)


def test_project_working_crs_refuses_degrees_and_names_the_crs_it_keeps(qtbot, window, tmp_path):
    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    figures_on_screen(qtbot, window)
    assert not window.set_working_crs("EPSG:4326")  # degrees are not lengths
    assert not window.set_working_crs("not a crs")
    assert window.session.working_crs.to_epsg() == 32631
    refusals = [m for m in window.message_bar.messages() if m.title == "Working CRS not changed"]
    assert len(refusals) == 2 and any("degrees" in m.text for m in refusals)  # messages, not tracebacks
    assert window.set_working_crs("EPSG:2154")
    assert window.canvas.working_crs.to_epsg() == 2154 and "EPSG:2154" in window.crs_label.text()
    assert figures_on_screen(qtbot, window).crs.startswith("EPSG:2154")
    assert window.set_working_crs(None)  # back to the data's choice
    assert window.session.working_crs.to_epsg() == 32631 and "(from the data)" in window.crs_label.text()


def test_a_broken_project_leaves_the_session_as_it_was_and_names_the_file_and_field(qtbot, window, tmp_path):
    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    figures_on_screen(qtbot, window)
    path = window.save_project(tmp_path / "paris.planner.json")
    document = json.loads(path.read_text())
    document["layers"][1]["style"]["width"] = "abc"
    broken = tmp_path / "broken.planner.json"
    broken.write_text(json.dumps(document))
    before = list(window.stack)
    load(qtbot, window, [broken])
    assert list(window.stack) == before  # nothing cleared, nothing half-loaded
    texts = [m.text for m in window.message_bar.messages()]
    assert any("broken.planner.json: layers[1].style.width must be a number" in t for t in texts), texts


def test_a_project_with_missing_layers_asks_before_replacing_the_work(qtbot, window, tmp_path, monkeypatch):
    """Declined, the work in the window is as it was; asked again and accepted, the layers that could
    be loaded replace it (one window for both answers: the first leaves it as the second needs it)."""
    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    path = window.save_project(tmp_path / "paris.planner.json")
    other = write_city(SAO_PAULO, tmp_path / "sp")
    load(qtbot, window, other)  # more work in the window since the save
    before = list(window.stack)
    tif.unlink()
    asked, answers = [], iter([False, True])
    monkeypatch.setattr(window, "keep_partial_project", lambda name, missing: asked.append(missing) or next(answers))
    load(qtbot, window, [path])
    assert len(asked) == 1 and "1 of its 5 layers could not be loaded: paris_population.tif: file not found" in asked[0]
    assert list(window.stack) == before  # declined: the work is as it was
    load(qtbot, window, [path])
    assert len(asked) == 2 and asked[1] == asked[0]
    # in the order saved: the file's, the stations placed over the green spaces when it was opened
    assert [l.name for l in window.stack] == ["city_boundary", "wards", "green_spaces", "metro_stations"]


def test_a_project_whose_layers_are_all_missing_is_not_opened(qtbot, window, tmp_path):
    gpkg, tif = write_city(PARIS, tmp_path / "paris")
    load(qtbot, window, [gpkg, tif])
    path = window.save_project(tmp_path / "paris.planner.json")
    gpkg.unlink()
    tif.unlink()
    before = list(window.stack)
    load(qtbot, window, [path])
    assert list(window.stack) == before
    assert any(m.title == "paris.planner.json was not opened" for m in window.message_bar.messages())


def test_with_no_population_the_dock_says_why_and_what_to_set(qtbot, window, tmp_path):
    """Before: 'People reached: - of -'. Now the model's reason, naming the zone layer's field to set."""
    gpkg, _ = write_city(PARIS, tmp_path / "paris")  # the vector layers only: no population grid
    load(qtbot, window, [gpkg])
    result = figures_on_screen(qtbot, window)
    assert result.population_missing is not None and "--field wards.population=" in result.population_missing
    text = window.dashboard.coverage.people_label.text()
    assert text.startswith("No population: set a population grid") and "Layers dock > Fields" in text


def test_census_zones_proposed_from_a_population_field_are_said_in_the_window(qtbot, window, tmp_path):
    """A polygon layer whose name says nothing but whose 'pessoas' field holds people: census zones,
    and the message bar says why (never a silent guess)."""
    import geopandas as gpd
    import shapely

    cells = [shapely.box(330_000 + 500 * i, 7_390_000, 330_500 + 500 * i, 7_390_500) for i in range(4)]
    gpd.GeoDataFrame({"pessoas": [100, 250, 80, 40]}, geometry=cells, crs=31983).to_file(tmp_path / "hexagonos.gpkg")
    load(qtbot, window, [tmp_path / "hexagonos.gpkg"])
    layer = window.session.layers.find("hexagonos")
    assert layer.role == "population" and layer.fields.population == "pessoas"
    assert any("proposed as census zones (role 'population'): its field 'pessoas'" in t
               for t in window.message_bar.texts())
