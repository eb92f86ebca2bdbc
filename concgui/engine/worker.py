"""The loop every worker runs: threads, QThreads and pool processes alike.

One function, :func:`run_chunk`, takes tasks, runs them, and reports what
happened as engine events. Events are batched (flushed at most every
``FLUSH_S`` unless a while has passed) so that 100,000 tiny tasks do not become
200,000 queue operations, while a slow task's start is still reported at once.

:func:`process_main` is the entry point of a pool process. It imports only the
engine (never Qt), watches its parent so it exits if the app is killed, and
talks to the parent through two multiprocessing queues.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
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


# --- pool processes -----------------------------------------------------------

PARENT_POLL_S = 0.5


def qt_modules() -> list[str]:
    """Qt modules loaded in this process (must be none in a worker)."""
    return sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph"))


def _watch_parent(ppid: int) -> None:
    """Exit if the parent goes away, so a killed app leaves no CPU-burning orphans."""
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != ppid:
            os._exit(3)


def ignore_sigint() -> None:
    """Leave Ctrl+C to the parent: it stops its helpers, cleanly and in order.

    The terminal sends SIGINT to the whole process group; a helper that died
    of it would print a traceback of its own and the parent would report a
    crash instead of an interruption.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_main(conn: Connection) -> None:
    """Body of a pool process: run the chunks the parent sends on ``conn``.

    The parent sends ``(run_id, workload, size, ctx, start, stop)`` for tasks
    ``start..stop-1`` or ``None`` to stop. The worker answers with tuples:
    ``("hello", pid, qt_modules)`` once, then per chunk any number of
    ``("batch", run_id, events, results)`` and one ``("done", run_id, n)`` or
    ``("error", run_id, message, traceback)``. If the parent dies, the pipe
    breaks (or the parent pid changes) and the worker exits.
    """
    ignore_sigint()
    pid = os.getpid()
    worker = f"pid {pid}"
    try:
        threading.Thread(target=_watch_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()
        conn.send(("hello", pid, qt_modules()))
        announced = None  # the run this worker last reported WorkerStarted for
        while True:
            job = conn.recv()
            if job is None:
                break
            run_id, workload, size, ctx, start, stop = job
            out = Batcher(lambda ev, res: conn.send(("batch", run_id, ev, res)))
            if run_id != announced:
                announced = run_id
                t = now()
                out.add(WorkerStarted(run_id, worker, pid, threading.get_native_id(), t), t)
            try:
                run_chunk(run_id, worker, workload, size, ctx, range(start, stop), out)
            except Exception as exc:
                out.flush()
                conn.send(("error", run_id, error_line(exc), format_error(exc)))
                continue
            out.flush()
            conn.send(("done", run_id, stop - start))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent went away or stopped us: nothing left to report to
    finally:
        conn.close()


def error_line(exc: BaseException) -> str:
    """One line for a status bar: ``ValueError: bad size``."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def format_error(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
