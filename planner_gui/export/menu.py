"""Export menu of the dashboard: the shown results as CSV, GeoPackage, map PNG, HTML and PDF report.

Each export is made in two halves. The first runs in the GUI thread: it takes the results the
docks show now (nothing is recomputed), draws the charts into images and sets up the drawings of
the map (`render.MapDrawing`), which only the GUI thread may do. The menu draws those maps in
steps (a large layer's picture in a worker, the rest a strip per turn of the event loop), so the
window stays live even for a 600 dpi page. The second half, an `Export`'s `write(progress,
cancelled)`, encodes the pictures, builds the report and writes the files (atomically) in a
worker thread. Progress shows in the status bar, with its Cancel button, throughout.

    csv_export(dashboard, "figures.csv").run()           # both halves here and now (scripts, tests)
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6 import QtGui, QtWidgets

from layers.analysis.progress import IsCancelled, Progress, check
from layers.io.atomic import save_target
from layers.report import report_from_results, results_table, write_csv, write_geopackage
from planner_gui.export import print_layout, print_page, render, report_pdf
from planner_gui.jobs.runner import AnalysisRunner


@dataclass
class Export:
    """An export: its `maps` are drawn (GUI thread), then `write(progress, cancelled)` writes `path` (any thread)."""

    path: Path
    write: Callable[[Progress, IsCancelled], object]
    maps: list[render.MapDrawing] = field(default_factory=list)
    done: bool = False  # the file is written (also when a cancel came too late to stop it)

    def undrawn(self) -> list[render.MapDrawing]:
        return [drawing for drawing in self.maps if drawing.image is None]

    def run(self, progress: Progress = None, cancelled: IsCancelled = None) -> Path:
        """Draw what is not drawn yet (here and now: GUI thread), then write."""
        for drawing in self.undrawn():
            drawing.draw_now()
        self.write(progress, cancelled)
        self.done = True
        return self.path


def _shown(dashboard):
    """The session's latest results (what the docks show): coverage, scenario difference, overlap."""
    latest = dashboard.session.latest
    return latest.get("coverage"), latest.get("difference"), latest.get("overlap")


def csv_export(dashboard, path) -> Export:
    coverage, _, _ = _shown(dashboard)
    if coverage is None:
        raise ValueError("no figures to export yet")
    result = coverage.result
    return Export(Path(path), lambda progress, cancelled: write_csv(results_table([result]), path))


def geopackage_export(dashboard, path) -> Export:
    coverage, difference, overlap = _shown(dashboard)
    if coverage is None and difference is None and overlap is None:
        raise ValueError("no results to export yet")
    catchments = {coverage.result.title: coverage.catchment} if coverage is not None else None
    return Export(Path(path), lambda progress, cancelled: write_geopackage(
        path, catchments=catchments, overlap=overlap, differences=[difference] if difference is not None else [],
        crs=coverage.crs if coverage is not None else None))


def map_png_export(canvas, path, width_px: int, height_px: int) -> Export:
    drawing = render.MapDrawing(canvas, width_px, height_px, 1.0, canvas.view_bounds(), overlays=True)
    return Export(Path(path), lambda progress, cancelled: render.save_png(drawing.image, path), [drawing])


def print_export(window, path, spec: print_page.PageSpec, title: str, subtitle: str) -> Export:
    """The print layout page (PDF or PNG by the suffix): its map drawn for the page, the page painted and
    written by `write`."""
    if Path(path).suffix.lower() not in (".pdf", ".png"):
        raise ValueError(f"{Path(path).name}: print to a .pdf or a .png file")
    content = print_layout.page_content(window.canvas, spec, title, subtitle)
    return Export(Path(path), lambda progress, cancelled: print_layout.write_page(content, path, cancelled),
                  [content.map])


REPORT_PAGE = print_page.PageSpec("A4", landscape=False, dpi=200)  # the report's map page


def report_export(dashboard, canvas, html_path=None, pdf_path=None) -> Export:
    """The report (HTML and/or PDF): its map page (the print layout, A4 portrait) and charts drawn now,
    encoded and written by `write`; the sources are the layers' own (`layers.attribution`)."""
    coverage, difference, overlap = _shown(dashboard)
    if coverage is None:
        raise ValueError("no figures to export yet")
    if html_path is None and pdf_path is None:
        raise ValueError("give an HTML or a PDF file name")
    session = canvas.session
    map_page = print_layout.page_content(
        canvas, REPORT_PAGE, print_layout.default_title(session), print_layout.default_subtitle(session))
    pictures = {"By ward": render.chart_image(dashboard.coverage.chart.plot, 1400, 700)}
    if dashboard.timeline.timeline is not None:
        pictures["Coverage over time"] = render.chart_image(dashboard.timeline.plot, 1400, 600)
    result = coverage.result
    sources = map_page.sources

    def write(progress: Progress, cancelled: IsCancelled) -> None:
        steps = len(pictures) + 1
        images = {}
        for caption, image in pictures.items():
            check(cancelled, progress, len(images) / steps)
            images[caption] = render.png_bytes(image)
        check(cancelled, progress, len(images) / steps)
        report = report_from_results(
            print_layout.default_title(session), results=[result],
            differences=[difference] if difference is not None else [], overlap=overlap, images=images,
            data_sources=sources)
        report_pdf.export_report(report, html_path, pdf_path, map_page=map_page)

    return Export(Path(html_path if html_path is not None else pdf_path), write, [map_page.map])


class ExportMenu(QtWidgets.QMenu):
    """File names asked here; the writing runs in `self.runner` (one export at a time)."""

    def __init__(self, window, parent=None):
        super().__init__("&Export", parent)
        self.window = window
        self.runner = AnalysisRunner(self, debounce_ms=0, lock=contextlib.nullcontext())
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(lambda _id, message: self._say_failed(message))
        self.runner.busy_changed.connect(self._on_writing_busy)
        window.cancel_button.clicked.connect(self.cancel)
        self._export: Export | None = None
        self._drawing: render.MapDrawing | None = None  # the export's map being drawn, in steps
        self._waiting = None  # the Timeline whose curve a report waits for (`_with_curve`)
        self._request_id = 0
        # File > Print / Export map… (the main window puts this action in its File menu too)
        self.print_action = self.addAction("&Print / Export map…", self.print_map)
        self.print_action.setShortcut(QtGui.QKeySequence.StandardKey.Print)
        self.print_action.setToolTip("A page with title, map, legend, scale bar, north arrow, figures and "
                                     "attribution, as PDF or PNG at 300 dpi (Ctrl+P)")
        self.addSeparator()
        self.addAction("Results table as &CSV…",
                       lambda: self._ask("CSV table (*.csv)", ".csv", lambda p: csv_export(window.dashboard, p)))
        self.addAction("Catchments and overlaps as &GeoPackage…",
                       lambda: self._ask("GeoPackage (*.gpkg)", ".gpkg",
                                         lambda p: geopackage_export(window.dashboard, p)))
        self.addAction("&Map as PNG…", self._map_png)
        self.addSeparator()
        self.addAction("Report as &HTML…", lambda: self._ask(
            "HTML (*.html)", ".html", lambda p: report_export(window.dashboard, window.canvas, html_path=p),
            before=self._with_curve))
        self.addAction("Report as &PDF…", lambda: self._ask(
            "PDF (*.pdf)", ".pdf", lambda p: report_export(window.dashboard, window.canvas, pdf_path=p),
            before=self._with_curve))

    def busy(self) -> bool:
        return self._waiting is not None or self._drawing is not None or self.runner.busy()

    def cancel(self) -> None:
        if self._waiting is not None:  # a report waiting for the Timeline's curve: not written
            waiting, self._waiting = self._waiting, None
            waiting.runner.cancel()
            self._show_busy()
            self.window.message_bar.push("Export cancelled", "the report was not written", "info")
        elif self._drawing is not None:
            self._drawing.cancel()  # _map_drawn says so
        elif self.runner.busy():
            self.runner.cancel()  # the worker stops at its next step; _on_writing_busy tells how it ended

    def start(self, make_export: Callable[[str], Export], path: str) -> bool:
        """Set up what `make_export(path)` needs here, draw its maps in steps, then write it in the
        worker; False if refused."""
        try:
            save_target(path)  # a pipe, a device, a read-only file...: refused before any drawing
            export = make_export(path)
        except (ValueError, OSError) as exc:
            self._say_failed(str(exc))
            return False
        self._export = export
        self._draw_next()
        return True

    def _draw_next(self) -> None:
        """The next map of the export drawn in steps; when all are, the writing starts in the worker."""
        export = self._export
        self.window.progress.setRange(0, 100)
        self.window.progress.setValue(0)
        undrawn = export.undrawn()
        if undrawn:
            self._drawing = drawing = undrawn[0]
            drawing.progress.connect(self._on_drawing_progress)
            drawing.finished.connect(self._map_drawn)
            self.window.progress.setFormat(f"Drawing the map for {export.path.name} %p%")
            self._show_busy()
            drawing.start()
            return
        self.window.progress.setFormat(f"Exporting {export.path.name} %p%")
        self._request_id = self.runner.request(export.run, immediate=True)

    def _on_drawing_progress(self, fraction: float) -> None:
        self.window.progress.setValue(round(100 * fraction))

    def _map_drawn(self, drawn: bool) -> None:
        drawing, self._drawing = self._drawing, None
        drawing.progress.disconnect(self._on_drawing_progress)
        drawing.finished.disconnect(self._map_drawn)
        if drawn:
            self._draw_next()
            return
        self._show_busy()
        if drawing.error:
            self._say_failed(f"{self._export.path.name}: the map could not be drawn ({drawing.error})")
        else:
            self.window.message_bar.push("Export cancelled", f"{self._export.path.name} was not changed", "info")

    def _ask(self, file_filter: str, suffix: str, make_export: Callable[[str], Export],
             before: Callable[[Callable[[], None]], None] | None = None) -> None:
        """A file name asked, then the export started (once `before(then)` calls `then`, if given)."""
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self.window, "Export", "planner" + suffix, file_filter)
        if not path:
            return
        path = path if path.endswith(suffix) else path + suffix
        if before is None:
            self.start(make_export, path)
        else:
            before(lambda: self.start(make_export, path))

    def _with_curve(self, then: Callable[[], None]) -> None:
        """`then()` once the Timeline's curve is measured (a report includes it): the curve is
        measured only while the Timeline is on screen, so a report made with it closed asks for it
        and waits (busy meanwhile, as an export is, and cancelled by Cancel; a curve that fails, or
        that a change cancels, leaves the report without it)."""
        timeline = self.window.dashboard.timeline
        if timeline.timeline is not None or not timeline.measure_for_report():
            then()
            return
        self._waiting = timeline
        self.window.progress.setRange(0, 0)
        self.window.progress.setFormat("Measuring the coverage over time for the report")
        self._show_busy()

        def measured(busy: bool) -> None:
            if busy:
                return
            timeline.runner.busy_changed.disconnect(measured)
            waited, self._waiting = self._waiting, None
            self._show_busy()
            if waited is not None:  # not cancelled
                then()

        timeline.runner.busy_changed.connect(measured)

    def _map_png(self) -> None:
        size = self.window.canvas.size()
        width, ok = QtWidgets.QInputDialog.getInt(self.window, "Map as PNG", "Width (pixels)", size.width() * 2,
                                                  100, render.MAX_IMAGE_PX)
        if not ok:
            return
        height, ok = QtWidgets.QInputDialog.getInt(self.window, "Map as PNG", "Height (pixels)",
                                                   round(width * size.height() / max(size.width(), 1)),
                                                   100, render.MAX_IMAGE_PX)
        if ok:
            self._ask("PNG image (*.png)", ".png",
                      lambda path: map_png_export(self.window.canvas, path, width, height))

    def print_map(self) -> None:
        from planner_gui.export.print_dialog import PrintDialog

        dialog = PrintDialog(self.window.session, self.window)
        if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
            return
        spec, title, subtitle, suffix = dialog.spec(), dialog.title.text(), dialog.subtitle.text(), dialog.suffix()
        file_filter = "PDF (*.pdf)" if suffix == ".pdf" else "PNG image (*.png)"
        self._ask(file_filter, suffix, lambda path: print_export(self.window, path, spec, title, subtitle))

    def _on_progress(self, _id: int, fraction: float) -> None:
        self.window.progress.setValue(round(100 * fraction))

    def _on_finished(self, _id: int, _result) -> None:
        self.window.message_bar.push("Exported", str(self._export.path), "success")

    def _say_failed(self, message: str) -> None:
        self.window.message_bar.push("Could not export", message, "critical")

    def _show_busy(self) -> None:
        busy = self.busy()
        for action in self.actions():
            action.setEnabled(not busy)
        loading = self.window.loader.busy()
        self.window.progress.setVisible(busy or loading)
        self.window.cancel_button.setVisible(busy or loading)

    def _on_writing_busy(self, busy: bool) -> None:
        self._show_busy()
        export = self._export
        if not busy and export is not None and self.runner.latest_id != self._request_id:  # it was cancelled
            if export.done:
                self.window.message_bar.push("Exported before the cancel took effect", str(export.path), "info")
            else:
                self.window.message_bar.push("Export cancelled", f"{export.path.name} was not changed", "info")
