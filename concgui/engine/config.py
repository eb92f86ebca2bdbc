"""What to run, checked before anything starts.

Bad input is the user's, not a bug: :meth:`RunConfig.validate` raises
:class:`ConfigError` with one sentence a person can act on, which the CLI
prints as one line (exit 2) and the GUI shows in the window.
"""

from __future__ import annotations

import enum
import math
import os
import sys
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from concgui.engine import startmethods
from concgui.engine.errors import ConfigError
from concgui.engine.workloads import CATALOG, get_workload

if TYPE_CHECKING:
    from concgui.engine.function_profile import FunctionRef
    from concgui.engine.pythons import PythonInfo


class Mode(str, enum.Enum):
    """How a run spreads its tasks: the three ways this app compares.

    A ``str`` enum, so a member is the very string the CLI, scenario files,
    JSON exports and :class:`RunConfig` spell (``Mode.THREADS == "threads"``):
    code can name a mode without a typo slipping through, while everything
    outside Python keeps reading and writing plain strings. The order is the
    order of a comparison: serial first, the baseline the others are measured against.
    """

    SERIAL = "serial"  # one task after another, on one thread
    THREADS = "threads"  # a thread pool in one process: they share its GIL
    PROCESSES = "processes"  # a pool of worker processes: one interpreter and GIL each
    #: subinterpreters of one host process, each with its own GIL (Python 3.12+): not in a default comparison
    INTERPRETERS = "interpreters"
    #: a Dask cluster (a LocalCluster started for the run, or a scheduler named): the ``dask`` extra; not in a
    #: default comparison
    DASK = "dask"


MODES = tuple(m.value for m in Mode)
#: What a comparison runs when not told otherwise: the three ways every Python has.
COMPARE_MODES = (Mode.SERIAL.value, Mode.THREADS.value, Mode.PROCESSES.value)
#: Modes whose workers are separate interpreters, fed chunks of tasks by the engine's pool.
POOL_MODES = (Mode.PROCESSES.value, Mode.INTERPRETERS.value)
#: ``PYTHON_GIL`` values a free-threaded build takes.
GIL_SWITCHES = ("0", "1")


class Where(str, enum.Enum):
    """Which process runs a serial or threads run (processes runs always use worker processes).

    ``HERE``: the process that asked (the terminal's ``concgui bench``: the
    floor every other figure is measured against). ``HOST``: a *worker host*,
    one separate process of this Python that runs the same loop on its main
    thread or on plain threads. The window uses it for its right-way serial
    and thread runs, so neither it nor the run ever waits for the other's GIL.
    """

    HERE = "here"
    HOST = "host"

MAX_THREADS = 256
#: Threads per Dask worker process: Dask's own default is cores / workers; more than this is never useful here.
MAX_DASK_THREADS = 64
MAX_TASK_TIMEOUT_S = 86_400
MAX_TASKS = 1_000_000
#: Target work per process-pool submission: per-task dispatch costs 50-130 µs,
#: so ~20 ms chunks keep the overhead well under 1 %.
CHUNK_TARGET_S = 0.020


def max_processes() -> int:
    return max(8, 4 * (os.cpu_count() or 1))


@dataclass(frozen=True)
class RunConfig:
    workload: str = "cpu-python"
    mode: str = "serial"
    workers: int = 1
    tasks: int = 16
    size: int | None = None  # None: the workload's default
    start_method: str | None = None  # processes only; None: the platform's safe default
    chunk_size: int | None = None  # processes only; None: automatic
    #: serial and threads only (see :class:`Where`); None: the runner's default.
    where: str | None = None
    #: The Python to run on (an executable; None: the one running concgui). Another one runs in
    #: worker hosts of its own (:mod:`concgui.engine.foreign_host`).
    python: str | None = None
    #: ``PYTHON_GIL`` for the workers ("0" or "1"; None: the build's default). Free-threaded builds only.
    gil: str | None = None
    #: A developer's own function to run (``workload`` then becomes ``function:MODULE:NAME``); see
    #: :mod:`concgui.engine.function_profile`.
    function: "FunctionRef | None" = None
    #: Stop the run when no task has finished for this many seconds (None: never); see :mod:`concgui.engine.watchdog`.
    task_timeout_s: float | None = None
    #: dask only: threads in each Dask worker process (``workers`` is the number of worker processes).
    threads_per_worker: int = 1
    #: dask only: an existing scheduler (``tcp://HOST:PORT``) to run on; None: start a LocalCluster for the run.
    scheduler: str | None = None

    def validate(self) -> "RunConfig":
        """Return a complete, checked copy (defaults filled in) or raise ConfigError."""
        function, workload, task_s = self._function()
        if self.mode not in MODES:
            raise ConfigError(f"unknown mode {self.mode!r}; choose one of: {', '.join(MODES)}")
        w = get_workload(workload)
        size = w.default_size if self.size is None else self.size
        _check_int("tasks", self.tasks, 1, MAX_TASKS)
        _check_int("size", size, 1, w.max_size, unit=w.size_unit)
        workers = 1 if self.mode == "serial" else self.workers
        cap = max_processes() if self.mode in POOL_MODES or self.mode == Mode.DASK else MAX_THREADS
        _check_int("workers", workers, 1, cap)
        threads, scheduler = self._dask()
        python, target = self._python()
        start_method = None
        chunk = 1
        if self.mode in POOL_MODES:
            if self.mode == Mode.PROCESSES and python is None:
                start_method = self.start_method or startmethods.default()
                startmethods.check(start_method)
            elif self.start_method not in (None, "spawn"):
                raise ConfigError(f"{self._where_words(target)} starts each worker as a fresh interpreter; "
                                  "a start method does not apply")
            else:
                start_method = "spawn" if self.mode == Mode.PROCESSES else None
            if self.mode == Mode.INTERPRETERS and not (target and target.per_interpreter_gil):
                raise ConfigError(_no_interpreters(target))
            if self.chunk_size is not None:
                _check_int("chunk size", self.chunk_size, 1, MAX_TASKS)
                chunk = self.chunk_size
            else:
                chunk = auto_chunk_size(task_s or w.estimate_task_s(size), self.tasks, workers)
        elif self.mode == Mode.DASK:
            if self.start_method is not None:
                raise ConfigError("a Dask cluster starts its own workers; a start method does not apply")
            if python is not None:
                raise ConfigError("the dask mode runs on the Python running concgui; another Python does not apply")
            if self.chunk_size is not None:
                _check_int("chunk size", self.chunk_size, 1, MAX_TASKS)
                chunk = self.chunk_size
            else:
                chunk = auto_chunk_size(task_s or w.estimate_task_s(size), self.tasks, workers * threads,
                                        DASK_CHUNK_TARGET_S)
        elif self.start_method is not None:
            raise ConfigError("a start method only applies to the processes mode")
        if self.task_timeout_s is not None and (isinstance(self.task_timeout_s, bool) or not isinstance(
                self.task_timeout_s, (int, float)) or not 0 < self.task_timeout_s <= MAX_TASK_TIMEOUT_S):
            raise ConfigError(f"the task timeout must be a number of seconds between 0 and {MAX_TASK_TIMEOUT_S:,}, "
                              f"not {self.task_timeout_s!r}")
        where = None
        if self.mode not in POOL_MODES and self.mode != Mode.DASK:
            where = Where.HERE.value if self.where is None else str(getattr(self.where, "value", self.where))
            if where not in {w.value for w in Where}:
                raise ConfigError(f"unknown place to run {self.where!r}; choose one of: "
                                  f"{', '.join(w.value for w in Where)}")
            if python is not None or self.gil is not None:
                where = Where.HOST.value  # another Python (or GIL switch) runs in a host of its own
            if self.task_timeout_s is not None:
                where = Where.HOST.value  # a host can be stopped inside a call; threads here cannot
        return replace(self, workload=workload, size=size, workers=workers, start_method=start_method,
                       chunk_size=chunk, where=where, python=python, function=function, threads_per_worker=threads,
                       scheduler=scheduler)

    def _dask(self) -> "tuple[int, str | None]":
        """Threads per Dask worker and the scheduler address, checked; (1, None) outside the dask mode."""
        if self.mode != Mode.DASK:
            if self.threads_per_worker != 1:
                raise ConfigError("threads per worker only apply to the dask mode (a worker's threads are "
                                  "its --workers there)")
            if self.scheduler is not None:
                raise ConfigError("a scheduler address only applies to the dask mode")
            return 1, None
        from concgui.engine import dask_cluster

        if not dask_cluster.available():
            raise ConfigError(dask_cluster.missing_sentence())
        _check_int("threads per worker", self.threads_per_worker, 1, MAX_DASK_THREADS)
        scheduler = None if self.scheduler is None else dask_cluster.check_scheduler(self.scheduler)
        return self.threads_per_worker, scheduler

    def _function(self) -> "tuple[FunctionRef | None, str, float | None]":
        """The checked function (None for a catalog workload), the workload name, and a call's measured time.

        A function's runs are checked against its profile where there is one:
        enough items, and a function and results that a process can be sent.
        """
        if self.function is None:
            if self.workload not in CATALOG:
                mine = str(self.workload).startswith("function")
                hint = " (a function runs with --function MODULE:FUNC)" if mine else ""
                raise ConfigError(f"unknown workload {self.workload!r}; choose one of: {', '.join(CATALOG)}{hint}")
            return None, self.workload, None
        from concgui.engine.function_profile import prepared

        ref = self.function.checked()
        if self.workload not in ("function", ref.workload):
            raise ConfigError(f"a run of your function has the workload {ref.workload!r}, not {self.workload!r}")
        prep = prepared(ref)
        if prep is None:
            return ref, ref.workload, None
        if ref.given_items and self.tasks > prep.profile.items:
            raise ConfigError(f"{self.tasks:,} tasks asks for more items than {prep.profile.items_from} gives "
                              f"({prep.profile.items:,})")
        if self.mode in POOL_MODES or self.mode == Mode.DASK:
            for why in prep.profile.problems.values():
                raise ConfigError(f"the {self.mode} mode sends your function and its results to other "
                                  f"interpreters as pickles, and {why}")
        return ref, ref.workload, prep.profile.task_wall_s

    def _python(self) -> "tuple[str | None, PythonInfo | None]":
        """The executable to run on (None: this one) and what it is; probes another Python once (cached).

        A mode that needs no other interpreter asks nothing: the terminal's
        ``concgui bench`` starts no probe for its usual runs.
        """
        if self.python is not None and (not isinstance(self.python, str) or not self.python.strip()):
            raise ConfigError(f"the Python to run on must be the path of an executable, not {self.python!r}")
        if self.gil is not None and self.gil not in GIL_SWITCHES:
            raise ConfigError(f"PYTHON_GIL must be 0 or 1, not {self.gil!r}")
        if self.python is None and self.gil is None and self.mode != Mode.INTERPRETERS:
            return None, None  # (and no import of pythons: ~10 ms, on the way to a cold run's first task)
        from concgui.engine.pythons import PythonError, probe, this_python

        if self.python is None and self.gil is None:
            return None, this_python()
        exe = self.python or sys.executable
        info = probe(exe)
        if self.gil is not None:
            if not info.free_threaded and self.gil == "0":
                raise PythonError(f"Disabling the GIL is not supported by this build ({info.label} at "
                                  f"{info.executable}); PYTHON_GIL=0 needs a free-threaded Python")
            info = probe(exe, gil=self.gil)
        if self.python is not None and self.gil is None and info.is_this:
            return None, info  # this very interpreter: run as usual
        return exe, info

    @staticmethod
    def _where_words(target: "PythonInfo | None") -> str:
        return f"{target.label}" if target is not None else "another Python"


def _no_interpreters(target: "PythonInfo | None") -> str:
    what = f"{target.label} ({target.executable})" if target is not None else "this Python"
    return (f"the interpreters mode needs Python 3.12 or newer (subinterpreters with their own GIL); {what} has "
            "none: choose another Python")


#: Target work per Dask task in the dask mode. Dask's scheduler costs about a millisecond per task (measured
#: here: 2-5 ms per task, scheduling and transfers, on 2 cores), and Dask's own best practices ask for tasks of
#: at least ~100 ms: chunks are that big, as long as every worker thread still gets 4 of them.
DASK_CHUNK_TARGET_S = 0.100


def auto_chunk_size(task_s: float, tasks: int, workers: int, target_s: float = CHUNK_TARGET_S) -> int:
    """Tasks per pool submission: ≥ ``target_s`` (~20 ms) of work each, ≥ 4 chunks per worker."""
    by_cost = math.ceil(target_s / max(task_s, 1e-9))
    by_balance = max(1, tasks // (4 * workers))
    return max(1, min(by_cost, by_balance))


#: Target work per chunk a worker *thread* takes: a take is a queue get, not a
#: pickled message, so a tenth of the pool's target is plenty, and keeps the tail short.
THREAD_CHUNK_TARGET_S = CHUNK_TARGET_S / 10
#: ...with at least this many chunks per thread, so the load still balances.
THREAD_CHUNKS_PER_WORKER = 16


def thread_chunk_size(task_s: float, tasks: int, workers: int) -> int:
    """Tasks per take for a thread run: the pool's rule at a tenth of its target (~2 ms of work each),
    and ≥ 16 chunks per thread. Tasks of 2 ms or more are taken one at a time, as before."""
    by_cost = math.ceil(THREAD_CHUNK_TARGET_S / max(task_s, 1e-9))
    by_balance = max(1, tasks // (THREAD_CHUNKS_PER_WORKER * max(1, workers)))
    return max(1, min(by_cost, by_balance))


def _check_int(what: str, value: object, lo: int, hi: int, unit: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what} must be a whole number, not {value!r}")
    if not lo <= value <= hi:
        u = f" {unit}" if unit else ""
        raise ConfigError(f"{what} must be between {lo:,} and {hi:,}{u}, not {value:,}")
