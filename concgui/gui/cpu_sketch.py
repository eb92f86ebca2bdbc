"""The CPU plot drawn as one image, in one slot: what the window shows while its own GIL is busy.

A pyqtgraph frame makes Qt call into Python dozens of times (items, axes,
layout); while pure-Python threads of this process hold the GIL, each call
waits behind them and a frame stalls the window. A :class:`CpuSketch` draws
the same per-core lines into a ``QImage`` with one ``QPainter`` from the one
slot that redraws, and shows it on a plain, opaque ``QLabel`` laid over the
plot, which Qt repaints in C++ without asking Python anything. It says on the
image why it is simpler.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph.functions as fn
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QLabel, QWidget

from concgui.gui.theme import WARN_COLOR, readable

NOTE = ("Simplified live view: Python threads hold this window's GIL, and the full plot would make the "
        "window wait for it dozens of times per frame. The full plot returns when the run ends.")
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 44, 10, 30, 22


def polyline(x: np.ndarray, y: np.ndarray) -> QPolygonF:
    """A QPolygonF of (x, y) points, filled through a NumPy view of its memory (no per-point calls)."""
    poly = fn.create_qpolygonf(len(x))
    arr = fn.ndarray_from_qpolygonf(poly)
    arr[:, 0] = x
    arr[:, 1] = y
    return poly


class CpuSketch:
    """A plain ``QLabel`` over ``cover`` (a child of ``parent``) showing per-core CPU as a drawn image.

    The frame (grid, labels, the note) is drawn once per size into a pixmap;
    each redraw copies it and adds one polyline per core: a handful of calls
    into Qt, none of them back into Python.
    """

    def __init__(self, parent: QWidget, cover: QWidget, colors: list[QColor], window_s: float) -> None:
        self.cover = cover
        self.colors = colors
        self.zoom = 1.0
        self.pens = [QPen(c, 1.5) for c in colors]
        self.window_s = window_s
        self.label = QLabel(parent)
        self.label.setAutoFillBackground(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.label.setToolTip(NOTE)
        self.label.hide()
        self.frames = 0
        self._bg: QPixmap | None = None
        self._bg_key: tuple = ()
        self._colors: tuple[QColor, QColor] | None = None

    @property
    def shown(self) -> bool:
        return self.label.isVisible()

    def show(self) -> None:
        pal = self.label.palette()  # read now: the theme cannot change during a run
        self._colors = (pal.color(pal.ColorRole.Base), pal.color(pal.ColorRole.WindowText))
        self.label.setGeometry(self.cover.geometry())
        self._background(self.window_s)  # drawn now, before the run, not in its first frame
        self.label.raise_()
        self.label.show()

    def hide(self) -> None:
        self.label.hide()

    def _background(self, span_s: float) -> QPixmap:
        geo = self.label.geometry()
        w, h = max(40, geo.width()), max(40, geo.height())
        if self._colors is None:
            pal = self.label.palette()
            self._colors = (pal.color(pal.ColorRole.Base), pal.color(pal.ColorRole.WindowText))
        base, fg = self._colors
        key = (w, h, span_s, base.rgb(), fg.rgb(), self.zoom)  # a theme switch (or a zoom) draws it anew
        if self._bg is not None and key == self._bg_key:
            return self._bg
        pm = QPixmap(w, h)
        pm.fill(base)
        p = QPainter(pm)
        plot = self._rect(w, h)
        grid = QPen(QColor(fg.red(), fg.green(), fg.blue(), 60))
        small = QFont(p.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        p.setFont(small)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        z = self.zoom
        for pct in (0, 50, 100):
            y = int(plot.bottom() - plot.height() * pct / 100)
            p.setPen(grid)
            p.drawLine(plot.left(), y, plot.right(), y)
            p.setPen(fg)
            p.drawText(QRect(0, y - round(8 * z), round((MARGIN_L - 6) * z), round(16 * z)), right, f"{pct}")
        p.drawText(QRect(plot.left(), plot.bottom() + 4, plot.width(), round(MARGIN_B * z) - 4),
                   Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                   f"last {span_s:g} s (CPU % per core)")
        self.note_color = readable(WARN_COLOR, base)  # the light theme's amber is too dark on a dark base
        p.setPen(self.note_color)
        p.drawText(QRect(6, 2, w - 12, round(MARGIN_T * z) - 2),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                   "Simplified live view: Python threads hold this window's GIL (full plot after the run)")
        p.end()
        self._bg, self._bg_key = pm, key
        return pm

    @staticmethod
    def plot_rect(w: int, h: int, zoom: float = 1.0) -> QRect:
        left, right, top, bottom = (round(m * zoom) for m in (MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B))
        return QRect(left, top, w - left - right, h - top - bottom)

    def _rect(self, w: int, h: int) -> QRect:
        return self.plot_rect(w, h, self.zoom)

    def set_zoom(self, zoom: float) -> None:
        """Lines and margins at the window's zoom (presentation mode); the frame is drawn again when next shown."""
        self.zoom = zoom
        self.pens = [QPen(c, 1.5 * zoom) for c in self.colors]

    def draw(self, t: np.ndarray, v: np.ndarray, t_now: float, span_s: float | None = None) -> None:
        """Draw per-core % ``v`` (rows at times ``t``) over the last ``span_s`` seconds up to ``t_now``."""
        span = float(span_s or self.window_s)
        geo = self.cover.geometry()
        if geo != self.label.geometry():
            self.label.setGeometry(geo)
        pm = self._background(span).copy()
        if len(t) >= 2:
            plot = self._rect(pm.width(), pm.height())
            keep = t >= t_now - span
            tx = plot.left() + (t[keep] - (t_now - span)) / span * plot.width()
            p = QPainter(pm)
            for i in range(min(v.shape[1], len(self.pens))):
                p.setPen(self.pens[i])
                p.drawPolyline(polyline(tx, plot.bottom() - np.clip(v[keep, i], 0, 100) / 100 * plot.height()))
            p.end()
        self.label.setPixmap(pm)
        self.frames += 1
