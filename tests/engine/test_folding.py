"""Events folded at the source (issue 16): many tiny tasks, few events, and nothing lost.

A worker folds the tasks it finishes within ~10 ms into one TasksFinished
and reports a TaskStarted only for the task that opens a fold (or at a slow
task's first progress report). These tests read that as a specification:
every task is still accounted for everywhere (progress, timeline, trace,
digest), the stream is far shorter than the task count, a slow task still
shows as running before it ends, a cancel still lands at once, and thread
workers take chunks of tasks while the load still balances.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from concgui.engine import worker as worker_module
from concgui.engine.clock import now
from concgui.engine.config import RunConfig, thread_chunk_size
from concgui.engine.events import RunFinished, RunStatus, TaskProgress, TasksFinished, TaskStarted
from concgui.engine.messages import Batch, JobDone
from concgui.engine.progress import ProgressTracker
from concgui.engine.runner import Runner
from concgui.engine.threads import ThreadLoop
from concgui.engine.timeline import SpanCollector, TimelineStore
from concgui.engine.trace import TraceRecorder, trace_document
from concgui.engine.worker import FOLD_S, Batcher, run_chunk
from concgui.engine.workloads import get_workload, task_seed

TINY = dict(workload="cpu-python", size=20)  # ~3 µs per task
MANY = 100_000
#: Generous: CI machines are noisy. Cancelling should take tens of ms.
CANCEL_BOUND_S = 2.0


@pytest.fixture(scope="module")
def runner():
    r = Runner()
    # Start the pool now, so the leak check sees its workers as there before each test.
    assert r.run(RunConfig(mode="processes", workers=2, tasks=2, **TINY)).status is RunStatus.DONE
    yield r
    r.close()


@pytest.fixture(scope="module")
def serial_digest(runner: Runner) -> str:
    fin = runner.run(RunConfig(mode="serial", tasks=MANY, **TINY))
    assert fin.status is RunStatus.DONE
    return fin.digest


@pytest.mark.parametrize("mode", ["threads", "processes"])
def test_100k_tiny_tasks_are_each_accounted_for_everywhere(runner: Runner, serial_digest: str, mode: str) -> None:
    tracker, collector, store, recorder = ProgressTracker(), SpanCollector(), TimelineStore(), TraceRecorder()
    events: list = []

    def sink(ev) -> None:
        events.append(ev)
        tracker.apply(ev)
        collector.apply(ev)
        recorder(ev)
        if isinstance(ev, (TasksFinished, RunFinished)):
            batch = collector.drain()
            if batch is not None:
                store.add(batch)

    fin = runner.run(RunConfig(mode=mode, workers=2, tasks=MANY, **TINY), sink)
    assert fin.status is RunStatus.DONE and fin.tasks_done == MANY
    assert fin.digest == serial_digest  # the same results as the serial run, in task order

    snap = tracker.snapshot()
    assert snap.done == MANY and snap.finished and snap.fraction == 1.0
    assert sum(w.tasks_done for w in snap.workers) == MANY

    spans = store.spans()
    assert len(store) == len(spans) == MANY == store.spans_received  # one span per task...
    assert sorted(s[2] for s in spans) == list(range(MANY))  # ...each task once
    assert all(t1 >= t0 for *_, t0, t1, _cpu in spans)

    doc = trace_document(recorder.runs, recorder.spans, recorder.workers, recorder.ends)
    x = [e for e in doc["traceEvents"] if e["ph"] == "X" and e.get("cat") != "run"]
    assert len(x) == MANY == recorder.tasks  # the trace still has one X event per task
    assert {e["args"]["task_id"] for e in x} == set(range(MANY))

    folds = [e for e in events if isinstance(e, TasksFinished)]
    assert sum(len(f) for f in folds) == MANY
    assert len(events) < MANY / 100  # folded at the source


@pytest.mark.parametrize("mode", ["serial", "threads", "processes"])
def test_a_run_of_tiny_tasks_makes_far_fewer_events_than_tasks(runner: Runner, mode: str) -> None:
    tasks = 20_000
    events: list = []
    fin = runner.run(RunConfig(mode=mode, workers=2, tasks=tasks, **TINY), events.append)
    assert fin.status is RunStatus.DONE
    folds = [e for e in events if isinstance(e, TasksFinished)]
    assert sum(len(f) for f in folds) == tasks
    assert len(events) < tasks / 100, len(events)
    assert max(len(f) for f in folds) > 100  # tasks really were folded, not sent one by one
    starts = [e for e in events if isinstance(e, TaskStarted)]
    assert 1 <= len(starts) < tasks / 100


@pytest.mark.parametrize("mode", ["serial", "threads", "processes"])
def test_a_slow_tasks_start_arrives_while_it_still_runs(runner: Runner, mode: str) -> None:
    # Tasks of 150 ms: each opens a fold, so its start is sent as it begins.
    arrived: dict[int, float] = {}
    ended: dict[int, float] = {}

    def sink(ev) -> None:
        if isinstance(ev, TaskStarted):
            arrived[ev.task_id] = now()
        elif isinstance(ev, TasksFinished):
            ended.update((s.task_id, s.t) for s in ev)

    fin = runner.run(RunConfig("io-sleep", mode, 2, 4, 150), sink)
    assert fin.status is RunStatus.DONE
    assert set(arrived) == set(ended) == set(range(4))
    late = {t: (arrived[t], ended[t]) for t in ended if arrived[t] >= ended[t]}
    assert not late, f"started reported only after the task ended: {late}"


def _fake_workload(monkeypatch: pytest.MonkeyPatch, slow_ids: set[int], slow_s: float) -> None:
    """Make run_chunk's workload return at once, except for ``slow_ids``: busy for ``slow_s``, with progress points."""
    slow_seeds = {task_seed(i) for i in slow_ids}

    def func(size, seed, ctx, progress):
        if seed in slow_seeds:
            t0 = now()
            while (t := now()) - t0 < slow_s:  # CPU work, reporting progress every ~2 ms
                t_next = t + 0.002
                while now() < t_next:
                    pass
                progress(min(0.99, (now() - t0) / slow_s))
        progress(1.0)
        return seed

    monkeypatch.setattr(worker_module, "get_workload", lambda name: SimpleNamespace(func=func, task_input=None))


@pytest.mark.parametrize("also_slow", [set(), {51}, {51, 80}], ids=["alone", "two in a row", "and a later one"])
def test_a_slow_task_that_starts_mid_fold_is_reported_at_its_first_progress(monkeypatch, also_slow) -> None:
    # The tiny tasks' loop does not note which task runs; a progress report works it out.
    slow = 50
    _fake_workload(monkeypatch, {slow} | also_slow, 0.15)
    sent: list[tuple[float, list]] = []
    out = Batcher(lambda ev, res: sent.append((now(), list(ev))))
    run_chunk(1, "w", "fake", 1, {}, range(100), out)
    out.flush()

    started_at = [(t, ev) for t, evs in sent for ev in evs if isinstance(ev, TaskStarted) and ev.task_id == slow]
    assert len(started_at) == 1, "the slow task's start is reported once"
    sent_t, started = started_at[0]
    spans = {s.task_id: s for t, evs in sent for ev in evs if isinstance(ev, TasksFinished) for s in ev}
    assert sorted(spans) == list(range(100))
    span = spans[slow]
    assert started.t == span.t_start  # with its real start time...
    assert sent_t < span.t  # ...sent while it was still running
    assert any(isinstance(ev, TaskProgress) and ev.task_id == slow for _, evs in sent for ev in evs)
    # The tiny tasks before it were folded, not reported one by one.
    assert not [ev for _, evs in sent for ev in evs if isinstance(ev, TaskStarted) and 0 < ev.task_id < slow]
    for other in also_slow:  # each later slow task is reported started once, at its real start
        mine = [ev for _, evs in sent for ev in evs if isinstance(ev, TaskStarted) and ev.task_id == other]
        assert len(mine) == 1 and mine[0].t == spans[other].t_start
    # Its CPU time is its own, not the tiny tasks' mean.
    tiny = [spans[i].cpu_s for i in range(slow)]
    assert span.cpu_s > 0.01 and span.cpu_s > 100 * max(tiny)
    assert sum(tiny) <= spans[slow - 1].t - spans[0].t_start + 0.005


def test_a_fold_is_sent_at_least_every_fold_interval_while_tasks_end(monkeypatch) -> None:
    _fake_workload(monkeypatch, set(), 0.0)
    sent: list[float] = []
    out = Batcher(lambda ev, res: sent.append(now()))
    tasks = range(200_000)
    t0 = now()
    run_chunk(1, "w", "fake", 1, {}, tasks, out)
    out.flush()
    took = now() - t0
    assert len(sent) >= 2
    # Not one batch per task: about one per FOLD_S (allow for a slow machine).
    assert len(sent) <= took / FOLD_S + 3


@pytest.mark.parametrize("sends_at_end", [True, False])
def test_a_fold_due_just_before_a_chunk_ends_goes_with_the_end_where_the_end_is_sent(monkeypatch,
                                                                                      sends_at_end) -> None:
    # A pool worker sends its chunk's end (JobDone) at once: a batch a few ms before it is a wake-up
    # of the parent for nothing. Five ~3 ms tasks: the fold falls due after the third or fourth.
    _fake_workload(monkeypatch, set(range(5)), 0.003)
    sent: list[list] = []
    out = Batcher(lambda ev, res: sent.append(list(ev)))
    out.flush()  # as after the worker's previous message: the next fold is due FOLD_S from now
    run_chunk(1, "w", "fake", 1, {}, range(5), out, sends_at_end=sends_at_end)
    events, _results = out.take()
    if sends_at_end:
        assert sent == []
        assert [t for ev in events if isinstance(ev, TasksFinished) for t in ev.task_ids] == list(range(5))
    else:
        assert len(sent) >= 1


def test_a_fold_waits_for_a_chunks_end_at_most_one_interval(monkeypatch) -> None:
    # The pace so far says the end is near, then the last tasks are slow: the fold goes without the end.
    took = {task_seed(i): s for i, s in enumerate([0.003] * 4 + [0.025] * 2)}

    began: dict[int, float] = {}

    def func(size, seed, ctx, progress):
        began[seed] = t0 = now()
        while now() - t0 < took[seed]:
            pass
        return seed

    monkeypatch.setattr(worker_module, "get_workload", lambda name: SimpleNamespace(func=func, task_input=None))
    sent: list[float] = []
    out = Batcher(lambda ev, res: sent.append(now()))
    out.flush()
    run_chunk(1, "w", "fake", 1, {}, range(6), out, sends_at_end=True)
    assert len(sent) == 1 and sent[0] < began[task_seed(5)]  # before the last task, not at the chunk's end


def test_a_long_chunk_still_sends_a_fold_about_every_interval_where_its_end_is_sent(monkeypatch) -> None:
    _fake_workload(monkeypatch, set(), 0.0)
    sent: list[float] = []
    out = Batcher(lambda ev, res: sent.append(now()))
    out.flush()
    t0 = now()
    run_chunk(1, "w", "fake", 1, {}, range(200_000), out, sends_at_end=True)
    took = now() - t0
    out.take()
    assert len(sent) >= max(2, took / FOLD_S / 3)


@pytest.mark.parametrize("mode", ["serial", "threads", "processes"])
def test_cancel_of_a_tiny_task_run_returns_promptly(mode: str) -> None:
    tasks = 1_000_000  # ~3 s of tiny tasks on one core
    cancel = threading.Event()
    asked: list[float] = []
    events: list = []

    def on_event(ev) -> None:
        events.append(ev)
        if isinstance(ev, TasksFinished) and not asked:
            asked.append(time.monotonic())
            cancel.set()

    with Runner() as r:
        fin = r.run(RunConfig(mode=mode, workers=2, tasks=tasks, **TINY), on_event, cancel)
        returned = time.monotonic()
    assert asked, "no fold arrived before the run ended"
    assert returned - asked[0] < CANCEL_BOUND_S
    assert fin.status is RunStatus.CANCELLED and fin.digest is None
    assert 0 < fin.tasks_done < tasks
    reported = [t for e in events if isinstance(e, TasksFinished) for t in e.task_ids]
    assert len(reported) == len(set(reported)) == fin.tasks_done  # every result came in a fold


# -- threads take chunks -------------------------------------------------------------------------------


def test_a_thread_loop_hands_out_chunks_of_task_ids() -> None:
    tasks = 10_000
    loop = ThreadLoop(1, "cpu-python", 20, {}, tasks, threading.Event())
    loop.expect(2)
    chunk = thread_chunk_size(get_workload("cpu-python").estimate_task_s(20), tasks, 2)
    assert loop.chunk == chunk > 1
    chunks = list(loop._take())
    assert all(isinstance(c, range) and 1 <= len(c) <= chunk for c in chunks)
    assert [i for c in chunks for i in c] == list(range(tasks))  # in order, each task once
    assert len(chunks) >= 16 * 2  # enough chunks per worker that the load balances


def test_thread_chunk_size_follows_the_pools_rule_at_a_tenth_of_its_target() -> None:
    assert thread_chunk_size(3e-6, 100_000, 2) == 667  # ~2 ms of 3 µs tasks
    assert thread_chunk_size(3e-6, 1_000, 2) == 31  # >= 16 chunks per worker
    assert thread_chunk_size(0.005, 1_000, 2) == 1  # tasks of 2 ms and more: one at a time
    assert thread_chunk_size(1e-6, 1, 8) == 1


def test_thread_workers_take_whole_chunks_and_share_the_load(runner: Runner) -> None:
    # Sleeping tasks of 1 ms (the GIL is free while they sleep): chunks of 2, 32 of them.
    tasks = 64
    events: list = []
    fin = runner.run(RunConfig("io-sleep", "threads", 2, tasks, 1), events.append)
    assert fin.status is RunStatus.DONE
    chunk = thread_chunk_size(get_workload("io-sleep").estimate_task_s(1), tasks, 2)
    assert chunk == 2
    ran_by: dict[int, str] = {}
    for e in events:
        if isinstance(e, TasksFinished):
            ran_by.update((t, e.worker) for t in e.task_ids)
    assert sorted(ran_by) == list(range(tasks))
    for start in range(0, tasks, chunk):  # every chunk was run by one worker
        assert len({ran_by[t] for t in range(start, start + chunk)}) == 1
    per_worker = {w: sum(1 for v in ran_by.values() if v == w) for w in set(ran_by.values())}
    assert set(per_worker) == {"thread-1", "thread-2"}
    assert min(per_worker.values()) >= tasks // 4, per_worker  # the load balanced


def test_start_times_are_kept_where_a_task_did_not_start_at_the_previous_ones_end(monkeypatch) -> None:
    """A tiny task's start is the previous task's end: only its end is read. Where a task follows a
    slow one, or a chunk or fold begins, its start is read afresh and kept as it was."""
    _fake_workload(monkeypatch, {30, 31}, 0.004)  # two slow tasks (≥ EXACT_CPU_S) mid-chunk
    sent: list = []
    out = Batcher(lambda ev, res: sent.extend(ev))
    run_chunk(1, "w", "fake", 1, {}, range(0, 60), out)
    between = now()
    run_chunk(1, "w", "fake", 1, {}, range(60, 100), out)  # the next chunk continues the same fold
    out.flush()
    folds = [ev for ev in sent if isinstance(ev, TasksFinished)]
    spans = sorted((s for ev in folds for s in ev), key=lambda s: s.task_id)
    assert [s.task_id for s in spans] == list(range(100))
    for ev in folds:
        assert ev.wall_sum == pytest.approx(sum(s.t - s.t_start for s in ev), abs=1e-9)
        assert all(s.t_start <= s.t for s in ev)
    for prev, s in zip(spans, spans[1:]):
        assert s.t_start >= prev.t
    assert spans[31].t_start > spans[30].t, "after a slow task, the next start is read afresh"
    assert spans[32].t_start > spans[31].t
    assert spans[60].t_start > between, "a new chunk's first task starts when it starts"
    assert spans[61].t_start == spans[60].t, "a tiny task starts where the one before ended"


def test_a_task_cancelled_while_it_runs_leaves_no_start_behind(monkeypatch) -> None:
    _fake_workload(monkeypatch, {5}, 0.2)
    cancel = threading.Event()
    out = Batcher(lambda ev, res: None)
    timer = threading.Timer(0.06, cancel.set)
    timer.start()
    with pytest.raises(worker_module.Cancelled):
        run_chunk(1, "w", "fake", 1, {}, range(0, 10), out, cancel.is_set)
    timer.join()
    out.flush()
    sent: list = []
    out._flush = lambda ev, res: sent.extend(ev)
    later = now()
    run_chunk(1, "w", "fake", 1, {}, range(10, 20), out)
    out.flush()
    spans = [s for ev in sent if isinstance(ev, TasksFinished) for s in ev]
    assert [s.task_id for s in spans] == list(range(10, 20))
    assert spans[0].t_start >= later


def test_a_jobs_last_tasks_ride_with_its_end_in_one_message(runner: Runner) -> None:
    # Every message wakes the parent (and takes a core from a worker): a chunk's end is one.
    cfg = RunConfig("cpu-python", "processes", 2, 4_000, 20, chunk_size=1_000).validate()
    pool = runner.pool(cfg.workers, cfg.start_method or "")
    pool.wait_ready()
    replies: list = []
    handle = pool._handle

    def recording(msg, *args, **kwargs):
        replies.append(msg)
        return handle(msg, *args, **kwargs)

    pool._handle = recording
    try:
        fin = runner.run(cfg)
    finally:
        pool._handle = handle
    assert fin.status is RunStatus.DONE
    done = [m for m in replies if isinstance(m, JobDone)]
    assert len(done) == 4 and sum(m.tasks for m in done) == 4_000
    reported = [t for m in replies if isinstance(m, (Batch, JobDone)) for ev in m.events
                if isinstance(ev, TasksFinished) for t in ev.task_ids]
    assert sorted(reported) == list(range(4_000))  # each task once, between the batches and the ends
    for m in done:  # each end carries its chunk's last task, with its value
        last = max(t for ev in m.events if isinstance(ev, TasksFinished) for t in ev.task_ids)
        assert (last + 1) % 1_000 == 0
        assert sum(len(ids) for ids, _values in m.results) == sum(
            len(ev) for ev in m.events if isinstance(ev, TasksFinished))
