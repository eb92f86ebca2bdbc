"""Run one lab at a time off the GUI thread, and hand its events over in batches.

:class:`LabRunner` lives on the GUI thread and owns a QThread ("lab-runner",
started on first use, made by :class:`~concgui.gui.qt_worker.QtWorker`) with a
:class:`_LabWorker` on it. ``start(name,
params)`` hands the request to the worker by a queued signal and returns at
once; the worker calls ``lab.run(params, on_event, cancel)`` on its own
thread. The lab calls ``on_event`` on that thread (see
:mod:`concgui.labs.common`), so the events are gathered there, in a plain
list, without locks:

- ``events_batched(name, [event, ...])``: at most ``BATCH_HZ`` times a second.
  A batch goes out when an event arrives and the last batch is at least
  ``1 / BATCH_HZ`` old. Labs go quiet at times (a deadlocked thread waiting
  for its timeout), so the worker also flushes on the lab's own cancel poll:
  the cancel flag it hands the lab is a :class:`_PollingCancel`, whose
  ``is_set()`` the lab calls every poll (~20 ms) on the running thread, and
  which sends any events that have waited long enough. What is left goes out
  just before the result, so the view has seen every event when the result
  comes.
- ``finished(LabOutcome)``: exactly once per ``start``, with the result or
  the error (a lab that raises, an unknown name), never a traceback on screen.

The GUI thread never waits on the worker: cancelling sets a
``threading.Event`` the lab polls. Only ``shutdown`` (on close) waits, with a
bound; a thread that misses it is kept referenced, never destroyed while
running (the rule of :class:`~concgui.gui.qt_worker.QtWorker`, shared with the
run driver).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from concgui import labs
from concgui.engine.worker import error_line, format_error
from concgui.gui.qt_worker import QtWorker, RateLimit

BATCH_HZ = 30.0


@dataclass(frozen=True)
class LabOutcome:
    """How a lab run ended: its result, or why there is none."""

    name: str
    params: Any
    result: Any = None
    error: str | None = None  # one line, for the screen
    details: str | None = None  # the traceback, for a tooltip
    events: int = 0  # how many events the lab reported
    batches: int = 0  # how many signals carried them

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None


class _Batcher:
    """The lab's ``on_event``: gathers events on the lab's thread, sends them at most ``hz`` times a second."""

    def __init__(self, worker: "_LabWorker", name: str, interval_s: float) -> None:
        self._worker = worker
        self._name = name
        self._rate = RateLimit(interval_s)
        self._pending: list[Any] = []
        self._thread = threading.get_ident()
        self.events = 0
        self.batches = 0

    def __call__(self, event: Any) -> None:
        self._pending.append(event)
        self.events += 1
        self.flush_if_due()

    def flush_if_due(self) -> None:
        if self._pending and threading.get_ident() == self._thread and self._rate.due():
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        self._rate.mark()
        self.batches += 1
        self._worker.events_batched.emit(self._name, batch)


class _PollingCancel(threading.Event):
    """The cancel flag handed to a lab: a plain Event whose polls also flush waiting events.

    Only polls from the lab's own thread flush (the batch list belongs to it);
    a poll from anywhere else is just ``Event.is_set``.
    """

    def __init__(self, cancel: threading.Event, batcher: _Batcher) -> None:
        super().__init__()
        self._cancel = cancel
        self._batcher = batcher

    def is_set(self) -> bool:  # type: ignore[override]
        self._batcher.flush_if_due()
        return self._cancel.is_set()

    def set(self) -> None:
        self._cancel.set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._cancel.wait(timeout)


class _LabWorker(QObject):
    """Runs labs on whichever thread it lives on."""

    events_batched = Signal(str, object)
    finished = Signal(object)

    def __init__(self, batch_hz: float) -> None:
        super().__init__()
        self.interval_s = 1.0 / batch_hz

    @Slot(object)
    def run_lab(self, request: tuple[str, Any, threading.Event]) -> None:
        name, params, cancel = request
        batcher = _Batcher(self, name, self.interval_s)
        try:
            module = labs.load(name)
            result = module.run(params, batcher, _PollingCancel(cancel, batcher))
            outcome = LabOutcome(name, params, result)
        except BaseException as exc:  # never leave the view waiting for a finished
            outcome = LabOutcome(name, params, None, error_line(exc), format_error(exc))
        try:
            batcher.flush()
        finally:
            self.finished.emit(LabOutcome(outcome.name, outcome.params, outcome.result, outcome.error,
                                          outcome.details, batcher.events, batcher.batches))


class LabRunner(QtWorker):
    """Starts labs off the GUI thread, one at a time, and relays their signals."""

    started = Signal(str)  # lab name
    events_batched = Signal(str, object)  # lab name, list of events
    finished = Signal(object)  # LabOutcome

    def __init__(self, batch_hz: float = BATCH_HZ, parent: QObject | None = None) -> None:
        super().__init__("lab runner", parent=parent)
        self._worker = _LabWorker(batch_hz)
        self._worker.events_batched.connect(self._on_worker_events_batched)
        self._worker.finished.connect(self._on_worker_finished)
        self._running: str | None = None

    @property
    def running(self) -> str | None:
        """The name of the lab running now, or None."""
        return self._running

    def start(self, name: str, params: Any) -> None:
        """Run lab ``name`` with ``params`` on the lab thread (started on first use); returns at once."""
        cancel = self._begin(f"the {self._running} lab" if self._running else "a lab")
        self._start_thread(self._worker, self._worker.run_lab)
        self._running = name
        self.started.emit(name)
        self._request((name, params, cancel))

    def _end(self) -> None:
        super()._end()
        self._running = None

    @Slot(str, object)
    def _on_worker_events_batched(self, name: str, events: list[Any]) -> None:
        if not self.closed:
            self.events_batched.emit(name, events)

    @Slot(object)
    def _on_worker_finished(self, outcome: LabOutcome) -> None:
        self._end()
        if not self.closed:
            self.finished.emit(outcome)
