"""The main window: settings on the left; live CPU, progress and results on the right.

The window holds no run logic of its own: it validates the settings, hands
configs to the :class:`~concgui.gui.run_driver.RunDriver` and shows what the
driver's signals report. Records are made by the engine's
:func:`~concgui.engine.compare.make_record` and explained by
:func:`~concgui.engine.compare.explain`, exactly as in the CLI.
"""

from __future__ import annotations

import html
import sys
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QFileDialog, QFrame, QLabel, QMainWindow, QMessageBox, QScrollArea,
                               QSplitter, QTabWidget, QVBoxLayout, QWidget)

from concgui import __version__
from concgui.engine.compare import RunRecord, explain, find_baseline, make_record
from concgui.engine.config import ConfigError, RunConfig, Where
from concgui.engine.events import RunFinished, RunStarted
from concgui.engine.clock import now
from concgui.engine.export import ExportError, results_document, write_json
from concgui.engine.latency import FREEZE_S, frames_missed
from concgui.engine.platform_info import collect
from concgui.engine.lanes import LaneSampler
from concgui.engine.telemetry import CpuSampler
from concgui.gui.comparison_view import ComparisonView
from concgui.gui.controls import GUI_MODES, ControlsPanel
from concgui.gui.error_details import ErrorDetails
from concgui.gui.cpu_plot import CpuPlot
from concgui.gui.heartbeat import Heartbeat, HeartbeatDot, lateness_color
from concgui.gui.pace import RATES, Pace, pace_for
from concgui.gui.hints import hint_html
from concgui.gui.lateness_plot import LatenessPlot
from concgui.gui.labs import LabsView
from concgui.gui.progress_panel import ProgressPanel
from concgui.gui.progress_state import ProgressSnapshot
from concgui.gui.results_table import MODE_NAMES, ResultRow, ResultsModel, ResultsTable
from concgui.gui.run_driver import BatchOutcome, RunDriver
from concgui.gui.scaling_view import ScalingView
from concgui.gui.timeline_plot import TimelinePlot
from concgui.gui.workload_view import WorkloadPanel
from concgui.gui import window_extras
from concgui.scenarios import Scenario
from concgui.gui.cards import card

LAG_READOUT_MS = 500
#: A run on the GUI thread cannot be cancelled by hand (nothing can be clicked),
#: so it is stopped after this long to give the window back (the default of the
#: "GUI-thread cap" setting; the same cap applies to a blocking wait).
GUI_THREAD_LIMIT_S = 10.0
DEFAULT_SIZE = (1440, 920)
#: After a run, wait this long before reading its lateness stats: the tick that
#: ends a freeze fires only once the GUI thread is back in its event loop.
UI_SETTLE_MS = 120
#: The heartbeat starts this long after the start-up work (first paints, the lane
#: probe's start): start-up is not a freeze any run should be charged with.
STARTUP_SETTLE_MS = 300
#: After a change of pace, let the window lay itself out and paint before the run starts.
PACE_SETTLE_MS = 30
#: Pause between the steps of a scenario or lab pair, so their bands stand apart.
STEP_GAP_MS = 300
#: Where a run of each kind does its work in this window's process, for the results table and the export
#: (runs in the worker host or the pool keep the engine's words, :func:`concgui.engine.compare.ran_on`).
RAN_ON = {"gui-thread": "GUI thread", "blocking-wait": "worker thread, GUI thread waits for it"}
RAN_HERE = {"serial": "run-driver QThread", "threads": "QThreads in the window"}

#: One step of a batch: configs run in one go on the driver (or one config for a
#: GUI-thread / blocking-wait run), and its kind (see :mod:`concgui.scenarios`).
Step = tuple[list[RunConfig], str]


@dataclass
class _Batch:
    """The batch in progress: what was asked, and the rows it has added."""

    kind: str  # "run", "compare", "scenario" or "lab"
    gui_mode: str | None  # kind of the step running now, e.g. "gui-thread" when it runs on the GUI thread
    rows: list[ResultRow] = field(default_factory=list)
    steps: deque = field(default_factory=deque)  # steps not started yet
    requested: int = 0
    runs: list = field(default_factory=list)  # (RunStarted, RunFinished) of every step so far
    spans: list = field(default_factory=list)  # (row, t0, t1) waiting for their lateness stats


class MainWindow(QMainWindow):
    #: A batch (Run, Compare or scenario) ended and the window shows its outcome.
    batch_done = Signal(object)
    #: A run's row got its lateness stats (``ui``): the ResultRow.
    run_measured = Signal(object)
    #: The event loop was stuck: (seconds, frames missed).
    ui_froze = Signal(float, int)
    #: A run's progress reached the window (a ProgressSnapshot), by signal or, at the GIL pace,
    #: taken from the run driver on a heartbeat tick: observe this, not the driver.
    run_progressed = Signal(object)

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
        #: Restored on shutdown: the responsiveness lab may change it.
        self.switch_interval_at_start = sys.getswitchinterval()
        #: Go to the GIL pace during runs whose threads hold this process's GIL (False: draw the
        #: full plots anyway, and stutter; the benchmarks' diagnostic).
        self.pause_plots_under_gil = True
        self.pace = Pace.IDLE

        self.controls = ControlsPanel(GUI_THREAD_LIMIT_S)
        self.error_details = ErrorDetails(self.controls.message)  # "Details…": a failed run's traceback
        self.cpu_plot = CpuPlot(self.sampler, heartbeat=self.heartbeat)
        self.lateness_plot = LatenessPlot(self.heartbeat, self.cpu_plot)
        #: The GIL lane: each worker thread's CPU time, sampled from a helper process (started just after
        #: the window, off its first paint: it takes a few hundred ms to be ready when cores are busy).
        self.lanes = LaneSampler()
        self.driver.set_lane_sampler(self.lanes)
        self.timeline = TimelinePlot(self.cpu_plot, self.lanes, linked=(self.lateness_plot.plot,))
        self.workload_panel = WorkloadPanel()
        self.scaling = ScalingView(self.info.logical_cores)
        self.progress = ProgressPanel(heartbeat=self.heartbeat)
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
        self.scaling.scale_requested.connect(self.start_scale)
        self.driver.run_finished.connect(self._on_driver_run_finished)
        self.driver.batch_finished.connect(self._on_driver_batch_finished)
        self.heartbeat.froze.connect(self._on_heartbeat_froze)

        # Periodic work rides on the heartbeat's tick (see Heartbeat): the lag readout, and at
        # the GIL pace the progress the run driver keeps for us instead of signalling it.
        self._lag_job = self.heartbeat.every(LAG_READOUT_MS / 1000, lambda _t: self._on_lag_timer_timeout())
        self._progress_job = self.heartbeat.every(None, lambda _t: self._take_progress())
        self.cpu_plot.start()
        QTimer.singleShot(0, self, self._on_lanes_start_timeout)
        self._resize_to_screen()
        window_extras.install(self)  # remembered settings, View > Theme, File menu exports

    # -- building -------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addWidget(card(self.controls, "Settings"), 0)
        self.side_tabs = QTabWidget()  # beside the settings: hints, and the workload's code
        self.side_tabs.addTab(self.hint, "What to look for")
        self.side_tabs.addTab(self.workload_panel, "Workload")
        left_lay.addWidget(card(self.side_tabs), 1)
        settings = QScrollArea()
        settings.setWidget(left)
        settings.setWidgetResizable(True)
        settings.setFrameShape(QFrame.Shape.NoFrame)
        settings.setMinimumWidth(340)
        settings.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        plots = QSplitter(Qt.Orientation.Vertical)  # CPU, timeline and lateness on one (linked) time axis
        plots.addWidget(self.cpu_plot)
        plots.addWidget(self.timeline)
        plots.addWidget(self.lateness_plot)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 3)
        plots.setStretchFactor(2, 2)
        self.timeline.setMinimumHeight(1)  # adds nothing to the window's minimum height (small screens)
        plots.setCollapsible(1, True)
        plots.setChildrenCollapsible(False)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(card(plots))
        top.addWidget(card(self.comparison))
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setChildrenCollapsible(False)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(card(self.progress))
        right.addWidget(card(self.results_table, "Runs this session"))
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 2)
        right.setStretchFactor(2, 3)
        right.setChildrenCollapsible(False)
        right.setSizes([640, 120, 160])  # scaled to the real height when shown

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
        self.tabs.addTab(self.scaling, "Scaling")
        from concgui.gui.responsiveness_lab import ResponsivenessLab  # it imports this module's helpers

        self.responsiveness = ResponsivenessLab(self)
        self.tabs.addTab(self.responsiveness, "Responsiveness lab")
        self.labs = LabsView()
        self.tabs.addTab(self.labs, "Labs")
        self.setCentralWidget(self.tabs)
        self.setStyleSheet("QFrame#card { border: 1px solid palette(midlight); border-radius: 6px;"
                           " background: palette(base); }")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.export_action = QAction("&Export results…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self._on_export_action_triggered)
        file_menu.addAction(self.export_action)
        self.trace_action = QAction("Export &timeline trace…", self)
        self.trace_action.setToolTip("The task timeline, CPU and GIL lanes as Chrome Trace Event JSON "
                                     "(open it in ui.perfetto.dev or chrome://tracing)")
        self.trace_action.triggered.connect(self._on_trace_action_triggered)
        file_menu.addAction(self.trace_action)
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
        self._platform_text = (f"{i.implementation} {i.python}  ·  {gil}  ·  switch interval {{}} ms"
                               f"  ·  {cores}  ·  processes start with {i.default_start_method}")
        self.platform_label = QLabel()
        self.platform_label.setToolTip(f"{i.executable}\n{i.os}")
        self.update_platform_label()
        self.lag_label = QLabel()
        self.lag_label.setToolTip("How late the window's event loop is right now (worst in the last half "
                                  "second). Above ~100 ms the window feels sluggish.")
        self.lag_label.setText("<span>GUI lag 88888 ms</span>")
        self.lag_label.setFixedSize(self.lag_label.sizeHint().width() + 8, self.lag_label.sizeHint().height())
        self.lag_label.setAutoFillBackground(True)  # a new value repaints this label alone
        self.heartbeat_dot = HeartbeatDot(self.heartbeat, 16, parent=self)
        sb = self.statusBar()
        sb.addPermanentWidget(self.heartbeat_dot.label)
        sb.addPermanentWidget(self.lag_label)
        sb.addPermanentWidget(self.platform_label)
        self._on_lag_timer_timeout()

    def update_platform_label(self) -> None:
        """Show the switch interval as it is now (the responsiveness lab can change it)."""
        self.platform_label.setText(self._platform_text.format(f"{sys.getswitchinterval() * 1000:g}"))

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

    def gui_thread_limit_s(self) -> float:
        """The safety cap on blocking the GUI thread (a GUI-thread run or a blocking wait)."""
        return self.controls.gui_limit.value()

    @Slot()
    def start_run(self) -> bool:
        """Run the settings in the chosen mode. False if nothing started (busy or bad input)."""
        gm = self.controls.gui_mode()
        return self.run_steps("run", [([self.controls.config()], "gui-thread" if gm == "gui-thread" else "normal")])

    @Slot()
    def start_scale(self) -> bool:
        """Serial, then threads and processes with 1, 2, 4, … 2 × cores workers, on identical inputs."""
        from concgui.engine import scaling

        c = self.controls.config("processes")
        configs = scaling.plan(c.workload, c.tasks, c.size, self.info.logical_cores,
                               start_method=c.start_method)
        return self.run_steps("scale", [(configs, "normal")])

    @Slot()
    def start_compare(self) -> bool:
        """Serial (on the driver thread), threads and processes on identical inputs."""
        return self.run_steps("compare", [(self.controls.compare_configs(), "normal")])

    def load_scenario(self, scenario: Scenario) -> None:
        shown = next((r for r in scenario.runs if r.mode != "serial"), scenario.runs[0])
        self.controls.apply(shown)
        self.statusBar().showMessage(f"Scenario {scenario.name}: {scenario.summary}")

    def run_scenario(self, scenario: Scenario) -> bool:
        """Run each of the scenario's runs in its own way (its kind), one after the other."""
        self.load_scenario(scenario)
        return self.run_steps("scenario", [([cfg], kind) for cfg, kind in scenario.steps()])

    def run_steps(self, kind: str, steps: list[Step]) -> bool:
        """Run ``steps`` one after the other, each its own way; False if nothing started.

        ``batch_done`` is emitted once, after the last step (or the first that
        did not finish), with every run of every step.
        """
        configs = [cfg for cfgs, _ in steps for cfg in cfgs]
        if not self._begin(kind, steps[0][1] if steps else None, configs):
            return False
        assert self._batch is not None
        self._batch.steps.extend(steps)
        self._batch.requested = len(configs)
        self._start_next_step()
        return True

    def _start_next_step(self) -> None:
        b = self._batch
        if b is None or self._closed:
            return
        configs, kind = b.steps.popleft()
        b.gui_mode = kind
        # Before the run starts, and one event-loop turn ahead of it: the switch changes the
        # layout, and a relayout while our own threads hold the GIL would be many waits for it.
        pace = Pace.RUN if kind in ("gui-thread", "blocking-wait") else pace_for(configs, self.info.gil_enabled)
        settle = pace is not self.pace
        self.set_pace(pace)
        if len(configs) == 1 and self.progress.prepare(configs[0].workers if configs[0].mode != "serial" else 1):
            settle = settle or pace is Pace.GIL
        if kind in ("gui-thread", "blocking-wait"):
            what = "on the GUI thread" if kind == "gui-thread" else "on a thread, but the GUI thread waits for it"
            self.statusBar().showMessage(f"Running {what}: the window is frozen until the run ends.")
            # Let the window paint its "running" state first, then block it on purpose.
            QTimer.singleShot(30, lambda: self._run_blocking(configs[0], kind))
        elif settle:
            QTimer.singleShot(PACE_SETTLE_MS, lambda: self._start_driver(b, configs, kind))
        else:
            self._start_driver(b, configs, kind)

    def _start_driver(self, b: _Batch, configs: list[RunConfig], kind: str) -> None:
        if self._closed or self._batch is not b:
            return
        self.driver.start(configs, flood=kind == "flood")

    def _run_blocking(self, cfg: RunConfig, kind: str) -> None:
        if self._closed:
            return
        if kind == "gui-thread":
            self.driver.run_here(cfg, self.gui_thread_limit_s())
        else:
            self.driver.run_blocking_wait(cfg, self.gui_thread_limit_s())

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
        self.scaling.set_busy(True)
        self.lanes.start()  # no-op once started (normally just after the window opened)
        if not self.heartbeat.active:  # a run asked for before start-up settled: measure it all the same
            self.heartbeat.start()
        return True

    @Slot()
    def _on_lanes_start_timeout(self) -> None:
        if not self._closed:
            self.lanes.start()
            QTimer.singleShot(STARTUP_SETTLE_MS, self, self._on_startup_settled_timeout)

    @Slot()
    def _on_startup_settled_timeout(self) -> None:
        if not self._closed and not self.heartbeat.active:
            self.heartbeat.start()

    def set_pace(self, pace: Pace) -> None:
        """Redraw at ``pace`` (see :mod:`concgui.gui.pace`); called before a step starts, and after."""
        if pace is Pace.GIL and not self.pause_plots_under_gil:
            pace = Pace.RUN
        self.pace = pace
        for plot in (self.cpu_plot, self.responsiveness.cpu_plot):
            plot.set_pace(pace)
        self.timeline.set_paused_note(pace is Pace.GIL)
        self.lateness_plot.set_paused_note(pace is Pace.GIL)
        rates = RATES[pace]
        self.driver.set_progress_hz(rates.progress_hz)
        # At the GIL pace the driver keeps its snapshots and a tick job takes them: no queued
        # signal, so no extra trip into Python (and wait for the GIL) per snapshot.
        self.driver.set_pull(pace is Pace.GIL)
        self._progress_job.set_period(1.0 / rates.progress_hz if pace is Pace.GIL else None)
        self.driver.runner.drain_s = rates.drain_s  # read by the driver thread when a threads run starts
        self.progress.set_clock_ms(rates.clock_ms)
        self.lanes.set_send_every(rates.lanes_send_s)

    @Slot()
    def _on_controls_settings_changed(self) -> None:
        c = self.controls
        self.hint.setText(hint_html(c.workload.currentData(), c.gui_mode(), c.workers.value(), self.info))
        self.workload_panel.show_workload(c.workload.currentData())

    def _show_error(self, text: str, details: str | None = None) -> None:
        self.controls.show_message(text)
        self.controls.message.setToolTip(details or "")
        self.error_details.show_error(text, details)
        self.statusBar().showMessage(text, 10_000)

    # -- driver signals ---------------------------------------------------------------------

    def _display_mode(self, started: RunStarted) -> str:
        b = self._batch
        if b is not None and b.gui_mode in ("gui-thread", "blocking-wait", "flood"):
            return b.gui_mode
        return started.mode

    @Slot(object)
    def _on_driver_run_started(self, started: RunStarted) -> None:
        mode = self._display_mode(started)
        self.progress.begin(started, self._progress_title(started, mode))
        self.cpu_plot.mark_run_started(started.run_id, MODE_NAMES.get(mode, mode), mode, started.t)
        self.lateness_plot.mark_run_started(started.run_id, mode, started.t)
        self.responsiveness.mark_run_started(started.run_id, MODE_NAMES.get(mode, mode), mode, started.t)
        if mode != "gui-thread":
            self.statusBar().showMessage(f"Running {started.workload} — {MODE_NAMES.get(mode, mode)}…")

    @staticmethod
    def _progress_title(s: RunStarted, mode: str) -> str:
        here = s.where == Where.HERE.value
        if mode == "serial":
            label = "Serial (run-driver QThread)" if here else "Serial (worker host process)"
        else:
            key = "qthreads" if mode == "threads" and here else mode
            label = dict(GUI_MODES).get(key, MODE_NAMES.get(mode, mode))
        extra = f", {s.workers} workers" if s.workers > 1 else ""
        if s.start_method:
            extra += f", {s.start_method}, {s.chunk_size} task(s) per message"
        return f"Running {s.tasks:,} × {s.workload}: {label}{extra}"

    @Slot(object)
    def _on_driver_progressed(self, snap: ProgressSnapshot) -> None:
        if snap.spans is not None:
            self.timeline.add_batch(snap.spans)
        self.progress.update_snapshot(snap)
        self.run_progressed.emit(snap)

    def _take_progress(self) -> None:
        """Apply the snapshots the driver kept (the GIL pace); the lab sees them as it would the signal."""
        for snap in self.driver.take_pending():
            self._on_driver_progressed(snap)
            self.responsiveness.on_progress(snap)

    @Slot(object, object)
    def _on_driver_run_finished(self, started: RunStarted, finished: RunFinished) -> None:
        self._take_progress()  # the run's last snapshots, if the driver kept them
        mode = self._display_mode(started)
        self.progress.end(finished)
        t_end = now()  # a flood's run_finished arrives only after every queued item signal
        self.cpu_plot.mark_run_finished(started.run_id, finished.t)
        self.lateness_plot.mark_run_finished(started.run_id, max(finished.t, t_end))
        self.responsiveness.mark_run_finished(started.run_id, max(finished.t, t_end))
        # find_baseline counts a serial run on the GUI thread as a baseline too.
        ran_on = RAN_ON.get(mode) or (RAN_HERE.get(started.mode) if started.where == Where.HERE.value else None)
        record = make_record(started, finished, find_baseline(self.results_model.records, started),
                             mode="gui-thread" if mode == "gui-thread" else None, ran_on_override=ran_on)
        ran_on = record.ran_on
        workers = {"threads": "QThread" if started.where == Where.HERE.value else "thread",
                   "processes": "process"}.get(started.mode, "none")
        b = self._batch
        kind = b.gui_mode if b is not None and b.gui_mode else "normal"
        ui: dict[str, Any] = {"kind": kind, "ran_on": ran_on, "workers": workers}
        if kind == "flood" and self.driver.flood is not None:
            fm = self.driver.flood
            ui.update(signals=fm.emitted, peak_backlog=fm.peak_backlog,
                      drain_ms=round(max(0.0, t_end - finished.t) * 1000, 1))
        else:
            ui["signals"] = self.driver.signals_sent(started.run_id)
        row = ResultRow(record, ui)
        self.results_model.add(row)
        if b is not None:
            b.rows.append(row)
            # A flood's queued signals are its own doing until the last is handled; other runs end with their work.
            b.spans.append((row, started.t, t_end if kind == "flood" else finished.t))
        if finished.error:
            self._show_error(f"Run {started.run_id} failed: {finished.error}", finished.details)

    @Slot(object)
    def _on_driver_batch_finished(self, outcome: BatchOutcome) -> None:
        # Read the lateness stats once the tick that ends a freeze has fired.
        QTimer.singleShot(UI_SETTLE_MS, lambda: self._after_step(outcome))

    def _measure_runs(self, b: _Batch) -> None:
        """Fill in each finished run's lateness stats: the heartbeat ticks that waited during it.

        So a freeze belongs to the run it happened in, whenever the stuck loop
        got to run the tick that measured it (see
        :meth:`~concgui.engine.latency.LatenessRecorder.stats_during`).
        """
        for row, t0, t1 in b.spans:
            st = self.heartbeat.recorder.stats_during(t0, t1)
            row.ui.update(st.as_dict())
            row.ui["frames_missed"] = st.frames_missed
            row.ui["gui_stall_ms"] = round(st.longest_freeze_ms, 1)
            self.results_model.row_changed(row)
            self.lateness_plot.set_last_run(st)
            self.run_measured.emit(row)
        b.spans.clear()

    def _after_step(self, outcome: BatchOutcome) -> None:
        b = self._batch
        if self._closed or b is None:
            return
        self._measure_runs(b)
        b.runs.extend(outcome.runs)
        if b.steps and outcome.ok:
            QTimer.singleShot(STEP_GAP_MS - UI_SETTLE_MS, self._start_next_step)
            return
        if len(b.runs) != len(outcome.runs) or b.requested != outcome.requested:
            outcome = BatchOutcome(tuple(b.runs), b.requested, outcome.error, outcome.details)
        self._finish_batch(outcome)

    def _finish_batch(self, outcome: BatchOutcome) -> None:
        batch, self._batch = self._batch, None
        self.set_pace(Pace.IDLE)
        self.controls.set_busy(False)
        self.scaling.set_busy(False)
        if outcome.error:
            self._show_error(f"Could not run: {outcome.error}", outcome.details)
            if not outcome.runs:
                self.progress.reset("Idle: the run could not start.")
        records = [r.record for r in batch.rows] if batch is not None else []
        if batch is not None and batch.kind != "run" and len(records) >= 2:
            # A scaling series (Scale, or a scenario like `scale`) goes to the Scaling tab instead.
            if not (batch.kind in ("scale", "scenario") and self.show_scaling(records, switch=True)):
                if batch.kind != "scale":
                    self.show_comparison(records)
        if outcome.cancelled and batch is not None and batch.gui_mode in ("gui-thread", "blocking-wait"):
            self.controls.show_message(
                f"The run blocked the GUI thread for {self.gui_thread_limit_s():g} s, so concgui stopped it to give "
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
            worst = max((r.ui.get("longest_freeze_ms", 0.0) for r in batch.rows), default=0.0) if batch else 0.0
            if worst >= FREEZE_S * 1000:
                msg += f". UI frozen for {worst / 1000:.2f} s ({frames_missed(worst / 1000):,} frames missed)"
            self.statusBar().showMessage(msg + ".", 10_000)
        self.batch_done.emit(outcome)

    def show_scaling(self, records: list[RunRecord], switch: bool = False) -> bool:
        """Show a scaling series (runs of one mode with several worker counts); False if there is none."""
        from concgui.engine.scaling import analyze

        if len({r.workload for r in records}) != 1:
            return False
        result = analyze(records, self.info.logical_cores)
        if result is None or result.serial_wall_s is None:
            return False
        self.scaling.show_result(result)
        if switch:
            self.tabs.setCurrentWidget(self.scaling)
        return True

    def show_comparison(self, records: list[RunRecord]) -> None:
        # Read the interpreter afresh: the switch interval may have been changed.
        self.comparison.show_records(records, explain(records, collect()))

    @Slot()
    def _on_lag_timer_timeout(self) -> None:
        lag_ms = self.heartbeat.recent_s() * 1000
        color = lateness_color(lag_ms / 1000) if lag_ms > 30 else "palette(window-text)"
        self.lag_label.setText(f"<span style='color:{color}'>GUI lag {lag_ms:.0f} ms</span>")

    @Slot(float, float)
    def _on_heartbeat_froze(self, late_s: float, _t: float) -> None:
        frames = frames_missed(late_s)
        self.statusBar().showMessage(f"UI frozen for {late_s:.2f} s ({frames:,} frames missed).", 10_000)
        self.ui_froze.emit(late_s, frames)

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

    def timeline_trace(self) -> dict[str, Any]:
        """The session's timeline as a Chrome Trace Event document (see :mod:`concgui.engine.trace`)."""
        from concgui.engine.trace import trace_document

        st = self.timeline.store
        lanes = {key: self.lanes.series(*key) for key in self.lanes.keys()}
        return trace_document(st.runs, st.spans(), st.workers, st.ends,
                              cpu=self.sampler.per_core.snapshot(), lanes=lanes)

    def export_trace(self, path: str) -> None:
        """Write :meth:`timeline_trace` to ``path``; raises ExportError with a user message."""
        from concgui.engine.trace import write_trace

        write_trace(path, self.timeline_trace())

    @Slot()
    def _on_trace_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export timeline trace", "concgui-trace.json",
                                              "Chrome trace JSON (*.json)")
        if not path:
            return
        try:
            self.export_trace(path)
        except ExportError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
        else:
            self.statusBar().showMessage(f"Saved the timeline of {len(self.timeline.store):,} task(s) to {path} "
                                         "(open it in ui.perfetto.dev or chrome://tracing)", 8000)

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
        self._lag_job.set_period(None)
        self.heartbeat.stop()
        self.cpu_plot.stop()
        self.responsiveness.shutdown()
        sys.setswitchinterval(self.switch_interval_at_start)
        self.progress.reset("Closed.")
        self.driver.shutdown()
        self.lanes.stop()
        self.labs.shutdown()
        if self._own_sampler:
            self.sampler.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            window_extras.save(self)
        self.shutdown()
        event.accept()
