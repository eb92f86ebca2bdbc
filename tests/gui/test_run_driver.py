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



def test_a_dask_run_from_the_window_has_its_client_in_the_worker_host(qtbot, driver, monkeypatch):
    """The window's runs go to the worker host, a dask run's too: its Dask client, its cluster's start and
    every message of the run take the host's GIL, never the window's (whose first dask run froze it ~50 ms)."""
    pytest.importorskip("distributed")
    from concgui.engine import dask_cluster

    class NotInTheWindow:
        def __init__(self, *a, **k):
            raise AssertionError("a Dask cluster client in the window's process")

    monkeypatch.setattr(dask_cluster, "DaskCluster", NotInTheWindow)  # this process only: not the host's
    outcome = _batch(qtbot, driver, [RunConfig("cpu-python", "dask", 2, 8, 1000)])
    assert outcome.ok, outcome.error
    (started, fin), = outcome.runs
    assert fin.status is RunStatus.DONE and fin.tasks_done == 8
    assert started.cluster["started_here"] and started.cluster["start_s"] > 0
    assert started.cluster["scheduler"].startswith("tcp://127.0.0.1:")


def test_cancelling_a_hosted_dask_run_stops_its_cluster_at_once(qtbot, driver):
    """Cancel stops the worker host that holds the client; it kills the cluster it started on its way out,
    so nothing of the run is left (the leak check after every test counts the processes)."""
    pytest.importorskip("distributed")
    import psutil

    started, snaps = [], []
    driver.run_started.connect(started.append)
    driver.progressed.connect(snaps.append)
    with qtbot.waitSignal(driver.batch_finished, timeout=TIMEOUT_MS) as blocker:
        driver.start([RunConfig("cpu-python", "dask", 2, 400, 60_000)])
        qtbot.waitUntil(lambda: any(s.done > 0 for s in snaps), timeout=TIMEOUT_MS)
        cluster = [k for k in psutil.Process().children(recursive=True) if "dask_host" in " ".join(k.cmdline())]
        driver.cancel()
    (_, fin), = blocker.args[0].runs
    assert fin.status is RunStatus.CANCELLED and 0 < fin.tasks_done < 400
    assert started[0].cluster["started_here"] and len(cluster) == 1
    gone, alive = psutil.wait_procs(cluster, timeout=2.0)
    assert not alive
