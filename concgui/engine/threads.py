"""Thread workers: the textbook form, and the hook the GUI uses for QThreads.

:class:`TaskThread` is what the source material teaches: subclass
``threading.Thread``, override ``run()``, pull tasks from a shared queue until
it is empty (here the queue holds chunks of task ids, as a pool's workers get
them). The GUI passes a factory that makes QThread workers instead; both
run the same :class:`ThreadLoop`, so their numbers are comparable.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Iterator, Protocol

from concgui.engine.messages import ThreadBatch, ThreadExited, ThreadFailed, ThreadReport
from concgui.engine.worker import Batcher, Cancelled, announce, error_line, format_error, run_chunk
from concgui.engine.workloads import get_workload


class WorkerHandle(Protocol):
    """What the executor needs of a worker: start it, wait for it."""

    def start(self) -> None: ...

    def join(self, timeout: float | None = None) -> Any: ...


#: Makes a worker named ``name`` that calls ``loop.run(name)`` on its own thread.
WorkerFactory = Callable[[str, "ThreadLoop"], WorkerHandle]


class ThreadLoop:
    """The shared state of one thread run and the loop each worker runs.

    Workers take *chunks* of consecutive task ids (``range`` s) from one queue,
    as pool workers do, not one task per queue operation: ``chunk`` tasks
    each (default: :func:`~concgui.engine.config.thread_chunk_size`, ~2 ms of
    work, at least 16 chunks per worker, fixed once :meth:`expect` knows how
    many workers there are). Workers report to ``outbox`` (a queue the
    runner's thread drains): :class:`~concgui.engine.messages.ThreadBatch` es,
    then one :class:`~concgui.engine.messages.ThreadExited` or
    :class:`~concgui.engine.messages.ThreadFailed` each.
    """

    def __init__(self, run_id: int, workload: str, size: int, ctx: dict[str, Any], tasks: int | range,
                 cancel: threading.Event, chunk: int | None = None) -> None:
        self.run_id = run_id
        self.workload = workload
        self.size = size
        self.ctx = ctx
        self.cancel = cancel
        self.failed = threading.Event()  # one worker failed: the others stop too
        self.outbox: queue.SimpleQueue[ThreadReport] = queue.SimpleQueue()
        #: Set when the last of the workers :meth:`expect` announced has reported its end.
        self.all_done = threading.Event()
        self.tasks = range(tasks) if isinstance(tasks, int) else tasks
        #: Tasks per chunk (set by :meth:`expect` unless given).
        self.chunk = chunk
        self._left = 0
        self._left_lock = threading.Lock()
        self._todo: queue.SimpleQueue[range] = queue.SimpleQueue()
        self._filled = False

    def expect(self, workers: int) -> None:
        """``workers`` workers will run this loop: :attr:`all_done` is set when the last one ends.

        Call it before the workers start: it also deals the tasks into chunks.
        """
        self._left = workers
        self._fill(workers)
        if workers <= 0:
            self.all_done.set()

    def _fill(self, workers: int) -> None:
        if self._filled:
            return
        self._filled = True
        t = self.tasks
        if self.chunk is None:
            # A developer's function brings its measured call time (see function_profile.run_context).
            task_s = self.ctx.get("task_s") or get_workload(self.workload).estimate_task_s(self.size)
            from concgui.engine.config import thread_chunk_size  # not at import: a worker process needs none of config

            self.chunk = thread_chunk_size(task_s, len(t), workers)
        step = max(1, self.chunk)
        if t.step != 1:  # not consecutive ids: one at a time
            for task_id in t:
                self._todo.put(range(task_id, task_id + 1))
            return
        for start in range(t.start, t.stop, step):
            self._todo.put(range(start, min(start + step, t.stop)))

    def _ended(self) -> None:
        with self._left_lock:
            self._left -= 1
            if self._left <= 0:
                self.all_done.set()

    def _cancelled(self) -> bool:
        return self.cancel.is_set() or self.failed.is_set()

    def _take(self) -> Iterator[range]:
        """The next chunks, one queue operation each, until none are left."""
        self._fill(1)
        while True:
            try:
                yield self._todo.get_nowait()
            except queue.Empty:
                return

    def run(self, name: str) -> None:
        """Take and run chunks until none are left, the run is cancelled, or one task fails."""
        out = Batcher(lambda ev, res: self.outbox.put(ThreadBatch(ev, res)))
        announce(out, self.run_id, name)
        try:
            for chunk in self._take():
                run_chunk(self.run_id, name, self.workload, self.size, self.ctx, chunk, out, self._cancelled)
        except Cancelled:
            pass
        except Exception as exc:
            self.failed.set()
            out.flush()
            self.outbox.put(ThreadFailed(name, error_line(exc), format_error(exc)))
            self._ended()
            return
        out.flush()
        self.outbox.put(ThreadExited(name))
        self._ended()


class TaskThread(threading.Thread):
    """A worker thread: ``threading.Thread`` subclass whose ``run()`` pulls tasks."""

    def __init__(self, name: str, loop: ThreadLoop) -> None:
        super().__init__(name=name, daemon=True)
        self.loop = loop

    def run(self) -> None:
        self.loop.run(self.name)


#: Receives what the workers report, on the thread that drains them: (events, results), as in
#: :class:`~concgui.engine.messages.ThreadBatch`.
OnBatch = Callable[[list, list], None]
#: How often the draining thread wakes to collect what the workers reported. Not once per
#: report: in a window each wake-up is one more thread asking for the GIL the workers hold.
DRAIN_S = 0.05


def run_on_threads(loop: ThreadLoop, factory: WorkerFactory, workers: int, on_batch: OnBatch,
                   drain_s: float = DRAIN_S) -> tuple[str | None, str | None]:
    """Run ``loop`` on ``workers`` workers made by ``factory`` and drain their reports here.

    ``on_batch`` is called on the calling thread for every batch, in arrival
    order, every ``drain_s`` and once the last worker has ended (at once: the
    run's end is not delayed). Returns (error line, traceback) of the first
    worker that failed, or (None, None). Used by the runner in this process
    and by a worker host.
    """
    handles = [factory(f"thread-{i + 1}", loop) for i in range(workers)]
    loop.expect(len(handles))
    for w in handles:
        w.start()
    error: tuple[str | None, str | None] = (None, None)
    while True:
        finished = loop.all_done.wait(drain_s)
        while True:
            try:
                msg = loop.outbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(msg, ThreadBatch):
                on_batch(msg.events, msg.results)
            elif isinstance(msg, ThreadFailed) and error[0] is None:
                error = (msg.error, msg.details)
        if finished:
            break
    for w in handles:
        w.join()
    return error
