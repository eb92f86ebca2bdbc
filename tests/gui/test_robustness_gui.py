"""The window survives what a live class throws at it (issue 7), in-process.

Worker crashes of every kind end the run as *failed* with a one-line message
and a "Details…" dialog (the worker's traceback, or how its process ended);
the pool is rebuilt and the next run succeeds; earlier rows stay. Cancel is
prompt in both modes (the measured figures are printed with ``-s``). Bad
input and unwritable export paths leave what is shown alone. ``fork`` is never
the default and selecting it shows a warning.
"""

from __future__ import annotations

import os
import signal
import sys
import types

import psutil
import pytest

from concgui.engine import startmethods
from concgui.engine.clock import now
from concgui.engine.export import ExportError

from tests.helpers import alive

from ._util import LONG, RUN_TIMEOUT_MS, SMALL, configure, record_progress, run_batch

#: Generous bounds for a loaded 2-core CI box; the real figures are ~0.05-0.2 s.
CANCEL_BOUND_S = 2.0
WORKERS_GONE_BOUND_S = 2.0


# --- crashes --------------------------------------------------------------------------------


CRASHES = [
    pytest.param("threads", 1, ("ValueError", "failed on purpose"), ("Traceback", "in crash"), id="thread-raise"),
    pytest.param("processes", 1, ("ValueError", "failed on purpose"), ("Traceback", "in crash"), id="process-raise"),
    pytest.param("processes", 2, ("died", "exit code 70"), ("exited with code 70", "rebuilt"), id="process-exit"),
    pytest.param("processes", 3, ("died",), ("SIGSEGV", "rebuilt"), id="process-segfault"),
]


@pytest.mark.parametrize("mode, how, says, details_say", CRASHES)
def test_a_crashing_worker_fails_the_run_shows_details_and_the_next_run_works(
        qtbot, window, mode, how, says, details_say):
    # An earlier good run: its row must survive the crash.
    configure(window, **SMALL, mode=mode)
    assert run_batch(qtbot, window, window.start_run).ok
    old_pids = list(window.session.driver.runner._pool.pids) if mode == "processes" else []

    configure(window, workload="crash", tasks=8, size=how, mode=mode)
    outcome = run_batch(qtbot, window, window.start_run)
    assert outcome.failed and not outcome.ok
    assert [r.status for r in window.session.results.records] == ["done", "failed"]

    # One clear line in the window, no traceback in it...
    message = window.controls.message
    assert not message.isHidden()
    assert "failed" in message.text() and "Traceback" not in message.text()
    for word in says:
        assert word in message.text(), message.text()
    # ...and the details one click away.
    button = window.error_details.button
    assert not button.isHidden()
    button.click()
    dialog = window.error_details.dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.text.toPlainText()
    for word in details_say:
        assert word in text, text
    dialog.close()
    assert not window.busy and window.controls.run_button.isEnabled()

    # The pool was rebuilt: the old workers are gone and the next run succeeds.
    configure(window, **SMALL, mode=mode)
    assert run_batch(qtbot, window, window.start_run).ok
    assert [r.status for r in window.session.results.records] == ["done", "failed", "done"]
    assert message.isHidden() and button.isHidden()  # a new run clears the error
    if mode == "processes":
        new_pids = set(window.session.driver.runner._pool.pids)
        assert new_pids and not new_pids & set(old_pids)
        assert not [p for p in old_pids if alive(p)]


def test_a_run_that_cannot_start_shows_details(qtbot, window, monkeypatch):
    """A pool that cannot start (e.g. the machine is out of processes) is an error, not a hang."""
    from concgui.engine import runner as runner_mod

    class BrokenPool:
        def __init__(self, *a, **k):
            raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(runner_mod, "ProcessPool", BrokenPool)
    configure(window, **SMALL, mode="processes")
    outcome = run_batch(qtbot, window, window.start_run)
    assert outcome.failed
    assert "Resource temporarily unavailable" in window.controls.message.text()
    assert not window.error_details.button.isHidden()
    assert "OSError" in window.error_details.open_dialog().text.toPlainText()
    window.error_details.dialog.close()
    monkeypatch.undo()
    configure(window, **SMALL, mode="processes")
    assert run_batch(qtbot, window, window.start_run).ok


# --- cancel ----------------------------------------------------------------------------------


def test_cancel_in_processes_mode_is_prompt_and_stops_every_worker(qtbot, window):
    configure(window, **LONG, mode="processes", workers=2)
    seen = record_progress(window)
    finished: list[float] = []
    alive_at_finish: list[int] = []

    def on_finished(s, f) -> None:
        finished.append(now())
        alive_at_finish.append(sum(alive(p) for p in pids))

    window.session.driver.run_finished.connect(on_finished)
    assert window.start_run()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].done >= 2, timeout=RUN_TIMEOUT_MS)
    pids = list(window.session.driver.runner._pool.pids)
    assert len(pids) == 2 and all(alive(p) for p in pids)

    t0 = now()
    with qtbot.waitSignal(window.session.batch_done, timeout=int(CANCEL_BOUND_S * 1000)) as blocker:
        window.controls.cancel_button.click()
    t_idle = now() - t0
    t_shown = finished[0] - t0  # the progress panel and the results row say "cancelled" here
    qtbot.waitUntil(lambda: not any(alive(p) for p in pids), timeout=int(WORKERS_GONE_BOUND_S * 1000))
    t_gone = now() - t0
    print(f"\n[processes cancel] shown cancelled {t_shown * 1000:.0f} ms (workers alive then: "
          f"{alive_at_finish[0]}), idle {t_idle * 1000:.0f} ms, workers gone by {t_gone * 1000:.0f} ms")
    assert blocker.args[0].cancelled
    assert window.session.results.records[-1].status == "cancelled"
    assert t_shown <= CANCEL_BOUND_S and t_idle <= CANCEL_BOUND_S and t_gone <= WORKERS_GONE_BOUND_S


def test_cancel_in_threads_mode_stops_the_qthreads_within_a_few_progress_intervals(qtbot, window):
    made = []
    factory = window.session.driver.runner.thread_factory

    def recording_factory(name, loop):
        made.append(factory(name, loop))
        return made[-1]

    window.session.driver.runner.thread_factory = recording_factory
    configure(window, **LONG, mode="qthreads", workers=2)
    seen = record_progress(window)
    finished: list[float] = []
    window.session.driver.run_finished.connect(lambda s, f: finished.append(now()))
    assert window.start_run()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].done >= 2, timeout=RUN_TIMEOUT_MS)
    assert len(made) == 2 and all(t.isRunning() for t in made)

    t0 = now()
    with qtbot.waitSignal(window.session.batch_done, timeout=int(CANCEL_BOUND_S * 1000)):
        window.controls.cancel_button.click()
    t_shown = finished[0] - t0  # run_finished is sent after every worker thread has been joined
    assert all(t.isFinished() for t in made)
    print(f"\n[threads cancel] threads stopped and run shown cancelled after {t_shown * 1000:.0f} ms")
    assert window.session.results.records[-1].status == "cancelled"
    assert t_shown <= CANCEL_BOUND_S


# --- bad input and exports ------------------------------------------------------------------


@pytest.mark.parametrize("settings, says", [
    ({"workload": "cpu-python", "tasks": 0, "size": 1000}, "tasks must be between"),
    ({"workload": "cpu-python", "tasks": 4, "size": 0}, "size must be between"),
    ({"workload": "crash", "tasks": 4, "size": 9}, "size must be between"),
    ({**SMALL, "mode": "processes", "workers": 250}, "workers must be between"),
])
def test_bad_settings_keep_what_is_shown(qtbot, window, settings, says):
    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_run).ok
    rows = list(window.session.results.rows)
    configure(window, **settings)
    assert not window.start_run()
    assert says in window.controls.message.text()
    if "workers" not in says:  # (too many processes: a Compare caps only its processes, and runs)
        assert not window.start_compare()
        assert says in window.controls.message.text()
    assert window.error_details.button.isHidden()  # nothing more to show than the sentence
    assert window.session.results.rows == rows and not window.busy


def test_an_unwritable_export_path_is_a_message_not_a_crash(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_run).ok
    target = tmp_path / "exports"
    target.mkdir()
    for bad in ("/proc/no/such/dir/out.json", str(target)):
        with pytest.raises(ExportError) as err:
            window.export_results(bad)
        assert "cannot write" in str(err.value)
    warnings: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("/proc/no/such/dir/out.json", ""))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warnings.append(text))
    window._on_export_action_triggered()
    assert warnings and "cannot write" in warnings[0]
    assert len(window.session.results.rows) == 1 and not list(target.iterdir())


# --- start methods --------------------------------------------------------------------------


def test_fork_is_never_the_default_and_selecting_it_warns(qtbot, window):
    c = window.controls
    configure(window, **SMALL, mode="processes")
    if sys.platform.startswith("linux"):
        assert c.start_method.currentData() == "forkserver"
    assert c.start_method.currentData() != "fork"
    assert c.fork_warning.isHidden()
    if "fork" not in startmethods.available():
        pytest.skip("no fork start method on this platform")
    c.start_method.setCurrentIndex(c.start_method.findData("fork"))
    assert not c.fork_warning.isHidden()
    text = c.fork_warning.text().lower()
    assert "thread" in text and "deadlock" in text and ("forkserver" in text or "spawn" in text)
    c.mode.setCurrentIndex(c.mode.findData("threads"))  # only for the processes mode
    assert c.fork_warning.isHidden()


def test_a_process_run_in_the_window_does_not_fork_the_gui(qtbot, window):
    # (The process-wide default, multiprocessing.get_start_method(), is checked in a
    # real `concgui gui` process by tests/test_robustness_app.py: here pytest owns it.)
    configure(window, **SMALL, mode="processes", workers=2)
    assert run_batch(qtbot, window, window.start_run).ok
    record = window.session.results.records[-1]
    pool = window.session.driver.runner._pool
    assert record.start_method == pool.start_method == startmethods.default()
    if sys.platform.startswith("linux"):
        assert pool.start_method == "forkserver"
        # The workers are the fork server's children, not copies of this (threaded) process.
        for pid in pool.pids:
            assert psutil.Process(pid).ppid() != psutil.Process().pid


# --- signals --------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs POSIX signals")
def test_a_signal_cancels_the_run_and_queues_closing_then_handlers_are_restored(qtbot, qapp):
    """The handler only cancels and queues; the close happens from the event loop.

    (SIGINT/SIGTERM on the real app: tests/test_robustness_app.py. Here SIGUSR1
    stands in, and a stand-in app records what would be closed.)
    """
    from concgui.gui.quit_signals import QuitOnSignals

    old_handler = signal.getsignal(signal.SIGUSR1)
    cancelled: list[bool] = []
    calls: list[str] = []
    quitter = QuitOnSignals(qapp, lambda: cancelled.append(True), signals=(signal.SIGUSR1,))
    quitter._app = types.SimpleNamespace(closeAllWindows=lambda: calls.append("close"),
                                         exit=lambda code: calls.append(f"exit {code}"))
    try:
        assert quitter.installed
        os.kill(os.getpid(), signal.SIGUSR1)
        qtbot.waitUntil(lambda: calls == ["close", "exit 0"], timeout=2000)
        assert cancelled == [True] and quitter.signum == signal.SIGUSR1
        assert quitter.exit_code is None  # only Ctrl+C changes the exit code (to 130)
    finally:
        quitter.uninstall()
    assert signal.getsignal(signal.SIGUSR1) == old_handler
    assert signal.set_wakeup_fd(-1) == -1  # the wakeup fd was given back
