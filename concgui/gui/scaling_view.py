"""The Scaling tab: speedup against workers for threads and processes, the ideal line, an Amdahl fit.

The numbers and the fit come from :mod:`concgui.engine.scaling` (Qt-free,
shared with ``concgui bench --scale``); this view only draws them.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from concgui.engine.scaling import ScalingResult, amdahl, summary_lines, worker_counts
from concgui.gui.cpu_plot import MODE_COLORS
from concgui.gui.run_words import MODE_NAMES
from concgui.gui.plot_style import make_plot


class ScalingView(QWidget):
    """A Scale button, the speedup plot and the fitted serial fractions."""

    scale_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, cores: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cores = cores
        self.result: ScalingResult | None = None
        pal = self.palette()
        fg = pal.color(pal.ColorRole.WindowText)
        counts = worker_counts(cores)
        self.scale_button = QPushButton("Scale")
        self.scale_button.setMinimumHeight(30)
        self.scale_button.setToolTip("Run the workload chosen in Settings serially, then on threads and on "
                                     f"processes with {', '.join(map(str, counts))} workers, on identical inputs")
        self.scale_button.clicked.connect(self.scale_requested)
        # Its own Cancel (and Esc, while this tab shows): the settings tab's button is out of reach here.
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setMinimumHeight(30)
        self.cancel_button.setShortcut(QKeySequence("Esc"))
        self.cancel_button.setToolTip("Stop the scaling series (Esc)")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_requested)
        intro = QLabel(f"Runs the workload chosen on the <i>Run &amp; compare</i> tab serially, then with "
                       f"{', '.join(map(str, counts))} threads and processes, and plots the speedup against the "
                       "number of workers, with the ideal line and the best fit of Amdahl's law "
                       "S(n) = 1 / (f + (1 − f) / n), where f is the serial fraction.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        top = QHBoxLayout()
        top.addWidget(intro, 1)
        top.addWidget(self.scale_button)
        top.addWidget(self.cancel_button)

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
        lay.addLayout(top)
        lay.addWidget(self.chart, 1)
        lay.addWidget(self.text)
        self._draw_guides(counts)

    def set_busy(self, busy: bool) -> None:
        self.scale_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _draw_guides(self, counts: list[int]) -> None:
        for item in self._items:
            self.plot.removeItem(item)
        self.legend.clear()
        self._items = []
        xs = np.array(counts, dtype=float)
        ideal = self.plot.plot(xs, xs, pen=pg.mkPen("#9e9e9e", width=1, style=Qt.PenStyle.DashLine), name="ideal (n×)")
        cores = pg.InfiniteLine(pos=self.cores, angle=0, movable=False,
                                pen=pg.mkPen("#bdbdbd", width=1, style=Qt.PenStyle.DotLine),
                                label=f"{self.cores} cores", labelOpts={"position": 0.05, "color": "#757575"})
        self.plot.addItem(cores)
        self._items += [ideal, cores]
        self.plot.setYRange(0, max(xs) * 1.05, padding=0)

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
            curve = self.plot.plot(xs, ys, pen=pg.mkPen(color, width=2), symbol="o", symbolSize=8,
                                   symbolBrush=color, symbolPen=None, name=MODE_NAMES.get(mode, mode))
            self._items.append(curve)
            fit = result.fits.get(mode)
            if fit is not None:
                fitc = self.plot.plot(dense, [amdahl(n, fit.serial_fraction) for n in dense],
                                      pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DashDotLine),
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
