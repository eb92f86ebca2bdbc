"""Soak: 200 runs in a row leave nothing behind (issue 7).

Every mode, every workload (tiny sizes), failures on purpose (a task that
raises; a pool worker that exits or segfaults, so the pool is rebuilt) and
cancels mid-run, all on one Runner, as a lesson would go. Afterwards the
threads, child processes and open file descriptors are back at their baseline,
and the memory grew by little (figures printed with ``pytest -s``).
"""

from __future__ import annotations

import gc
import threading
import time

import psutil
import pytest

from concgui.engine.config import RunConfig
from concgui.engine.events import RunStatus, TasksFinished
from concgui.engine.runner import Runner

from tests.helpers import alive, is_mp_helper, wait_until

RUNS = 200
RSS_BOUND_MB = 50.0
TINY = {"cpu-python": (6, 3_000), "cpu-hash": (2, 1), "cpu-zlib": (2, 1), "io-sleep": (4, 2),
        "io-file": (4, 4), "io-http": (2, 1)}


def _plan() -> list[tuple[RunConfig, RunStatus, bool]]:
    """(config, expected status, cancel after the first task) for each run."""
    cycle: list[tuple[RunConfig, RunStatus, bool]] = []
    for mode, workers in (("serial", 1), ("threads", 2), ("processes", 2)):
        for wl, (tasks, size) in TINY.items():
            cycle.append((RunConfig(wl, mode, workers, tasks, size), RunStatus.DONE, False))
        cycle.append((RunConfig("crash", mode, workers, 6, 1), RunStatus.FAILED, False))
        # Cancelled after its first task (long enough that it cannot finish first).
        cycle.append((RunConfig("io-sleep", mode, workers, 40, 30), RunStatus.CANCELLED, True))
    cycle.append((RunConfig("crash", "processes", 2, 6, 2), RunStatus.FAILED, False))  # os._exit
    cycle.append((RunConfig("crash", "processes", 2, 6, 3), RunStatus.FAILED, False))  # segfault
    cycle.append((RunConfig("cpu-python", "threads", 4, 8, 2_000), RunStatus.DONE, False))
    plan = []
    while len(plan) < RUNS:
        plan.extend(cycle)
    return plan[:RUNS]


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True) if alive(p) and not is_mp_helper(p)}


def _state() -> dict:
    gc.collect()
    me = psutil.Process()
    return {"threads": threading.active_count(), "os_threads": me.num_threads(), "children": _children(),
            "fds": me.num_fds() if hasattr(me, "num_fds") else me.num_handles(),
            "rss_mb": me.memory_info().rss / 2**20}


def _run_one(runner: Runner, cfg: RunConfig, cancel_early: bool):
    cancel = threading.Event()

    def on_event(ev) -> None:
        if cancel_early and isinstance(ev, TasksFinished):
            cancel.set()

    return runner.run(cfg, on_event, cancel)


@pytest.mark.timeout(90)
def test_200_runs_leave_threads_processes_fds_and_memory_at_baseline() -> None:
    plan = _plan()
    runner = Runner()
    try:
        # Warm up: one of each, so imports, the fork server and the resource
        # tracker (kept by multiprocessing for the life of the interpreter) exist.
        seen = set()
        for cfg, _, cancel_early in plan:
            if (cfg.workload, cfg.mode) not in seen:
                seen.add((cfg.workload, cfg.mode))
                _run_one(runner, cfg, cancel_early)
        runner.close()
        wait_until(lambda: not _children(), 5, "warm-up workers to exit")
        before = _state()

        t0 = time.monotonic()
        statuses: dict[RunStatus, int] = {}
        digests: dict[tuple, set] = {}
        for i, (cfg, expected, cancel_early) in enumerate(plan):
            fin = _run_one(runner, cfg, cancel_early)
            assert fin.status is expected, f"run {i} ({cfg}): {fin.status} {fin.error}"
            statuses[fin.status] = statuses.get(fin.status, 0) + 1
            if fin.status is RunStatus.DONE:
                digests.setdefault((cfg.workload, cfg.tasks, cfg.size), set()).add(fin.digest)
        took = time.monotonic() - t0
        runner.close()
    finally:
        runner.close()

    # Same inputs, same results, in every mode, every time.
    assert all(len(d) == 1 for d in digests.values()), digests
    after = before
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # threads and processes take a moment to be reaped
        after = _state()
        if (after["threads"], after["os_threads"], after["children"], after["fds"]) == \
                (before["threads"], before["os_threads"], before["children"], before["fds"]):
            break
        time.sleep(0.05)  # poll interval
    growth = after["rss_mb"] - before["rss_mb"]
    print(f"\n[soak] {RUNS} runs in {took:.1f} s ({', '.join(f'{k.value} {v}' for k, v in statuses.items())}); "
          f"threads {before['threads']}->{after['threads']} (OS {before['os_threads']}->{after['os_threads']}), "
          f"child processes {len(before['children'])}->{len(after['children'])}, fds {before['fds']}->{after['fds']}, "
          f"RSS {before['rss_mb']:.1f}->{after['rss_mb']:.1f} MB ({growth:+.1f} MB)")
    assert after["threads"] == before["threads"]
    assert after["os_threads"] == before["os_threads"]
    assert after["children"] == before["children"] == set()
    assert after["fds"] == before["fds"]
    assert growth < RSS_BOUND_MB
