"""The "Responsiveness lab" tab: four ways to make a window stutter, each beside its cure.

1. Work on the GUI thread (a real freeze) vs QThread workers / the process pool.
2. Work on a thread that the GUI thread then waits for (``future.result()``) vs signals.
3. One signal per tiny item (a flood of queued events) vs progress coalesced to ≤ 10/s.
4. Pure-Python QThreads (GIL contention: the UI stutters more with each busy thread)
   vs processes or GIL-releasing work on threads, with a live switch-interval control.

Every button asks the window's :class:`~concgui.gui.run_session.RunSession`
for a batch (:meth:`~concgui.gui.run_session.RunSession.run_steps`), so each run
lands in the results table and the export with its ``ui`` lateness stats. Each
run's step carries a tag (its card, its label, right or wrong way), and a row
comes back with it: results are matched by tag, never by order. The tab has
its own CPU and lateness plots (on one time axis); the main tab's pair shows
the same data.
"""

from __future__ import annotations

import html
import sys
from collections import deque
from typing import Callable, NamedTuple

from PySide6.QtCore import QEvent, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (QDoubleSpinBox, QFrame, QGridLayout, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QSizePolicy, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from concgui.engine.clock import now
from concgui.engine.config import RunConfig
from concgui.engine.platform_info import collect
from concgui.engine.telemetry import CpuSampler
from concgui.engine.workloads import get_workload
from concgui.gui.cards import bold_label, scroll_column
from concgui.gui.cpu_plot import CpuPlot
from concgui.gui.lateness_plot import LatenessPlot
from concgui.gui.pace import RATES, Pace
from concgui.engine.progress import ProgressSnapshot
from concgui.gui.responsiveness_text import (SWITCH_MAX_MS, SWITCH_MIN_MS, hash_work, intro_html,
                                             live_work, outcome_text, pair_html, python_work, verdict, wait_work)
from concgui.gui.result_row import ResultRow
from concgui.gui.run_bands import follow_runs
from concgui.gui.run_session import BatchDone, BatchKind, RunSession, Step
from concgui.gui.run_words import IN_WINDOW
from concgui.gui.theme import InkLabel, button_ink
from concgui.scenarios import FLOOD_ITEMS, StepKind, flood_work

#: The wrong way's and the right way's colour (their buttons' text, their result lines), as on a light
#: background; :func:`way_style` and :class:`~concgui.gui.theme.InkLabel` make them readable in either theme.
WRONG_COLOR = "#b71c1c"
RIGHT_COLOR = "#1b5e20"
#: A result line's colour by its mark (anything else: the wrong way's).
MARK_COLORS = {"✓": RIGHT_COLOR, "⚠": "#8a4b00"}
LIVE_READOUT_MS = 500
LIVE_WINDOW_S = 2.0
LIVE_SECONDS = 600.0  # a live GIL-contention run is stopped by hand long before this
MIN_SEGMENT_S = 1.0  # a switch-interval setting held this long gets a line in the log


def way_color(right: bool) -> str:
    """The text colour of a wrong-way or right-way button, readable on the theme's button colour."""
    return button_ink(RIGHT_COLOR if right else WRONG_COLOR).name()


def way_style(right: bool) -> str:
    return f"QPushButton {{ color: {way_color(right)}; font-weight: bold; }}"


class _Pair(QFrame):
    """One wrong-way / right-way card: title, explanation, buttons, measured outcome per button."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(10, 8, 10, 10)
        head = bold_label(title)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.buttons = QHBoxLayout()
        self.extra = QHBoxLayout()
        self.results = InkLabel()
        self.results.setWordWrap(True)
        self.results.setTextFormat(Qt.TextFormat.RichText)
        self.results.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.lay.addWidget(head)
        self.lay.addWidget(self.text)
        self.lay.addLayout(self.extra)
        self.lay.addLayout(self.buttons)
        self.lay.addWidget(self.results)
        self._lines: dict[str, str] = {}
        self._ways: list[tuple[QPushButton, bool]] = []

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # a new theme: the buttons' colours for it
            for b, right in self._ways:
                if b.styleSheet() != way_style(right):
                    b.setStyleSheet(way_style(right))

    def add_button(self, text: str, right: bool, slot: Callable[[], None], tip: str = "") -> QPushButton:
        b = QPushButton(("✓ " if right else "✗ ") + text)
        b.setStyleSheet(way_style(right))
        self._ways.append((b, right))
        b.setToolTip(tip)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        b.clicked.connect(slot)
        self.buttons.addWidget(b)
        return b

    def show_result(self, tag: str, mark: str, sentence: str, text: str) -> None:
        """One run's line: its measured verdict (:func:`verdict`), then its numbers."""
        color = MARK_COLORS.get(mark, WRONG_COLOR)
        self._lines[tag] = (f"<span style='color:{color}'><b>{mark} {html.escape(tag)}</b>: "
                            f"{html.escape(sentence)}</span>. {html.escape(text)}")
        self.results.setText("<br>".join(self._lines.values()))


class _Tag(NamedTuple):
    """What one of the lab's runs is: the card it belongs to, its label there, right or wrong way."""

    pair: _Pair
    label: str
    right: bool


#: The pairs' column's narrowest (it is never narrower than its content either).
COLUMN_MIN_PX = 520


class ResponsivenessLab(QWidget):
    #: The lab changed the switch interval (the status bar shows it).
    switch_interval_changed = Signal()

    def __init__(self, session: RunSession, sampler: CpuSampler) -> None:
        super().__init__()
        self.session = session
        self.info = collect()
        self._busy = False
        self._buttons: list[QPushButton] = []
        self._flood_active = False
        self._flood_total = 0
        self._live = False
        self._live_units: deque[tuple[float, float]] = deque()
        self._segment_t0 = now()

        self.cpu_plot = CpuPlot(sampler, heartbeat=session.heartbeat)
        self.lateness_plot = LatenessPlot(session.heartbeat, self.cpu_plot)

        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.work_s = QDoubleSpinBox()
        self.work_s.setRange(0.2, 8.0)
        self.work_s.setSingleStep(0.5)
        self.work_s.setValue(1.5)
        self.work_s.setSuffix(" s")
        self.work_s.setToolTip("About how long each run's work takes on one core (pairs 1, 2 and 4)")
        self.workers = QSpinBox()
        self.workers.setRange(1, 16)
        self.workers.setValue(max(2, self.info.logical_cores))
        self.workers.setToolTip("Threads or processes for the runs below")
        top = QHBoxLayout()
        top.addWidget(QLabel("Work per run"))
        top.addWidget(self.work_s)
        top.addSpacing(16)
        top.addWidget(QLabel("Workers"))
        top.addWidget(self.workers)
        top.addStretch(1)

        # 1. the GUI thread
        self.p_gui = _Pair("1. Work on the GUI thread")
        self._buttons += [
            self.p_gui.add_button("On the GUI thread", False, self._on_gui_wrong,
                                  "Pure-Python work inside a slot: the window freezes"),
            self.p_gui.add_button("QThread workers", True, self._on_gui_right_threads,
                                  "The same work on QThreads: the window keeps running (it may stutter: see 4)"),
            self.p_gui.add_button("Process pool", True, self._on_gui_right_processes,
                                  "The same work in worker processes: smooth"),
        ]
        # 2. the blocking wait
        self.p_wait = _Pair("2. A thread, and then a blocking wait")
        self._buttons += [
            self.p_wait.add_button("Thread + future.result()", False, self._on_wait_wrong,
                                   "Start the work on a thread, then wait for it in the slot"),
            self.p_wait.add_button("Thread + signals", True, self._on_wait_right,
                                   "Start the work on a thread and return; progress and the result come by signal"),
        ]
        # 3. the signal flood
        self.p_flood = _Pair("3. A signal per item")
        self.items = QSpinBox()
        self.items.setRange(1_000, 1_000_000)
        self.items.setSingleStep(50_000)
        self.items.setGroupSeparatorShown(True)
        self.items.setValue(FLOOD_ITEMS)
        self.flood_bar = QProgressBar()
        self.flood_bar.setTextVisible(False)
        self.flood_bar.setFixedHeight(12)
        self.flood_label = QLabel("–")
        self.flood_label.setMinimumWidth(170)
        self.p_flood.extra.addWidget(QLabel("Items"))
        self.p_flood.extra.addWidget(self.items)
        self.p_flood.extra.addWidget(self.flood_bar, 1)
        self.p_flood.extra.addWidget(self.flood_label)
        self._buttons += [
            self.p_flood.add_button("One signal per item", False, self._on_flood_wrong,
                                    "The worker emits a signal for every item; each updates the bar and label"),
            self.p_flood.add_button(f"Coalesced (≤ {RATES[Pace.RUN].progress_hz:g}/s)", True, self._on_flood_right,
                                    "The worker folds the items and sends the state at most "
                                    f"{RATES[Pace.RUN].progress_hz:g} times a second"),
        ]
        # 4. GIL jank
        self.p_jank = _Pair("4. Pure-Python threads and the GIL")
        self.switch_ms = QDoubleSpinBox()
        self.switch_ms.setRange(SWITCH_MIN_MS, SWITCH_MAX_MS)
        self.switch_ms.setDecimals(1)
        self.switch_ms.setSingleStep(1.0)
        self.switch_ms.setSuffix(" ms")
        self.switch_ms.setValue(sys.getswitchinterval() * 1000)
        self.switch_ms.setToolTip("sys.setswitchinterval(): how long a thread may hold the GIL while another "
                                  "waits for it. Restored when concgui quits.")
        self.live_button = QPushButton("Live: keep the threads busy")
        self.live_button.setCheckable(True)
        self.live_button.setToolTip("Run pure-Python work on the chosen number of QThreads until stopped, and "
                                    "measure UI lateness and throughput live while you change the switch interval")
        self.live_label = QLabel("–")
        self.live_label.setTextFormat(Qt.TextFormat.RichText)
        self.p_jank.extra.addWidget(QLabel("Switch interval"))
        self.p_jank.extra.addWidget(self.switch_ms)
        self.p_jank.extra.addWidget(self.live_button)
        self.p_jank.extra.addWidget(self.live_label, 1)
        self.segments = QLabel()
        self.segments.setWordWrap(True)
        self.segments.setTextFormat(Qt.TextFormat.RichText)
        self.p_jank.lay.insertWidget(3, self.segments)
        self._segment_lines: deque[str] = deque(maxlen=6)
        self._buttons += [
            self.p_jank.add_button("Pure-Python QThreads", False, self._on_jank_wrong,
                                   "cpu-python on QThreads: lateness grows with each busy thread"),
            self.p_jank.add_button("×1, ×2… threads", False, self._on_jank_sweep,
                                   "cpu-python on 1, 2, … QThreads, one run each"),
            self.p_jank.add_button("Processes", True, self._on_jank_right_processes,
                                   "The same work on processes: each has its own GIL"),
            self.p_jank.add_button("cpu-hash threads", True, self._on_jank_right_hash,
                                   "hashlib releases the GIL while it hashes: threads that leave the GUI alone"),
        ]

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 6, 0)
        ll.addWidget(self.intro)
        ll.addLayout(top)
        for p in (self.p_gui, self.p_wait, self.p_flood, self.p_jank):
            ll.addWidget(p)
        ll.addStretch(1)
        self._column = scroll = scroll_column(left, COLUMN_MIN_PX)
        self.fit_column()

        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self.cpu_plot)
        plots.addWidget(self.lateness_plot)
        plots.setChildrenCollapsible(False)
        plots_card = QFrame()
        plots_card.setObjectName("card")
        plots_card.setFrameShape(QFrame.Shape.StyledPanel)
        pl = QGridLayout(plots_card)
        pl.setContentsMargins(10, 8, 10, 10)
        pl.addWidget(plots, 0, 0)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(plots_card)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(split)

        self._live_timer = QTimer(self)
        self._live_timer.setInterval(LIVE_READOUT_MS)
        self._live_timer.timeout.connect(self._on_live_timer_timeout)
        self.switch_ms.valueChanged.connect(self._on_switch_ms_value_changed)
        self.live_button.toggled.connect(self._on_live_button_toggled)
        follow_runs(session, self.cpu_plot, self.lateness_plot)
        session.run_progressed.connect(self._on_session_run_progressed)
        session.run_measured.connect(self._on_session_run_measured)
        session.batch_finished.connect(self._on_session_batch_finished)
        session.gui_limit_changed.connect(self.explain)
        # The flood's one signal per item, the wrong way on purpose: straight from the driver to a slot.
        session.driver.item_done.connect(self._on_driver_item_done)
        self.explain()
        self.cpu_plot.start()

    # -- text -------------------------------------------------------------------------------

    @Slot()

    def fit_column(self) -> None:
        """The pairs' column never narrower than its content (its buttons in a row), so nothing in it is cut;
        called again when the font changes (presentation mode's zoom)."""
        col = self._column
        inner = col.widget()
        bar = col.verticalScrollBar().sizeHint().width()
        col.setMinimumWidth(max(COLUMN_MIN_PX, inner.minimumSizeHint().width() + bar + 2 * col.frameWidth()))
    def explain(self) -> None:
        """(Re)write every explanation from the interpreter as it is now."""
        self.info = collect()
        limit = self.session.gui_limit_s
        self.intro.setText(intro_html(self.info))
        for key, pair in ((StepKind.GUI_THREAD, self.p_gui), (StepKind.BLOCKING_WAIT, self.p_wait),
                          (StepKind.FLOOD, self.p_flood),
                          ("jank", self.p_jank)):
            pair.text.setText(pair_html(key, self.info, limit))

    # -- starting runs ------------------------------------------------------------------------

    def _run(self, pair: _Pair, runs: list[tuple[RunConfig, StepKind, str, bool]]) -> bool:
        """Run each (config, kind, label, right way?) as its own step, tagged for ``pair``."""
        steps = [Step([cfg], kind, (_Tag(pair, label, right),)) for cfg, kind, label, right in runs]
        if self.session.run_steps(BatchKind.LAB, steps) is None:
            return False
        self._busy = True
        self._set_busy(True)
        return True

    def _n(self) -> int:
        return self.workers.value()

    def _s(self) -> float:
        return self.work_s.value()

    @Slot()
    def _on_gui_wrong(self) -> None:
        self._run(self.p_gui, [(python_work("serial", 1, self._s()), StepKind.GUI_THREAD, "GUI thread", False)])

    @Slot()
    def _on_gui_right_threads(self) -> None:
        self._run(self.p_gui, [(python_work("threads", self._n(), self._s()), StepKind.NORMAL, "QThreads", True)])

    @Slot()
    def _on_gui_right_processes(self) -> None:
        self._run(self.p_gui, [(python_work("processes", self._n(), self._s()), StepKind.NORMAL, "processes", True)])

    @Slot()
    def _on_wait_wrong(self) -> None:
        self._run(self.p_wait, [(wait_work(self._s()), StepKind.BLOCKING_WAIT, "blocking wait", False)])

    @Slot()
    def _on_wait_right(self) -> None:
        self._run(self.p_wait, [(wait_work(self._s()), StepKind.NORMAL, "signals", True)])

    def _flood(self, kind: StepKind, label: str, right: bool) -> None:
        self._flood_total = self.items.value()
        self.flood_bar.setRange(0, self._flood_total)
        self.flood_bar.setValue(0)
        if self._run(self.p_flood, [(flood_work(self._flood_total), kind, label, right)]):
            self._flood_active = True

    @Slot()
    def _on_flood_wrong(self) -> None:
        self._flood(StepKind.FLOOD, "one signal per item", False)

    @Slot()
    def _on_flood_right(self) -> None:
        self._flood(StepKind.COALESCED, "coalesced", True)

    @Slot()
    def _on_jank_wrong(self) -> None:
        n = self._n()
        self._run(self.p_jank, [(python_work("threads", n, self._s()), StepKind.NORMAL, f"{n} Python threads", False)])

    @Slot()
    def _on_jank_sweep(self) -> None:
        counts = sorted({1, 2, *range(4, self._n() + 1, 2), self._n()})
        self._run(self.p_jank, [(python_work("threads", k, self._s()), StepKind.NORMAL,
                                 f"{k} Python thread{'s' if k > 1 else ''}", False) for k in counts])

    @Slot()
    def _on_jank_right_processes(self) -> None:
        n = self._n()
        self._run(self.p_jank, [(python_work("processes", n, self._s()), StepKind.NORMAL, f"{n} processes", True)])

    @Slot()
    def _on_jank_right_hash(self) -> None:
        n = self._n()
        self._run(self.p_jank, [(hash_work(n, self._s()), StepKind.NORMAL, f"{n} cpu-hash threads", True)])

    def _set_busy(self, busy: bool) -> None:
        for b in self._buttons:
            b.setEnabled(not busy)
        self.live_button.setEnabled(not busy or self._live)

    # -- the session's signals --------------------------------------------------------------------

    @Slot(object)
    def _on_session_run_measured(self, row: ResultRow) -> None:
        tag = row.tag
        if not isinstance(tag, _Tag):
            return  # not one of this lab's runs
        r = row.record
        held = r.ran_on in IN_WINDOW and self.info.gil_enabled and get_workload(r.workload).gil == "holds"
        mark, sentence = verdict(row.ui, held, sys.getswitchinterval())
        tag.pair.show_result(tag.label, mark, sentence, outcome_text(row.ui, r.wall_s, r.status))

    @Slot(object)
    def _on_session_batch_finished(self, done: BatchDone) -> None:
        if done.kind is not BatchKind.LAB or not self._busy:
            return
        self._busy = False
        self._flood_active = False
        if self._live:
            self._live = False
            self.live_button.setChecked(False)
        self._set_busy(False)

    @Slot(int)
    def _on_driver_item_done(self, done: int) -> None:
        # The wrong way, on purpose: touch two widgets for every single item.
        self.flood_bar.setValue(done)
        self.flood_label.setText(f"{done:,} / {self._flood_total:,} items")

    @Slot(object)
    def _on_session_run_progressed(self, snap: ProgressSnapshot) -> None:
        if self._flood_active:
            self.flood_bar.setValue(snap.done)
            self.flood_label.setText(f"{snap.done:,} / {self._flood_total:,} items")
        if self._live:
            self._live_units.append((snap.t, snap.fraction * snap.tasks))

    # -- the switch interval, live -------------------------------------------------------------------

    @Slot(float)
    def _on_switch_ms_value_changed(self, ms: float) -> None:
        self._close_segment()
        sys.setswitchinterval(ms / 1000.0)
        self.switch_interval_changed.emit()
        self.explain()

    def _close_segment(self) -> None:
        """Log how the previous switch interval did, if the live run held it long enough."""
        t = now()
        if self._live and t - self._segment_t0 >= MIN_SEGMENT_S:
            line = self._live_text(self._segment_t0 + 0.3, t)
            self._segment_lines.append(f"switch interval {sys.getswitchinterval() * 1000:g} ms: {line}")
            self.segments.setText("<br>".join(self._segment_lines))
        self._segment_t0 = t

    @Slot(bool)
    def _on_live_button_toggled(self, on: bool) -> None:
        if on and not self._live:
            n = self._n()
            cfg = live_work(n, LIVE_SECONDS)
            if not self._run(self.p_jank, [(cfg, StepKind.NORMAL, f"live, {n} Python threads", False)]):
                self.live_button.setChecked(False)
                return
            self._live = True
            self._live_units.clear()
            self._segment_t0 = now()
            self._set_busy(True)
            self.live_button.setText("Stop the live run")
            self._live_timer.start()
        elif not on:
            if self._live:
                self._close_segment()
                self.session.cancel()
            self._live_timer.stop()
            self.live_button.setText("Live: keep the threads busy")

    def _live_text(self, since: float, until: float) -> str:
        st = self.session.heartbeat.recorder.stats(since=since, until=until)
        pts = [(t, u) for t, u in self._live_units if since <= t <= until]
        rate = "–"
        if len(pts) >= 2 and pts[-1][0] > pts[0][0]:
            tasks_per_s = (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])
            size = live_work(1, LIVE_SECONDS).size or 0
            rate = f"{tasks_per_s * size / 1e6:.2f} M iterations/s"
        return (f"UI p50 <b>{st.heartbeat_p50_ms:.1f} ms</b>, p99 <b>{st.heartbeat_p99_ms:.1f} ms</b>; "
                f"workers <b>{rate}</b>")

    @Slot()
    def _on_live_timer_timeout(self) -> None:
        t = now()
        while self._live_units and self._live_units[0][0] < t - 60:
            self._live_units.popleft()
        since = max(self._segment_t0, t - LIVE_WINDOW_S)
        self.live_label.setText(f"last {LIVE_WINDOW_S:g} s: " + self._live_text(since, t))

    # -- plots and closing ------------------------------------------------------------------------------

    def shutdown(self) -> None:
        self._live_timer.stop()
        self.cpu_plot.stop()
