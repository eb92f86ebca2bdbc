"""Zooming the timeline holds the run in view: it stops following and keeps the lanes (issue 15)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from concgui.gui.timeline_plot import ZOOM_FUTURE_S
from tests.gui._util import RUN_TIMEOUT_MS, SMALL, configure


def wheel(widget, pos: QPoint, notches: int) -> None:
    """Turn the mouse wheel ``notches`` notches (positive: zoom in) over ``pos`` of ``widget``."""
    ev = QWheelEvent(QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 120 * notches),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def finished_thread_run(window, qtbot):
    configure(window, **SMALL, mode="threads", workers=2)
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS):
        assert window.start_run()
    window.cpu_plot.refresh()
    tl = window.timeline
    run = next(iter(tl.store.runs.values()))
    return tl, run, tl.store.ends[run.run_id].t


def point_at(tl, x: float) -> QPoint:
    """Where view time ``x`` (seconds ago) is, in the timeline's viewport."""
    scene = tl.plot.getViewBox().mapViewToScene(QPointF(x, 0.5))
    return tl.plot_widget.mapFromScene(scene)


def test_zooming_onto_a_run_holds_it_and_keeps_its_lanes_named(window, qtbot) -> None:
    tl, run, t_end = finished_thread_run(window, qtbot)
    lanes = list(tl.lanes_shown)
    assert lanes == ["thread-1", "thread-2"]
    # The run's start comes before its workers' first task (the pool starts): zoom in there.
    x = run.t - tl._t_now + 0.2 * (t_end - run.t)
    for _ in range(24):
        wheel(tl.plot_widget.viewport(), point_at(tl, x), 1)
        window.cpu_plot.refresh()
    lo, hi = tl.plot.viewRange()[0]
    assert hi - lo < 0.02 and lo <= x <= hi  # zoomed in, around where the wheel turned
    assert window.cpu_plot.hold_t is not None and tl.follow_button.isVisibleTo(window)
    assert tl.lanes_shown == lanes  # the run's lanes stand for the whole run, tasks or not


def test_lanes_keep_their_names_on_empty_time_and_follow_live_comes_back(window, qtbot) -> None:
    tl, run, t_end = finished_thread_run(window, qtbot)
    window.cpu_plot.hold()
    tl.plot.setXRange(-9.0, -8.0, padding=0)  # long before the run: nothing ran then
    tl._on_view_range_changed_manually()
    window.cpu_plot.refresh()
    assert tl.bars_drawn == 0 and tl.lanes_shown == ["thread-1", "thread-2"]
    tl.follow()
    assert window.cpu_plot.hold_t is None and tl.plot.viewRange()[0][1] == 0.0


def test_panning_stays_on_recorded_time(window, qtbot) -> None:
    tl, run, t_end = finished_thread_run(window, qtbot)
    window.cpu_plot.hold()
    tl.plot.setXRange(5.0, 6.0, padding=0)  # the future: nothing can be there
    tl._on_view_range_changed_manually()
    lo, hi = tl.plot.viewRange()[0]
    assert hi <= ZOOM_FUTURE_S + 1e-9 and abs((hi - lo) - 1.0) < 1e-6
    tl.plot.setXRange(-500.0, -499.0, padding=0)  # before the kept history
    tl._on_view_range_changed_manually()
    assert tl.plot.viewRange()[0][0] >= -tl.window_s - 1e-9
