"""The latest comparison: wall time per mode as bars, the verdict, where the time went, and why.

From the top:

- one bar per run, its median wall time; when the run was repeated, a
  whisker from its fastest to its slowest sample and "0.91 s ±3%" (the spread
  the verdict allows for, :mod:`concgui.engine.verdict`);
- the verdict in one line: normal when the rule calls a winner, amber when it
  is too close to call (the full sentence, with the rule, is its tooltip);
- "Where the time went": one stacked horizontal bar per run that has a split
  (:mod:`concgui.engine.time_split`), seconds per worker on average, each part
  with a tooltip saying what it is; the pool start (not part of the wall time)
  to the left of zero, hatched; the legend is a row of labels below the plot,
  so it never covers a bar;
- the explanation.

Redrawn once per comparison (and on a palette change), so pyqtgraph's Python
items are fine here; the stacked parts are plain ``QGraphicsRectItem`` s
anyway, for their per-item tooltips.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QGuiApplication, QPen
from PySide6.QtWidgets import (QGraphicsRectItem, QGridLayout, QHBoxLayout, QLabel, QPushButton, QTextBrowser,
                               QVBoxLayout, QWidget)

from concgui.engine.compare import RunRecord
from concgui.engine.time_split import DESCRIPTIONS, KEYS, LABELS, PARTS, POOL_START, wall_of
from concgui.engine.verdict import Verdict, distinct, verdict, with_pythons
from concgui.engine.workloads import workload_label
from concgui.gui.cpu_plot import MODE_COLORS
from concgui.engine.compare import workers_count
from concgui.gui.run_words import MODE_NAMES, record_key
from concgui.scenarios import StepKind
from concgui.gui.theme import plot_text_color, readable
from concgui.gui.plot_style import make_plot, zoom_plot
from concgui.gui.presentation import scaled

#: The colour of each part of a split (Okabe–Ito: told apart with the common colour-vision deficiencies).
PART_COLORS = {
    POOL_START: "#999999",
    "dispatch_s": "#56b4e9",
    "compute_s": "#009e73",
    "cpu_wait_s": "#d55e00",
    "between_s": "#cc79a7",
    "tail_s": "#bbbbbb",
}
#: The verdict's colour when it is too close to call (made readable on the window's background).
AMBER = "#e69f00"
#: The least room above the tallest bar, as a fraction of the plot's height (for its label).
LABEL_HEADROOM = 0.26
#: Height of one stacked bar, as a fraction of its row.
ROW_FILL = 0.64
#: Legend labels per row under the split plot (fits the ~350 px comparison card at 1366×768).
LEGEND_COLUMNS = 2  # two columns keep the card narrow enough for a 1366-px screen
#: The split plot's height: its axis, plus this much per run (for at most ``SPLIT_ROWS_MAX`` runs; more share,
#: each keeping one line of text).
SPLIT_AXIS_PX, SPLIT_ROW_PX, SPLIT_ROWS_MAX = 28, 20, 3
CHART_MIN_PX, PRESENT_CHART_MIN_PX = 100, 70


AXIS_TITLE = "wall time (s)"


def run_name(r: RunRecord) -> str:
    """A short name for a run (pyqtgraph drops tick labels that would overlap)."""
    key = record_key(r.ran_on, r.mode)
    name = "GUI thread" if key == StepKind.GUI_THREAD else MODE_NAMES.get(key, key)
    if r.threads_per_worker > 1:  # a Dask cluster: worker processes × threads in each
        return f"{name} {workers_count(r.workers, r.threads_per_worker)}"
    return f"{name} ×{r.workers}" if r.workers > 1 else name


def run_names(records: list[RunRecord]) -> list[str]:
    """:func:`run_name` of each run, told apart where two would read the same (chart, verdict and text alike)."""
    return distinct(with_pythons([run_name(r) for r in records], records), records)


#: Shorter words for a bar name that would run into its neighbour's (seven bars across two Pythons at 1366 px).
SHORT_WORDS = {"subinterpreters": "subint.", "processes": "procs"}


def wrap_words(text: str, fm: QFontMetrics, width: float) -> str:
    """``text`` on as many lines as it takes to keep each within ``width`` pixels (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and fm.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _unclash(names: list[str], fm: QFontMetrics, spacing: float) -> list[str]:
    """``names`` (one per bar, ``spacing`` px apart) with :data:`SHORT_WORDS` where two neighbours would overlap.

    All of them or none, so one word reads the same under every bar; the full
    name stays in the text, the verdict and the tables.
    """
    def width(name: str) -> float:
        return max(fm.horizontalAdvance(line) for line in name.split("\n"))

    def shorter(name: str) -> str:
        return "\n".join(" ".join(SHORT_WORDS.get(w, w) for w in line.split(" ")) for line in name.split("\n"))

    if all((width(a) + width(b)) / 2 <= spacing - 2 for a, b in zip(names, names[1:])):
        return list(names)
    return [shorter(n) for n in names]  # all alike: "procs" under one bar and "processes" under another would puzzle


#: More bars than this (a Compare across two Pythons) leave each too narrow a slot for "0.91 s ±3%": the
#: label says "0.91 s" and the whisker shows the spread.
CROWDED_BARS = 5


def wall_label(r: RunRecord, crowded: bool = False) -> str:
    """"0.91 s", with "±3%" when the run was repeated, unless ``crowded`` (its whisker still shows the spread)."""
    text = f"{r.wall_s:.2f} s"
    if r.spread is not None and len(r.samples_wall_s) >= 2 and not crowded:
        text += f" ±{r.spread:.0%}"
    return text


def verdict_line(v: Verdict) -> str:
    """The verdict in a few words (:meth:`Verdict.headline`)."""
    return v.headline()


def part_tooltip(key: str, seconds: float, wall: float) -> str:
    share = "" if key == POOL_START or wall <= 0 else f", {seconds / wall:.0%} of the wall time"
    return f"{LABELS[key]}: {seconds * 1000:.1f} ms per worker{share}.\n{DESCRIPTIONS[key]}"


#: What the empty chart says; zoomed in, on shorter lines.
PLACEHOLDER = "Press Compare (Ctrl+Shift+C) to run serial,\nthreads and processes on identical inputs"
PLACEHOLDER_ZOOMED = "Press Compare\n(Ctrl+Shift+C) to run\nserial, threads and\nprocesses on identical\ninputs"


class ComparisonView(QWidget):
    #: "Copy report" put the report on the clipboard.
    report_copied = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pal = self.palette()
        self.title = QLabel("Comparison")
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.chart, p = make_plot(self, min_height=CHART_MIN_PX, grid_x=False)
        self.plot = p
        p.setLabel("left", AXIS_TITLE)
        self.axis_title_shown = True
        p.getAxis("left").enableAutoSIPrefix(False)  # never "(x0.001)": seconds stay seconds
        self._items: list[pg.GraphicsObject] = []
        self.whiskers: pg.ErrorBarItem | None = None
        self._bold = QFont()
        self._bold.setBold(True)
        self.zoom = 1.0  # presentation mode's (set_zoom)
        self._top = 0.75
        self._names: list[str] = []
        p.vb.sigResized.connect(self._fit_y)
        p.vb.sigResized.connect(self._fit_x)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setVisible(False)
        self._build_split()
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setMinimumHeight(40)  # it scrolls: small screens keep the chart and the split
        self.text.setPlaceholderText("Why the modes differ, from the measured numbers.")
        self.placeholder = pg.TextItem(PLACEHOLDER, color=pal.color(pal.ColorRole.PlaceholderText),
                                       anchor=(0.5, 0.5))
        # Your function's comparison: the whole report (profile, recommendation, runs) as Markdown.
        self.report: str | None = None
        self.report_button = QPushButton("Copy report")
        self.report_button.setToolTip("Copy the profile, the recommendation and predicted against measured as "
                                      "Markdown, for a pull request or an issue")
        self.report_button.clicked.connect(self.copy_report)
        self.report_button.hide()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.report_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.chart, 3)
        lay.addWidget(self.verdict)
        lay.addWidget(self.split_box)  # as tall as its runs need (see _draw_split)
        lay.addWidget(self.text, 2)
        self.records: list[RunRecord] = []
        self.explanation = ""
        self._drawing = False
        self.show_records([], "")

    def _build_split(self) -> None:
        self.split_box = QWidget()
        box = QVBoxLayout(self.split_box)
        box.setContentsMargins(0, 4, 0, 0)
        box.setSpacing(2)
        self.split_title = QLabel("Where the time went (s per worker, average)")
        self.split_title.setWordWrap(True)
        self.split_title.setToolTip("Each run's wall time, split by what its workers were doing; hover over a "
                                    "part to see what it means.")
        f = self.split_title.font()
        f.setBold(True)
        self.split_title.setFont(f)
        self.split_chart, sp = make_plot(self, grid_y=False)
        self.split_plot = sp
        sp.invertY(True)  # the first run on top, as in the bars above (left to right)
        sp.getAxis("bottom").enableAutoSIPrefix(False)
        self._split_items: list[QGraphicsRectItem | pg.GraphicsObject] = []
        #: The stacked parts drawn, as (run index, key, item): for tests and tooltips.
        self.parts: list[tuple[int, str, QGraphicsRectItem]] = []
        legend = QWidget()
        self.legend_grid = QGridLayout(legend)  # below the plot, so it never covers a bar
        self.legend_grid.setContentsMargins(0, 0, 0, 0)
        self.legend_grid.setHorizontalSpacing(10)
        self.legend_grid.setVerticalSpacing(0)
        self.legend: dict[str, QLabel] = {}
        for key in KEYS:
            label = QLabel(legend)
            label.setToolTip(DESCRIPTIONS[key])
            label.hide()
            self.legend[key] = label
        box.addWidget(self.split_title)
        box.addWidget(self.split_chart, 1)
        box.addWidget(legend)
        self.split_box.setVisible(False)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        # Outlines, whiskers and the verdict's colour come from the palette: draw again in the new one.
        if event.type() == QEvent.Type.PaletteChange and not self._drawing:
            self.show_records(self.records, self.explanation, self.report)

    def set_zoom(self, zoom: float) -> None:
        """Fit to the window's zoom (presentation mode): axis fonts, outline and whisker widths; drawn again."""
        self.zoom = zoom
        # Zoomed in on a 1366×768 projector, the chart yields first: the readout strip says its numbers big.
        self.chart.setMinimumHeight(CHART_MIN_PX if zoom == 1.0 else PRESENT_CHART_MIN_PX)
        for chart in (self.chart, self.split_chart):
            zoom_plot(chart, zoom)
        self._bold = QFont(QGuiApplication.font())
        self._bold.setBold(True)
        self.placeholder.setFont(QGuiApplication.font())
        # Zoomed, the card is narrow for its text: the same words on more, shorter lines.
        self.placeholder.setText(PLACEHOLDER if zoom == 1.0 else PLACEHOLDER_ZOOMED)
        self.text.setPlaceholderText("Why the modes differ, from the measured numbers." if zoom == 1.0 else
                                     "Why the modes differ.")
        self.show_records(self.records, self.explanation, self.report)

    # -- drawing ----------------------------------------------------------------------------

    def show_records(self, records: list[RunRecord], explanation: str, report: str | None = None) -> None:
        """Chart and explain ``records``; ``report``: Markdown that "Copy report" copies (None: no button)."""
        self.report = report
        self.report_button.setVisible(report is not None)
        self._drawing = True
        try:
            self.records = list(records)
            self._run_names = run_names(self.records)  # the chart's, the verdict's and the split's names
            self.explanation = explanation
            self._draw_bars(self.records)
            self._draw_verdict(self.records)
            self._draw_split(self.records)
            self.text.setPlainText(explanation)
        finally:
            self._drawing = False

    @Slot()
    def copy_report(self) -> str:
        """Put the report on the clipboard (returns it; "" without one)."""
        text = self.report or ""
        if text:
            QGuiApplication.clipboard().setText(text)
            self.report_copied.emit()
        return text

    def _draw_bars(self, records: list[RunRecord]) -> None:
        p = self.plot
        for item in self._items:
            p.removeItem(item)
        self._items = []
        self.whiskers = None
        if records:
            r0 = records[0]
            self.title.setText(f"Comparison: {r0.tasks:,} tasks of {workload_label(r0.workload)}")
        ticks = []
        top = max((max((r.wall_s, *r.samples_wall_s)) for r in records), default=0.75)
        bold = self._bold
        wx: list[float] = []
        wy: list[float] = []
        w_lo: list[float] = []
        w_hi: list[float] = []
        names = self._run_names
        for i, r in enumerate(records):
            key = record_key(r.ran_on, r.mode)
            c = QColor(MODE_COLORS.get(key, "#888888"))
            bar = pg.BarGraphItem(x=[i], height=[r.wall_s], width=0.6, brush=c,
                                  pen=pg.mkPen(c.darker(130), width=scaled(1, self.zoom)))
            p.addItem(bar)
            label_y = r.wall_s
            if len(r.samples_wall_s) >= 2 and r.status == "done":
                lo, hi = min(r.samples_wall_s), max(r.samples_wall_s)
                wx.append(i)
                wy.append(r.wall_s)
                w_lo.append(max(0.0, r.wall_s - lo))
                w_hi.append(max(0.0, hi - r.wall_s))
                label_y = max(label_y, hi)
            label = wall_label(r, crowded=len(records) > CROWDED_BARS)
            if r.speedup is not None:
                label += f"\n{r.speedup:.2f}×"
            elif r.status != "done":
                label += f"\n{r.status}"
            text = pg.TextItem(label, color=plot_text_color(c.darker(150)), anchor=(0.5, 1.0))
            text.setFont(bold)
            text.setPos(i, label_y)
            p.addItem(text)
            self._items += [bar, text]
            ticks.append((i, names[i]))
        if wx:
            pen = pg.mkPen(self.palette().color(self.palette().ColorRole.WindowText), width=scaled(1, self.zoom))
            self.whiskers = pg.ErrorBarItem(x=np.array(wx), y=np.array(wy), top=np.array(w_hi),
                                            bottom=np.array(w_lo), beam=0.16, pen=pen)
            self.whiskers.setToolTip("Fastest to slowest repeat; the bar is their median.")
            p.addItem(self.whiskers)
            self._items.append(self.whiskers)
        self._names = [name for _, name in ticks]
        p.getAxis("left").setStyle(showValues=bool(records))
        if not records:
            self.placeholder.setPos(1.0, 0.5)
            p.addItem(self.placeholder)
            self._items.append(self.placeholder)
        self._top = top
        self._fit_x()
        self._fit_y()

    def _fit_x(self) -> None:
        """Every bar's name shows under it, however narrow the chart (and so in a saved picture).

        pyqtgraph hides a tick label that reaches past the end of its axis, and
        draws overlapping ones over each other: a name wider than its bar's
        slot goes on two lines (or more), and the range leaves room at both ends
        for the first and the last name.
        """
        p = self.plot
        axis = p.getAxis("bottom")
        lo, hi = -0.6, max(len(self._names), 3) - 0.4
        width = p.vb.width()
        names = list(self._names)
        if names and width > 0:
            fm = QFontMetrics(axis.style.get("tickFont") or self.chart.font())
            for _ in range(2):  # wrap for the slot, widen the ends, wrap again if the slot shrank
                slot = width / (hi - lo) - 6  # a little air between neighbours
                names = _unclash([wrap_words(n, fm, slot) for n in self._names], fm, slot + 6)
                first, last = (max(fm.horizontalAdvance(line) for line in names[i].split("\n")) / 2 + 2
                               for i in (0, -1))
                if first + last >= width:
                    break
                for _ in range(4):  # the room needed in data units depends on the range: converge on it
                    span = hi - lo
                    hi = max(hi, len(names) - 1 + last * span / width)
                    lo = min(lo, -first * span / width)
        axis.setTicks([list(enumerate(names))])
        lines = max((n.count("\n") + 1 for n in names), default=1)
        if lines > 1 or self.zoom != 1.0:  # pyqtgraph measures text 20% short: room for every line, or it is cut
            fm = QFontMetrics(axis.style.get("tickFont") or self.chart.font())
            axis.setHeight(int(max(0, axis.style["tickLength"]) + axis.style["tickTextOffset"][1]
                               + lines * fm.lineSpacing() + 2))
        elif axis.fixedHeight is not None:
            axis.setHeight(None)
        p.setXRange(lo, hi, padding=0)

    def _fit_y(self) -> None:
        """Leave room above the tallest bar (or whisker) for its lines of label, however short the plot.

        A plot too short for the axis title drops it (the bars' labels say "s"),
        rather than show it cut.
        """
        h = self.plot.vb.height()
        axis = self.plot.getAxis("left")
        fits = h >= QFontMetrics(axis.label.font()).horizontalAdvance(AXIS_TITLE) + 8
        if fits != self.axis_title_shown:
            self.axis_title_shown = fits
            axis.showLabel(fits)
        need = 2 * QFontMetrics(self._bold).height() + 8
        frac = min(0.6, max(LABEL_HEADROOM, need / h if h > 0 else 0.0))
        self.plot.setYRange(0, self._top / (1 - frac), padding=0)

    def _draw_verdict(self, records: list[RunRecord]) -> None:
        if not records:
            self.verdict.setVisible(False)
            return
        v = verdict(records, self._run_names)
        self.verdict.setText(verdict_line(v))
        self.verdict.setToolTip(v.sentence())
        if v.clear or v.fastest is None:
            self.verdict.setStyleSheet("")
        else:
            bg = self.palette().color(self.palette().ColorRole.Window)
            self.verdict.setStyleSheet(f"color: {readable(AMBER, bg, 4.5).name()};")
        f = self.verdict.font()
        f.setBold(v.clear)
        self.verdict.setFont(f)
        self.verdict.setVisible(True)

    def _draw_split(self, records: list[RunRecord]) -> None:
        sp = self.split_plot
        for item in self._split_items:
            sp.removeItem(item)
        self._split_items = []
        self.parts = []
        rows = [r for r in records if r.split]
        called = dict(zip(map(id, records), self._run_names))
        self.split_box.setVisible(bool(rows))
        for label in self.legend.values():
            self.legend_grid.removeWidget(label)
            label.hide()
        if not rows:
            return
        # Up to SPLIT_ROWS_MAX rows get a full row each; more share that height, but never so little that
        # their names (one text line each) run into each other: seven runs across two Pythons.
        line = QFontMetrics(self.split_plot.getAxis("left").style.get("tickFont") or self.font()).lineSpacing()
        z = self.zoom
        self.split_chart.setFixedHeight(scaled(SPLIT_AXIS_PX, z) + max(SPLIT_ROW_PX * min(len(rows), SPLIT_ROWS_MAX),
                                                                       (line + 1) * len(rows)))
        # Width 0: one pixel at any zoom, and it adds nothing to an item's shape in data units
        # (a width of 1 would, making each part catch the mouse half a second beyond its ends).
        outline = QPen(self.palette().color(self.palette().ColorRole.Base))
        outline.setCosmetic(True)
        outline.setWidthF(0.0)
        ticks = []
        x_min = 0.0
        x_max = 0.0
        shown: set[str] = set()
        half = ROW_FILL / 2
        for i, r in enumerate(rows):
            split = r.split or {}
            wall = wall_of(split)
            x = 0.0
            for key in PARTS:
                v = split.get(key, 0.0)
                if v <= 0:
                    continue
                self._add_part(i, key, QRectF(x, i - half, v, ROW_FILL), part_tooltip(key, v, wall), outline)
                shown.add(key)
                x += v
            pool = split.get(POOL_START, 0.0)
            if pool > 0:  # before the clock started: left of zero, hatched
                self._add_part(i, POOL_START, QRectF(-pool, i - half, pool, ROW_FILL),
                               part_tooltip(POOL_START, pool, wall), outline, Qt.BrushStyle.BDiagPattern)
                shown.add(POOL_START)
                x_min = min(x_min, -pool)
            x_max = max(x_max, x)
            ticks.append((i, called[id(r)]))
        sp.getAxis("left").setTicks([ticks])
        sp.setYRange(-0.5, len(rows) - 0.5, padding=0)
        sp.setXRange(x_min, max(x_max, 1e-3), padding=0.02)
        fg = self.palette().color(self.palette().ColorRole.WindowText)
        for n, key in enumerate(k for k in KEYS if k in shown):
            label = self.legend[key]
            swatch = readable(PART_COLORS[key], self.palette().color(self.palette().ColorRole.Window), 1.5)
            label.setText(f"<span style='color:{swatch.name()}'>■</span> "
                          f"<span style='color:{fg.name()}'>{LABELS[key]}</span>")
            self.legend_grid.addWidget(label, n // LEGEND_COLUMNS, n % LEGEND_COLUMNS)
            label.show()

    def _add_part(self, row: int, key: str, rect: QRectF, tooltip: str, outline: QPen,
                  style: Qt.BrushStyle = Qt.BrushStyle.SolidPattern) -> None:
        item = QGraphicsRectItem(rect)
        item.setBrush(QBrush(QColor(PART_COLORS[key]), style))
        item.setPen(outline)
        item.setToolTip(tooltip)
        self.split_plot.addItem(item, ignoreBounds=True)
        self._split_items.append(item)
        self.parts.append((row, key, item))
