"""Run a :class:`RunConfig` in any mode and report it as a stream of events.

The :class:`Runner` is the single entry point used by the CLI, the GUI, the
benchmarks and the tests. It validates the config, sets up what the workload
needs (a temp folder, a local HTTP server), runs the tasks serially, on
threads or on its warm process pool, and always ends with one
:class:`RunFinished` whose digest lets any run be checked against the serial
one. ``on_event`` is called on the thread that called :meth:`Runner.run`.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import replace
from typing import Any, Callable

import psutil

from concgui.engine import machine_load
from concgui.engine.clock import now
from concgui.engine import startmethods
from concgui.engine.config import POOL_MODES, Mode, RunConfig, Where
from concgui.engine.events import Event, RunFinished, RunStarted, RunStatus
from concgui.engine.function_profile import run_context
from concgui.engine.messages import ClusterClosed, ClusterUp
from concgui.engine.pool import ProcessPool
from concgui.engine.python_facts import facts, run_record
from concgui.engine.results import TaskResults, results_digest  # noqa: F401  (results_digest: part of this API)
from concgui.engine.threads import DRAIN_S, TaskThread, ThreadLoop, WorkerFactory, run_on_threads
from concgui.engine.time_split import TimeSplit
from concgui.engine.user_function import as_pickle
from concgui.engine.watchdog import Watchdog
from concgui.engine.worker import Batcher, Cancelled, announce, error_line, format_error, run_chunk
from concgui.engine.workloads import get_workload

EventSink = Callable[[Event], None]
#: How long a hosted dask run waits for its host to close the cluster (its own close gives up after 10 s).
CLUSTER_CLOSE_WAIT_S = 15.0


def _run_context(cfg: RunConfig, workload: Any, here: bool) -> Any:
    """The context a run's tasks get: the workload's, or a developer's function's (``here``: run in this process)."""
    return workload.context() if cfg.function is None else run_context(cfg.function, cfg.tasks, here=here)


def _this_python() -> dict:
    """This interpreter's run record, read at each run (an import may turn a free-threaded build's GIL on)."""
    return run_record(facts())


class _Outcome:
    def __init__(self) -> None:
        self.results = TaskResults()
        self.cancelled = False
        self.error: str | None = None
        self.details: str | None = None
        self.gil_notes: list[str] = []  # runs in this process: a normal build, nothing to note


class Runner:
    """Runs configs one at a time and keeps a process pool warm between them.

    ``thread_factory`` makes the workers of thread runs in this process; the
    default is :class:`TaskThread`, the GUI passes one that makes QThreads.
    ``default_where`` is where serial and threads runs go when their config
    does not say (:class:`~concgui.engine.config.Where`): here for the
    terminal, a worker host for the window.
    """

    def __init__(self, thread_factory: WorkerFactory = TaskThread, default_where: Where = Where.HERE) -> None:
        self.thread_factory = thread_factory
        self.default_where = Where(default_where)
        #: How often a threads run in this process collects its workers' reports (see ``run_on_threads``).
        self.drain_s = DRAIN_S
        self._pool: ProcessPool | None = None
        self._host: ProcessPool | None = None
        #: The dask run's cluster while one runs (closed when it ends; :meth:`close` closes it too).
        self._dask: Any = None
        self._ids = itertools.count(1)
        self._me = psutil.Process()

    # -- pool ---------------------------------------------------------------

    def pool(self, workers: int, start_method: str, python: str | None = None, interpreters: bool = False,
             gil: str | None = None) -> ProcessPool:
        """The warm pool for these settings (see :class:`ProcessPool`), started if needed."""
        p = self._pool
        want = (workers, start_method, python, interpreters, gil)
        if p is None or not p.alive or (p.workers, p.start_method, p.python, p.interpreters, p.gil) != want:
            if p is not None:
                p.close()
            self._pool = p = ProcessPool(workers, start_method, python, interpreters, gil)
        return p

    def host(self, python: str | None = None, gil: str | None = None) -> ProcessPool:
        """The warm worker host (one process of ``python``, default this one), started if needed."""
        h = self._host
        if h is None or not h.alive or (h.python, h.gil) != (python, gil):
            if h is not None:
                h.close()
            self._host = h = ProcessPool(1, startmethods.default(), python, gil=gil)
        return h

    @property
    def host_pid(self) -> int | None:
        """The worker host's process id while it runs (None before the first hosted run)."""
        h = self._host
        return h.pids[0] if h is not None and h.alive and h.pids else None

    def warm_up(self, config: RunConfig, cancel: threading.Event | None = None) -> None:
        """Run ``config``'s way once on a token amount of work, untimed and unseen.

        The first run on a fresh pool or host pays for what later ones do not
        (each worker importing the workload, first allocations): a repeated
        comparison warms up first, so that cost is not charged to round one.
        The warm-up takes no run number.
        """
        if config.mode == Mode.DASK:
            return  # a cluster lives for one run, and its start warms every worker (outside the wall time)
        ids = self._ids
        self._ids = itertools.count(-1, -1)
        try:
            self.run(replace(config, tasks=max(1, config.workers), size=1, chunk_size=1), cancel=cancel)
        finally:
            self._ids = ids

    def close(self) -> None:
        """Stop the pool's workers and the worker host. Safe to call more than once."""
        for p in (self._pool, self._host):
            if p is not None:
                p.close()
        if self._dask is not None:
            self._dask.terminate()  # a dask run still going: the app is closing
        self._pool = self._host = self._dask = None

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
        if config.where is None and config.mode not in POOL_MODES:
            config = replace(config, where=self.default_where.value)
        cfg = config.validate()
        cancel = cancel or threading.Event()
        dog = Watchdog(cfg.task_timeout_s, cancel) if cfg.task_timeout_s is not None else None
        try:
            fin = self._run(cfg, on_event if dog is None else dog.wrap(on_event),
                            cancel if dog is None else dog.cancel, dog)
        finally:
            if dog is not None:
                dog.stop()
        return fin

    def _run(self, cfg: RunConfig, on_event: EventSink, cancel: threading.Event, dog: Watchdog | None) -> RunFinished:
        run_id = next(self._ids)
        workload = get_workload(cfg.workload)
        assert cfg.size is not None and cfg.chunk_size is not None
        started = RunStarted(run_id, now(), cfg.workload, cfg.mode, cfg.workers, cfg.tasks, cfg.size,
                             cfg.start_method, cfg.chunk_size, cfg.where, threads_per_worker=cfg.threads_per_worker)
        if cfg.mode == Mode.DASK:
            return self._run_dask(cfg, started, workload, on_event, cancel, dog)
        hosted = cfg.where == Where.HOST.value
        pool = None
        pool_start_s = 0.0
        if cfg.mode in POOL_MODES or hosted:
            # Pool and host start-up (cold: tens of ms) is not part of the run's
            # wall time; the benchmarks measure it separately, and the split shows it.
            try:
                t_pool = now()
                if hosted:
                    pool = self.host(cfg.python, cfg.gil)
                else:
                    pool = self.pool(cfg.workers, cfg.start_method or "spawn", cfg.python,
                                     cfg.mode == Mode.INTERPRETERS, cfg.gil)
                pool.wait_ready()
                pool_start_s = now() - t_pool
            except (RuntimeError, OSError) as exc:
                if hosted:
                    self._host = None
                else:
                    self._pool = None
                return self._not_started(started, error_line(exc), format_error(exc), on_event)
        started = replace(started, python=pool.python_record if pool is not None else _this_python())
        # Where the wall time went (see time_split): fed every event of the run, O(1) each.
        fold = TimeSplit(cfg.workers, run_id)
        emit = fold.wrap(on_event)
        with _run_context(cfg, workload, here=pool is None) as ctx:
            on_event(started)
            ours = pool.pids if pool is not None else ()  # just started, maybe: not yet listed
            load0 = machine_load.read(ours)
            cpu0 = self._cpu(pool)
            t0 = now()
            if hosted:
                assert pool is not None
                # One job: the whole run, on the host's main thread (serial) or on its threads.
                out: Any = pool.run(run_id, cfg.workload, cfg.size, ctx, cfg.tasks, cfg.tasks, emit, cancel,
                                    threads=cfg.workers if cfg.mode == "threads" else 0)
            elif pool is not None:
                out = pool.run(run_id, cfg.workload, cfg.size, ctx, cfg.tasks, cfg.chunk_size, emit, cancel)
            elif cfg.mode == "threads":
                out = self._run_threads(run_id, cfg, ctx, emit, cancel)
            else:
                out = self._run_serial(run_id, cfg, ctx, emit, cancel)
            t1 = now()
            cpu1 = self._cpu(pool)
            other = machine_load.other_cores(load0, machine_load.read(ours))
        if pool is not None and not pool.alive:  # cancelled or crashed: rebuilt on the next run
            if hosted:
                self._host = None
            else:
                self._pool = None
        return self._finish(cfg, run_id, out, fold, t0, t1, cpu1 - cpu0, other, pool_start_s, dog, on_event)

    def _finish(self, cfg: RunConfig, run_id: int, out: Any, fold: TimeSplit, t0: float, t1: float, cpu_s: float,
                other: float | None, pool_start_s: float, dog: Watchdog | None, on_event: EventSink) -> RunFinished:
        """The run's :class:`RunFinished` from what its workers produced, sent and returned."""
        if dog is not None and dog.fired and not out.error:
            out.error = dog.sentence()
        if out.error:
            status = RunStatus.FAILED
        elif len(out.results) < cfg.tasks:  # a cancel that came after the last task changes nothing
            status = RunStatus.CANCELLED
        else:
            status = RunStatus.DONE
        # A function's results are compared by their pickles (see user_function): made here, off the clock.
        by = as_pickle if cfg.function is not None else None
        digest = out.results.digest(by) if status is RunStatus.DONE else None
        split = fold.split(t0, t1, pool_start_s) if status is RunStatus.DONE else None
        fin = RunFinished(run_id, t1, status, t1 - t0, max(0.0, cpu_s), len(out.results), digest,
                          out.error, out.details, other_load_cores=None if other is None else round(other, 3),
                          split=split, gil_notes=tuple(out.gil_notes))
        on_event(fin)
        return fin

    def _run_dask(self, cfg: RunConfig, started: RunStarted, workload: Any, on_event: EventSink,
                  cancel: threading.Event, dog: Watchdog | None) -> RunFinished:
        """A run on a Dask cluster (see :mod:`concgui.engine.dask_cluster`): started for it, closed after it."""
        from concgui.engine.dask_cluster import DaskCluster

        if self.default_where is Where.HOST:
            return self._run_dask_hosted(cfg, started, workload, on_event, cancel, dog)
        assert cfg.size is not None and cfg.chunk_size is not None
        run_id = started.run_id
        cluster = self._dask = DaskCluster(cfg.workers, cfg.threads_per_worker, cfg.scheduler)
        try:
            t_start = now()
            try:
                cluster.start()
            except (RuntimeError, OSError) as exc:
                return self._not_started(started, error_line(exc), format_error(exc), on_event)
            start_s = now() - t_start
            started = replace(started, python=cluster.python_record or _this_python(), cluster=cluster.record(start_s))
            fold = TimeSplit(cfg.workers * cfg.threads_per_worker, run_id)
            emit = fold.wrap(on_event)
            with _run_context(cfg, workload, here=False) as ctx:
                on_event(started)
                ours = cluster.pids
                load0 = machine_load.read(ours)
                cpu0 = time.thread_time() + cluster.cpu_seconds()
                t0 = now()
                out = cluster.run(run_id, cfg.workload, cfg.size, ctx, cfg.tasks, cfg.chunk_size, emit, cancel)
                t1 = now()
                cpu1 = time.thread_time() + cluster.cpu_seconds()
                other = machine_load.other_cores(load0, machine_load.read(ours))
            return self._finish(cfg, run_id, out, fold, t0, t1, cpu1 - cpu0, other, start_s, dog, on_event)
        finally:
            self._dask = None
            if cancel.is_set():
                cluster.terminate()  # mid-task: nothing to wait for
            else:
                cluster.close()

    def _run_dask_hosted(self, cfg: RunConfig, started: RunStarted, workload: Any, on_event: EventSink,
                         cancel: threading.Event, dog: Watchdog | None) -> RunFinished:
        """A dask run whose client is the worker host's, not this process's (a window's: its GIL stays free).

        The host starts the cluster, says so (:class:`~concgui.engine.messages.ClusterUp`,
        when the run's clock starts), relays each chunk's events as the pool's
        workers do, and closes the cluster after the run. Cancel stops the host.
        """
        assert cfg.size is not None and cfg.chunk_size is not None
        run_id = started.run_id
        try:
            host = self.host()
            host.wait_ready()
        except (RuntimeError, OSError) as exc:
            self._host = None
            return self._not_started(started, error_line(exc), format_error(exc), on_event)
        fold = TimeSplit(cfg.workers * cfg.threads_per_worker, run_id)
        emit = fold.wrap(on_event)
        known: dict[int, psutil.Process] = {}
        up: dict[str, Any] = {}

        def cpu() -> float:  # this thread relaying, the host (the Dask client) and the cluster's processes
            return time.thread_time() + host.cpu_seconds() + machine_load.cpu_seconds(up["pids"], known)

        def on_cluster(msg: ClusterUp) -> None:
            on_event(replace(started, python=msg.python or host.python_record or _this_python(), cluster=msg.cluster))
            up.update(pids=list(msg.pids), start_s=msg.cluster["start_s"], ours=[*host.pids, *msg.pids])
            up["load0"] = machine_load.read(up["ours"])
            up["cpu0"] = cpu()
            up["t0"] = now()

        with _run_context(cfg, workload, here=False) as ctx:
            out = host.run(run_id, cfg.workload, cfg.size, ctx, cfg.tasks, cfg.tasks, emit, cancel,
                           dask=(cfg.workers, cfg.threads_per_worker, cfg.scheduler, cfg.chunk_size),
                           on_cluster=on_cluster)
            t1 = now()
            if up:
                cpu1 = cpu()
                other = machine_load.other_cores(up["load0"], machine_load.read(up["ours"]))
        # The host closes the cluster after the run (~1 s), as the in-process path does: waited for here,
        # off the clock, so that it never counts in the time of the host's next run.
        if host.alive and not host.wait_for(ClusterClosed, run_id, CLUSTER_CLOSE_WAIT_S):
            host.terminate()  # it could not close in time: the host goes, and its cluster with it
        if not host.alive:  # cancelled or failed: a new host for the next run
            self._host = None
        if not up:  # no cluster: its start failed (the host said why) or was cancelled
            return self._not_started(started, out.error or "cancelled before the Dask cluster was up",
                                     out.details, on_event, RunStatus.FAILED if out.error else RunStatus.CANCELLED)
        return self._finish(cfg, run_id, out, fold, up["t0"], t1, cpu1 - up["cpu0"], other, up["start_s"], dog,
                            on_event)

    @staticmethod
    def _not_started(started: RunStarted, error: str, details: str | None, on_event: EventSink,
                     status: RunStatus = RunStatus.FAILED) -> RunFinished:
        """The events of a run that ended before it began: its start, then its end, with why."""
        on_event(started)
        fin = RunFinished(started.run_id, now(), status, 0.0, 0.0, 0, None,
                          error if status is RunStatus.FAILED else None,
                          details if status is RunStatus.FAILED else None)
        on_event(fin)
        return fin

    def _cpu(self, pool: ProcessPool | None) -> float:
        """CPU seconds so far of what does the run's work.

        In this process: the whole process (its worker threads). With worker
        processes or a host: theirs, plus this thread relaying their events,
        but not the rest of this process (a window's painting is not the run's).
        """
        if pool is None:
            t = self._me.cpu_times()
            return t.user + t.system
        return time.thread_time() + (pool.cpu_seconds() if pool.alive else 0.0)

    def _run_serial(self, run_id: int, cfg: RunConfig, ctx: dict, on_event: EventSink,
                    cancel: threading.Event) -> _Outcome:
        out = _Outcome()

        def flush(events: list, results: list) -> None:
            for ev in events:
                on_event(ev)
            out.results.update(results)

        batch = Batcher(flush)
        assert cfg.size is not None  # a validated config
        name = threading.current_thread().name
        announce(batch, run_id, name)
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
        assert cfg.size is not None  # a validated config
        loop = ThreadLoop(run_id, cfg.workload, cfg.size, ctx, cfg.tasks, cancel)

        def on_batch(events: list, results: list) -> None:
            for ev in events:
                on_event(ev)
            out.results.update(results)

        out.error, out.details = run_on_threads(loop, self.thread_factory, cfg.workers, on_batch, self.drain_s)
        out.cancelled = cancel.is_set()
        return out
