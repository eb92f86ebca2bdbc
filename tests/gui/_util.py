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
