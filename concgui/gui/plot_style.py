"""One way to make a plot that looks like the rest of the app.

Every plot in the window is a read-only pyqtgraph PlotWidget in the palette's
colours, with no context menu, no auto-range button and a faint grid; the
theme module restyles them all when the theme changes.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy, QWidget

GRID_ALPHA = 0.15


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
        ax.setPen(pg.mkPen(fg))
        ax.setTextPen(pg.mkPen(fg))
    return widget, p
