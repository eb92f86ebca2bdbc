"""The latest comparison: wall time per mode as bars, and why they differ."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from concgui.engine.compare import RunRecord
from concgui.gui.cpu_plot import MODE_COLORS
from concgui.gui.run_words import MODE_NAMES, record_key
from concgui.scenarios import StepKind
from concgui.gui.theme import plot_text_color
from concgui.gui.plot_style import make_plot


class ComparisonView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pal = self.palette()
        self.title = QLabel("Comparison")
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.chart, p = make_plot(self, min_height=150, grid_x=False)
        self.plot = p
        p.setLabel("left", "wall time (s)")
        p.getAxis("left").enableAutoSIPrefix(False)  # never "(x0.001)": seconds stay seconds
        self._items: list[pg.GraphicsObject] = []
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.setMinimumHeight(90)
        self.text.setPlaceholderText("Why the modes differ, from the measured numbers.")
        self.placeholder = pg.TextItem("Press Compare (Ctrl+Shift+C) to run serial,\nthreads and processes "
                                       "on identical inputs", color=pal.color(pal.ColorRole.PlaceholderText),
                                       anchor=(0.5, 0.5))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.chart, 1)
        lay.addWidget(self.text, 1)
        self.records: list[RunRecord] = []
        self.show_records([], "")

    def show_records(self, records: list[RunRecord], explanation: str) -> None:
        self.records = list(records)
        p = self.plot
        for item in self._items:
            p.removeItem(item)
        self._items = []
        if records:
            r0 = records[0]
            self.title.setText(f"Comparison: {r0.tasks:,} tasks of {r0.workload}")
        ticks = []
        top = max((r.wall_s for r in records), default=0.75)
        bold = QFont()
        bold.setBold(True)
        for i, r in enumerate(records):
            key = record_key(r.ran_on, r.mode)
            c = QColor(MODE_COLORS.get(key, "#888888"))
            bar = pg.BarGraphItem(x=[i], height=[r.wall_s], width=0.6, brush=c, pen=pg.mkPen(c.darker(130)))
            p.addItem(bar)
            label = f"{r.wall_s:.2f} s"
            if r.speedup is not None:
                label += f"\n{r.speedup:.2f}×"
            elif r.status != "done":
                label += f"\n{r.status}"
            text = pg.TextItem(label, color=plot_text_color(c.darker(150)), anchor=(0.5, 1.0))
            text.setFont(bold)
            text.setPos(i, r.wall_s)
            p.addItem(text)
            self._items += [bar, text]
            # Short names: pyqtgraph drops tick labels that would overlap.
            name = "GUI thread" if key == StepKind.GUI_THREAD else MODE_NAMES.get(key, key)
            ticks.append((i, f"{name} ×{r.workers}" if r.workers > 1 else name))
        p.getAxis("bottom").setTicks([ticks])
        p.getAxis("left").setStyle(showValues=bool(records))
        if not records:
            self.placeholder.setPos(1.0, 0.5)
            p.addItem(self.placeholder)
            self._items.append(self.placeholder)
        p.setXRange(-0.6, max(len(records), 3) - 0.4, padding=0)
        p.setYRange(0, top * 1.35, padding=0)
        self.text.setPlainText(explanation)
