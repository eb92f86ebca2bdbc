"""The loop every worker runs: threads, QThreads and pool processes alike.

One function, :func:`run_chunk`, takes tasks, runs them, and reports what
happened as engine events through a :class:`Batcher`. Reporting is folded at
the source, so that 100,000 tiny tasks cost about what a bare executor costs:

- the consecutive tasks (of one chunk) that a worker finishes within
  ``FOLD_S`` (~10 ms) become one :class:`~concgui.engine.events.TasksFinished`
  (a range of ids; arrays of start, end and CPU times), sent with their
  results as one batch;
- a task's start (:class:`~concgui.engine.events.TaskStarted`) is reported,
  and sent at once, when the task opens a new fold (a worker's first task of
  a run or of a pool job, or the first to start ``FOLD_S`` after the worker
  last sent something), and otherwise at its first progress report
  (``PROGRESS_S`` into it, with :class:`~concgui.engine.events.TaskProgress`):
  a slow task shows as running at once or within ~50 ms; a tiny one is only
  reported finished;
- a cancel is polled when a fold is due (at least every ``FOLD_S`` between
  tasks) and at every progress point within a task;
- a thread's CPU clock (a ~0.5 µs system call) is read around a task only
  after one that took at least ``EXACT_CPU_S``; tiny tasks share the CPU
  time of their group, read once per fold.

Per tiny task, what is left is one clock read (a tiny task starts where the
previous one ended, so only its end is kept) and two list appends in the
worker, ~0.1 µs with the fold's packing, and in the parent only the results'
share of the digest (~0.01 µs per int, see :mod:`concgui.engine.results`).

:mod:`concgui.engine.host` is the body of every worker process (pool workers
and worker hosts) around it.
"""

from __future__ import annotations

import os
import signal
import struct
import sys
import threading
import time
import traceback
from array import array
from typing import Any, Callable, Iterable, Iterator, Sequence

from concgui.engine.clock import now
from concgui.engine.events import Event, TaskProgress, TasksFinished, TaskStarted, WorkerStarted
from concgui.engine.workloads import get_workload, task_seed

FOLD_S = 0.010  # a worker sends what it has (and polls for a cancel) at least this often while tasks end
PROGRESS_S = 0.050  # report progress within a task at most this often
EXACT_CPU_S = 0.001  # read the CPU clock around a task that follows one at least this long

#: One ``(task ids, values)`` pair per fold, in the fold's order (the ids are its ``task_ids``, a range).
Results = list[tuple[Sequence[int], list[Any]]]
#: What a batch carries: events, and the results of the folds among them.
Flush = Callable[[list[Event], Results], None]

_thread_time = time.thread_time


class Cancelled(Exception):
    """Raised where the run polls for a cancel (a fold's start, a progress point) once it was cancelled."""


def _floats(values: list[float]) -> array:
    """``values`` as an ``array('d')`` (through one ``struct.pack``: 3× faster than ``array('d', values)``)."""
    a = array("d")
    a.frombytes(struct.pack(f"{len(values)}d", *values))
    return a


class Batcher:
    """One worker's events, its open fold of finished tasks, and their results, sent in batches.

    ``events`` is the worker's stream since the last batch; the tasks it
    finished since the last event form the *open fold*: consecutive task
    ids from ``first_id``, columns ``t1`` (end times), ``cpu`` and ``values``.
    A tiny task starts where the one before it ended, so start times are kept
    only where that is not so, in ``starts`` (``(index in the fold, start)``:
    the fold's first task, a task after a long one, the task that opens a
    fold); the start column is rebuilt from them when the fold closes. It is
    closed into one :class:`~concgui.engine.events.TasksFinished` whenever
    another event is added, a batch is sent, or the next task's id does not
    follow on (a new chunk), so the stream keeps its order. One Batcher per
    worker thread.
    """

    __slots__ = ("_flush", "events", "results", "due_at", "run_id", "worker", "first_id", "starts", "t1", "cpu",
                 "values", "exact", "_cpu_sum", "_mark_c", "_mark_t", "_mean")

    def __init__(self, flush: Flush) -> None:
        self._flush = flush
        self.events: list[Event] = []
        self.results: Results = []
        #: When the next task to start opens a new fold (it is reported and the batch sent at once).
        self.due_at = float("-inf")
        self.run_id = 0
        self.worker = ""
        self.first_id = 0  # the open fold's tasks are first_id, first_id + 1, ...
        #: (index in the open fold, start time) of each task that did not start where the one before ended.
        self.starts: list[tuple[int, float]] = []
        self.t1: list[float] = []
        self.cpu = array("d")  # shorter than t1 while a group of tiny tasks waits for its CPU time
        self.values: list[Any] = []
        #: Read the CPU clock around the next task (after a task of at least EXACT_CPU_S, and at first).
        self.exact = True
        self._cpu_sum = 0.0  # of the open fold's cpu column
        self._mark_c = 0.0  # thread CPU time, and clock, where the waiting group of tiny tasks began
        self._mark_t = 0.0
        self._mean: float | None = None  # mean CPU time of the last group of tiny tasks

    # -- events ------------------------------------------------------------------------

    def add(self, event: Event, t: float, busy: bool = False) -> None:
        """Add ``event`` (after the open fold); send the batch if a fold is due at ``t``.

        ``busy``: called from inside a task (its progress point).
        """
        self._close(busy)
        self.events.append(event)
        if t >= self.due_at:
            self.flush(t, busy)

    def flush(self, t: float | None = None, busy: bool = False) -> None:
        """Close the open fold and send everything pending (if anything is)."""
        self._close(busy)
        if self.events or self.results:
            self._flush(self.events, self.results)
            self.events, self.results = [], []
        self._sent(t, busy)

    def take(self) -> tuple[list[Event], Results]:
        """Close the open fold and hand over everything pending, for the caller to send with its own message."""
        self._close(False)
        events, results = self.events, self.results
        self.events, self.results = [], []
        self._sent(None, False)
        return events, results

    def _sent(self, t: float | None, busy: bool) -> None:
        self.due_at = (now() if t is None else t) + FOLD_S
        if not busy:
            self._mark()  # the sending is not a task's CPU time

    def forward(self, events: list[Event], results: Results) -> None:
        """Send a batch another Batcher made (a worker host relaying its threads), after this one's own."""
        self._close(False)
        if self.events or self.results:
            self._flush(self.events, self.results)
            self.events, self.results = [], []
        self._flush(events, results)

    def start_task(self, task_id: int) -> float:
        """A fold is due: close it, report ``task_id`` as starting now, send the batch; returns the start time."""
        self._close(False)
        t = now()
        self.starts.append((0, t))
        self.events.append(TaskStarted(self.run_id, task_id, self.worker, t))
        self._flush(self.events, self.results)
        self.events, self.results = [], []
        self.due_at = t + FOLD_S
        self._mark()
        return t

    # -- the open fold ---------------------------------------------------------------------

    def open(self, run_id: int, worker: str, first_id: int) -> None:
        """Tasks of run ``run_id`` on ``worker`` follow, with ids counting up from ``first_id``."""
        if self.t1 and (first_id != self.first_id + len(self.t1) or (run_id, worker) != (self.run_id, self.worker)):
            self._close(False)
        if not self.t1:
            self.first_id = first_id
        self.run_id, self.worker = run_id, worker

    def exact_task(self, cpu_s: float, c1: float, t1: float) -> None:
        """The last task's own CPU time (read around it; ``c1``, ``t1``: the readings at its end)."""
        self.cpu.append(cpu_s)
        self._cpu_sum += cpu_s
        self._mark_c, self._mark_t = c1, t1

    def long_task_ended(self) -> None:
        """The last task, run without CPU readings of its own, took at least EXACT_CPU_S: settle its group."""
        k = len(self.t1) - len(self.cpu)  # >= 1, the long task last
        c = _thread_time()
        spent = max(0.0, c - self._mark_c)
        t0, t1 = self._start_of(len(self.t1) - 1), self.t1[-1]
        if k > 1:  # tiny tasks ran before it since the mark: their mean as before, or their share of the time
            if self._mean is not None:
                per = self._mean
            else:
                before = max(0.0, t0 - self._mark_t)
                per = spent * before / max(before + (t1 - t0), 1e-12) / (k - 1)
            per = min(per, spent / (k - 1))
            self.cpu.extend(array("d", (per,)) * (k - 1))
            spent -= per * (k - 1)
            self._cpu_sum += per * (k - 1)
        own = min(spent, t1 - t0)
        self.cpu.append(own)
        self._cpu_sum += own
        self._mark_c, self._mark_t = c, now()

    def _group_cpu(self, busy: bool) -> None:
        """Give the tasks without a CPU reading of their own (a group of tiny tasks) their mean CPU time."""
        k = len(self.t1) - len(self.cpu)
        c, t = _thread_time(), now()
        spent = max(0.0, c - self._mark_c)
        if busy:  # a task is running since about t1[-1]: part of what was spent is its own
            if self._mean is not None:
                per = min(self._mean, spent / k)
            else:
                span = t - self._mark_t
                per = spent * (self.t1[-1] - self._mark_t) / span / k if span > 0 else spent / k
            self._mark_c += per * k
            self._mark_t = self.t1[-1]
        else:
            per = spent / k
            self._mark_c, self._mark_t = c, t
        self._mean = per
        self.cpu.extend(array("d", (per,)) * k)
        self._cpu_sum += per * k

    def _start_of(self, i: int) -> float:
        """When task ``i`` of the open fold started."""
        for j, t in reversed(self.starts):
            if j == i:
                return t
            if j < i:
                break
        return self.t1[i - 1]

    def _mark(self) -> None:
        self._mark_c, self._mark_t = _thread_time(), now()

    def _close(self, busy: bool) -> None:
        """Close the open fold into one TasksFinished (and its results), if it has tasks.

        ``busy``: a task is running. Its start carries over to the next fold:
        its own entry in ``starts``, or else the end of this fold's last task.
        """
        t1 = self.t1
        n = len(t1)
        if not n:
            return
        if len(self.cpu) < n:
            self._group_cpu(busy)
        starts = self.starts
        ends = _floats(t1)
        begins = array("d", (starts[0][1],))  # the fold's first task always has its start in ``starts``
        begins.extend(ends[:-1])
        wall = ends[-1] - begins[0]  # Σ(end - start) when every task starts at the previous end ...
        later = []
        for i, t in starts[1:]:
            if i < n:
                wall -= t - ends[i - 1]  # ... less the time between the tasks that did not
                begins[i] = t
            else:
                later.append((i - n, t))  # the running task's own start
        ids = range(self.first_id, self.first_id + n)
        self.events.append(TasksFinished(self.run_id, self.worker, ids, begins, ends, self.cpu, wall,
                                         self._cpu_sum))
        self.results.append((ids, self.values.copy()))  # the lists are cleared in place: run_chunk holds them
        self.first_id += n
        self.cpu = array("d")
        self._cpu_sum = 0.0
        # No task running: no start carries over (one left by a cancelled task is stale).
        self.starts = (later or [(0, t1[-1])]) if busy else []
        t1.clear()
        self.values.clear()


def announce(out: Batcher, run_id: int, worker: str) -> None:
    """Report :class:`~concgui.engine.events.WorkerStarted`: the calling thread is ``worker`` of run ``run_id``.

    The one place that event is made. Call it on the thread that will run the
    tasks, before its first one: the event carries that thread's process and
    OS thread ids. It is sent at once, and the worker's first task opens a fold.
    """
    ev = WorkerStarted(run_id, worker, os.getpid(), threading.get_native_id(), now())
    out.add(ev, ev.t)
    out.due_at = float("-inf")


def run_chunk(
    run_id: int,
    worker: str,
    workload: str,
    size: int,
    ctx: dict[str, Any],
    task_ids: Iterable[int],
    out: Batcher,
    cancelled: Callable[[], bool] | None = None,
    sends_at_end: bool = False,
) -> None:
    """Run the tasks ``task_ids`` (best a ``range``) of ``size`` in this thread, reporting through ``out``.

    A task's input is (``size``, ``task_seed(task_id)``), so every mode and
    every worker computes exactly the same thing for the same task.

    ``cancelled`` (None: never) is polled when a fold is due before a task
    and at each progress point within one; when it returns True the run stops
    by raising :class:`Cancelled`. Tasks finished until then stay in ``out``:
    the caller flushes it.

    ``sends_at_end``: the caller sends what is left as soon as these tasks
    end (a pool worker's ``JobDone``). A fold that falls due when, at the pace
    so far, the tasks end within another fold interval waits (once) and goes
    with that message: each message wakes the parent on a core the workers
    need, and a chunk of five ~4 ms tasks sent three of them, now one.
    """
    if not isinstance(task_ids, range) or task_ids.step != 1:
        for ids in _runs(task_ids):  # runs of ids that count up by one, each as a range
            run_chunk(run_id, worker, workload, size, ctx, ids, out, cancelled)
        return
    first, stop = task_ids.start, task_ids.stop
    w = get_workload(workload)
    func = w.func
    seed = w.task_input or task_seed
    thread_time = _thread_time
    out.open(run_id, worker, task_ids.start)
    t1_append, value_append = out.t1.append, out.values.append
    exact = out.exact
    due_at = out.due_at
    clock = now
    early = EXACT_CPU_S
    announced = -1  # the last task reported started
    last_p = 0.0  # the last progress report
    p_task, p_t0 = -1, 0.0  # the task progress last looked at, and its start

    def progress(fraction: float) -> None:
        nonlocal last_p, announced, due_at, p_task, p_t0
        if fraction >= 1.0:
            return  # the task is ending: it is reported with its fold
        if cancelled is not None and cancelled():
            raise Cancelled
        t = now()
        if t - last_p < PROGRESS_S:
            return
        # The running task is the one after the open fold's last; the loop does not note it (that
        # would cost every tiny task two stores), so it is worked out here, once per task.
        done = len(out.t1)
        cur = out.first_id + done
        if cur != p_task:
            p_task, p_t0 = cur, out._start_of(done)
        if t - p_t0 < PROGRESS_S:
            return
        last_p = t
        if announced != cur:
            announced = cur
            out.add(TaskStarted(run_id, cur, worker, p_t0), t, busy=True)
        out.add(TaskProgress(run_id, cur, worker, t, fraction), t, busy=True)
        out.flush(t, busy=True)
        due_at = out.due_at

    pending = iter(task_ids)  # one iterator: the tiny tasks' loop below takes from it too
    t0 = began = clock()
    if t0 < due_at and not exact:  # else the loop reads the first task's start afresh
        out.starts.append((len(out.t1), t0))
    waited = not sends_at_end  # a due fold may wait once for the end (see above)
    try:
        for task_id in pending:
            if t0 >= due_at and not waited and task_id > first and \
                    (t0 - began) * (stop - task_id) < FOLD_S * (task_id - first):
                waited = True
                due_at = out.due_at = due_at + FOLD_S
            # A task that opens a fold, or one of 1 ms or more, or after one: its start is read
            # afresh and kept in ``out.starts``; the time between tasks is worth its own reading.
            if t0 >= due_at:
                if cancelled is not None and cancelled():
                    raise Cancelled
                t0 = out.start_task(task_id)
                announced = task_id
                due_at = out.due_at
                waited = not sends_at_end
            elif exact:
                t0 = clock()
                out.starts.append((len(out.t1), t0))
            if exact:
                c0 = thread_time()
            value = func(size, seed(task_id), ctx, progress)
            t1 = clock()
            t1_append(t1)
            value_append(value)
            if exact:
                c1 = thread_time()
                wall = t1 - t0
                cpu = c1 - c0
                out.exact_task(cpu if cpu < wall else wall, c1, t1)
                exact = wall >= early
            elif t1 - t0 >= early:
                out.long_task_ended()
                exact = True
            t0 = t1
            if exact or t0 >= due_at:
                continue
            # Tiny tasks: one clock read each (a tiny task starts where the previous one ended, so
            # only its end is kept; the few dozen ns between them count as the task's), until one
            # takes 1 ms or more or the fold is due (the outer loop then takes the next task).
            # ``due_at`` changes within a task only at a progress report, PROGRESS_S into it: by
            # then the task is not tiny and the loop ends, so a copy of it serves.
            due = due_at
            for task_id in pending:
                value = func(size, seed(task_id), ctx, progress)
                t1 = clock()
                t1_append(t1)
                value_append(value)
                if t1 - t0 >= early:
                    out.long_task_ended()
                    exact = True
                    t0 = t1
                    break
                t0 = t1
                if t1 >= due:
                    break
    finally:
        out.exact = exact


def _runs(task_ids: Iterable[int]) -> Iterator[range]:
    """``task_ids`` as maximal ranges of consecutive ids, in order."""
    start = stop = 0
    started = False
    for i in task_ids:
        if started and i == stop:
            stop += 1
            continue
        if started:
            yield range(start, stop)
        start, stop, started = i, i + 1, True
    if started:
        yield range(start, stop)


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
