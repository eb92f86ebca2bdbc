"""Semaphore lab, live: one lane per worker (waiting, holding a permit), and holders over time vs K."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout

from concgui.labs import semaphore
from concgui.gui.labs.plots import (BAD, GOOD, PALETTE, LiveView, brush, limit_line, make_plot, ok_mark, pen,
                                    readout_label, series, themed)

#: Only the most recent bars are drawn (a run may have 128,000 uses).
MAX_BARS = 3000
MAX_TICKED_LANES = 24
HOLD_COLOR = PALETTE[0]
#: Waiting is drawn quieter than holding: a pale grey on a light plot, a dim one on a dark plot.
WAIT_COLORS = ("#cfd8dc", "#4a5459")
#: The outline of a hold bar (light theme, dark theme).
HOLD_EDGES = ("#0d47a1", "#9ec9f5")


def _lane(worker: str) -> int:
    try:
        return int(worker.rsplit("-", 1)[1]) - 1
    except (IndexError, ValueError):
        return 0


def step_xy(ts: list[float], vs: list[float], t_end: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A step line: each value holds until the next time (and until ``t_end`` for the last)."""
    if not ts:
        return np.empty(0), np.empty(0)
    t = np.asarray(ts, float)
    v = np.asarray(vs, float)
    x = np.repeat(t, 2)[1:]
    y = np.repeat(v, 2)[:-1]
    if t_end is not None and t_end > t[-1]:
        x = np.append(x, t_end)
        y = np.append(y, v[-1])
    return x, y


class SemaphoreView(LiveView):
    def __init__(self) -> None:
        super().__init__()
        self.lanes = make_plot("Who holds a permit (grey: waiting for one)", "worker", "time since the start",
                               bottom_units="s")
        self.holders = make_plot("Workers holding a permit at once", "holders", "time since the start",
                                 bottom_units="s")
        self.holders.setXLink(self.lanes)
        lp = self.lanes.getPlotItem()
        lp.invertY(True)
        lp.setMouseEnabled(y=False)
        self.wait_bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.5, pen=None)
        self.hold_bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.78)
        lp.addItem(self.wait_bars)
        lp.addItem(self.hold_bars)
        hp = self.holders.getPlotItem()
        hp.setMouseEnabled(y=False)
        self.curve = hp.plot([], [], fillLevel=0)
        self.k_line = limit_line(self.holders, 3, "K = 3 permits")
        self.readout = readout_label()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.lanes, 3)
        lay.addWidget(self.holders, 2)
        lay.addWidget(self.readout)
        self.max_seen = 0
        self.begin(semaphore.SemaphoreParams())
        self.restyle()

    def restyle(self) -> None:
        hold = series(HOLD_COLOR)
        self.wait_bars.setOpts(brush=brush(themed(*WAIT_COLORS)))
        self.hold_bars.setOpts(brush=brush(hold, 220), pen=pen(themed(*HOLD_EDGES), 0.8))
        self.curve.setPen(pen(hold, 2))
        self.curve.setBrush(brush(hold, 50))

    def begin(self, params: Any) -> None:
        self.params = params
        self.t0: float | None = None
        self.t_last = 0.0
        self.waits: list[tuple[int, float, float]] = []
        self.holds: list[tuple[int, float, float]] = []
        self.open_wait: dict[str, float] = {}
        self.open_hold: dict[str, float] = {}
        self.conc_t: list[float] = [0.0]
        self.conc_v: list[float] = [0.0]
        self.max_seen = 0
        n = params.workers
        step = max(1, -(-n // MAX_TICKED_LANES))
        self.lanes.getPlotItem().getAxis("left").setTicks(
            [[(i, f"worker-{i + 1}") for i in range(0, n, step)], []])
        self.lanes.getPlotItem().setYRange(-0.6, n - 0.4, padding=0)
        self.lanes.getPlotItem().setXRange(0, max(params.ideal_s * 1.15, 0.05), padding=0.02)
        self.lanes.getPlotItem().enableAutoRange(x=True)
        top = max(params.permits, min(params.workers, params.permits + 1)) + 0.6
        self.holders.getPlotItem().setYRange(0, top, padding=0)
        self.k_line.setPos(params.permits)
        self.k_line.label.setFormat(f"K = {params.permits} permit{'s' if params.permits != 1 else ''}")
        self.readout.setText(f"{params.workers} workers share {params.permits} permits, {params.rounds} uses of "
                             f"{params.hold_s * 1000:g} ms each. Press Run.")
        self._redraw()

    def apply(self, events: list[Any]) -> None:
        for ev in events:
            t = self._rel(ev.t)
            self.t_last = max(self.t_last, t)
            if isinstance(ev, semaphore.PermitWaiting):
                self.open_wait[ev.worker] = t
            elif isinstance(ev, semaphore.PermitAcquired):
                tw = self.open_wait.pop(ev.worker, t)
                if t > tw:
                    self.waits.append((_lane(ev.worker), tw, t))
                self.open_hold[ev.worker] = t
                self.conc_t.append(t)
                self.conc_v.append(ev.inside)
                self.max_seen = max(self.max_seen, ev.inside)
            elif isinstance(ev, semaphore.PermitReleased):
                ta = self.open_hold.pop(ev.worker, t)
                self.holds.append((_lane(ev.worker), ta, t))
                self.conc_t.append(t)
                self.conc_v.append(ev.inside)
        self._redraw()
        p = self.params
        self.readout.setText(f"Holding now: <b>{self.conc_v[-1]:.0f}</b>  ·  most at once so far: "
                             f"<b>{self.max_seen}</b> (limit K = {p.permits})  ·  uses done: "
                             f"{len(self.holds)} of {p.workers * p.rounds}")

    def finish(self, result: Any | None) -> None:
        self.open_wait.clear()
        self.open_hold.clear()
        self._redraw()
        if result is None:
            return
        p = result.params
        ok = result.max_concurrency <= p.permits
        self.max_seen = result.max_concurrency
        color = GOOD if ok else BAD
        self.readout.setText(
            f"<span style='color:{color}'>Measured max concurrency <b>{result.max_concurrency}</b> "
            f"{'≤' if ok else '>'} K = {p.permits}</span> {ok_mark(ok)}  ·  {result.uses} uses in "
            f"{result.wall_s:.2f} s (at best {p.ideal_s:.2f} s)  ·  mean wait {result.mean_wait_s * 1000:.1f} ms"
            + ("" if result.status.value == "done" else f"  ·  <b>{result.status.value}</b>"))

    def _bars(self, done: list[tuple[int, float, float]], open_: dict[str, float]) -> tuple[np.ndarray, ...]:
        rows = done[-MAX_BARS:] + [(_lane(w), t, self.t_last) for w, t in open_.items()]
        if not rows:
            return np.empty(0), np.empty(0), np.empty(0)
        a = np.asarray(rows, float)
        return a[:, 0], a[:, 1], np.maximum(a[:, 2], a[:, 1] + 1e-4)

    def _redraw(self) -> None:
        y, x0, x1 = self._bars(self.waits, self.open_wait)
        self.wait_bars.setOpts(x0=x0, x1=x1, y=y, height=0.5)
        y, x0, x1 = self._bars(self.holds, self.open_hold)
        self.hold_bars.setOpts(x0=x0, x1=x1, y=y, height=0.78)
        order = np.argsort(np.asarray(self.conc_t), kind="stable")
        ts = [self.conc_t[i] for i in order]
        vs = [self.conc_v[i] for i in order]
        x, y = step_xy(ts, vs, self.t_last)
        self.curve.setData(x, y)
