"""Thread/Process subclasses compute exactly what the pools compute (and what a plain loop does)."""

from __future__ import annotations

import threading

import pytest

from concgui.engine import startmethods
from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.labs import subclass

from ._util import Recorder


def test_subclasses_equal_pools_on_threads_and_processes() -> None:
    rec = Recorder()
    p = subclass.SubclassParams(tasks=6, size=20_000, workers=2, mode="both")
    r = subclass.run(p, rec)
    assert r.status is RunStatus.DONE, r.error
    assert r.start_method == startmethods.default() != "fork"
    expected = {i: subclass.compute(i, p.size) for i in range(p.tasks)}
    assert len(set(expected.values())) == p.tasks  # distinct inputs, so a mix-up would show
    for mode in ("threads", "processes"):
        assert r.outcome("subclass", mode).results == expected
        assert r.outcome("pool", mode).results == expected
        assert r.same_results(mode) is True
    done = rec.of(subclass.SubclassTaskDone)
    assert len(done) == 4 * p.tasks
    workers = {e.worker for e in done if e.approach == "subclass" and e.mode == "processes"}
    assert len(workers) == 2 and all(w.startswith("pid ") for w in workers)
    assert {e.worker for e in done if e.approach == "subclass" and e.mode == "threads"} == {"compute-1", "compute-2"}
    assert rec.threads == {threading.get_ident()}
    d = r.as_dict()
    assert d["same_results"] == {"processes": True, "threads": True}


def test_same_results_says_when_they_differ() -> None:
    p = subclass.SubclassParams(tasks=2, size=10, mode="threads")
    a = subclass.ApproachOutcome("subclass", "threads", 2, 0.1, {0: 1, 1: 2})
    b = subclass.ApproachOutcome("pool", "threads", 2, 0.1, {0: 1, 1: 3})
    r = subclass.SubclassResult(p, (a, b), None, RunStatus.DONE)
    assert r.same_results("threads") is False
    assert r.same_results("processes") is None
    assert "DIFFERENT" in "\n".join(subclass.summary(r))


def test_the_process_subclass_uses_the_chosen_start_method_not_the_global_default() -> None:
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    proc = subclass.ComputeProcess([0], 1000, q, "spawn", "compute-spawn")
    proc.start()
    try:
        assert "spawn" in type(proc._popen).__module__  # not popen_fork, the global default on Linux < 3.14
        assert q.get(timeout=30)[:2] == (0, subclass.compute(0, 1000))
    finally:
        proc.join(30)
        q.close()
        q.join_thread()
    assert proc.exitcode == 0


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_cancel(mode: str) -> None:
    cancel = threading.Event()

    def hook(ev) -> None:
        if isinstance(ev, subclass.SubclassTaskDone):
            cancel.set()

    r = subclass.run(subclass.SubclassParams(tasks=200, size=50_000, workers=2, mode=mode), Recorder(hook), cancel)
    assert r.status is RunStatus.CANCELLED
    assert len(r.outcomes) == 1 and len(r.outcomes[0].results) < 200


@pytest.mark.parametrize("kwargs", [{"tasks": 0}, {"size": 0}, {"workers": 0}, {"mode": "fibers"},
                                    {"tasks": 10_000, "size": 5_000_000}])
def test_bad_params(kwargs) -> None:
    with pytest.raises(ConfigError):
        subclass.SubclassParams(**kwargs)


def test_the_explanation_says_both_wall_times_in_one_unit() -> None:
    assert subclass.in_one_unit(0.0102, 0.0085) == ["10 ms", "8.5 ms"]  # not "0.01 s" twice
    assert subclass.in_one_unit(2.5, 0.4) == ["2.5 s", "0.4 s"]
    assert subclass.in_one_unit(0.0004) == ["400 µs"]
    p = subclass.SubclassParams(tasks=2, size=10, mode="threads")
    a = subclass.ApproachOutcome("subclass", "threads", 2, 0.0523, {0: 1, 1: 2})
    b = subclass.ApproachOutcome("pool", "threads", 2, 0.0481, {0: 1, 1: 2})
    text = subclass.explain(subclass.SubclassResult(p, (a, b), None, RunStatus.DONE))
    assert "the Thread subclass took 52 ms, the pool 48 ms; the results are identical." in text
