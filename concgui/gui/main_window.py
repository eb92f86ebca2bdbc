"""The main window: settings on the left; live CPU, progress and results on the right.

The window holds no run logic of its own: it validates the settings, hands
configs to the :class:`~concgui.gui.run_driver.RunDriver` and shows what the
driver's signals report. Records are made by the engine's
:func:`~concgui.engine.compare.make_record` and explained by
:func:`~concgui.engine.compare.explain`, exactly as in the CLI.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QFrame, QLabel, QMainWindow, QMessageBox, QScrollArea,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from concgui import __version__
from concgui.engine.compare import RunRecord, explain, find_baseline, make_record
from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.events import RunFinished, RunStarted
from concgui.engine.export import ExportError, results_document, write_json
from concgui.engine.platform_info import collect
from concgui.engine.telemetry import CpuSampler
from concgui.gui.comparison_view import ComparisonView
from concgui.gui.controls import GUI_MODES, ControlsPanel
from concgui.gui.cpu_plot import CpuPlot
from concgui.gui.heartbeat import Heartbeat
from concgui.gui.hints import hint_html
from concgui.gui.progress_panel import ProgressPanel
from concgui.gui.progress_state import ProgressSnapshot
from concgui.gui.results_table import MODE_NAMES, ResultRow, ResultsModel, ResultsTable
from concgui.gui.run_driver import BatchOutcome, RunDriver
from concgui.scenarios import Scenario

LAG_READOUT_MS = 500
#: A run on the GUI thread cannot be cancelled by hand (nothing can be clicked),
#: so it is stopped after this long to give the window back.
GUI_THREAD_LIMIT_S = 15.0
DEFAULT_SIZE = (1440, 920)


@dataclass
class _Batch:
    """The batch in progress: what was asked, and the rows it has added."""

    kind: str  # "run", "compare" or "scenario"
    gui_mode: str | None  # "gui-thread" when the run happens on the GUI thread
    rows: list[ResultRow] = field(default_factory=list)


def _card(widget: QWidget, title: str | None = None) -> QFrame:
    """``widget`` in a light framed panel, with an optional bold title."""
    frame = QFrame()
    frame.setObjectName("card")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(10, 8, 10, 10)
    if title:
        label = QLabel(title)
        f = label.font()
        f.setBold(True)
        label.setFont(f)
        lay.addWidget(label)
    lay.addWidget(widget, 1)
    return frame


class MainWindow(QMainWindow):
    #: A batch (Run, Compare or scenario) ended and the window shows its outcome.
    batch_done = Signal(object)

    def __init__(self, sampler: CpuSampler | None = None, driver: RunDriver | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("concgui — see Python concurrency")
        self.info = collect()
        self._own_sampler = sampler is None
        self.sampler = sampler if sampler is not None else CpuSampler().start()
        self.driver = driver if driver is not None else RunDriver(parent=self)
        self.heartbeat = Heartbeat(parent=self)
        self._batch: _Batch | None = None
        self._closed = False

        self.controls = ControlsPanel(GUI_THREAD_LIMIT_S)
        self.cpu_plot = CpuPlot(self.sampler)
        self.progress = ProgressPanel()
        self.results_model = ResultsModel(self)
        self.results_table = ResultsTable(self.results_model)
        self.comparison = ComparisonView()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self._build_layout()
        self._build_menus()
        self._build_status_bar()

        self.controls.run_requested.connect(self.start_run)
        self.controls.compare_requested.connect(self.start_compare)
        self.controls.cancel_requested.connect(self.cancel)
        self.controls.settings_changed.connect(self._on_controls_settings_changed)
        self._on_controls_settings_changed()
        self.driver.run_started.connect(self._on_driver_run_started)
        self.driver.progressed.connect(self._on_driver_progressed)
        self.driver.run_finished.connect(self._on_driver_run_finished)
        self.driver.batch_finished.connect(self._on_driver_batch_finished)

        self._lag_timer = QTimer(self)
        self._lag_timer.setInterval(LAG_READOUT_MS)
        self._lag_timer.timeout.connect(self._on_lag_timer_timeout)
        self.heartbeat.start()
        self._lag_timer.start()
        self.cpu_plot.start()
        self._resize_to_screen()

    # -- building -------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addWidget(_card(self.controls, "Settings"), 0)
        left_lay.addWidget(_card(self.hint, "What to look for"), 1)
        settings = QScrollArea()
        settings.setWidget(left)
        settings.setWidgetResizable(True)
        settings.setFrameShape(QFrame.Shape.NoFrame)
        settings.setMinimumWidth(340)
        settings.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(_card(self.cpu_plot))
        top.addWidget(_card(self.comparison))
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setChildrenCollapsible(False)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(_card(self.progress))
        right.addWidget(_card(self.results_table, "Runs this session"))
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 2)
        right.setStretchFactor(2, 3)
        right.setChildrenCollapsible(False)
        right.setSizes([470, 150, 240])  # scaled to the real height when shown

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(settings)
        main.addWidget(right)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setChildrenCollapsible(False)
        main.setHandleWidth(6)
        # Tabs: this one runs and compares; the labs and other views add theirs.
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(main, "Run && compare")
        self.setCentralWidget(self.tabs)
        self.setStyleSheet("QFrame#card { border: 1px solid palette(midlight); border-radius: 6px;"
                           " background: palette(base); }")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.export_action = QAction("&Export results…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self._on_export_action_triggered)
        file_menu.addAction(self.export_action)
        shot = QAction("Save &screenshot…", self)
        shot.triggered.connect(self._on_screenshot_action_triggered)
        file_menu.addAction(shot)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About concgui", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        i = self.info
        gil = "GIL on" if i.gil_enabled else "GIL off (free-threaded)"
        cores = f"{i.logical_cores} logical cores"
        if i.physical_cores:
            cores += f" ({i.physical_cores} physical)"
        self.platform_label = QLabel(
            f"{i.implementation} {i.python}  ·  {gil}  ·  switch interval {i.switch_interval_s * 1000:g} ms"
            f"  ·  {cores}  ·  processes start with {i.default_start_method}")
        self.platform_label.setToolTip(f"{i.executable}\n{i.os}")
        self.lag_label = QLabel()
        self.lag_label.setToolTip("How late the window's event loop is right now (worst in the last half "
                                  "second). Above ~100 ms the window feels sluggish.")
        self.lag_label.setMinimumWidth(130)
        sb = self.statusBar()
        sb.addPermanentWidget(self.lag_label)
        sb.addPermanentWidget(self.platform_label)
        self._on_lag_timer_timeout()

    def _resize_to_screen(self) -> None:
        w, h = DEFAULT_SIZE
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            avail = screen.availableGeometry()
            w, h = min(w, int(avail.width() * 0.94)), min(h, int(avail.height() * 0.92))
        self.resize(w, h)

    # -- starting and stopping ----------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._batch is not None

    @Slot()
    def start_run(self) -> bool:
        """Run the settings in the chosen mode. False if nothing started (busy or bad input)."""
        gm = self.controls.gui_mode()
        cfg = self.controls.config()
        if not self._begin("run", gm, [cfg]):
            return False
        if gm == "gui-thread":
            self.statusBar().showMessage("Running on the GUI thread: the window is frozen until the run ends.")
            # Let the window paint its "running" state first, then block it on purpose.
            QTimer.singleShot(30, lambda: self._run_on_gui_thread(cfg))
        else:
            self.driver.start([cfg])
        return True

    def _run_on_gui_thread(self, cfg: RunConfig) -> None:
        if not self._closed:
            self.driver.run_here(cfg, GUI_THREAD_LIMIT_S)

    @Slot()
    def start_compare(self) -> bool:
        """Serial (on the driver thread), threads and processes on identical inputs."""
        configs = self.controls.compare_configs()
        if not self._begin("compare", None, configs):
            return False
        self.driver.start(configs)
        return True

    def load_scenario(self, scenario: Scenario) -> None:
        shown = next((r for r in scenario.runs if r.mode != "serial"), scenario.runs[0])
        self.controls.apply(shown)
        self.statusBar().showMessage(f"Scenario {scenario.name}: {scenario.summary}")

    def run_scenario(self, scenario: Scenario) -> bool:
        self.load_scenario(scenario)
        configs = list(scenario.runs)
        if not self._begin("scenario", None, configs):
            return False
        self.driver.start(configs)
        return True

    @Slot()
    def cancel(self) -> None:
        if self.busy:
            self.driver.cancel()
            self.statusBar().showMessage("Cancelling…")

    def _begin(self, kind: str, gui_mode: str | None, configs: list[RunConfig]) -> bool:
        if self.busy or self._closed:
            return False
        try:
            for cfg in configs:
                cfg.validate()
        except ConfigError as exc:
            self._show_error(f"Cannot run: {exc}.")
            return False
        self.controls.clear_message()
        self._batch = _Batch(kind, gui_mode)
        self.controls.set_busy(True)
        return True

    @Slot()
    def _on_controls_settings_changed(self) -> None:
        c = self.controls
        self.hint.setText(hint_html(c.workload.currentData(), c.gui_mode(), c.workers.value(), self.info))

    def _show_error(self, text: str, details: str | None = None) -> None:
        self.controls.show_message(text)
        self.controls.message.setToolTip(details or "")
        self.statusBar().showMessage(text, 10_000)

    # -- driver signals ---------------------------------------------------------------------

    def _display_mode(self, started: RunStarted) -> str:
        b = self._batch
        return "gui-thread" if b is not None and b.gui_mode == "gui-thread" else started.mode

    @Slot(object)
    def _on_driver_run_started(self, started: RunStarted) -> None:
        mode = self._display_mode(started)
        self.heartbeat.reset_max()
        self.progress.begin(started, self._progress_title(started, mode))
        self.cpu_plot.mark_run_started(started.run_id, MODE_NAMES.get(mode, mode), mode, started.t)
        if mode != "gui-thread":
            self.statusBar().showMessage(f"Running {started.workload} — {MODE_NAMES.get(mode, mode)}…")

    @staticmethod
    def _progress_title(s: RunStarted, mode: str) -> str:
        label = dict(GUI_MODES).get(mode, "Serial (run-driver QThread)" if mode == "serial" else mode)
        extra = f", {s.workers} workers" if s.workers > 1 else ""
        if s.start_method:
            extra += f", {s.start_method}, {s.chunk_size} task(s) per message"
        return f"Running {s.tasks:,} × {s.workload}: {label}{extra}"

    @Slot(object)
    def _on_driver_progressed(self, snap: ProgressSnapshot) -> None:
        self.progress.update_snapshot(snap)

    @Slot(object, object)
    def _on_driver_run_finished(self, started: RunStarted, finished: RunFinished) -> None:
        mode = self._display_mode(started)
        stall_s = self.heartbeat.max_s()
        self.progress.end(finished)
        self.cpu_plot.mark_run_finished(started.run_id, finished.t)
        # A serial run on the GUI thread is as good a baseline as one on the driver thread.
        known = [replace(r, mode="serial") if r.mode == "gui-thread" else r for r in self.results_model.records]
        record = make_record(started, finished, find_baseline(known, started),
                             mode="gui-thread" if mode == "gui-thread" else None)
        ran_on = "GUI thread" if mode == "gui-thread" else "run-driver QThread"
        workers = {"threads": "QThread", "processes": "process"}.get(started.mode, "none")
        row = ResultRow(record, {"ran_on": ran_on, "workers": workers, "gui_stall_ms": round(stall_s * 1000, 1)})
        self.results_model.add(row)
        if self._batch is not None:
            self._batch.rows.append(row)
        if finished.error:
            self._show_error(f"Run {started.run_id} failed: {finished.error}", finished.details)

    @Slot(object)
    def _on_driver_batch_finished(self, outcome: BatchOutcome) -> None:
        batch, self._batch = self._batch, None
        if self._closed:
            return
        self.controls.set_busy(False)
        if outcome.error:
            self._show_error(f"Could not run: {outcome.error}", outcome.details)
            if not outcome.runs:
                self.progress.reset("Idle: the run could not start.")
        records = [r.record for r in batch.rows] if batch is not None else []
        if batch is not None and batch.kind != "run" and len(records) >= 2:
            self.show_comparison(records)
        if outcome.cancelled and batch is not None and batch.gui_mode == "gui-thread":
            self.controls.show_message(
                f"The run blocked the GUI thread for {GUI_THREAD_LIMIT_S:g} s, so concgui stopped it to give "
                "you the window back. Nothing, not even Cancel, can be clicked while the GUI thread is busy: "
                "run long work on a worker thread or process instead.", error=False)
            self.statusBar().showMessage("Stopped: the GUI thread was blocked too long.", 8000)
        elif outcome.cancelled:
            self.statusBar().showMessage("Cancelled.", 5000)
        elif outcome.ok:
            last = records[-1] if records else None
            msg = f"Done: {len(records)} run(s)"
            if last is not None:
                msg += f"; last took {last.wall_s:.2f} s"
            self.statusBar().showMessage(msg + ".", 8000)
        self.batch_done.emit(outcome)

    def show_comparison(self, records: list[RunRecord]) -> None:
        # Read the interpreter afresh: the switch interval may have been changed.
        self.comparison.show_records(records, explain(records, collect()))

    @Slot()
    def _on_lag_timer_timeout(self) -> None:
        lag_ms = self.heartbeat.recent_s() * 1000
        color = "#b71c1c" if lag_ms > 100 else "#8a4b00" if lag_ms > 30 else "palette(window-text)"
        self.lag_label.setText(f"<span style='color:{color}'>GUI lag {lag_ms:.0f} ms</span>")

    # -- results out ------------------------------------------------------------------------------

    def results_document(self) -> dict[str, Any]:
        return results_document([row.as_dict() for row in self.results_model.rows])

    def export_results(self, path: str) -> None:
        """Write every run of this session as JSON; raises ExportError with a user message."""
        write_json(path, self.results_document())

    @Slot()
    def _on_export_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export results", "concgui-results.json", "JSON (*.json)")
        if not path:
            return
        try:
            self.export_results(path)
        except ExportError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
        else:
            self.statusBar().showMessage(f"Saved {len(self.results_model.rows)} run(s) to {path}", 8000)

    def save_screenshot(self, path: str) -> bool:
        return self.grab().save(path)

    @Slot()
    def _on_screenshot_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "concgui.png", "PNG (*.png)")
        if path and not self.save_screenshot(path):
            QMessageBox.warning(self, "Screenshot failed", f"Could not write {path}.")

    @Slot()
    def show_about(self) -> None:
        i = self.info
        QMessageBox.about(
            self, "About concgui",
            f"<h3>concgui {html.escape(__version__)}</h3>"
            "<p>See Python concurrency: serial vs threads vs processes, with live per-core CPU, "
            "progress per worker, and results compared on identical inputs.</p>"
            f"<p>Running on {html.escape(i.implementation)} {html.escape(i.python)} "
            f"({'GIL enabled' if i.gil_enabled else 'GIL disabled'}), {html.escape(i.os)}, "
            f"{i.logical_cores} logical cores.</p><p>MIT licence.</p>")

    # -- closing ----------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel any run, stop the driver and its threads, the pool and the sampler. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._lag_timer.stop()
        self.heartbeat.stop()
        self.cpu_plot.stop()
        self.progress.reset("Closed.")
        self.driver.shutdown()
        if self._own_sampler:
            self.sampler.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        event.accept()
