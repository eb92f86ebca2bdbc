"""The timeline: one lane per worker, one bar per task, and under each lane its GIL lane.

Spans reach this view already coalesced: the run driver folds task events
into a :class:`~concgui.engine.timeline.SpanCollector` on its own thread and
sends a :class:`~concgui.engine.timeline.SpanBatch` inside each progress
snapshot (≤ 10 a second), which :meth:`TimelinePlot.add_batch` files in a
:class:`~concgui.engine.timeline.TimelineStore`. Drawing happens on the CPU
plot's redraw (its ``refreshed`` signal, 10 Hz, with the same "now"), with
one graphics item for all bars and one for all GIL strips: each is a handful
of ``QPainterPath`` built from numpy arrays (one path per shade). Bars closer
than a pixel are merged, so what is drawn is bounded by the plot's width,
whatever the number of tasks; each bar's shade is its tasks' CPU share
(CPU time / wall time).

The GIL lane under each bar lane is the worker thread's CPU share over time,
sampled from outside by :class:`~concgui.engine.lanes.LaneSampler`: dark
where the thread was on a CPU, blank where it waited (for the GIL, a lock,
I/O). The time axis is linked with the CPU and lateness plots; zooming or
panning any of them holds all three still (the "Follow live" button resumes).
"""

from __future__ import annotations

import html
import math
from typing import Iterator

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QCursor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from concgui.engine.lanes import LaneSampler
from concgui.engine.timeline import SpanBatch, TimelineStore
from concgui.gui.cpu_plot import MODE_COLORS, CpuPlot
from concgui.gui.live_widgets import CoverNote, elastic, plot_title
from concgui.gui.plot_style import make_plot, zoom_plot
from concgui.gui.presentation import scaled
from concgui.engine.compare import workers_count
from concgui.scenarios import StepKind

AXIS_W = 74  # left axis width shared with the CPU and lateness plots, so their x axes line up
BAR = (0.10, 0.60)  # where a lane's task bars sit, as fractions of the lane's height
STRIP = (0.66, 0.94)  # and its GIL strip
SHADES = 5  # CPU-share shades of the task bars
STRIP_SHADES = 6
#: Draw each task separately (with an outline) while they average at least this many pixels.
SEPARATE_PX = 4.0
SHARE_DELAY_MS = 350  # after a run, wait for the lane probe's last readings before summing shares
WAITED = "waited part of the time (GIL, I/O or a lock)"
STRIP_MIN_STEP_S = 0.002
STRIPS_KEPT = 2_000  # finished runs' strips kept worked out (see TimelinePlot._strip)


#: The narrowest time span a zoom shows (a few tasks of a millisecond), and how far past "now" it may go.
MIN_ZOOM_S = 0.002
ZOOM_FUTURE_S = 0.5
LABEL_PX = 13  # a lane label needs about this many pixels of height
#: How a Dask worker thread's lane is named: "dask <worker name>·t<K>" (:func:`concgui.engine.dask_task.lane_name`).
DASK_LANE = "dask "


def lane_order(name: str) -> tuple[int, int, str]:
    """Serial workers first, then thread-1, thread-2, … in number order, then processes by pid, then Dask worker
    threads ("dask 0·t1") by worker and thread number."""
    if name.startswith(DASK_LANE):
        worker, _, thread = name[len(DASK_LANE):].partition("·t")
        n = int(worker) if worker.isdigit() else 0
        return 3, n, f"{int(thread):06d}" if thread.isdigit() else name
    head, _, num = name.rpartition("-") if name.startswith("thread-") else name.partition(" ")
    kind = 1 if name.startswith("thread-") else 2 if name.startswith("pid ") else 0
    n = int(num) if num.isdigit() else 0
    return kind, n, name


def lane_label(name: str) -> str:
    """A lane's name on the axis: short enough for it ("MainThread", the GUI thread, would be dropped)."""
    return "GUI" if name == "MainThread" else name


def lane_color(name: str) -> QColor:
    if name.startswith(DASK_LANE):
        return QColor(MODE_COLORS["dask"])
    if name.startswith("pid "):
        return QColor(MODE_COLORS["processes"])
    if name.startswith("thread-"):
        return QColor(MODE_COLORS["threads"])
    if name == "MainThread":
        return QColor(MODE_COLORS[StepKind.GUI_THREAD.value])
    return QColor(MODE_COLORS["serial"])


def _mix(c: QColor, white: float) -> QColor:
    """``c`` blended towards white by ``white`` (0..1)."""
    return QColor(int(c.red() + (255 - c.red()) * white), int(c.green() + (255 - c.green()) * white),
                  int(c.blue() + (255 - c.blue()) * white))


def rects_path(x0: np.ndarray, x1: np.ndarray, y0: float, y1: float) -> QPainterPath:
    """One path of many rectangles, built from arrays in one go (no Python loop per rectangle)."""
    n = len(x0)
    if n == 0:
        return QPainterPath()
    xs = np.column_stack((x0, x1, x1, x0, x0)).ravel()
    ys = np.tile(np.array([y0, y0, y1, y1, y0]), n)
    connect = np.ones(5 * n, dtype=np.int32)
    connect[4::5] = 0
    return pg.arrayToQPath(xs, ys, connect=connect)


class PathsItem(pg.GraphicsObject):
    """Fills a few (path, brush, pen) layers: all the bars of the timeline in one item."""

    def __init__(self) -> None:
        super().__init__()
        self._layers: list[tuple[QPainterPath, QBrush, QPen]] = []
        self._rect = QRectF()

    def set_layers(self, layers: list[tuple[QPainterPath, QBrush, QPen]]) -> None:
        self.prepareGeometryChange()
        self._layers = layers
        rect = QRectF()
        for path, _, _ in layers:
            rect = rect.united(path.boundingRect())
        self._rect = rect
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        return self._rect

    def paint(self, painter: QPainter, *args: object) -> None:
        for path, brush, pen in self._layers:
            painter.setPen(pen)
            painter.setBrush(brush)
            painter.drawPath(path)


class TimelinePlot(QWidget):
    """Task bars per worker lane, GIL strips under them, on the CPU plot's time axis."""

    #: The CPU shares of a finished run's workers were summed: (run_id, cores' worth).
    shares_measured = Signal(int, float)

    def __init__(self, cpu_plot: CpuPlot, lanes: LaneSampler | None = None,
                 linked: tuple[pg.PlotItem, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cpu_plot = cpu_plot
        self.lanes = lanes
        #: (run, worker) -> (resolution, strip) of finished runs (see _strip).
        self._strips: dict[tuple[int, str], tuple[float, dict[int, tuple[np.ndarray, np.ndarray]], object]] = {}
        self.store = TimelineStore()
        self.window_s = cpu_plot.window_s
        self.ticks = 0
        self.bars_drawn = 0  # rectangles in the latest redraw
        self.lanes_shown: list[str] = []
        self._label_every = 1
        self.zoom = 1.0  # presentation mode's (set_zoom)
        self._t_now = cpu_plot._t_drawn  # noqa: SLF001 - the same "now" as the plot it follows

        self.plot_widget, p = make_plot(self, min_height=50, grid_x=False, grid_y=False, mouse_x=True)
        self.plot = p
        p.invertY(True)
        p.disableAutoRange()  # the range is the CPU plot's (linked), never fitted to the bars
        p.setXLink(cpu_plot.plot)
        p.setXRange(*cpu_plot.plot.viewRange()[0], padding=0)
        self.bars_item = PathsItem()
        self.strips_item = PathsItem()
        p.addItem(self.strips_item)
        p.addItem(self.bars_item)
        p.setYRange(0, 1, padding=0)
        p.getAxis("left").setTicks([[], []])
        self._linked = (cpu_plot.plot, p, *linked)
        for item in self._linked:
            item.getAxis("left").setWidth(AXIS_W)
            item.setMouseEnabled(x=True, y=False)
            item.getViewBox().sigRangeChangedManually.connect(self._on_view_range_changed_manually)

        title = self.title = plot_title(
            "Timeline: who ran what, when",
            "One lane per worker (thread or process), one bar per task. A bar's shade is the task's "
            "CPU share (its CPU time / its wall time): pale bars waited. The thin strip under each "
            "lane is the GIL lane: how much of each 10 ms the worker's OS thread was really on a CPU, "
            "read from /proc by a helper process (no root, no GIL of ours). Hover for details; "
            "scroll to zoom, drag to pan.")
        self.legend = QLabel("<span style='color:palette(dark)'>shade: CPU share · strip: GIL lane</span>")
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.share_label = QLabel()
        self.share_label.setTextFormat(Qt.TextFormat.RichText)
        self.share_label.setText("last run: <b style='font-size:large'>–</b>")  # one line's height, for elastic()
        self.share_label.setToolTip("The workers' CPU shares added up, over the time all of them were running: "
                                    "about 1 core for pure-Python threads (the GIL), about N for N processes.")
        self.follow_button = QPushButton("Follow live")
        self.follow_button.setToolTip("The plots stopped scrolling when you zoomed or panned: scroll with time again")
        self.follow_button.clicked.connect(self.follow)
        self.follow_button.hide()
        # The title is never cut; the legend shows whole or not at all (see resizeEvent); the last
        # run's figure takes what is left, cut short at worst (its tooltip has it all).
        title.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._fit_title()
        self.legend.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self._head_gap = 12
        head = QHBoxLayout()
        head.setSpacing(self._head_gap)
        head.addWidget(title)
        head.addWidget(self.legend)
        head.addWidget(elastic(self.share_label), 1)
        self.share_label.setText("")
        head.addWidget(self.follow_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.plot_widget, 1)

        self._paused_note = CoverNote(self, self.plot_widget, "Bars drawn after the run: drawing them now "
                                      "would take the GIL from the threads.")
        self.plot_widget.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        cpu_plot.refreshed.connect(self._refresh_in_steps)
        self._steps: Iterator[None] | None = None  # the redraw under way, one lane per turn of the loop

    def _fit_title(self) -> None:
        self.title.setFixedSize(self.title.fontMetrics().horizontalAdvance(self.title.text()) + 8,
                                self.title.sizeHint().height())

    def set_zoom(self, zoom: float) -> None:
        """Fit to the window's zoom (presentation mode): the axes (lane names), their shared width, the header."""
        self.zoom = zoom
        zoom_plot(self.plot_widget, zoom)
        for item in self._linked:  # one left-axis width for every linked plot, so their x axes line up
            item.getAxis("left").setWidth(scaled(AXIS_W, zoom))
        self._fit_title()
        shown = self.share_label.text()
        self.share_label.setText("last run: <b style='font-size:large'>–</b>")  # one line's height, as built
        self.share_label.setFixedHeight(self.share_label.sizeHint().height())
        self.share_label.setText(shown)
        self._label_every = 0  # lane labels thinned again for the new font, at the next redraw
        self._fit_header()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit_header()

    def _fit_header(self) -> None:
        """Show the legend only where it fits whole beside the title and the last run's figure."""
        share = self.share_label.sizeHint().width() if self.share_label.text() else 0
        button = self.follow_button.sizeHint().width() + self._head_gap if self.follow_button.isVisible() else 0
        room = self.width() - self.title.width() - share - button - 2 * self._head_gap
        self.legend.setVisible(room >= self.legend.sizeHint().width())

    # -- data in ----------------------------------------------------------------------------

    @Slot(object)
    def add_batch(self, batch: SpanBatch) -> None:
        self.store.add(batch)
        if batch.ended is not None and self.lanes is not None:
            run_id = batch.run_id
            QTimer.singleShot(SHARE_DELAY_MS, self, lambda: self._measure_shares(run_id))  # dropped if closed

    def _measure_shares(self, run_id: int) -> None:
        if self.lanes is None:
            return
        if self.cpu_plot.paused:  # the next run holds our GIL now: sum and show it once that run is over
            QTimer.singleShot(SHARE_DELAY_MS, self, lambda: self._measure_shares(run_id))
            return
        total = self.lanes.total_share(run_id)
        if total is None:
            return
        rs = self.store.runs.get(run_id)
        n = len(self.lanes.keys(run_id))
        what = f"run {run_id}" if rs is None else f"{rs.mode} × {rs.workers}" if rs.threads_per_worker == 1 else \
            f"{rs.mode} {workers_count(rs.workers, rs.threads_per_worker)}"  # Dask: worker processes × threads
        self.share_label.setText(f"last run ({html.escape(what)}): <b style='font-size:large'>{total:.2f}</b> "
                                 "cores together")
        self.share_label.setToolTip(f"Run {run_id}: its {n} worker(s) used {total:.2f} cores together, over the "
                                    "time all of them were running: about 1 core for pure-Python threads (the "
                                    "GIL), about N for N processes.")
        self._fit_header()
        self.shares_measured.emit(run_id, total)

    def set_paused_note(self, paused: bool) -> None:
        """Say over the plot that it waits for the run's end (the GIL pace, :mod:`concgui.gui.pace`)."""
        self._paused_note.set_shown(paused)

    # -- following and holding -------------------------------------------------------------

    @Slot()
    def _on_view_range_changed_manually(self, *_: object) -> None:
        self.cpu_plot.hold()
        self.follow_button.show()
        self._fit_header()
        self._keep_on_recorded_time()

    def _keep_on_recorded_time(self) -> None:
        """Zoom and pan stay on recorded time: never far past "now", never before the kept history.

        Done here rather than with ``ViewBox.setLimits``: limits on linked views of different
        widths push each other off (pyqtgraph links them by pixel position).
        """
        lo, hi = self.plot.viewRange()[0]
        span = min(max(hi - lo, MIN_ZOOM_S), self.window_s + ZOOM_FUTURE_S)
        lo = max(-self.window_s, min(lo, ZOOM_FUTURE_S - span))
        if (lo, lo + span) != (self.plot.viewRange()[0][0], self.plot.viewRange()[0][1]):
            self.plot.setXRange(lo, lo + span, padding=0)

    @Slot()
    def follow(self) -> None:
        self.follow_button.hide()
        self._fit_header()
        self.cpu_plot.follow()

    # -- drawing ---------------------------------------------------------------------------------

    @Slot(float)
    def refresh(self, t_now: float) -> None:
        """Redraw for ``t_now`` at once (an export, a test, a first frame)."""
        self._steps = None
        for _ in self._redraw(t_now):
            pass

    @Slot(float)
    def _refresh_in_steps(self, t_now: float) -> None:
        """Redraw for ``t_now`` a lane at a time, letting the event loop run between lanes.

        A redraw is a few ms of numpy and path building per lane; while pool
        workers fill every core it can take several times that, and a
        heartbeat tick due meanwhile would wait for all of it. In steps, the
        longest wait is one lane's. The drawn layers change at the last step,
        all at once. A new redraw replaces one still under way.
        """
        steps = self._steps = self._redraw(t_now)
        self._step(steps)

    def _step(self, steps: Iterator[None]) -> None:
        if steps is not self._steps:
            return  # replaced by a newer redraw
        try:
            next(steps)
        except StopIteration:
            self._steps = None
            return
        QTimer.singleShot(0, self, lambda: self._step(steps))

    def _redraw(self, t_now: float) -> Iterator[None]:
        self._t_now = t_now
        if self.cpu_plot.paused:  # drawing pauses with the CPU plot's (see CpuPlot.set_paused)
            self.ticks += 1
            return
        vb = self.plot.getViewBox()
        (x_lo, x_hi), _ = vb.viewRange()
        px = float(vb.viewPixelSize()[0]) or 1e-3
        width_px = max(1.0, (x_hi - x_lo) / px)
        t_lo, t_hi = t_now + x_lo, t_now + x_hi

        names = sorted((n for n, lane in self.store.lanes.items() if self._active(n, lane, t_lo, t_hi)),
                       key=lane_order)
        if not names and self.cpu_plot.hold_t is not None:
            names = self.lanes_shown  # zoomed or panned onto empty time: the lanes keep their names
        lane_px = vb.height() / max(1, len(names))
        every = max(1, math.ceil(LABEL_PX * self.zoom / max(lane_px, 1.0)))  # thin the labels when lanes are thin
        if names != self.lanes_shown or every != self._label_every:
            self.lanes_shown, self._label_every = names, every
            self.plot.getAxis("left").setTicks([[(i + 0.5, lane_label(n)) for i, n in enumerate(names)
                                                  if i % every == 0], []])
            self.plot.setYRange(0, max(1, len(names)), padding=0)

        bar_layers: dict[tuple[str, int], list] = {}
        outline = QPen(QColor(255, 255, 255, 220))
        outline.setCosmetic(True)
        no_pen = QPen(Qt.PenStyle.NoPen)
        drawn = 0
        for i, name in enumerate(names):
            t0 = self.store.lanes[name].col("t0")
            k0 = int(np.searchsorted(t0, t_lo)) - 1
            k1 = int(np.searchsorted(t0, t_hi))
            separate = (k1 - max(0, k0)) <= width_px / SEPARATE_PX
            bars = self.store.bars(name, t_lo, t_hi, 0.0 if separate else px)
            if len(bars.x0):
                x0 = bars.x0 - t_now
                x1 = np.maximum(bars.x1 - t_now, x0 + px)
                level = np.minimum((bars.share * SHADES).astype(int), SHADES - 1)
                for lv in np.unique(level):
                    sel = level == lv
                    path = rects_path(x0[sel], x1[sel], i + BAR[0], i + BAR[1])
                    bar_layers.setdefault((name, int(lv), separate), []).append(path)
                    drawn += int(sel.sum())
            run = self.store.running.get(name)
            if run is not None and run.t < t_hi:
                x0 = np.array([run.t - t_now])
                path = rects_path(x0, np.maximum(x0 + px, 0.0), i + BAR[0], i + BAR[1])
                bar_layers.setdefault((name, -1, True), []).append(path)
                drawn += 1
            yield
        layers = []
        for (name, lv, separate), paths in bar_layers.items():
            base = lane_color(name)
            if lv < 0:
                c = QColor(base)
                c.setAlpha(90)
                pen = QPen(base)
                pen.setCosmetic(True)
                pen.setStyle(Qt.PenStyle.DashLine)
            else:
                c = _mix(base, 0.78 * (1 - (lv + 0.5) / SHADES))
                pen = outline if separate else no_pen
            for path in paths:
                layers.append((path, QBrush(c), pen))
        yield
        strips = self._strip_layers(names, t_now, t_lo, t_hi, px)
        self.bars_item.set_layers(layers)
        self.bars_drawn = drawn
        self.strips_item.set_layers(strips)
        self.ticks += 1

    def _active(self, name: str, lane, t_lo: float, t_hi: float) -> bool:
        """Whether lane ``name`` has anything in [t_lo, t_hi]: a task, a running task, or its run."""
        if name in self.store.running:
            return True
        t0, t1 = lane.col("t0"), lane.col("t1")
        k = int(np.searchsorted(t0, t_hi, side="right"))
        if k > 0 and float(np.max(t1[max(0, k - 64):k])) >= t_lo:
            return True
        # A run's lanes stand from its start (before its workers' first task) to its end.
        return any(key[1] == name and self._run_start(key[0], w.t) <= t_hi and self._run_end(key[0]) >= t_lo
                   for key, w in self.store.workers.items())

    def _run_start(self, run_id: int, default: float) -> float:
        started = self.store.runs.get(run_id)
        return started.t if started is not None else default

    def _run_end(self, run_id: int) -> float:
        fin = self.store.ends.get(run_id)
        return fin.t if fin is not None else math.inf

    def _strip_layers(self, names: list[str], t_now: float, t_lo: float, t_hi: float,
                      px: float) -> list[tuple[QPainterPath, QBrush, QPen]]:
        if self.lanes is None or not names:
            return []
        index = {n: i for i, n in enumerate(names)}
        step = max(px * 2, STRIP_MIN_STEP_S)
        by_shade: dict[tuple[str, int], tuple[list[np.ndarray], list[np.ndarray]]] = {}
        for run_id, worker in self.lanes.keys():
            i = index.get(worker)
            rs = self.store.runs.get(run_id)
            if i is None or (rs is not None and (rs.t > t_hi or self._run_end(run_id) < t_lo - 1.0)):
                continue  # not on screen: skip copying its readings
            for v, (x0, x1) in self._strip(run_id, worker, step, t_lo, t_hi).items():
                # One shade's rectangles never overlap, so starts and ends both increase.
                k0 = int(np.searchsorted(x1, t_lo, side="left"))
                k1 = int(np.searchsorted(x0, t_hi, side="right"))
                if k1 > k0:
                    xs0, xs1 = by_shade.setdefault((worker, v), ([], []))
                    xs0.append(x0[k0:k1])
                    xs1.append(x1[k0:k1])
        layers = []
        no_pen = QPen(Qt.PenStyle.NoPen)
        for (worker, v), (xs0, xs1) in by_shade.items():  # one path per lane and shade, all its runs in it
            i = index[worker]
            c = QColor(lane_color(worker).darker(170))
            c.setAlpha(int(255 * v / STRIP_SHADES))
            layers.append((rects_path(np.concatenate(xs0) - t_now, np.concatenate(xs1) - t_now, i + STRIP[0],
                                      i + STRIP[1]), QBrush(c), no_pen))
        return layers

    def _strip(self, run_id: int, worker: str, step: float, t_lo: float,
               t_hi: float) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """One worker's CPU strip in one run: shade (≥ 1) -> (starts, ends) in engine time, equal shades merged.

        A finished run's strip is worked out once per resolution, over the
        whole run, and kept: its readings no longer change, and a redraw
        (3–10 a second) then costs a selection, not a resampling. A running
        run's strip is worked out for what is on screen.
        """
        assert self.lanes is not None
        done = run_id in self.store.ends
        started = self.store.runs.get(run_id)
        kept = self._strips.get((run_id, worker))
        if done and kept is not None and kept[0] == step and kept[2] is started:
            return kept[1]
        t, cpu = self.lanes.raw(run_id, worker)
        if len(t) < 2 or (not done and (t[-1] < t_lo or t[0] > t_hi)):
            return {}
        a, b = (t[0], t[-1]) if done else (max(t[0], t_lo), min(t[-1], t_hi))
        n = max(1, int(math.ceil((b - a) / step)))
        edges = np.linspace(a, b, n + 1)
        c = np.interp(edges, t, cpu)
        share = np.clip(np.diff(c) / np.maximum(np.diff(edges), 1e-12), 0.0, 1.0)
        level = np.minimum(np.round(share * STRIP_SHADES).astype(int), STRIP_SHADES)
        # Merge runs of equal shade into one rectangle each; shade 0 draws nothing.
        change = np.nonzero(np.diff(level))[0] + 1
        starts = np.concatenate(([0], change))
        ends = np.concatenate((change, [len(level)]))
        lv = level[starts]
        x0, x1 = edges[starts], edges[ends]
        out = {int(v): (x0[lv == v], x1[lv == v]) for v in np.unique(lv) if v > 0}
        if done:
            if len(self._strips) > STRIPS_KEPT:
                self._strips.clear()
            self._strips[(run_id, worker)] = (step, out, started)
        return out

    # -- hover -------------------------------------------------------------------------------------

    @Slot(object)
    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            return
        text = self.describe_at(vb.mapSceneToView(pos))
        if text:
            QToolTip.showText(QCursor.pos(), text, self.plot_widget)
        else:
            QToolTip.hideText()

    def describe_at(self, point: QPointF) -> str:
        """The tooltip for a point in view coordinates (x: seconds ago, y: lane), or ''."""
        lane_f = point.y()
        i = int(math.floor(lane_f))
        if not 0 <= i < len(self.lanes_shown):
            return ""
        name = self.lanes_shown[i]
        t = self._t_now + point.x()
        frac = lane_f - i
        px = float(self.plot.getViewBox().viewPixelSize()[0]) or 1e-3
        if STRIP[0] - 0.03 <= frac <= STRIP[1] + 0.03 and self.lanes is not None:
            return self._describe_strip(name, t, px)
        span = self.store.hit(name, t, slack=2 * px)
        if span is None:
            return ""
        if math.isnan(span.t1):
            return f"<b>task {span.task_id}</b> · {html.escape(name)}<br>running for {(t - span.t0) * 1000:.1f} ms"
        return (f"<b>task {span.task_id}</b> · {html.escape(name)} · run {span.run_id}<br>"
                f"wall {span.wall_s * 1000:.1f} ms · CPU {span.cpu_s * 1000:.1f} ms · "
                f"<b>CPU share {span.share:.0%}</b><br>"
                f"<span style='color:gray'>{'on a CPU all along' if span.share > 0.9 else WAITED}</span>")

    def _describe_strip(self, name: str, t: float, px: float) -> str:
        assert self.lanes is not None
        for run_id, worker in self.lanes.keys():
            if worker != name:
                continue
            ts, cpu = self.lanes.raw(run_id, worker)
            if len(ts) >= 2 and ts[0] <= t <= ts[-1]:
                h = max(0.01, 3 * px)
                a, b = max(ts[0], t - h), min(ts[-1], t + h)
                c0, c1 = np.interp([a, b], ts, cpu)
                share = (c1 - c0) / (b - a) if b > a else 0.0
                return (f"<b>GIL lane</b> · {html.escape(name)} · run {run_id}<br>on a CPU "
                        f"<b>{share:.0%}</b> of the time around here ({(b - a) * 1000:.0f} ms)")
        return ""
