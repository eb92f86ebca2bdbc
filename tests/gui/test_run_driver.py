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
