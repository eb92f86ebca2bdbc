"""Event-loop lateness over time, on the CPU plot's time axis.

Drawn from the heartbeat's :class:`~concgui.engine.latency.LatenessRecorder`
whenever the CPU plot redraws (its ``refreshed`` signal carries the "now" it
used, and the x axes are linked with ``setXLink``), so a spike here lines up
with what the cores were doing at that moment.

The y axis is logarithmic (0.1 ms to seconds): a 60 Hz frame (16.7 ms) and
the ~100 ms at which a window feels sluggish are marked. A freeze is drawn
as what it was: the pending tick's lateness growing from 0 at its due time
to X seconds when the loop finally ran again, over a red band. Above the plot:
p50 / p99 / max over the last 10 s, and the longest freeze of the last run.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from concgui.engine.latency import FRAME_S, WINDOW_S, LatenessStats, frames_missed_words
from concgui.gui.cpu_plot import MODE_COLORS, CpuPlot
from concgui.gui.heartbeat import BAD_S, Heartbeat, HeartbeatDot, lateness_color
from concgui.gui.theme import InkLabel
from concgui.gui.live_widgets import CoverNote, elastic, first_fitting, plot_title
from concgui.gui.plot_bands import Band, RunBands, label_rects, place_bands
from concgui.gui.plot_style import make_plot, zoom_plot
from concgui.gui.presentation import scaled

#: The title, longest first: the plot's header shows the first that fits (see first_fitting).
TITLES = ("Event-loop lateness (heartbeat)", "Event-loop lateness")

THRESHOLD_LABEL_AT = 0.02  # the "1 frame" and "sluggish" labels: this far along the plot's width
#: Freeze labels stack on this many rows before one is hidden rather than overlap.
FREEZE_LABEL_LEVELS = 3

FLOOR_MS = 0.1  # log axis: lateness below this is drawn at this
RAMP_S = 0.030  # ticks later than this are drawn as a ramp from their due time
READOUT_S = 0.5  # numbers change at most twice a second
PAUSED_NOTE = "Plotted after the run: drawing it now would take the GIL from the threads."
FREEZE_BAND_S = 0.25
AXIS_W = 46
LABEL_FREEZE_S = 0.5


def _fmt_ms(ms: float) -> str:
    return f"{ms / 1000:.2f} s" if ms >= 1000 else f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"


def ramp_series(t: np.ndarray, late_s: np.ndarray, ramp_s: float = RAMP_S) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) to draw: each tick later than ``ramp_s`` gets a point at its due time with lateness 0.

    While the loop is stuck, the pending tick's lateness grows from 0 (at its
    due time, ``t - late``) to ``late`` (when it finally ran at ``t``).
    """
    idx = np.nonzero(late_s > ramp_s)[0]
    if not len(idx):
        return t, late_s
    return np.insert(t, idx, t[idx] - late_s[idx]), np.insert(late_s, idx, 0.0)


class LatenessPlot(QWidget):
    """Heartbeat lateness (ms, log scale) over the CPU plot's time window."""

    def __init__(self, heartbeat: Heartbeat, cpu_plot: CpuPlot, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heartbeat = heartbeat
        self.cpu_plot = cpu_plot
        self.window_s = cpu_plot.window_s
        self.ticks = 0
        self.points_drawn = 0
        self.last_run: LatenessStats | None = None
        self.runs = RunBands(lambda: self.cpu_plot.paused,  # drawing pauses with the CPU plot's
                             lambda mode, t0: Band(self.plot, t0, None, MODE_COLORS.get(mode, "#888888"), 30))
        self._freezes: dict[float, Band] = {}
        self._y_top = 0.0

        self.plot_widget, p = make_plot(self, min_height=70, grid_x=False, grid_y=False)
        self.plot = p
        p.setLogMode(x=False, y=True)
        p.setLabel("left", "late, ms")
        for axis in (p.getAxis("left"), cpu_plot.plot.getAxis("left")):
            axis.setWidth(AXIS_W)  # equal widths, so linked x axes line up pixel for pixel
        p.setXLink(cpu_plot.plot)  # one time axis for CPU and lateness
        self._set_y_top(2.0)  # 100 ms
        self._threshold_labels: list = []  # freeze labels keep clear of them
        self._threshold_lines: list[pg.InfiniteLine] = []
        self._thresholds = ((FRAME_S * 1000, "1 frame"), (BAD_S * 1000, "sluggish"))
        for ms, what in self._thresholds:
            line = pg.InfiniteLine(pos=math.log10(ms), angle=0, movable=False,
                                   pen=pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DashLine),
                                   label=what, labelOpts={"position": THRESHOLD_LABEL_AT, "color": "#757575",
                                                          "anchors": [(0, 1), (0, 1)]})
            p.addItem(line, ignoreBounds=True)
            self._threshold_lines.append(line)
            self._threshold_labels.append(line.label)
        self.curve = p.plot(pen=pg.mkPen("#6a1b9a", width=1))
        self.curve.setClipToView(True)
        self.curve.setDownsampling(auto=True, method="peak")

        self._t_readout = float("-inf")
        self._readout_variants: list[str] = []  # the readout's wordings, longest first (see first_fitting)
        title = self.title = plot_title(
            TITLES[0],
            "How late each 20 ms heartbeat tick of the GUI thread ran. A frozen GUI thread shows as "
            "a red band: no tick could run until the freeze ended.")
        self.dot = HeartbeatDot(heartbeat, parent=self)
        self.stats_label = InkLabel()  # its green / amber / red read on either theme
        self.stats_label.setTextFormat(Qt.TextFormat.RichText)
        self.stats_label.setToolTip(f"Heartbeat lateness over the last {WINDOW_S:g} s: median, 99th percentile "
                                    "and worst; and the longest the window was stuck during the last run.")
        head = QHBoxLayout()
        head.addWidget(self.dot.label)
        head.addWidget(title, 2)
        self.stats_label.setText("last 10 s: <b>–</b>")  # one line's height, for elastic()
        head.addWidget(elastic(self.stats_label), 5)
        self.stats_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.plot_widget, 1)
        self._paused_note = CoverNote(self, self.plot_widget, PAUSED_NOTE)
        self._update_readout()
        cpu_plot.refreshed.connect(self.refresh)

    def set_zoom(self, zoom: float) -> None:
        """Fit to the window's zoom (presentation mode): line widths, axes, labels, the dot, the header's height."""
        zoom_plot(self.plot_widget, zoom)
        # Larger tick labels on a short log axis: fewer of them, none at the top edge, so none overlap or clip.
        self.plot.getAxis("left").setTicks(None if zoom == 1.0 else [[(0, "1"), (1, "10"), (3, "1000")], []])
        self.curve.setPen(pg.mkPen("#6a1b9a", width=scaled(1, zoom)))
        font = QGuiApplication.font()
        for line in self._threshold_lines:
            line.setPen(pg.mkPen("#9e9e9e", width=scaled(1, zoom), style=Qt.PenStyle.DashLine))
            line.label.setFont(font)
        for band in [*self.runs.bands.values(), *self._freezes.values()]:
            band.refit_text()
        self.dot.set_zoom(zoom)
        for label in (self.title, self.stats_label):  # one line each (see elastic)
            label.setFixedHeight(label.sizeHint().height())

    # -- runs --------------------------------------------------------------------------

    def mark_run_started(self, run_id: int, mode: str, t0: float) -> None:
        self.runs.start(run_id, mode, t0)

    def mark_run_finished(self, run_id: int, t1: float) -> None:
        self.runs.finish(run_id, t1)

    def set_last_run(self, stats: LatenessStats) -> None:
        self.last_run = stats
        self._update_readout()

    # -- drawing ---------------------------------------------------------------------------

    def _set_y_top(self, log_top: float) -> None:
        if log_top != self._y_top:
            self._y_top = log_top
            self.plot.setYRange(math.log10(FLOOR_MS), log_top, padding=0.02)

    def refresh(self, t_now: float) -> None:
        if self.cpu_plot.paused:  # the numbers too: a longer text would re-lay out the header
            self.ticks += 1
            return
        self.runs.catch_up()
        t, late = self.heartbeat.recorder.series(since=t_now - self.window_s - 1.0)
        x, y = ramp_series(t, late)
        ms = np.maximum(y * 1000.0, FLOOR_MS)
        self.curve.setData(x - t_now, ms)
        self.points_drawn = len(t)
        top_ms = float(ms.max()) if len(ms) else 0.0
        self._set_y_top(max(2.0, math.ceil(math.log10(max(top_ms, 1.0)) * 2) / 2))
        y_text = self._y_top - 0.05
        for t0, t1 in self.heartbeat.recorder.freezes(FREEZE_BAND_S, since=t_now - self.window_s - 1.0):
            if t0 not in self._freezes:
                label = f"frozen {t1 - t0:.2f} s" if t1 - t0 >= LABEL_FREEZE_S else ""  # short ones: band only
                self._freezes[t0] = Band(self.plot, t0, t1, "#c62828", 70, label)
        keep_after = t_now - self.window_s - 1.0
        self._fit_threshold_labels()
        marks = self._threshold_rects()
        place_bands(self._freezes, self.plot, t_now, keep_after, y_text, FREEZE_LABEL_LEVELS, marks)
        freeze_labels = [b.text for b in self._freezes.values() if b.text is not None]
        place_bands(self.runs.bands, self.plot, t_now, keep_after, y_text, FREEZE_LABEL_LEVELS,
                    marks + label_rects(self.plot, freeze_labels))
        if t_now - self._t_readout >= READOUT_S or t_now < self._t_readout:
            self._t_readout = t_now
            self._update_readout(t_now)
        self.ticks += 1

    def _fit_threshold_labels(self) -> None:
        """A short plot has no room for "1 frame" under "sluggish": then only the dashed line says it."""
        px_y = abs(self.plot.vb.viewPixelSize()[1])
        (low_ms, _), (high_ms, _) = self._thresholds
        low = self._threshold_labels[0]
        room_px = (math.log10(high_ms) - math.log10(low_ms)) / px_y if px_y > 0 else 0.0
        low.setVisible(room_px >= low.textItem.boundingRect().height())

    def _threshold_rects(self) -> list[QRectF]:
        """Where the "1 frame" and "sluggish" labels are, in view coordinates, worked out from the view now.

        Their items follow a range change only when next painted, so their own
        geometry would be a frame late: the range has just been set here.
        """
        (x_lo, x_hi), _ = self.plot.vb.viewRange()
        px_x, px_y = self.plot.vb.viewPixelSize()
        out = []
        for (ms, _), item in zip(self._thresholds, self._threshold_labels):
            if not item.isVisible():
                continue
            size = item.textItem.boundingRect()
            x = x_lo + THRESHOLD_LABEL_AT * (x_hi - x_lo)
            y = math.log10(ms)  # the label's bottom edge sits on its line
            out.append(QRectF(x, y, size.width() * px_x, size.height() * abs(px_y)))
        return out

    def set_paused_note(self, paused: bool) -> None:
        """Say over the plot that it waits for the run's end (the GIL pace, :mod:`concgui.gui.pace`)."""
        self._paused_note.set_shown(paused)

    def _update_readout(self, t_now: float | None = None) -> None:
        rec = self.heartbeat.recorder
        s = rec.recent(t_now, WINDOW_S) if t_now is not None else rec.stats()
        parts = []
        if s.samples:
            for name, ms in (("p50", s.heartbeat_p50_ms), ("p99", s.heartbeat_p99_ms),
                             ("max", s.heartbeat_max_ms)):
                parts.append(f"{name} <b style='color:{lateness_color(ms / 1000)}'>{_fmt_ms(ms)}</b>")
            recent = f"last {WINDOW_S:g} s: " + " · ".join(parts)
        else:
            recent = f"last {WINDOW_S:g} s: –"
        variants = [recent]
        if self.last_run is not None:
            lr = self.last_run
            freeze = (f"<b style='color:{lateness_color(lr.longest_freeze_s)}'>{_fmt_ms(lr.longest_freeze_ms)}</b>"
                      + (f" ({frames_missed_words(lr.frames_missed)})" if lr.frames_missed else ""))
            # Longest first: on a narrow window (1366×768) the run's freeze keeps its number, in fewer words.
            bar = "  &nbsp;|&nbsp; "
            tail = " · ".join(parts[1:]) if parts else "–"  # p99 and max
            variants = [f"{recent}{bar}last run's longest freeze: {freeze}",
                        f"last {WINDOW_S:g} s: {tail}{bar}last run's freeze: {freeze}",
                        f"{tail}{bar}run's freeze: {freeze}",
                        f"{parts[1] if parts else '–'}{bar}freeze: {freeze}"]
        self._readout_variants = variants
        self.stats_label.setText(first_fitting(self.stats_label, variants))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        self.title.setText(first_fitting(self.title, list(TITLES)))  # beside a lesson at 1366 px: "(hea"
        if self._readout_variants:
            self.stats_label.setText(first_fitting(self.stats_label, self._readout_variants))

    def readout(self) -> str:
        return self.stats_label.text()
