"""The timeline, GIL lane, trace export, Scaling tab and Workload panel in the window (issue 5)."""

from __future__ import annotations

import pytest

import json
import os

from PySide6.QtCore import QPointF

from concgui.engine.clock import now
from concgui.engine.events import TaskSpan
from concgui.engine.timeline import SpanBatch, TimelineStore
from concgui.gui.run_driver import RunDriver
from concgui.engine.config import RunConfig
from tests.gui._util import RUN_TIMEOUT_MS, SMALL, configure


def test_driver_forwards_spans_coalesced(qtbot) -> None:
    driver = RunDriver()
    batches: list[SpanBatch] = []
    driver.progressed.connect(lambda snap: batches.append(snap.spans) if snap.spans is not None else None)
    try:
        tasks = 3_000  # tiny tasks: thousands of spans, a handful of signals
        with qtbot.waitSignal(driver.batch_finished, timeout=RUN_TIMEOUT_MS):
            driver.start([RunConfig("cpu-python", "threads", 2, tasks, 20)])
        qtbot.waitUntil(lambda: any(b.ended is not None for b in batches), timeout=5000)
    finally:
        driver.shutdown()
    finished = [f for b in batches for fold in b.finished for f in fold]
    assert sorted(f.task_id for f in finished) == list(range(tasks))
    assert len(batches) < tasks / 10
    assert batches[0].started is not None and batches[-1].ended is not None
    # Every task ran on a worker that announced itself (one may get no task: the others took all the chunks).
    assert {f.worker for f in finished} <= {w.worker for b in batches for w in b.workers}


def test_timeline_bar_per_task_hover_and_trace(window, qtbot, tmp_path) -> None:
    configure(window, **SMALL, mode="threads", workers=2)
    seen: list[TaskSpan] = []
    window.session.run_progressed.connect(
        lambda snap: seen.extend(f for fold in snap.spans.finished for f in fold) if snap.spans else None)
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS):
        assert window.start_run()
    store: TimelineStore = window.timeline.store
    spans = store.spans()
    assert sorted(s[2] for s in spans) == list(range(SMALL["tasks"]))  # one bar per task
    by_task = {f.task_id: f.worker for f in seen}
    assert all(worker == by_task[task] for _, worker, task, *_ in spans)  # on the lane of the worker that ran it
    assert set(store.lanes) <= {"thread-1", "thread-2"}

    # Zoom onto the run: the plots hold still, and each task is its own bar.
    run = next(iter(store.runs.values()))
    t_end = store.ends[run.run_id].t
    window.cpu_plot.hold(t_end + 0.05)
    window.timeline.plot.setXRange(run.t - t_end - 0.05, 0.0, padding=0)
    window.timeline._on_view_range_changed_manually()
    window.cpu_plot.refresh()  # the timeline follows it, a lane per turn of the event loop
    assert window.timeline.follow_button.isVisibleTo(window)
    qtbot.waitUntil(lambda: window.timeline.bars_drawn == SMALL["tasks"], timeout=2000)
    # Linked axes (to the last bit of a float: the two views compute the same range separately).
    assert window.lateness_plot.plot.viewRange()[0] == pytest.approx(window.timeline.plot.viewRange()[0], abs=1e-9)

    _, worker, task, t0, t1, cpu = spans[0]
    lane = window.timeline.lanes_shown.index(worker)
    tip = window.timeline.describe_at(QPointF((t0 + t1) / 2 - (t_end + 0.05), lane + 0.35))
    assert f"task {task}" in tip and worker in tip and "CPU share" in tip

    window.timeline.follow()
    assert window.cpu_plot.hold_t is None and not window.timeline.follow_button.isVisibleTo(window)

    path = tmp_path / "trace.json"
    window.export_trace(str(path))
    doc = json.loads(path.read_text())
    xs = [e for e in doc["traceEvents"] if e["ph"] == "X" and e["name"].startswith("task ")]
    assert sorted(e["args"]["task_id"] for e in xs) == list(range(SMALL["tasks"]))
    assert all({"ts", "dur", "pid", "tid", "name"} <= set(e) for e in xs)


def test_gil_lane_sampled_during_thread_run(window, qtbot) -> None:
    if not os.path.exists(f"/proc/{os.getpid()}/task"):
        return
    configure(window, workload="cpu-python", tasks=8, size=300_000, mode="threads", workers=2)
    measured: list[tuple[int, float]] = []
    window.timeline.shares_measured.connect(lambda r, total: measured.append((r, total)))
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS):
        assert window.start_run()
    qtbot.waitUntil(lambda: bool(measured), timeout=5000)
    run_id, total = measured[-1]
    assert 0.3 <= total <= 1.4  # two pure-Python threads: about one core between them
    assert {w for _, w in window.session.lanes.keys(run_id)} == {"thread-1", "thread-2"}
    assert "cores together" in window.timeline.share_label.text()
    window.timeline.refresh(now())
    assert window.timeline.strips_item.boundingRect().width() > 0  # the GIL strips were drawn

    # Live, the timeline redraws a lane per turn of the event loop, and its layers change at the end.
    tl0 = window.timeline
    ticks = tl0.ticks
    tl0._refresh_in_steps(now())
    assert tl0._steps is not None and tl0.ticks == ticks, "the loop runs between the lanes"
    qtbot.waitUntil(lambda: tl0._steps is None, timeout=2000)
    assert tl0.ticks == ticks + 1 and tl0.strips_item.boundingRect().width() > 0

    # The run is over: its strips are worked out once per resolution and kept, not resampled per redraw.
    tl = window.timeline
    qtbot.waitUntil(lambda: run_id in tl.store.ends, timeout=5000)
    tl.refresh(now())
    kept = {k: v[1] for k, v in tl._strips.items() if k[0] == run_id}
    assert set(kept) == {(run_id, "thread-1"), (run_id, "thread-2")}
    tl.refresh(now())
    assert all(tl._strips[k][1] is v for k, v in kept.items())
    # One path per lane and shade, whatever the number of runs on screen.
    layers = tl._strip_layers(tl.lanes_shown, now(), now() - 60, now(), 0.05)
    assert 1 <= len(layers) <= 2 * 6


def test_scale_tab_and_workload_panel(window, qtbot) -> None:
    configure(window, workload="cpu-python", tasks=4, size=5_000, mode="threads", workers=2)
    assert "def cpu_python(" in window.workload_panel.source.toPlainText()
    assert "holds the GIL" in window.workload_panel.text.text()
    configure(window, workload="cpu-hash", tasks=4, size=1, mode="threads", workers=2)
    assert "def cpu_hash(" in window.workload_panel.source.toPlainText()
    # The Scaling tab runs its own settings (not the Run & compare ones above).
    window.scaling.set_settings(workload="cpu-python", tasks=4, size=5_000, repeats=1)
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        assert window.start_scale()
    assert blocker.args[0].ok
    result = window.scaling.result
    assert result is not None and set(result.points) == {"threads", "processes"}
    counts = [p.workers for p in result.points["threads"]]
    assert counts[0] == 1 and counts[-1] == 2 * (os.cpu_count() or 1)
    assert window.tabs.currentWidget() is window.scaling
    assert "serial fraction" in window.scaling.text.text()


def test_the_scaling_tab_has_its_own_cancel_and_esc(qtbot, window):
    from PySide6.QtCore import Qt

    from ._util import LONG, RUN_TIMEOUT_MS

    window.scaling.set_settings(**LONG)
    window.tabs.setCurrentWidget(window.scaling)
    assert not window.scaling.cancel_button.isEnabled()
    assert window.start_scale(anyway=True)  # a long series on purpose (past the ask-first estimate)
    assert window.scaling.cancel_button.isEnabled() and not window.scaling.scale_button.isEnabled()
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.keyClick(window.scaling, Qt.Key.Key_Escape)
    assert blocker.args[0].cancelled
    assert window.scaling.scale_button.isEnabled() and not window.scaling.cancel_button.isEnabled()


def test_the_gui_threads_lane_has_a_name_that_fits_the_axis():
    from concgui.gui.timeline_plot import AXIS_W, lane_label

    assert lane_label("MainThread") == "GUI" and lane_label("thread-1") == "thread-1"
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QApplication

    metrics = QFontMetrics(QApplication.font())
    assert all(metrics.horizontalAdvance(lane_label(n)) < AXIS_W - 12 for n in ("MainThread", "thread-16", "pid 65535"))
