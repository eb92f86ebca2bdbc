"""The run driver on its own: coalesced progress, errors, shutdown."""

from __future__ import annotations

import pytest

from concgui.engine.config import RunConfig
from concgui.engine.events import RunStatus
from concgui.gui.run_driver import RunDriver

TIMEOUT_MS = 30_000


@pytest.fixture
def driver():
    d = RunDriver(progress_hz=30)
    yield d
    assert d.shutdown()
    assert not d.thread_running


def _batch(qtbot, driver, configs):
    with qtbot.waitSignal(driver.batch_finished, timeout=TIMEOUT_MS) as blocker:
        driver.start(configs)
    return blocker.args[0]


def test_progress_is_coalesced_not_one_signal_per_event(qtbot, driver):
    tasks = 3000  # tiny tasks: two events each, thousands of events in well under a second
    snaps, started = [], []
    driver.progressed.connect(snaps.append)
    driver.run_started.connect(started.append)
    outcome = _batch(qtbot, driver, [RunConfig("cpu-python", "threads", 2, tasks, 500)])
    assert outcome.ok
    (_, fin), = outcome.runs
    assert fin.status is RunStatus.DONE
    assert len(started) == 1
    # At most 30 a second, plus one at the start and one at the end.
    assert len(snaps) <= fin.wall_s * 30 + 3
    assert len(snaps) < tasks / 10
    assert snaps[-1].finished and snaps[-1].done == tasks and snaps[-1].fraction == 1.0


def test_bad_input_ends_the_batch_with_a_message(qtbot, driver):
    outcome = _batch(qtbot, driver, [RunConfig("cpu-python", "threads", 0, 4, 100)])
    assert not outcome.ok and not outcome.runs
    assert "workers must be between" in outcome.error
    assert not driver.busy


def test_runs_of_a_batch_follow_each_other_and_stop_at_cancel(qtbot, driver):
    finished = []
    driver.run_finished.connect(lambda s, f: finished.append((s.mode, f.status)))
    cfgs = [RunConfig("io-sleep", m, 2, 4, 10) for m in ("serial", "threads")]
    outcome = _batch(qtbot, driver, cfgs)
    assert outcome.ok and finished == [("serial", RunStatus.DONE), ("threads", RunStatus.DONE)]

    finished.clear()
    with qtbot.waitSignal(driver.batch_finished, timeout=TIMEOUT_MS) as blocker:
        driver.start([RunConfig("io-sleep", "serial", 1, 1000, 100), RunConfig("io-sleep", "threads", 2, 4, 10)])
        driver.cancel()
    assert blocker.args[0].cancelled or not blocker.args[0].runs
    assert ("threads", RunStatus.DONE) not in finished


def test_one_batch_at_a_time(qtbot, driver):
    with qtbot.waitSignal(driver.batch_finished, timeout=TIMEOUT_MS):
        driver.start([RunConfig("io-sleep", "serial", 1, 2, 10)])
        with pytest.raises(RuntimeError):
            driver.start([RunConfig("io-sleep", "serial", 1, 2, 10)])


def test_the_relay_does_work_per_fold_not_per_task(qtbot, driver, monkeypatch):
    """100,000 tiny tasks reach the driver thread as a few hundred events; progress still counts each task."""
    from concgui.gui import run_driver

    calls = {"n": 0}
    relay = run_driver._Coalescer.__call__

    def counting(self, ev):
        calls["n"] += 1
        relay(self, ev)

    monkeypatch.setattr(run_driver._Coalescer, "__call__", counting)
    tasks = 100_000
    snaps = []
    driver.progressed.connect(snaps.append)
    outcome = _batch(qtbot, driver, [RunConfig("cpu-python", "threads", 2, tasks, 20)])
    assert outcome.ok
    assert calls["n"] < tasks / 100
    assert snaps[-1].finished and snaps[-1].done == tasks
    assert sum(b.spans.tasks for b in snaps if b.spans is not None) == tasks


def test_the_flood_still_sends_one_signal_per_finished_task(qtbot, driver):
    """The lesson's wrong way: tasks arrive folded, the flood unfolds them into one item_done each."""
    tasks = 5_000
    done: list[int] = []
    driver.item_done.connect(done.append)
    with qtbot.waitSignal(driver.batch_finished, timeout=TIMEOUT_MS):
        driver.start([RunConfig("cpu-python", "processes", 2, tasks, 20)], flood=True)
    qtbot.waitUntil(lambda: len(done) == tasks, timeout=TIMEOUT_MS)
    assert done == list(range(1, tasks + 1))
    assert driver.flood.emitted == driver.flood.delivered == tasks


def test_a_batch_with_a_dask_run_imports_dask_before_its_first_run_starts(qtbot, driver, monkeypatch):
    """Dask's imports (~0.25 s that hold the GIL in stretches) come before the run's clock, whose window's
    lateness they would otherwise be: the first dask run of a session froze the window ~50 ms, later ones ~5."""
    pytest.importorskip("distributed")
    from concgui.engine import dask_cluster
    from concgui.engine.clock import now

    loads: list[float] = []
    monkeypatch.setattr(dask_cluster, "preload", lambda: loads.append(now()))
    started = []
    driver.run_started.connect(started.append)
    assert _batch(qtbot, driver, [RunConfig("io-sleep", "serial", 1, 1, 1)]).ok
    assert loads == []  # no dask run in the batch: Dask stays unimported
    # A scheduler nobody listens on (loopback, port 1): the run fails at once, after the batch preloaded.
    outcome = _batch(qtbot, driver, [RunConfig("cpu-python", "dask", 1, 2, scheduler="tcp://127.0.0.1:1")])
    assert not outcome.ok or outcome.runs[-1][1].status is RunStatus.FAILED
    assert len(loads) == 1 and loads[0] < started[-1].t
