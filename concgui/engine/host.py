"""The body of every worker process: pool workers and worker hosts alike.

A pool worker runs chunks of tasks on its main thread. A *worker host* is the
same process with one more kind of job: a whole serial or threads run, on its
main thread or on plain ``threading.Thread`` workers, exactly the loop the
terminal's ``concgui bench`` runs. The window sends its right-way serial and
thread runs there, so their numbers are the terminal's and the window's GIL
is never the one the workers fight over (see :class:`~concgui.engine.config.Where`).

It imports only the engine (never Qt), leaves Ctrl+C to the parent, and
watches its parent so it exits if the app is killed.
"""

from __future__ import annotations

import os
import threading
import time
from multiprocessing.connection import Connection
from typing import Any, NamedTuple

from concgui.engine.clock import now
from concgui.engine.events import WorkerStarted
from concgui.engine.threads import TaskThread, ThreadLoop, run_on_threads
from concgui.engine.worker import Batcher, error_line, format_error, ignore_sigint, qt_modules, run_chunk

PARENT_POLL_S = 0.5


class Job(NamedTuple):
    """What the parent sends a worker process: tasks ``start..stop-1`` of a run.

    ``threads == 0``: run them on this process's main thread (a pool chunk, or
    a hosted serial run). ``threads > 0``: a hosted threads run, on that many
    ``threading.Thread`` workers pulling from one queue.
    """

    run_id: int
    workload: str
    size: int
    ctx: dict[str, Any]
    start: int
    stop: int
    threads: int = 0


def _watch_parent(ppid: int) -> None:
    """Exit if the parent goes away, so a killed app leaves no CPU-burning orphans."""
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != ppid:
            os._exit(3)


def process_main(conn: Connection) -> None:
    """Body of a worker process: run the :class:`Job` s the parent sends on ``conn``.

    ``None`` asks it to stop. It answers with tuples: ``("hello", pid,
    qt_modules)`` once, then per job any number of ``("batch", run_id, events,
    results)`` and one ``("done", run_id, n)`` or ``("error", run_id, message,
    traceback)``. If the parent dies, the pipe breaks (or the parent pid
    changes) and the process exits.
    """
    ignore_sigint()
    pid = os.getpid()
    worker = f"pid {pid}"
    send_lock = threading.Lock()

    def send(msg: tuple) -> None:
        with send_lock:  # a hosted threads run reports from one thread, but stay safe
            conn.send(msg)

    try:
        threading.Thread(target=_watch_parent, args=(os.getppid(),), name="parent-watch", daemon=True).start()
        send(("hello", pid, qt_modules()))
        announced = None  # the run this worker last reported WorkerStarted for
        while True:
            raw = conn.recv()
            if raw is None:
                break
            job = Job(*raw)
            run_id = job.run_id
            out = Batcher(lambda ev, res: send(("batch", run_id, ev, res)))
            tasks = range(job.start, job.stop)
            if job.threads:
                error, details = _hosted_threads(job, tasks, out)
                out.flush()
                send(("error", run_id, error, details) if error else ("done", run_id, len(tasks)))
                continue
            if run_id != announced:
                announced = run_id
                t = now()
                out.add(WorkerStarted(run_id, worker, pid, threading.get_native_id(), t), t)
            try:
                run_chunk(run_id, worker, job.workload, job.size, job.ctx, tasks, out)
            except Exception as exc:
                out.flush()
                send(("error", run_id, error_line(exc), format_error(exc)))
                continue
            out.flush()
            send(("done", run_id, len(tasks)))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent went away or stopped us: nothing left to report to
    finally:
        conn.close()


def _hosted_threads(job: Job, tasks: range, out: Batcher) -> tuple[str | None, str | None]:
    """A whole threads run in this process, as the terminal runs it; cancel = the parent stops us."""
    loop = ThreadLoop(job.run_id, job.workload, job.size, job.ctx, tasks, threading.Event())

    def on_batch(events: list, results: list) -> None:
        out.events.extend(events)
        out.results.extend(results)
        out.flush()

    return run_on_threads(loop, TaskThread, job.threads, on_batch)
