"""The responsiveness lab: each wrong way really blocks or lags, and its right way does not.

Bounds are generous on purpose (a loaded CI box must not flake them): each
compares a wrong way with its right way measured seconds apart, or checks a
physical lower bound (a freeze lasts about as long as the blocking work).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from concgui.engine.clock import now
from concgui.engine.config import RunConfig
from concgui.engine.latency import FRAME_S
from concgui.gui.heartbeat import Heartbeat
from concgui.gui.lateness_plot import ramp_series
from concgui.gui.comparison_view import run_names
from concgui.gui.main_window import MainWindow
from concgui.gui.run_session import GUI_THREAD_LIMIT_S
from concgui.gui.responsiveness_text import outcome_text, pair_html, python_work, wait_work
from concgui.scenarios import SCENARIOS, Scenario, flood_work

from ._util import RUN_TIMEOUT_MS

WORK_S = 0.6


def _steps(qtbot, window: MainWindow, steps) -> list:
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        assert window.session.run_steps("lab", steps)
    outcome = blocker.args[0]
    assert outcome.ok, outcome
    rows = window.session.results.rows[-len(steps):]
    assert all(r.ui.lateness is not None for r in rows)  # measured before batch_done
    return rows


def test_heartbeat_is_a_single_shot_precise_timer(qtbot):
    hb = Heartbeat()
    assert hb._timer.isSingleShot() and hb._timer.timerType() == Qt.TimerType.PreciseTimer
    hb.start()
    try:
        qtbot.waitUntil(lambda: hb.ticks >= 5, timeout=5000)
        assert hb.recorder.stats().samples == hb.ticks
    finally:
        hb.stop()


def test_gui_thread_freezes_for_the_work_and_the_pool_stays_smooth(qtbot, window):
    froze: list = []
    window.session.ui_froze.connect(lambda s, frames: froze.append((s, frames)))
    wrong, right = _steps(qtbot, window, [([python_work("serial", 1, WORK_S)], "gui-thread"),
                                          ([python_work("processes", 2, WORK_S)], "normal")])
    assert wrong.record.mode == "serial" and wrong.ui.kind == "gui-thread"
    work_ms = wrong.record.wall_s * 1000
    # The event loop could not run for (about) the whole work time...
    assert wrong.ui.longest_freeze_ms >= 0.8 * work_ms
    assert wrong.ui.frames_missed >= int(0.8 * work_ms / 1000 / FRAME_S)
    # ...and the window said so when it came back.
    assert froze and froze[0][0] * 1000 >= 0.8 * work_ms
    assert "UI frozen for" in window.statusBar().currentMessage()
    # The same work on the process pool: the loop kept ticking.
    assert right.record.mode == "processes"
    assert right.ui.samples >= 5
    assert right.ui.heartbeat_p99_ms < 0.5 * wrong.ui.longest_freeze_ms
    # The lateness plot shows the gap as a freeze band.
    t, late = window.session.heartbeat.recorder.series()
    assert window.session.heartbeat.recorder.freezes(0.25)
    x, y = ramp_series(t, late)
    assert len(x) > len(t) and y.min() == 0.0


def test_cpu_samples_taken_during_a_freeze_are_drawn_after_it(qtbot, window):
    (row,) = _steps(qtbot, window, [([python_work("serial", 1, WORK_S)], "gui-thread")])
    t_end = window.session.heartbeat.recorder.freezes(0.25)[-1][1]
    t0 = t_end - row.ui.longest_freeze_ms / 1000
    t, _ = window.sampler.per_core.snapshot(since=t0)
    during = t[t <= t_end]
    assert len(during) >= 2  # the probe process kept sampling while the GUI thread was blocked
    window.cpu_plot.refresh()  # what the plot's timer does: draw what the ring buffer holds
    t_drawn = now()
    x, _ = window.cpu_plot.curves[0].getData()
    drawn_t = np.asarray(x) + t_drawn
    assert np.sum((drawn_t >= t0 - 0.2) & (drawn_t <= t_end + 0.2)) >= 2


def test_blocking_wait_freezes_and_signals_do_not(qtbot, window):
    wrong, right = _steps(qtbot, window, [([wait_work(WORK_S)], "blocking-wait"),
                                          ([wait_work(WORK_S)], "normal")])
    assert wrong.ui.kind == "blocking-wait" and "waits" in wrong.ui.ran_on
    # The work ran on another thread, yet the GUI thread was stuck in future.result() throughout.
    assert wrong.ui.longest_freeze_ms >= 0.8 * wrong.record.wall_s * 1000
    assert right.ui.longest_freeze_ms < 0.5 * right.record.wall_s * 1000
    assert right.ui.samples >= 10


def test_signal_flood_backs_up_the_event_queue_and_coalescing_does_not(qtbot, window):
    items = 30_000
    lab = window.responsiveness
    wrong, right = _steps(qtbot, window, [([flood_work(items)], "flood"), ([flood_work(items)], "coalesced")])
    assert wrong.ui.signals == items
    assert wrong.ui.peak_backlog >= 100  # queued faster than the GUI thread could handle them
    assert wrong.ui.drain_ms >= 0
    assert right.ui.drain_ms is not None and right.ui.drain_ms >= 0  # the right way says when it caught up too
    assert "caught up" in outcome_text(right.ui, right.record.wall_s, right.record.status)
    # A chart and a verdict of the two name them apart: the same mode, one of them the flood.
    assert wrong.record.ran_on == "worker processes, one signal per item"
    names = run_names([wrong.record, right.record])
    assert names[0].startswith("processes + signal flood") and names[1].startswith("processes ×")
    # Coalesced: at most ~30 progress signals a second, plus the first and last.
    assert right.ui.signals <= 30 * max(right.record.wall_s, 0.1) + 5
    assert wrong.ui.signals >= 100 * right.ui.signals
    assert wrong.ui.heartbeat_max_ms > right.ui.heartbeat_max_ms
    assert lab is not None


def test_pure_python_threads_make_the_gui_wait_for_the_gil(qtbot, window):
    if not window.info.gil_enabled:
        pytest.skip("free-threaded interpreter: no GIL to wait for")
    wrong, right = _steps(qtbot, window, [([python_work("threads", 2, WORK_S)], "normal"),
                                          ([python_work("processes", 1, WORK_S)], "normal")])
    # Each heartbeat tick waits for the GIL behind the busy threads: about a switch interval.
    assert wrong.ui.heartbeat_p50_ms >= 0.5 * sys.getswitchinterval() * 1000
    assert right.ui.heartbeat_p50_ms < wrong.ui.heartbeat_p50_ms


def test_switch_interval_control_is_live_and_restored_on_close(qtbot):
    before = sys.getswitchinterval()
    w = MainWindow()
    qtbot.addWidget(w)
    try:
        lab = w.responsiveness
        lab.switch_ms.setValue(1.0)
        assert sys.getswitchinterval() == pytest.approx(0.001)
        assert "switch interval 1 ms" in w.platform_label.text()
        assert "1 ms" in lab.p_jank.text.text()  # the explanation reads the interpreter afresh
    finally:
        w.shutdown()
    assert sys.getswitchinterval() == before


def test_gui_thread_cap_is_ten_seconds_and_changeable(window):
    assert GUI_THREAD_LIMIT_S <= 10
    assert window.session.gui_limit_s == GUI_THREAD_LIMIT_S
    window.controls.gui_limit.setValue(2.5)
    assert window.session.gui_limit_s == 2.5
    assert "2.5 s" in window.responsiveness.p_gui.text.text()


def test_lateness_plot_shares_the_cpu_plot_time_axis(qtbot, window):
    lp, cp = window.lateness_plot, window.cpu_plot
    assert lp.plot.getViewBox().linkedView(0) is cp.plot.getViewBox()
    qtbot.waitUntil(lambda: lp.ticks > 2 and lp.points_drawn > 0 and "p99" in lp.readout(), timeout=5000)
    assert cp.plot.getViewBox().viewRange()[0] == lp.plot.getViewBox().viewRange()[0]
    assert "p50" in lp.readout() and "p99" in lp.readout() and "max" in lp.readout()
    assert window.heartbeat_dot.steps > 0  # the status-bar heartbeat moves


def test_explanations_use_this_interpreter():
    from concgui.engine.platform_info import collect

    info = collect()
    text = pair_html("jank", info, 10.0)
    if info.gil_enabled:
        assert f"{sys.getswitchinterval() * 1000:g} ms" in text
    assert "10 s" in pair_html("gui-thread", info, 10.0)
    with pytest.raises(KeyError):
        pair_html("nope", info, 1.0)


def test_scenarios_carry_a_kind_per_run():
    freeze = SCENARIOS["freeze"]
    assert [k for _, k in freeze.steps()] == ["gui-thread", "normal", "normal"]
    assert [c.mode for c in freeze.runs] == ["serial", "threads", "processes"]
    assert [k for _, k in SCENARIOS["flood"].steps()] == ["flood", "coalesced"]
    assert {c.mode for c in SCENARIOS["jank"].runs} == {"threads", "processes"}
    assert SCENARIOS["compare"].kind(0) == "normal"
    with pytest.raises(ValueError):
        Scenario("x", "bad", (RunConfig(),), ("sideways",))


def test_a_freeze_belongs_to_the_run_it_happened_in(qtbot, window):
    # The pool run starts right after the GUI-thread run, while the tick that measured the
    # freeze has not fired yet: the freeze is the first run's alone.
    wrong, right = _steps(qtbot, window, [([python_work("serial", 1, WORK_S)], "gui-thread"),
                                          ([python_work("processes", 2, WORK_S)], "normal")])
    assert wrong.ui.longest_freeze_ms >= 0.8 * wrong.record.wall_s * 1000
    assert right.ui.longest_freeze_ms < 250 and right.ui.gui_stall_ms < 250
    assert right.ui.gui_stall_ms == round(right.ui.longest_freeze_ms, 1)


def test_start_up_is_not_reported_as_a_freeze(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    froze: list = []
    w.session.ui_froze.connect(lambda s, frames: froze.append(s))

    def busy_start_up() -> None:  # what a slow first paint or probe start does to the loop
        t = now()
        while now() - t < 0.4:
            pass

    QTimer.singleShot(0, busy_start_up)
    w.show()
    try:
        qtbot.waitUntil(lambda: w.session.heartbeat.ticks >= 10, timeout=10_000)
        assert not froze
        assert "frozen" not in w.statusBar().currentMessage()
        assert w.session.heartbeat.recorder.freezes(0.25) == []
    finally:
        w.shutdown()


def test_runs_holding_the_windows_gil_switch_to_the_sketch_and_say_so(qtbot, window):
    if not window.info.gil_enabled:
        pytest.skip("free-threaded interpreter: no GIL to share")
    drawn: list[int] = []
    notes: list[bool] = []

    def on_started(_s) -> None:
        drawn.append(window.cpu_plot.sketch.frames)
        notes.append(window.timeline._paused_note.label.isVisible() and
                     window.lateness_plot._paused_note.label.isVisible() and window.cpu_plot.sketch.shown)

    window.session.driver.run_started.connect(on_started)
    (row,) = _steps(qtbot, window, [([python_work("threads", 2, WORK_S)], "normal")])
    assert row.record.ran_on == "QThreads in the window"
    # During the run: the pyqtgraph plot stood still, the sketch was drawn, and the titles said why.
    assert drawn and window.cpu_plot.sketch.frames > drawn[0]
    assert notes == [True]
    # After it: the full plot is back, and so are the titles.
    assert window.session.pace.value == "idle" and not window.cpu_plot.paused and not window.cpu_plot.sketch.shown
    assert not window.timeline._paused_note.label.isVisible()
    assert not window.lateness_plot._paused_note.label.isVisible()


def test_the_lab_marks_each_run_by_what_was_measured(qtbot, window):
    lab = window.responsiveness
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS):
        lab.p_gui.buttons.itemAt(1).widget().click()  # "✓ QThread workers": pure Python on QThreads
    row = window.session.results.rows[-1]
    line = lab.p_gui.results.text()
    if row.ui.longest_freeze_ms >= 250:
        assert "✗" in line and "froze" in line
    elif row.ui.heartbeat_p99_ms >= FRAME_S * 1000:
        assert "⚠" in line and "not a freeze" in line
    else:
        assert "✓" in line and "smooth" in line


def test_the_windows_periodic_work_rides_on_the_heartbeat(qtbot, window):
    from PySide6.QtCore import QTimer

    qtbot.waitUntil(lambda: window.session.heartbeat.active and window.session.heartbeat.ticks >= 5, timeout=5000)
    # One timer of ours runs between runs: the heartbeat's. Plots, readouts and clocks are its jobs.
    active = [t for t in window.findChildren(QTimer) if t.isActive()]
    assert active == [window.session.heartbeat._timer]
    drawn = window.cpu_plot.ticks
    qtbot.waitUntil(lambda: window.cpu_plot.ticks >= drawn + 2, timeout=5000)


def test_at_the_gil_pace_progress_comes_without_a_signal(qtbot, window):
    if not window.info.gil_enabled:
        pytest.skip("free-threaded interpreter: no GIL pace")
    signalled: list = []
    seen: list = []
    window.session.driver.progressed.connect(lambda snap: signalled.append(snap))
    window.session.run_progressed.connect(lambda snap: seen.append(snap))
    (row,) = _steps(qtbot, window, [([python_work("threads", 2, WORK_S)], "normal")])
    assert row.record.ran_on == "QThreads in the window"
    assert not signalled  # the driver kept its snapshots for the heartbeat's tick to take
    assert seen and seen[-1].done == row.record.tasks
    assert window.progress.fraction == 1.0


def test_the_live_run_keeps_threads_busy_while_the_switch_interval_changes(qtbot, window):
    lab = window.responsiveness
    lab.workers.setValue(2)
    before = sys.getswitchinterval()
    lab.live_button.setChecked(True)
    assert lab._live, window.controls.message.text()  # it started (its size fits the workload's cap)
    qtbot.waitUntil(lambda: "iterations/s" in lab.live_label.text(), timeout=RUN_TIMEOUT_MS)
    # A setting held for a while gets its own line: interval, lateness and throughput.
    from concgui.gui.responsiveness_lab import MIN_SEGMENT_S

    qtbot.waitUntil(lambda: now() - lab._segment_t0 >= MIN_SEGMENT_S + 0.05, timeout=RUN_TIMEOUT_MS)
    lab.switch_ms.setValue(before * 1000 * 2)
    assert sys.getswitchinterval() == pytest.approx(before * 2)
    assert f"switch interval {before * 1000:g} ms" in lab.segments.text()
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        lab.live_button.setChecked(False)
    assert blocker.args[0].cancelled
    assert not lab._live and lab.live_button.isEnabled()
    lab.switch_ms.setValue(before * 1000)


def test_the_pairs_column_is_never_narrower_than_its_buttons(qtbot, window):
    # At 1366×768 the window is narrower than the lab once was laid out for: its column must not cut its pairs.
    col = window.responsiveness._column
    need = col.widget().minimumSizeHint().width()
    assert col.minimumWidth() >= need
    window.presentation.set_zoom(1.25)
    assert col.minimumWidth() >= col.widget().minimumSizeHint().width()  # the zoomed font, fitted again
    window.presentation.actual_size()
