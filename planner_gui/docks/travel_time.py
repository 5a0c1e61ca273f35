"""Travel time dock: how far transit and walking take people from a station, in 15/30/45/60 minutes.

The planner chooses a station of the loaded GTFS feed (or types a place as lon,lat, or picks one on
the map: "Pick on map" makes the next click the origin, written as lon,lat in the box), the minutes
and the percentile; the bands are routed in a worker (`layers.transit.reach_figures`, Range-RAPTOR
over the feed's trips, every departure minute of the window) and drawn as a result layer, with the
area and people within each band. With a sketch, what it adds within the chosen minutes is given
too, and measured again whenever the sketch changes. The method line names the feed, the window,
the percentile, the walking speed and the transfer rule.
"""
from __future__ import annotations

from pyproj import Transformer
from PySide6 import QtCore, QtWidgets

from layers.layer import Style
from layers.session import Session
from layers.text import km2_text, people_text, percent_text, signed_text
from layers.transit.reach_figures import RouterCache, session_travel_time
from planner_gui.binding import refill
from planner_gui.docks.base import CITY_EVENTS, MeasureDock, status_label

BANDS_STYLE = Style(stroke="#08519c", fill="#6baed6", fill_alpha=0.3, width=1.0, category_field="minutes")
COLUMNS = ("within", "area", "people", "population share")
ZONE_COLUMNS = ("zone", "people before", "people after", "gain")


class TravelTimeView(MeasureDock, QtWidgets.QWidget):
    shown = QtCore.Signal(object)  # the figures put in the table
    pick_requested = QtCore.Signal()  # the next click on the map is the origin (the window's pick tool)
    result_key = "travel_time"
    result_layers = ("travel_time",)
    failed_text = "cannot route"

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.start_measuring(session, status_label("#222"))
        self.cache = RouterCache()
        self.origin = QtWidgets.QComboBox(editable=True)
        self.origin.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.origin.setMinimumContentsLength(8)  # the column stays narrow whatever the stations' names
        self.origin.setToolTip("A station of the feed, or a place written lon,lat")
        self.minutes = QtWidgets.QSpinBox(minimum=5, maximum=120, value=30, suffix=" min")
        self.percentile = QtWidgets.QSpinBox(minimum=1, maximum=100, value=50)
        self.percentile.setToolTip("The travel time that this share of the departure minutes (07:00-09:00) beats: "
                                   "50 is the median, as Conveyal and r5py report")
        self.button = QtWidgets.QPushButton("Route")
        self.button.clicked.connect(self.recompute)
        self.pick = QtWidgets.QPushButton("Pick on map")
        self.pick.setToolTip("Click a place on the map: travel time is routed from there")
        self.pick.clicked.connect(self.ask_for_place)
        form = QtWidgets.QFormLayout()
        form.addRow("From", self.origin)
        form.addRow("Within", self.minutes)
        form.addRow("Percentile", self.percentile)
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.by_zone = QtWidgets.QTableWidget(0, len(ZONE_COLUMNS))  # the sketch's gain per zone
        self.by_zone.setHorizontalHeaderLabels(ZONE_COLUMNS)
        self.by_zone.verticalHeader().setVisible(False)
        self.by_zone.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.by_zone.setVisible(False)
        self.gain = QtWidgets.QLabel("")
        self.gain.setWordWrap(True)
        self.method = QtWidgets.QLabel("")
        self.method.setWordWrap(True)
        self.method.setStyleSheet("color: #555;")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.button)
        buttons.addWidget(self.pick)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.gain)
        layout.addWidget(self.by_zone, 1)
        layout.addWidget(self.method)
        self.status.setText("How far do transit and walking take people? Open a GTFS feed, choose a station.")
        self.follow(events=(*CITY_EVENTS, "sketch"))
        self.fill_stations()

    def fill_stations(self) -> None:
        names = []
        for layer in self.session.layers:
            if layer.role == "transit_stop" and layer.gdf is not None and "name" in layer.gdf:
                names += [str(n) for n in layer.gdf["name"].dropna().unique()]
        current = self.origin.currentText()
        refill(self.origin, [(n, n) for n in sorted(set(names))], current or None)

    def on_inputs_changed(self, *_) -> None:
        self.fill_stations()
        if self.latest is not None:  # routed when asked, then kept current (the sketch's gain live)
            self.recompute()

    def ask_for_place(self) -> None:
        self.status.setText("Click a place on the map: travel time is routed from there.")
        self.pick_requested.emit()

    def route_from_xy(self, x: float, y: float) -> int | None:
        """Route from a place picked on the map (working-CRS metres), written lon,lat in the box to
        1e-7 degrees (about a centimetre) so that the planner sees it and can route from it again."""
        crs = self.session.working_crs
        if crs is None:
            self.status.setText("Open a layer first: a place on the map needs the working CRS.")
            return None
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
        self.origin.setCurrentText(f"{lon:.7f},{lat:.7f}")
        return self.recompute()

    def recompute(self) -> int | None:
        origin = self.origin.currentText().strip()
        if not origin:
            self.status.setText("Choose a station of the feed, or write a place as lon,lat.")
            return None
        session, cache, minutes, percentile = self.session, self.cache, self.minutes.value(), self.percentile.value()
        return self.runner.request(lambda progress, cancelled: session_travel_time(
            session, cache, origin, minutes, percentile))

    def show_failed(self, message: str) -> None:
        self.table.setRowCount(0)
        self.by_zone.setRowCount(0)
        self.gain.setText("")

    def show_result(self, figures) -> None:
        bands = figures["bands"]
        self.table.setRowCount(len(bands))
        for i, band in enumerate(bands):
            cells = (f"{band['minutes']} min", km2_text(band["area_km2"] * 1e6), people_text(band["population"]),
                     percent_text(band["population_share"]))
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QtWidgets.QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        gain = figures.get("sketch_gain")
        self.gain.setText("" if gain is None else
                          f"The sketch: {signed_text(gain['gain'])} people within {gain['minutes']:g} min "
                          f"({people_text(gain['population_before'])} → {people_text(gain['population_after'])})")
        self._fill_zones(None if gain is None else gain.get("by_zone"))
        self.method.setText(f"From {figures['origin']}; {figures['feed']}; {figures['window']}; "
                            f"{figures['percentile']:g}th percentile; walking {figures['walk_speed_kmh']:g} km/h; "
                            f"{figures['transfer_rule']}; CRS {figures['crs']}")
        self.status.setText("")
        self.session.show_result("travel_time", figures["bands_gdf"], f"Travel time from {figures['origin']} (result)",
                                 BANDS_STYLE)
        self.shown.emit(figures)

    def _fill_zones(self, table) -> None:
        """The sketch's gain within the minutes per zone, the largest gain first."""
        self.by_zone.setVisible(table is not None)
        if table is None:
            self.by_zone.setRowCount(0)
            return
        table = table.sort_values("gain", ascending=False, kind="stable")
        self.by_zone.setRowCount(len(table))
        for i, row in enumerate(table.itertuples(index=False)):
            cells = (str(row.zone), people_text(row.population_before), people_text(row.population_after),
                     signed_text(row.gain))
            for j, text in enumerate(cells):
                self.by_zone.setItem(i, j, QtWidgets.QTableWidgetItem(text))
        self.by_zone.resizeColumnsToContents()
