"""The measured concurrency never exceeds the permits, and reaches them when work overlaps."""

from __future__ import annotations

import threading
import time

import pytest

from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.labs import semaphore

from ._util import Recorder


@pytest.mark.parametrize("permits, workers", [(1, 4), (3, 8), (4, 2)])
def test_never_more_than_k(permits: int, workers: int) -> None:
    rec = Recorder()
    p = semaphore.SemaphoreParams(permits=permits, workers=workers, rounds=2, hold_s=0.02)
    r = semaphore.run(p, rec)
    assert r.status is RunStatus.DONE
    assert r.uses == workers * 2 == len(r.holds)
    assert 1 <= r.max_concurrency <= permits
    if workers > permits:  # the work overlaps (20 ms holds, everyone starts at once): the limit is reached
        assert r.max_concurrency == permits
    else:
        assert r.max_concurrency == workers
    assert all(e.inside <= permits for e in rec.of(semaphore.PermitAcquired))
    # Independent check from the hold intervals: at no moment more than K holds overlap.
    edges = sorted([(h.start_s, 1) for h in r.holds] + [(h.end_s, -1) for h in r.holds], key=lambda x: (x[0], x[1]))
    inside = peak = 0
    for _, d in edges:
        inside += d
        peak = max(peak, inside)
    assert peak <= permits
    assert rec.threads == {threading.get_ident()}
    assert r.wall_s >= p.ideal_s * 0.9


def test_the_measurement_can_see_a_violation(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the semaphore let more through, the separate counter would say so."""
    real = threading.BoundedSemaphore
    monkeypatch.setattr(semaphore.threading, "BoundedSemaphore", lambda k: real(k + 2))
    r = semaphore.run(semaphore.SemaphoreParams(permits=2, workers=6, rounds=1, hold_s=0.05))
    assert r.max_concurrency == 4 > r.params.permits
    assert "MORE than the permits" in semaphore.explain(r)


def test_cancel_returns_promptly() -> None:
    cancel = threading.Event()
    t_cancel = []

    def hook(ev) -> None:
        if isinstance(ev, semaphore.PermitReleased) and not cancel.is_set():
            cancel.set()
            t_cancel.append(time.perf_counter())

    r = semaphore.run(semaphore.SemaphoreParams(permits=2, workers=6, rounds=50, hold_s=0.05), Recorder(hook), cancel)
    assert time.perf_counter() - t_cancel[0] < 0.5
    assert r.status is RunStatus.CANCELLED
    assert r.uses < 300


@pytest.mark.parametrize("kwargs", [{"permits": 0}, {"workers": -1}, {"hold_s": -0.1}, {"hold_s": float("nan")},
                                    {"rounds": 1000, "workers": 100, "hold_s": 1.0}])
def test_bad_params(kwargs) -> None:
    with pytest.raises(ConfigError):
        semaphore.SemaphoreParams(**kwargs)
