"""Every message the engine and its workers and probes send each other, in one place.

Four channels, each with its own small vocabulary:

* a **pool worker or worker host** (:func:`~concgui.engine.host.process_main`)
  and the :class:`~concgui.engine.pool.ProcessPool` that owns it, over a pipe:
  the pool sends :class:`Job` s (``None`` asks the worker to stop), the worker
  answers :class:`WorkerReply` s;
* the **worker threads** of a thread run (:class:`~concgui.engine.threads.ThreadLoop`)
  and the thread draining their reports, over an in-process queue: :class:`ThreadReport` s;
* the **lane probe** (:func:`~concgui.engine.lane_probe.lane_probe_main`) and the
  :class:`~concgui.engine.lanes.LaneSampler`: :class:`LaneCommand` s one way,
  lists of :class:`LaneReading` s the other;
* the **CPU probe** (:func:`~concgui.engine.cpu_probe.probe_main`), which writes
  its samples into shared memory and is only ever told :data:`CPU_PROBE_STOP`.

They are ``NamedTuple`` s: tuples, so they pickle and unpack like the bare
tuples they replace, with field names and types; a receiver tells them apart
by their type. This module imports nothing of concgui at run time, so the
probes and workers that unpickle these stay as light as they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Optional, Sequence, Union

if TYPE_CHECKING:
    from concgui.engine.events import Event

# --- pool / worker host <-> worker process ---------------------------------------------------------


class Job(NamedTuple):
    """What the parent sends a worker process: tasks ``start..stop-1`` of a run.

    Sent by :meth:`~concgui.engine.pool.ProcessPool.run`, a few chunks ahead per
    worker; on the pipe it travels as a plain tuple and the worker rebuilds it.
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
    #: A hosted dask run (a worker host only): (workers, threads per worker, scheduler or None, chunk). The host
    #: starts the cluster, sends :class:`ClusterUp`, runs the tasks on it in chunks, and closes it after JobDone.
    dask: Optional[tuple[int, int, Optional[str], int]] = None


class Hello(NamedTuple):
    """A worker process is up: sent once, at its start, so the pool knows it is ready.

    ``qt_modules`` are the Qt modules it has loaded: must be none (a worker that
    imported Qt would pay for it at every start).
    """

    pid: int
    qt_modules: list[str]
    #: The Python it runs on (:func:`~concgui.engine.python_facts.run_record`): a host may be another one.
    python: Optional[dict[str, Any]] = None


class Batch(NamedTuple):
    """Events and results of a job, batched by the worker's :class:`~concgui.engine.worker.Batcher`
    (about every ~10 ms while tasks end), any number per job.

    ``results``: one ``(task ids, values)`` pair per
    :class:`~concgui.engine.events.TasksFinished` in ``events`` (the ids are
    that event's ``task_ids`` array: pickled once, shared).
    """

    run_id: int
    events: list[Event]
    results: list[tuple[Sequence[int], list[Any]]]


class JobDone(NamedTuple):
    """A job ended with all its ``tasks`` run: the pool may hand that worker its next chunk.

    It carries the job's last ``events`` and ``results`` (as a :class:`Batch`
    does), so the end of a chunk is one message, not two: every message wakes
    the parent, and on a machine whose cores the workers fill, each wake-up
    takes a core from one of them.
    """

    run_id: int
    tasks: int
    events: Sequence[Event] = ()
    results: Sequence[tuple[Sequence[int], list[Any]]] = ()
    #: What happened to the GIL during the job, on a free-threaded build (see :mod:`concgui.engine.gil_watch`).
    gil_notes: tuple[str, ...] = ()


class JobFailed(NamedTuple):
    """A job's task raised: ``error`` is one line for a status bar, ``details`` the traceback.

    Ends the job instead of :class:`JobDone`; the pool stops the run.
    """

    run_id: int
    error: str
    details: str | None


class ClusterUp(NamedTuple):
    """A hosted dask run's cluster is up and its tasks are being sent: what the run's record says of it.

    ``cluster``: address, dashboard, whether the host started it, and ``start_s``
    (its start, not part of the wall time); ``pids``: its processes on this
    machine (CPU time, load); ``python``: the workers' Python.
    """

    run_id: int
    cluster: dict[str, Any]
    pids: list[int]
    python: Optional[dict[str, Any]] = None


class ClusterClosed(NamedTuple):
    """A hosted dask run's cluster is closed (after its :class:`JobDone`): the host takes its next job.

    The runner waits for it outside the run's time, as it waits for a cluster
    it started itself, so that the close never counts in the next run's time.
    """

    run_id: int


#: What a worker process sends its pool.
WorkerReply = Union[Hello, Batch, JobDone, JobFailed, ClusterUp, ClusterClosed]

# --- worker threads -> the thread draining them ------------------------------------------------------


class ThreadBatch(NamedTuple):
    """A worker thread's batch of events and ``(task ids, values)`` results (as :class:`Batch`, same run)."""

    events: list[Event]
    results: list[tuple[Sequence[int], list[Any]]]


class ThreadExited(NamedTuple):
    """Worker thread ``name`` ran out of tasks (or was cancelled): its last report."""

    name: str


class ThreadFailed(NamedTuple):
    """Worker thread ``name``'s task raised (its last report): the run stops and reports the first such error."""

    name: str
    error: str
    details: str


#: What a worker thread puts in its :class:`~concgui.engine.threads.ThreadLoop`'s outbox.
ThreadReport = Union[ThreadBatch, ThreadExited, ThreadFailed]

# --- lane sampler <-> lane probe --------------------------------------------------------------------

#: A watched worker thread: (run_id, worker name).
LaneKey = tuple[int, str]


class Watch(NamedTuple):
    """Start reading the CPU time of thread ``tid`` of process ``pid``, filed under ``key``.

    Sent once per worker and run, when its :class:`~concgui.engine.events.WorkerStarted` is seen.
    """

    key: LaneKey
    pid: int
    tid: int


class Unwatch(NamedTuple):
    """The run ``run_id`` has finished: take a last reading of its workers and let them go."""

    run_id: int


class SendEvery(NamedTuple):
    """Send the readings in batches every ``seconds``: fewer, larger ones while the app's threads are busy."""

    seconds: float


#: What the lane sampler sends its probe; ``None`` asks the probe to stop.
LaneCommand = Optional[Union[Watch, Unwatch, SendEvery]]


class LaneReading(NamedTuple):
    """One sampling instant: at time ``t``, each watched thread's CPU seconds so far.

    The probe sends lists of these (see :class:`SendEvery`), only while something is watched.
    """

    t: float
    cpus: tuple[tuple[LaneKey, float], ...]


# --- CPU sampler -> CPU probe -----------------------------------------------------------------------

#: What :class:`~concgui.engine.telemetry.CpuSampler` sends to stop its probe (any message stops it).
CPU_PROBE_STOP = "stop"
