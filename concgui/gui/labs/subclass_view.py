"""Subclass lab, live: which worker ran which task when, wall time per approach, equal results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from concgui.labs import subclass
from concgui.labs.common import modes_of
from concgui.gui.labs.plots import (BAD, GOOD, PALETTE, LiveView, brush, category_axis, in_unit, make_plot, ok_mark,
                                    pen, readout_label, series, time_unit)
from concgui.gui.theme import on_fill, plot_background

ORDER = (("subclass", "threads"), ("pool", "threads"), ("subclass", "processes"), ("pool", "processes"))
COLORS = {ORDER[0]: PALETTE[0], ORDER[1]: PALETTE[9], ORDER[2]: PALETTE[2], ORDER[3]: PALETTE[8]}
LABELS = {ORDER[0]: "Thread subclass", ORDER[1]: "ThreadPoolExecutor", ORDER[2]: "Process subclass",
          ORDER[3]: "ProcessPoolExecutor"}
SHORT = {ORDER[0]: "Thread\nsubclass", ORDER[1]: "Thread\npool", ORDER[2]: "Process\nsubclass",
         ORDER[3]: "Process\npool"}
#: Task ids are written on the bars only while they stay readable.
MAX_LABELLED_TASKS = 48
MAX_BARS = 4000


def approaches_for(params: subclass.SubclassParams) -> tuple[tuple[str, str], ...]:
    return tuple(k for k in ORDER if k[1] in modes_of(params.mode))


class SubclassView(LiveView):
    def __init__(self) -> None:
        super().__init__()
        self.timeline = make_plot("Who ran which task (a bar: one task)", "", "time since the start",
                                  bottom_units="s")
        self.walls = make_plot("Wall time", "wall time")
        #: The one unit the wall-time axis and its bar labels are in, from the longest wall time.
        self.wall_unit = time_unit(1.0)
        self.walls.set_units("left", self.wall_unit[0])
        tp = self.timeline.getPlotItem()
        tp.invertY(True)
        tp.setMouseEnabled(y=False)
        self.task_bars = pg.BarGraphItem(x0=[], x1=[], y=[], height=0.7, brushes=[])
        tp.addItem(self.task_bars)
        self.task_text: list[pg.TextItem] = []
        wp = self.walls.getPlotItem()
        wp.setMouseEnabled(x=False, y=False)
        self.wall_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brushes=[], pen=None)
        wp.addItem(self.wall_bars)
        self.wall_text = []
        for _ in ORDER:
            t = pg.TextItem("", anchor=(0.5, 1))
            wp.addItem(t)
            self.wall_text.append(t)
        self.readout = readout_label()
        row = QHBoxLayout()
        row.addWidget(self.timeline, 5)
        row.addWidget(self.walls, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row, 1)
        lay.addWidget(self.readout)
        self.begin(subclass.SubclassParams())
        self.restyle()

    def restyle(self) -> None:
        # Bars are edged in the background colour, so that back-to-back tasks stay apart.
        self.task_bars.setOpts(pen=pen(plot_background(), 0.6))
        fg = self.walls.text_color
        for t in self.wall_text:
            t.setColor(fg)
        for t, r in zip(self.task_text, self.tasks):
            t.setColor(on_fill(series(COLORS[r[3]])))
        self._redraw()

    def begin(self, params: Any) -> None:
        self.params = params
        self.approaches = approaches_for(params)
        self.t0: float | None = None
        self.lanes: dict[str, int] = {}
        self.tasks: list[tuple[int, float, float, tuple[str, str], int]] = []  # lane, start, end, approach, id
        self.started: dict[tuple[str, str], float] = {}
        self.done: dict[tuple[str, str], int] = {}
        self.wall: dict[tuple[str, str], float] = {}
        for t in self.task_text:
            self.timeline.getPlotItem().removeItem(t)
        self.task_text = []
        category_axis(self.walls.getPlotItem().getAxis("bottom"), [SHORT[k] for k in self.approaches])
        self.walls.getPlotItem().setXRange(-0.6, len(self.approaches) - 0.4, padding=0)
        self.timeline.getPlotItem().getAxis("left").setTicks([[], []])
        self.readout.setText(f"{params.tasks} tasks of {params.size:,} cpu-python steps on {params.workers} "
                             "worker(s), first by a Thread/Process subclass, then by a pool. Press Run.")
        self._redraw()

    def apply(self, events: list[Any]) -> None:
        for ev in events:
            if isinstance(ev, subclass.ApproachStarted):
                k = (ev.approach, ev.mode)
                self.started[k] = self._rel(ev.t)
            elif isinstance(ev, subclass.SubclassTaskDone):
                k = (ev.approach, ev.mode)
                worker = f"{ev.worker} · {LABELS.get(k, ev.approach)}"
                lane = self.lanes.setdefault(worker, len(self.lanes))
                self.tasks.append((lane, self._rel(ev.t_start), self._rel(ev.t), k, ev.task_id))
                self.done[k] = self.done.get(k, 0) + 1
                self.wall[k] = self._rel(ev.t) - self.started.get(k, 0.0)
        self._redraw()
        running = [k for k in self.approaches if k in self.started and self.done.get(k, 0) < self.params.tasks]
        if running:
            k = running[-1]
            self.readout.setText(f"Running the <b>{LABELS[k]}</b>: {self.done.get(k, 0)} of {self.params.tasks} "
                                 "tasks done")

    def finish(self, result: Any | None) -> None:
        if result is not None:
            for o in result.outcomes:
                self.wall[(o.approach, o.mode)] = o.wall_s
        self._redraw()
        if result is None:
            return
        parts = []
        for mode in ("threads", "processes"):
            same = result.same_results(mode)
            if same is None:
                continue
            a, b = result.outcome("subclass", mode), result.outcome("pool", mode)
            parts.append(f"<span style='color:{GOOD if same else BAD}'>on <b>{mode}</b>: subclass "
                         f"{in_unit(a.wall_s, self.wall_unit)}, pool {in_unit(b.wall_s, self.wall_unit)}, results "
                         + ("identical" if same else "DIFFERENT") + f"</span> {ok_mark(same)}")
        if result.error:
            parts.append(f"<span style='color:{BAD}'>{result.error}</span>")
        elif result.status.value != "done":
            parts.append(f"<b>{result.status.value}</b>")
        if result.start_method:
            parts.append(f"processes started with {result.start_method}")
        self.readout.setText("  ·  ".join(parts))

    def _redraw(self) -> None:
        tp = self.timeline.getPlotItem()
        rows = self.tasks[-MAX_BARS:]
        if rows:
            lane = np.asarray([r[0] for r in rows], float)
            x0 = np.asarray([r[1] for r in rows], float)
            x1 = np.maximum(np.asarray([r[2] for r in rows], float), x0 + 1e-4)
            self.task_bars.setOpts(x0=x0, x1=x1, y=lane, height=0.7,
                                   brushes=[brush(series(COLORS[r[3]])) for r in rows])
        else:
            self.task_bars.setOpts(x0=[], x1=[], y=[], height=0.7, brushes=[])
        n = max(1, len(self.lanes))
        tp.getAxis("left").setTicks([[(i, w) for w, i in self.lanes.items()], []])
        tp.setYRange(-0.6, n - 0.4, padding=0)
        if len(self.tasks) <= MAX_LABELLED_TASKS:
            for r in self.tasks[len(self.task_text):]:
                t = pg.TextItem(str(r[4]), color=on_fill(series(COLORS[r[3]])), anchor=(0.5, 0.5))
                t.drawn_on_fill = True  # the theme leaves its colour alone: it reads on the bar, not the plot
                t.setPos((r[1] + r[2]) / 2, r[0])
                tp.addItem(t, ignoreBounds=True)
                self.task_text.append(t)
        ks = self.approaches
        # The axis and the labels on the bars in one unit, picked from the longest time (the axis in
        # "ms" while the labels said "0.05 s" was two units for the same numbers).
        longest = max([self.wall.get(k, 0.0) for k in ks] + [0.0])
        self.wall_unit = unit = time_unit(longest if longest > 0 else 1.0)
        self.walls.set_units("left", unit[0])
        scale = unit[1]
        self.wall_bars.setOpts(x=np.arange(len(ks), dtype=float),
                               height=[self.wall.get(k, 0.0) / scale for k in ks],
                               width=0.6, brushes=[brush(series(COLORS[k])) for k in ks])
        top = max(longest / scale, 1.0)  # at least one unit: the axis never scales its ticks
        self.walls.getPlotItem().setYRange(0, top * 1.2, padding=0)
        for i, t in enumerate(self.wall_text):
            if i < len(ks) and ks[i] in self.wall:
                t.setText(in_unit(self.wall[ks[i]], unit))
                t.setPos(i, self.wall[ks[i]] / scale + top * 0.02)
            else:
                t.setText("")
