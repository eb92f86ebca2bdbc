"""The main window end to end: runs, Compare, Cancel, bad input, closing mid-run."""

from __future__ import annotations

import json
import os
import sys

import pytest
from PySide6.QtCore import QThread

from concgui.engine.clock import now
from concgui.engine.export import ExportError
from concgui.gui.cpu_plot import CpuPlot
from concgui.gui.main_window import MainWindow
from concgui.gui.qt_worker import qthread_factory
from concgui.gui.results_table import COLUMNS

from tests.helpers import alive

from ._util import LONG, RUN_TIMEOUT_MS, SMALL, configure, record_progress, run_batch

CANCEL_PROMPT_S = 3.0


def test_run_completes_and_progress_reaches_100(qtbot, window):
    configure(window, **SMALL, mode="threads")
    outcome = run_batch(qtbot, window, window.start_run)
    assert outcome.ok
    assert window.progress.fraction == 1.0
    assert window.progress.overall.fraction == 1.0
    rows = window.session.results.rows
    assert len(rows) == 1
    r = rows[0].record
    assert (r.mode, r.workers, r.tasks, r.status) == ("threads", 2, SMALL["tasks"], "done")
    # "Threads" runs on plain threads of the worker host, as the terminal runs them.
    assert rows[0].ui.workers == "thread" and r.ran_on == "threads of a worker host process"
    assert not window.busy and window.controls.run_button.isEnabled()
    assert not window.controls.cancel_button.isEnabled()


def test_qthreads_mode_runs_on_qthreads_of_the_window(qtbot, window):
    made: list[QThread] = []

    def factory(name, loop):
        made.append(qthread_factory(name, loop))
        return made[-1]

    assert window.session.driver.runner.thread_factory is qthread_factory
    window.session.driver.runner.thread_factory = factory
    configure(window, **SMALL, mode="qthreads", workers=3)
    assert run_batch(qtbot, window, window.start_run).ok
    assert len(made) == 3 and all(isinstance(t, QThread) and t.isFinished() for t in made)
    row = window.session.results.rows[-1]
    assert row.record.ran_on == row.ui.ran_on == "QThreads in the window" and row.ui.workers == "QThread"
    assert window.session.results.text(0, "Ran on") == "window QThreads"


def test_host_threads_do_not_run_in_the_window_process(qtbot, window):
    import threading

    qtbot.waitUntil(lambda: window.controls.python.listed, timeout=30_000)  # its search for Pythons is done
    before = {t.ident for t in threading.enumerate()}
    configure(window, **SMALL, mode="threads", workers=3)
    assert run_batch(qtbot, window, window.start_run).ok
    # No worker thread was ever made in this process; the three announced themselves from the host.
    assert {t.ident for t in threading.enumerate()} == before
    run_id = window.session.results.rows[-1].record.run_id
    announced = [w for (rid, _), w in window.timeline.store.workers.items() if rid == run_id]
    host = window.session.driver.runner.host_pid
    assert host not in (None, os.getpid())
    assert sorted(w.worker for w in announced) == ["thread-1", "thread-2", "thread-3"]
    assert {w.pid for w in announced} == {host}


def test_compare_adds_three_rows_with_equal_digests(qtbot, window):
    configure(window, **SMALL)
    outcome = run_batch(qtbot, window, window.start_compare)
    assert outcome.ok and len(outcome.runs) == 3
    records = window.session.results.records
    assert [r.mode for r in records] == ["serial", "threads", "processes"]
    assert len({r.digest for r in records}) == 1 and records[0].digest
    assert all(r.results_ok for r in records)
    assert all(r.speedup is not None for r in records)
    # The serial baseline and the threads ran in the worker host, not in the window's process.
    assert [r.ran_on for r in records] == ["worker host process", "threads of a worker host process",
                                           "worker processes"]
    assert window.session.results.rows[0].ui.ran_on == "worker host process"
    # The comparison shows these runs, explained with this interpreter's facts.
    assert window.comparison.records == records
    text = window.comparison.text.toPlainText()
    assert f"{sys.getswitchinterval() * 1000:g} ms" in text
    assert "identical results" in text


def test_serial_on_the_gui_thread_really_blocks_it(qtbot, window):
    configure(window, workload="cpu-python", tasks=4, size=200_000, mode="gui-thread")
    outcome = run_batch(qtbot, window, window.start_run)
    assert outcome.ok
    row = window.session.results.rows[-1]
    assert row.record.mode == "serial" and row.ui.ran_on == "GUI thread"
    # The event loop could not run for (about) the whole run.
    assert row.ui.gui_stall_ms >= row.record.wall_s * 1000 - 25


@pytest.mark.parametrize("mode", ["threads", "processes", "compare"])
def test_cancel_mid_run_returns_to_idle(qtbot, window, mode):
    configure(window, **LONG, mode="threads" if mode == "compare" else mode)
    seen = record_progress(window)
    # (A long run on purpose: past the ask-first estimate for a Compare, so it is started "anyway".)
    assert (window.start_compare if mode == "compare" else window.start_run)(anyway=True)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].done >= 1, timeout=RUN_TIMEOUT_MS)
    t0 = now()
    with qtbot.waitSignal(window.session.batch_done, timeout=int(CANCEL_PROMPT_S * 1000)) as blocker:
        window.controls.cancel_button.click()
    assert now() - t0 < CANCEL_PROMPT_S
    outcome = blocker.args[0]
    assert outcome.cancelled and not outcome.ok
    assert not window.busy
    assert window.controls.run_button.isEnabled() and not window.controls.cancel_button.isEnabled()
    assert [r.status for r in window.session.results.records] == ["cancelled"]
    # The window can run again straight away.
    configure(window, **SMALL, mode="threads")
    assert run_batch(qtbot, window, window.start_run).ok


def test_cancel_before_the_first_run_starts_runs_nothing_more(qtbot, window):
    # Pressed while the batch prepares its first step (or in the gap after a step), when the driver runs
    # nothing yet: the session itself must hear it.
    configure(window, **LONG, mode="threads")
    assert window.start_compare(anyway=True)
    with qtbot.waitSignal(window.session.batch_done, timeout=int(CANCEL_PROMPT_S * 1000)) as blocker:
        window.controls.cancel_button.click()
    outcome = blocker.args[0]
    assert outcome.cancelled and not outcome.ok
    assert len(outcome.runs) <= 1 and not window.busy


def test_bad_input_shows_a_message_and_keeps_earlier_rows(qtbot, window):
    from concgui.engine.config import max_processes

    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_run).ok
    message = window.controls.message

    configure(window, **SMALL, mode="processes", workers=200)
    assert not window.start_run()
    assert not message.isHidden() and "workers must be between" in message.text()
    assert "Traceback" not in message.text()
    # A Compare is not refused for it: its processes run with as many as they may (threads keep 200).
    assert [c.workers for c in window.controls.compare_configs()] == [1, 200, max_processes()]

    configure(window, workload="cpu-python", tasks=0, size=1000)
    assert not window.start_run()
    assert "tasks must be between" in message.text()

    assert len(window.session.results.rows) == 1
    assert not window.busy and window.controls.run_button.isEnabled()

    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_run).ok
    assert message.isHidden() and len(window.session.results.rows) == 2


def test_cpu_plot_receives_samples(qtbot, window):
    plot = window.cpu_plot
    qtbot.waitUntil(lambda: plot.samples_drawn >= 3 and plot.ticks >= 10, timeout=5000)
    x, y = plot.curves[0].getData()
    assert len(x) >= 3 and all(-plot.window_s - 1 <= v <= 0 for v in x)
    assert len(plot.curves) == window.sampler.cores
    assert "of" in plot.readout()[0] and "–" not in plot.readout()[0]


def test_many_cores_draw_a_heat_strip(qtbot, window):
    plot = CpuPlot(window.sampler, max_lanes=1)  # pretend this machine has "many" cores
    qtbot.addWidget(plot)
    plot.start()
    try:
        assert plot.heat and not plot.curves
        qtbot.waitUntil(lambda: plot.image.image is not None and plot.samples_drawn >= 2, timeout=5000)
        assert plot.image.image.shape[1] == window.sampler.cores
    finally:
        plot.stop()


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_closing_during_a_run_leaves_no_thread_or_process(qtbot, mode):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    made: list[QThread] = []

    def factory(name, loop):
        made.append(qthread_factory(name, loop))
        return made[-1]

    w.session.driver.runner.thread_factory = factory
    configure(w, **LONG, mode=mode)
    seen = record_progress(w)
    assert w.start_run()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].done >= 1, timeout=RUN_TIMEOUT_MS)
    pids = [int(x.name.split()[1]) for x in seen[-1].workers if x.name.startswith("pid ")]
    assert w.close()
    assert not w.session.driver.thread_running
    assert all(t.isFinished() for t in made)
    if mode == "processes":
        assert pids
        assert not [pid for pid in pids if alive(pid)]
    assert not w.sampler.running
    # (the autouse leak check then verifies no thread or child process is left)


def test_export_writes_the_bench_format_with_ui_fields(qtbot, window, tmp_path):
    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_run).ok
    path = tmp_path / "results.json"
    window.export_results(str(path))
    doc = json.loads(path.read_text())
    assert {"concgui", "python", "gil_enabled", "cpus", "runs"} <= doc.keys()
    (run,) = doc["runs"]
    assert run["mode"] == "threads" and run["digest"] and run["ui"]["workers"] == "thread"
    assert run["ran_on"] == run["ui"]["ran_on"] == "threads of a worker host process"
    with pytest.raises(ExportError):
        window.export_results(str(tmp_path))  # a folder


def test_a_run_on_the_gui_thread_is_stopped_after_its_time_limit(qtbot, window, monkeypatch):
    # Cancel cannot be clicked while the GUI thread is busy; the time limit is the way out.
    import concgui.gui.main_window as mw

    assert window.controls.gui_limit.value() == mw.GUI_THREAD_LIMIT_S <= 10  # the default cap
    window.controls.gui_limit.setValue(0.3)  # changeable in the window
    configure(window, **LONG, mode="gui-thread")
    outcome = run_batch(qtbot, window, window.start_run)
    assert outcome.cancelled
    assert window.session.results.records[-1].status == "cancelled"
    assert "stopped it" in window.controls.message.text()
    assert not window.busy and window.controls.run_button.isEnabled()


def test_compare_repeats_each_mode_interleaved_and_compares_medians(qtbot, window):
    configure(window, **SMALL)
    window.controls.repeats.setValue(2)
    statuses: list[str] = []
    window.session.run_started.connect(lambda *_: statuses.append(window.statusBar().currentMessage()))
    assert run_batch(qtbot, window, window.start_compare).ok
    rows = window.session.results.rows
    assert [r.record.mode for r in rows] == ["serial", "threads", "processes"] * 2  # S T P S T P
    assert "repeat 1 of 2" in statuses[0] and "repeat 2 of 2" in statuses[3]
    assert "s of runs left" in statuses[3]  # the first round's times give the estimate
    shown = window.comparison.records
    assert [r.mode for r in shown] == ["serial", "threads", "processes"]
    for r, first, second in zip(shown, rows[:3], rows[3:]):
        assert sorted(r.samples_wall_s) == sorted((first.record.wall_s, second.record.wall_s))
        assert r.wall_s == pytest.approx((first.record.wall_s + second.record.wall_s) / 2)
        assert r.spread is not None  # (other_load_cores: None for runs too short to measure it)
    assert "Verdict:" in window.comparison.text.toPlainText()
    doc = window.results_document()
    assert len(doc["runs"]) == 6 and [list(r["samples_wall_s"]) for r in doc["comparison"]] == \
        [list(r.samples_wall_s) for r in shown]
    assert set(doc["verdict"]) == {"winner", "clear", "rule"}


def test_a_busy_machine_is_named_before_a_compare_and_can_be_run_anyway(qtbot, window):
    configure(window, **SMALL)
    window.other_load = lambda: 1.2
    assert not window.start_compare()
    assert not window.session.busy
    assert "Other programs are using 1.2 cores" in window.controls.message.text()
    assert window.controls.run_anyway_button.isVisibleTo(window)
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        window.controls.run_anyway_button.click()
    assert blocker.args[0].ok
    assert not window.controls.run_anyway_button.isVisibleTo(window)


def test_an_io_compare_with_many_threads_caps_only_its_processes(window):
    from concgui.engine.config import max_processes

    configure(window, workload="io-sleep", tasks=32, size=5, workers=max_processes() * 2)
    serial, threads, processes = window.controls.compare_configs()
    assert threads.workers == max_processes() * 2 and processes.workers == max_processes()
    for cfg in (serial, threads, processes):
        cfg.validate()  # none refused: the lesson runs


def test_table_columns_fit_their_content_after_a_run_is_measured(qtbot, window):
    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_run).ok
    table = window.results_table
    model = window.session.results
    from concgui.engine.latency import LatenessStats

    row = model.rows[0]
    model.replace(row, row.measured(LatenessStats(9, 1.0, 12_345.678, 23_456.7, 23_456.7)))  # a long freeze
    for c, (name, _, _) in enumerate(COLUMNS):
        text = model.text(0, name)
        needed = table.fontMetrics().horizontalAdvance(text)
        assert table.columnWidth(c) >= needed, (name, text, table.columnWidth(c), needed)


def test_a_scenario_of_two_workloads_charts_only_runs_of_the_same_inputs(qtbot, window):
    from concgui.engine.config import RunConfig
    from concgui.gui.run_session import BatchKind, Step

    py = [RunConfig("cpu-python", m, 1 if m == "serial" else 2, 8, 20_000) for m in ("serial", "threads")]
    other = RunConfig("cpu-hash", "threads", 2, 4, 10)
    steps = [Step([cfg]) for cfg in (*py, other)]
    assert run_batch(qtbot, window, lambda: window.session.run_steps(BatchKind.SCENARIO, steps)).ok
    assert [r.workload for r in window.comparison.records] == ["cpu-python", "cpu-python"]
    assert "8 tasks of cpu-python" in window.comparison.title.text()
    assert "the others are in the table" in window.statusBar().currentMessage()


def test_a_run_estimated_over_two_minutes_asks_first_and_can_run_anyway(qtbot, window):
    configure(window, workload="cpu-python", tasks=5_000, size=1_000_000, mode="processes")  # ~6 min estimated
    assert not window.start_run()
    assert not window.session.busy
    assert "This would take about" in window.controls.message.text()
    assert window.controls.run_anyway_button.isVisibleTo(window)
    with qtbot.waitSignal(window.session.run_started, timeout=RUN_TIMEOUT_MS):
        window.controls.run_anyway_button.click()
    assert window.progress.eta.text().startswith("ETA ~")  # the estimate, until progress gives a real ETA
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS):
        window.cancel()


def test_the_progress_panel_ends_with_the_runs_own_time(qtbot, window):
    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_run).ok
    wall = window.session.results.rows[-1].record.wall_s
    from concgui.gui.progress_panel import format_duration

    assert window.progress.elapsed.text() == f"elapsed {format_duration(wall)}"
    assert f"in {format_duration(wall)}" in window.progress.title.text()
