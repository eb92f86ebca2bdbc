"""A task that raises, or a worker process that dies, fails the run cleanly.

The ``crash`` workload fails on purpose (task 2, 5, 8, ... of a run), in any
thread or worker process: a monkeypatched task function would not reach a
worker started by the fork server.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from concgui.engine.config import RunConfig
from concgui.engine.events import RunFinished, RunStarted, RunStatus, TasksFinished, TaskStarted
from concgui.engine.pool import ProcessPool, PoolOutcome
from concgui.engine.runner import Runner
from concgui.engine import startmethods

from tests.helpers import alive, wait_gone, wait_until

MODES = ("serial", "threads", "processes")


def Crashing(mode: str, workers: int, tasks: int, how: int = 1) -> RunConfig:
    return RunConfig("crash", mode, workers, tasks, how)


@pytest.fixture
def runner():
    r = Runner()
    yield r
    r.close()


@pytest.mark.parametrize("mode", MODES)
def test_task_exception_fails_the_run(runner: Runner, mode: str) -> None:
    events: list = []
    fin = runner.run(Crashing(mode, 2, tasks=8), events.append)
    assert fin.status is RunStatus.FAILED
    assert fin.digest is None
    assert fin.error is not None and fin.error.startswith("ValueError: task with seed")
    assert "\n" not in fin.error
    assert fin.details is not None
    assert "Traceback (most recent call last)" in fin.details
    assert "in crash" in fin.details  # the worker's frames, not the runner's
    assert "failed on purpose" in fin.details
    assert isinstance(events[0], RunStarted)
    assert isinstance(events[-1], RunFinished) and events[-1] == fin
    assert sum(isinstance(e, RunFinished) for e in events) == 1
    assert fin.tasks_done < 8


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_runner_recovers_after_a_failure(runner: Runner, mode: str) -> None:
    good = RunConfig("cpu-python", mode, 2, tasks=6, size=10_000)
    expected = runner.run(RunConfig("cpu-python", "serial", tasks=6, size=10_000)).digest
    first = runner.run(good)
    assert first.digest == expected
    old = list(runner._pool.pids) if mode == "processes" else []

    assert runner.run(Crashing(mode, 2, tasks=8)).status is RunStatus.FAILED

    again = runner.run(good)
    assert again.status is RunStatus.DONE
    assert again.digest == expected
    if mode == "processes":
        # The failed pool was stopped and a fresh one started.
        wait_gone(old, timeout=5)
        assert not [p for p in old if alive(p)]
        assert not set(runner._pool.pids) & set(old)


def test_one_failing_thread_stops_the_others(runner: Runner) -> None:
    """After a thread fails, the other threads stop taking tasks."""
    events: list = []
    fin = runner.run(Crashing("threads", 4, tasks=200), events.append)
    assert fin.status is RunStatus.FAILED
    ran = {e.task_id for e in events if isinstance(e, TaskStarted)}
    ran |= {t for e in events if isinstance(e, TasksFinished) for t in e.task_ids}
    assert len(ran) < 200


@pytest.mark.parametrize("how, signal_name", [(2, None), (3, "SIGSEGV")])
def test_worker_process_that_exits_or_segfaults(runner: Runner, how: int, signal_name: str | None) -> None:
    fin = runner.run(Crashing("processes", 2, tasks=8, how=how))
    assert fin.status is RunStatus.FAILED and fin.digest is None
    assert "died" in (fin.error or "")
    assert fin.details and (signal_name in fin.details if signal_name else "exited with code 70" in fin.details)
    again = runner.run(RunConfig("cpu-python", "processes", 2, tasks=4, size=1000))
    assert again.status is RunStatus.DONE


@pytest.mark.parametrize("how", [2, 3])
def test_exit_or_segfault_on_a_thread_only_raises(runner: Runner, how: int) -> None:
    """On a thread (or the GUI thread) the crash would kill the app: it raises instead."""
    fin = runner.run(Crashing("threads", 2, tasks=4, how=how))
    assert fin.status is RunStatus.FAILED
    assert "only in a worker process" in (fin.error or "")


def test_killed_worker_process_fails_the_run(runner: Runner) -> None:
    """A worker that dies mid-run (OOM killer, segfault) is noticed at once."""
    killed: list[int] = []

    def on_event(e) -> None:
        if isinstance(e, TaskStarted) and not killed:
            pid = int(e.worker.split()[1])
            killed.append(pid)
            os.kill(pid, signal.SIGKILL)

    fin = runner.run(RunConfig("io-sleep", "processes", 2, tasks=20, size=200), on_event)
    assert killed
    assert fin.status is RunStatus.FAILED
    assert fin.digest is None
    assert fin.error is not None and str(killed[0]) in fin.error and "\n" not in fin.error
    assert fin.details and "SIGKILL" in fin.details
    assert fin.wall_s < 5.0  # not the 2 s the remaining tasks would take, give or take
    assert runner._pool is None or not runner._pool.alive or killed[0] not in runner._pool.pids
    again = runner.run(RunConfig("io-sleep", "processes", 2, tasks=4, size=10))
    assert again.status is RunStatus.DONE


def test_unknown_workload_in_a_worker_process() -> None:
    """The pool reports an exception raised before the task even starts."""
    pool = ProcessPool(1, startmethods.default())
    try:
        pool.wait_ready()
        out = pool.run(1, "no-such-workload", 1, {}, 2, 1, lambda e: None, threading.Event())
        assert isinstance(out, PoolOutcome)
        assert out.error is not None and out.error.startswith("KeyError")
        assert "no-such-workload" in out.error
        assert out.details and "Traceback" in out.details
        assert not out.cancelled
        assert not pool.alive  # a failed pool is stopped, to be rebuilt
    finally:
        pool.close()


def test_worker_dead_before_hello_is_a_clear_error() -> None:
    """A worker that dies while starting makes wait_ready() raise one clear RuntimeError."""
    pool = ProcessPool(2, startmethods.default())
    try:
        victim = pool._procs[0]
        os.kill(victim.pid, signal.SIGKILL)
        wait_until(lambda: victim.exitcode is not None, timeout=10, what="the killed worker to exit")
        with pytest.raises(RuntimeError, match=r"could not start \(exit code -9\)"):
            pool.wait_ready()
        assert not pool.alive
        assert pool.pids == []
    finally:
        pool.close()


def test_runner_recovers_when_the_pool_cannot_start(runner: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool whose worker dies while starting: the run does not hang, the next run works."""
    real_wait_ready = ProcessPool.wait_ready
    calls = []

    def sabotaged(self: ProcessPool, timeout: float = 30.0) -> None:
        if not calls:
            calls.append(self)
            victim = self._procs[0]
            os.kill(victim.pid, signal.SIGKILL)
            wait_until(lambda: victim.exitcode is not None, timeout=10, what="the killed worker to exit")
        return real_wait_ready(self, timeout)

    monkeypatch.setattr(ProcessPool, "wait_ready", sabotaged)
    cfg = RunConfig("cpu-python", "processes", 2, tasks=4, size=1000)
    fin = runner.run(cfg)
    assert fin.status is RunStatus.FAILED and "could not start" in (fin.error or "")
    assert calls and not calls[0].alive
    again = runner.run(cfg)
    assert again.status is RunStatus.DONE
