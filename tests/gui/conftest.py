"""GUI test fixtures: offscreen Qt, throw-away settings, and a small synthetic Hanoi.

QT_QPA_PLATFORM is set before anything imports Qt, and QSettings point at a temporary folder
so the tests never read or write the user's settings.
"""
from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ["PLANNER_BASEMAP"] = "none"  # no test asks a tile server it did not start itself

from pathlib import Path  # noqa: E402

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import rasterio  # noqa: E402
import shapely  # noqa: E402
from rasterio.transform import from_origin  # noqa: E402

from layers.io import read_layers, write_vector  # noqa: E402
from layers.session.project import save_project  # noqa: E402
from layers.session import Session  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PROJECT = ROOT / "sample_data" / "hanoi.planner.json"

# Real station positions (lon, lat) from the sample's fact table, so identify/measure use known places.
STATIONS = [
    # line, code, name, status, opening_year, lon, lat
    ("2A", "C01", "Cát Linh", "existing", 2021, 105.8280, 21.0282),
    ("2A", "C02", "La Thành", "existing", 2021, 105.8243, 21.0220),
    ("2A", "C03", "Thái Hà", "existing", 2021, 105.8196, 21.0144),
    ("2A", "C04", "Láng", "existing", 2021, 105.8140, 21.0093),
    ("3", "S01", "Nhổn", "existing", 2024, 105.7350, 21.0520),
    ("3", "S08", "Cầu Giấy", "existing", 2024, 105.7990, 21.0330),
    ("3", "S12", "Ga Hà Nội", "under_construction", 2027, 105.8410, 21.0250),
    ("3", "S16", "Hoàng Mai", "planned", 2035, 105.8500, 20.9800),
]


@pytest.fixture(scope="session", autouse=True)
def _qt_settings_in_tmp(tmp_path_factory):
    """Every QSettings the app makes lives in a temporary folder for the whole test session."""
    from PySide6 import QtCore

    folder = tmp_path_factory.mktemp("qsettings")
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.Format.IniFormat)
    for scope in (QtCore.QSettings.Scope.UserScope, QtCore.QSettings.Scope.SystemScope):
        QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat, scope, str(folder))
    os.environ["PLANNER_SETTINGS_DIR"] = str(folder)
    yield folder


@pytest.fixture(autouse=True)
def _discard_unsaved_work_on_close(monkeypatch):
    """Closing a window with unsaved work asks what to do; in tests (no one to answer a modal
    question) the answer is 'discard' unless a test asks otherwise."""
    from planner_gui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "ask_save_changes", lambda self, what: "discard")


@pytest.fixture(autouse=True)
def _no_question_left_unanswered(monkeypatch):
    """A modal question nobody answers would hang the run (offscreen, no one clicks): it is answered
    No here, and the test fails saying what was asked. Tests that expect a question answer it
    themselves (they replace `ask_save_changes`, `keep_partial_project`, `open_outside_files` or
    `replace_read_only`)."""
    from PySide6 import QtWidgets

    asked = []

    def question(_parent, title, text, *_args, **_kwargs):
        asked.append(f"{title}: {text}")
        return QtWidgets.QMessageBox.StandardButton.No

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(question))
    yield
    assert not asked, f"a modal question that no test answers was asked: {asked}"


def _stations() -> gpd.GeoDataFrame:
    rows = [dict(zip(("line", "code", "name", "status", "opening_year"), s[:5])) for s in STATIONS]
    return gpd.GeoDataFrame(rows, geometry=shapely.points([(s[5], s[6]) for s in STATIONS]), crs=4326)


def _lines() -> gpd.GeoDataFrame:
    by_line = {}
    for s in STATIONS:
        by_line.setdefault(s[0], []).append((s[5], s[6]))
    line3 = by_line["3"]
    return gpd.GeoDataFrame(
        {
            "line": ["2A", "3", "3", "3"],
            "name": ["Cát Linh - Hà Đông", "Nhổn - Cầu Giấy", "Cầu Giấy - Ga Hà Nội", "Ga Hà Nội - Hoàng Mai"],
            "status": ["existing", "existing", "under_construction", "planned"],
            "opening_year": [2021, 2024, 2027, 2035],
            "colour": ["#4caf50", "#9b1b30", "#9b1b30", "#9b1b30"],
        },
        geometry=[
            shapely.LineString(by_line["2A"]), shapely.LineString(line3[:2]),
            shapely.LineString(line3[1:3]), shapely.LineString(line3[2:]),
        ],
        crs=4326,
    )


def make_synthetic_hanoi(folder: Path) -> Path:
    """A small Hanoi-like GeoPackage + population GeoTIFF + project file; returns the project path."""
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "hanoi.gpkg"
    city = shapely.Polygon([(105.70, 20.93), (105.95, 20.93), (105.97, 21.10), (105.72, 21.12)])
    write_vector(gpd.GeoDataFrame({"name": ["Hà Nội"]}, geometry=[city], crs=4326), gpkg, "city_boundary")
    districts = [shapely.box(105.70 + 0.0625 * i, 20.93, 105.70 + 0.0625 * (i + 1), 21.12) for i in range(4)]
    write_vector(
        gpd.GeoDataFrame({"name": ["Tây", "Giữa Tây", "Giữa Đông", "Đông"]}, geometry=districts, crs=4326).clip(city),
        gpkg, "districts",
    )
    river = shapely.LineString([(105.74, 21.13), (105.82, 21.08), (105.87, 21.03), (105.90, 20.95)])
    water = gpd.GeoDataFrame({"name": ["Sông Hồng", "Hồ Tây"]}, geometry=[river, shapely.Point(105.818, 21.056)], crs=4326)
    water = water.to_crs(32648)
    water["geometry"] = [water.geometry[0].buffer(700), water.geometry[1].buffer(1200)]
    write_vector(water, gpkg, "water")
    write_vector(_lines(), gpkg, "metro_lines")
    write_vector(_stations(), gpkg, "metro_stations")
    tif = folder / "hanoi_population_250m.tif"
    rng = np.random.default_rng(1)
    data = rng.gamma(2.0, 200.0, (60, 80)).astype("float32")
    data[:3, :3] = -1
    with rasterio.open(
        tif, "w", driver="GTiff", width=80, height=60, count=1, dtype="float32", crs="EPSG:32648",
        transform=from_origin(575_000, 2_335_000, 250, 250), nodata=-1,
    ) as dst:
        dst.write(data, 1)
    session = Session()
    session.add_layer(read_layers(tif)[0])
    for layer in read_layers(gpkg):
        session.add_layer(layer)
    return save_project(folder / "hanoi.planner.json", session)


@pytest.fixture(scope="session")
def synthetic_project(tmp_path_factory) -> Path:
    return make_synthetic_hanoi(tmp_path_factory.mktemp("synthetic_hanoi"))


@pytest.fixture(scope="session")
def hanoi_project(synthetic_project) -> Path:
    """The real sample once it is on this branch, the synthetic one until then."""
    return SAMPLE_PROJECT if SAMPLE_PROJECT.exists() else synthetic_project


@pytest.fixture
def sample_read_once(monkeypatch):
    """Opening the bundled sample (in the window or with `open_project`) gives a copy of one read
    of it in this test process (tests/gui/sample_read.py): for the tests that open it to have a city."""
    import layers.session.project
    import planner_gui.jobs.loader
    from tests.gui.sample_read import reading_the_sample_once

    load_project = reading_the_sample_once(layers.session.project.load_project)
    for module in (layers.session.project, planner_gui.jobs.loader):
        monkeypatch.setattr(module, "load_project", load_project)


@pytest.fixture
def sample_window(qtbot, sample_read_once):
    """The main window with the bundled Hanoi sample loaded; its analysis threads stopped after, and
    its garbage collected in the GUI thread (so Python's collector never frees a Qt object from
    inside a worker thread).
    """
    import gc

    from planner_gui.main_window import MainWindow
    from tests.gui.helpers import collect_earlier_garbage, load

    if not SAMPLE_PROJECT.exists():
        pytest.skip("needs the bundled Hanoi sample")
    collect_earlier_garbage()
    window = MainWindow()
    qtbot.addWidget(window)
    window.resize(1300, 850)
    load(qtbot, window, [SAMPLE_PROJECT])
    yield window
    window.dashboard.shutdown()
    window.close()
    gc.collect()


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown window with its own throw-away QSettings file; its workers stopped after."""
    import gc

    from PySide6 import QtCore

    from planner_gui.main_window import MainWindow
    from tests.gui.helpers import collect_earlier_garbage

    collect_earlier_garbage()
    settings = QtCore.QSettings(str(tmp_path / "planner.ini"), QtCore.QSettings.Format.IniFormat)
    w = MainWindow(settings=settings)
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.loader.cancel_all()
    w.dashboard.shutdown()
    w.close()
    gc.collect()
