"""Condition lab, live: the buffer's fill level against its capacity, and produced vs consumed."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from concgui.labs import condition
from concgui.gui.labs.plots import (BAD, GOOD, PALETTE, LiveView, bold_font, brush, limit_line, make_plot, ok_mark,
                                    pen, readout_label, series)
from concgui.gui.labs.semaphore_view import step_xy
from concgui.gui.theme import InkLabel

PRODUCED = PALETTE[1]
CONSUMED = PALETTE[2]
FILL = PALETTE[0]


def _rate(delay_s: float) -> str:
    return "as fast as possible" if delay_s == 0 else f"{1 / delay_s:,.0f} items/s"


class _Counter(InkLabel):
    def __init__(self, title: str, color: str) -> None:
        super().__init__()
        self.title, self.color = title, color
        self.setFont(bold_font(1.25))
        self.set(0)

    def set(self, n: int, extra: str = "") -> None:
        self.setText(f"<span style='color:{self.color}'>{self.title}</span> {n:,}{extra}")


class ConditionView(LiveView):
    def __init__(self) -> None:
        super().__init__()
        self.fill_plot = make_plot("Items in the buffer", "items", "time since the start", bottom_units="s")
        self.count_plot = make_plot("Produced and consumed so far", "items", "time since the start",
                                    bottom_units="s")
        self.count_plot.setXLink(self.fill_plot)
        fp = self.fill_plot.getPlotItem()
        fp.setMouseEnabled(y=False)
        self.fill_curve = fp.plot([], [], fillLevel=0)
        self.cap_line = limit_line(self.fill_plot, 5, "capacity 5")
        cp = self.count_plot.getPlotItem()
        self.count_plot.add_legend(columns=2)
        self.produced_curve = cp.plot([], [], name="produced")
        self.consumed_curve = cp.plot([], [], name="consumed")
        self.produced = _Counter("produced", PRODUCED)
        self.consumed = _Counter("consumed", CONSUMED)
        self.in_buffer = _Counter("in the buffer", FILL)
        self.readout = readout_label()
        counters = QHBoxLayout()
        for w in (self.produced, self.consumed, self.in_buffer):
            counters.addWidget(w)
        counters.addStretch(1)
        plots = QHBoxLayout()
        plots.addWidget(self.fill_plot, 3)
        plots.addWidget(self.count_plot, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(counters)
        lay.addLayout(plots, 1)
        lay.addWidget(self.readout)
        self.begin(condition.ConditionParams())
        self.restyle()

    def restyle(self) -> None:
        self.fill_curve.setPen(pen(series(FILL), 2))
        self.fill_curve.setBrush(brush(series(FILL), 60))
        self.produced_curve.setPen(pen(series(PRODUCED), 2))
        self.consumed_curve.setPen(pen(series(CONSUMED), 2))

    def begin(self, params: Any) -> None:
        self.params = params
        self.t0: float | None = None
        self.ts: list[float] = []
        self.fill: list[int] = []
        self.made: list[int] = []
        self.got: list[int] = []
        self.max_fill = 0
        self.cap_line.setPos(params.capacity)
        self.cap_line.label.setFormat(f"capacity {params.capacity:,}")
        self.fill_plot.getPlotItem().setYRange(0, params.capacity * 1.15 + 0.5, padding=0)
        self.fill_plot.getPlotItem().setXRange(0, max(params.ideal_s * 1.1, 0.05), padding=0.02)
        self.fill_plot.getPlotItem().enableAutoRange(x=True)
        self.count_plot.getPlotItem().setYRange(0, params.items * 1.05, padding=0)
        for c in (self.produced, self.consumed, self.in_buffer):
            c.set(0)
        self.readout.setText(f"{params.producers} producer(s) at {_rate(params.produce_s)}, {params.consumers} "
                             f"consumer(s) at {_rate(params.consume_s)}; {params.items:,} items through a buffer of "
                             f"{params.capacity:,}. Press Run.")
        self._redraw()

    def apply(self, events: list[Any]) -> None:
        latest = None
        for ev in events:
            if isinstance(ev, condition.BufferSample):
                if self.t0 is None:
                    self.t0 = ev.t
                self.ts.append(ev.t - self.t0)
                self.fill.append(ev.fill)
                self.made.append(ev.produced)
                self.got.append(ev.consumed)
                self.max_fill = max(self.max_fill, ev.fill)
                latest = ev
        if latest is None:
            return
        self.produced.set(latest.produced)
        self.consumed.set(latest.consumed)
        self.in_buffer.set(latest.fill, f" / {latest.capacity:,}")
        self._redraw()

    def finish(self, result: Any | None) -> None:
        self._redraw()
        if result is None:
            return
        p = result.params
        self.produced.set(result.produced)
        self.consumed.set(result.consumed)
        self.in_buffer.set(result.left, f" / {p.capacity:,}")
        ok = result.conserved and result.max_fill <= p.capacity
        self.readout.setText(
            f"<span style='color:{GOOD if ok else BAD}'>Max fill <b>{result.max_fill}</b> of {p.capacity}; "
            + ("every item produced was consumed or is still in the buffer" if result.conserved
               else "items were LOST or DUPLICATED")
            + f"</span> {ok_mark(ok)}  ·  producers waited {result.producer_wait_s:.2f} s, consumers "
            f"{result.consumer_wait_s:.2f} s  ·  {result.wall_s:.2f} s"
            + ("" if result.status.value == "done" else f"  ·  <b>{result.status.value}</b>"))

    def _redraw(self) -> None:
        x, y = step_xy(self.ts, self.fill)
        self.fill_curve.setData(x, y)
        t = np.asarray(self.ts, float)
        self.produced_curve.setData(t, np.asarray(self.made, float))
        self.consumed_curve.setData(t, np.asarray(self.got, float))
