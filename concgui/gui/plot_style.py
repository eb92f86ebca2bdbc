"""One way to make a plot that looks like the rest of the app.

Every plot in the window is a read-only pyqtgraph PlotWidget in the palette's
colours, with no context menu, no auto-range button and a faint grid; the
theme module restyles them all when the theme changes. :func:`zoom_plot` fits a
plot to the window's zoom (presentation mode): its axes' fonts and lines; each
view scales its own pens and markers with :func:`~concgui.gui.presentation.scaled`.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QSizePolicy, QWidget

GRID_ALPHA = 0.15
SIDES = ("left", "bottom", "right", "top")


def plot_zoom(widget: pg.PlotWidget) -> float:
    """The zoom ``widget`` was last fitted to (:func:`zoom_plot`; 1.0 before)."""
    return float(getattr(widget, "concgui_zoom", 1.0))


def axis_pen(color: QColor, zoom: float = 1.0) -> object:
    """The pen of an axis line and its ticks at ``zoom``."""
    return pg.mkPen(color, width=max(1.0, zoom))


def zoom_plot(widget: pg.PlotWidget, zoom: float) -> None:
    """Fit ``widget``'s axes to ``zoom``: tick values and titles in the application font (zoomed already),
    axis lines ``zoom`` pixels wide. The theme's restyling keeps it (see :func:`plot_zoom`)."""
    widget.concgui_zoom = zoom
    font = QGuiApplication.font()
    p = widget.getPlotItem()
    for side in SIDES:
        ax = p.getAxis(side)
        ax.setTickFont(font if zoom != 1.0 else None)
        ax.setPen(axis_pen(ax.pen().color(), zoom))
        ax.setTextPen(pg.mkPen(ax.textPen().color()))
        ax.label.setFont(font)
        if ax.label.isVisible():
            ax.setLabel(ax.labelText, ax.labelUnits)  # re-laid out in the new font


def make_plot(owner: QWidget, min_height: int = 0, grid_x: bool = True, grid_y: bool = True,
              mouse_x: bool = False) -> tuple[pg.PlotWidget, pg.PlotItem]:
    """A styled PlotWidget for ``owner`` (its palette gives the colours) and its PlotItem."""
    pal = owner.palette()
    fg = pal.color(pal.ColorRole.WindowText)
    widget = pg.PlotWidget(background=pal.color(pal.ColorRole.Base))
    if min_height:
        widget.setMinimumHeight(min_height)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
    p = widget.getPlotItem()
    p.setMenuEnabled(False)
    p.setMouseEnabled(x=mouse_x, y=False)
    p.hideButtons()
    p.showGrid(x=grid_x, y=grid_y, alpha=GRID_ALPHA)
    for side in ("left", "bottom"):
        ax = p.getAxis(side)
        ax.setPen(axis_pen(fg))
        ax.setTextPen(pg.mkPen(fg))
    return widget, p
