"""Every workload in every mode computes the same results, and says so correctly.

One Runner serves the whole module so its process pool stays warm; the
fixture starts the pool before the first test (so the leak check sees its
workers as already there) and closes it at the end.
"""

from __future__ import annotations

import re
import threading

import psutil
import pytest

from concgui.engine import startmethods
from concgui.engine.config import RunConfig
from concgui.engine.events import (RunFinished, RunStarted, RunStatus, TaskProgress, TasksFinished, TaskStarted,
                                   WorkerStarted)
from concgui.engine.runner import Runner, results_digest
from concgui.engine.workloads import CATALOG, get_workload, task_seed

from tests.helpers import wait_gone

from ._util import SMALL_SIZE

TASKS = 6
WORKERS = 2
MODES = ("serial", "threads", "processes")


@pytest.fixture(scope="module")
def runner():
    r = Runner()
    # Warm the pool now: its workers then exist before every test in this module.
    fin = r.run(RunConfig("cpu-python", "processes", WORKERS, 2, 1000))
    assert fin.status is RunStatus.DONE, fin
    yield r
    pids = list(r._pool.pids) if r._pool is not None else []
    r.close()
    assert r._pool is None
    left = wait_gone(pids, timeout=5)
    assert not left, f"pool workers still alive after Runner.close(): {left}"


_expected: dict[tuple[str, int], str] = {}


def expected_digest(workload: str, size: int, tasks: int = TASKS) -> str:
    """The digest computed by calling the task functions directly, no engine involved."""
    key = (workload, size, tasks)
    if key not in _expected:
        w = get_workload(workload)
        with w.context() as ctx:
            values = {i: w.func(size, task_seed(i), ctx) for i in range(tasks)}
        _expected[key] = results_digest(values)
    return _expected[key]


def check_stream(events: list, fin: RunFinished, cfg: RunConfig, runner: Runner) -> None:
    """The invariants every run's event stream must satisfy."""
    assert events, "no events"
    assert isinstance(events[0], RunStarted), events[0]
    assert isinstance(events[-1], RunFinished), events[-1]
    assert sum(isinstance(e, RunStarted) for e in events) == 1
    assert sum(isinstance(e, RunFinished) for e in events) == 1
    assert events[-1] is fin or events[-1] == fin
    rs = events[0]
    assert {e.run_id for e in events} == {rs.run_id}

    v = cfg.validate()
    assert (rs.workload, rs.mode, rs.workers, rs.tasks, rs.size) == (v.workload, v.mode, v.workers, v.tasks, v.size)
    assert rs.start_method == (startmethods.default() if cfg.mode == "processes" else None)
    assert rs.chunk_size >= 1

    started = {}
    finished = {}
    for i, e in enumerate(events):
        if isinstance(e, TaskStarted):
            assert e.task_id not in started, f"task {e.task_id} started twice"
            started[e.task_id] = (i, e)
        elif isinstance(e, TasksFinished):
            assert len(e) >= 1
            assert list(e.t_start) == sorted(e.t_start), "a fold's tasks are in the order they ran"
            assert e.wall_sum == pytest.approx(sum(b - a for a, b in zip(e.t_start, e.t_end)))
            assert e.cpu_sum == pytest.approx(sum(e.cpu_s))
            for f in e:
                assert f.task_id not in finished, f"task {f.task_id} finished twice"
                finished[f.task_id] = (i, f)
    ids = set(range(cfg.tasks))
    assert set(finished) == ids
    assert set(started) <= ids  # a task's start is reported only where it may matter

    for tid, (i0, s) in started.items():
        i1, f = finished[tid]
        assert i0 < i1, f"task {tid} finished before it started in the stream"
        assert f.worker == s.worker
        assert f.t_start == s.t
    for _, f in finished.values():
        assert f.t >= f.t_start
        assert f.wall_s >= 0
        assert f.cpu_s >= 0
    # Each worker's first task of the run is reported started at once.
    firsts: dict = {}
    for _, f in finished.values():
        if f.worker not in firsts or f.t_start < firsts[f.worker].t_start:
            firsts[f.worker] = f
    assert all(f.task_id in started for f in firsts.values()), (firsts, started)

    for e in events[1:-1]:
        # Worker timestamps (from other threads and processes) lie inside the run.
        assert rs.t <= e.t <= fin.t, f"{e} outside run {rs.t}..{fin.t}"
        if isinstance(e, TasksFinished):
            assert rs.t <= e.t_first
        if isinstance(e, TaskProgress):
            assert 0.0 <= e.fraction <= 1.0
            assert e.task_id in started, "a task's start is reported by its first progress report at the latest"
            assert started[e.task_id][1].t <= e.t <= finished[e.task_id][1].t
            assert e.worker == started[e.task_id][1].worker
        assert isinstance(e, (WorkerStarted, TaskStarted, TaskProgress, TasksFinished)), e

    workers = {f.worker for _, f in finished.values()}
    if cfg.mode == "serial":
        assert workers == {threading.current_thread().name}
    elif cfg.mode == "threads":
        assert all(re.fullmatch(r"thread-\d+", w) for w in workers), workers
        assert all(1 <= int(w.split("-")[1]) <= cfg.workers for w in workers), workers
    else:
        pids = set(runner._pool.pids)
        assert len(pids) == cfg.workers
        assert all(re.fullmatch(r"pid \d+", w) for w in workers), workers
        assert {int(w.split()[1]) for w in workers} <= pids
        if -(-cfg.tasks // rs.chunk_size) >= cfg.workers:
            # Chunks are dealt round-robin, so every worker gets some.
            assert {int(w.split()[1]) for w in workers} == pids
        assert psutil.Process().pid not in pids

    assert fin.status is RunStatus.DONE, (fin.error, fin.details)
    assert fin.tasks_done == cfg.tasks
    assert fin.error is None and fin.details is None
    assert fin.wall_s > 0
    assert fin.cpu_s >= 0
    assert abs(fin.wall_s - (fin.t - rs.t)) < 1.0  # wall_s measured inside the run


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("workload", [n for n, w in CATALOG.items() if not w.fails])
def test_same_digest_in_every_mode(runner: Runner, workload: str, mode: str) -> None:
    size = SMALL_SIZE[workload]
    cfg = RunConfig(workload, mode, WORKERS, TASKS, size)
    events: list = []
    fin = runner.run(cfg, events.append)
    check_stream(events, fin, cfg, runner)
    assert fin.digest == expected_digest(workload, size)


def test_catalog_is_covered() -> None:
    assert set(SMALL_SIZE) == {n for n, w in CATALOG.items() if not w.fails}, \
        "add a small size for the new workload to tests/engine/_util.py"


def test_different_inputs_give_different_digests(runner: Runner) -> None:
    a = runner.run(RunConfig("cpu-python", "serial", tasks=4, size=1000))
    b = runner.run(RunConfig("cpu-python", "serial", tasks=4, size=1001))
    c = runner.run(RunConfig("cpu-python", "serial", tasks=5, size=1000))
    assert len({a.digest, b.digest, c.digest}) == 3


@pytest.mark.parametrize("chunk", [None, 1, 5, 64])
def test_chunked_process_runs(runner: Runner, chunk: int | None) -> None:
    # 40 tiny tasks: the automatic chunk size is > 1, and 5 leaves a short last chunk.
    cfg = RunConfig("cpu-python", "processes", WORKERS, 42, 500, chunk_size=chunk)
    events: list = []
    fin = runner.run(cfg, events.append)
    check_stream(events, fin, cfg, runner)
    rs = events[0]
    if chunk is None:
        assert rs.chunk_size > 1
    else:
        assert rs.chunk_size == chunk
    assert fin.digest == expected_digest("cpu-python", 500, 42)


def test_pool_stays_warm(runner: Runner) -> None:
    cfg = RunConfig("cpu-python", "processes", WORKERS, 4, 1000)
    runner.run(cfg)
    pool = runner._pool
    pids = list(pool.pids)
    for _ in range(3):
        assert runner.run(cfg).status is RunStatus.DONE
    assert runner._pool is pool
    assert pool.pids == pids
    assert all(psutil.pid_exists(p) for p in pids)


def test_threads_overlap_on_io(runner: Runner) -> None:
    """Sleeping tasks on 2 threads: both threads take tasks."""
    events: list = []
    fin = runner.run(RunConfig("io-sleep", "threads", 2, 6, 30), events.append)
    assert fin.status is RunStatus.DONE
    workers = {e.worker for e in events if isinstance(e, TasksFinished)}
    assert workers == {"thread-1", "thread-2"}


def test_on_event_runs_on_the_calling_thread(runner: Runner) -> None:
    me = threading.get_ident()
    for mode in MODES:
        seen = set()
        runner.run(RunConfig("cpu-python", mode, WORKERS, 4, 1000), lambda e: seen.add(threading.get_ident()))
        assert seen == {me}, mode


def test_run_ids_increase(runner: Runner) -> None:
    a = runner.run(RunConfig("cpu-python", "serial", tasks=1, size=10))
    b = runner.run(RunConfig("cpu-python", "threads", 2, tasks=1, size=10))
    assert b.run_id > a.run_id


def test_a_digest_depends_on_the_values_not_on_which_objects_hold_them() -> None:
    """Values that came from another process are new objects: equal values must hash the same."""
    import pickle

    from concgui.engine.results import results_digest

    word = "ab" * 20
    shared = {0: word, 1: word, 2: (1.5, word)}
    copied = pickle.loads(pickle.dumps({0: word}))
    copied.update({1: "".join(["ab"] * 20), 2: (1.5, "".join(["ab"] * 20))})
    assert copied[0] is not copied[1] and shared[0] is shared[1]
    assert results_digest(shared) == results_digest(copied)
    assert results_digest(shared) != results_digest({**shared, 1: word + "!"})


def test_values_marshal_does_not_take_still_have_a_digest_that_tells_them_apart() -> None:
    from fractions import Fraction

    from concgui.engine.results import results_digest

    assert results_digest({0: Fraction(1, 3)}) == results_digest({0: Fraction(2, 6)})
    assert results_digest({0: Fraction(1, 3)}) != results_digest({0: Fraction(1, 4)})
