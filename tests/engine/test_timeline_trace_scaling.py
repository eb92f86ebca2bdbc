"""Timeline spans, the GIL lane, the Chrome trace export and the Amdahl fit (issue 5), Qt-free."""

from __future__ import annotations

import json
import math
import os
import random

import numpy as np
import pytest

from concgui.engine.config import RunConfig
from concgui.engine.events import RunFinished, RunStarted, RunStatus, TasksFinished, TaskStarted, WorkerStarted
from concgui.engine.lanes import LaneSampler, lane_shares
from concgui.engine.runner import Runner
from concgui.engine.scaling import amdahl, analyze, fit_amdahl, plan, summary_lines, worker_counts
from concgui.engine.compare import find_baseline, make_record
from concgui.engine.timeline import SpanCollector, TimelineStore, merge_bars
from concgui.engine.trace import TraceRecorder, trace_document
from concgui.engine.workload_info import describe
from concgui.engine.workloads import CATALOG, cpu_python

GIL_RUN = dict(workload="cpu-python", tasks=8, size=400_000)  # ~0.5 s of pure Python


# -- spans -------------------------------------------------------------------------------


def test_collector_hands_over_only_what_is_new() -> None:
    c = SpanCollector()
    assert c.drain() is None
    c.apply(RunStarted(1, 0.0, "cpu-python", "threads", 2, 2, 10, None, 1))
    c.apply(WorkerStarted(1, "thread-1", 10, 11, 0.1))
    c.apply(TaskStarted(1, 0, "thread-1", 0.1))
    b1 = c.drain()
    assert b1 is not None and b1.started is not None and b1.workers[0].native_id == 11
    assert [s.task_id for s in b1.running] == [0] and not b1.finished
    c.apply(TasksFinished.one(1, 0, "thread-1", 0.1, 0.3, 0.2))
    b2 = c.drain()
    assert [list(f.task_ids) for f in b2.finished] == [[0]] and not b2.running and b2.started is None
    assert c.drain() is None
    c.apply(RunFinished(1, 0.4, RunStatus.DONE, 0.4, 0.2, 1, "x"))
    assert c.drain().ended is not None


def test_merge_bars_bounds_what_is_drawn() -> None:
    n = 100_000
    t0 = np.arange(n) * 1e-4
    t1 = t0 + 0.9e-4
    cpu = (t1 - t0) * 0.5
    separate = merge_bars(t0, t1, cpu, 0.0)
    assert len(separate.x0) == n
    merged = merge_bars(t0, t1, cpu, 1e-3)  # one pixel = 1 ms: gaps of 10 µs vanish
    assert len(merged.x0) == 1 and merged.count[0] == n
    assert merged.share[0] == pytest.approx(0.5)
    gapped = merge_bars(np.array([0.0, 1.0, 1.0005]), np.array([0.5, 1.0004, 2.0]), np.array([0.5, 0.0, 1.0]), 0.01)
    assert list(gapped.count) == [1, 2]


def _lane_of_folds(store: TimelineStore, starts: np.ndarray, width: float, worker: str = "pid 1") -> None:
    """Add one fold of tasks ``[start, start + width)`` to ``worker``'s lane of ``store``."""
    from array import array

    from concgui.engine.timeline import SpanBatch

    n = len(starts)
    ev = TasksFinished(1, worker, range(n), array("d", starts), array("d", starts + width),
                       array("d", np.full(n, width / 2)))
    store.add(SpanBatch(1, (ev,), (), ()))


def test_merged_bars_grow_with_new_tasks_and_match_a_merge_from_scratch(monkeypatch) -> None:
    """A view redraws several times a second: it merges only the tasks that are new since it last drew."""
    from concgui.engine import timeline

    store = TimelineStore()
    rng = np.random.default_rng(1)
    merged_sizes: list[int] = []
    real_merge = timeline._merge
    monkeypatch.setattr(timeline, "_merge", lambda t0, *a: merged_sizes.append(len(t0)) or real_merge(t0, *a))
    t = 0.0
    for k in range(5):  # five folds of 20,000 tasks, with gaps of 10 µs and, now and then, of 5 ms
        gaps = np.where(rng.random(20_000) < 0.01, 5e-3, 1e-5)
        starts = t + np.cumsum(gaps + 3e-6) - (gaps[0] + 3e-6)
        _lane_of_folds(store, starts, 3e-6)
        t = float(starts[-1]) + 1e-3
        got = store.bars("pid 1", 0.0, t, 1e-3)
        lane = store.lanes["pid 1"]
        want = merge_bars(lane.col("t0"), lane.col("t1"), lane.col("cpu"), 1e-3)
        np.testing.assert_allclose(got.x0, want.x0)
        np.testing.assert_allclose(got.x1, want.x1)
        np.testing.assert_allclose(got.share, want.share)
        assert list(got.count) == list(want.count) and int(got.count.sum()) == 20_000 * (k + 1)
    incremental = merged_sizes[0::2]  # each round: the store's merge, then the from-scratch one
    assert incremental == [20_000] * 5, "each redraw merged only the fold that was new"


def test_merged_bars_start_again_at_a_new_resolution_or_an_earlier_view() -> None:
    store = TimelineStore()
    _lane_of_folds(store, np.arange(10_000) * 1e-4, 0.5e-4)  # 1 s of tasks: 50 µs busy, 50 µs idle
    whole = store.bars("pid 1", 0.0, 1.0, 1e-3)
    assert len(whole.x0) == 1 and whole.count[0] == 10_000
    fine = store.bars("pid 1", 0.0, 1.0, 1e-5)  # zoomed in: a pixel is 10 µs, each task its own bar
    assert len(fine.x0) == 10_000
    late = store.bars("pid 1", 0.5, 1.0, 1e-3)  # the view moved on: what is on screen, merged
    assert late.x1[-1] == pytest.approx(0.99995) and late.x0[0] <= 0.5
    back = store.bars("pid 1", 0.2, 0.3, 1e-3)  # panned back before where the bars began
    assert back.x0[0] <= 0.2 and back.x1[-1] >= 0.3


def test_a_lane_past_its_cap_sheds_its_oldest_tasks_and_draws_what_is_left(monkeypatch) -> None:
    from concgui.engine import timeline

    monkeypatch.setattr(timeline, "MAX_SPANS_PER_LANE", 1_000)
    store = TimelineStore()
    for k in range(10):  # 10 folds of 300 tasks, 1 ms apart
        starts = (np.arange(300) + 300 * k) * 1e-3
        _lane_of_folds(store, starts, 0.5e-3)
        store.bars("pid 1", 0.0, 10.0, 1e-5)  # drawn after each fold, every task its own bar
    lane = store.lanes["pid 1"]
    assert 900 <= len(lane) <= 1_000
    t0 = lane.col("t0")
    assert t0[-1] == pytest.approx(2.999) and bool(np.all(np.diff(t0) > 0))
    bars = store.bars("pid 1", 0.0, 10.0, 1e-5)
    assert len(bars.x0) == len(lane) and bars.x0[0] == t0[0]


def _run(runner: Runner, mode: str, workers: int, sinks, **kw) -> RunFinished:
    cfg = RunConfig(mode=mode, workers=workers, **{**GIL_RUN, **kw})
    return runner.run(cfg, lambda ev: [s(ev) for s in sinks])


def test_timeline_gets_one_bar_per_task_on_the_right_worker() -> None:
    events: list = []
    collector = SpanCollector()
    store = TimelineStore()

    def sink(ev) -> None:
        events.append(ev)
        collector.apply(ev)
        if isinstance(ev, (TasksFinished, RunFinished)):
            batch = collector.drain()
            if batch is not None:
                store.add(batch)

    with Runner() as runner:
        fin = _run(runner, "threads", 2, [sink], size=20_000)
    assert fin.status is RunStatus.DONE
    ran_on = {t: e.worker for e in events if isinstance(e, TasksFinished) for t in e.task_ids}
    spans = store.spans()
    assert sorted(s[2] for s in spans) == list(range(8))  # one bar per task
    for _run_id, worker, task_id, t0, t1, cpu in spans:
        assert worker == ran_on[task_id] and t1 >= t0 and cpu >= 0
    announced = {w.worker: w for w in events if isinstance(w, WorkerStarted)}
    # A lane per worker that started; a thread may start and find every chunk taken (8 tiny tasks).
    assert set(ran_on.values()) <= set(store.lanes) == set(announced) <= {"thread-1", "thread-2"}
    assert all(w.pid == os.getpid() and w.native_id > 0 for w in announced.values())
    name, (_, _, task_id, t0, t1, _) = spans[0][1], spans[0]
    hit = store.hit(name, (t0 + t1) / 2)
    assert hit is not None and hit.task_id == task_id and hit.worker == name


# -- the GIL lane ----------------------------------------------------------------------------


def test_lane_shares_from_readings() -> None:
    t = np.array([0.0, 1.0, 2.0])
    got = lane_shares({"a": (t, np.array([0.0, 0.5, 1.0])), "b": (t, np.array([0.0, 0.5, 0.5]))}, 0.0, 2.0)
    assert got == {"a": pytest.approx(0.5), "b": pytest.approx(0.25)}


@pytest.mark.skipif(not os.path.exists(f"/proc/{os.getpid()}/task"), reason="needs /proc (Linux)")
def test_gil_lane_threads_share_one_core_processes_use_many() -> None:
    with LaneSampler() as lanes, Runner() as runner:
        fin = _run(runner, "threads", 2, [lanes.observe])
        threads_total = _settled_total(lanes, fin.run_id, 2)
        assert 0.5 <= threads_total <= 1.4, f"2 pure-Python threads used {threads_total:.2f} cores together"
        if (os.cpu_count() or 1) >= 2:
            fin = _run(runner, "processes", 2, [lanes.observe])
            procs_total = _settled_total(lanes, fin.run_id, 2)
            # What the machine left us: other programs' load during the run is measured, not assumed away.
            free = min(2.0, (os.cpu_count() or 1) - (fin.other_load_cores or 0.0))
            assert procs_total >= 0.7 * free, (f"2 processes used only {procs_total:.2f} cores together, of the "
                                               f"{free:.2f} other programs left free")
        assert lanes.samples > 10


def _settled_total(lanes: LaneSampler, run_id: int, workers: int) -> float:
    from tests.helpers import wait_until

    # The probe's last readings of a run arrive up to ~0.1 s after it ends.
    wait_until(lambda: len(lanes.keys(run_id)) == workers and lanes.window(run_id) is not None,
               timeout=5.0, what="lane readings")
    total = lanes.total_share(run_id)
    assert total is not None
    return total


# -- the trace -------------------------------------------------------------------------------


def test_trace_export_is_valid_trace_event_json(tmp_path) -> None:
    rec = TraceRecorder()
    with Runner() as runner:
        for mode in ("threads", "processes"):
            _run(runner, mode, 2, [rec], size=20_000)
    cpu = (np.array([min(r.t for r in rec.runs.values())]), np.array([[10.0, 20.0]]))
    lanes = {(1, "thread-1"): (np.array([1.0, 1.01]), np.array([1.01, 1.02]), np.array([0.5, 0.4]))}
    doc = trace_document(rec.runs, rec.spans, rec.workers, rec.ends, cpu=cpu, lanes=lanes)
    from concgui.engine.trace import write_trace

    path = tmp_path / "trace.json"
    write_trace(path, doc)
    loaded = json.loads(path.read_text())
    events = loaded["traceEvents"]
    assert isinstance(events, list) and loaded["displayTimeUnit"] in ("ms", "ns")
    tasks = [e for e in events if e["ph"] == "X" and e.get("cat") != "run"]
    assert len(tasks) == 16
    for e in events:
        assert isinstance(e["name"], str) and e["ph"] in ("X", "C", "M")
        assert isinstance(e["pid"], int)
        if e["ph"] in ("X", "C"):
            assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0
        if e["ph"] == "X":
            assert isinstance(e["dur"], (int, float)) and e["dur"] >= 0 and isinstance(e["tid"], int)
        if e["ph"] == "M":
            assert e["name"] in ("process_name", "thread_name", "thread_sort_index") and "tid" in e
    assert {e["args"]["task_id"] for e in tasks if e["args"]["run_id"] == 1} == set(range(8))
    assert all("cpu_ms" in e["args"] and "cpu_share" in e["args"] for e in tasks)
    # One track per worker: thread workers in this process, process workers each in its own pid.
    thread_tracks = {(e["pid"], e["tid"]) for e in tasks if e["args"]["worker"].startswith("thread-")}
    proc_tracks = {(e["pid"], e["tid"]) for e in tasks if e["args"]["worker"].startswith("pid ")}
    assert all(pid == os.getpid() for pid, _ in thread_tracks) and 1 <= len(thread_tracks) <= 2
    assert all(pid != os.getpid() and pid == tid for pid, tid in proc_tracks)
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert {"runs"} | {e["args"]["worker"] for e in tasks} <= names
    counters = [e for e in events if e["ph"] == "C"]
    assert {"CPU per core (%)", "cores busy", "CPU share: thread-1"} <= {e["name"] for e in counters}


# -- scaling ---------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [0.0, 0.05, 0.2, 0.5, 0.93, 1.0])
def test_amdahl_fit_recovers_a_known_serial_fraction(f: float) -> None:
    ns = [1, 2, 4, 8, 16]
    fit = fit_amdahl(ns, [amdahl(n, f) for n in ns])
    assert fit is not None and fit.serial_fraction == pytest.approx(f, abs=1e-4)
    assert fit.rmse == pytest.approx(0.0, abs=1e-3)


def test_amdahl_fit_with_noise_and_edge_cases() -> None:
    rng = random.Random(5)
    ns = [1, 2, 4, 8, 16, 32]
    noisy = [amdahl(n, 0.1) * (1 + rng.uniform(-0.02, 0.02)) for n in ns]
    assert fit_amdahl(ns, noisy).serial_fraction == pytest.approx(0.1, abs=0.01)
    assert fit_amdahl([1], [1.0]) is None  # nothing to fit without n > 1
    assert fit_amdahl([2], [2.5]).serial_fraction == 0.0  # super-linear: clamped to [0, 1]
    assert fit_amdahl([2], [0.5]).serial_fraction == 1.0
    assert math.isinf(fit_amdahl([2], [2.0]).max_speedup)


def test_plan_and_analyze() -> None:
    assert worker_counts(2) == [1, 2, 4] and worker_counts(6) == [1, 2, 4, 6, 8, 12]
    assert worker_counts(16)[-1] == 32
    configs = plan("cpu-python", 8, 1000, 2)
    assert configs[0].mode == "serial" and [(c.mode, c.workers) for c in configs[1:4]] == [
        ("threads", 1), ("threads", 2), ("threads", 4)]
    records = []
    started = RunStarted(1, 0.0, "cpu-python", "serial", 1, 8, 1000, None, 1)
    records.append(make_record(started, RunFinished(1, 1.0, RunStatus.DONE, 1.0, 1.0, 8, "d"), None))
    for i, n in enumerate([1, 2, 4], start=2):
        s = RunStarted(i, 0.0, "cpu-python", "processes", n, 8, 1000, "forkserver", 1)
        wall = 1.0 / amdahl(min(n, 2), 0.2)
        records.append(make_record(s, RunFinished(i, 0.0, RunStatus.DONE, wall, 1.0, 8, "d"),
                                   find_baseline(records, s)))
    result = analyze(records, cores=2)
    assert result is not None and [p.workers for p in result.points["processes"]] == [1, 2, 4]
    assert result.fits["processes"].serial_fraction == pytest.approx(0.2, abs=1e-3)  # fitted over n <= cores
    text = "\n".join(summary_lines(result))
    assert "serial fraction f = 0.200" in text and "2→1.67×" in text
    json.dumps(result.as_dict())


def test_workload_explained_with_its_real_source() -> None:
    for name in CATALOG:
        info = describe(name)
        assert info.what and info.why and f"def {CATALOG[name].func.__name__}(" in info.source
    info = describe("cpu-python")
    assert info.gil == "holds the GIL" and "GIL" in info.why
    import inspect

    assert info.source == inspect.getsource(cpu_python)


def test_a_big_lane_takes_its_room_from_pages_mapped_as_written(monkeypatch) -> None:
    """Not numpy's huge pages: clearing one stops the GUI thread for milliseconds at its first write."""
    import mmap

    from concgui.engine import timeline

    monkeypatch.setattr(timeline, "RESERVE_FROM", 1_000)
    store = TimelineStore()
    _lane_of_folds(store, np.arange(400) * 1e-3, 0.5e-3)
    lane = store.lanes["pid 1"]
    def mapped(a: np.ndarray) -> bool:
        return isinstance(a.base, memoryview) and isinstance(a.base.obj, mmap.mmap)

    assert not mapped(lane.cols["t0"].a)  # small: an ordinary array
    _lane_of_folds(store, 1.0 + np.arange(700) * 1e-3, 0.5e-3)  # past RESERVE_FROM
    assert mapped(lane.cols["t0"].a)
    assert len(lane.cols["t0"].a) >= timeline.MAX_SPANS_PER_LANE
    assert lane.col("t0")[-1] == pytest.approx(1.699) and len(lane) == 1_100
