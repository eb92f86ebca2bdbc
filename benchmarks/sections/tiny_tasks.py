"""``tiny-tasks``: 100,000 tasks of a few µs, where per-task costs show.

Wall time of concgui's Runner against the bare executor with a sensible
chunk size (the engine's own automatic choice, so both send the same chunks),
in processes and threads mode; and how events reach ``on_event``: each worker
folds the tasks it finishes within ~10 ms into one ``TasksFinished`` (and
reports a ``TaskStarted`` only for the task that opens a fold), so both the
count of transport batches and the count of ``on_event`` calls must be far
below the count of tasks. Batches are counted by wrapping, in this process
only, the pool's message handler and the thread run's outbox; the engine
itself is unchanged.

A third part splits the per-task cost in one process (no transport): the
bare loop, ``run_chunk`` with a no-op sink, and ``run_chunk`` whose batches
are pickled as the pool would send them.
"""

from __future__ import annotations

import pickle
import time
from functools import partial

from benchmarks.report import Report
from benchmarks.sections._common import (ROOT, RenewedExecutor, cores, interleave, median, ms, on_fresh_processes,
                                         paired_ratio, python)
from concgui.engine.messages import Batch, JobDone, ThreadBatch

TARGET = 1.1
SIZE = 20  # cpu-python iterations: ~3 µs


class _CountingOutbox:
    """Wraps a thread run's outbox to count the batches the workers put."""

    def __init__(self, inner, counter: dict) -> None:
        self._inner = inner
        self._counter = counter

    def put(self, msg) -> None:
        if isinstance(msg, ThreadBatch):
            self._counter["batches"] += 1
        self._inner.put(msg)

    def get(self, *a, **k):
        return self._inner.get(*a, **k)

    def get_nowait(self):
        return self._inner.get_nowait()


def tiny_tasks(report: Report, quick: bool = False) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from benchmarks import bare
    from concgui.engine import startmethods
    from concgui.engine.config import RunConfig
    from concgui.engine.config import thread_chunk_size
    from concgui.engine.events import RunStatus, TasksFinished
    from concgui.engine.runner import Runner, results_digest
    from concgui.engine.threads import TaskThread
    from concgui.engine.workloads import get_workload

    workers = cores()
    tasks = 20_000 if quick else 100_000
    reps = 1 if quick else 11  # runs of ~0.3 s on a 2-core machine are noisy: the median of 11 pairs
    method = startmethods.default()
    func = get_workload("cpu-python").func
    one = partial(bare.task, func, SIZE)
    counter = {"events": 0, "batches": 0, "tasks": 0}

    def thread_factory(name, loop):
        if not isinstance(loop.outbox, _CountingOutbox):
            loop.outbox = _CountingOutbox(loop.outbox, counter)
        return TaskThread(name, loop)

    def count_event(ev) -> None:
        counter["events"] += 1
        if type(ev) is TasksFinished:
            counter["tasks"] += len(ev)

    digests: dict = {}
    seen: dict = {}  # mode -> (events, batches, wall) of the last concgui run
    parent_cpu: dict = {}  # mode -> CPU seconds this process used in the last concgui run

    def concgui_run(runner: Runner, cfg: RunConfig, mode: str) -> float:
        counter["events"] = counter["batches"] = counter["tasks"] = 0
        c0 = time.process_time()
        t0 = time.perf_counter()
        fin = runner.run(cfg, count_event)
        t = time.perf_counter() - t0
        parent_cpu[mode] = time.process_time() - c0
        assert fin.status is RunStatus.DONE, fin.error
        assert counter["tasks"] == cfg.tasks, counter  # every task reported, in folds
        digests["concgui"] = fin.digest
        seen[mode] = (counter["events"], counter["batches"], t)
        return t

    def timed(name: str, call) -> float:
        t0 = time.perf_counter()
        res = call()
        t = time.perf_counter() - t0
        digests[name] = results_digest(dict(enumerate(res)))
        return t

    def flat(chunks):
        return [v for c in chunks for v in c]

    pcfg = RunConfig("cpu-python", "processes", workers, tasks, SIZE, method).validate()
    chunk = pcfg.chunk_size
    bounds = [(s, min(s + chunk, tasks)) for s in range(0, tasks, chunk)]
    per_chunk = partial(bare.chunk, func, SIZE)
    with Runner(thread_factory=thread_factory) as runner:
        # --- processes -------------------------------------------------------------------------
        def fresh_runner() -> None:
            """New worker processes (see on_fresh_processes), their replies counted in this process only."""
            runner.close()
            pool = runner.pool(pcfg.workers, pcfg.start_method)
            pool.wait_ready()
            handle = pool._handle

            def counting_handle(msg, *a, **k):
                if isinstance(msg, (Batch, JobDone)):  # the messages that carry events
                    counter["batches"] += 1
                return handle(msg, *a, **k)

            pool._handle = counting_handle
            runner.warm_up(pcfg)

        warm = range(2 * workers)
        with RenewedExecutor(workers, method, lambda ex: list(ex.map(one, warm, chunksize=1))) as bare_pool:
            contenders = {
                "concgui": on_fresh_processes(fresh_runner, lambda: concgui_run(runner, pcfg, "processes")),
                "bare": on_fresh_processes(bare_pool.renew, lambda: timed(
                    "bare", lambda: list(bare_pool.ex.map(one, range(tasks), chunksize=chunk)))),
            }
            for fn in contenders.values():
                fn()  # warm-up
            times = interleave(contenders, reps)
        _ratio_row(report, f"processes ×{workers} ({method}): {tasks:,} tasks × ~3 µs, chunk {chunk:,}", times,
                   reps, digests, "bare: ProcessPoolExecutor.map(chunksize) with the same chunk size; both on new "
                   "worker processes for every repetition, started and warmed untimed; "
                   f"concgui's parent process used {parent_cpu['processes'] / tasks * 1e6:.2f} µs CPU per task "
                   "(unpickling folds and their results, the time split, the digest), on a machine whose cores "
                   "the workers need")
        _batch_row(report, "processes", tasks, *seen["processes"])

        # --- threads ---------------------------------------------------------------------------
        tcfg = RunConfig("cpu-python", "threads", workers, tasks, SIZE).validate()
        digests.clear()
        with ThreadPoolExecutor(workers) as tex:
            contenders = {
                "concgui": lambda: concgui_run(runner, tcfg, "threads"),
                "bare": lambda: timed("bare", lambda: flat(tex.map(per_chunk, bounds))),
            }
            for fn in contenders.values():
                fn()
            unchunked = timed("bare-unchunked", lambda: list(tex.map(one, range(tasks))))  # seconds: once
            times = interleave(contenders, reps)
            pinned = _on_one_core(lambda: interleave(contenders, reps))
        tchunk = thread_chunk_size(get_workload("cpu-python").estimate_task_s(SIZE), tasks, workers)
        _ratio_row(report, f"threads ×{workers}: {tasks:,} tasks × ~3 µs", times, reps, digests,
                   f"bare: ThreadPoolExecutor.map over chunks of {chunk:,} tasks (map ignores chunksize for "
                   f"threads; unchunked, one future per task: {ms(unchunked)}); concgui: "
                   f"threads take chunks of {tchunk:,} tasks (~2 ms) from one SimpleQueue; this process used "
                   f"{parent_cpu['threads'] / tasks * 1e6:.2f} µs CPU per task, workers included")
        _batch_row(report, "threads", tasks, *seen["threads"])
        if pinned is not None:
            r, lo, hi = paired_ratio(pinned["concgui"], pinned["bare"])
            report.add("tiny-tasks", f"threads ×{workers}, this process pinned to one core: concgui / bare wall",
                       f"{r:.2f}× (concgui {ms(median(pinned['concgui']))} vs bare {ms(median(pinned['bare']))}; "
                       f"pairs {lo:.2f}–{hi:.2f}, n={reps})", "info", None,
                       note="the same pairs with both threads on one core (sched_setaffinity): pure-Python "
                            "threads take turns at the GIL either way, but on one core they no longer hand "
                            "their caches from core to core each turn, and the spread of the pairs shows how "
                            "much of the unpinned row is this VM", value=r)

    # --- where a task's time goes, in one process ------------------------------------------------
    _split_row(report, func, 20_000 if quick else 100_000, reps)
    _instructions_row(report, workers, quick)


def _ratio_row(report: Report, label: str, times: dict, reps: int, digests: dict, note: str) -> None:
    c, b = times["concgui"], times["bare"]
    r, lo, hi = paired_ratio(c, b)
    ok = len(set(digests.values())) == 1
    met = r <= TARGET
    why = "" if met else ("; missed: what a task still costs is in the split and instructions rows (a clock "
                          "read and two appends per task in the worker, the fold's packing); in threads mode the "
                          "parent's "
                          "share (the digest, ~0.01 µs per int value, and two looks at the machine's load, "
                          "~0.1 ms each) is taken from the workers' GIL time")
    report.add("tiny-tasks", f"{label}: concgui / bare wall", f"{r:.2f}× (concgui {ms(median(c))} vs bare "
               f"{ms(median(b))}; pairs {lo:.2f}–{hi:.2f}, n={reps})", f"≤ {TARGET}×", met,
               note=note + ("" if ok else "; RESULTS DIFFER") + why, value=r)


def _batch_row(report: Report, mode: str, tasks: int, events: int, batches: int, wall: float) -> None:
    share = max(batches, events) / tasks
    report.add("tiny-tasks", f"{mode}: on_event calls and transport batches",
               f"{events:,} on_event calls for {tasks:,} tasks, in {batches:,} batches "
               f"({events / max(batches, 1):,.1f} events/batch, {batches / wall:.0f} batches/s)",
               "on_event calls and batches ≤ 1 % of tasks", share <= 0.01,
               note="folded at the source: per batch, a worker's last ~10 ms of tasks as one TasksFinished per "
                    "chunk they came from, and the TaskStarted of the task that opens the next fold; plus "
                    "RunStarted, WorkerStarted, RunFinished",
               value=events)


def _split_row(report: Report, func, n: int, reps: int) -> None:
    from concgui.engine.worker import Batcher, run_chunk
    from concgui.engine.workloads import task_seed

    def plain() -> float:
        t0 = time.perf_counter()
        for i in range(n):
            func(SIZE, task_seed(i))
        return time.perf_counter() - t0

    def engine_noop() -> float:
        out = Batcher(lambda ev, res: None)
        t0 = time.perf_counter()
        run_chunk(1, "w", "cpu-python", SIZE, {}, range(n), out)
        out.flush()
        return time.perf_counter() - t0

    def engine_pickled() -> float:
        out = Batcher(lambda ev, res: pickle.dumps(Batch(1, ev, res), pickle.HIGHEST_PROTOCOL))
        t0 = time.perf_counter()
        run_chunk(1, "w", "cpu-python", SIZE, {}, range(n), out)
        out.flush()
        return time.perf_counter() - t0

    times = interleave({"plain": plain, "noop": engine_noop, "pickled": engine_pickled}, reps)
    p, e, k = (median(times[x]) / n * 1e6 for x in ("plain", "noop", "pickled"))
    report.add("tiny-tasks", "per task, one thread, no transport: bare loop / run_chunk / run_chunk + pickle",
               f"{p:.1f} / {e:.1f} / {k:.1f} µs ({e / p:.1f}× / {k / p:.1f}× the task)", "info", None,
               note="run_chunk reads the clock once per tiny task (it starts where the last one ended) and "
                    "appends its end and its value to 2 lists; each ~10 ms of tasks becomes one TasksFinished "
                    "(arrays) and one TaskStarted; the thread's CPU clock is read per fold",
               value=k / p)


def _instructions_row(report: Report, workers: int, quick: bool) -> None:
    """Instructions per task of a threads run against the bare executor's, counted by callgrind."""
    from benchmarks import instructions

    what = f"threads ×{workers}: instructions per ~3 µs task, concgui / bare (callgrind)"
    if not instructions.available():
        report.add("tiny-tasks", what, "skipped: valgrind is not installed", "info", None)
        return
    small, large = (1_000, 3_000) if quick else (10_000, 30_000)
    n = instructions.per_task(python(), str(ROOT), workers, small, large)
    c, b = n["concgui"], n["bare"]
    report.add("tiny-tasks", what, f"{c / b:.3f}× ({c:,.0f} vs {b:,.0f} instructions per task)", "info", None,
               note=f"the counts of a {large:,}-task run less a {small:,}-task one, over the difference, so "
                    "start-up and thread starts cancel out; they repeat closely on a noisy VM, where the "
                    f"wall pairs spread ±15 %; valgrind ran {n['slowdown']:.0f}× slower, so the child scaled "
                    "the fold, the drain, the 1 ms line and the GIL switch interval by that; valgrind runs one "
                    "thread at a time, so two threads contending for one GIL on two cores is in the wall row only",
               value=c / b)


def _on_one_core(measure):
    """``measure()`` with this process (its threads too) pinned to one core; None where that cannot be done."""
    import os

    if not hasattr(os, "sched_getaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    if len(allowed) < 2:
        return None
    # Affinity is a thread's own on Linux: every thread of the process now (the executor's too), and the
    # threads started later (a concgui run's), which inherit it from this one.
    tids = [int(t) for t in os.listdir("/proc/self/task")]
    for tid in tids:
        os.sched_setaffinity(tid, {min(allowed)})
    try:
        return measure()
    finally:
        for tid in tids:
            try:
                os.sched_setaffinity(tid, allowed)
            except OSError:  # a thread that has ended since
                pass
