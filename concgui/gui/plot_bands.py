"""Shaded time bands with a label, over a pyqtgraph plot, drawn by Qt alone.

Runs and freezes are marked by bands on the CPU and lateness plots. pyqtgraph's
``LinearRegionItem`` and ``TextItem`` are Python items: the scene asks each of
them for its ``boundingRect`` (in Python, taking the GIL) many times per frame,
which measured ~1,700 entries into Python a second during a Compare
(benchmarks/sections/gil_footprint.py). A :class:`Band` is a plain
``QGraphicsRectItem`` and a plain ``QGraphicsSimpleTextItem``: C++ items whose
geometry Qt knows without asking Python.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QGraphicsSimpleTextItem

#: Vertical extent of a band in view coordinates: far beyond any plot's range (log plots included).
SPAN = 1e9


class Band:
    """A band from ``t0`` to ``t1`` (None: still open) on ``plot``, placed relative to "now"."""

    def __init__(self, plot: pg.PlotItem, t0: float, t1: float | None, color: QColor | str, alpha: int,
                 text: str = "", text_color: QColor | None = None) -> None:
        c = QColor(color)
        fill = QColor(c)
        fill.setAlpha(alpha)
        self.t0, self.t1 = t0, t1
        self.y = 0.0  # where its owner puts the label, in view coordinates
        self.rect = QGraphicsRectItem()
        self.rect.setBrush(QBrush(fill))
        self.rect.setPen(QPen(Qt.PenStyle.NoPen))
        self.rect.setZValue(-10)
        plot.addItem(self.rect, ignoreBounds=True)
        self.text: QGraphicsSimpleTextItem | None = None
        if text:
            item = QGraphicsSimpleTextItem(text)
            f = QFont()
            f.setBold(True)
            item.setFont(f)
            item.setBrush(QBrush(text_color if text_color is not None else c.darker(140)))
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setTransform(QTransform.fromTranslate(-item.boundingRect().width() / 2, 0))  # centred
            item.setZValue(5)
            plot.addItem(item, ignoreBounds=True)
            self.text = item

    def place(self, t_now: float, y_text: float) -> None:
        x0 = self.t0 - t_now
        x1 = (self.t1 if self.t1 is not None else t_now) - t_now
        self.rect.setRect(QRectF(x0, -SPAN, max(0.0, x1 - x0), 2 * SPAN))
        if self.text is not None:
            self.text.setPos((x0 + x1) / 2, y_text)

    def remove(self, plot: pg.PlotItem) -> None:
        plot.removeItem(self.rect)
        if self.text is not None:
            plot.removeItem(self.text)
