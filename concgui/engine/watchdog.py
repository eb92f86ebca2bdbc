"""A run's task timeout: stop a run in which no task has finished for too long.

A developer's function may never return (a deadlock, a lost socket). Cancel
always works; ``RunConfig.task_timeout_s`` (``bench --task-timeout S``) also
stops the run by itself when no task has finished for ``S`` seconds: a
per-task timeout, as seen from outside the tasks (a worker cannot be asked
where it is inside a call). The run's own cancel event is set then, never
the caller's, so the next run starts as usual. Runs on threads of this
process cannot be stopped inside a call, so a run with a timeout goes to a
worker host (see :meth:`~concgui.engine.config.RunConfig.validate`), which can.
"""

from __future__ import annotations

import threading
from typing import Callable

from concgui.engine.clock import now
from concgui.engine.events import Event, RunStarted, TasksFinished


class Watchdog:
    """Sets :attr:`cancel` (the run's own) when ``outer`` is set, or when no task ended for ``timeout_s``."""

    def __init__(self, timeout_s: float, outer: threading.Event) -> None:
        self.timeout_s = timeout_s
        self.outer = outer
        self.cancel = threading.Event()
        self.fired = False
        self._last = now()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="concgui-task-timeout", daemon=True)
        self._thread.start()

    def wrap(self, emit: Callable[[Event], None]) -> Callable[[Event], None]:
        def watched(ev: Event) -> None:
            if type(ev) in (TasksFinished, RunStarted):  # the run begins after its pool or host is up
                self._last = now()
            emit(ev)
        return watched

    def _watch(self) -> None:
        step = min(0.1, self.timeout_s / 10)
        while not self._done.wait(step):
            if self.outer.is_set():
                self.cancel.set()
            elif now() - self._last > self.timeout_s:
                self.fired = True
                self.cancel.set()
                return

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def sentence(self) -> str:
        return (f"no task finished for {self.timeout_s:g} s (the task timeout), so the run was stopped: a call "
                "that never returns?")
