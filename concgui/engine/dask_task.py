"""What a Dask worker runs for the dask mode: one chunk of a run's tasks, with its events.

The one event model holds on a cluster too: a Dask task here is a *chunk* of
the run's task ids, run by the same :func:`~concgui.engine.worker.run_chunk`
loop every other mode runs, inside the Dask worker thread. Task starts and
ends, their CPU time and the thread's OS id are measured there, by the worker,
and travel back with the chunk's results as the Dask task's return value (a
transfer Dask makes anyway): the client re-emits them as they arrive.

Why not a worker plugin or the scheduler's task stream: the task stream sees
Dask tasks, not ours (a chunk of 100 tiny tasks is one entry), and its times
are the scheduler's; a plugin that forwards events through the scheduler
(``log_event``) adds a message per batch to the very path being measured. The
return value costs nothing extra; its price is that a chunk is heard of when
it ends (chunks are ~20 ms of work, so progress still moves several times a
second; a single long task shows as running only when it ends).

Lanes: each Dask worker thread is its own lane, ``dask N·tK`` (worker name,
thread number in the order it first ran a chunk of this process). This module
imports only the engine: a Dask worker never loads Qt (a test checks it).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from concgui.engine.worker import Batcher, Results, announce, error_line, format_error, qt_modules, run_chunk

_lock = threading.Lock()
_thread_numbers: dict[int, int] = {}  # threading.get_ident() -> K, in the order threads first ran a chunk
_next_number = itertools.count(1)
_announced: set[tuple[int, str]] = set()  # (run id, lane) already reported by WorkerStarted


def lane_name(worker_name: object) -> str:
    """This thread's lane: ``dask <worker name>·t<K>``."""
    ident = threading.get_ident()
    with _lock:
        k = _thread_numbers.get(ident)
        if k is None:
            k = _thread_numbers[ident] = next(_next_number)
    return f"dask {worker_name}·t{k}"


def _worker_name() -> object:
    try:
        from distributed import get_worker

        return get_worker().name
    except (ImportError, ValueError):  # run outside a worker (tests call it directly)
        return "local"


def run_dask_chunk(run_id: int, workload: str, size: int, ctx: dict[str, Any], start: int,
                   stop: int) -> tuple[list, Results, str | None, str | None]:
    """Run tasks ``start..stop-1`` here; return ``(events, results, error, details)``.

    A task that raises ends the chunk: what finished before it is returned with
    the error's line and traceback (the worker's), so the client reports the
    failure in the app's own words instead of Dask re-raising it.
    """
    events: list = []
    results: Results = []

    def keep(ev: list, res: Results) -> None:
        events.extend(ev)
        results.extend(res)

    lane = lane_name(_worker_name())
    out = Batcher(keep)
    with _lock:
        first = (run_id, lane) not in _announced
        _announced.add((run_id, lane))
    if first:
        announce(out, run_id, lane)
    error = details = None
    try:
        run_chunk(run_id, lane, workload, size, ctx, range(start, stop), out)
    except Exception as exc:
        error, details = error_line(exc), format_error(exc)
    out.flush()
    return events, results, error, details


def warm() -> list[str]:
    """Run on every worker once a cluster is up: calling it imports this module (and with it the engine's
    workloads) there, the cost a first chunk would pay; it returns the Qt modules loaded (must be none)."""
    return qt_modules()
