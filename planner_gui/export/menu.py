"""Export menu of the dashboard: the shown results as CSV, GeoPackage, map PNG, HTML and PDF report.

The `export_*` functions write what the docks show now (nothing is recomputed) with the
functions of `planner_gui.export.render` and `layers.report`; `ExportMenu` asks for a file name and
calls them, reporting in the message bar.
"""
from __future__ import annotations

from pathlib import Path

from PySide6 import QtGui, QtWidgets

from layers.report import report_from_results, results_table, write_csv, write_geopackage
from planner_gui.export import render as export


def _shown(dashboard):
    coverage = dashboard.coverage.coverage
    difference = dashboard.scenarios.difference
    overlap = dashboard.overlap.result
    return coverage, difference, overlap


def export_csv(dashboard, path) -> Path:
    coverage, _, _ = _shown(dashboard)
    if coverage is None:
        raise ValueError("no figures to export yet")
    return write_csv(results_table([coverage.result]), path)


def export_geopackage(dashboard, path) -> Path:
    coverage, difference, overlap = _shown(dashboard)
    if coverage is None and difference is None and overlap is None:
        raise ValueError("no results to export yet")
    catchments = {coverage.result.title: coverage.catchment} if coverage is not None else None
    return write_geopackage(path, catchments=catchments, overlap=overlap,
                            differences=[difference] if difference is not None else [],
                            crs=coverage.crs if coverage is not None else None)


def export_report_files(dashboard, canvas, html_path=None, pdf_path=None) -> list[Path]:
    coverage, difference, overlap = _shown(dashboard)
    if coverage is None:
        raise ValueError("no figures to export yet")
    images = {"Map": export.map_png_bytes(canvas, 1400, 1000),
              "By ward": export.chart_png(dashboard.coverage.chart.plot, 1400, 700)}
    if dashboard.timeline.timeline is not None:
        images["Coverage over time"] = export.chart_png(dashboard.timeline.plot, 1400, 600)
    report = report_from_results(
        f"How much of the city does {coverage.result.title} reach?", results=[coverage.result],
        differences=[difference] if difference is not None else [], overlap=overlap, images=images)
    return export.export_report(report, html_path, pdf_path)


class ExportMenu(QtWidgets.QMenu):
    def __init__(self, window, parent=None):
        super().__init__("&Export", parent)
        self.window = window
        self.addAction("Results table as &CSV…", lambda: self._ask("CSV table (*.csv)", ".csv", self._csv))
        self.addAction("Catchments and overlaps as &GeoPackage…",
                       lambda: self._ask("GeoPackage (*.gpkg)", ".gpkg", self._gpkg))
        self.addAction("&Map as PNG…", self._map_png)
        self.addSeparator()
        self.addAction("Report as &HTML…", lambda: self._ask("HTML (*.html)", ".html", self._html))
        self.addAction("Report as &PDF…", lambda: self._ask("PDF (*.pdf)", ".pdf", self._pdf))

    def _csv(self, path):
        return export_csv(self.window.dashboard, path)

    def _gpkg(self, path):
        return export_geopackage(self.window.dashboard, path)

    def _html(self, path):
        return export_report_files(self.window.dashboard, self.window.canvas, html_path=path)[0]

    def _pdf(self, path):
        return export_report_files(self.window.dashboard, self.window.canvas, pdf_path=path)[0]

    def _ask(self, file_filter: str, suffix: str, write) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Export", "planner" + suffix, file_filter)
        if path:
            self._run(lambda: write(path if path.endswith(suffix) else path + suffix))

    def _map_png(self) -> None:
        size = self.window.canvas.size()
        width, ok = QtWidgets.QInputDialog.getInt(self.window, "Map as PNG", "Width (pixels)", size.width() * 2,
                                                  100, export.MAX_IMAGE_PX)
        if not ok:
            return
        height, ok = QtWidgets.QInputDialog.getInt(self.window, "Map as PNG", "Height (pixels)",
                                                   round(width * size.height() / max(size.width(), 1)),
                                                   100, export.MAX_IMAGE_PX)
        if ok:
            self._ask("PNG image (*.png)", ".png",
                      lambda path: export.render_map_png(self.window.canvas, path, width, height))

    def _run(self, action) -> None:
        QtWidgets.QApplication.setOverrideCursor(QtGui.QCursor())
        try:
            written = action()
        except Exception as exc:  # shown, never a crash
            self.window.message_bar.push("Could not export", str(exc), "critical")
        else:
            self.window.message_bar.push("Exported", str(written), "success")
        finally:
            QtWidgets.QApplication.restoreOverrideCursor()
