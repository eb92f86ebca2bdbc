"""The deadlock is seen (wait-for cycle), recovered from within the timeout, and the fix completes."""

from __future__ import annotations

import threading
import time

import pytest

from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.labs import deadlock

from ._util import Recorder


def test_detects_the_cycle_recovers_and_the_fix_completes() -> None:
    rec = Recorder()
    p = deadlock.DeadlockParams(timeout_s=0.3, hold_s=0.01, rounds=4)
    t0 = time.perf_counter()
    r = deadlock.run(p, rec)
    assert r.status is RunStatus.DONE
    b, f = r.broken, r.fixed
    assert r.deadlock_detected
    assert set(b.deadlock) == {deadlock.WaitEdge("thread-A", ("L1",), "L2"),
                               deadlock.WaitEdge("thread-B", ("L2",), "L1")}
    assert b.detected_after_s < p.timeout_s  # seen while it happens, before any timeout
    assert b.gave_up and not b.completed  # at least one backed off
    assert b.wall_s < p.timeout_s + 1.0  # recovered within its timeout (plus scheduling slack)
    timed_out = rec.of(deadlock.LockTimedOut)
    assert timed_out and all(len(e.holding) == 1 and e.lock not in e.holding for e in timed_out)
    assert len(rec.of(deadlock.DeadlockDetected)) == 1
    assert f.completed and f.transfers == 2 * p.rounds and not f.gave_up and f.deadlock is None
    second = rec.of(deadlock.PhaseStarted)[1].t
    assert not [e for e in rec.events if isinstance(e, deadlock.LockTimedOut) and e.t > second]
    assert rec.threads == {threading.get_ident()}
    assert time.perf_counter() - t0 < p.timeout_s + 3
    text = deadlock.explain(r)
    assert "thread-A holds L1 and waits for L2" in text and "thread-B holds L2 and waits for L1" in text
    d = r.as_dict()
    assert d["deadlock_detected"] is True and len(d["broken"]["cycle_text"]) == 2


def test_every_acquire_and_release_pairs_up() -> None:
    rec = Recorder()
    deadlock.run(deadlock.DeadlockParams(timeout_s=0.2, hold_s=0.0, rounds=3), rec)
    acquired = [(e.thread, e.lock) for e in rec.of(deadlock.LockAcquired)]
    released = [(e.thread, e.lock) for e in rec.of(deadlock.LockReleased)]
    assert sorted(acquired) == sorted(released)


def test_cancel_while_deadlocked_returns_before_the_timeout() -> None:
    cancel = threading.Event()
    t_cancel: list[float] = []

    def hook(ev) -> None:
        if isinstance(ev, deadlock.DeadlockDetected):
            t_cancel.append(time.perf_counter())
            cancel.set()

    r = deadlock.run(deadlock.DeadlockParams(timeout_s=5.0), Recorder(hook), cancel)
    assert time.perf_counter() - t_cancel[0] < 0.5
    assert r.status is RunStatus.CANCELLED and r.fixed is None


def test_wait_for_graph_finds_no_cycle_in_a_chain() -> None:
    g = deadlock.WaitForGraph(lambda ev: None, threading.Event())
    g.holder = {"L1": "A"}
    g.waiting = {"B": "L1"}
    assert g.find_cycle() is None
    g.holder["L2"] = "B"
    g.waiting["A"] = "L2"
    assert g.find_cycle() is not None


def test_global_order() -> None:
    a, b = deadlock.NamedLock("L1", 1), deadlock.NamedLock("L2", 2)
    assert deadlock.in_global_order(b, a) == deadlock.in_global_order(a, b) == (a, b)


@pytest.mark.parametrize("kwargs", [{"timeout_s": 0}, {"timeout_s": 100}, {"hold_s": -1}, {"rounds": 0}])
def test_bad_params(kwargs) -> None:
    with pytest.raises(ConfigError):
        deadlock.DeadlockParams(**kwargs)


def test_short_times_are_never_rounded_to_zero_in_any_text():
    from concgui.labs.deadlock import ms_text

    assert ms_text(0.4) == "0.4 ms" and ms_text(9.96) == "10.0 ms" and ms_text(12.4) == "12 ms"
