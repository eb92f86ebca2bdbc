"""Run a :class:`RunConfig` in any mode and report it as a stream of events.

The :class:`Runner` is the single entry point used by the CLI, the GUI, the
benchmarks and the tests. It validates the config, sets up what the workload
needs (a temp folder, a local HTTP server), runs the tasks serially, on
threads or on its warm process pool, and always ends with one
:class:`RunFinished` whose digest lets any run be checked against the serial
one. ``on_event`` is called on the thread that called :meth:`Runner.run`.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import queue
import threading
from typing import Any, Callable

import psutil

from concgui.engine.clock import now
from concgui.engine.config import RunConfig
from concgui.engine.events import Event, RunFinished, RunStarted, RunStatus, WorkerStarted
from concgui.engine.pool import ProcessPool
from concgui.engine.threads import TaskThread, ThreadLoop, WorkerFactory
from concgui.engine.worker import Batcher, Cancelled, error_line, format_error, run_chunk
from concgui.engine.workloads import get_workload

EventSink = Callable[[Event], None]
POLL_S = 0.05


def results_digest(results: dict[int, Any]) -> str:
    """SHA-256 of every task's value in task order: equal digests, equal results."""
    h = hashlib.sha256()
    for task_id in sorted(results):
        h.update(f"{task_id}:{results[task_id]!r}\n".encode())
    return h.hexdigest()


class _Outcome:
    def __init__(self) -> None:
        self.results: dict[int, Any] = {}
        self.cancelled = False
        self.error: str | None = None
        self.details: str | None = None


class Runner:
    """Runs configs one at a time and keeps a process pool warm between them.

    ``thread_factory`` makes the workers of thread runs; the default is
    :class:`TaskThread`, the GUI passes one that makes QThreads.
    """

    def __init__(self, thread_factory: WorkerFactory = TaskThread) -> None:
        self.thread_factory = thread_factory
        self._pool: ProcessPool | None = None
        self._ids = itertools.count(1)
        self._me = psutil.Process()

    # -- pool ---------------------------------------------------------------

    def pool(self, workers: int, start_method: str) -> ProcessPool:
        """The warm pool for (workers, start_method), started if needed."""
        p = self._pool
        if p is None or not p.alive or p.workers != workers or p.start_method != start_method:
            if p is not None:
                p.close()
            self._pool = p = ProcessPool(workers, start_method)
        return p

    def close(self) -> None:
        """Stop the pool's workers. Safe to call more than once."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running ------------------------------------------------------------

    def run(self, config: RunConfig, on_event: EventSink = lambda e: None,
            cancel: threading.Event | None = None) -> RunFinished:
        """Run ``config`` to the end (done, cancelled or failed) and return the summary.

        Raises :class:`~concgui.engine.config.ConfigError` before starting
        anything if the config is invalid.
        """
        cfg = config.validate()
        cancel = cancel or threading.Event()
        run_id = next(self._ids)
        workload = get_workload(cfg.workload)
        assert cfg.size is not None and cfg.chunk_size is not None
        started = RunStarted(run_id, now(), cfg.workload, cfg.mode, cfg.workers, cfg.tasks, cfg.size,
                             cfg.start_method, cfg.chunk_size)
        pool = None
        if cfg.mode == "processes":
            # Pool start-up (cold: tens of ms) is not part of the run's wall time;
            # the benchmarks measure it separately.
            try:
                pool = self.pool(cfg.workers, cfg.start_method)
                pool.wait_ready()
            except (RuntimeError, OSError) as exc:
                self._pool = None
                on_event(started)
                fin = RunFinished(run_id, now(), RunStatus.FAILED, 0.0, 0.0, 0, None, error_line(exc),
                                  format_error(exc))
                on_event(fin)
                return fin
        with workload.context() as ctx:
            on_event(started)
            cpu0 = self._cpu(pool)
            t0 = now()
            if pool is not None:
                out: Any = pool.run(run_id, cfg.workload, cfg.size, ctx, cfg.tasks, cfg.chunk_size,
                                    on_event, cancel)
            elif cfg.mode == "threads":
                out = self._run_threads(run_id, cfg, ctx, on_event, cancel)
            else:
                out = self._run_serial(run_id, cfg, ctx, on_event, cancel)
            t1 = now()
            cpu1 = self._cpu(pool)
        if pool is not None and not pool.alive:
            self._pool = None  # cancelled or crashed: rebuilt on the next run
        if out.error:
            status = RunStatus.FAILED
        elif len(out.results) < cfg.tasks:  # a cancel that came after the last task changes nothing
            status = RunStatus.CANCELLED
        else:
            status = RunStatus.DONE
        digest = results_digest(out.results) if status is RunStatus.DONE else None
        fin = RunFinished(run_id, t1, status, t1 - t0, max(0.0, cpu1 - cpu0), len(out.results), digest,
                          out.error, out.details)
        on_event(fin)
        return fin

    def _cpu(self, pool: ProcessPool | None) -> float:
        t = self._me.cpu_times()
        own = t.user + t.system
        return own + (pool.cpu_seconds() if pool is not None and pool.alive else 0.0)

    def _run_serial(self, run_id: int, cfg: RunConfig, ctx: dict, on_event: EventSink,
                    cancel: threading.Event) -> _Outcome:
        out = _Outcome()

        def flush(events: list, results: list) -> None:
            for ev in events:
                on_event(ev)
            out.results.update(results)

        batch = Batcher(flush)
        name = threading.current_thread().name
        t = now()
        batch.add(WorkerStarted(run_id, name, os.getpid(), threading.get_native_id(), t), t)
        try:
            run_chunk(run_id, name, cfg.workload, cfg.size, ctx, range(cfg.tasks), batch, cancel.is_set)
        except Cancelled:
            out.cancelled = True
        except Exception as exc:
            out.error, out.details = error_line(exc), format_error(exc)
        batch.flush()
        return out

    def _run_threads(self, run_id: int, cfg: RunConfig, ctx: dict, on_event: EventSink,
                     cancel: threading.Event) -> _Outcome:
        out = _Outcome()
        loop = ThreadLoop(run_id, cfg.workload, cfg.size, ctx, cfg.tasks, cancel)
        workers = [self.thread_factory(f"thread-{i + 1}", loop) for i in range(cfg.workers)]
        for w in workers:
            w.start()
        running = len(workers)
        while running:
            try:
                msg = loop.outbox.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if msg[0] == "batch":
                for ev in msg[1]:
                    on_event(ev)
                out.results.update(msg[2])
            else:
                running -= 1
                if msg[0] == "error" and out.error is None:
                    out.error, out.details = msg[2], msg[3]
        for w in workers:
            w.join()
        out.cancelled = cancel.is_set()
        return out
