"""The one event model: every run is a stream of these frozen records.

The CLI table, the GUI's progress bars and timeline, the benchmarks and the
tests all consume the same stream, so numbers agree wherever they are shown.
Timestamps come from :mod:`concgui.engine.clock` and are comparable across
threads and processes.

Tasks are reported in folds, not one by one: a worker sends one
:class:`TasksFinished` for the tasks it finished within ~10 ms (its columns
are arrays), and a :class:`TaskStarted` only for a task that may be slow
(see there). So the stream of a run of 100,000 tiny tasks is a few hundred
events, and every consumer does O(folds) Python work, not O(tasks).
"""

from __future__ import annotations

import enum
import math
import operator
from array import array
from dataclasses import dataclass
from typing import Iterator, NamedTuple, Sequence, Union


class RunStatus(str, enum.Enum):
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: int
    t: float
    workload: str
    mode: str
    workers: int
    tasks: int
    size: int
    start_method: str | None
    chunk_size: int
    #: serial and threads runs: "here" or "host" (:class:`~concgui.engine.config.Where`); None for processes.
    where: str | None = None
    #: The Python that ran it: ``{"version", "executable", "free_threaded", "gil_enabled"}`` (see
    #: :func:`~concgui.engine.python_facts.run_record`), as its workers reported it.
    python: dict | None = None
    #: dask runs: threads in each of the ``workers`` Dask worker processes.
    threads_per_worker: int = 1
    #: dask runs: ``{"scheduler", "dashboard", "started_here", "start_s"}``: where the cluster is, its dashboard's
    #: link (None without one), whether the app started it for this run, and how long that took.
    cluster: dict | None = None


@dataclass(frozen=True, slots=True)
class WorkerStarted:
    """A worker began on a run: which OS thread it is, so its CPU time can be sampled from outside.

    ``native_id`` is ``threading.get_native_id()`` of the thread that runs the
    tasks (for a pool process, its main thread). Sent once per worker and run,
    before its first task.
    """

    run_id: int
    worker: str
    pid: int
    native_id: int
    t: float


@dataclass(frozen=True, slots=True)
class TaskStarted:
    """A worker began a task. Not sent for every task: see :class:`TasksFinished`.

    A worker reports a task's start when the task opens a new fold (its
    worker had sent a batch at least ``FOLD_S`` before, or it is the
    worker's first task of a run or of a pool job), and otherwise at the
    task's first progress report
    (:class:`TaskProgress`, at most ``PROGRESS_S`` into it). So a slow task
    shows as running at once, or within ~50 ms; tiny tasks are only ever
    reported finished.
    """

    run_id: int
    task_id: int
    worker: str  # thread name, or "pid <n>" for a process worker
    t: float


@dataclass(frozen=True, slots=True)
class TaskProgress:
    run_id: int
    task_id: int
    worker: str
    t: float
    fraction: float  # 0..1 within this task


class TaskSpan(NamedTuple):
    """One finished task, as a view of a :class:`TasksFinished` (built on demand, never sent)."""

    run_id: int
    task_id: int
    worker: str
    t_start: float
    t: float
    cpu_s: float

    @property
    def wall_s(self) -> float:
        return self.t - self.t_start


@dataclass(frozen=True, slots=True)
class TasksFinished:
    """Consecutive tasks one worker finished one after the other, folded into one record.

    A worker folds the tasks of one chunk that it finishes within ``FOLD_S``
    (~10 ms) into one event, so 100,000 tasks of 3 µs make a few hundred of
    these, not 100,000 (a slow task is a fold of one). Columns, in the order
    the worker ran the tasks (so ``t_start`` increases):

    - ``task_ids``: a ``range`` (the tasks of a fold are consecutive ids),
      or any sequence of ints;
    - ``t_start``, ``t_end``, ``cpu_s``: ``array.array('d')``, which pickle as
      raw bytes and which numpy reads without a copy (``np.frombuffer``).

    ``cpu_s``: the CPU time of the worker thread that ran each task. Reading
    a thread's CPU clock costs ~0.5 µs (a system call), more than a tenth of
    a tiny task, so it is read around a task only after one that took at
    least 1 ms (its reading is then at most its wall time); the tasks after a
    shorter one share the CPU time their thread used meanwhile, read once per
    fold: each gets the group's mean.

    ``wall_sum`` and ``cpu_sum`` are the columns' totals (Σ wall, Σ CPU), added
    up by whoever made the event (computed if not given), so that a consumer
    that needs only totals does O(1) work per fold.
    """

    run_id: int
    worker: str  # thread name, or "pid <n>" for a process worker
    task_ids: Sequence[int]
    t_start: array  # 'd', engine clock
    t_end: array  # 'd'
    cpu_s: array  # 'd'
    wall_sum: float = math.nan
    cpu_sum: float = math.nan

    def __post_init__(self) -> None:
        if self.wall_sum != self.wall_sum:  # NaN: not given
            object.__setattr__(self, "wall_sum", sum(map(operator.sub, self.t_end, self.t_start)))
        if self.cpu_sum != self.cpu_sum:
            object.__setattr__(self, "cpu_sum", sum(self.cpu_s))

    @classmethod
    def one(cls, run_id: int, task_id: int, worker: str, t_start: float, t: float, cpu_s: float) -> "TasksFinished":
        """A fold of the single task ``task_id`` (tests, and anything that reports tasks one at a time)."""
        return cls(run_id, worker, range(task_id, task_id + 1), array("d", (t_start,)), array("d", (t,)),
                   array("d", (cpu_s,)), t - t_start, cpu_s)

    @property
    def t(self) -> float:
        """When the fold's last task ended (the event's time, like every event's ``t``)."""
        return self.t_end[-1]

    @property
    def t_first(self) -> float:
        """When the fold's first task started."""
        return self.t_start[0]

    def __len__(self) -> int:
        return len(self.task_ids)

    def __iter__(self) -> Iterator[TaskSpan]:
        """Each task as a :class:`TaskSpan` (O(tasks) Python: for tests, exports and lessons, not hot paths)."""
        run_id, worker = self.run_id, self.worker
        for task_id, t0, t1, cpu in zip(self.task_ids, self.t_start, self.t_end, self.cpu_s):
            yield TaskSpan(run_id, task_id, worker, t0, t1, cpu)


@dataclass(frozen=True, slots=True)
class RunFinished:
    run_id: int
    t: float
    status: RunStatus
    wall_s: float
    cpu_s: float  # this process and its worker processes, during the run
    tasks_done: int
    digest: str | None  # None unless every task finished
    error: str | None = None  # one line, for a status bar or the CLI
    details: str | None = None  # e.g. the worker's traceback
    #: Cores' worth of CPU the rest of the machine used during the run (see :mod:`concgui.engine.machine_load`).
    other_load_cores: float | None = None
    #: Where the run's wall time went, in seconds (see :mod:`concgui.engine.time_split`); None unless it finished.
    split: dict[str, float] | None = None
    #: What the workers' interpreter said about the GIL during the run: on a free-threaded build, that an
    #: import turned it back on (its RuntimeWarning). Empty on a normal build.
    gil_notes: tuple[str, ...] = ()


Event = Union[RunStarted, WorkerStarted, TaskStarted, TaskProgress, TasksFinished, RunFinished]
