"""The one event model: every run is a stream of these frozen records.

The CLI table, the GUI's progress bars and timeline, the benchmarks and the
tests all consume the same stream, so numbers agree wherever they are shown.
Timestamps come from :mod:`concgui.engine.clock` and are comparable across
threads and processes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Union


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


@dataclass(frozen=True, slots=True)
class TaskFinished:
    run_id: int
    task_id: int
    worker: str
    t_start: float
    t: float
    cpu_s: float  # CPU time of the worker thread that ran the task

    @property
    def wall_s(self) -> float:
        return self.t - self.t_start


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


Event = Union[RunStarted, WorkerStarted, TaskStarted, TaskProgress, TaskFinished, RunFinished]
