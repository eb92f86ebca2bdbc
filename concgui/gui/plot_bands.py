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

from typing import Callable

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

    def refit_text(self) -> None:
        """Its label in the application font as it is now (bold), centred again (the zoom changed)."""
        if self.text is not None:
            f = QFont()
            f.setBold(True)
            self.text.setFont(f)
            self.text.setTransform(QTransform.fromTranslate(-self.text.boundingRect().width() / 2, 0))

    def place(self, t_now: float, y_text: float, x_text: float | None = None) -> None:
        """Put the band relative to ``t_now``; its label's top at ``y_text``, centred on ``x_text``
        (default: the band's middle)."""
        x0 = self.t0 - t_now
        x1 = (self.t1 if self.t1 is not None else t_now) - t_now
        self.rect.setRect(QRectF(x0, -SPAN, max(0.0, x1 - x0), 2 * SPAN))
        if self.text is not None:
            self.text.setPos((x0 + x1) / 2 if x_text is None else x_text, y_text)

    def remove(self, plot: pg.PlotItem) -> None:
        plot.removeItem(self.rect)
        if self.text is not None:
            plot.removeItem(self.text)


def label_rects(plot: pg.PlotItem, items: list) -> list[QRectF]:
    """Where ``items`` (labels drawn on ``plot``) are, in its view coordinates: for ``avoid``."""
    vb = plot.vb
    return [vb.mapSceneToView(item.sceneBoundingRect()).boundingRect() for item in items if item.isVisible()]


def place_bands(store: dict, plot: pg.PlotItem, t_now: float, keep_after: float,
                label_top: float | None = None, levels: int = 3, avoid: list[QRectF] | None = None) -> None:
    """Place every band of ``store`` relative to ``t_now``; drop those that ended before ``keep_after``.

    Labels never overlap: from the oldest band on, each label takes the
    highest of ``levels`` rows (the first at ``label_top``, in view
    coordinates, the next a label's height below) where it clears the labels
    already in that row and every rectangle of ``avoid`` (other labels of
    the plot, in view coordinates), and is hidden where no row is free. A
    label stays inside the plot: one that would reach past an edge is moved
    in, along its band, and a band out of view has none. Without
    ``label_top`` each band's label stays at its own ``y``.
    """
    px_x, px_y = plot.vb.viewPixelSize() if label_top is not None else (0.0, 0.0)  # view units per pixel
    view_lo, view_hi = plot.vb.viewRange()[0]
    blocked = avoid or []
    rows: list[list[tuple[float, float]]] = [[] for _ in range(levels if label_top is not None else 0)]
    for key, band in sorted(store.items(), key=lambda kv: kv[1].t0):
        if band.t1 is not None and band.t1 < keep_after:
            band.remove(plot)
            del store[key]
            continue
        y = band.y
        x_text = None
        if label_top is not None and band.text is not None:
            rect = band.text.boundingRect()
            x0 = band.t0 - t_now
            x1 = (band.t1 if band.t1 is not None else t_now) - t_now
            half = (rect.width() / 2 + 4) * px_x  # a little air between labels
            x_text = min(max((x0 + x1) / 2, view_lo + half), view_hi - half)  # inside the plot's edges
            lo, hi = x_text - half, x_text + half
            height = (rect.height() + 1) * abs(px_y)

            def clear(i: int) -> bool:
                top = label_top - i * height
                return (all(hi <= a or lo >= b for a, b in rows[i])
                        and not any(r.left() < hi and r.right() > lo and r.bottom() > top - height
                                    and r.top() < top for r in blocked))

            shown = x1 >= view_lo and x0 <= view_hi and 2 * half <= view_hi - view_lo
            free = next((i for i in range(len(rows)) if clear(i)), None) if shown else None
            band.text.setVisible(free is not None)
            if free is not None:
                rows[free].append((lo, hi))
                y = label_top - free * height
        band.place(t_now, y, x_text)


class RunBands:
    """The bands of runs on one plot, by run id. Marks that come while drawing is paused wait for it.

    A new item repaints its plot, a storm of trips into Python; at the GIL pace
    a plot stands still (see :mod:`concgui.gui.pace`), so a run that starts
    then gets its band on the first real redraw (:meth:`catch_up`).
    """

    def __init__(self, paused: Callable[[], bool], make: Callable[..., Band]) -> None:
        self.bands: dict[int, Band] = {}
        self._paused = paused
        self._make = make
        self._starts: list[tuple[int, tuple]] = []
        self._ends: dict[int, float] = {}

    def start(self, run_id: int, *args: object) -> None:
        """A band for run ``run_id``: ``make(*args)``, now or once drawing resumes."""
        if self._paused():
            self._starts.append((run_id, args))
        else:
            self.bands[run_id] = self._make(*args)

    def finish(self, run_id: int, t1: float) -> None:
        band = self.bands.get(run_id)
        if band is not None:
            band.t1 = t1
        else:
            self._ends[run_id] = t1

    def catch_up(self) -> None:
        """Make the bands and close the ends that waited while drawing was paused (call before a redraw)."""
        while self._starts:
            run_id, args = self._starts.pop(0)
            self.bands[run_id] = self._make(*args)
        for run_id, t1 in list(self._ends.items()):
            self.finish(run_id, t1)
        self._ends.clear()
