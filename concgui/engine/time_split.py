"""Where a run's wall time went, folded from the events the run already sends.

A speedup below the worker count has to come from somewhere. This module
splits a finished run's wall time, per worker, into what that worker was doing
at each moment, using only the :class:`~concgui.engine.events.TasksFinished`
events (each carries its tasks' starts, ends and CPU times):

``dispatch_s``
    From the run's start to the worker's first task: sending it its first input
    and waking it up (for threads, starting the thread).
``compute_s``
    Inside tasks, on a CPU: the sum of the tasks' CPU time (``cpu_s``, the CPU
    time of the thread that ran each task), never more than their wall time (per fold).
``cpu_wait_s``
    Inside tasks, off the CPU: the sum of each task's wall time minus its CPU
    time. The task was running but its thread was not on a core: another
    program, or more of our own workers than there are cores, held the core;
    for threads, another thread held the GIL; or the task itself waited for a
    timer, the disk or the network (the I/O workloads).
``between_s``
    Gaps between one worker's consecutive tasks: reporting the last task's
    events and result, taking the next input, and waiting for it when none was
    queued yet. (Between two tasks under 1 ms of one fold a worker reads the
    clock once, so the few dozen ns of bookkeeping between them count inside
    the next task; sending a fold, taking a chunk and waiting count here.)
``tail_s``
    From the worker's last task to the run's end: sending its last results
    back and waiting for the slowest worker. A worker that never ran a task
    (fewer tasks or chunks than workers) counts here for the whole run: it
    was waiting for the others from start to end, with nothing to do.

The five parts of each worker add up to the run's wall time exactly (task
times are clamped into the run's span first), so their **average over the
workers** (worker-seconds divided by the worker count) adds up to the wall
time too, up to the rounding to the microsecond. One more key is *not* part of
the wall time:

``pool_start_s``
    How long the worker processes (or the worker host) took to start and say
    they were ready before the run's clock started: tens or hundreds of
    milliseconds when cold, 0 when warm, and 0 for runs in this process.

The runner computes it for every run that finishes (serial, threads and
processes, here or hosted: the same events, the same meaning; for threads
``cpu_wait_s`` is mostly the GIL), and for none that was cancelled or failed
(unfinished tasks would look like idle time). The fold costs one type test
per event and O(1) per :class:`~concgui.engine.events.TasksFinished`, which
carries its tasks' totals (``wall_sum``, ``cpu_sum``): a few hundred updates
for 100,000 tiny tasks. The CPU time of a fold's tiny tasks (which share
their group's mean, see :mod:`concgui.engine.worker`) adds up to what their
thread really used; it is clamped to the fold's wall time as a whole.
Assumes one worker runs one task at a time (true of every mode here); if its
tasks overlapped anyway, their inside time is scaled down to fit its span.

Qt-free: the window's comparison and the export use :data:`PARTS`,
:data:`LABELS` and :data:`DESCRIPTIONS` for their legends and tooltips.
"""

from __future__ import annotations

from typing import Callable

from concgui.engine.events import Event, TasksFinished

#: The parts of the wall time, in the order a stacked bar draws them (they add up to ``wall_s``).
PARTS: tuple[str, ...] = ("dispatch_s", "compute_s", "cpu_wait_s", "between_s", "tail_s")
#: Not part of the wall time: how long the pool took to be ready before the run's clock started.
POOL_START = "pool_start_s"
#: Every key of a split, in display order.
KEYS: tuple[str, ...] = (POOL_START, *PARTS)

#: A few words per key, for legends.
LABELS: dict[str, str] = {
    POOL_START: "pool start",
    "dispatch_s": "first input",
    "compute_s": "computing",
    "cpu_wait_s": "in task, off CPU",
    "between_s": "between tasks",
    "tail_s": "idle at the end",
}

#: One sentence per key, for tooltips and the docs.
DESCRIPTIONS: dict[str, str] = {
    POOL_START: ("Starting the worker processes (or the worker host) until each was ready, before the run's "
                 "clock started, so not part of its wall time; 0 when they were already warm or the run needed "
                 "none."),
    "dispatch_s": ("From the run's start to a worker's first task: sending it its first input and waking it up "
                   "(for threads, starting the thread)."),
    "compute_s": "Running tasks on a CPU: the CPU time of the threads that ran the tasks.",
    "cpu_wait_s": ("Inside a task but not on a CPU: a core was busy with another program or with more of our "
                   "workers than there are cores, another thread held the GIL, or the task waited for a timer, "
                   "the disk or the network."),
    "between_s": ("Between a worker's consecutive tasks: reporting the last one's events and result, and taking "
                  "the next input, or waiting for it to arrive."),
    "tail_s": ("From a worker's last task to the run's end: sending its last results and waiting for the slowest "
               "worker (the whole run, for a worker that got no task)."),
}

EventSink = Callable[[Event], None]


class TimeSplit:
    """Folds one run's events (one thread only) into its :meth:`split`.

    ``workers``: how many workers the run has (a worker that never reports a
    task still counts); ``run_id``: if given, events of other runs are ignored.
    """

    __slots__ = ("workers", "run_id", "_by_worker")

    def __init__(self, workers: int, run_id: int | None = None) -> None:
        self.workers = max(1, workers)
        self.run_id = run_id
        #: worker -> [first task start, last task end, Σ task wall, Σ task CPU (each at most its wall)]
        self._by_worker: dict[str, list[float]] = {}

    def apply(self, ev: Event) -> None:
        if not isinstance(ev, TasksFinished) or (self.run_id is not None and ev.run_id != self.run_id):
            return
        # A fold's tasks ran one after the other: its first start and last end bound it, and it
        # carries its totals. O(1) per fold, whatever its size.
        first, last = ev.t_start[0], ev.t_end[-1]
        wall, cpu = ev.wall_sum, ev.cpu_sum
        if cpu > wall:  # a coarse CPU clock (Windows), or tiny tasks given their group's mean
            cpu = wall
        s = self._by_worker.get(ev.worker)
        if s is None:
            self._by_worker[ev.worker] = [first, last, wall, cpu]
            return
        if first < s[0]:
            s[0] = first
        if last > s[1]:
            s[1] = last
        s[2] += wall
        s[3] += cpu

    def wrap(self, sink: EventSink) -> EventSink:
        """``sink`` that also feeds every event to this fold first."""
        apply = self.apply

        def both(ev: Event) -> None:
            if type(ev) is TasksFinished:  # the only event the fold reads: skip the call for the rest
                apply(ev)
            sink(ev)

        return both

    def split(self, t0: float, t1: float, pool_start_s: float = 0.0) -> dict[str, float]:
        """The run's split, for a run whose clock ran from ``t0`` to ``t1`` (see the module's docstring)."""
        wall = max(0.0, t1 - t0)
        total = dict.fromkeys(PARTS, 0.0)
        for first, last, inside, cpu in self._by_worker.values():
            first = min(max(first, t0), t1)
            last = min(max(last, first), t1)
            span = last - first
            if inside > span:  # overlapping tasks (or clamped ones): fit them into the span
                cpu = cpu * span / inside if inside > 0 else 0.0
                inside = span
            total["dispatch_s"] += first - t0
            total["compute_s"] += cpu
            total["cpu_wait_s"] += inside - cpu
            total["between_s"] += span - inside
            total["tail_s"] += t1 - last
        workers = max(self.workers, len(self._by_worker))
        total["tail_s"] += (workers - len(self._by_worker)) * wall  # workers that never ran a task
        out = {POOL_START: round(max(0.0, pool_start_s), 6)}
        out.update((k, round(max(0.0, v) / workers, 6)) for k, v in total.items())
        return out


def wall_of(split: dict[str, float]) -> float:
    """The wall time a split's parts add up to (``pool_start_s`` not included)."""
    return sum(split.get(k, 0.0) for k in PARTS)
