"""Drive engine runs off the GUI thread: the run adapter over :class:`~concgui.gui.qt_worker.QtWorker`.

:class:`RunDriver` lives on the GUI thread and owns a QThread ("run-driver",
made by :mod:`concgui.gui.qt_worker`) with a :class:`_RunWorker` on it. ``start(configs)`` hands a batch of configs
to that worker by a queued signal and returns at once; the worker calls
:meth:`Runner.run <concgui.engine.runner.Runner.run>` for each config in turn,
on its own thread, and turns the engine's event stream into four signals:

- ``run_started(RunStarted)`` once per run,
- ``progressed(ProgressSnapshot)`` *coalesced*: every event is folded into a
  :class:`~concgui.engine.progress.ProgressTracker` on the driver thread,
  and a snapshot is emitted at most ``progress_hz`` times a second (plus
  one at the start and one at the end of each run), never one signal per event.
  Each snapshot also carries, in ``spans``, the task spans (who ran what,
  when) that a :class:`~concgui.engine.timeline.SpanCollector` folded since
  the previous one: in the same signal, because every signal a busy run sends
  makes the GUI thread wait for the GIL once more,
- ``run_finished(RunStarted, RunFinished)`` once per run,
- ``batch_finished(BatchOutcome)`` once per batch, always, even if a run could
  not start (bad input, a crashed pool).

The GUI thread never waits on the driver: cancelling sets a
``threading.Event`` that the engine polls. Only ``shutdown`` (on close)
waits, with a bound (the rule of :class:`~concgui.gui.qt_worker.QtWorker`).

:meth:`run_here` runs one config on the *calling* (GUI) thread with the very
same signals, for the "Serial (GUI thread)" mode whose point is that the
window freezes.

Two more wrong ways, on purpose, for the responsiveness lab:

- :meth:`run_blocking_wait` starts the run on a thread and then *waits* for
  it on the calling thread (``future.result()``): the work is on a thread,
  yet the window freezes just the same, and every signal it sent arrives at
  once afterwards.
- ``start(configs, flood=True)`` also emits ``item_done`` once per finished
  task, uncoalesced (the classic "one signal per item" mistake), counting
  emitted and delivered signals in a :class:`FloodMeter` so the backlog of
  queued events can be measured.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Iterator

from PySide6.QtCore import QObject, Signal, Slot

from concgui.engine.config import ConfigError, RunConfig, Where
from concgui.engine.events import Event, RunFinished, RunStarted, RunStatus, TasksFinished
from concgui.engine.lanes import LaneSampler
from concgui.engine.runner import Runner
from concgui.engine.timeline import SpanCollector
from concgui.engine.worker import error_line, format_error
from concgui.engine.progress import ProgressTracker
from concgui.gui.qt_worker import QtWorker, RateLimit, qthread_factory

PROGRESS_HZ = 10.0  # the window sets it per pace (concgui.gui.pace)


@dataclass(frozen=True)
class BatchOutcome:
    """What became of a batch: the runs that happened, and why it stopped early."""

    runs: tuple[tuple[RunStarted, RunFinished], ...]
    requested: int
    error: str | None = None  # a run could not start or crashed outside its tasks
    details: str | None = None
    #: Cancel was asked for (perhaps before any run began: during a warm-up).
    cancel_requested: bool = False

    @property
    def cancelled(self) -> bool:
        return self.cancel_requested or any(f.status is RunStatus.CANCELLED for _, f in self.runs)

    @property
    def failed(self) -> bool:
        return self.error is not None or any(f.status is RunStatus.FAILED for _, f in self.runs)

    @property
    def ok(self) -> bool:
        return (self.error is None and len(self.runs) == self.requested
                and all(f.status is RunStatus.DONE for _, f in self.runs))


class FloodMeter:
    """Counts a flood's signals: emitted on the worker's thread, delivered on the GUI thread.

    ``emitted - delivered`` is the backlog: signals queued in the GUI thread's
    event queue, each waiting for the event loop to call its slot. The peak is
    taken at every emit. Plain ints shared between two threads (each written by
    one thread only; the GIL makes each read and write whole).
    """

    def __init__(self) -> None:
        self.emitted = 0
        self.delivered = 0
        self.peak_backlog = 0

    def on_emit(self) -> None:
        self.emitted += 1
        backlog = self.emitted - self.delivered
        if backlog > self.peak_backlog:
            self.peak_backlog = backlog

    def on_delivered(self) -> None:
        self.delivered += 1

    @property
    def backlog(self) -> int:
        return self.emitted - self.delivered


class _Coalescer:
    """The ``on_event`` of one run: folds events, emits snapshots at a bounded rate.

    Its Python work is O(events), and events are folds (the engine reports
    finished tasks in :class:`~concgui.engine.events.TasksFinished` records,
    arrays): never a loop over tasks, which on this QThread would take the GIL
    from the GUI thread once per task. The one exception is the lesson: with a
    ``flood`` meter it unfolds each fold and emits ``item_done`` for *every*
    finished task, the wrong way on purpose.
    """

    def __init__(self, worker: "_RunWorker", flood: FloodMeter | None = None) -> None:
        self._worker = worker
        self._tracker = ProgressTracker()
        self._spans = SpanCollector()
        self._rate = RateLimit(worker.progress_interval_s)
        self._flood = flood
        self._done = 0
        self.signals = 0  # progress signals sent to the GUI (the flood's item_done not counted)
        self.started: RunStarted | None = None

    def __call__(self, ev: Event) -> None:
        self._tracker.apply(ev)
        self._spans.apply(ev)
        lanes = self._worker.lanes
        if lanes is not None:
            lanes.observe(ev)  # at once, on this thread: a worker's CPU is sampled from its first task
        if self._flood is not None and isinstance(ev, TasksFinished):
            for _ in range(len(ev)):  # the wrong way, on purpose: one signal per item
                self._done += 1
                self._flood.on_emit()
                self._worker.item_done.emit(self._done)
        if isinstance(ev, RunStarted):
            self.started = ev
            self._worker.run_started.emit(ev)
        elif not isinstance(ev, RunFinished) and not self._rate.due():
            return
        self._rate.mark()
        self.signals += 1
        snap = self._tracker.snapshot()
        batch = self._spans.drain()
        if batch is not None and snap is not None:
            snap = replace(snap, spans=batch)
        if self._worker.pull:
            self._worker.pending.append(snap)  # taken by the GUI thread on its own tick
        else:
            self._worker.progressed.emit(snap)


class _RunWorker(QObject):
    """Runs batches of configs on whichever thread it lives on."""

    run_started = Signal(object)
    progressed = Signal(object)
    run_finished = Signal(object, object)
    batch_finished = Signal(object)
    item_done = Signal(int)  # flood runs only: one per finished task

    def __init__(self, runner: Runner, progress_hz: float) -> None:
        super().__init__()
        self.runner = runner
        self.lanes: LaneSampler | None = None
        self.progress_interval_s = 1.0 / progress_hz
        #: Progress signals each run sent (run_id -> count), written before run_finished.
        self.signal_counts: dict[int, int] = {}
        #: Keep snapshots in :attr:`pending` instead of emitting ``progressed`` (see RunDriver.set_pull).
        self.pull = False
        self.pending: deque = deque()

    @Slot(object)
    def run_batch(self, request: tuple) -> None:
        configs, cancel = request[0], request[1]
        flood = request[2] if len(request) > 2 else None
        warm = request[3] if len(request) > 3 else False
        try:
            if warm:
                warm_up(self.runner, configs, cancel)
            outcome = self._execute(configs, cancel, flood)
        except BaseException as exc:  # never leave the GUI waiting for a batch_finished
            outcome = BatchOutcome((), len(configs), error_line(exc), format_error(exc))
        if cancel.is_set() and not outcome.cancel_requested:
            outcome = replace(outcome, cancel_requested=True)
        self.batch_finished.emit(outcome)

    def _execute(self, configs: list[RunConfig], cancel: threading.Event,
                 flood: FloodMeter | None = None) -> BatchOutcome:
        runs: list[tuple[RunStarted, RunFinished]] = []
        for cfg in configs:
            if cancel.is_set():
                break
            sink = _Coalescer(self, flood)
            try:
                fin = self.runner.run(cfg, sink, cancel)
            except ConfigError as exc:
                return BatchOutcome(tuple(runs), len(configs), str(exc))
            except Exception as exc:
                return BatchOutcome(tuple(runs), len(configs), error_line(exc), format_error(exc))
            assert sink.started is not None
            self.signal_counts[sink.started.run_id] = sink.signals
            runs.append((sink.started, fin))
            self.run_finished.emit(sink.started, fin)
            if fin.status is not RunStatus.DONE:
                break
        return BatchOutcome(tuple(runs), len(configs))


class RunDriver(QtWorker):
    """Starts batches of runs off the GUI thread and relays their signals."""

    run_started = Signal(object)  # RunStarted
    progressed = Signal(object)  # ProgressSnapshot
    run_finished = Signal(object, object)  # RunStarted, RunFinished
    batch_finished = Signal(object)  # BatchOutcome
    item_done = Signal(int)  # flood runs only: tasks done so far, once per finished task

    def __init__(self, runner: Runner | None = None, progress_hz: float = PROGRESS_HZ,
                 parent: QObject | None = None) -> None:
        super().__init__("run driver", python_name="run-driver", parent=parent)
        # Serial and thread runs go to the worker host unless their config says "here" (the lessons).
        self.runner = runner if runner is not None else Runner(thread_factory=qthread_factory,
                                                                default_where=Where.HOST)
        #: The meter of the latest flood run (None before the first).
        self.flood: FloodMeter | None = None

        self._worker = _RunWorker(self.runner, progress_hz)
        self._here = _RunWorker(self.runner, progress_hz)  # runs on the GUI thread (run_here)
        for w in (self._worker, self._here):
            w.run_started.connect(self.run_started)
            w.progressed.connect(self.progressed)
            w.run_finished.connect(self.run_finished)
            w.batch_finished.connect(self._on_worker_batch_finished)
            w.item_done.connect(self._on_worker_item_done)
        self._start_thread(self._worker, self._worker.run_batch)

    def set_progress_hz(self, hz: float) -> None:
        """At most ``hz`` progress signals a second from now on (plus one at each run's start and end).

        Each signal is one trip into Python on the GUI thread; while threads of
        this process hold its GIL, each trip waits for it.
        """
        self._worker.progress_interval_s = self._here.progress_interval_s = 1.0 / hz

    def set_pull(self, pull: bool) -> None:
        """Keep progress snapshots for :meth:`take_pending` instead of signalling each one.

        The GUI thread then takes them from a tick it runs anyway: at the GIL
        pace a queued signal would be one more wait for the GIL per snapshot.
        """
        self._worker.pull = self._here.pull = pull

    def take_pending(self) -> list:
        """The snapshots kept since the last call, oldest first (call on the GUI thread)."""
        out = []
        for w in (self._worker, self._here):
            while w.pending:
                out.append(w.pending.popleft())
        return out

    def set_lane_sampler(self, lanes: LaneSampler | None) -> None:
        """Sample each worker thread's CPU time (the GIL lane) with ``lanes`` during runs."""
        self._worker.lanes = self._here.lanes = lanes

    def signals_sent(self, run_id: int) -> int | None:
        """How many progress signals run ``run_id`` sent the GUI (None if unknown)."""
        return self._worker.signal_counts.get(run_id, self._here.signal_counts.get(run_id))

    def start(self, configs: list[RunConfig], flood: bool = False, warm: bool = False) -> None:
        """Run ``configs`` one after the other on the driver thread; returns at once.

        ``flood``: also emit ``item_done`` once per finished task (the wrong way,
        for the lab), measured by a fresh :attr:`flood` meter. ``warm``: first
        warm up the pool and host each config needs (:func:`warm_up`).
        """
        cancel = self._begin()
        self.flood = FloodMeter() if flood else None
        self._request((list(configs), cancel, self.flood, warm))

    def run_here(self, config: RunConfig, time_limit_s: float | None = None) -> None:
        """Run ``config`` on the calling thread; returns when it has finished.

        On the GUI thread nothing can be clicked meanwhile, Cancel included, so
        ``time_limit_s`` cancels the run after that long (from a timer thread).
        """
        cancel = self._begin()
        with _time_limit(cancel, time_limit_s):
            self._here.run_batch(([_in_this_process(config)], cancel))

    def run_blocking_wait(self, config: RunConfig, time_limit_s: float | None = None) -> None:
        """The wrong way: run ``config`` on a worker thread, then *wait* for it here.

        The work really runs on another thread (``concgui-blocking-wait``), but
        the calling thread blocks in ``future.result()`` until it is done, so on
        the GUI thread the window is frozen all the same. The run's signals are
        queued meanwhile and all arrive after the wait. ``time_limit_s`` as in
        :meth:`run_here`.
        """
        cancel = self._begin()
        with _time_limit(cancel, time_limit_s), \
                ThreadPoolExecutor(1, thread_name_prefix="concgui-blocking-wait") as pool:
            future = pool.submit(self._here.run_batch, ([_in_this_process(config)], cancel))
            future.result()  # <- the mistake: the GUI thread sits here until the work is done

    def _close_resources(self) -> None:
        self.runner.close()  # processes runs end at once on cancel, so the pool is idle by now

    @Slot(int)
    def _on_worker_item_done(self, done: int) -> None:
        if self.flood is not None:
            self.flood.on_delivered()
        self.item_done.emit(done)

    @Slot(object)
    def _on_worker_batch_finished(self, outcome: BatchOutcome) -> None:
        self._end()
        self.batch_finished.emit(outcome)


def warm_up(runner: Runner, configs: list[RunConfig], cancel: threading.Event) -> None:
    """Warm each pool or worker host that ``configs`` will use, once (see :meth:`Runner.warm_up`)."""
    seen = set()
    for cfg in configs:
        key = (cfg.mode, cfg.workers, cfg.start_method, cfg.where)
        if key not in seen and (cfg.mode == "processes" or (cfg.where or runner.default_where.value) == "host"):
            seen.add(key)
            runner.warm_up(cfg, cancel)


def _in_this_process(config: RunConfig) -> RunConfig:
    """``config`` on the calling thread of this process: what a wrong way on the GUI thread is about."""
    return replace(config, where=Where.HERE.value) if config.mode != "processes" else config


@contextmanager
def _time_limit(cancel: threading.Event, limit_s: float | None) -> Iterator[None]:
    """Set ``cancel`` after ``limit_s`` seconds (from a timer thread), unless the block ends first."""
    timer = None
    if limit_s is not None:
        timer = threading.Timer(limit_s, cancel.set)
        timer.name = "concgui-gui-thread-limit"
        timer.daemon = True
        timer.start()
    try:
        yield
    finally:
        if timer is not None:
            timer.cancel()
            timer.join()

