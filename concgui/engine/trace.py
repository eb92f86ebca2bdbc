"""Timelines as Chrome Trace Event JSON: open a run in Perfetto (ui.perfetto.dev) or chrome://tracing.

The format (the "JSON Object Format" of the Trace Event Format):
``{"traceEvents": [...], "displayTimeUnit": "ms", "otherData": {...}}``.

- one track per worker: ``pid`` is the process that ran the task (this app
  for threads and serial runs, the pool process for process runs), ``tid`` is
  the worker's OS thread id (from :class:`~concgui.engine.events.WorkerStarted`);
  ``"M"`` metadata events name processes and threads,
- one ``"X"`` (complete) event per task, even where the engine reported the
  tasks in folds (:class:`~concgui.engine.events.TasksFinished`): ``ts`` and
  ``dur`` in microseconds, ``args`` with the task id, wall and CPU time and
  CPU share (a tiny task's CPU time is its fold group's mean, see
  :mod:`concgui.engine.worker`),
- one ``"X"`` event per run on a "runs" track of this app,
- ``"C"`` (counter) events: per-core CPU % and cores busy (from the CPU
  probe), and each worker's CPU share (the GIL lane).

Timestamps are the engine's shared clock, shifted so the trace starts at 0
(the shift is kept in ``otherData.clock_origin_s``). Qt-free, shared by
``concgui bench --trace`` and the GUI's File > Export timeline trace.
"""

from __future__ import annotations

import os
import sys
import zlib
from typing import Any, Iterable

from concgui import __version__
from concgui.engine.events import Event, RunFinished, RunStarted, TasksFinished, WorkerStarted

#: (run_id, worker, task_id, t0, t1, cpu_s)
SpanRow = tuple[int, str, int, float, float, float]
RUNS_TID = 0


class TraceRecorder:
    """An event sink that keeps what a trace needs: runs, workers and task spans.

    It keeps the folds as they come (O(1) per event) and unfolds them into
    one row per task only when :attr:`spans` is read, for the export.
    """

    def __init__(self) -> None:
        self.runs: dict[int, RunStarted] = {}
        self.ends: dict[int, RunFinished] = {}
        self.workers: dict[tuple[int, str], WorkerStarted] = {}
        self.folds: list[TasksFinished] = []
        #: Tasks recorded so far.
        self.tasks = 0

    @property
    def spans(self) -> list[SpanRow]:
        """One (run_id, worker, task_id, t0, t1, cpu_s) row per task."""
        return [(f.run_id, f.worker, task_id, t0, t1, cpu)
                for f in self.folds for task_id, t0, t1, cpu in zip(f.task_ids, f.t_start, f.t_end, f.cpu_s)]

    def __call__(self, ev: Event) -> None:
        if isinstance(ev, TasksFinished):
            self.folds.append(ev)
            self.tasks += len(ev)
        elif isinstance(ev, WorkerStarted):
            self.workers[(ev.run_id, ev.worker)] = ev
        elif isinstance(ev, RunStarted):
            self.runs[ev.run_id] = ev
        elif isinstance(ev, RunFinished):
            self.ends[ev.run_id] = ev


def _us(t: float, origin: float) -> float:
    return round((t - origin) * 1e6, 3)


def _fallback_tid(name: str) -> int:
    """A stable made-up thread id for a worker that never said which OS thread it was."""
    return 1_000_000 + zlib.crc32(name.encode()) % 1_000_000


def trace_document(runs: dict[int, RunStarted], spans: Iterable[SpanRow],
                   workers: dict[tuple[int, str], WorkerStarted] | None = None,
                   ends: dict[int, RunFinished] | None = None,
                   cpu: tuple[Any, Any] | None = None,
                   lanes: dict[tuple[int, str], tuple[Any, Any, Any]] | None = None,
                   app_pid: int | None = None) -> dict[str, Any]:
    """Build the trace document.

    ``cpu``: (times, rows of per-core %) from the CPU sampler; ``lanes``:
    (run_id, worker) -> (interval starts, interval ends, CPU share) from the
    lane sampler. Both optional.
    """
    workers = workers or {}
    ends = ends or {}
    app_pid = os.getpid() if app_pid is None else app_pid
    spans = list(spans)
    times = [s[3] for s in spans] + [r.t for r in runs.values()]
    if cpu is not None and len(cpu[0]):
        times.append(float(cpu[0][0]))
    times += [float(series[0][0]) for series in (lanes or {}).values() if len(series[0])]
    origin = min(times) if times else 0.0

    events: list[dict[str, Any]] = []
    named_pids: dict[int, str] = {app_pid: "concgui (this app: serial and thread workers)"}
    named_threads: dict[tuple[int, int], str] = {(app_pid, RUNS_TID): "runs"}

    def process_name(run_id: int, pid: int) -> str:
        """A worker process, named by what it is: a host of subinterpreters, or of another Python."""
        rs = runs.get(run_id)
        what = "subinterpreter host" if rs is not None and rs.mode == "interpreters" else "worker process"
        py = rs.python if rs is not None else None
        if py and py.get("executable") != sys.executable:
            what += f" (Python {py.get('version')}{'t' if py.get('free_threaded') else ''})"
        return f"{what} {pid}"

    def track(run_id: int, worker: str) -> tuple[int, int]:
        w = workers.get((run_id, worker))
        if w is not None:
            pid, tid = w.pid, w.native_id
        elif worker.startswith("pid ") and worker[4:].isdigit():
            pid = tid = int(worker[4:])
        else:
            pid, tid = app_pid, _fallback_tid(worker)
        if pid != app_pid:
            named_pids.setdefault(pid, process_name(run_id, pid))
        named_threads.setdefault((pid, tid), worker)
        return pid, tid

    for run_id, rs in sorted(runs.items()):
        fin = ends.get(run_id)
        t1 = fin.t if fin is not None else max((s[4] for s in spans if s[0] == run_id), default=rs.t)
        args: dict[str, Any] = {"run_id": run_id, "workload": rs.workload, "mode": rs.mode, "workers": rs.workers,
                                "tasks": rs.tasks, "size": rs.size}
        if fin is not None:
            args.update(status=fin.status.value, wall_s=fin.wall_s, cpu_s=fin.cpu_s)
        events.append({"name": f"run {run_id}: {rs.workload} · {rs.mode} × {rs.workers}", "cat": "run",
                       "ph": "X", "ts": _us(rs.t, origin), "dur": _us(t1, rs.t), "pid": app_pid,
                       "tid": RUNS_TID, "args": args})

    for run_id, worker, task_id, t0, t1, cpu_s in spans:
        pid, tid = track(run_id, worker)
        wall = max(0.0, t1 - t0)
        task_run = runs.get(run_id)
        events.append({
            "name": f"task {task_id}", "cat": f"{task_run.workload},{task_run.mode}" if task_run else "task", "ph": "X",
            "ts": _us(t0, origin), "dur": round(wall * 1e6, 3), "pid": pid, "tid": tid,
            "args": {"task_id": task_id, "run_id": run_id, "worker": worker, "wall_ms": round(wall * 1e3, 3),
                     "cpu_ms": round(cpu_s * 1e3, 3),
                     "cpu_share": round(min(1.0, cpu_s / wall), 3) if wall > 0 else None},
        })

    if cpu is not None:
        t, rows = cpu
        for ti, row in zip(t, rows):
            vals = [float(v) for v in row]
            events.append({"name": "CPU per core (%)", "ph": "C", "ts": _us(float(ti), origin), "pid": app_pid,
                           "args": {f"core {i}": round(v, 1) for i, v in enumerate(vals)}})
            events.append({"name": "cores busy", "ph": "C", "ts": _us(float(ti), origin), "pid": app_pid,
                           "args": {"cores": round(sum(vals) / 100.0, 3)}})

    for (run_id, worker), (ts0, _ts1, share) in sorted((lanes or {}).items()):
        pid, _tid = track(run_id, worker)
        for ti, s in zip(ts0, share):
            events.append({"name": f"CPU share: {worker}", "ph": "C", "ts": _us(float(ti), origin), "pid": pid,
                           "args": {"share": round(float(s), 3)}})

    meta = [{"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": name}}
            for pid, name in named_pids.items()]
    meta += [{"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}
             for (pid, tid), name in named_threads.items()]
    meta += [{"name": "thread_sort_index", "ph": "M", "pid": app_pid, "tid": RUNS_TID, "args": {"sort_index": -1}}]
    return {
        "traceEvents": meta + events,
        "displayTimeUnit": "ms",
        "otherData": {"concgui": __version__, "clock": "time.perf_counter (seconds)", "clock_origin_s": origin,
                      "tasks": len(spans), "runs": len(runs)},
    }


def write_trace(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write a trace document as compact JSON, atomically (raises ExportError)."""
    import json

    from concgui.engine.export import write_text

    write_text(path, json.dumps(doc, separators=(",", ":")) + "\n")
