"""The main window: map in the middle, message bar above it, docks, menus, tools, settings.

The window owns the Session (`layers.session`) and wires views to it; it keeps no state of its
own that a project file would need (that is in the session and the canvas's view).
"""
from __future__ import annotations

import logging
import math
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from layers.crs import WGS84, TransformError, crs_label, transformer
from layers.io import open_file_filter
from layers.io.atomic import AtomicWriteError, ReadOnlyFileError
from layers.layer import Layer, VectorLayer
from layers.roles import role_note
from layers.session.project import SUFFIX as PROJECT_SUFFIX
from layers.session.project import OutsideFilesError, apply_project, save_project
from layers.session import Session
from planner_gui.docks.attribute_table import AttributeTable
from planner_gui.errors import describe
from layers.identify import Hit
from planner_gui.docks.fitting import fitting_table
from planner_gui.docks.layers import LayerPanel
from planner_gui.map.canvas import MapCanvas
from planner_gui.message_bar import MessageBar
from planner_gui.place_search import PlaceSearch
from planner_gui.settings import add_recent_file, app_settings, recent_files, wait_for_writes
from planner_gui.map.tools import IdentifyTool, MeasureTool, PanTool, PickPlaceTool, PlanTool, ZoomBoxTool
from planner_gui.jobs.loader import Loader, LoadJob

log = logging.getLogger("planner")

TIMELINE_HEIGHT_PX = 260
FULL_SCREEN_BELOW_PX = 1600  # a screen narrower than this (a laptop's 1366 px) is given to the window whole
# First run: Layers, Coverage: share of the window, min, max px; the map keeps more than half of a
# 1366 px laptop screen, the right column at least its tab titles' width (`size_columns`).
DOCK_SHARES = ((0.17, 210, 280), (0.28, 320, 460))
TOOLS = {  # name: (menu text, shortcut, what it does)
    "pan": ("Pan", "H", "Drag to pan, wheel to zoom"),
    "zoom": ("Zoom box", "Z", "Drag a box to zoom into it"),
    "identify": ("Identify", "I", "Click a feature to see its attributes"),
    "measure_distance": ("Measure distance", "D", "Click points (they snap to stations); right click to restart"),
    "measure_area": ("Measure area", "A", "Click the corners of an area; right click to restart"),
    "measure_feature": ("Measure feature", "F", "Click a line for its length or a polygon for its area"),
    "plan_add": ("Plan: add stations", "P", "Sketch a metro line: each click adds a station, the line follows; "
                 "right click ends the line. The Coverage dock shows what it adds"),
    "plan_move": ("Plan: move a station", "M", "Click a sketched station, then its new place"),
    "plan_delete": ("Plan: delete a station", "X", "Click a sketched station to delete it"),
    "plan_edit": ("Plan: name, status, year…", "E", "Click a sketched station to set the name, status and "
                  "opening year of the station and of its line"),
    "pick_place": ("Travel time from here", "T", "Click a place: the Travel time dock routes from it"),
}


class MainWindow(QtWidgets.QMainWindow):
    loading_finished = QtCore.Signal()

    def __init__(self, session: Session | None = None, settings: QtCore.QSettings | None = None):
        super().__init__()
        self.setWindowTitle("planner — how much of the city do our networks reach?")
        self.setObjectName("planner_main_window")
        self.session = session if session is not None else Session()
        self.stack = self.session.layers
        self.settings = settings if settings is not None else app_settings()
        self.project_path: Path | None = None
        self.loader = Loader(self)

        self.canvas = MapCanvas(self.session)
        self.message_bar = MessageBar()
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.canvas, 1)
        self.setCentralWidget(central)
        self.setAcceptDrops(True)

        self.layer_panel = LayerPanel(self.session)
        self.layer_panel.zoom_requested.connect(self.canvas.zoom_to_layer)
        for worked_out in (self.canvas.ahead.ready, self.canvas.legend.changed):  # the classes under each layer
            worked_out.connect(self.layer_panel.classes_worked_out)
        self.layer_panel.table_requested.connect(self.open_attribute_table)
        self.layers_dock = self._dock("Layers", self.layer_panel, QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.results = QtWidgets.QTreeWidget()
        self.results.setHeaderLabels(["Feature / field", "Value"])
        fitting_table(self.results, stretch=1)
        self.measure_label = QtWidgets.QLabel("Pick a measure tool, then click on the map.")
        self.measure_label.setWordWrap(True)
        self.measure_label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        info = QtWidgets.QWidget()
        info_layout = QtWidgets.QVBoxLayout(info)
        info_layout.setContentsMargins(4, 4, 4, 4)
        info_layout.addWidget(self.results, 1)
        info_layout.addWidget(self.measure_label)
        self.results_dock = self._dock("Identify", info, QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self.tables: dict[int, QtWidgets.QDockWidget] = {}
        self._make_dashboard()

        self._make_tools()
        self._make_status_bar()
        self._make_menus()
        self.canvas.mouse_moved.connect(self._show_coordinates)
        self.canvas.clicked.connect(self._on_canvas_click)
        self.canvas.view_changed.connect(self._show_scale)
        self.stack.events.removed.connect(self._close_table)
        self.session.events.crs.connect(self._show_crs)
        self.session.events.study_area.connect(self._show_study_area)
        self.resize(1280, 820)
        self._restore_settings()

    # -- building the window --------------------------------------------------------------------
    def _dock(self, title: str, widget: QtWidgets.QWidget, area) -> QtWidgets.QDockWidget:
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(title.lower().replace("&&", "and").replace(" ", "_") + "_dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_dashboard(self) -> None:
        """The Coverage, Overlap, Scenario compare and Timeline docks (planner_gui.docks.dashboard)."""
        from planner_gui.docks.dashboard import Dashboard

        self.dashboard = Dashboard(self.session, self.canvas, self)
        right = QtCore.Qt.DockWidgetArea.RightDockWidgetArea
        # In a scroll area: when the dock is short (the Timeline takes half the window) the
        # figures keep their full height and scroll, instead of being squeezed and clipped.
        self.coverage_scroll = QtWidgets.QScrollArea(widgetResizable=True)
        self.coverage_scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.coverage_scroll.setWidget(self.dashboard.coverage)
        self.coverage_dock = self._dock("Coverage", self.coverage_scroll, right)
        self.overlap_dock = self._dock("Overlap", self.dashboard.overlap, right)
        self.overlap_dock.visibilityChanged.connect(self.dashboard.overlap.show_on_map)
        self.scenario_dock = self._dock("Compare", self.dashboard.scenarios, right)  # Scenario compare; short: five tabs share a laptop's column
        from planner_gui.docks.travel_time import TravelTimeView

        self.travel_time = TravelTimeView(self.session)
        self.travel_time_dock = self._dock("Travel time", self.travel_time, right)
        self.timeline_dock = self._dock("Timeline", self.dashboard.timeline,
                                        QtCore.Qt.DockWidgetArea.BottomDockWidgetArea)
        self.timeline_dock.visibilityChanged.connect(self._timeline_shown)
        self.tabifyDockWidget(self.results_dock, self.coverage_dock)
        self.tabifyDockWidget(self.coverage_dock, self.overlap_dock)
        self.tabifyDockWidget(self.overlap_dock, self.scenario_dock)
        self.tabifyDockWidget(self.scenario_dock, self.travel_time_dock)
        self.coverage_dock.raise_()
        # The side columns run the window's full height and the bottom docks (Timeline, attribute
        # tables: tabs of one place) sit under the map only, so they never squeeze the Layers list
        # or the ward chart.
        self.setCorner(QtCore.Qt.Corner.BottomLeftCorner, QtCore.Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(QtCore.Qt.Corner.BottomRightCorner, QtCore.Qt.DockWidgetArea.RightDockWidgetArea)
        self._gain_to_show = False  # a sketch edit was made: bring its gain in sight when it comes
        self.session.events.sketch.connect(self._sketch_edited)
        self.dashboard.sketch_gain.shown.connect(self._show_sketch_gain)

    def _make_tools(self) -> None:
        self.tools = {
            "pan": PanTool(self.canvas, self),
            "zoom": ZoomBoxTool(self.canvas, self),
            "identify": IdentifyTool(self.canvas, self),
            "measure_distance": MeasureTool(self.canvas, "distance", self),
            "measure_area": MeasureTool(self.canvas, "area", self),
            "measure_feature": MeasureTool(self.canvas, "feature", self),
            "pick_place": PickPlaceTool(self.canvas, self),
        }
        plan = PlanTool(self.canvas, self)  # one tool, four modes
        for mode in ("add", "move", "delete", "edit"):
            self.tools[f"plan_{mode}"] = plan
        plan.edit_requested.connect(self.edit_sketch_station)
        plan.problem.connect(lambda text: self.statusBar().showMessage(f"Plan: {text}", 5000))
        self.tools["identify"].identified.connect(self.show_identify_results)
        for name in ("measure_distance", "measure_area", "measure_feature"):
            self.tools[name].measured.connect(self.show_measurement)
        self.tools["pick_place"].picked.connect(self.travel_time_from)
        self.travel_time.pick_requested.connect(lambda: self.set_tool("pick_place"))
        self.tool = self.tools["pan"]
        self.tool_group = QtGui.QActionGroup(self)
        self.tool_actions = {}
        for name, (text, key, tip) in TOOLS.items():
            action = QtGui.QAction(text, self, checkable=True, statusTip=tip, shortcut=QtGui.QKeySequence(key))
            action.setToolTip(f"{text} ({key}): {tip}")
            action.triggered.connect(lambda _checked, name=name: self.set_tool(name))
            self.tool_group.addAction(action)
            self.tool_actions[name] = action
        self.tool_actions["pan"].setChecked(True)

    def _make_status_bar(self) -> None:
        bar = self.statusBar()
        self.coordinates = QtWidgets.QLabel("")
        self.coordinates.setMinimumWidth(420)
        self.scale_label = QtWidgets.QLabel("")
        self.crs_label = QtWidgets.QLabel(self.session.crs_text())
        self.crs_label.setToolTip("The working CRS: every area and distance is measured in it (Project > Working CRS)")
        self.progress = QtWidgets.QProgressBar(maximumWidth=160, visible=False)
        self.cancel_button = QtWidgets.QToolButton(text="Cancel", visible=False)
        self.cancel_button.clicked.connect(self.loader.cancel_all)
        # Permanent widgets: a passing status message never hides the coordinates.
        for widget in (self.coordinates, self.scale_label, self.progress, self.cancel_button, self.crs_label):
            bar.addPermanentWidget(widget)
        self._to_lonlat = None
        self._show_crs()

    def _make_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction("&New project", QtGui.QKeySequence.StandardKey.New, self.new_project)
        file_menu.addAction("&Open…", QtGui.QKeySequence.StandardKey.Open, self.open_dialog)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction("&Save project", QtGui.QKeySequence.StandardKey.Save, self.save)
        file_menu.addAction("Save project &as…", QtGui.QKeySequence.StandardKey.SaveAs, self.save_as)
        file_menu.addAction("&Close project", QtGui.QKeySequence.StandardKey.Close, self.new_project)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit", QtGui.QKeySequence.StandardKey.Quit, self.close)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = edit_menu.addAction("&Undo", QtGui.QKeySequence("Ctrl+Z"), self.undo)
        self.redo_action = edit_menu.addAction("&Redo", QtGui.QKeySequence("Ctrl+Shift+Z"), self.redo)
        self.session.history.subscribe(self._show_history)
        self._show_history()
        project_menu = self.menuBar().addMenu("&Project")
        project_menu.addAction("Working &CRS…", self.ask_working_crs)
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction("&Full extent", QtGui.QKeySequence("Ctrl+Shift+F"), self.canvas.full_extent)
        view_menu.addAction("Zoom to &layer", self._zoom_to_current)
        view_menu.addSeparator()
        view_menu.addAction(self.layers_dock.toggleViewAction())
        view_menu.addAction(self.results_dock.toggleViewAction())
        legend_action = view_menu.addAction("Le&gend")
        legend_action.setCheckable(True)
        legend_action.setChecked(self.canvas.legend.enabled)  # off: the map is clear until asked
        legend_action.setToolTip("The layers in view and their symbols over the map: drag it, click its heading to fold it")
        legend_action.toggled.connect(self.canvas.legend.set_enabled)
        from planner_gui.basemap_menu import BasemapMenu

        self.basemap_menu = BasemapMenu(self.canvas, self.settings, self.message_bar, self)
        view_menu.addMenu(self.basemap_menu)
        from planner_gui.export.menu import ExportMenu

        self.export_menu = ExportMenu(self, self)
        file_menu.insertAction(quit_action, self.export_menu.print_action)
        file_menu.insertSeparator(quit_action)
        self.menuBar().addMenu(self.export_menu)
        export_button = QtWidgets.QToolButton(text="Export", popupMode=QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        export_button.setMenu(self.export_menu)
        self.dashboard.coverage.layout().insertWidget(0, export_button)
        analysis_menu = self.menuBar().addMenu("&Analysis")
        for dock in (self.coverage_dock, self.overlap_dock, self.scenario_dock, self.timeline_dock):
            analysis_menu.addAction(dock.toggleViewAction())
        from planner_gui.zone_map_menu import ZoneMapMenu

        analysis_menu.addSeparator()
        self.zone_map_menu = ZoneMapMenu(self.session, self)
        analysis_menu.addMenu(self.zone_map_menu)
        tools_menu = self.menuBar().addMenu("&Tools")
        plan_menu = self.menuBar().addMenu("P&lan")
        toolbar = self.addToolBar("Map tools")
        toolbar.setObjectName("map_tools_toolbar")
        for name, action in self.tool_actions.items():
            (plan_menu if name.startswith("plan_") else tools_menu).addAction(action)
            toolbar.addAction(action)
        new_line = plan_menu.addAction("New &line", QtGui.QKeySequence("L"), self.new_sketch_line)
        new_line.setToolTip("New line (L): the next click starts a new sketched line")
        export_sketch = plan_menu.addAction("&Export the sketch as GeoPackage…", self.export_sketch)
        export_sketch.setToolTip("Write the sketch's stations and lines to a GeoPackage")
        toolbar.addSeparator()
        toolbar.addAction("Full extent", self.canvas.full_extent).setToolTip(
            "Full extent (Ctrl+Shift+F): every layer in view")
        self.place_search = PlaceSearch(self.session)
        self.place_search.found.connect(self.zoom_to_place)
        self.place_search.not_found.connect(
            lambda text: self.statusBar().showMessage(f"No feature named like '{text}' in the layers", 5000))
        # In the menu bar's free right end, not at the end of the tools: a toolbar too long for a
        # laptop's screen hid it behind its overflow button (1366 px wide).
        search_box = QtWidgets.QWidget(self.menuBar())  # parented: PySide would free it with this name
        search_layout = QtWidgets.QHBoxLayout(search_box)
        search_layout.setContentsMargins(0, 1, 6, 1)
        search_layout.addWidget(self.place_search)
        self.menuBar().setCornerWidget(search_box, QtCore.Qt.Corner.TopRightCorner)
        view_menu.addAction("&Find a place…", QtGui.QKeySequence.StandardKey.Find, self.place_search.focus)

    # -- settings -------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("main_window/geometry")
        state = self.settings.value("main_window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self._first_run_size()
        if state is not None:
            self.restoreState(state)
        else:
            self._first_run_docks()

    def _first_run_size(self) -> None:
        """Most of the screen, all of a laptop's (under FULL_SCREEN_BELOW_PX wide): the map is what a
        planner came for."""
        screen = QtGui.QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            share = 1.0 if area.width() < FULL_SCREEN_BELOW_PX else 0.9
            self.resize(min(area.width(), max(1024, int(area.width() * share))),
                        min(area.height(), max(700, int(area.height() * share))))
            self.move(area.topLeft() + QtCore.QPoint((area.width() - self.width()) // 2,
                                                     (area.height() - self.height()) // 2))

    def _first_run_docks(self) -> None:
        """The map gets the room: side docks a share of the window each, the Timeline dock waits in
        the Analysis menu. The columns are sized once the window has its size on screen (`showEvent`)."""
        self.timeline_dock.hide()
        self._columns_to_size = True

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """The first show sizes the columns at once, before anything (a project's view) is put on the map."""
        if getattr(self, "_columns_to_size", False):
            self._columns_to_size = False
            self.size_columns()
        super().showEvent(event)

    def size_columns(self) -> None:
        """The side columns as shares of the window's width (DOCK_SHARES)."""
        widths = [max(low, min(high, int(self.width() * share))) for share, low, high in DOCK_SHARES]
        # and wide enough for the right column's tab titles whole ('Ov…' names nothing)
        titles = {dock.windowTitle().replace("&&", "&") for dock in self._right_tabs()}
        for bar in self.findChildren(QtWidgets.QTabBar):
            if {bar.tabText(i) for i in range(bar.count())} & titles:
                widths[1] = max(widths[1], bar.sizeHint().width())
        self.resizeDocks([self.layers_dock, self.coverage_dock], widths, QtCore.Qt.Orientation.Horizontal)

    def _right_tabs(self) -> list[QtWidgets.QDockWidget]:
        return [self.results_dock, self.coverage_dock, self.overlap_dock, self.scenario_dock, self.travel_time_dock]

    def _sketch_edited(self, *_) -> None:
        self._gain_to_show = not self.session.sketch.is_empty

    def _show_sketch_gain(self, difference) -> None:
        """What the sketch adds, in sight after a sketch edit: its tab raised and scrolled to (a gain
        measured again for another reason leaves the tabs as the planner put them)."""
        gain = self.dashboard.sketch_gain
        if difference is None or gain.isHidden() or not self._gain_to_show:
            return
        self._gain_to_show = False
        self.coverage_dock.show()
        self.coverage_dock.raise_()
        QtCore.QTimer.singleShot(0, lambda: self.coverage_scroll.ensureWidgetVisible(gain, 0, 0))

    def _timeline_shown(self, visible: bool) -> None:
        """The Timeline opens at a modest height (a quarter of the window, at most 260 px): the map keeps the room."""
        if visible:
            height = min(TIMELINE_HEIGHT_PX, self.height() // 4)
            QtCore.QTimer.singleShot(0, lambda: self.resizeDocks([self.timeline_dock], [height],
                                                                 QtCore.Qt.Orientation.Vertical))

    def save_settings(self) -> None:
        wait_for_writes()  # the recent files first: the window's settings are saved over them
        self.settings.setValue("main_window/geometry", self.saveGeometry())
        self.settings.setValue("main_window/state", self.saveState())
        self.settings.sync()

    def closeEvent(self, event) -> None:
        if not self.may_discard_changes("Quit"):
            event.ignore()
            return
        self.stop_workers()
        self.save_settings()
        super().closeEvent(event)

    def stop_workers(self) -> None:
        """Cancel every background job (loads, measures, the map's pictures and legend) without
        waiting: each lets go at its next check, and `app.end_workers` waits for them once."""
        self.loader.cancel_all()
        for runner in [*self.dashboard.runners(), self.travel_time.runner, self.export_menu.runner]:
            runner.cancel()
        self.canvas.stop_workers()

    # -- opening and saving ---------------------------------------------------------------------
    def open_files(self, paths, allow_outside: bool = False, repair: bool = False) -> LoadJob | None:
        """Load files (GIS files or a project) in the background; returns the job. A project that
        names files outside its folder is read only with `allow_outside` (else the planner is asked).
        `repair`: accept repairs of invalid polygons that change their area (the planner was asked)."""
        paths = [Path(p) for p in paths]
        if not paths:
            return None
        self.progress.setVisible(True)  # before the job starts: it may end before start() returns
        self.cancel_button.setVisible(True)
        self.canvas.set_loading(", ".join(p.name for p in paths[:3]) + (" and more" if len(paths) > 3 else ""))
        return self.loader.start(paths, self.session.working_crs, connect=self._listen_to_load,
                                 allow_outside=allow_outside, repair=repair)

    def open_dialog(self) -> None:
        start = str(Path(recent_files(self.settings)[0]).parent) if recent_files(self.settings) else ""
        filters = f"planner project (*{PROJECT_SUFFIX});;" + open_file_filter()
        all_supported = filters.split(";;")[1].replace("(", f"(*{PROJECT_SUFFIX} ", 1)
        paths, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Open", start, all_supported + ";;" + filters)
        self.open_files(paths)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = recent_files(self.settings)
        for path in files:
            self.recent_menu.addAction(Path(path).name, lambda path=path: self.open_files([path])).setToolTip(path)
        if not files:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def save(self) -> Path | None:
        if self.project_path is None:
            return self.save_as()
        return self.save_project(self.project_path)

    def save_as(self) -> Path | None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save project", str(self.project_path or "untitled" + PROJECT_SUFFIX), f"planner project (*{PROJECT_SUFFIX})"
        )
        if not path:
            return None
        if not path.endswith(PROJECT_SUFFIX):
            path += PROJECT_SUFFIX
        return self.save_project(path)

    def save_project(self, path) -> Path | None:
        """Save to `path`; a read-only file there is replaced only if the planner says so."""
        try:
            try:
                written = save_project(path, self.session, self.canvas.view_bounds())
            except ReadOnlyFileError as exc:
                if not self.replace_read_only(str(exc)):
                    self.message_bar.push("The project was not saved", str(exc), "warning")
                    return None
                written = save_project(path, self.session, self.canvas.view_bounds(), overwrite_read_only=True)
        except AtomicWriteError as exc:  # names the file and what is wrong; the old file is unchanged
            self.message_bar.push("Could not save the project", describe(exc), "critical")
            return None
        except Exception as exc:  # a bug: said in the window, never a traceback dialog
            self.message_bar.push("Could not save the project", f"{Path(path).name}: {describe(exc)}", "critical")
            return None
        self.project_path = written
        self.session.mark_saved()
        add_recent_file(self.settings, written)
        self.message_bar.push("Project saved", str(written), "success")
        return written

    # -- loader results (GUI thread) ------------------------------------------------------------
    def _listen_to_load(self, signals) -> None:
        signals.progress.connect(self._on_progress)
        signals.layers_loaded.connect(self._on_layers_loaded)
        signals.project_loaded.connect(self._on_project_loaded)
        signals.outside_files.connect(self._on_outside_files)
        signals.failed.connect(self._on_load_failed)
        signals.repair_asked.connect(self._on_repair_asked)
        signals.finished.connect(self._on_load_finished)

    def _on_progress(self, done: int, total: int, what: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{what} %v/%m" if what else "%v/%m")

    def _on_layers_loaded(self, layers: list[Layer], path: str) -> None:
        added = []
        with self.session.history.group(f"Open {Path(path).name}"):  # one undo for the file and its guesses
            for layer in layers:
                try:
                    added.append(self.session.add_layer(layer, self.session.layers.placement(layer)))
                except ValueError as exc:  # no accurate transform into the working CRS
                    self.message_bar.push("Could not add a layer", f"{Path(path).name}: {layer.name}: {exc}",
                                          "critical")
            if added:
                self.session.guess_roles(added)
        if not added:
            return
        add_recent_file(self.settings, Path(path))  # only files that did load are worth reopening
        for layer in added:
            self._warn(layer)

    def _warn(self, layer: Layer) -> None:
        for warning in layer.warnings:
            self.message_bar.push(f"{layer.name}", warning, "warning")
        note = role_note(layer)  # a role its fields proposed (census zones): said, so it is never silent
        if note:
            self.message_bar.push(f"{layer.name}", note, "info", timeout_s=0)

    def _on_project_loaded(self, project) -> None:
        """Replace the session with the project's, once it has loaded; with layers missing, ask first.
        Layers whose repair would change polygons' areas are asked about as a file's are: yes reads
        the project again with repairs (the outside files it named allowed again), no leaves them out."""
        name = Path(project.path).name
        if project.repairs:
            question = "; ".join(str(exc) for exc in project.repairs)
            if self.accept_repairs(name, question):
                self.open_files([project.path], allow_outside=bool(project.outside), repair=True)
                return
            project.failures += project.repairs
        if project.failures:
            listed = "; ".join(str(f) for f in project.failures[:20])
            more = f"; and {len(project.failures) - 20:,} more" if len(project.failures) > 20 else ""
            missing = f"{len(project.failures):,} of its {len(project.failures) + len(project.layers):,} layers " \
                      f"could not be loaded: {listed}{more}"
            if not project.layers:
                self.message_bar.push(f"{name} was not opened", missing + ". Your work is as it was.", "critical")
                return
            if not self.keep_partial_project(name, missing):
                self.message_bar.push(f"{name} was not opened", missing + ". Your work is as it was.", "warning")
                return
            self.message_bar.push(f"{name}: opened without some layers", missing, "critical")
        if not self.may_discard_changes(f"Open {name}"):
            self.message_bar.push(f"{name} was not opened", "Your work is as it was.", "info")
            return
        with self.canvas.made_at_the_next_view():  # its layers made a turn each, not all in this one
            problems = apply_project(project, self.session)
        for problem in problems:
            self.message_bar.push("A project setting was not applied", f"{Path(project.path).name}: {problem}", "warning")
        for layer in self.stack:
            self._warn(layer)
        self.project_path = project.path
        add_recent_file(self.settings, Path(project.path))
        if project.view:
            self.canvas.jump_to(project.view)
        else:
            self.canvas.full_extent()
        self.setWindowTitle(f"planner — {Path(project.path).name}")

    def _on_outside_files(self, path: str, files: list) -> None:
        """A project names files outside its folder and none was read: ask, and load it only on yes."""
        name = Path(path).name
        if not self.open_outside_files(name, files):
            self.message_bar.push(f"{name} was not opened",
                                  f"It names {len(files):,} file(s) outside its own folder; none was read. "
                                  "Your work is as it was.", "info")
            return
        self.open_files([path], allow_outside=True)

    def open_outside_files(self, name: str, files: list) -> bool:
        """Ask whether to read the files a project names outside its own folder (a question; tests replace it)."""
        listed = "\n".join(str(f) for f in files[:OutsideFilesError.LISTED])
        more = f"\n… and {len(files) - OutsideFilesError.LISTED:,} more" if len(files) > OutsideFilesError.LISTED else ""
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self, "Read files from outside the project's folder?",
            f"{name} names {len(files):,} file(s) outside its own folder:\n\n{listed}{more}\n\n"
            "A project from someone else can pull any GIS file on this computer into the map and the next "
            "export. Read these files only if you trust where the project came from. Read them?",
            buttons.Yes | buttons.No, buttons.No)
        return answer == buttons.Yes

    def replace_read_only(self, refusal: str) -> bool:
        """Ask whether to replace a read-only file (`refusal`: the save error that names it)."""
        answer = QtWidgets.QMessageBox.question(
            self, "Replace a read-only file?", f"{refusal}.\n\nReplace it anyway? It stays read-only.")
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def keep_partial_project(self, name: str, missing: str) -> bool:
        """Ask whether to open a project whose layers did not all load (the current work is replaced)."""
        answer = QtWidgets.QMessageBox.question(
            self, "Open the project without some layers?",
            f"{name}: {missing}.\n\nOpen it without them? Your current work will be replaced.")
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def _on_repair_asked(self, path: str, message: str) -> None:
        """A file loads only with repairs that change polygons' areas: the planner chooses."""
        if self.accept_repairs(Path(path).name, message):
            self.open_files([path], repair=True)
        else:
            self.message_bar.push("Not loaded: its repair would change areas", message, "warning")

    def accept_repairs(self, name: str, message: str) -> bool:
        """Ask whether to load a file with repairs that change polygons' areas (a question; tests replace it)."""
        answer = QtWidgets.QMessageBox.question(
            self, f"Repair {name}?", f"{message}.\n\nLoad it with these polygons as repaired?")
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def _on_load_failed(self, message: str) -> None:
        log.warning("load failed: %s", message)
        self.message_bar.push("Could not load", message, "critical")

    def _on_load_finished(self, cancelled: bool) -> None:
        if cancelled:
            self.message_bar.push("Loading cancelled", "", "info")
        if not self.loader.busy():
            exporting = self.export_menu.busy()  # the export's progress stays
            self.progress.setVisible(exporting)
            self.cancel_button.setVisible(exporting)
            self.canvas.set_loading(None)
            self.loading_finished.emit()

    def _close_table(self, layer, _index: int) -> None:
        """A removed layer's attribute table goes with it."""
        dock = self.tables.pop(id(layer), None)
        if dock is not None:
            dock.close()
            dock.deleteLater()

    # -- drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_files(paths)
            event.acceptProposedAction()

    # -- tools ------------------------------------------------------------------------------------
    def set_tool(self, name: str) -> None:
        self.tool.deactivate()
        self.tool = self.tools[name]
        if name.startswith("plan_"):
            self.tool.set_mode(name[len("plan_"):])
        self.tool.activate()
        self.tool_actions[name].setChecked(True)

    def travel_time_from(self, x: float, y: float) -> None:
        """A place picked on the map: the Travel time dock routes from it, and the map pans again."""
        self.set_tool("pan")
        self.travel_time_dock.raise_()
        self.travel_time.route_from_xy(x, y)

    def _on_canvas_click(self, x: float, y: float, event) -> None:
        self.tool.on_canvas_click(x, y, event)

    def show_identify_results(self, hits: list[Hit]) -> None:
        self.results.clear()
        for hit in hits:
            top = QtWidgets.QTreeWidgetItem([hit.title, hit.layer.name])
            for key, value in hit.attributes.items():
                top.addChild(QtWidgets.QTreeWidgetItem([str(key), "" if value is None else str(value)]))
            self.results.addTopLevelItem(top)
        if hits:
            self.results.topLevelItem(0).setExpanded(True)
        self.results_dock.show()
        self.results.setHeaderLabels([f"{len(hits)} feature(s) here" if hits else "Nothing here", "Value"])

    def show_measurement(self, measurement) -> None:
        self.measure_label.setText(measurement.text() if measurement else "Click on the map to measure.")

    def zoom_to_place(self, place) -> None:
        """Zoom to a place found by name (at least 1.5 km across) and highlight its features."""
        xmin, ymin, xmax, ymax = place.bounds
        cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
        half = max((xmax - xmin) * 0.65, (ymax - ymin) * 0.65, 750.0)
        self.canvas.set_view((cx - half, cy - half, cx + half, cy + half))
        self.canvas.set_highlight(place.layer, list(place.rows))
        self.statusBar().showMessage(place.label(), 5000)

    def _zoom_to_current(self) -> None:
        layer = self.layer_panel.current_layer()
        if layer is not None:
            self.canvas.zoom_to_layer(layer)

    # -- attribute table --------------------------------------------------------------------------
    def open_attribute_table(self, layer: VectorLayer) -> AttributeTable:
        dock = self.tables.get(id(layer))
        if dock is None:
            table = AttributeTable(layer)
            table.rows_selected.connect(self.canvas.set_highlight)
            dock = QtWidgets.QDockWidget(f"Attributes — {layer.name}", self)
            dock.setObjectName(f"attributes_dock_{len(self.tables)}")
            dock.setWidget(table)
            dock.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose, False)
            bottom = [d for d in self.findChildren(QtWidgets.QDockWidget)
                      if d.isVisible() and self.dockWidgetArea(d) == QtCore.Qt.DockWidgetArea.BottomDockWidgetArea]
            if bottom:  # a tab beside the Timeline (or another table), not a narrow column next to it
                self.tabifyDockWidget(bottom[0], dock)
            else:
                self.addDockWidget(QtCore.Qt.DockWidgetArea.BottomDockWidgetArea, dock)
                self.resizeDocks([dock], [max(220, self.height() // 3)], QtCore.Qt.Orientation.Vertical)
            self.tables[id(layer)] = dock
        dock.show()
        dock.raise_()
        return dock.widget()

    # -- status bar -------------------------------------------------------------------------------
    def _show_study_area(self, area) -> None:
        """A chosen study area (a district, a zone layer) outlined with the map's feature highlight
        and zoomed to; the whole city (the boundary) clears the outline and leaves the view."""
        layer = self.stack.find(area.layer) if area.layer is not None else None
        if not isinstance(layer, VectorLayer):
            self.canvas.set_highlight(None)
            return
        names = self.session.zone_names(layer)
        self.canvas.set_highlight(layer, [names.index(area.feature)] if area.feature is not None
                                  else range(len(layer.gdf)))
        xmin, ymin, xmax, ymax = self.session.study_area_geometry().bounds
        pad = max(xmax - xmin, ymax - ymin, 200.0) * 0.05
        self.canvas.set_view((xmin - pad, ymin - pad, xmax + pad, ymax + pad))

    def _show_crs(self) -> None:
        crs = self.session.working_crs
        self.crs_label.setText(self.session.crs_text())
        try:  # a readout, not a figure: any accuracy PROJ states will do (S-JTSK to WGS 84: 6 m)
            self._to_lonlat = transformer(crs, WGS84, max_error_m=math.inf) if crs is not None else None
        except TransformError:  # no datum shift known to WGS 84: no lon/lat shown rather than a wrong one
            self._to_lonlat = None

    def ask_working_crs(self) -> None:
        """Project > Working CRS: an EPSG code or any CRS PROJ knows; empty: choose from the data."""
        current = self.session.working_crs
        text, ok = QtWidgets.QInputDialog.getText(
            self, "Working CRS",
            "The metric CRS every area and distance is measured in (e.g. EPSG:32631, EPSG:5897).\n"
            "Leave empty to choose it from the data.",
            text=current.to_string() if current is not None and self.session.crs_chosen else "")
        if ok:
            self.set_working_crs(text.strip() or None)

    def set_working_crs(self, crs) -> bool:
        try:
            self.session.set_working_crs(crs)
        except Exception as exc:  # NotMetricCRSError, TransformError, pyproj's CRSError: each says why
            self.message_bar.push("Working CRS not changed", describe(exc), "critical")
            return False
        return True

    def _show_coordinates(self, x: float, y: float) -> None:
        if self._to_lonlat is None:
            return
        lon, lat = self._to_lonlat.transform(x, y)
        self.coordinates.setText(
            f"E {x:,.0f}  N {y:,.0f} m ({crs_label(self.session.working_crs).split(' ')[0]})   "
            f"{abs(lat):.5f}°{'N' if lat >= 0 else 'S'} {abs(lon):.5f}°{'E' if lon >= 0 else 'W'}"
        )

    def _show_scale(self) -> None:
        if self.canvas.is_empty():
            self.scale_label.setText("")
            return
        self.scale_label.setText(f"scale bar {self.canvas.scale_bar.text()} · {self.canvas.pixel_size():,.1f} m/pixel")

    def show_error(self, title: str, text: str) -> None:
        """Where the excepthook sends unexpected errors."""
        self.message_bar.push(title, text, "critical")

    # -- undo, redo, new and close -----------------------------------------------------------------
    def undo(self) -> str | None:
        return self._replay(self.session.undo(), "Undone")

    def redo(self) -> str | None:
        return self._replay(self.session.redo(), "Redone")

    def _replay(self, text: str | None, verb: str) -> str | None:
        if text is not None:
            self.statusBar().showMessage(f"{verb}: {text}", 4000)
        return text

    def _show_history(self) -> None:
        history = self.session.history
        self.undo_action.setEnabled(history.can_undo())
        self.redo_action.setEnabled(history.can_redo())
        self.undo_action.setText(f"&Undo {history.undo_text()}".rstrip())
        self.redo_action.setText(f"&Redo {history.redo_text()}".rstrip())

    def new_project(self) -> bool:
        """File > New / Close project: an empty session, after asking about unsaved work."""
        if not self.may_discard_changes("Close the project"):
            return False
        self.loader.cancel_all()
        self.session.clear()
        self.project_path = None
        self.setWindowTitle("planner — how much of the city do our networks reach?")
        return True

    def may_discard_changes(self, what: str) -> bool:
        """True if there is no unsaved work, or the planner saved it or chose to drop it."""
        if not self.session.modified:
            return True
        answer = self.ask_save_changes(what)
        if answer == "save":
            return self.save() is not None
        return answer == "discard"

    def ask_save_changes(self, what: str) -> str:
        """'save', 'discard' or 'cancel' (a question; tests replace it)."""
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self, what, "The project has changes that are not saved. Save them first?",
            buttons.Save | buttons.Discard | buttons.Cancel, buttons.Save)
        return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")

    # -- the sketch -------------------------------------------------------------------------------
    def new_sketch_line(self) -> None:
        if not self.tool_actions["plan_add"].isChecked():
            self.set_tool("plan_add")
        self.tools["plan_add"].new_line()
        self.statusBar().showMessage("Plan: the next click starts a new line", 4000)

    def edit_sketch_station(self, line: int, station: int) -> None:
        from planner_gui.sketch_form import StationForm

        sketch_line = self.session.sketch.lines[line]
        form = StationForm(sketch_line.stations[station], sketch_line, self)
        if form.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            station_values, line_values = form.values()
            try:
                self.session.sketch_set_station(line, station, *station_values, line=line_values)
            except ValueError as exc:
                self.message_bar.push("The station and its line were not changed", str(exc), "warning")

    def export_sketch(self, path=None) -> Path | None:
        """Write the sketch's layers to a GeoPackage (asks where, unless `path` is given)."""
        from layers.io import write_vectors

        layers = [self.session.sketch_layer(role) for role in ("metro_station", "metro_line")]
        frames = {layer.name.lower().replace(" ", "_"): layer.gdf for layer in layers if layer is not None}
        if not frames:
            self.message_bar.push("Nothing to export", "Sketch a line first (Plan: add stations, P)", "info")
            return None
        if path is None:
            path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Export the sketch", "sketch.gpkg",
                                                            "GeoPackage (*.gpkg)")
            if not path:
                return None
        try:
            written = write_vectors(frames, path, new_file=True)
        except (OSError, ValueError) as exc:
            self.message_bar.push("Could not export the sketch", describe(exc), "critical")
            return None
        self.message_bar.push("Sketch exported", str(written), "success")
        return written
