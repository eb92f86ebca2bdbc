"""Settings and helpers shared by the GUI tests."""

from __future__ import annotations

from concgui.gui.main_window import MainWindow

#: Big enough for several progress events per task, small enough to be quick.
SMALL = {"workload": "cpu-python", "tasks": 8, "size": 20_000}
#: A run that would take over a minute: only ever cancelled or closed mid-way.
LONG = {"workload": "cpu-python", "tasks": 5_000, "size": 100_000}
RUN_TIMEOUT_MS = 30_000


def configure(window: MainWindow, *, workload: str, tasks: int, size: int, mode: str = "threads",
              workers: int = 2, start_method: str | None = None) -> None:
    c = window.controls
    c.workload.setCurrentIndex(c.workload.findData(workload))
    c.tasks.setValue(tasks)
    c.size.setValue(size)
    c.mode.setCurrentIndex(c.mode.findData(mode))
    c.workers.setValue(workers)
    if start_method is not None:
        c.start_method.setCurrentIndex(c.start_method.findData(start_method))


def run_batch(qtbot, window: MainWindow, start) -> object:
    """Call ``start()`` (it must start a batch) and wait for the session's ``batch_done``: its outcome."""
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        assert start()
    return blocker.args[0]


def record_progress(window: MainWindow) -> list:
    """Every progress snapshot the session reports from now on, in a list that fills as they come."""
    seen: list = []
    window.session.run_progressed.connect(lambda snap: seen.append(snap))
    return seen
