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
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QShowEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from concgui.gui.theme import (GRAPHIC_CONTRAST, InkLabel, is_dark, plot_background, plot_colors, plot_text_color,
                               readable, style_plot)

#: Tableau-10, like the CPU plot. Drawn as :func:`series` colours: the same hues, made to stand out
#: from the plot's background in either theme.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
#: Colours that mean something (right, wrong, a warning, not run); as text they go through
#: :func:`~concgui.gui.theme.plot_text_color` on a plot or an :class:`~concgui.gui.theme.InkLabel`,
#: which make them readable in either theme.
GOOD = "#2e7d32"
BAD = "#b71c1c"
WARN = "#8a4b00"
MUTED = "#9e9e9e"


def themed(light: str, dark: str) -> str:
    """One of two colours, for the theme the plots are drawn in now."""
    return dark if is_dark(plot_background()) else light


def series(color: str) -> QColor:
    """A line's or bar's colour: ``color``'s hue, standing out from the plot background."""
    return readable(color, plot_background(), GRAPHIC_CONTRAST)


class LiveView(QWidget):
    """The live part of a lab page: ``begin`` a run, ``apply`` event batches, ``finish`` with the result."""

    #: When the run's first event happened (None until then): the views' time axes start there.
    t0: float | None = None
    #: The run's parameters (None until the view has drawn its first frame).
    params: Any = None

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

    def restyle(self) -> None:
        """The theme changed: give the items the colours of the new one and draw again."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.params is not None:
            self.restyle()


#: A lab plot's title size, in points.
TITLE_PT = 10


class LabPlot(pg.PlotWidget):
    """A lab's plot in the palette's colours (background, axes, title, labels, legend, limit lines),
    styled again whenever the theme changes.

    An axis given units scales them itself by default (pyqtgraph's SI prefix: ticks 0-50 "(ms)" for
    0-0.05 s); that is right for an axis nothing else on the plot quotes. A plot that writes values on
    itself (bar labels) fixes the axis's unit with :meth:`set_units` instead (ticks in that unit, no
    prefix added) and writes its labels in that same unit: see :func:`time_unit` and :func:`in_unit`.
    """

    _built = False

    def __init__(self, title: str = "", left: str = "", bottom: str = "", *, left_units: str | None = None,
                 bottom_units: str | None = None) -> None:
        super().__init__(background=plot_background())
        self._title = title
        self._labels = {"left": (left, left_units), "bottom": (bottom, bottom_units)}
        #: Per axis: whether pyqtgraph may put an SI prefix on its units (False after :meth:`set_units`).
        self._si_prefix = {"left": True, "bottom": True}
        #: The limit lines (:func:`limit_line`) and the colour each was given.
        self.limit_lines: list[tuple[pg.InfiniteLine, str]] = []
        self.setMenuEnabled(False)
        self.setMinimumHeight(150)
        p = self.getPlotItem()
        p.showGrid(x=True, y=True, alpha=0.25)
        p.hideButtons()
        self._built = True
        self.restyle()

    def minimumSizeHint(self) -> QSize:  # noqa: N802  (Qt's name)
        """Wide enough for its title and its legend's row: a narrow page then scrolls instead of cutting them.

        Beside the lesson panel at 1366 pixels the race lab's titles read "Expected vs actual co" and its
        legend lost a column.
        """
        hint = super().minimumSizeHint()
        p = self.getPlotItem()
        need = 0
        if self._title:
            font = QFont(self.font())
            font.setPointSizeF(TITLE_PT)
            font.setBold(True)
            need = QFontMetrics(font).horizontalAdvance(self._title) + int(p.getAxis("left").width()) + 24
        legend = getattr(p, "legend", None)
        if legend is not None and legend.items:
            need = max(need, int(legend.layout.minimumWidth()) + 16)
        return QSize(max(hint.width(), need), hint.height())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802  (Qt's name)
        super().showEvent(event)
        self.updateGeometry()  # its legend has its items by now: ask the layout for room again

    @property
    def text_color(self) -> QColor:
        """The colour of the title, the axes' labels and ticks: the palette's text on its Base."""
        return plot_colors(self.palette())[1]

    def add_legend(self, columns: int = 3) -> pg.LegendItem:
        """A legend in a row under the plot (below its bottom axis): a legend inside would hide data.

        Items added to the plot with a ``name`` join it, as with ``PlotItem.addLegend``.
        """
        p = self.getPlotItem()
        legend = pg.LegendItem(colCount=columns, verSpacing=-4, horSpacing=12)
        p.legend = legend  # PlotItem.addItem files named items here
        p.layout.addItem(legend, 4, 0, 1, 3)  # the full width, under the axis label
        self.restyle()
        return legend

    def restyle(self) -> None:
        pal = self.palette()
        style_plot(self, pal)
        bg, fg = plot_colors(pal)
        p = self.getPlotItem()
        if self._title:
            p.setTitle(self._title, color=fg.name(), size=f"{TITLE_PT:g}pt", bold=True)
        for side in self._labels:
            self._set_label(side, fg)
        fill = QColor(bg)
        fill.setAlpha(200)
        for line, color in self.limit_lines:
            line.setPen(pen(series(color), 1.5, dashed=True))
            line.label.setColor(plot_text_color(color))
            line.label.fill = pg.mkBrush(fill)
            line.label.update()

    def _set_label(self, side: str, fg: QColor) -> None:
        text, units = self._labels[side]
        if not text:
            return
        p = self.getPlotItem()
        if self._si_prefix[side]:
            p.setLabel(side, text, units=units, color=fg.name())
            return
        # A fixed unit: written into the text, so that no pyqtgraph version prefixes it, and the axis's
        # own scaling turned off, so that the ticks are the plotted numbers (0.14 ignores
        # enableAutoSIPrefix and has ranges to switch it off instead; 0.13 has no ranges).
        p.setLabel(side, f"{text} ({units})" if units else text, color=fg.name())
        ax = p.getAxis(side)
        if hasattr(ax, "setSIPrefixEnableRanges"):
            ax.setSIPrefixEnableRanges(())
        ax.enableAutoSIPrefix(False)

    def set_units(self, side: str, units: str) -> None:
        """Label axis ``side`` in exactly ``units`` ("wall time (ms)") with its ticks unscaled, so that
        values the plot writes in ``units`` agree with the axis. The data must be in ``units`` too."""
        if self._labels[side][1] == units and not self._si_prefix[side]:
            return
        self._labels[side] = (self._labels[side][0], units)
        self._si_prefix[side] = False
        self._set_label(side, self.text_color)

    def axis_units(self, side: str) -> str:
        """The unit axis ``side`` is labelled in now, prefix included ("ms"; "" for none)."""
        text, units = self._labels[side]
        if not units:
            return ""
        ax = self.getPlotItem().getAxis(side)
        return f"{ax.labelUnitPrefix}{ax.labelUnits}" if self._si_prefix[side] else units

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._built:
            self.restyle()


def make_plot(title: str = "", left: str = "", bottom: str = "", *, left_units: str | None = None,
              bottom_units: str | None = None) -> LabPlot:
    """A plot in the theme's colours with a grid; the context menu off (it confuses more than it helps)."""
    return LabPlot(title, left, bottom, left_units=left_units, bottom_units=bottom_units)


def pen(color: str | QColor, width: float = 1.5, dashed: bool = False) -> Any:
    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(color=QColor(color), width=width, style=style)


def brush(color: str | QColor, alpha: int = 255) -> Any:
    c = QColor(color)
    c.setAlpha(alpha)
    return pg.mkBrush(c)


def limit_line(plot: LabPlot, y: float, text: str, color: str = BAD) -> pg.InfiniteLine:
    """A dashed horizontal line with a label at its right end (a limit: K permits, a capacity)."""
    line = pg.InfiniteLine(pos=y, angle=0, movable=False, label=text,
                           labelOpts={"position": 0.98, "anchors": [(1, 1), (1, 1)]})
    plot.addItem(line, ignoreBounds=False)
    plot.limit_lines.append((line, color))
    plot.restyle()  # its colours, for the theme
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


#: Units of time, largest first, with their size in seconds.
TIME_UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))


def seconds_label(v: float) -> str:
    for unit, scale in TIME_UNITS:
        if v >= scale * 0.999:
            return f"{v / scale:g} {unit}"
    return f"{v:g} s"


def time_unit(largest_s: float) -> tuple[str, float]:
    """The one unit to show times up to ``largest_s`` in (s, ms, µs or ns), and its size in seconds:
    the largest unit that ``largest_s`` is at least one of (0.05 s: ms; 2 s: s)."""
    for unit, scale in TIME_UNITS:
        if largest_s >= scale * 0.999:
            return unit, scale
    return TIME_UNITS[-1]


def in_unit(seconds: float, unit: tuple[str, float]) -> str:
    """``seconds`` written in ``unit`` (from :func:`time_unit`), short enough for a label on a bar:
    "9.0 ms", "52 ms", "1.2 s", "315 ms"."""
    name, scale = unit
    v = seconds / scale
    return f"{v:.1f} {name}" if abs(v) < 9.95 else f"{v:.0f} {name}"


def number_label(v: float) -> str:
    return f"{v:,.0f}" if v >= 1 else f"{v:g}"


def readout_label(text: str = "") -> InkLabel:
    """A wrapping rich-text label for the numbers under a plot (its colours follow the theme)."""
    label = InkLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    # Preferred, not Minimum: a Minimum label is never shorter than its size hint, which is worked out for a
    # width of its own choosing; its height at the width it has is heightForWidth, which the lab page's
    # scroll area (lab_page.fitted) and the layouts give it.
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
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
