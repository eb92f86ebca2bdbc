"""The loop every worker runs: threads, QThreads and pool processes alike.

One function, :func:`run_chunk`, takes tasks, runs them, and reports what
happened as engine events. Events are batched (flushed at most every
``FLUSH_S`` unless a while has passed) so that 100,000 tiny tasks do not become
200,000 queue operations, while a slow task's start is still reported at once.

:mod:`concgui.engine.host` is the body of every worker process (pool workers
and worker hosts) around it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from typing import Any, Callable, Iterable

from concgui.engine.clock import now
from concgui.engine.events import Event, TaskFinished, TaskProgress, TaskStarted, WorkerStarted
from concgui.engine.workloads import get_workload, task_seed

FLUSH_S = 0.020  # batch events for at most this long
PROGRESS_S = 0.050  # report progress within a task at most this often

#: What a batch carries: events, and (task_id, value) results.
Flush = Callable[[list[Event], list[tuple[int, Any]]], None]


class Cancelled(Exception):
    """Raised at a progress point when the run was cancelled."""


class Batcher:
    """Collects events and results, hands them to ``flush`` in batches."""

    __slots__ = ("_flush", "events", "results", "_last")

    def __init__(self, flush: Flush) -> None:
        self._flush = flush
        self.events: list[Event] = []
        self.results: list[tuple[int, Any]] = []
        self._last = float("-inf")

    def add(self, event: Event, t: float) -> None:
        self.events.append(event)
        if t - self._last >= FLUSH_S:
            self.flush(t)

    def flush(self, t: float | None = None) -> None:
        if self.events or self.results:
            self._flush(self.events, self.results)
            self.events, self.results = [], []
        self._last = now() if t is None else t


def announce(out: Batcher, run_id: int, worker: str) -> None:
    """Report :class:`~concgui.engine.events.WorkerStarted`: the calling thread is ``worker`` of run ``run_id``.

    The one place that event is made. Call it on the thread that will run the
    tasks, before its first one: the event carries that thread's process and
    OS thread ids.
    """
    ev = WorkerStarted(run_id, worker, os.getpid(), threading.get_native_id(), now())
    out.add(ev, ev.t)


def run_chunk(
    run_id: int,
    worker: str,
    workload: str,
    size: int,
    ctx: dict[str, Any],
    task_ids: Iterable[int],
    out: Batcher,
    cancelled: Callable[[], bool] = lambda: False,
) -> None:
    """Run the tasks ``task_ids`` of ``size`` in this thread, reporting through ``out``.

    A task's input is (``size``, ``task_seed(task_id)``), so every mode and
    every worker computes exactly the same thing for the same task.

    ``cancelled`` is polled before each task and at each progress point; when
    it returns True the task stops by raising :class:`Cancelled`.
    """
    func = get_workload(workload).func
    thread_time = time.thread_time
    for task_id in task_ids:
        seed = task_seed(task_id)
        if cancelled():
            raise Cancelled
        t0 = now()
        c0 = thread_time()
        out.add(TaskStarted(run_id, task_id, worker, t0), t0)
        last = t0

        def progress(fraction: float) -> None:
            nonlocal last
            if cancelled():
                raise Cancelled
            t = now()
            if t - last >= PROGRESS_S:
                last = t
                out.add(TaskProgress(run_id, task_id, worker, t, fraction), t)

        value = func(size, seed, ctx, progress)
        t1 = now()
        out.results.append((task_id, value))
        out.add(TaskFinished(run_id, task_id, worker, t0, t1, thread_time() - c0), t1)


# --- helpers for worker processes ----------------------------------------------

def qt_modules() -> list[str]:
    """Qt modules loaded in this process (must be none in a worker)."""
    return sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"))


def ignore_sigint() -> None:
    """Leave Ctrl+C to the parent: it stops its helpers, cleanly and in order.

    The terminal sends SIGINT to the whole process group; a helper that died
    of it would print a traceback of its own and the parent would report a
    crash instead of an interruption.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def error_line(exc: BaseException) -> str:
    """One line for a status bar: ``ValueError: bad size``."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def format_error(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
