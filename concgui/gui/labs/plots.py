"""What the live views share: the view protocol, plot styling, colours, readouts.

Every live view follows the pyqtgraph rule the field notes measured: create
each item once, then ``setData``/``setOpts`` per update. Updates arrive as
batches of events at most ~30 times a second (see
:mod:`concgui.gui.labs.lab_runner`), so a view simply folds a batch into its
state and redraws once per batch.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

#: Tableau-10, like the CPU plot: distinct and readable on white.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
GOOD = "#2e7d32"
BAD = "#b71c1c"
WARN = "#8a4b00"
MUTED = "#9e9e9e"
TEXT = "#333333"


class LiveView(QWidget):
    """The live part of a lab page: ``begin`` a run, ``apply`` event batches, ``finish`` with the result."""

    #: When the run's first event happened (None until then): the views' time axes start there.
    t0: float | None = None

    def _rel(self, t: float) -> float:
        """``t`` as seconds since the run's first event (the first call sets that moment)."""
        if self.t0 is None:
            self.t0 = t
        return t - self.t0

    def begin(self, params: Any) -> None:
        """A new run starts: forget the last one, draw the empty frame for ``params``."""

    def apply(self, events: list[Any]) -> None:
        """Fold a batch of the lab's events into the picture."""

    def finish(self, result: Any | None) -> None:
        """The run ended with ``result`` (None: it failed before it had one)."""


def make_plot(title: str = "", left: str = "", bottom: str = "", *, left_units: str | None = None,
              bottom_units: str | None = None) -> pg.PlotWidget:
    """A white plot with a grid and dark axes; the context menu off (it confuses more than it helps)."""
    w = pg.PlotWidget(background="w")
    w.setMenuEnabled(False)
    w.setMinimumHeight(150)
    p = w.getPlotItem()
    p.showGrid(x=True, y=True, alpha=0.25)
    p.hideButtons()
    for name in ("left", "bottom"):
        ax = p.getAxis(name)
        ax.setPen(pg.mkPen("#888888"))
        ax.setTextPen(pg.mkPen(TEXT))
    if title:
        p.setTitle(f"<span style='color:{TEXT}; font-weight:600'>{title}</span>", size="10pt")
    if left:
        p.setLabel("left", left, units=left_units, color=TEXT)
    if bottom:
        p.setLabel("bottom", bottom, units=bottom_units, color=TEXT)
    return w


def pen(color: str, width: float = 1.5, dashed: bool = False) -> Any:
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(color=color, width=width, style=style)


def brush(color: str, alpha: int = 255) -> Any:
    c = QColor(color)
    c.setAlpha(alpha)
    return pg.mkBrush(c)


def limit_line(plot: pg.PlotWidget, y: float, text: str, color: str = BAD) -> pg.InfiniteLine:
    """A dashed horizontal line with a label at its right end (a limit: K permits, a capacity)."""
    line = pg.InfiniteLine(pos=y, angle=0, movable=False, pen=pen(color, 1.5, dashed=True),
                           label=text, labelOpts={"position": 0.98, "color": color, "anchors": [(1, 1), (1, 1)],
                                                  "fill": (255, 255, 255, 200)})
    plot.addItem(line, ignoreBounds=False)
    return line


def set_category_ticks(axis: pg.AxisItem, labels: Sequence[str], start: float = 0.0) -> None:
    """Name the integer positions ``start``, ``start + 1``, ... of an axis."""
    axis.setTicks([[(start + i, s) for i, s in enumerate(labels)], []])


def category_axis(axis: pg.AxisItem, labels: Sequence[str], start: float = 0.0) -> None:
    """Category ticks with room for two-line names."""
    set_category_ticks(axis, labels, start)
    axis.setHeight(46 if any("\n" in s for s in labels) else 30)


def log_ticks(label: "Any", lo: int = -7, hi: int = 6) -> list[list[tuple[float, str]]]:
    """Ticks for a log axis (positions are log10 of the value): powers of ten named by ``label(value)``,
    with unnamed minor ticks at 2..9 so the grid still shows the decades."""
    major = [(float(k), label(10.0 ** k)) for k in range(lo, hi + 1)]
    minor = [(k + float(np.log10(m)), "") for k in range(lo, hi) for m in range(2, 10)]
    return [major, minor]


def seconds_label(v: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if v >= scale * 0.999:
            return f"{v / scale:g} {unit}"
    return f"{v:g} s"


def number_label(v: float) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:g}"


def readout_label(text: str = "") -> QLabel:
    """A wrapping rich-text label for the numbers under a plot."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    f = label.font()
    f.setPointSizeF(f.pointSizeF() * 1.05)
    label.setFont(f)
    return label


def bold_font(scale: float = 1.0) -> QFont:
    f = QFont()
    f.setBold(True)
    if scale != 1.0:
        f.setPointSizeF(f.pointSizeF() * scale)
    return f


def ok_mark(ok: bool) -> str:
    return f"<b style='color:{GOOD}'>✓</b>" if ok else f"<b style='color:{BAD}'>✗</b>"


def as_array(values: Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=float)
