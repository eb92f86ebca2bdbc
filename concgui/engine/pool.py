"""A process pool the engine owns: warm between runs, cancellable at once.

Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot stop a running
task (``shutdown(cancel_futures=True)`` still waits for the running tasks and
the ones already queued, which we measured at seconds), it reports nothing
about which worker ran what, and it cannot tell us which worker died. Here
each worker has its own pipe; the parent hands out chunks of task ids as
workers free up (two in flight each, so no worker idles between chunks), and
waits on pipes and process sentinels together, so a crash is seen at once.
Cancelling terminates the workers (1-9 ms) and the pool is rebuilt for the
next run.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, cast

import psutil

from concgui.engine import machine_load
from concgui.engine.events import Event
from concgui.engine.host import process_main
from concgui.engine.messages import Batch, ClusterUp, Hello, Job, JobDone, JobFailed, WorkerReply
from concgui.engine.results import TaskResults

IN_FLIGHT = 2  # chunks queued per worker
POLL_S = 0.05  # how often a waiting run checks for cancel


class PoolOutcome:
    """What a pool run produced (the runner turns it into RunFinished)."""

    def __init__(self) -> None:
        self.results = TaskResults()
        self.error: str | None = None
        self.details: str | None = None
        self.cancelled = False
        #: What the workers noticed about the GIL (a free-threaded build that turned it back on).
        self.gil_notes: list[str] = []


class ProcessPool:
    """``workers`` processes started with ``start_method``, reused across runs.

    ``python`` (an executable; None: this one) starts them on another
    interpreter, as commands (:mod:`concgui.engine.foreign_host`: a fresh
    interpreter each, as ``spawn`` would). ``interpreters=True`` makes it one
    host process of that Python whose ``workers`` are subinterpreters, each
    with its own GIL. Either way the pool hands out chunks, and hears back,
    exactly as it does from its own processes.
    """

    def __init__(self, workers: int, start_method: str, python: str | None = None, interpreters: bool = False,
                 gil: str | None = None) -> None:
        self.workers = workers
        self.start_method = start_method
        self.python = python
        self.interpreters = interpreters
        self.gil = gil
        self.qt_modules: dict[int, list[str]] = {}  # pid -> Qt modules it has loaded (must be [])
        #: The Python the workers said they run on (see :class:`~concgui.engine.messages.Hello`).
        self.python_record: dict[str, Any] | None = None
        self._conns: list[Connection] = []
        self._procs: list[Any] = []  # multiprocessing Process objects, or foreign_host.HostChild
        self._ready: set[Connection] = set()  # the workers that have said hello
        self._ps: dict[int, psutil.Process] = {}  # for cpu_seconds
        self.alive = True
        if interpreters or python is not None:
            self._launch_commands(python or sys.executable, workers, interpreters, gil)
            return
        ctx: Any = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            # Import the worker code once in the fork server, not in every worker.
            ctx.set_forkserver_preload(["concgui.engine.host"])
        for i in range(workers):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=process_main, args=(child,), name=f"concgui-worker-{i + 1}", daemon=True)
            p.start()
            child.close()
            self._conns.append(parent)
            self._procs.append(p)

    def _launch_commands(self, python: str, workers: int, interpreters: bool, gil: str | None) -> None:
        from concgui.engine.foreign_host import launch

        try:
            for _ in range(1 if interpreters else workers):
                child, conns = launch(python, workers if interpreters else 1, interpreters, gil)
                self._procs.append(child)
                self._conns.extend(conns)
        except BaseException:
            self.terminate()
            raise

    @property
    def pids(self) -> list[int]:
        return list(dict.fromkeys(p.pid for p in self._procs if p.pid is not None))  # subinterpreters share one

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until every worker has said hello (all are importable and running)."""
        deadline = _deadline(timeout)
        while len(self._ready) < len(self._conns):
            left = deadline()
            dead = [p for p in self._procs if p.exitcode is not None]
            if left <= 0 or dead:
                # Read the exit code before terminate() closes the process objects.
                why = f"exit code {dead[0].exitcode}" if dead else f"no answer in {timeout:.0f} s"
                self.terminate()
                raise RuntimeError(f"the worker processes could not start ({why})")
            for ready in wait([c for c in self._conns if c not in self._ready], timeout=min(left, POLL_S)):
                conn = cast(Connection, ready)
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    continue
                if isinstance(msg, Hello):
                    self._ready.add(conn)
                self._handle(msg, None, PoolOutcome())

    def run(self, run_id: int, workload: str, size: int, ctx: dict[str, Any], tasks: int, chunk: int,
            emit: Callable[[Event], None], cancel: threading.Event, threads: int = 0,
            dask: tuple[int, int, str | None, int] | None = None,
            on_cluster: Callable[[ClusterUp], None] | None = None) -> PoolOutcome:
        """Run tasks ``0..tasks-1`` in chunks; events go to ``emit`` on this thread.

        ``threads > 0`` (a worker host): each chunk runs on that many threads
        inside the worker process (see :class:`~concgui.engine.messages.Job`).
        ``dask`` (a worker host, one chunk): the host runs them on a Dask
        cluster, and ``on_cluster`` hears of it when it is up, before any event.
        """
        out = PoolOutcome()
        chunks = [(s, min(s + chunk, tasks)) for s in range(0, tasks, chunk)]
        chunks.reverse()  # pop() from the end hands them out in order
        in_flight = {conn: 0 for conn in self._conns}
        by_sentinel = {p.sentinel: p for p in self._procs if p.sentinel is not None}

        items = ctx.get("items")  # tasks with inputs of their own (a developer's function): each chunk its own

        def feed(conn: Connection) -> None:
            if chunks and in_flight[conn] < IN_FLIGHT:
                s, e = chunks.pop()
                job_ctx = ctx if items is None else {**ctx, "items": items[s:e], "first": s}
                try:
                    conn.send(tuple(Job(run_id, workload, size, job_ctx, s, e, threads, dask)))
                except OSError:
                    return  # that worker died; the sentinel check reports it
                in_flight[conn] += 1

        for _ in range(IN_FLIGHT):  # round-robin, so all workers start at once
            for conn in self._conns:
                feed(conn)
        remaining = tasks
        # A worker without a sentinel (no pidfd) is looked at on every wake; the others only when
        # their sentinel or pipe says something happened, or the wait times out: looking costs a
        # poll per process, and a run's parent wakes for every batch.
        unwatched = len(by_sentinel) < len(self._procs)
        watch = [*self._conns, *by_sentinel]
        while remaining > 0:
            if cancel.is_set():
                out.cancelled = True
                self.terminate()
                return out
            ready = wait(watch, timeout=POLL_S)
            look = unwatched or not ready
            for got in ready:
                if got in by_sentinel:
                    look = True  # handled below, after draining what the worker sent
                    continue
                obj = cast(Connection, got)
                try:
                    msg = obj.recv()
                except (EOFError, OSError):
                    look = True
                    continue
                done = self._handle(msg, run_id, out, emit, on_cluster)
                if done:
                    remaining -= done
                    in_flight[obj] -= 1
                    while in_flight[obj] < IN_FLIGHT and chunks:
                        feed(obj)
                if out.error:
                    self.terminate()
                    return out
            dead = [p for p in self._procs if p.exitcode is not None] if look else ()
            if dead and remaining > 0:
                p = dead[0]
                out.error = f"worker process {p.pid} died (exit code {p.exitcode})"
                out.details = _exit_details(p.exitcode)
                self.terminate()
                return out
        return out

    def _handle(self, msg: WorkerReply, run_id: int | None, out: PoolOutcome,
                emit: Callable[[Event], None] | None = None,
                on_cluster: Callable[[ClusterUp], None] | None = None) -> int:
        """File one worker's reply; returns the tasks it says it finished (a :class:`JobDone`), else 0."""
        if isinstance(msg, Hello):
            self.qt_modules[msg.pid] = msg.qt_modules
            self.python_record = msg.python
        elif msg.run_id != run_id:
            pass  # a leftover from an earlier run
        elif isinstance(msg, (Batch, JobDone)):
            assert emit is not None, "a batch outside a run"
            for ev in msg.events:
                emit(ev)
            out.results.update(msg.results)
            if isinstance(msg, JobDone):
                out.gil_notes.extend(n for n in msg.gil_notes if n not in out.gil_notes)
                return msg.tasks
        elif isinstance(msg, JobFailed):
            out.error, out.details = msg.error, msg.details
        elif isinstance(msg, ClusterUp) and on_cluster is not None:
            on_cluster(msg)
        return 0

    def wait_for(self, kind: type, run_id: int, timeout: float) -> bool:
        """Read replies until a ``kind`` message of run ``run_id`` arrives (True), or ``timeout`` passes (False)."""
        left = _deadline(timeout)
        while left() > 0 and self._conns:
            for got in wait(self._conns, timeout=min(left(), POLL_S)):
                try:
                    msg = cast(Connection, got).recv()
                except (EOFError, OSError):
                    return False
                if isinstance(msg, kind) and getattr(msg, "run_id", None) == run_id:
                    return True
                self._handle(msg, None, PoolOutcome())
        return False

    def cpu_seconds(self) -> float:
        """CPU (user + system) used so far by the live workers."""
        return machine_load.cpu_seconds(self.pids, self._ps)

    def close(self, timeout: float = 2.0) -> None:
        """Ask workers to finish and wait; terminate any that do not."""
        if not self.alive:
            return
        for conn in self._conns:
            try:
                conn.send(None)
            except OSError:
                pass
        deadline = _deadline(timeout)
        for p in self._procs:
            p.join(max(0.0, deadline()))
        self.terminate()

    def terminate(self) -> None:
        """Stop every worker now (mid-task too) and release the pipes."""
        self.alive = False
        for p in self._procs:
            if p.exitcode is None:
                p.terminate()
        for p in self._procs:
            p.join(1.0)
            if p.exitcode is None:
                p.kill()
                p.join()
        for conn in self._conns:
            conn.close()
        for p in self._procs:
            p.close()
        self._procs = []
        self._conns = []


def _exit_details(code: int | None) -> str:
    if code is not None and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"The worker was killed by {name}. The pool has been stopped and will be rebuilt."
    return f"The worker exited with code {code}. The pool has been stopped and will be rebuilt."


def _deadline(timeout: float) -> Callable[[], float]:
    from concgui.engine.clock import now

    end = now() + timeout
    return lambda: end - now()
