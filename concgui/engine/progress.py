"""Where a run has got to, folded from its events (no Qt, testable on its own).

The run driver feeds every engine event to a :class:`ProgressTracker` on the
thread that runs the engine and sends the GUI an immutable
:class:`ProgressSnapshot` now and then, so the GUI never sees (or pays for)
individual events. A fold of finished tasks costs O(1), whatever its size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from concgui.engine.events import Event, RunFinished, RunStarted, TaskProgress, TasksFinished, TaskStarted


@dataclass(frozen=True, slots=True)
class WorkerState:
    name: str
    task_id: int | None  # the task it is on, None when between tasks or done
    fraction: float  # 0..1 within that task
    tasks_done: int


@dataclass(frozen=True, slots=True)
class ProgressSnapshot:
    run_id: int
    mode: str
    t_started: float
    t: float  # time of the latest event folded in
    tasks: int
    done: int
    workers: tuple[WorkerState, ...]  # in order of first appearance
    finished: bool
    #: The task spans since the previous snapshot (a :class:`~concgui.engine.timeline.SpanBatch`),
    #: carried in the same signal so the timeline costs the GUI thread no extra GIL hand-over.
    spans: Any = None

    @property
    def fraction(self) -> float:
        """Overall progress 0..1, counting the part of each task in flight."""
        if self.tasks <= 0:
            return 1.0
        partial = sum(w.fraction for w in self.workers if w.task_id is not None)
        return min(1.0, (self.done + partial) / self.tasks)


class ProgressTracker:
    """Folds one run's events into its current state."""

    def __init__(self) -> None:
        self._reset(None)

    def _reset(self, started: RunStarted | None) -> None:
        self._started = started
        self._t = 0.0
        self._done = 0
        self._finished = False
        self._workers: dict[str, list] = {}  # name -> [task_id, fraction, tasks_done]

    def apply(self, ev: Event) -> None:
        if isinstance(ev, RunStarted):
            self._reset(ev)  # a new run starts from nothing
        elif isinstance(ev, TaskProgress):
            w = self._worker(ev.worker)
            if w[0] == ev.task_id:
                w[1] = ev.fraction
        elif isinstance(ev, TaskStarted):
            w = self._worker(ev.worker)
            w[0], w[1] = ev.task_id, 0.0
        elif isinstance(ev, TasksFinished):
            # The task a worker was reported on is in its next fold: after it, the worker is between tasks.
            n = len(ev)
            w = self._worker(ev.worker)
            w[0], w[1] = None, 0.0
            w[2] += n
            self._done += n
        elif isinstance(ev, RunFinished):
            self._finished = True
            for w in self._workers.values():
                w[0], w[1] = None, 0.0
        self._t = ev.t

    def _worker(self, name: str) -> list:
        w = self._workers.get(name)
        if w is None:
            w = self._workers[name] = [None, 0.0, 0]
        return w

    def snapshot(self) -> ProgressSnapshot | None:
        s = self._started
        if s is None:
            return None
        return ProgressSnapshot(
            run_id=s.run_id, mode=s.mode, t_started=s.t, t=self._t, tasks=s.tasks, done=self._done,
            workers=tuple(WorkerState(n, w[0], w[1], w[2]) for n, w in self._workers.items()),
            finished=self._finished,
        )
