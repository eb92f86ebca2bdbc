"""Cancelling a run stops it promptly in every mode and leaves nothing running."""

from __future__ import annotations

import threading
import time

import pytest

from concgui.engine.config import RunConfig
from concgui.engine.events import RunFinished, RunStatus, TasksFinished, TaskStarted
from concgui.engine.runner import Runner

from tests.helpers import alive

MODES = ("serial", "threads", "processes")
#: Generous: CI machines are noisy. Cancelling should take tens of ms.
CANCEL_BOUND_S = 2.0
#: A run long enough that it cannot finish before the cancel lands:
#: 24 tasks x 150 ms on 2 workers is >= 1.8 s (3.6 s serially).
LONG = dict(workload="io-sleep", workers=2, tasks=24, size=150)
#: Pure-Python tasks of ~0.3 s each: a thread can only stop at a progress point.
LONG_CPU = dict(workload="cpu-python", workers=2, tasks=12, size=2_000_000)


@pytest.fixture
def runner():
    r = Runner()
    yield r
    r.close()


def _serial_digest(**kw) -> str:
    with Runner() as r:
        fin = r.run(RunConfig(mode="serial", **kw))
    assert fin.status is RunStatus.DONE
    return fin.digest


def _check_cancelled(fin: RunFinished, events: list, tasks: int) -> None:
    assert fin.status is RunStatus.CANCELLED, (fin.status, fin.error, fin.details)
    assert fin.digest is None
    assert fin.error is None
    assert fin.tasks_done < tasks
    assert events[-1] == fin
    finished = [t for e in events if isinstance(e, TasksFinished) for t in e.task_ids]
    assert len(finished) == len(set(finished)) == fin.tasks_done  # every result reported came in a fold


def _pool_pids(runner: Runner) -> list[int]:
    return list(runner._pool.pids) if runner._pool is not None else []


def _assert_gone(pids: list[int]) -> None:
    running = [p for p in pids if alive(p)]
    assert not running, f"workers of the cancelled pool still running: {running}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("work", [LONG, LONG_CPU], ids=["io-sleep", "cpu-python"])
def test_cancel_after_first_task(runner: Runner, mode: str, work: dict) -> None:
    cancel = threading.Event()
    cancelled_at: list[float] = []
    events: list = []

    def on_event(e) -> None:
        events.append(e)
        if isinstance(e, TasksFinished) and not cancel.is_set():
            cancelled_at.append(time.monotonic())
            cancel.set()

    fin = runner.run(RunConfig(mode=mode, **work), on_event, cancel)
    returned = time.monotonic()
    assert cancelled_at, "no task finished before the run ended"
    assert returned - cancelled_at[0] < CANCEL_BOUND_S
    _check_cancelled(fin, events, work["tasks"])


@pytest.mark.parametrize("mode", MODES)
def test_cancel_from_a_timer(runner: Runner, mode: str) -> None:
    cancel = threading.Event()
    started = threading.Event()
    events: list = []

    def on_event(e) -> None:
        events.append(e)
        if isinstance(e, TaskStarted):
            started.set()

    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    try:
        fin = runner.run(RunConfig(mode=mode, **LONG), on_event, cancel)
    finally:
        timer.cancel()
        timer.join()
    assert cancel.is_set() and started.is_set()
    _check_cancelled(fin, events, LONG["tasks"])
    assert fin.wall_s < 0.3 + CANCEL_BOUND_S


@pytest.mark.parametrize("mode", MODES)
def test_cancel_before_start(runner: Runner, mode: str) -> None:
    cancel = threading.Event()
    cancel.set()
    events: list = []
    fin = runner.run(RunConfig(mode=mode, **LONG), events.append, cancel)
    _check_cancelled(fin, events, LONG["tasks"])
    assert fin.wall_s < CANCEL_BOUND_S


def test_cancelled_pool_is_gone_and_rebuilt(runner: Runner) -> None:
    small = dict(workload="cpu-python", workers=2, tasks=6, size=20_000)
    expected = _serial_digest(**small)

    ok = runner.run(RunConfig(mode="processes", **small))
    assert ok.digest == expected
    old = _pool_pids(runner)
    assert len(old) == 2

    cancel = threading.Event()
    fin = runner.run(RunConfig(mode="processes", **LONG_CPU),
                     lambda e: isinstance(e, TasksFinished) and cancel.set(), cancel)
    assert fin.status is RunStatus.CANCELLED
    # The pool that ran the cancelled run was terminated, not left to finish its chunks.
    _assert_gone(old)
    assert runner._pool is None or not set(runner._pool.pids) & set(old)

    again = runner.run(RunConfig(mode="processes", **small))
    assert again.status is RunStatus.DONE
    assert again.digest == expected
    new = _pool_pids(runner)
    assert len(new) == 2 and not set(new) & set(old)


@pytest.mark.parametrize("mode", ["serial", "threads"])
def test_runner_usable_after_cancel(runner: Runner, mode: str) -> None:
    small = dict(workload="io-sleep", workers=2, tasks=4, size=10)
    cancel = threading.Event()
    fin = runner.run(RunConfig(mode=mode, **LONG), lambda e: isinstance(e, TasksFinished) and cancel.set(), cancel)
    assert fin.status is RunStatus.CANCELLED
    again = runner.run(RunConfig(mode=mode, **small))
    assert again.status is RunStatus.DONE
    assert again.digest == _serial_digest(**small)
