"""Progress of the current run: one overall bar and one bar per worker.

Fed with :class:`~concgui.engine.progress.ProgressSnapshot` objects (a few
to ~10 a second, from the run driver, see :mod:`concgui.gui.pace`); elapsed
time and ETA are refreshed by a slow timer of their own, so they keep moving
between snapshots.

Everything that changes during a run is a plain Qt widget of fixed size with an
opaque background: a new value then repaints that widget alone, in C++. A size
change would re-lay out the panel and a see-through widget would repaint its
parents, each a trip into Python (the GIL) for the Python-made ones.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from concgui.engine.clock import now
from concgui.engine.events import RunFinished, RunStarted
from concgui.gui.cluster_link import ClusterLink
from concgui.gui.heartbeat import Heartbeat, PeriodicCall
from concgui.gui.live_widgets import LiveBar, elastic, live_label
from concgui.engine.progress import ProgressSnapshot

CLOCK_MS = 200
MODE_TITLES = {
    "serial": "serial",
    "threads": "threads",
    "processes": "processes (pool)",
    "dask": "Dask cluster",
}


def format_duration(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(int(round(s)), 60)
    return f"{m} min {s:02d} s"


def worker_columns(n: int) -> int:
    """How many side-by-side columns of worker rows: more workers, more columns.

    Two columns from three rows on: the card holds two rows at 1366×768 and three and a
    half at 1920×1080 (the bars are long either way), so three or four rows in one column
    would be cut off behind a scroll bar on both screens.
    """
    return 1 if n <= 2 else 2 if n <= 24 else 3


class _WorkerRow:
    def __init__(self, grid: QGridLayout, row: int, col: int, placeholder: str) -> None:
        self.name = live_label(placeholder, "pid 88888888")
        self.task = live_label("waiting", "between tasks 888888")
        self.task.setStyleSheet("color: palette(mid);")
        self.bar = LiveBar(12)
        self.done = live_label("0 done", "8,888,888 done", Qt.AlignmentFlag.AlignRight)
        self.shown: tuple = ()  # (task text, bar value, done text) last shown
        self.widgets = (self.name, self.task, self.bar.widget, self.done)
        for i, w in enumerate(self.widgets):
            grid.addWidget(w, row, col * 5 + i)

    def reset(self, placeholder: str) -> None:
        self.name.setText(placeholder)
        self.task.setText("waiting")
        self.bar.set_fraction(0.0)
        self.done.setText("0 done")
        self.shown = ()


class ProgressPanel(QWidget):
    def __init__(self, parent: QWidget | None = None, heartbeat: Heartbeat | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Idle: choose a workload and press Run or Compare.")
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        elastic(self.title)
        #: A dask run's dashboard link, right of the title (hidden for every other run).
        self.cluster_link = ClusterLink()
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        title_row.addWidget(self.cluster_link)
        self.overall = LiveBar(18)
        self.percent = live_label("", "100 %", Qt.AlignmentFlag.AlignRight)
        self.counts = live_label("0 / 0 tasks", "8,888,888 / 8,888,888 tasks")
        self.elapsed = live_label("elapsed –", "elapsed 888 min 88 s")
        self.eta = live_label("ETA –", "ETA 888 min 88 s")
        top = QHBoxLayout()
        top.addWidget(self.overall.widget, 1)
        top.addWidget(self.percent)
        top.addSpacing(8)
        top.addWidget(self.counts)
        top.addWidget(self.elapsed)
        top.addWidget(self.eta)

        self._rows_widget = QWidget()
        self._grid = QGridLayout(self._rows_widget)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setHorizontalSpacing(10)
        self._grid.setVerticalSpacing(3)
        self._rows_scroll = scroll = QScrollArea()
        scroll.setWidget(self._rows_widget)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setStyleSheet("QScrollArea, QScrollArea > QWidget > QWidget { background: transparent; }")
        scroll.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        scroll.setMinimumHeight(36)  # one worker row; more scroll (small screens keep the other panels)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(title_row)
        lay.addLayout(top)
        lay.addWidget(scroll, 1)

        self._rows: list[_WorkerRow] = []
        self._per_col = 1
        self._row_of: dict[str, _WorkerRow] = {}
        self._started: RunStarted | None = None
        self._estimate_s: float | None = None
        self._wall_s: float | None = None
        self._t_end: float | None = None
        self._fraction = 0.0
        self._clock = PeriodicCall(self._on_clock_timeout, CLOCK_MS, heartbeat, self)

    # -- driven by the window ---------------------------------------------------

    def set_worker_rows_shown(self, on: bool) -> None:
        """Show a row per worker, or only the overall bar (presentation mode: the timeline has a lane each)."""
        self._rows_scroll.setVisible(on)

    def set_clock_ms(self, ms: int) -> None:
        """Update elapsed time and ETA every ``ms`` (see :mod:`concgui.gui.pace`)."""
        self._clock.set_interval(ms)

    def prepare(self, workers: int) -> bool:
        """Make the rows for a run of ``workers`` before it starts (a new row re-lays out the panel).

        True if the rows changed (the window then lets the layout settle before starting).
        """
        if len(self._rows) != workers:
            self._set_rows(workers)
            return True
        if self._row_of:  # the same rows, again: new texts, no new layout
            self._row_of = {}
            for i, row in enumerate(self._rows):
                row.reset(f"worker {i + 1}")
        return False

    def begin(self, started: RunStarted, title: str | None = None, estimate_s: float | None = None) -> None:
        """A run started; ``estimate_s`` (from the workload's unit cost) stands in for the ETA until progress
        gives a real one."""
        self._started = started
        self._estimate_s = estimate_s
        self._wall_s: float | None = None
        self._t_end = None
        self._fraction = 0.0
        mode = MODE_TITLES.get(started.mode, started.mode)
        self.title.setText(title or f"Running {started.workload}: {mode}, {started.workers} worker(s)")
        self.overall.set_fraction(0.0)
        self.percent.setText("0 %")
        self.counts.setText(f"0 / {started.tasks:,} tasks")
        self.cluster_link.begin(started)
        self.prepare(started.workers * started.threads_per_worker)  # a Dask worker's threads: a row each
        self._on_clock_timeout()
        self._clock.start()

    def update_snapshot(self, snap: ProgressSnapshot) -> None:
        if self._started is None or snap.run_id != self._started.run_id:
            return
        self._fraction = snap.fraction
        self.overall.set_fraction(self._fraction)
        self.percent.setText(f"{self._fraction:.0%}")
        self.counts.setText(f"{snap.done:,} / {snap.tasks:,} tasks")
        for w in snap.workers:
            row = self._row_of.get(w.name)
            if row is None:
                if len(self._row_of) >= len(self._rows):
                    self._add_row(f"worker {len(self._rows) + 1}")
                row = self._rows[len(self._row_of)]
                self._row_of[w.name] = row
                row.name.setText(w.name)
            shown = ("between tasks" if w.task_id is None else f"task {w.task_id}",
                     w.fraction if w.task_id is not None else 0.0, f"{w.tasks_done:,} done")
            if shown != row.shown:  # only what changed: each call is a trip into Qt
                task, value, done = row.shown = shown
                row.task.setText(task)
                row.bar.set_fraction(value)
                row.done.setText(done)

    def end(self, finished: RunFinished) -> None:
        self._clock.stop()
        self._t_end = finished.t
        self._wall_s = finished.wall_s  # the run's own time, as the title and the table give it
        self.cluster_link.end()
        self._on_clock_timeout()
        status = finished.status.value
        base = self.title.text().replace("Running ", "", 1)
        self.title.setText(f"{status.capitalize()}: {base} in {format_duration(finished.wall_s)}")
        self.eta.setText("ETA –")
        for row in self._row_of.values():
            row.task.setText("finished" if status == "done" else status)
            if status == "done":
                row.bar.set_fraction(1.0)

    def reset(self, message: str) -> None:
        """Back to idle (e.g. a run could not start)."""
        self._clock.stop()
        self.title.setText(message)
        self.cluster_link.reset()

    @property
    def fraction(self) -> float:
        return self._fraction

    # -- internals ----------------------------------------------------------------

    def _set_rows(self, n: int) -> None:
        for row in self._rows:
            for w in row.widgets:
                self._grid.removeWidget(w)
                w.deleteLater()
        self._rows, self._row_of = [], {}
        cols = worker_columns(n)
        self._per_col = -(-n // cols)
        for c in range(3):
            self._grid.setColumnStretch(c * 5 + 2, 1 if c < cols else 0)
            self._grid.setColumnMinimumWidth(c * 5 + 4, 24 if c < cols - 1 else 0)  # gap between columns
        for i in range(n):
            self._add_row(f"worker {i + 1}")

    def _add_row(self, placeholder: str) -> None:
        i = len(self._rows)
        col, row = divmod(i, self._per_col) if i < 3 * self._per_col else (0, i)
        self._rows.append(_WorkerRow(self._grid, row, col, placeholder))

    @Slot()
    def _on_clock_timeout(self) -> None:
        s = self._started
        if s is None:
            return
        t = self._t_end if self._t_end is not None else now()
        elapsed = max(0.0, t - s.t)
        if self._t_end is not None and self._wall_s is not None:
            elapsed = self._wall_s  # not counting a pool's start-up: what the title and the table say
        self.elapsed.setText(f"elapsed {format_duration(elapsed)}")
        f = self._fraction
        if self._t_end is None and 0.02 <= f < 1.0 and elapsed > 0.3:
            self.eta.setText(f"ETA {format_duration(elapsed * (1 - f) / f)}")
        elif self._t_end is None and self._estimate_s is not None:
            self.eta.setText(f"ETA ~{format_duration(max(0.0, self._estimate_s - elapsed))}")
        elif self._t_end is None:
            self.eta.setText("ETA …")
