"""The window's "Your function…": profile first, then run; predicted beside measured; a report to copy.

A run or Compare of a developer's function needs its profile (the items, a
call's time, what it does with the GIL, what a process cannot be sent), so
the window asks for one first, off the GUI thread (:class:`FunctionProfiler`),
and starts the runs when it is in. The profile is kept per function, folder
and task count: a second Compare of the same function starts at once.

The words are the CLI's (:mod:`concgui.engine.function_report`), so the
window, the terminal and the copied report say the same thing.
"""

from __future__ import annotations

import os
from typing import Callable

from PySide6.QtCore import QObject, Signal, Slot

from concgui.engine.compare import RunRecord
from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.function_profile import FunctionRef, Prepared, module_version
from concgui.engine.function_report import check_lines, markdown, profile_lines, recommendation_lines
from concgui.engine import dask_cluster
from concgui.engine.platform_info import PlatformInfo
from concgui.engine.recommend import Recommendation, check, recommend_here
from concgui.gui.function_profiler import FunctionProfiler
from concgui.gui.run_words import IN_WINDOW_MODES


class YourFunction(QObject):
    """What the window knows about the developer's function: its profile and the recommendation from it."""

    #: A profile started: the sentence to show while it runs.
    profiling = Signal(str)
    #: The profile could not be made: (one sentence, details such as a traceback).
    failed = Signal(str, str)
    #: A profile is in (the Workload panel shows it).
    profiled = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.profiler = FunctionProfiler(self)
        self.profiler.finished.connect(self._on_profiler_finished)
        self.profiler.failed.connect(self._on_profiler_failed)
        self.prep: Prepared | None = None
        #: (function, tasks, its file's version) of the profile held, and of the one asked for.
        self._key: tuple[FunctionRef, int, int] | None = None
        self._asked: tuple[FunctionRef, int, int] | None = None
        self._then: Callable[[], object] | None = None

    @property
    def busy(self) -> bool:
        return self.profiler.busy

    def needs_profile(self, cfg: RunConfig, then: Callable[[], object]) -> bool:
        """Whether ``cfg`` must wait for a profile; if so one is started, and ``then`` is called once it is in.

        A function the boxes cannot name is not profiled: validate's sentence says why, as for any input.
        """
        if cfg.function is None:
            return False
        try:
            ref = cfg.function.checked()
        except ConfigError:
            return False
        key = (ref, cfg.tasks, module_version(ref))  # an edited module is profiled again
        if key == self._key and self.prep is not None:
            return False
        if self.profiler.busy:
            return True
        self._asked, self._then = key, then
        self.profiling.emit(f"Profiling {key[0].target} in a fresh process: its import, a few calls, and two "
                            "threads at once…")
        self.profiler.start(key[0], key[1])
        return True

    @staticmethod
    def refusal(cfg: RunConfig, gui_mode: str) -> str | None:
        """Why ``cfg`` may not run in ``gui_mode`` (None: it may): your code never runs in the window's process.

        The modes that run in the window (the GUI thread, its QThreads) would
        import your module into it; whatever it does at import or in a call
        (a Qt import, a crash) would be the window's. The worker host runs the
        same loop in a process of its own.
        """
        if cfg.function is None or gui_mode not in IN_WINDOW_MODES:
            return None
        ways = ["Threads (worker host process)", "Processes", "Subinterpreters"]
        if dask_cluster.available():  # named only where it can be chosen
            ways.append("Dask")
        return ("Your function runs in a worker host, a pool or a cluster, never in the window's own process: "
                f"choose {', '.join(ways[:-1])} or {ways[-1]} in the Mode box.")

    def covers(self, records: list[RunRecord]) -> bool:
        """Whether ``records`` are runs of the profiled function (on its items)."""
        return (self.prep is not None and bool(records)
                and all(r.workload == self.prep.ref.workload and r.tasks == self.prep.profile.items for r in records))

    def words(self, records: list[RunRecord], info: PlatformInfo) -> tuple[str, str, str]:
        """For a comparison of the profiled function: (before the explanation, after it, the Markdown report)."""
        assert self.prep is not None
        rec = self._recommendation_for(records)
        checks = check(rec, records, self.prep.profile, info.logical_cores)
        before = "\n".join(recommendation_lines(rec))
        after = "\n".join(check_lines(checks, rec, records))
        machine = (f"{info.implementation} {info.python} on {info.os}, {info.logical_cores} logical cores, "
                   f"{'GIL enabled' if info.gil_enabled else 'GIL disabled'}")
        return before, after, markdown(self.prep.profile, rec, records, checks, machine)

    def _recommendation_for(self, records: list[RunRecord]) -> Recommendation:
        assert self.prep is not None
        modes = list(dict.fromkeys(r.mode for r in records if r.mode != "serial"))
        workers = max((r.workers for r in records if r.mode != "serial"), default=os.cpu_count() or 1)
        return recommend_here(self.prep.profile, modes, workers, self.prep.profile.items)

    def profile_text(self) -> str:
        return "\n".join(profile_lines(self.prep.profile)) if self.prep is not None else ""

    def shutdown(self) -> None:
        self._then = None
        self.profiler.cancel(wait=True)

    @Slot(object)
    def _on_profiler_finished(self, prep: Prepared) -> None:
        self.prep, self._key = prep, self._asked
        self.profiled.emit(prep)
        then, self._then = self._then, None
        if then is not None:
            then()

    @Slot(str, str)
    def _on_profiler_failed(self, line: str, details: str) -> None:
        self._then = None
        self.failed.emit(f"Your function cannot run: {line}.", details)
