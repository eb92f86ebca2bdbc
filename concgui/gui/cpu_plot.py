"""Live per-core CPU over a scrolling window, drawn from the sampler's ring buffer.

The sampler (:class:`~concgui.engine.telemetry.CpuSampler`) samples on its own
thread, so the history stays complete even while the GUI thread is frozen;
this widget only *draws* what arrived, on a timer whose rate the window sets
with :meth:`CpuPlot.set_pace` (:mod:`concgui.gui.pace`). Curves are created once
and get ``setData`` per tick. While this process's own threads hold its GIL,
the plot stands still and a :class:`~concgui.gui.cpu_sketch.CpuSketch` draws
the same lines as one image instead. With more than ``max_lanes`` cores, lines would be
unreadable, so a heat strip (one row per core) is drawn instead.

Beside the plot: "cores busy" (sum of per-core % / 100, i.e. how many cores'
worth of work the whole machine is doing) and this app's process tree CPU
(itself plus its worker processes), so pure-Python threads hopping between
cores do not pass for parallelism.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from concgui.engine.clock import now
from concgui.engine.telemetry import CpuSampler
from concgui.gui.cpu_sketch import CpuSketch
from concgui.gui.heartbeat import Heartbeat, PeriodicCall
from concgui.gui.pace import RATES, Pace
from concgui.gui.theme import plot_text_color
from concgui.gui.live_widgets import plot_title
from concgui.gui.plot_bands import Band, RunBands, place_bands
from concgui.gui.plot_style import make_plot, zoom_plot
from concgui.gui.presentation import scaled
from concgui.scenarios import StepKind

WINDOW_S = 60.0
READOUT_S = 0.5  # numbers beside the plot change at most twice a second
READOUT_AVG_S = 0.5
MAX_LANES = 16
MIN_SPAN_S = 10.0  # the x axis grows from this to window_s as history builds up
LABEL_LEVELS = 3  # run labels stack on this many rows before one is hidden rather than overlap

#: Tableau-10: distinct, readable on white, colour-blind friendlier than a hue wheel.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

#: Background bands marking runs, by mode.
MODE_COLORS = {
    StepKind.GUI_THREAD.value: "#d62728",
    "serial": "#ff7f0e",
    "threads": "#1f77b4",
    "processes": "#2ca02c",
    "interpreters": "#9467bd",
    "dask": "#17becf",
    StepKind.BLOCKING_WAIT.value: "#ad1457",
    StepKind.FLOOD.value: "#6d4c41",
}


def cores_legend_html(colors: list[str]) -> str:
    """A one-line legend: a square in each core's colour, then its number."""
    return "&nbsp; ".join(f"<span style='color:{c}'>■</span>&nbsp;{i}" for i, c in enumerate(colors))


def core_color(i: int, n: int) -> QColor:
    if n <= len(PALETTE):
        return QColor(PALETTE[i])
    return pg.intColor(i, hues=n, values=1, maxValue=220)


class CpuPlot(QWidget):
    """Per-core CPU % for the last ``window_s`` seconds, plus the busy-cores readout.

    Other plots share its time axis: link their x axis to :attr:`plot`
    (``setXLink``) and draw on :attr:`refreshed`, which carries the very
    ``t_now`` this plot used, so "seconds ago" means the same on both.
    """

    #: A redraw happened; the argument is the clock time it took as "now" (x = 0).
    refreshed = Signal(float)

    def __init__(self, sampler: CpuSampler, window_s: float = WINDOW_S, max_lanes: int = MAX_LANES,
                 parent: QWidget | None = None, heartbeat: "Heartbeat | None" = None) -> None:
        super().__init__(parent)
        self.sampler = sampler
        self.window_s = window_s
        self.cores = sampler.cores
        self.heat = self.cores > max_lanes
        self.ticks = 0  # redraws done (the sketch's included)
        self.pace = Pace.IDLE
        self._t_readout = float("-inf")
        self.samples_drawn = 0  # points in the latest redraw
        self.runs = RunBands(lambda: self.paused, self._make_band)
        #: While set, redraws take this as "now" (the view stands still, e.g. to zoom into the timeline).
        self.hold_t: float | None = None

        # No grid on the live plots: pyqtgraph's translucent grid made each
        # redraw ~3.5× dearer (benchmarks/sections/cpu_plot.py), i.e. more lateness.
        self.plot_widget, p = make_plot(self, min_height=100, grid_x=False, grid_y=False)
        self.plot = p
        p.setLabel("bottom", "seconds ago")
        self._shown_s = 0.0
        self._t_drawn = now()
        self._show_span(MIN_SPAN_S)

        self.curves: list[pg.PlotDataItem] = []
        self.image: pg.ImageItem | None = None
        if self.heat:
            self.y_top = float(self.cores)
            p.setLabel("left", "core")
            p.setYRange(0, self.cores, padding=0)
            every = max(1, self.cores // 16)
            p.getAxis("left").setTicks([[(i + 0.5, str(i)) for i in range(0, self.cores, every)], []])
            self.image = pg.ImageItem(axisOrder="col-major")
            self.image.setColorMap(pg.colormap.get("viridis"))
            p.addItem(self.image)
            bar = pg.ColorBarItem(values=(0, 100), colorMap=pg.colormap.get("viridis"), label="CPU %",
                                  interactive=False, width=12)
            bar.setImageItem(self.image, insert_in=p)
        else:
            self.y_top = 100.0
            p.setLabel("left", "CPU %")
            p.setYRange(0, 100, padding=0.02)
            width = self._line_w = 2 if self.cores <= 4 else 1  # wide pens cost 3-6x per frame
            for i in range(self.cores):
                curve = p.plot(pen=pg.mkPen(core_color(i, self.cores), width=width), name=f"core {i}")
                curve.setClipToView(True)
                self.curves.append(curve)

        self._title_text = "CPU per core" if not self.heat else f"CPU per core ({self.cores} cores, heat strip)"
        self.paused = False
        title = self.title = plot_title(
            self._title_text,
            "While pure-Python threads of this window's process hold its GIL, the plot is drawn as a simple "
            "image: a full frame would make the window wait for the GIL dozens of times. Every sample is kept; "
            "the full plot returns when the run ends.")
        self.busy_label = QLabel()
        self.busy_label.setToolTip(
            "Sum of every core's CPU % divided by 100: how many cores' worth of work the whole machine "
            "is doing right now. Threads that take turns on the GIL hop between cores but add up to ~1.")
        self.tree_label = QLabel()
        self.tree_label.setToolTip(
            "CPU used by this app and its worker processes, in % of one core (200 % = two cores' worth).")
        for lab in (self.busy_label, self.tree_label):
            lab.setTextFormat(Qt.TextFormat.RichText)
        # The cores' colours sit in the header, beside the title: a legend over the plot hides data.
        self.legend_label = QLabel(cores_legend_html(
            [core_color(i, self.cores).name() for i in range(self.cores)]) if not self.heat else "")
        self.legend_label.setTextFormat(Qt.TextFormat.RichText)
        self.legend_label.setToolTip("One line per logical core, in these colours.")
        self.legend_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.legend_label.setMinimumWidth(1)  # cut short on a narrow window; never widens it
        # A fixed title (Qt's box layouts give an Ignored-width widget no minimum): the legend gives way.
        title.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._fit_title()
        head = QHBoxLayout()
        head.addWidget(title)
        head.addSpacing(8)
        head.addWidget(self.legend_label, 1)
        head.addWidget(self.busy_label)
        head.addSpacing(12)
        head.addWidget(self.tree_label)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.plot_widget, 1)
        # Fixed sizes: a label whose size hint changes makes Qt re-lay out (and repaint) its
        # parents, many trips into Python; at a fixed size a new text repaints the label alone.
        self._fit_readouts()
        for lab in (self.busy_label, self.tree_label):
            lab.setAutoFillBackground(True)
        self._set_readout(None, None)
        colors = [core_color(i, self.cores) for i in range(self.cores)] if not self.heat else []
        self.sketch = CpuSketch(self, self.plot_widget, colors, window_s)

        self._wanted = False
        # Redraws ride on the window's heartbeat when there is one (no timer of their own: see
        # Heartbeat), else on a timer; either way at the pace's rate, and never while hidden.
        self._clock = PeriodicCall(self._on_clock_tick, RATES[self.pace].plot_ms, heartbeat, self)

    def _fit_title(self) -> None:
        self.title.setFixedSize(self.title.fontMetrics().horizontalAdvance(self._title_text) + 8,
                                self.title.sizeHint().height())

    def _fit_readouts(self) -> None:
        digits = "8" * len(str(self.cores))  # room for this machine's widest figures, no more
        for lab, widest in ((self.busy_label, f"Cores busy: {digits}.88 of {digits}"),
                            (self.tree_label, f"This app + workers: {digits}88 %")):
            shown = lab.text()
            self._set_readout_text(lab, widest)
            lab.setMinimumSize(0, 0)
            lab.setMaximumSize(16_777_215, 16_777_215)
            lab.setFixedSize(lab.sizeHint())
            lab.setText(shown)

    def set_zoom(self, zoom: float) -> None:
        """Fit to the window's zoom (presentation mode): line widths, axes, the header's fixed sizes, labels."""
        zoom_plot(self.plot_widget, zoom)
        if not self.heat:  # larger tick labels on a short axis: fewer of them, so none overlap
            self.plot.getAxis("left").setTicks(None if zoom == 1.0 else [[(v, str(v)) for v in (0, 50, 100)], []])
            self.plot.setYRange(0, 100, padding=0.02 if zoom == 1.0 else 0.08)  # room for the top label
        for i, curve in enumerate(self.curves):
            curve.setPen(pg.mkPen(core_color(i, self.cores), width=scaled(self._line_w, zoom)))
        self._fit_title()
        self._fit_readouts()
        for band in self.runs.bands.values():
            band.refit_text()
        self.sketch.set_zoom(zoom)

    def set_busy_readout_shown(self, on: bool) -> None:
        """Show "Cores busy" and "This app + workers" in the header, or not (presentation mode's readout strip
        shows Cores busy, larger; the legend keeps the header's room)."""
        self.busy_label.setVisible(on)
        self.tree_label.setVisible(on)

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        self._wanted = True
        if self.isVisible() or self.parentWidget() is None:
            self._run_clock(True)

    def stop(self) -> None:
        self._wanted = False
        self._run_clock(False)

    def _run_clock(self, on: bool) -> None:
        self._clock.set_interval(RATES[self.pace].plot_ms)
        if on:
            self._clock.start()
        else:
            self._clock.stop()

    @property
    def clock_running(self) -> bool:
        return self._clock.active

    def set_pace(self, pace: Pace) -> None:
        """Redraw at ``pace``'s rate; at ``GIL`` pace, as a sketch (see :mod:`concgui.gui.pace`).

        Call it before the run starts: the switch itself changes the layout.
        """
        self.pace = pace
        if self.clock_running:
            self._run_clock(True)
        self.set_paused(pace is Pace.GIL)

    def set_paused(self, paused: bool) -> None:
        """Stop drawing the pyqtgraph plot and draw the sketch instead; the full plot catches up when resumed.

        A pyqtgraph frame needs the GIL many times over (Qt calls into Python
        for items, axes, layout); with pure-Python threads busy in this process
        each of those waits behind them, so one frame stalled the window for
        0.3-0.9 s with two busy threads. The samples keep arriving in the ring
        buffer meanwhile, and the sketch draws them in one slot.
        """
        if paused != self.paused:
            self.paused = paused
            if paused and not self.heat:
                self.sketch.show()
            else:
                self.sketch.hide()
            if self.clock_running:
                self.refresh()

    # A plot on a hidden tab would cost the GUI thread a timer entry into Python 10 times a second: its
    # first tick while hidden stops the clock (_on_clock_tick), and being shown again starts it. Not a
    # hideEvent override: with one, the garbage collector crashed now and then in the window's teardown
    # (PySide6 6.11.3), on that very function, freed while the class still held it.
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._wanted and not self.clock_running:
            self._run_clock(True)
            self.refresh()

    def _hidden(self) -> bool:
        """On a tab or in a window not on screen (a plot with no parent is always drawn: a test's, or a grab)."""
        return self.parentWidget() is not None and not self.isVisible()

    # -- run bands ------------------------------------------------------------

    def mark_run_started(self, run_id: int, label: str, mode: str, t0: float) -> None:
        self.runs.start(run_id, label, mode, t0)

    def mark_run_finished(self, run_id: int, t1: float) -> None:
        self.runs.finish(run_id, t1)

    def _make_band(self, label: str, mode: str, t0: float) -> Band:
        band = Band(self.plot, t0, None, MODE_COLORS.get(mode, "#888888"), 38, label,
                    plot_text_color(QColor(MODE_COLORS.get(mode, "#888888")).darker(130)))
        return band

    # -- drawing ----------------------------------------------------------------

    def hold(self, t: float | None = None) -> None:
        """Stop scrolling: redraw as of ``t`` (default: the last redraw's "now") until :meth:`follow`."""
        if self.hold_t is None:
            self.hold_t = self._t_drawn if t is None else t

    def follow(self) -> None:
        """Scroll with time again, over the usual span."""
        self.hold_t = None
        self._shown_s = 0.0
        self.refresh()

    def _on_clock_tick(self) -> None:
        if self._hidden():
            self._run_clock(False)  # until showEvent
            return
        self.refresh()

    def refresh(self) -> None:
        t_now = now() if self.hold_t is None else self.hold_t
        self._t_drawn = t_now
        if self.paused:
            if not self.heat:
                span = self._shown_s or MIN_SPAN_S  # the span the full plot shows, so both read alike
                t, v = self.sampler.per_core.snapshot(since=t_now - span - 1.0)
                self.sketch.draw(t, v, t_now, span)
            self._maybe_update_readout(t_now)
            self.ticks += 1
            self.refreshed.emit(t_now)
            return
        self.runs.catch_up()
        t, v = self.sampler.per_core.snapshot(since=t_now - self.window_s - 1.0)
        x = t - t_now
        if self.heat:
            if len(t) >= 2:
                assert self.image is not None
                self.image.setImage(v, autoLevels=False, levels=(0, 100))
                span = x[-1] - x[0]
                step = span / (len(x) - 1)
                self.image.setRect(float(x[0]), 0.0, float(span + step), float(self.cores))
        else:
            for i, curve in enumerate(self.curves):
                curve.setData(x, v[:, i])
        self.samples_drawn = len(t)
        if len(t) and self.hold_t is None:
            self._show_span(min(self.window_s, max(MIN_SPAN_S, 1.0 - float(x[0]))))
        # Labels stack on up to three heights, never on top of each other (see place_bands).
        place_bands(self.runs.bands, self.plot, t_now, t_now - self.window_s, self.y_top, LABEL_LEVELS)
        self._maybe_update_readout(t_now)
        self.ticks += 1
        self.refreshed.emit(t_now)

    def _maybe_update_readout(self, t_now: float) -> None:
        if t_now - self._t_readout >= READOUT_S or t_now < self._t_readout:
            self._t_readout = t_now
            self._update_readout(t_now)

    def _show_span(self, span: float) -> None:
        span = float(np.ceil(span))
        if span != self._shown_s:
            self._shown_s = span
            self.plot.setXRange(-span, 0, padding=0)

    def _update_readout(self, t_now: float) -> None:
        t, v = self.sampler.per_core.snapshot(since=t_now - READOUT_AVG_S)
        tt, tv = self.sampler.tree.snapshot(since=t_now - READOUT_AVG_S)
        busy = mean_busy(v) if len(t) else None
        tree = float(tv[:, 0].mean()) if len(tt) else None
        self._set_readout(busy, tree)

    @staticmethod
    def _set_readout_text(label: QLabel, text: str) -> None:
        head, _, value = text.rpartition(": ")
        number, _, tail = value.partition(" of ")
        label.setText(f"{head}: <b style='font-size:large'>{number}</b>" + (f" of {tail}" if tail else ""))

    def _set_readout(self, busy: float | None, tree: float | None) -> None:
        b = "–" if busy is None else f"{busy:.2f}"
        tr = "–" if tree is None else f"{tree:.0f} %"
        self.busy_label.setText(f"Cores busy: <b style='font-size:large'>{b}</b> of {self.cores}")
        self.tree_label.setText(f"This app + workers: <b style='font-size:large'>{tr}</b>")

    def readout(self) -> tuple[str, str]:
        return self.busy_label.text(), self.tree_label.text()


def mean_busy(values: np.ndarray) -> float:
    """Cores busy (sum of per-core % / 100), averaged over the rows (samples)."""
    return float(values.sum(axis=1).mean()) / 100.0
