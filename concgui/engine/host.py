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
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Callable

from concgui.engine.gil_watch import GilWatch
from concgui.engine.python_facts import this_run_record
from concgui.engine.messages import Batch, ClusterClosed, ClusterUp, Hello, Job, JobDone, JobFailed, WorkerReply
from concgui.engine.threads import TaskThread, ThreadLoop, run_on_threads
from concgui.engine.worker import Batcher, announce, error_line, format_error, ignore_sigint, qt_modules, run_chunk

PARENT_POLL_S = 0.5


def watch_parent() -> None:
    """Exit if the parent goes away, so a killed app leaves no CPU-burning orphans."""
    ppid = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != ppid:
                os._exit(3)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def process_main(conn: Connection, worker: str | None = None, own_process: bool = True) -> None:
    """Body of a worker process: run the :class:`Job` s the parent sends on ``conn``.

    ``worker`` names it in events (default ``pid N``). ``own_process=False``:
    it is one of several subinterpreters of a host process
    (:mod:`concgui.engine.subinterpreters`), which watches the parent and
    handles signals for all of them.

    ``None`` asks it to stop. It answers (:mod:`concgui.engine.messages`) with
    a :class:`~concgui.engine.messages.Hello` once, then per job any number of
    :class:`~concgui.engine.messages.Batch` es and one
    :class:`~concgui.engine.messages.JobDone` (carrying the job's last batch) or
    :class:`~concgui.engine.messages.JobFailed`. If the parent dies, the pipe
    breaks (or the parent pid changes) and the process exits.
    """
    pid = os.getpid()
    worker = worker or f"pid {pid}"
    send_lock = threading.Lock()

    def send(msg: WorkerReply) -> None:
        with send_lock:  # a hosted threads run reports from one thread, but stay safe
            conn.send(msg)

    gil = GilWatch()
    try:
        if own_process:
            ignore_sigint()
            watch_parent()
        send(Hello(pid, qt_modules(), this_run_record()))
        announced = None  # the run this worker last reported WorkerStarted for
        while True:
            raw = conn.recv()
            if raw is None:
                break
            job = Job(*raw)
            run_id = job.run_id
            out = Batcher(lambda ev, res: send(Batch(run_id, ev, res)))
            tasks = range(job.start, job.stop)
            if job.dask is not None:
                _hosted_dask(job, send)
                continue
            if job.threads:
                error, details = _hosted_threads(job, tasks, out)
                if error:
                    out.flush()
                    send(JobFailed(run_id, error, details))
                else:
                    send(JobDone(run_id, len(tasks), *out.take(), gil_notes=gil.take()))
                continue
            if run_id != announced:
                announced = run_id
                announce(out, run_id, worker)
            try:
                run_chunk(run_id, worker, job.workload, job.size, job.ctx, tasks, out, sends_at_end=True)
            except Exception as exc:
                out.flush()
                send(JobFailed(run_id, error_line(exc), format_error(exc)))
                continue
            send(JobDone(run_id, len(tasks), *out.take(), gil_notes=gil.take()))  # the last batch rides with it
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent went away or stopped us: nothing left to report to
    finally:
        gil.close()
        conn.close()


def _hosted_threads(job: Job, tasks: range, out: Batcher) -> tuple[str | None, str | None]:
    """A whole threads run in this process, as the terminal runs it; cancel = the parent stops us."""
    loop = ThreadLoop(job.run_id, job.workload, job.size, job.ctx, tasks, threading.Event())

    def on_batch(events: list, results: list) -> None:
        out.forward(events, results)  # the threads' batches as they made them: one message each

    return run_on_threads(loop, TaskThread, job.threads, on_batch)


def _hosted_dask(job: Job, send: Callable[[WorkerReply], None]) -> None:
    """A whole dask run from this process: the cluster, the Dask client and its messages, never the window's.

    Cancel: the parent stops this process (SIGTERM), which kills the cluster it
    started first. Killed outright, the cluster host sees its stdin close and
    closes the cluster (see :mod:`concgui.engine.dask_host`).
    """
    from concgui.engine.clock import now
    from concgui.engine.dask_cluster import DaskCluster

    assert job.dask is not None
    workers, threads, scheduler, chunk = job.dask
    cluster = DaskCluster(workers, threads, scheduler)

    def stopped(_signum: int, _frame: object) -> None:  # a cancel: the run's processes go now, then this one
        cluster.kill()
        os._exit(0)

    before = signal.signal(signal.SIGTERM, stopped)
    try:
        t = now()
        try:
            cluster.start()
        except (RuntimeError, OSError) as exc:
            send(JobFailed(job.run_id, error_line(exc), format_error(exc)))
            return
        send(ClusterUp(job.run_id, cluster.record(now() - t), cluster.pids, cluster.python_record))
        out = cluster.run(job.run_id, job.workload, job.size, job.ctx, job.stop - job.start, chunk,
                          lambda ev: None, threading.Event(), forward=lambda ev, res: send(Batch(job.run_id, ev, res)))
        if out.error:
            send(JobFailed(job.run_id, out.error, out.details))
        else:
            send(JobDone(job.run_id, job.stop - job.start))  # the run's end, before the cluster's close
    finally:
        signal.signal(signal.SIGTERM, before)
        cluster.close()
    send(ClusterClosed(job.run_id))
