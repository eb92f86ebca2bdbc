"""The one Qt worker abstraction: drive engine runs off the GUI thread.

:class:`RunDriver` lives on the GUI thread and owns a QThread ("run-driver")
with a :class:`_RunWorker` on it. ``start(configs)`` hands a batch of configs
to that worker by a queued signal and returns at once; the worker calls
:meth:`Runner.run <concgui.engine.runner.Runner.run>` for each config in turn,
on its own thread, and turns the engine's event stream into four signals:

- ``run_started(RunStarted)`` once per run,
- ``progressed(ProgressSnapshot)`` *coalesced*: every event is folded into a
  :class:`~concgui.gui.progress_state.ProgressTracker` on the driver thread,
  and a snapshot is emitted at most ``progress_hz`` times a second (plus
  one at the start and one at the end of each run), never one signal per event,
- ``run_finished(RunStarted, RunFinished)`` once per run,
- ``batch_finished(BatchOutcome)`` once per batch, always, even if a run could
  not start (bad input, a crashed pool).

The GUI thread never waits on the driver: cancelling sets a
``threading.Event`` that the engine polls. Only :meth:`shutdown` (on close)
waits, with a bound.

:meth:`run_here` runs one config on the *calling* (GUI) thread with the very
same signals, for the "Serial (GUI thread)" mode whose point is that the
window freezes.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, Signal, Slot

from concgui.engine.clock import now
from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.events import Event, RunFinished, RunStarted, RunStatus
from concgui.engine.runner import Runner
from concgui.engine.worker import error_line, format_error
from concgui.gui.progress_state import ProgressTracker
from concgui.gui.qthread_workers import forget_python_thread, qthread_factory

PROGRESS_HZ = 30.0
SHUTDOWN_TIMEOUT_S = 5.0

#: Driver threads that did not stop within the shutdown bound. Kept referenced
#: so Python never destroys a running QThread (Qt aborts the process if it does).
_ABANDONED: list[QThread] = []


@dataclass(frozen=True)
class BatchOutcome:
    """What became of a batch: the runs that happened, and why it stopped early."""

    runs: tuple[tuple[RunStarted, RunFinished], ...]
    requested: int
    error: str | None = None  # a run could not start or crashed outside its tasks
    details: str | None = None

    @property
    def cancelled(self) -> bool:
        return any(f.status is RunStatus.CANCELLED for _, f in self.runs)

    @property
    def failed(self) -> bool:
        return self.error is not None or any(f.status is RunStatus.FAILED for _, f in self.runs)

    @property
    def ok(self) -> bool:
        return (self.error is None and len(self.runs) == self.requested
                and all(f.status is RunStatus.DONE for _, f in self.runs))


class _Coalescer:
    """The ``on_event`` of one run: folds events, emits snapshots at a bounded rate."""

    def __init__(self, worker: "_RunWorker") -> None:
        self._worker = worker
        self._tracker = ProgressTracker()
        self._last = float("-inf")
        self.started: RunStarted | None = None

    def __call__(self, ev: Event) -> None:
        self._tracker.apply(ev)
        t = now()
        if isinstance(ev, RunStarted):
            self.started = ev
            self._worker.run_started.emit(ev)
        elif not isinstance(ev, RunFinished) and t - self._last < self._worker.progress_interval_s:
            return
        self._last = t
        self._worker.progressed.emit(self._tracker.snapshot())


class _RunWorker(QObject):
    """Runs batches of configs on whichever thread it lives on."""

    run_started = Signal(object)
    progressed = Signal(object)
    run_finished = Signal(object, object)
    batch_finished = Signal(object)

    def __init__(self, runner: Runner, progress_hz: float) -> None:
        super().__init__()
        self.runner = runner
        self.progress_interval_s = 1.0 / progress_hz

    @Slot(object)
    def run_batch(self, request: tuple[list[RunConfig], threading.Event]) -> None:
        configs, cancel = request
        try:
            outcome = self._execute(configs, cancel)
        except BaseException as exc:  # never leave the GUI waiting for a batch_finished
            outcome = BatchOutcome((), len(configs), error_line(exc), format_error(exc))
        self.batch_finished.emit(outcome)

    def _execute(self, configs: list[RunConfig], cancel: threading.Event) -> BatchOutcome:
        runs: list[tuple[RunStarted, RunFinished]] = []
        for cfg in configs:
            if cancel.is_set():
                break
            sink = _Coalescer(self)
            try:
                fin = self.runner.run(cfg, sink, cancel)
            except ConfigError as exc:
                return BatchOutcome(tuple(runs), len(configs), str(exc))
            except Exception as exc:
                return BatchOutcome(tuple(runs), len(configs), error_line(exc), format_error(exc))
            assert sink.started is not None
            runs.append((sink.started, fin))
            self.run_finished.emit(sink.started, fin)
            if fin.status is not RunStatus.DONE:
                break
        return BatchOutcome(tuple(runs), len(configs))


class _DriverThread(QThread):
    def run(self) -> None:
        # Serial runs name their one worker after the thread they run on.
        threading.current_thread().name = "run-driver"
        try:
            self.exec()
        finally:
            forget_python_thread()


class RunDriver(QObject):
    """Starts batches of runs off the GUI thread and relays their signals."""

    run_started = Signal(object)  # RunStarted
    progressed = Signal(object)  # ProgressSnapshot
    run_finished = Signal(object, object)  # RunStarted, RunFinished
    batch_finished = Signal(object)  # BatchOutcome
    _batch_requested = Signal(object)

    def __init__(self, runner: Runner | None = None, progress_hz: float = PROGRESS_HZ,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else Runner(thread_factory=qthread_factory)
        self._cancel: threading.Event | None = None
        self._busy = False
        self._closed = False

        self._thread = _DriverThread()
        self._thread.setObjectName("concgui-run-driver")
        self._worker = _RunWorker(self.runner, progress_hz)
        self._worker.moveToThread(self._thread)
        self._here = _RunWorker(self.runner, progress_hz)  # runs on the GUI thread (run_here)
        self._batch_requested.connect(self._worker.run_batch)
        for w in (self._worker, self._here):
            w.run_started.connect(self.run_started)
            w.progressed.connect(self.progressed)
            w.run_finished.connect(self.run_finished)
            w.batch_finished.connect(self._on_worker_batch_finished)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def thread_running(self) -> bool:
        """Whether the driver's QThread is still running (False after shutdown)."""
        return self._thread.isRunning()

    def start(self, configs: list[RunConfig]) -> None:
        """Run ``configs`` one after the other on the driver thread; returns at once."""
        self._begin()
        self._batch_requested.emit((list(configs), self._cancel))

    def run_here(self, config: RunConfig, time_limit_s: float | None = None) -> None:
        """Run ``config`` on the calling thread; returns when it has finished.

        On the GUI thread nothing can be clicked meanwhile, Cancel included, so
        ``time_limit_s`` cancels the run after that long (from a timer thread).
        """
        self._begin()
        cancel = self._cancel
        assert cancel is not None
        timer = None
        if time_limit_s is not None:
            timer = threading.Timer(time_limit_s, cancel.set)
            timer.name = "concgui-gui-thread-limit"
            timer.daemon = True
            timer.start()
        try:
            self._here.run_batch(([config], cancel))
        finally:
            if timer is not None:
                timer.cancel()
                timer.join()

    def cancel(self) -> None:
        """Ask the current batch to stop; it ends with ``batch_finished`` soon after."""
        if self._cancel is not None:
            self._cancel.set()

    def shutdown(self, timeout_s: float = SHUTDOWN_TIMEOUT_S) -> bool:
        """Cancel, stop the driver thread (waiting at most ``timeout_s``), stop the pool.

        Returns False if the thread did not stop in time (it is then kept alive
        rather than destroyed while running).
        """
        if self._closed:
            return True
        self._closed = True
        self.cancel()
        self._thread.quit()
        stopped = self._thread.wait(max(0, int(timeout_s * 1000)))
        if not stopped:
            _ABANDONED.append(self._thread)
            print("concgui: the run driver did not stop in time; leaving it to finish", file=sys.stderr)
        self.runner.close()  # processes runs end at once on cancel, so the pool is idle by now
        self._busy = False
        return stopped

    def _begin(self) -> None:
        if self._closed:
            raise RuntimeError("the run driver has been shut down")
        if self._busy:
            raise RuntimeError("a run is already in progress")
        self._busy = True
        self._cancel = threading.Event()

    @Slot(object)
    def _on_worker_batch_finished(self, outcome: BatchOutcome) -> None:
        self._busy = False
        self._cancel = None
        self.batch_finished.emit(outcome)


def abandoned_threads_running() -> bool:
    """Whether a driver thread that missed its shutdown bound is still running."""
    return any(t.isRunning() for t in _ABANDONED)
