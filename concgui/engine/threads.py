"""Thread workers: the textbook form, and the hook the GUI uses for QThreads.

:class:`TaskThread` is what the source material teaches: subclass
``threading.Thread``, override ``run()``, pull tasks from a shared queue until
it is empty. The GUI passes a factory that makes QThread workers instead; both
run the same :class:`ThreadLoop`, so their numbers are comparable.
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Any, Callable, Iterator, Protocol

from concgui.engine.clock import now
from concgui.engine.events import WorkerStarted
from concgui.engine.worker import Batcher, Cancelled, error_line, format_error, run_chunk


class WorkerHandle(Protocol):
    """What the executor needs of a worker: start it, wait for it."""

    def start(self) -> None: ...

    def join(self, timeout: float | None = None) -> Any: ...


#: Makes a worker named ``name`` that calls ``loop.run(name)`` on its own thread.
WorkerFactory = Callable[[str, "ThreadLoop"], WorkerHandle]


class ThreadLoop:
    """The shared state of one thread run and the loop each worker runs.

    Workers report to ``outbox`` (a queue the runner's thread drains):
    ``("batch", events, results)``, then ``("exit", name)`` or
    ``("error", name, message, traceback)``.
    """

    def __init__(self, run_id: int, workload: str, size: int, ctx: dict[str, Any], tasks: int,
                 cancel: threading.Event) -> None:
        self.run_id = run_id
        self.workload = workload
        self.size = size
        self.ctx = ctx
        self.cancel = cancel
        self.failed = threading.Event()  # one worker failed: the others stop too
        self.outbox: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        self._todo: queue.SimpleQueue[int] = queue.SimpleQueue()
        for task_id in range(tasks):
            self._todo.put(task_id)

    def _cancelled(self) -> bool:
        return self.cancel.is_set() or self.failed.is_set()

    def _take(self) -> Iterator[int]:
        while True:
            try:
                yield self._todo.get_nowait()
            except queue.Empty:
                return

    def run(self, name: str) -> None:
        """Pull and run tasks until none are left, the run is cancelled, or one fails."""
        out = Batcher(lambda ev, res: self.outbox.put(("batch", ev, res)))
        t = now()
        out.add(WorkerStarted(self.run_id, name, os.getpid(), threading.get_native_id(), t), t)
        try:
            run_chunk(self.run_id, name, self.workload, self.size, self.ctx, self._take(), out,
                      self._cancelled)
        except Cancelled:
            pass
        except Exception as exc:
            self.failed.set()
            out.flush()
            self.outbox.put(("error", name, error_line(exc), format_error(exc)))
            return
        out.flush()
        self.outbox.put(("exit", name))


class TaskThread(threading.Thread):
    """A worker thread: ``threading.Thread`` subclass whose ``run()`` pulls tasks."""

    def __init__(self, name: str, loop: ThreadLoop) -> None:
        super().__init__(name=name, daemon=True)
        self.loop = loop

    def run(self) -> None:
        self.loop.run(self.name)
