"""The Scaling tab: its own settings, an estimate, progress, and the speedup against workers for threads and
processes, with the ideal line and an Amdahl fit.

The runs, the numbers and the fit come from :mod:`concgui.engine.scaling`
(Qt-free, shared with ``concgui bench --scale``), the estimate from
:mod:`concgui.engine.estimate`; this view shows them. It has its own
workload, tasks, size and repeats (the *Run & compare* tab's settings are
never read), says how long a series would take as they change, and follows the
session's signals (connected by the window) to show a scaling series'
progress: which run of how many, about how long is left, and a bar.
"""

from __future__ import annotations

import html
import math
from typing import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from concgui.engine.clock import now
from concgui.engine.config import MAX_TASKS, ConfigError, RunConfig
from concgui.engine.estimate import batch_seconds, duration_words, run_seconds
from concgui.engine.events import RunStarted
from concgui.engine.repeats import DEFAULT_REPEATS, MAX_REPEATS
from concgui.engine.scaling import SCALE_MODES, ScalingResult, amdahl, plan, summary_lines, worker_counts
from concgui.engine.workloads import CATALOG, get_workload
from concgui.gui.cards import count_box
from concgui.gui.cpu_plot import MODE_COLORS
from concgui.gui.live_widgets import LiveBar, elastic
from concgui.gui.plot_style import make_plot, zoom_plot
from concgui.gui.presentation import scaled
from concgui.gui.run_session import Batch, BatchDone, BatchKind, RunDone
from concgui.gui.run_words import MODE_NAMES
from concgui.gui.theme import ink

INT_MAX = 2**31 - 1
ERROR_INK = "#b71c1c"
IDLE_TEXT = "No scaling series is running."


def left_words(seconds: float) -> str:
    """"about 40 s left", "under 1 s left"."""
    return "under 1 s left" if seconds < 1 else f"{duration_words(seconds)} left"


class ScalingView(QWidget):
    """The series' settings and estimate, Scale / Cancel, its progress, the speedup plot and the fitted fractions."""

    scale_requested = Signal()
    #: The person confirmed a series the window asked about (long, or a busy machine): start it all the same.
    scale_anyway_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, cores: int, gil_enabled: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cores = cores
        self.gil_enabled = gil_enabled
        self.result: ScalingResult | None = None
        self.zoom = 1.0  # presentation mode's (set_zoom)
        self._batch: Batch | None = None  # the scaling series running now, if any
        self._estimates: list[float] = []  # its runs' estimated seconds, in the order they run
        self._t0 = 0.0
        pal = self.palette()
        fg = pal.color(pal.ColorRole.WindowText)
        counts = worker_counts(cores)
        self.counts = counts

        # -- the settings: one compact row, its own (the Run & compare tab's are never read) --
        self.workload = QComboBox()
        for w in CATALOG.values():
            self.workload.addItem(w.name, w.name)
            self.workload.setItemData(self.workload.count() - 1, w.summary, Qt.ItemDataRole.ToolTipRole)
        self.workload.setToolTip("The workload every run of the series runs")
        self.tasks = count_box(MAX_TASKS, "How many tasks each run has; every run gets the same ones")
        self.size = count_box(INT_MAX, "How big each task is, in the workload's own unit")
        self.repeats = QSpinBox()
        self.repeats.setRange(1, MAX_REPEATS)
        self.repeats.setValue(DEFAULT_REPEATS)
        self.repeats.setSuffix(" ×")
        self.repeats.setToolTip("Each run of the series this many times, interleaved, compared by median")
        self.scale_button = QPushButton("Scale")
        self.scale_button.setMinimumHeight(30)
        self.scale_button.setToolTip("Run the workload above serially, then on threads and on processes with "
                                     f"{', '.join(map(str, counts))} workers, on identical inputs")
        self.scale_button.clicked.connect(self.scale_requested)
        # Its own Cancel (and Esc, while this tab shows): the settings tab's button is out of reach here.
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setMinimumHeight(30)
        self.cancel_button.setShortcut(QKeySequence("Esc"))
        self.cancel_button.setToolTip("Stop the scaling series (Esc)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        settings = QHBoxLayout()
        for label, widget, stretch in (("Workload", self.workload, 2), ("Tasks", self.tasks, 1),
                                       ("Task size", self.size, 2), ("Repeats", self.repeats, 0)):
            settings.addWidget(QLabel(label))
            settings.addWidget(widget, stretch)
            settings.addSpacing(6)
        settings.addWidget(self.scale_button)
        settings.addWidget(self.cancel_button)

        intro = QLabel(f"Runs the workload below serially, then with {', '.join(map(str, counts))} threads and "
                       "processes, and plots the speedup against the number of workers, with the ideal line and "
                       "the best fit of Amdahl's law S(n) = 1 / (f + (1 − f) / n), where f is the serial fraction.")
        intro.setWordWrap(True)

        # -- what pressing Scale would do: the estimate, or why not, or a question with Scale anyway --
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.estimate.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.anyway_button = QPushButton("Scale anyway")
        self.anyway_button.setToolTip("Start the series all the same")
        self.anyway_button.hide()
        self.anyway_button.clicked.connect(self.scale_anyway_requested)
        note = QHBoxLayout()
        note.addWidget(self.estimate, 1)
        note.addWidget(self.anyway_button)

        # -- progress: plain widgets of fixed height, so a new value relayouts nothing (see live_widgets) --
        self.progress_text = elastic(QLabel(IDLE_TEXT))
        self.progress_text.setAutoFillBackground(True)
        self.bar = LiveBar(10)
        progress = QHBoxLayout()
        progress.addWidget(self.progress_text, 3)
        progress.addWidget(self.bar.widget, 2)

        self.chart, p = make_plot(self)
        self.plot = p
        p.setLabel("bottom", "workers")
        p.setLabel("left", "speedup vs serial (×)")
        p.setLogMode(x=True, y=False)
        p.getAxis("bottom").setTicks([[(math.log10(n), str(n)) for n in counts], []])
        self.legend = p.addLegend(offset=(10, 10), labelTextColor=fg, brush=pg.mkBrush(255, 255, 255, 200))
        self._items: list = []
        self.text = QLabel("Press Scale to measure.")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(settings)
        lay.addLayout(note)
        lay.addLayout(progress)
        lay.addWidget(self.chart, 1)
        lay.addWidget(self.text)
        self._draw_guides(counts)

        self.workload.currentIndexChanged.connect(self._on_workload_current_index_changed)
        for spin in (self.tasks, self.size, self.repeats):
            spin.valueChanged.connect(self._on_settings_changed)
        self._on_workload_current_index_changed()

    # -- the settings ------------------------------------------------------------------------------

    def set_settings(self, workload: str | None = None, tasks: int | None = None, size: int | None = None,
                     repeats: int | None = None) -> None:
        """Show these settings (a new workload brings its own default tasks and size first)."""
        if workload is not None:
            self.workload.setCurrentIndex(self.workload.findData(workload))
        if tasks is not None:
            self.tasks.setValue(tasks)
        if size is not None:
            self.size.setValue(size)
        if repeats is not None:
            self.repeats.setValue(repeats)

    def configs(self) -> list[RunConfig]:
        """The series' runs (:func:`concgui.engine.scaling.plan`), each checked; raises ConfigError.

        The configs are returned as planned, not as validated: the session
        validates them again and the run driver decides where they run.
        """
        configs = plan(self.workload.currentData(), self.tasks.value(), self.size.value(), self.cores)
        for cfg in configs:
            cfg.validate()
        return configs

    def estimate_seconds(self, configs: Sequence[RunConfig]) -> float:
        """About how long ``configs`` take, each run ``Repeats`` times (:mod:`concgui.engine.estimate`)."""
        return batch_seconds(configs, self.cores, self.gil_enabled, self.repeats.value())

    def estimate_sentence(self, configs: Sequence[RunConfig]) -> str:
        """"About 40 s: 1 serial + 2×6 runs of 16 tasks × 300,000 iterations (cpu-python), each 3×"."""
        w = get_workload(self.workload.currentData())
        repeats = self.repeats.value()
        each = f", each {repeats}×" if repeats > 1 else ""
        return (f"{duration_words(self.estimate_seconds(configs)).capitalize()}: 1 serial + "
                f"{len(SCALE_MODES)}×{len(self.counts)} runs of {self.tasks.value():,} tasks × "
                f"{self.size.value():,} {w.size_unit} ({w.name}){each}.")

    @Slot()
    def _on_workload_current_index_changed(self) -> None:
        w = get_workload(self.workload.currentData())
        self.size.setSuffix(f" {w.size_unit}")
        # One estimate for both new values, not one per box.
        for spin, value in ((self.tasks, w.default_tasks), (self.size, w.default_size)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self._on_settings_changed()

    @Slot()
    def _on_settings_changed(self) -> None:
        """A new estimate (or why these settings cannot run); a question about the old ones is withdrawn."""
        self.anyway_button.hide()
        try:
            configs = self.configs()
        except ConfigError as exc:
            self.show_problem(f"Cannot scale: {exc}.")
            return
        self._show_note(self.estimate_sentence(configs))

    # -- what Scale says before it starts ------------------------------------------------------

    def _show_note(self, text: str, error: bool = False) -> None:
        self.estimate.setStyleSheet(f"color: {ink(ERROR_INK).name()};" if error else "")
        self.estimate.setText(text)

    def show_problem(self, sentence: str) -> None:
        """Say why the series cannot run (bad input), in the tab."""
        self.anyway_button.hide()
        self._show_note(sentence, error=True)

    def offer_anyway(self, sentence: str) -> None:
        """Ask first, in the tab: ``sentence`` says why (a long series, a busy machine), with Scale anyway."""
        self._show_note(sentence)
        self.anyway_button.show()

    def set_busy(self, busy: bool) -> None:
        for w in (self.scale_button, self.workload, self.tasks, self.size, self.repeats):
            w.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.anyway_button.hide()

    # -- the session's signals (connected by the window) ----------------------------------------------

    @Slot(object)
    def on_batch_started(self, batch: Batch) -> None:
        if batch.kind is not BatchKind.SCALE:
            self._batch = None
            self.progress_text.setText("Another run is in progress: Scale can start once it ends.")
            return
        self._batch = batch
        steps = ([batch.step] if batch.step is not None else []) + list(batch.steps)
        self._estimates = [run_seconds(cfg, self.cores, self.gil_enabled) for s in steps for cfg in s.configs]
        self._t0 = now()
        self.bar.set_fraction(0.0)
        self.progress_text.setText(f"Starting {batch.requested} runs · {left_words(sum(self._estimates))}…")

    def seconds_left(self) -> float | None:
        """The running series' time still to run, this run included (None: no series runs).

        From the walls of the first round when a repeat knows them; else the
        estimate of the runs to go, scaled by how the finished runs did against
        theirs (this machine is not the one the unit costs were measured on).
        """
        b = self._batch
        if b is None:
            return None
        measured = b.seconds_left()
        if measured is not None:
            return measured
        done = len(b.rows)
        todo = sum(self._estimates[done:])
        guessed = sum(self._estimates[:done])
        if done and guessed > 0:
            todo *= sum(row.record.wall_s for row in b.rows) / guessed
        return todo

    @Slot(object, object)
    def on_run_started(self, started: RunStarted, _kind: object = None) -> None:
        b = self._batch
        if b is None:
            return
        mode = MODE_NAMES.get(started.mode, started.mode)
        who = mode if started.mode == "serial" else f"{mode} × {started.workers}"
        left = self.seconds_left()
        tail = "" if left is None else f" · {left_words(left)}"
        self.progress_text.setText(f"Run {len(b.rows) + 1} of {b.requested} · {who}{tail}")

    @Slot(object)
    def on_run_finished(self, _done: RunDone) -> None:
        b = self._batch
        if b is not None and b.requested:
            self.bar.set_fraction(len(b.rows) / b.requested)

    @Slot(object)
    def on_batch_finished(self, done: BatchDone) -> None:
        if self._batch is None:  # not a scaling series
            self.progress_text.setText(IDLE_TEXT)
            return
        self._batch = None
        outcome = done.outcome
        n = outcome.requested
        ran = sum(1 for row in done.rows if row.record.status == "done")
        took = now() - self._t0
        if outcome.cancelled:
            text = f"Cancelled after {ran} of {n} runs ({took:.1f} s). Press Scale to start again."
        elif outcome.ok:
            self.bar.set_fraction(1.0)
            text = f"Done: {n} runs in {took:.1f} s."
        else:
            why = outcome.error or "a run failed"
            text = f"Stopped after {ran} of {n} runs: {why}."
        self.progress_text.setText(text)
        self.progress_text.setToolTip(text)

    # -- the result ----------------------------------------------------------------------------

    def _draw_guides(self, counts: list[int]) -> None:
        for item in self._items:
            self.plot.removeItem(item)
        self.legend.clear()
        self._items = []
        xs = np.array(counts, dtype=float)
        ideal = self.plot.plot(xs, xs, pen=pg.mkPen("#9e9e9e", width=scaled(1, self.zoom),
                                                              style=Qt.PenStyle.DashLine), name="ideal (n×)")
        cores = pg.InfiniteLine(pos=self.cores, angle=0, movable=False,
                                pen=pg.mkPen("#bdbdbd", width=scaled(1, self.zoom), style=Qt.PenStyle.DotLine),
                                label=f"{self.cores} cores", labelOpts={"position": 0.05, "color": "#757575"})
        self.plot.addItem(cores)
        self._items += [ideal, cores]
        self.plot.setYRange(0, max(xs) * 1.05, padding=0)

    def set_zoom(self, zoom: float) -> None:
        """Fit to the window's zoom (presentation mode): axes, line widths and markers (drawn again)."""
        self.zoom = zoom
        zoom_plot(self.chart, zoom)
        if self.result is not None:
            self.show_result(self.result)

    def show_result(self, result: ScalingResult) -> None:
        self.result = result
        counts = sorted({p.workers for pts in result.points.values() for p in pts})
        self.plot.getAxis("bottom").setTicks([[(math.log10(n), str(n)) for n in counts], []])
        self._draw_guides(counts)
        top = max(counts)
        dense = np.geomspace(1, top, 80)
        rows = []
        for mode, pts in result.points.items():
            color = MODE_COLORS.get(mode, "#888888")
            xs = np.array([p.workers for p in pts], dtype=float)
            ys = np.array([np.nan if p.speedup is None else p.speedup for p in pts])
            curve = self.plot.plot(xs, ys, pen=pg.mkPen(color, width=scaled(2, self.zoom)), symbol="o",
                                   symbolSize=scaled(8, self.zoom),
                                   symbolBrush=color, symbolPen=None, name=MODE_NAMES.get(mode, mode))
            self._items.append(curve)
            fit = result.fits.get(mode)
            if fit is not None:
                fitc = self.plot.plot(dense, [amdahl(n, fit.serial_fraction) for n in dense],
                                      pen=pg.mkPen(color, width=scaled(1, self.zoom), style=Qt.PenStyle.DashDotLine),
                                      name=f"Amdahl fit, f = {fit.serial_fraction:.2f}")
                self._items.append(fitc)
            cells = " · ".join(f"{p.workers}: <b>{'–' if p.speedup is None else f'{p.speedup:.2f}×'}</b>" for p in pts)
            if fit is None:
                fit_text = "no fit"
            else:
                lim = ("no limit" if math.isinf(fit.max_speedup)
                       else f"at most {fit.max_speedup:.1f}× however many workers")
                fit_text = f"serial fraction <b>f = {fit.serial_fraction:.3f}</b> ({lim})"
            rows.append(f"<p><span style='color:{color}'><b>{html.escape(MODE_NAMES.get(mode, mode))}</b></span>: "
                        f"{cells}<br>Amdahl fit over 1–{result.cores} workers: {fit_text}</p>")
        ymax = max([top] + [p.speedup or 0 for pts in result.points.values() for p in pts])
        self.plot.setYRange(0, ymax * 1.08, padding=0)
        serial = "" if result.serial_wall_s is None else f" (serial: {result.serial_wall_s:.2f} s)"
        self.text.setText(f"<b>{html.escape(result.workload)}</b> on {result.cores} logical cores{serial}."
                          + "".join(rows))
        self.text.setToolTip("\n".join(summary_lines(result)))
