"""The race lab loses updates without a lock and none with one, on threads and on processes."""

from __future__ import annotations

import threading

import pytest

from concgui.engine import startmethods
from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.labs import race

from ._util import Recorder


def test_threads_lose_updates_without_a_lock_and_none_with_one() -> None:
    rec = Recorder()
    r = race.run(race.RaceParams(workers=4, increments=300, mode="threads"), rec)
    assert r.status is RunStatus.DONE
    unlocked = r.outcomes_by_variant["threads, no lock"]
    locked = r.outcomes_by_variant["threads, with a lock"]
    assert unlocked.expected == locked.expected == 1200
    assert unlocked.lost > 0, "the yield point between read and write must make the race visible"
    assert 0 < unlocked.actual < unlocked.expected
    assert locked.lost == 0 and locked.actual == 1200
    # Events: started/finished per variant, samples that end at the final values.
    assert [e.variant for e in rec.of(race.RaceVariantStarted)] == ["threads, no lock", "threads, with a lock"]
    assert [e.outcome for e in rec.of(race.RaceVariantFinished)] == list(r.outcomes)
    last = [s for s in rec.of(race.CounterSample) if s.variant == "threads, no lock"][-1]
    assert (last.value, last.attempted) == (unlocked.actual, 1200)
    assert rec.threads == {threading.get_ident()}


def test_processes_lose_updates_with_a_raw_value_and_none_with_its_lock() -> None:
    rec = Recorder()
    r = race.run(race.RaceParams(workers=3, increments=1000, mode="processes"), rec)
    assert r.status is RunStatus.DONE, r.error
    assert r.start_method == startmethods.default() != "fork"
    unlocked = r.outcomes_by_variant["processes, no lock"]
    locked = r.outcomes_by_variant["processes, with a lock"]
    assert unlocked.lost > 0
    assert locked.lost == 0 and locked.actual == 3000
    assert rec.threads == {threading.get_ident()}


def test_without_the_yield_point_the_count_never_exceeds_expected() -> None:
    r = race.run(race.RaceParams(workers=2, increments=2000, mode="threads", yield_point=False))
    assert r.status is RunStatus.DONE
    for o in r.outcomes:
        assert 0 < o.actual <= o.expected
    assert r.outcomes_by_variant["threads, with a lock"].lost == 0
    assert "3.10" in race.explain(r)


def test_cancel_stops_early() -> None:
    cancel = threading.Event()

    def hook(ev) -> None:
        if isinstance(ev, race.CounterSample):
            cancel.set()

    r = race.run(race.RaceParams(workers=4, increments=50_000 // 4 * 2, mode="threads"), Recorder(hook), cancel)
    assert r.status is RunStatus.CANCELLED
    assert len(r.outcomes) == 1 and r.outcomes[0].status is RunStatus.CANCELLED


@pytest.mark.parametrize("kwargs", [
    {"workers": 0}, {"workers": 10_000}, {"increments": 0}, {"increments": -5}, {"workers": True},
    {"increments": 1.5}, {"mode": "fibers"}, {"start_method": "teleport"}, {"yield_point": "yes"},
    {"workers": 64, "increments": 1_000_000},
])
def test_bad_params(kwargs) -> None:
    with pytest.raises(ConfigError):
        race.RaceParams(**kwargs)
