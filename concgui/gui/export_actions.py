"""File menu exports: results as CSV, plots as PNG or SVG, results as Markdown on the clipboard.

The formats come from :mod:`concgui.engine.export` (Qt-free, shared with the
CLI); this module only adds the menu entries, the file dialogs and the
messages. Every file is written atomically, so a failed write keeps an older
file as it was, and the results stay in the window: an unwritable path ends in
a message that says so, and nothing is lost.

The ``export_*``/``save_plot``/``copy_markdown`` methods do the work without
dialogs (the tests call them); the ``_on_*`` slots add the dialogs.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QStatusBar, QWidget

from concgui.engine.export import (ExportError, bench_command, results_csv, results_markdown, write_bytes,
                                   write_text)

if TYPE_CHECKING:
    from concgui.gui.results_table import ResultsModel
    from concgui.gui.settings import Settings

PLOT_FILTERS = "PNG image (*.png);;SVG image (*.svg)"
#: PNGs are drawn at this multiple of the plot's size on screen (sharper when zoomed or printed).
PNG_SCALE = 2
NOTHING_LOST = "Nothing was lost: the results are still in the window. Choose another folder and try again."


def plot_png(widget: pg.PlotWidget, scale: int = PNG_SCALE) -> bytes:
    """The plot as PNG bytes, drawn at ``scale`` times its size, on its own background."""
    from pyqtgraph.exporters import ImageExporter

    exporter = ImageExporter(widget.getPlotItem())
    width = max(1, int(exporter.parameters()["width"]) * scale)
    exporter.parameters()["width"] = width  # the height follows the aspect ratio
    image = exporter.export(toBytes=True)
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buf, "PNG")
    buf.close()
    if not ok:
        raise ExportError("could not encode the plot as PNG")
    return bytes(data.data())


def plot_svg(widget: pg.PlotWidget) -> bytes:
    """The plot as an SVG document (UTF-8).

    pyqtgraph's SVGExporter (clipped, item by item) when it copes; it fails on
    some curves with recent Qt versions, and then Qt's QSvgGenerator draws the
    whole plot widget instead.
    """
    from pyqtgraph.exporters import SVGExporter

    try:
        data = SVGExporter(widget.getPlotItem()).export(toBytes=True)
        if isinstance(data, bytes) and b"<svg" in data:
            return data
    except Exception:  # noqa: BLE001 (a pyqtgraph bug must not lose the export: fall back)
        pass
    return _qt_svg(widget)


def _qt_svg(widget: pg.PlotWidget) -> bytes:
    from PySide6.QtCore import QRect, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    size = widget.size()
    gen.setSize(QSize(size.width(), size.height()))
    gen.setViewBox(QRect(0, 0, size.width(), size.height()))
    gen.setTitle("concgui plot")
    painter = QPainter(gen)
    widget.render(painter)
    painter.end()
    buf.close()
    return bytes(data.data())


def save_plot(widget: pg.PlotWidget, path: str) -> str:
    """Write the plot to ``path``: SVG for ``.svg``, else PNG (``.png`` added when missing).

    Returns the path written; raises ExportError with a message for the user.
    """
    root, ext = os.path.splitext(path)
    if ext.lower() == ".svg":
        data = plot_svg(widget)
    else:
        if ext.lower() != ".png":
            path = path + ".png"
        data = plot_png(widget)
    write_bytes(path, data)
    return path


class ExportActions(QObject):
    """The session's CSV, Markdown and plot exports, and their File menu entries.

    Given what it exports (the results model, the plots by name) and where to
    say so (a status bar), not the window: it never reaches into other views.
    """

    def __init__(self, window: QWidget, results: "ResultsModel", plots: dict[str, pg.PlotWidget],
                 status: QStatusBar, settings: "Settings | None" = None,
                 selected_row: Callable[[], int | None] = lambda: None) -> None:
        super().__init__(window)
        self.window, self.results, self.plots, self.status = window, results, plots, status
        self.settings = settings
        #: The index of the row selected in the results table, if any.
        self.selected_row = selected_row
        self.export_csv_action = QAction("Export results as &CSV…", window)
        self.export_csv_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_csv_action.triggered.connect(self._on_export_csv_action_triggered)
        self.copy_markdown_action = QAction("Copy results as &Markdown", window)
        self.copy_markdown_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.copy_markdown_action.setToolTip("A Markdown table of every run, ready to paste into an issue or notes")
        self.copy_markdown_action.triggered.connect(self._on_copy_markdown_action_triggered)
        self.copy_command_action = QAction("Copy run as a &command line", window)
        self.copy_command_action.setToolTip("The `concgui bench` command that runs the selected (or last) run's "
                                            "tasks the same way in a terminal")
        self.copy_command_action.triggered.connect(self._on_copy_command_action_triggered)
        self.save_cpu_plot_action = QAction("Save CPU &plot…", window)
        self.save_cpu_plot_action.triggered.connect(self._on_save_cpu_plot_action_triggered)
        self.save_chart_action = QAction("Save c&omparison chart…", window)
        self.save_chart_action.triggered.connect(self._on_save_chart_action_triggered)
        self.actions = [self.export_csv_action, self.copy_markdown_action, self.copy_command_action, None,
                        self.save_cpu_plot_action, self.save_chart_action]
        #: Shows a failure to the user: (title, text). Tests replace it.
        self.warn: Callable[[str, str], Any] = lambda title, text: QMessageBox.warning(window, title, text)

    def install(self, menu: QMenu, after: QAction | None = None) -> None:
        """Put the entries into ``menu``, right after ``after`` (or at the end)."""
        acts = menu.actions()
        before = None
        if after is not None and after in acts:
            i = acts.index(after)
            before = acts[i + 1] if i + 1 < len(acts) else None
        for a in self.actions:
            if a is None:
                sep = QAction(menu)
                sep.setSeparator(True)
                a = sep
            if before is None:
                menu.addAction(a)
            else:
                menu.insertAction(before, a)
        if before is not None:
            sep = QAction(menu)
            sep.setSeparator(True)
            menu.insertAction(before, sep)

    # -- the work (no dialogs) ------------------------------------------------------------------

    def _rows(self) -> list[dict[str, Any]]:
        return [row.as_dict() for row in self.results.rows]

    def export_csv(self, path: str) -> None:
        """Every run of this session as CSV; raises ExportError with a user message."""
        write_text(path, results_csv(self._rows()))

    def markdown(self) -> str:
        return results_markdown(self._rows())

    def copy_markdown(self) -> str:
        """Put the Markdown table on the clipboard; returns it."""
        text = self.markdown()
        QGuiApplication.clipboard().setText(text)
        return text

    # -- menu slots (dialogs) -----------------------------------------------------------------------

    def _start_dir(self, name: str) -> str:
        folder = self.settings.export_dir if self.settings is not None else None
        return os.path.join(folder, name) if folder and os.path.isdir(folder) else name

    def _remember_dir(self, path: str) -> None:
        if self.settings is not None:
            self.settings.export_dir = os.path.dirname(os.path.abspath(path))

    def _saved(self, what: str, path: str) -> None:
        self._remember_dir(path)
        self.status.showMessage(f"Saved {what} to {path}", 8000)

    def _failed(self, what: str, exc: ExportError) -> None:
        self.status.showMessage(f"Could not save {what}.", 8000)
        self.warn("Export failed", f"Could not save {what}: {exc}\n\n{NOTHING_LOST}")

    @Slot()
    def _on_export_csv_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export results as CSV",
                                              self._start_dir("concgui-results.csv"), "CSV (*.csv)")
        if not path:
            return
        n = len(self.results.rows)
        try:
            self.export_csv(path)
        except ExportError as exc:
            self._failed("the results", exc)
        else:
            self._saved(f"{n} run(s)", path)

    @Slot()
    def _on_copy_markdown_action_triggered(self) -> None:
        self.copy_markdown()
        n = len(self.results.rows)
        self.status.showMessage(f"Copied {n} run(s) as a Markdown table.", 5000)

    def command(self) -> str | None:
        """The terminal command of the selected run, or of the last one (None: no run yet)."""
        rows = self.results.rows
        if not rows:
            return None
        chosen = self.selected_row()
        row = rows[chosen] if chosen is not None and 0 <= chosen < len(rows) else rows[-1]
        return bench_command(row.record)

    def copy_command(self) -> str | None:
        text = self.command()
        if text is not None:
            QGuiApplication.clipboard().setText(text)
        return text

    @Slot()
    def _on_copy_command_action_triggered(self) -> None:
        text = self.copy_command()
        self.status.showMessage(f"Copied: {text}" if text else "No run yet: nothing to copy.", 8000)

    def _save_plot_dialog(self, widget: pg.PlotWidget, what: str, name: str) -> None:
        path, chosen = QFileDialog.getSaveFileName(self.window, f"Save {what}", self._start_dir(name),
                                                   PLOT_FILTERS)
        if not path:
            return
        if not os.path.splitext(path)[1] and chosen.startswith("SVG"):
            path += ".svg"
        try:
            written = save_plot(widget, path)
        except ExportError as exc:
            self._failed(f"the {what}", exc)
        else:
            self._saved(f"the {what}", written)

    @Slot()
    def _on_save_cpu_plot_action_triggered(self) -> None:
        self._save_plot_dialog(self.plots["cpu"], "CPU plot", "concgui-cpu.png")

    @Slot()
    def _on_save_chart_action_triggered(self) -> None:
        self._save_plot_dialog(self.plots["comparison"], "comparison chart", "concgui-comparison.png")
