"""Thread and Process subclasses, beside the pool that does the same job.

The pattern many books teach: subclass ``threading.Thread`` or
``multiprocessing.Process`` and override ``run()``. The lab runs that, then
the same tasks through ``concurrent.futures`` (``ThreadPoolExecutor`` /
``ProcessPoolExecutor``), and checks that both give exactly the same results.
The task is the engine's ``cpu-python`` workload, so the values also match
what ``concgui bench`` computes.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import queue
import sys
import threading
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

from concgui.engine import startmethods
from concgui.engine.config import max_processes
from concgui.engine.workloads import cpu_python, task_seed
from concgui.labs.common import (POLL_S, RUN_ON, ConfigError, EventPump, EventSink, RunStatus, check_params,
                                 interpreter_facts, mode_param, modes_of, now, overall_status, param,
                                 start_method_param, to_jsonable)

NAME = "subclass"
TITLE = "Thread and Process subclasses"
MODES = tuple(v for _, v in RUN_ON)
APPROACHES = ("subclass", "pool")
MAX_TASKS = 10_000
MAX_SIZE = 5_000_000
MAX_THREADS = 256  # workers on threads; on processes, at most max_processes()
MAX_TOTAL = 50_000_000  # tasks x size: ~10 s of pure Python in all

EXPLANATION = (
    "Subclassing Thread or Process and overriding run() puts the work and its worker in one class; "
    "start() runs run() on the new thread or in the new process, join() waits for it. You hand out the "
    "tasks and collect the results yourself (here through a queue). A pool (concurrent.futures) does that "
    "bookkeeping for you: submit() or map() the function, and results and exceptions come back as futures. "
    "Both compute exactly the same values. A Process subclass must be importable by name (a top-level "
    "class), because under spawn and forkserver the child rebuilds the object by unpickling it; and "
    "multiprocessing.Process alone starts with the interpreter's global default start method (fork on "
    "Linux before Python 3.14, unsafe in a program that has threads), so this one asks for the method "
    "concgui chose. Pure-Python tasks on threads take turns on the GIL; processes run them in parallel."
)


def global_default_start_method() -> str:
    """What a bare ``multiprocessing.Process`` would use here (without fixing the default)."""
    chosen = multiprocessing.get_start_method(allow_none=True)
    if chosen:
        return chosen
    if sys.platform in ("win32", "darwin"):
        return "spawn"
    return "forkserver" if sys.version_info >= (3, 14) else "fork"


# --- what the app shows ---------------------------------------------------------


def compute(task_id: int, size: int) -> int:
    """One task: the engine's pure-Python workload, the same input in every mode."""
    return cpu_python(size, task_seed(task_id))


class ComputeThread(threading.Thread):
    """The textbook thread: the work is in ``run()``; results go to a shared queue."""

    def __init__(self, task_ids: list[int], size: int, results: queue.SimpleQueue, stop: threading.Event,
                 name: str) -> None:
        super().__init__(name=name)
        self.task_ids = task_ids
        self.size = size
        self.results = results
        self.stop = stop

    def run(self) -> None:  # runs on the new thread after start()
        for task_id in self.task_ids:
            if self.stop.is_set():
                return
            t0 = now()
            value = compute(task_id, self.size)
            self.results.put((task_id, value, self.name, t0, now()))


class ComputeProcess(multiprocessing.Process):
    """The textbook process: the same, in another interpreter. Must be a top-level class."""

    def __init__(self, task_ids: list[int], size: int, results: Any, start_method: str, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.task_ids = task_ids
        self.size = size
        self.results = results  # a multiprocessing queue from the same start method's context
        self.start_method = start_method

    def run(self) -> None:  # runs in the child process after start()
        worker = f"pid {os.getpid()}"
        for task_id in self.task_ids:
            t0 = now()
            value = compute(task_id, self.size)
            self.results.put((task_id, value, worker, t0, now()))

    @staticmethod
    def _Popen(process_obj: BaseProcess) -> Any:  # start() calls self._Popen(self)
        # multiprocessing.Process starts with the global default (fork on Linux before 3.14).
        # Use this object's start method instead, without changing the global default.
        assert isinstance(process_obj, ComputeProcess)
        ctx: Any = multiprocessing.get_context(process_obj.start_method)
        return ctx.Process._Popen(process_obj)


def pool_compute(task_id: int, size: int) -> tuple[int, int, str, float, float]:
    """What a pool runs: ``compute``, plus who ran it and when (for the timeline)."""
    t0 = now()
    value = compute(task_id, size)
    worker = threading.current_thread().name if multiprocessing.parent_process() is None else f"pid {os.getpid()}"
    return task_id, value, worker, t0, now()


def run_pool(executor: concurrent.futures.Executor, tasks: int, size: int) -> dict[int, int]:
    """The pool version of the whole job: submit every task, collect the results."""
    futures = [executor.submit(pool_compute, task_id, size) for task_id in range(tasks)]
    return {f.result()[0]: f.result()[1] for f in concurrent.futures.as_completed(futures)}


SOURCE_FUNCTIONS = (compute, ComputeThread, ComputeProcess, pool_compute, run_pool)


# --- the experiment -------------------------------------------------------------


@dataclass(frozen=True)
class SubclassParams:
    tasks: int = param(8, "Tasks", "tasks for each approach", "int", lo=1, hi=MAX_TASKS)
    size: int = param(300_000, "Task size", "cpu-python steps per task", "int", lo=1, hi=MAX_SIZE, unit="steps",
                      step=10_000, tip="cpu-python steps per task (300,000 is about 30 ms).")
    workers: int = param(2, "Workers", "threads / processes", "int", lo=1, hi=MAX_THREADS)
    mode: str = mode_param()
    start_method: str | None = start_method_param()

    def __post_init__(self) -> None:
        check_params(self, caps={"workers": MAX_THREADS if self.mode == "threads" else max_processes()})
        if self.tasks * self.size > MAX_TOTAL:
            raise ConfigError(f"tasks x size must be at most {MAX_TOTAL:,}, not {self.tasks * self.size:,}")


@dataclass(frozen=True)
class SubclassTaskDone:
    approach: str  # subclass or pool
    mode: str  # threads or processes
    task_id: int
    value: int
    worker: str
    t_start: float
    t: float


@dataclass(frozen=True)
class ApproachStarted:
    approach: str
    mode: str
    t: float


@dataclass(frozen=True)
class ApproachOutcome:
    approach: str
    mode: str
    workers: int
    wall_s: float  # including starting and stopping the workers
    results: dict[int, int]
    status: RunStatus = RunStatus.DONE


@dataclass(frozen=True)
class SubclassResult:
    params: SubclassParams
    outcomes: tuple[ApproachOutcome, ...]
    start_method: str | None
    status: RunStatus
    error: str | None = None

    def outcome(self, approach: str, mode: str) -> ApproachOutcome | None:
        return next((o for o in self.outcomes if o.approach == approach and o.mode == mode), None)

    def same_results(self, mode: str) -> bool | None:
        """Whether the subclass and the pool computed identical values (None: not both ran)."""
        a, b = self.outcome("subclass", mode), self.outcome("pool", mode)
        if a is None or b is None or a.status is not RunStatus.DONE or b.status is not RunStatus.DONE:
            return None
        return a.results == b.results

    def as_dict(self) -> dict[str, Any]:
        modes = sorted({o.mode for o in self.outcomes})
        return {"params": to_jsonable(self.params), "start_method": self.start_method,
                "status": self.status.value, "error": self.error,
                "same_results": {m: self.same_results(m) for m in modes},
                "outcomes": [{**to_jsonable(o), "results": {str(k): v for k, v in sorted(o.results.items())}}
                             for o in self.outcomes]}


def run(params: SubclassParams, on_event: EventSink | None = None,
        cancel: threading.Event | None = None) -> SubclassResult:
    cancel = cancel or threading.Event()
    pump = EventPump(on_event)
    modes = modes_of(params.mode)
    method = (params.start_method or startmethods.default()) if "processes" in modes else None
    outcomes = []
    error = None
    for mode in modes:
        for approach in APPROACHES:
            if cancel.is_set():
                break
            pump.emit(ApproachStarted(approach, mode, now()))
            try:
                outcomes.append(_RUNNERS[(approach, mode)](params, method, pump, cancel))
            except _Failed as exc:
                error = str(exc)
                break
        if error:
            break
    status = overall_status(error, cancel, outcomes)
    return SubclassResult(params, tuple(outcomes), method, status, error)


class _Failed(Exception):
    pass


def _shares(params: SubclassParams) -> list[list[int]]:
    """Task ids dealt out round-robin, one list per worker (the bookkeeping a pool does for you)."""
    n = min(params.workers, params.tasks)
    return [list(range(i, params.tasks, n)) for i in range(n)]


def _outcome(approach: str, mode: str, params: SubclassParams, t0: float, results: dict[int, int]) -> ApproachOutcome:
    status = RunStatus.DONE if len(results) == params.tasks else RunStatus.CANCELLED
    return ApproachOutcome(approach, mode, params.workers, now() - t0, results, status)


def _report(approach: str, mode: str, item: tuple, results: dict[int, int], pump: EventPump) -> None:
    task_id, value, worker, t_start, t = item
    results[task_id] = value
    pump.emit(SubclassTaskDone(approach, mode, task_id, value, worker, t_start, t))


def _subclass_threads(params: SubclassParams, method: str | None, pump: EventPump,
                      cancel: threading.Event) -> ApproachOutcome:
    inbox: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    threads = [ComputeThread(ids, params.size, inbox, stop, f"compute-{i + 1}")
               for i, ids in enumerate(_shares(params))]
    results: dict[int, int] = {}
    t0 = now()
    for th in threads:
        th.start()
    try:
        while any(th.is_alive() for th in threads) or not inbox.empty():
            if cancel.is_set():
                stop.set()
            try:
                _report("subclass", "threads", inbox.get(timeout=POLL_S), results, pump)
            except queue.Empty:
                pass
    finally:
        stop.set()
        for th in threads:
            th.join()
    return _outcome("subclass", "threads", params, t0, results)


def _subclass_processes(params: SubclassParams, method: str | None, pump: EventPump,
                        cancel: threading.Event) -> ApproachOutcome:
    assert method is not None
    ctx = multiprocessing.get_context(method)
    inbox = ctx.Queue()
    procs = [ComputeProcess(ids, params.size, inbox, method, f"compute-{i + 1}")
             for i, ids in enumerate(_shares(params))]
    results: dict[int, int] = {}
    t0 = now()
    try:
        for p in procs:
            p.start()
        while len(results) < params.tasks and not cancel.is_set():
            try:
                _report("subclass", "processes", inbox.get(timeout=POLL_S), results, pump)
                continue
            except queue.Empty:
                pass
            failed = [p for p in procs if p.exitcode not in (None, 0)]
            if failed:
                raise _Failed(f"a worker process failed (exit code {failed[0].exitcode})")
            if all(p.exitcode == 0 for p in procs) and inbox.empty():
                raise _Failed("the worker processes ended without sending every result")
    finally:
        for p in procs:
            if p.is_alive() and len(results) < params.tasks:
                p.terminate()  # cancelled, or another worker failed
        for p in procs:
            if p.pid is not None:
                p.join()
                p.close()
        inbox.close()
        inbox.join_thread()
    return _outcome("subclass", "processes", params, t0, results)


def _pool(mode: str, params: SubclassParams, method: str | None, pump: EventPump,
          cancel: threading.Event) -> ApproachOutcome:
    if mode == "threads":
        executor: concurrent.futures.Executor = concurrent.futures.ThreadPoolExecutor(
            params.workers, thread_name_prefix="pool")
    else:
        executor = concurrent.futures.ProcessPoolExecutor(
            params.workers, mp_context=multiprocessing.get_context(method))
    results: dict[int, int] = {}
    t0 = now()
    try:
        # run_pool() in full, with a cancel check and an event per finished task:
        pending = {executor.submit(pool_compute, task_id, params.size) for task_id in range(params.tasks)}
        while pending and not cancel.is_set():
            done, pending = concurrent.futures.wait(pending, timeout=POLL_S,
                                                    return_when=concurrent.futures.FIRST_COMPLETED)
            for f in done:
                try:
                    _report("pool", mode, f.result(), results, pump)
                except concurrent.futures.process.BrokenProcessPool as exc:
                    raise _Failed(f"the process pool broke: {exc}") from None
    finally:
        if cancel.is_set() and mode == "processes":
            for p in list(getattr(executor, "_processes", {}).values()):  # stop running tasks now
                p.terminate()
        executor.shutdown(wait=True, cancel_futures=True)
    return _outcome("pool", mode, params, t0, results)


_RUNNERS = {
    ("subclass", "threads"): _subclass_threads,
    ("subclass", "processes"): _subclass_processes,
    ("pool", "threads"): lambda p, m, e, c: _pool("threads", p, m, e, c),
    ("pool", "processes"): lambda p, m, e, c: _pool("processes", p, m, e, c),
}


# --- words ------------------------------------------------------------------------


def explain(result: SubclassResult | None = None) -> str:
    text = f"{EXPLANATION} {interpreter_facts()}"
    if result is None:
        return text
    lines = [text]
    if result.start_method:
        lines.append(f"Here a bare multiprocessing.Process would use {global_default_start_method()}; "
                     f"these processes used {result.start_method}.")
    for mode in ("threads", "processes"):
        same = result.same_results(mode)
        if same is None:
            continue
        a, b = result.outcome("subclass", mode), result.outcome("pool", mode)
        assert a is not None and b is not None  # same_results() says both ran
        ta, tb = in_one_unit(a.wall_s, b.wall_s)
        lines.append(f"On {mode}: the {type_name(mode)} subclass took {ta}, the pool {tb}; "
                     + ("the results are identical." if same else "THE RESULTS DIFFER."))
    return "\n".join(lines)


def in_one_unit(*seconds: float) -> list[str]:
    """Times written in one unit, the largest one the longest is at least one of, as the lab's wall-time
    plot writes them: ``in_one_unit(0.0102, 0.0085)`` is ``["10 ms", "8.5 ms"]`` (not "0.01 s" twice)."""
    longest = max(seconds, default=0.0)
    name, scale = next(((n, k) for n, k in (("s", 1.0), ("ms", 1e-3)) if longest >= k * 0.999), ("µs", 1e-6))
    return [f"{v / scale:.1f} {name}" if abs(v / scale) < 9.95 else f"{v / scale:.0f} {name}" for v in seconds]


def type_name(mode: str) -> str:
    return "Thread" if mode == "threads" else "Process"


def summary(result: SubclassResult) -> list[str]:
    p = result.params
    lines = [f"{p.tasks} tasks of cpu-python size {p.size:,} on {p.workers} workers"
             + (f"; processes start with {result.start_method}" if result.start_method else "")]
    lines.append(f"{'approach':<30}{'wall s':>8}  {'tasks':>5}  results")
    for o in result.outcomes:
        what = (f"{type_name(o.mode)} subclass" if o.approach == "subclass"
                else ("ThreadPoolExecutor" if o.mode == "threads" else "ProcessPoolExecutor"))
        same = result.same_results(o.mode)
        check = "-" if same is None else ("same as the pool" if o.approach == "subclass" and same
                                          else "same as the subclass" if same else "DIFFERENT")
        lines.append(f"{what:<30}{o.wall_s:>8.3f}  {len(o.results):>5}  {check}")
    lines.append(f"status {result.status.value}" + (f": {result.error}" if result.error else ""))
    return lines
