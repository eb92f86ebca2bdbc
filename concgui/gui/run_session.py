"""Where a run's life is kept: the session's batches, their steps, runs, result rows and lateness.

A *batch* is what one click asks for (Run, Compare, Scale, a scenario, a lab
button): a list of *steps*, each one or more configs run the same way (a
:class:`~concgui.scenarios.StepKind`: on the run driver, or one of the wrong
ways on purpose). :class:`RunSession` is the model the window and its views
observe; nothing else keeps run state:

1. :meth:`RunSession.run_steps` checks every config (:meth:`RunConfig.validate`,
   the one judge of input) and starts the batch, or says why not
   (``refused``).
2. Each step is *prepared*: the session picks its :class:`~concgui.gui.pace.Pace`
   before it starts (``pace_changed``), then waits one short settle, so the
   relayout happens before the run's threads want this process's GIL.
3. The step *runs*, on the run driver, or on the GUI thread itself for the
   blocking kinds. ``run_started``, ``run_progressed`` and ``run_finished``
   tell the views; each finished run becomes a :class:`ResultRow`.
4. The session *settles*: it waits until the heartbeat tick that ends a
   freeze has fired, then *measures* each run's lateness (the ticks that
   waited during it) and replaces its row (``run_measured``).
5. After a short *gap* (so the runs' bands stand apart) the next step is
   prepared, or the batch is done (``batch_done``, once, with every run).

All the waiting between phases is one timer (:attr:`phase` says which wait it
is), never a chain of ad-hoc single shots.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from concgui.engine.clock import now
from concgui.engine.compare import RunRecord, find_baseline, make_record
from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.events import RunFinished, RunStarted
from concgui.engine.lanes import LaneSampler
from concgui.engine.latency import frames_missed
from concgui.engine.repeats import interleave, summarize
from concgui.gui.heartbeat import Heartbeat
from concgui.gui.pace import RATES, Pace, pace_for
from concgui.gui.result_row import ResultRow, UiStats
from concgui.gui.results_table import ResultsModel
from concgui.gui.run_driver import BatchOutcome, RunDriver
from concgui.gui.run_words import ran_on_in_window, workers_word
from concgui.scenarios import StepKind

#: A run on the GUI thread cannot be cancelled by hand (nothing can be clicked), so it is stopped after
#: this long to give the window back (the default of the "GUI-thread cap" setting; a blocking wait too).
GUI_THREAD_LIMIT_S = 10.0
#: After a step, wait this long before reading its lateness stats: the tick that ends a freeze fires
#: only once the GUI thread is back in its event loop.
UI_SETTLE_MS = 120
#: Pause between the steps of a batch (settle included), so their bands stand apart.
STEP_GAP_MS = 300
#: Before a step: let the window lay itself out at its new pace, and paint (a blocking step's
#: "running" state, before the GUI thread is blocked on purpose).
PREPARE_MS = 30
#: The heartbeat starts this long after start-up work (first paints, the lane probe's start):
#: start-up is not a freeze any run should be charged with.
STARTUP_SETTLE_MS = 300


class BatchKind(str, enum.Enum):
    """What asked for a batch; it decides what the window shows when the batch is done."""

    RUN = "run"
    COMPARE = "compare"
    SCALE = "scale"
    SCENARIO = "scenario"
    LAB = "lab"
    LESSON = "lesson"  # a lesson's step (the lesson panel judges it)
    BENCH = "bench"  # the benchmarks drive the window


class Phase(enum.Enum):
    """Which wait the session is in (its one timer's purpose)."""

    IDLE = "idle"
    PREPARING = "preparing"  # pace set; the step starts when the timer fires
    RUNNING = "running"  # the driver (or the GUI thread) runs the step
    SETTLING = "settling"  # the step ended; its lateness is read when the timer fires
    GAP = "gap"  # measured; the next step is prepared when the timer fires


class Step(NamedTuple):
    """Configs run one after the other in one go, all the same way.

    ``tags``, one per config, come back on each run's row (:attr:`ResultRow.tag`),
    so whoever asked knows which row is which, whatever else ran.
    """

    configs: Sequence[RunConfig]
    kind: StepKind | str = StepKind.NORMAL
    tags: tuple[Any, ...] = ()
    #: Warm the pool and host up first, untimed (a repeated comparison: round one costs what later ones don't).
    warm_up: bool = False


class Repeat(NamedTuple):
    """The tag of one run of a repeated comparison: its round, its config's index, and how many rounds."""

    round: int
    index: int
    of: int


def repeated_step(configs: Sequence[RunConfig], repeats: int) -> Step:
    """One step that runs ``configs`` in ``repeats`` interleaved rounds (S T P S T P …), each run tagged."""
    order = interleave(list(configs), repeats)
    return Step([cfg for _, _, cfg in order], StepKind.NORMAL, tuple(Repeat(r, i, repeats) for r, i, _ in order),
                warm_up=True)


def records_of(rows: Sequence[ResultRow]) -> list[RunRecord]:
    """The comparable records of a batch's rows: a repeated comparison's samples folded into medians."""
    tagged = [(row.tag.index, row.record) for row in rows if isinstance(row.tag, Repeat)]
    if not tagged:
        return [row.record for row in rows]
    return summarize(tagged)


@dataclass
class Batch:
    """A batch in progress: what was asked, and what it has made so far."""

    kind: BatchKind
    steps: deque[Step]
    requested: int
    step: Step | None = None  # the step running now
    step_runs: int = 0  # runs of that step finished so far
    rows: list[ResultRow] = field(default_factory=list)
    runs: list[tuple[RunStarted, RunFinished]] = field(default_factory=list)
    #: (row, t0, t1) of finished runs waiting for their lateness
    unmeasured: list[tuple[ResultRow, float, float]] = field(default_factory=list)
    #: Cancel was asked for: no further step starts (also when it came between two steps).
    cancel_asked: bool = False

    @property
    def step_kind(self) -> StepKind:
        return StepKind(self.step.kind) if self.step is not None else StepKind.NORMAL

    @property
    def next_tag(self) -> Any:
        """The tag of the run of this step that starts next (or runs now), if the step has tags."""
        if self.step is None or self.step_runs >= len(self.step.tags):
            return None
        return self.step.tags[self.step_runs]

    def seconds_left(self) -> float | None:
        """A repeated step's time still to run, from the walls its first round took (None: not known yet)."""
        if self.step is None or not self.step.tags or not isinstance(self.step.tags[0], Repeat):
            return None
        walls = {row.tag.index: row.record.wall_s for row in self.rows if isinstance(row.tag, Repeat)}
        todo = [t for t in self.step.tags[self.step_runs:] if isinstance(t, Repeat)]
        if any(t.index not in walls for t in todo):
            return None
        return sum(walls[t.index] for t in todo)


@dataclass(frozen=True)
class RunDone:
    """A run ended: its row (lateness not measured yet), its first and last events, and when the GUI caught up."""

    row: ResultRow
    started: RunStarted
    finished: RunFinished
    #: When the window handled the end (after a flood's last queued signal): a band's real right edge.
    t_end: float


@dataclass(frozen=True)
class BatchDone:
    """A batch ended: what was asked, the rows it made, and how it ended."""

    kind: BatchKind
    rows: tuple[ResultRow, ...]
    outcome: BatchOutcome
    #: The kind of the step that ran last (a blocking one that was stopped gets its own message).
    last_kind: StepKind


class RunSession(QObject):
    """The model of a window's runs. Drive it with :meth:`run_steps` and :meth:`cancel`; observe its signals."""

    #: A batch was accepted and its first step is being prepared: the Batch.
    batch_started = Signal(object)
    #: The pace for the step about to start (or IDLE after a batch): views redraw at it (a Pace).
    pace_changed = Signal(object)
    #: A step is about to start, at the pace just set: the Step (a blocking one takes the GUI thread
    #: after one paint: say so before the window freezes).
    step_preparing = Signal(object)
    #: A run started: (RunStarted, StepKind of its step).
    run_started = Signal(object, object)
    #: A run's progress (a ProgressSnapshot), by signal or taken on a heartbeat tick at the GIL pace.
    run_progressed = Signal(object)
    #: A run ended: a RunDone. Its row is in :attr:`results` already.
    run_finished = Signal(object)
    #: A run's row got its lateness stats: the new ResultRow (it replaced the old one in :attr:`results`).
    run_measured = Signal(object)
    #: A batch ended: the BatchDone, then ``batch_done`` with its BatchOutcome (every run of every step).
    batch_finished = Signal(object)
    batch_done = Signal(object)
    #: A batch was refused (bad input): one sentence a person can act on.
    refused = Signal(str)
    #: The event loop was stuck: (seconds, frames missed).
    ui_froze = Signal(float, int)
    #: The cap on blocking the GUI thread changed (seconds).
    gui_limit_changed = Signal(float)

    def __init__(self, gil_enabled: bool, driver: RunDriver | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gil_enabled = gil_enabled
        self.driver = driver if driver is not None else RunDriver(parent=self)
        self.heartbeat = Heartbeat(parent=self)
        #: The GIL lane: each worker thread's CPU time, sampled from a helper process (started just after
        #: the window, off its first paint: it takes a few hundred ms to be ready when cores are busy).
        self.lanes = LaneSampler()
        self.driver.set_lane_sampler(self.lanes)
        self.results = ResultsModel(self)
        self.gui_limit_s = GUI_THREAD_LIMIT_S
        #: Go to the GIL pace during runs whose threads hold this process's GIL (False: draw the
        #: full plots anyway, and stutter; the benchmarks' diagnostic).
        self.pause_plots_under_gil = True
        self.pace = Pace.IDLE
        self.phase = Phase.IDLE
        self._batch: Batch | None = None
        self._outcome: BatchOutcome | None = None  # the driver's outcome of the step that is settling
        self._closed = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer_timeout)

        self.driver.run_started.connect(self._on_driver_run_started)
        # Signal to signal: Qt relays each snapshot without a trip into Python (and a wait for the GIL).
        self.driver.progressed.connect(self.run_progressed)
        self.driver.run_finished.connect(self._on_driver_run_finished)
        self.driver.batch_finished.connect(self._on_driver_batch_finished)
        self.heartbeat.froze.connect(self._on_heartbeat_froze)
        # At the GIL pace the driver keeps its snapshots and this tick job takes them.
        self._progress_job = self.heartbeat.every(None, lambda _t: self._take_progress())

    # -- state ---------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._batch is not None

    @property
    def batch(self) -> Batch | None:
        """The batch in progress, or None."""
        return self._batch

    def set_gui_limit(self, seconds: float) -> None:
        self.gui_limit_s = seconds
        self.gui_limit_changed.emit(seconds)

    # -- start-up ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the lane probe now and the heartbeat once start-up has settled (call once the window shows)."""
        if not self._closed:
            self.lanes.start()
            QTimer.singleShot(STARTUP_SETTLE_MS, self, self._on_startup_settled_timeout)

    @Slot()
    def _on_startup_settled_timeout(self) -> None:
        if not self._closed and not self.heartbeat.active:
            self.heartbeat.start()

    # -- driving -------------------------------------------------------------------------------

    def run_steps(self, kind: BatchKind | str, steps: Sequence[Step | tuple]) -> Batch | None:
        """Run ``steps`` one after the other, each its own way; the Batch, or None if nothing started.

        ``batch_done`` is emitted once, after the last step (or the first that
        did not finish), with every run of every step.
        """
        steps = [s if isinstance(s, Step) else Step(*s) for s in steps]
        configs = [cfg for s in steps for cfg in s.configs]
        if self._batch is not None or self._closed or not steps:
            return None
        try:
            for cfg in configs:
                cfg.validate()
        except ConfigError as exc:
            self.refused.emit(f"Cannot run: {exc}.")
            return None
        self._batch = batch = Batch(BatchKind(kind), deque(steps), len(configs))
        self.lanes.start()  # no-op once started (normally just after the window opened)
        if not self.heartbeat.active:  # a run asked for before start-up settled: measure it all the same
            self.heartbeat.start()
        self.batch_started.emit(batch)
        self._prepare_next_step()
        return batch

    def cancel(self) -> None:
        if self._batch is not None:
            # Between steps (preparing one, or the gap after one) the driver runs nothing, so it would not
            # hear this: the batch remembers it, and no further step starts.
            self._batch.cancel_asked = True
            self.driver.cancel()

    def _wait(self, phase: Phase, ms: int) -> None:
        self.phase = phase
        self._timer.start(ms)

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._closed or self._batch is None:
            return
        if self.phase in (Phase.PREPARING, Phase.GAP) and self._batch.cancel_asked:
            b = self._batch
            self._finish(b, BatchOutcome(tuple(b.runs), b.requested, None, None, cancel_requested=True))
        elif self.phase is Phase.PREPARING:
            self._run_step()
        elif self.phase is Phase.SETTLING:
            self._after_step()
        elif self.phase is Phase.GAP:
            self._prepare_next_step()

    def _prepare_next_step(self) -> None:
        b = self._batch
        assert b is not None
        b.step = step = b.steps.popleft()
        b.step_runs = 0
        kind = b.step_kind
        pace = Pace.RUN if kind.blocks_gui else pace_for(list(step.configs), self._gil_enabled)
        changed = pace is not self.pace
        self.set_pace(pace)
        self.step_preparing.emit(step)
        # Before the run, and one event-loop turn ahead of it: a relayout while our own threads hold the
        # GIL would be many waits for it; a blocking step lets the window paint "running" first.
        if changed or kind.blocks_gui or pace is Pace.GIL:
            self._wait(Phase.PREPARING, PREPARE_MS)
        else:
            self._run_step()

    def _run_step(self) -> None:
        b = self._batch
        assert b is not None and b.step is not None
        self.phase = Phase.RUNNING
        configs, kind = list(b.step.configs), b.step_kind
        if kind is StepKind.GUI_THREAD:
            self.driver.run_here(configs[0], self.gui_limit_s)
        elif kind is StepKind.BLOCKING_WAIT:
            self.driver.run_blocking_wait(configs[0], self.gui_limit_s)
        else:
            self.driver.start(configs, flood=kind is StepKind.FLOOD, warm=b.step.warm_up)

    def set_pace(self, pace: Pace) -> None:
        """Run the driver, the lanes and the progress job at ``pace`` (see :mod:`concgui.gui.pace`); tell the views."""
        if pace is Pace.GIL and not self.pause_plots_under_gil:
            pace = Pace.RUN
        self.pace = pace
        rates = RATES[pace]
        self.driver.set_progress_hz(rates.progress_hz)
        # At the GIL pace the driver keeps its snapshots and a tick job takes them: no queued
        # signal, so no extra trip into Python (and wait for the GIL) per snapshot.
        self.driver.set_pull(pace is Pace.GIL)
        self._progress_job.set_period(1.0 / rates.progress_hz if pace is Pace.GIL else None)
        self.driver.runner.drain_s = rates.drain_s  # read by the driver thread when a threads run starts
        self.lanes.set_send_every(rates.lanes_send_s)
        self.pace_changed.emit(pace)

    # -- the driver's signals ------------------------------------------------------------------

    def _step_kind(self) -> StepKind:
        return self._batch.step_kind if self._batch is not None else StepKind.NORMAL

    @Slot(object)
    def _on_driver_run_started(self, started: RunStarted) -> None:
        self.run_started.emit(started, self._step_kind())

    def _take_progress(self) -> None:
        """Hand on the snapshots the driver kept (the GIL pace), as if they had come by signal."""
        for snap in self.driver.take_pending():
            self.run_progressed.emit(snap)

    @Slot(object, object)
    def _on_driver_run_finished(self, started: RunStarted, finished: RunFinished) -> None:
        self._take_progress()  # the run's last snapshots, if the driver kept them
        t_end = now()  # a flood's run_finished arrives only after every queued item signal
        b = self._batch
        kind = self._step_kind()
        record = make_record(started, finished, find_baseline(self.results.records, started),
                             ran_on_override=ran_on_in_window(started, kind))
        flood = self.driver.flood if kind is StepKind.FLOOD else None
        # How long after the work ended its last signal was handled here: a flood's backlog, or
        # (coalesced, the flood's right way) the few ms a queued signal takes.
        caught_up_ms = round(max(0.0, t_end - finished.t) * 1000, 1)
        if flood is not None:
            ui = UiStats(kind.value, record.ran_on, workers_word(started), flood.emitted, flood.peak_backlog,
                         caught_up_ms)
        else:
            ui = UiStats(kind.value, record.ran_on, workers_word(started), self.driver.signals_sent(started.run_id),
                         drain_ms=caught_up_ms if kind is StepKind.COALESCED else None)
        tag = None
        if b is not None and b.step is not None:
            tag = b.step.tags[b.step_runs] if b.step_runs < len(b.step.tags) else None
            b.step_runs += 1
        row = ResultRow(record, ui, tag)
        self.results.add(row)
        if b is not None:
            b.rows.append(row)
            # A flood's queued signals are its own doing until the last is handled; other runs end with their work.
            b.unmeasured.append((row, started.t, t_end if kind is StepKind.FLOOD else finished.t))
        self.run_finished.emit(RunDone(row, started, finished, t_end))

    @Slot(object)
    def _on_driver_batch_finished(self, outcome: BatchOutcome) -> None:
        b = self._batch
        if b is None or self._closed:
            return
        b.runs.extend(outcome.runs)
        self._outcome = outcome
        self._wait(Phase.SETTLING, UI_SETTLE_MS)

    def _after_step(self) -> None:
        b = self._batch
        assert b is not None
        self._measure(b)
        outcome = self._outcome
        assert outcome is not None
        if b.steps and outcome.ok and not b.cancel_asked:
            self._wait(Phase.GAP, STEP_GAP_MS - UI_SETTLE_MS)
            return
        if len(b.runs) != len(outcome.runs) or b.requested != outcome.requested:
            outcome = BatchOutcome(tuple(b.runs), b.requested, outcome.error, outcome.details,
                                   outcome.cancel_requested or b.cancel_asked)
        self._finish(b, outcome)

    def _measure(self, b: Batch) -> None:
        """Fill in each finished run's lateness: the heartbeat ticks that waited during it.

        So a freeze belongs to the run it happened in, whenever the stuck loop
        got to run the tick that measured it (see
        :meth:`~concgui.engine.latency.LatenessRecorder.stats_during`).
        """
        for row, t0, t1 in b.unmeasured:
            new = row.measured(self.heartbeat.recorder.stats_during(t0, t1))
            self.results.replace(row, new)
            b.rows[b.rows.index(row)] = new
            self.run_measured.emit(new)
        b.unmeasured.clear()

    def _finish(self, b: Batch, outcome: BatchOutcome) -> None:
        self._batch = None
        self.phase = Phase.IDLE
        self.set_pace(Pace.IDLE)
        self.batch_finished.emit(BatchDone(b.kind, tuple(b.rows), outcome, b.step_kind))
        self.batch_done.emit(outcome)

    @Slot(float, float)
    def _on_heartbeat_froze(self, late_s: float, _t: float) -> None:
        self.ui_froze.emit(late_s, frames_missed(late_s))

    # -- closing -------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel any run; stop the timer, the heartbeat, the driver (its thread, host and pool) and the lanes."""
        if self._closed:
            return
        self._closed = True
        self._timer.stop()
        self.heartbeat.stop()
        self.driver.shutdown()
        self.lanes.stop()
        self._batch = None

    @property
    def closed(self) -> bool:
        return self._closed

