"""Race lab, live: expected vs actual per variant, lost updates, and the counter over time."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from concgui.labs import race
from concgui.labs.common import RunStatus
from concgui.gui.labs.plots import (BAD, GOOD, MUTED, PALETTE, LiveView, bold_font, brush, category_axis,
                                    make_plot, pen, readout_label, series, themed)
from concgui.gui.theme import plot_text_color

#: The variants as the lab names them (events and results carry these names, so the view reads
#: them from the lab rather than spelling them again), and the bars' short label and colour of each.
VARIANTS = race.VARIANTS
SHORT = dict(zip(VARIANTS, ("threads\nno lock", "threads\nlock", "processes\nno lock", "processes\nlock")))
COLORS = dict(zip(VARIANTS, (PALETTE[3], PALETTE[0], PALETTE[1], PALETTE[2])))
#: The legend's sample of a dashed "attempted" line (light theme, dark theme).
DASH_COLORS = ("#666666", "#a4a9af")
#: "running…" over a bar.
RUNNING_COLOR = "#555555"


class RaceView(LiveView):
    def __init__(self) -> None:
        super().__init__()
        self.bars = make_plot("Expected vs actual count", "counter")
        self.progress = make_plot("Counter while the workers run", "counter", "time since the variant started",
                                  bottom_units="s")
        # Bottom right, where the rising curves leave room.
        self.progress.add_legend(columns=2)
        self.readout = readout_label()

        bp = self.bars.getPlotItem()
        bp.setMouseEnabled(x=False, y=False)
        self.expected_bars = pg.BarGraphItem(x=[], height=[], width=0.36, brush=brush(MUTED, 110),
                                             pen=pen(MUTED, 1))
        self.actual_bars = pg.BarGraphItem(x=[], height=[], width=0.36, brushes=[], pen=None)
        bp.addItem(self.expected_bars)
        bp.addItem(self.actual_bars)
        self.lost_text = []
        for _ in VARIANTS:
            t = pg.TextItem("", anchor=(0.5, 1.0))
            t.setFont(bold_font())
            bp.addItem(t)
            self.lost_text.append(t)
        self.value_curves: dict[str, pg.PlotDataItem] = {}
        self.attempt_curves: dict[str, pg.PlotDataItem] = {}
        pp = self.progress.getPlotItem()
        for v in VARIANTS:
            self.value_curves[v] = pp.plot([], [], name=v)
            self.attempt_curves[v] = pp.plot([], [])
        self.dash_sample = pg.PlotDataItem()
        pp.legend.addItem(self.dash_sample, "dashed: increments attempted")

        row = QHBoxLayout()
        row.addWidget(self.bars, 2)
        row.addWidget(self.progress, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row, 1)
        lay.addWidget(self.readout)
        self.lost: dict[str, int] = {}
        self.begin(race.RaceParams())
        self.restyle()

    def restyle(self) -> None:
        for v in VARIANTS:
            self.value_curves[v].setPen(pen(series(COLORS[v]), 2))
            self.attempt_curves[v].setPen(pen(series(COLORS[v]), 1, dashed=True))
        self.dash_sample.setPen(pen(themed(*DASH_COLORS), 1, dashed=True))
        self._redraw()

    def begin(self, params: Any) -> None:
        self.params = params
        self.variants = race.variants_for(params.mode)
        self.series: dict[str, tuple[list[float], list[int], list[int]]] = {v: ([], [], []) for v in self.variants}
        self.t0: dict[str, float] = {}
        self.actual: dict[str, int] = {}
        self.outcomes: dict[str, race.RaceOutcome] = {}
        self.lost = {}
        self.current: str | None = None
        category_axis(self.bars.getPlotItem().getAxis("bottom"), [SHORT[v] for v in self.variants])
        self.bars.getPlotItem().setXRange(-0.6, len(self.variants) - 0.4, padding=0)
        self.bars.getPlotItem().setYRange(0, params.expected * 1.25, padding=0)
        for v in VARIANTS:
            self.value_curves[v].setData([], [])
            self.attempt_curves[v].setData([], [])
            self.value_curves[v].setVisible(v in self.variants)
            self.attempt_curves[v].setVisible(v in self.variants)
        self.readout.setText(f"Expected total: <b>{params.expected:,}</b> ({params.workers} workers × "
                             f"{params.increments:,}). Press Run.")
        self._redraw()

    def apply(self, events: list[Any]) -> None:
        for ev in events:
            if isinstance(ev, race.RaceVariantStarted):
                self.t0[ev.variant] = ev.t
                self.current = ev.variant
            elif isinstance(ev, race.CounterSample):
                ts, vals, att = self.series.setdefault(ev.variant, ([], [], []))
                ts.append(ev.t - self.t0.get(ev.variant, ev.t))
                vals.append(ev.value)
                att.append(ev.attempted)
                self.actual[ev.variant] = ev.value
            elif isinstance(ev, race.RaceVariantFinished):
                o = ev.outcome
                self.outcomes[o.variant] = o
                self.actual[o.variant] = o.actual
                if o.status is RunStatus.DONE:
                    self.lost[o.variant] = o.lost
        for v, (ts, vals, att) in self.series.items():
            self.value_curves[v].setData(np.asarray(ts, float), np.asarray(vals, float))
            self.attempt_curves[v].setData(np.asarray(ts, float), np.asarray(att, float))
        self._redraw()

    def finish(self, result: Any | None) -> None:
        if result is not None:
            for o in result.outcomes:
                self.outcomes[o.variant] = o
                self.actual[o.variant] = o.actual
                if o.status is RunStatus.DONE:
                    self.lost[o.variant] = o.lost
        self.current = None
        self._redraw()

    def _redraw(self) -> None:
        n = len(self.variants)
        xs = np.arange(n, dtype=float)
        exp = self.params.expected
        self.expected_bars.setOpts(x=xs - 0.19, height=[exp] * n, width=0.36)
        self.actual_bars.setOpts(x=xs + 0.19, height=[self.actual.get(v, 0) for v in self.variants], width=0.36,
                                 brushes=[brush(series(COLORS[v])) for v in self.variants])
        parts = []
        for i, text in enumerate(self.lost_text):
            if i >= n:
                text.setText("")
                continue
            v = self.variants[i]
            if v in self.lost:
                lost = self.lost[v]
                text.setText(f"{lost:,}\nlost" if lost else "0\nlost")
                text.setColor(plot_text_color(BAD if lost else GOOD))
                parts.append(f"<span style='color:{BAD if lost else GOOD}'><b>{v}</b>: "
                             + (f"{lost:,} of {exp:,} updates lost ({lost / exp:.0%})" if lost
                                else f"exact, {exp:,}") + "</span>")
            elif v in self.outcomes:
                text.setText("cancelled")
                text.setColor(plot_text_color(MUTED))
            elif v == self.current:
                text.setText("running\n…")
                text.setColor(plot_text_color(RUNNING_COLOR))
            else:
                text.setText("")
            text.setPos(i, exp * 1.015)
        if parts:
            self.readout.setText("  ·  ".join(parts))
