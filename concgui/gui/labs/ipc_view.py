"""IPC lab, live: latency and throughput against payload size (log axes), one curve per method."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from concgui.labs import ipc
from concgui.gui.labs.plots import (BAD, GOOD, PALETTE, LiveView, log_ticks, make_plot, number_label, ok_mark, pen,
                                    readout_label, seconds_label, series)

COLORS = {"queue": PALETTE[0], "pipe": PALETTE[1], "shm": PALETTE[2]}
NAMES = {"queue": "multiprocessing.Queue", "pipe": "Pipe (send_bytes)", "shm": "shared memory"}
SYMBOLS = {"queue": "o", "pipe": "s", "shm": "t"}


def size_ticks(sizes: tuple[int, ...]) -> list[tuple[float, str]]:
    """Ticks at powers of 4 bytes (in log10 space, as a log axis wants), named like 16 KiB."""
    lo, hi = min(sizes), max(sizes)
    out = []
    s = 1
    while s <= hi * 1.01:
        if s >= lo / 1.01:
            out.append((math.log10(s), ipc.format_size(s)))
        s *= 4
    if len(out) > 8:
        out = out[::2]
    return out


class IpcView(LiveView):
    def __init__(self) -> None:
        super().__init__()
        self.latency = make_plot("Latency (median), child → parent", "latency", "payload size")
        self.speed = make_plot("Throughput", "MB/s", "payload size")
        self.speed.setXLink(self.latency)
        self.latency.getPlotItem().setLogMode(x=True, y=True)
        self.speed.getPlotItem().setLogMode(x=True, y=True)
        for w in (self.latency, self.speed):
            w.getPlotItem().getAxis("left").enableAutoSIPrefix(False)  # the ticks name their units
        self.latency.getPlotItem().getAxis("left").setTicks(log_ticks(seconds_label, -8, 3))
        self.speed.getPlotItem().getAxis("left").setTicks(log_ticks(number_label, -3, 6))
        self.latency.add_legend(columns=1)  # long names: one per row
        self.lat_curves = {}
        self.speed_curves = {}
        for m in ipc.METHODS:
            kw = dict(symbol=SYMBOLS[m], symbolSize=7, symbolPen=None)
            self.lat_curves[m] = self.latency.getPlotItem().plot([], [], name=NAMES[m], **kw)
            self.speed_curves[m] = self.speed.getPlotItem().plot([], [], **kw)
        self.readout = readout_label()
        row = QHBoxLayout()
        row.addWidget(self.latency, 1)
        row.addWidget(self.speed, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row, 1)
        lay.addWidget(self.readout)
        self.begin(ipc.IpcParams(max_size=16 * ipc.MIB))
        self.restyle()

    def restyle(self) -> None:
        for m in ipc.METHODS:
            c = series(COLORS[m])
            for curve in (self.lat_curves[m], self.speed_curves[m]):
                curve.setPen(pen(c, 2))
                curve.setSymbolBrush(c)

    def begin(self, params: Any) -> None:
        self.params = params
        self.points: dict[str, list[ipc.IpcMeasurement]] = {m: [] for m in ipc.METHODS}
        self.checked = 0
        self.verified = 0
        self.child = ""
        for m in ipc.METHODS:
            self.lat_curves[m].setVisible(m in params.methods)
            self.speed_curves[m].setVisible(m in params.methods)
        ticks = size_ticks(params.sizes)
        for w in (self.latency, self.speed):
            w.getPlotItem().getAxis("bottom").setTicks([ticks, []])
        lo, hi = math.log10(min(params.sizes)), math.log10(max(params.sizes))
        self.latency.getPlotItem().setXRange(lo, hi, padding=0.08)
        n = len(params.sizes) * len(params.methods)
        self.readout.setText(f"{len(params.sizes)} sizes from {ipc.format_size(params.min_size)} to "
                             f"{ipc.format_size(params.max_size)} × {len(params.methods)} method(s): {n} points. "
                             "Press Run.")
        self._redraw()

    def apply(self, events: list[Any]) -> None:
        doing = None
        for ev in events:
            if isinstance(ev, ipc.IpcSizeDone):
                m = ev.measurement
                self.points[m.method].append(m)
                self.checked += 1
                self.verified += m.verified
            elif isinstance(ev, ipc.IpcTransferStarted):
                doing = ev
            elif isinstance(ev, ipc.IpcChildStarted):
                self.child = f"child pid {ev.pid} ({ev.start_method})"
        self._redraw()
        text = [self.child] if self.child else []
        if doing is not None:
            reps = self.params.repeats_for(doing.size)
            text.append(f"moving {ipc.format_size(doing.size)} by {doing.method} (transfer {doing.repeat + 1} "
                        f"of {reps})")
        if self.checked:
            text.append(f"checksums ok: {self.verified} of {self.checked} {ok_mark(self.verified == self.checked)}")
        self.readout.setText("  ·  ".join(text))

    def finish(self, result: Any | None) -> None:
        if result is None:
            return
        self.points = {m: [x for x in result.measurements if x.method == m] for m in ipc.METHODS}
        self.checked = len(result.measurements)
        self.verified = sum(m.verified for m in result.measurements)
        self._redraw()
        ok = result.all_verified and self.checked > 0
        parts = []
        if self.checked:
            parts.append(f"<span style='color:{GOOD if ok else BAD}'>checksums ok: <b>{self.verified} of "
                         f"{self.checked}</b></span> {ok_mark(ok)}")
            biggest = max(m.size for m in result.measurements)
            at_max = sorted((m for m in result.measurements if m.size == biggest), key=lambda m: -m.mb_s)
            parts.append(f"at {ipc.format_size(biggest)}: " + ", ".join(
                f"<span style='color:{COLORS[m.method]}'><b>{m.method}</b> {m.mb_s:,.0f} MB/s</span>"
                for m in at_max))
        if result.error:
            parts.append(f"<span style='color:{BAD}'>{result.error}</span>")
        elif result.status.value != "done":
            parts.append(f"<b>{result.status.value}</b>")
        self.readout.setText("  ·  ".join(parts))

    def _redraw(self) -> None:
        for m, pts in self.points.items():
            x = np.asarray([p.size for p in pts], float)
            lat = np.asarray([p.latency_s for p in pts], float)
            mbs = np.asarray([p.mb_s for p in pts], float)
            good = np.isfinite(lat) & np.isfinite(mbs) & (lat > 0) & (mbs > 0)  # a log axis needs > 0
            self.lat_curves[m].setData(x[good], lat[good])
            self.speed_curves[m].setData(x[good], mbs[good])
