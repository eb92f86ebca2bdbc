"""The Labs tab: every lab runs off the GUI thread and shows its outcome; cancel, bad input, close."""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow

from concgui.engine.events import RunStatus
from concgui.gui.labs import LabsView
from concgui.gui.labs.deadlock_view import DRAWING_MIN_H
from concgui.gui.labs.lab_runner import BATCH_HZ, LabOutcome, LabRunner
from concgui.gui.labs.plots import BAD
from concgui.gui.labs.subclass_view import SubclassView
from concgui.labs import deadlock, ipc, subclass

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


# --- fit and finish: no text cut, one unit per plot ------------------------------------------

#: A 1366×768 screen's window, and a big one.
SMALL_WINDOW, BIG_WINDOW = (1284, 706), (1840, 1000)


@pytest.fixture
def labs_window(qtbot, request):
    """The Labs view alone in a main window of the size the test is parametrized with."""
    win = QMainWindow()
    view = LabsView()
    win.setCentralWidget(view)
    qtbot.addWidget(win)
    win.resize(*request.param)
    win.show()
    qtbot.waitExposed(win)
    yield view
    assert view.shutdown()


def cut_labels(page) -> list[str]:
    """The page's word-wrapped labels that are shorter than their text needs at their width, or that stick
    out of the widget holding them (so no scrolling could show their end)."""
    cut = []
    for label in page.findChildren(QLabel):
        if not (label.wordWrap() and label.isVisibleTo(page) and label.text()):
            continue
        need = label.heightForWidth(label.width())
        parent = label.parentWidget()
        if label.height() < need or label.geometry().bottom() > parent.height():
            cut.append(f"{label.objectName() or label.text()[:40]!r}: {label.height()} px of {need}")
    return cut


@pytest.mark.parametrize("labs_window", [SMALL_WINDOW, BIG_WINDOW], indirect=True)
def test_the_deadlock_cards_never_cut_their_text(qtbot, labs_window):
    page, outcome = run_lab(qtbot, labs_window, "deadlock", timeout_s=100, hold_s=2, rounds=3)
    assert outcome.result.deadlock_detected
    view = page.view
    qtbot.waitUntil(lambda: not cut_labels(page), timeout=5000)
    for d in (view.broken_diagram, view.fixed_diagram):
        assert d.status_label.isVisible() and d.status  # the status is a label now, not painted text
    assert view.broken_diagram.status.startswith("DEADLOCK after ")
    # A far longer status than a run makes (sixteen give-ups): the card scrolls rather than cut or squeeze it.
    t = 1000.0
    view.begin(outcome.params)
    cycle = outcome.result.broken.deadlock
    view.apply([deadlock.PhaseStarted(deadlock.BROKEN, t), deadlock.DeadlockDetected(cycle, t + 0.0004)]
               + [deadlock.LockTimedOut(e.thread, e.waits_for, e.holds, t + 0.1 + i) for i, e in
                  enumerate(cycle * 8)])
    status = view.broken_diagram.status
    assert status.count("gave up") == 16 and "after 0.4 ms" in status  # short times said as ms_text says them
    qtbot.waitUntil(lambda: not cut_labels(page), timeout=5000)
    for d in (view.broken_diagram, view.fixed_diagram):
        assert d.drawing_rect().height() >= DRAWING_MIN_H  # the drawing is not squeezed by the texts either
        nodes = d._nodes()
        assert nodes["L1"].top() >= d.title_label.geometry().bottom()  # the drawing keeps off the texts
        if d.status_label.isVisible():
            assert nodes["L2"].bottom() <= d.status_label.geometry().top()
    # Both drawings sit level, whatever their titles' lengths.
    assert view.broken_diagram.drawing_rect().top() == view.fixed_diagram.drawing_rect().top()


def test_the_deadlock_texts_keep_their_colours_in_either_theme(window):
    tabs = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(tabs.index("Labs"))
    d = window.labs.select("deadlock").view.broken_diagram
    d.set_state(d.state, "DEADLOCK after 1.0 ms", BAD)
    for theme in ("dark", "light"):
        window.theme_actions[theme].trigger()
        bg = d.background()
        assert d.status_label.styleSheet() == f"color: {d.text_on(BAD, bg).name()};"
        assert d.title_label.styleSheet() == f"color: {d.text_on(None, bg).name()};"


@pytest.mark.parametrize("labs_window", [SMALL_WINDOW], indirect=True)
def test_no_lab_page_cuts_its_texts_on_a_small_screen(qtbot, labs_window):
    for name in labs_window.names:
        page = labs_window.select(name)
        qtbot.waitUntil(lambda: not cut_labels(page), timeout=5000)


def _subclass_result(walls: dict[tuple[str, str], float]) -> subclass.SubclassResult:
    p = subclass.SubclassParams(tasks=2, size=10, mode="both")
    outcomes = tuple(subclass.ApproachOutcome(a, m, 2, w, {0: 1, 1: 2}) for (a, m), w in walls.items())
    return subclass.SubclassResult(p, outcomes, "spawn", RunStatus.DONE)


def axis_unit(view: SubclassView) -> str:
    """The unit in the wall-time axis's label, as drawn."""
    ax = view.walls.getPlotItem().getAxis("left")
    (unit,) = re.findall(r"\(([^)]*)\)", ax.labelString())
    return unit


@pytest.mark.parametrize("wall_s,unit", [(0.05, "ms"), (0.0123, "ms"), (2.5, "s"), (0.0004, "µs")])
def test_the_subclass_wall_times_are_in_one_unit_on_the_axis_and_the_bars(qtbot, wall_s, unit):
    view = SubclassView()
    qtbot.addWidget(view)
    view.begin(subclass.SubclassParams(tasks=2, size=10, mode="both"))
    walls = {("subclass", "threads"): wall_s, ("pool", "threads"): wall_s * 0.8,
             ("subclass", "processes"): wall_s * 0.3, ("pool", "processes"): wall_s * 0.5}
    view.finish(_subclass_result(walls))
    for _ in range(2):  # and again after a theme change restyles the plot
        ax = view.walls.getPlotItem().getAxis("left")
        assert axis_unit(view) == unit == view.walls.axis_units("left")
        assert ax.autoSIPrefixScale == 1.0  # the ticks are the plotted numbers, in that unit
        labels = [t.toPlainText() for t in view.wall_text]
        assert labels and all(t.endswith(f" {unit}") for t in labels), labels
        heights = view.wall_bars.opts["height"]
        scale = {"s": 1.0, "ms": 1e-3, "µs": 1e-6}[unit]
        for t, h, k in zip(labels, heights, view.approaches):
            assert h == pytest.approx(walls[k] / scale)
            assert float(t.split()[0]) == pytest.approx(h, rel=0.06, abs=0.06)  # the label says the bar's height
        readout = view.readout.text()
        assert f" {unit}," in readout and not re.search(r"\d s,", readout) or unit == "s", readout
        view.walls.restyle()


def test_the_subclass_lab_s_live_units_follow_the_run(qtbot, labs_view):
    page, outcome = run_lab(qtbot, labs_view, "subclass", tasks=2, size=20_000, workers=2, mode="threads")
    view = page.view
    longest = max(o.wall_s for o in outcome.result.outcomes)
    unit = "s" if longest >= 0.999 else "ms" if longest >= 0.000999 else "µs"
    assert axis_unit(view) == unit
    assert all(t.toPlainText().endswith(f" {unit}") for t in view.wall_text if t.toPlainText())
    page.finish(LabOutcome("subclass", outcome.params, outcome.result))  # showing it again changes nothing
    assert axis_unit(view) == unit


@pytest.mark.parametrize("labs_window", [SMALL_WINDOW], indirect=True)
def test_lab_legends_sit_under_their_plots_never_over_the_data(qtbot, labs_window):
    from PySide6.QtWidgets import QApplication

    from concgui.gui.labs.plots import LabPlot

    with_legend = 0
    for name in ("race", "condition", "ipc"):
        page = labs_window.select(name)
        qtbot.waitUntil(page.isVisible)
        QApplication.processEvents()  # laid out at the window's size
        for plot in page.findChildren(LabPlot):
            p = plot.getPlotItem()
            if p.legend is None:
                continue
            with_legend += 1
            legend, view = p.legend.sceneBoundingRect(), p.getViewBox().sceneBoundingRect()
            assert legend.top() >= view.bottom(), f"{name}: the legend overlaps the data area"
            for _sample, label in p.legend.items:
                right = label.mapRectToScene(label.boundingRect()).right()
                assert right <= plot.sceneRect().right() + 1, f"{name}: {label.text!r} runs off the plot"
    assert with_legend == 3


def test_a_lab_plot_is_never_narrower_than_its_title_or_its_legends_row(qtbot):
    # Beside the lesson panel the race lab's page is narrower than it wants: it scrolls, rather than cut
    # "Expected vs actual count" to "Expected vs actual co" and drop its legend's second column.
    from PySide6.QtGui import QFont, QFontMetrics

    from concgui.gui.labs.plots import TITLE_PT
    from concgui.gui.labs.race_view import RaceView

    view = RaceView()
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    font = QFont(view.bars.font())
    font.setPointSizeF(TITLE_PT)
    font.setBold(True)
    assert view.bars.minimumSizeHint().width() > QFontMetrics(font).horizontalAdvance("Expected vs actual count")
    legend = view.progress.getPlotItem().legend
    assert view.progress.minimumSizeHint().width() >= legend.layout.minimumWidth()
