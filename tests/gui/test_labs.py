"""The Labs tab: every lab runs off the GUI thread and shows its outcome; cancel, bad input, close."""

from __future__ import annotations

import pytest

from concgui.engine.events import RunStatus
from concgui.gui.labs import LabsView
from concgui.gui.labs.lab_runner import BATCH_HZ, LabRunner
from concgui.labs import ipc

TIMEOUT_MS = 30_000


@pytest.fixture
def labs_view(qtbot):
    v = LabsView()
    qtbot.addWidget(v)
    v.resize(1300, 850)
    v.show()
    yield v
    assert v.shutdown()
    assert not v.runner.thread_running


def run_lab(qtbot, view: LabsView, name: str, **values):
    page = view.select(name)
    for k, v in values.items():
        page.form.set_value(k, v)
    with qtbot.waitSignal(view.lab_finished, timeout=TIMEOUT_MS) as blocker:
        assert view.run(name), page.message.text()
    outcome = blocker.args[0]
    assert outcome.name == name
    assert outcome.error is None, outcome.details
    assert not view.busy and page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    return page, outcome


def test_the_labs_tab_lists_every_lab_and_shows_its_code(labs_view):
    assert labs_view.list.count() == 6
    for name, needle in [("race", "def increment_unlocked"), ("semaphore", "def use_resource"),
                         ("condition", "class BoundedBuffer"), ("deadlock", "def in_global_order"),
                         ("ipc", "def ipc_child"), ("subclass", "class ComputeProcess")]:
        page = labs_view.select(name)
        assert labs_view.current is page
        assert needle in page.source.toPlainText()
        assert page.source.isReadOnly()
        assert "Why" in page.outcome.toPlainText()  # the explanation, before any run


def test_race_loses_updates_without_a_lock_and_none_with_one(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "race", workers=4, increments=300, mode="threads")
    r = outcome.result
    assert r.status is RunStatus.DONE
    view = page.view
    assert view.lost["threads, no lock"] > 0
    assert view.lost["threads, with a lock"] == 0
    assert "updates lost" in view.readout.text() and "exact" in view.readout.text()
    assert "threads, no lock" in page.outcome.toPlainText()  # the summary table
    # The live counter curve got its samples.
    assert len(view.series["threads, with a lock"][0]) > 0


def test_race_on_processes_is_exact_with_the_values_lock(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "race", workers=2, increments=200, mode="processes")
    assert outcome.result.status is RunStatus.DONE
    assert page.view.lost["processes, with a lock"] == 0


def test_semaphore_never_exceeds_k(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "semaphore", permits=2, workers=6, rounds=2, hold_s=20)
    r = outcome.result
    assert r.status is RunStatus.DONE and r.uses == 12
    assert r.max_concurrency <= 2
    assert 1 <= page.view.max_seen <= 2
    assert len(page.view.holds) == 12
    assert "≤ K = 2" in page.view.readout.text()


def test_condition_fills_the_buffer_and_conserves_items(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "condition", items=40, capacity=4, produce_s=1000, consume_s=300)
    r = outcome.result
    assert r.conserved and r.consumed == 40 and r.max_fill <= 4
    assert page.view.max_fill <= 4
    assert "consumed</span> 40" in page.view.consumed.text()


def test_deadlock_is_detected_then_fixed(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "deadlock", timeout_s=100, hold_s=2, rounds=3)
    r = outcome.result
    assert r.deadlock_detected and r.fixed.completed
    view = page.view
    assert view.cycle_text == "thread-A → L2 (held by thread-B) → L1 (held by thread-A)"
    assert view.fixed_completed
    assert view.broken_diagram.state.cycle  # the cycle stays drawn
    assert "Deadlock detected" in view.readout.text()


def test_ipc_measures_every_method_with_good_checksums(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "ipc", min_size=ipc.KIB, max_size=64 * ipc.KIB, factor=8, repeats=1)
    r = outcome.result
    assert r.status is RunStatus.DONE and r.all_verified
    for m in ipc.METHODS:
        x, _ = page.view.lat_curves[m].getData()
        assert x is not None and len(x) == 3  # 1 KiB, 8 KiB, 64 KiB
    assert "checksums ok" in page.view.readout.text()
    assert ipc.shm_leftovers() == []


def test_ipc_offers_sizes_up_to_256_mib_with_a_quick_default(labs_view):
    page = labs_view.select("ipc")
    box = page.form.widgets["max_size"]
    sizes = [box.itemData(i) for i in range(box.count())]
    assert max(sizes) == 256 * ipc.MIB
    assert box.currentData() == 16 * ipc.MIB


def test_subclass_and_pool_agree_and_show_who_ran_what(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "subclass", tasks=4, size=20_000, workers=2, mode="both")
    r = outcome.result
    assert r.status is RunStatus.DONE
    assert r.same_results("threads") and r.same_results("processes")
    assert len(page.view.tasks) == 16  # 4 tasks x 4 approaches, each on a named worker lane
    assert any("pid" in lane for lane in page.view.lanes)
    assert page.view.readout.text().count("identical") == 2


def test_bad_input_shows_a_message_and_keeps_the_last_result(qtbot, labs_view):
    page, first = run_lab(qtbot, labs_view, "race", workers=2, increments=50, mode="threads")
    shown = page.outcome.toPlainText()
    page.form.set_value("workers", 64)
    page.form.set_value("increments", 1_000_000)
    finished = []
    labs_view.lab_finished.connect(finished.append)
    assert not labs_view.run("race")
    assert page.message.isVisible()
    assert "workers x increments must be at most" in page.message.text()
    assert page.result is first.result
    assert page.outcome.toPlainText() == shown
    assert not labs_view.busy and page.run_button.isEnabled()
    qtbot.wait(50)  # let any stray queued signal arrive (none should)
    assert finished == []
    page.form.set_value("workers", 2)  # editing clears the message
    assert not page.message.isVisible()


@pytest.mark.parametrize("name,values", [
    ("semaphore", {"permits": 1, "workers": 4, "rounds": 100, "hold_s": 100}),
    ("race", {"workers": 2, "increments": 40_000, "mode": "processes"}),
])
def test_cancel_mid_run_returns_to_idle(qtbot, labs_view, name, values):
    page = labs_view.select(name)
    for k, v in values.items():
        page.form.set_value(k, v)
    batches = []
    labs_view.runner.events_batched.connect(lambda n, evs: batches.append(len(evs)))
    assert labs_view.run(name)
    assert labs_view.busy and not page.run_button.isEnabled() and page.cancel_button.isEnabled()
    assert not labs_view.run(name)  # one lab at a time
    qtbot.waitUntil(lambda: len(batches) >= 2, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(labs_view.lab_finished, timeout=TIMEOUT_MS) as blocker:
        page.cancel_button.click()
    outcome = blocker.args[0]
    assert outcome.result.status is RunStatus.CANCELLED
    assert not labs_view.busy
    assert page.run_button.isEnabled() and not page.cancel_button.isEnabled()
    assert page.status.text().startswith("Cancelled")


def test_events_are_coalesced_into_few_batches(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "semaphore", permits=4, workers=32, rounds=30, hold_s=0)
    wall = outcome.result.wall_s
    assert outcome.events >= 32 * 30 * 3
    assert outcome.batches <= wall * BATCH_HZ + 3
    assert outcome.batches < outcome.events / 20


def test_a_lab_that_cannot_start_reports_an_error(qtbot):
    runner = LabRunner()
    try:
        with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as blocker:
            runner.start("no-such-lab", None)
        outcome = blocker.args[0]
        assert not outcome.ok and outcome.error.startswith("KeyError")
        assert not runner.busy
    finally:
        assert runner.shutdown()


def test_closing_the_window_during_a_lab_stops_it(qtbot, window):
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(tabs.index("Labs"))
    labs_view = window.labs
    page = labs_view.select("race")
    page.form.set_value("mode", "processes")
    page.form.set_value("increments", 40_000)
    page.form.set_value("workers", 2)
    batches = []
    labs_view.runner.events_batched.connect(lambda n, evs: batches.append(n))
    assert labs_view.run("race")
    qtbot.waitUntil(lambda: len(batches) >= 2, timeout=TIMEOUT_MS)
    window.close()
    assert not labs_view.runner.thread_running
    assert not labs_view.busy
    # The autouse leak check then finds no leftover thread or child process.
