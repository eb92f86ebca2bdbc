"""Where the wall time went: the fold over synthetic events, and the runner's split of real runs."""

from __future__ import annotations

import pytest

from concgui.engine.config import RunConfig
from array import array

from concgui.engine.events import RunFinished, RunStarted, RunStatus, TasksFinished, TaskStarted, WorkerStarted
from concgui.engine.runner import Runner
from concgui.engine.time_split import DESCRIPTIONS, KEYS, LABELS, PARTS, POOL_START, TimeSplit, wall_of

T0 = 100.0


def _task(worker: str, task_id: int, start: float, end: float, cpu: float, run_id: int = 1) -> TasksFinished:
    return TasksFinished.one(run_id, task_id, worker, T0 + start, T0 + end, cpu)


def _fold(workers: int, tasks: list[TasksFinished]) -> TimeSplit:
    fold = TimeSplit(workers, run_id=1)
    for ev in tasks:
        fold.apply(TaskStarted(ev.run_id, ev.task_ids[0], ev.worker, ev.t_first))
        fold.apply(ev)
    return fold


def test_every_key_is_named_and_explained_in_one_sentence() -> None:
    assert set(KEYS) == set(PARTS) | {POOL_START}
    for key in KEYS:
        assert LABELS[key] and len(LABELS[key]) <= 20
        text = DESCRIPTIONS[key]
        assert text.endswith(".") and text.count(". ") == 0, text


def test_two_busy_workers_split_into_dispatch_compute_wait_between_and_tail() -> None:
    # Worker a: starts at 0.1, tasks [0.1, 0.5] (cpu 0.4) and [0.6, 1.0] (cpu 0.3); run ends at 1.2.
    # Worker b: starts at 0.2, one task [0.2, 1.1] (cpu 0.9).
    fold = _fold(2, [_task("a", 0, 0.1, 0.5, 0.4), _task("b", 1, 0.2, 1.1, 0.9), _task("a", 2, 0.6, 1.0, 0.3)])
    s = fold.split(T0, T0 + 1.2, pool_start_s=0.05)
    assert list(s) == list(KEYS)
    assert s["dispatch_s"] == pytest.approx((0.1 + 0.2) / 2)
    assert s["compute_s"] == pytest.approx((0.4 + 0.3 + 0.9) / 2)
    assert s["cpu_wait_s"] == pytest.approx((0.1 + 0.0) / 2)  # a's second task: 0.4 wall, 0.3 CPU
    assert s["between_s"] == pytest.approx(0.1 / 2)  # a's gap from 0.5 to 0.6
    assert s["tail_s"] == pytest.approx((0.2 + 0.1) / 2)
    assert s[POOL_START] == pytest.approx(0.05)
    assert wall_of(s) == pytest.approx(1.2, abs=1e-5)  # the parts add up to the wall time


def test_cpu_wait_is_task_wall_minus_task_cpu() -> None:
    # Three workers on two cores: each task took 0.9 s of wall for 0.6 s of CPU.
    fold = _fold(3, [_task(w, i, 0.0, 0.9, 0.6) for i, w in enumerate("abc")])
    s = fold.split(T0, T0 + 0.9)
    assert s["compute_s"] == pytest.approx(0.6)
    assert s["cpu_wait_s"] == pytest.approx(0.3)
    assert s["dispatch_s"] == s["between_s"] == s["tail_s"] == 0.0


def test_cpu_time_above_the_wall_time_counts_as_the_wall_time() -> None:
    # Coarse CPU clocks (Windows) can report a little more CPU than wall for one task.
    s = _fold(1, [_task("a", 0, 0.0, 0.5, 0.52)]).split(T0, T0 + 0.5)
    assert s["compute_s"] == pytest.approx(0.5) and s["cpu_wait_s"] == 0.0


def test_a_worker_that_waits_for_its_next_chunk_shows_between_tasks() -> None:
    fold = _fold(1, [_task("a", 0, 0.0, 0.2, 0.2), _task("a", 1, 0.7, 1.0, 0.3)])
    s = fold.split(T0, T0 + 1.0)
    assert s["between_s"] == pytest.approx(0.5)
    assert s["compute_s"] == pytest.approx(0.5)
    assert wall_of(s) == pytest.approx(1.0, abs=1e-5)


def test_a_fold_of_tasks_splits_like_the_same_tasks_one_by_one() -> None:
    # 1,000 tasks of 0.8 ms with 0.2 ms gaps, CPU 0.6 ms each: as one fold and as 1,000 single folds.
    n = 1_000
    starts = [T0 + i * 1e-3 for i in range(n)]
    ends = [s + 0.8e-3 for s in starts]
    folded = TimeSplit(1, run_id=1)
    folded.apply(TasksFinished(1, "a", range(n), array("d", starts), array("d", ends), array("d", [0.6e-3]) * n))
    single = _fold(1, [TasksFinished.one(1, i, "a", s, e, 0.6e-3) for i, (s, e) in enumerate(zip(starts, ends))])
    a, b = folded.split(T0, T0 + 1.0), single.split(T0, T0 + 1.0)
    assert a == pytest.approx(b, abs=1e-6)
    assert a["compute_s"] == pytest.approx(0.6) and a["between_s"] == pytest.approx(0.2 - 0.2e-3, abs=1e-6)


def test_a_worker_that_finishes_early_waits_in_the_tail() -> None:
    # b finished at 0.25 and waited for a (the slowest worker) until the end.
    fold = _fold(2, [_task("a", 0, 0.0, 1.0, 1.0), _task("b", 1, 0.0, 0.25, 0.25)])
    s = fold.split(T0, T0 + 1.0)
    assert s["tail_s"] == pytest.approx(0.75 / 2)
    assert s["compute_s"] == pytest.approx(1.25 / 2)
    assert wall_of(s) == pytest.approx(1.0, abs=1e-5)


def test_a_worker_that_never_ran_a_task_is_idle_in_the_tail_for_the_whole_run() -> None:
    # One task, four workers: three of them never got any work.
    fold = _fold(4, [_task("a", 0, 0.1, 0.9, 0.8)])
    s = fold.split(T0, T0 + 1.0)
    assert s["compute_s"] == pytest.approx(0.8 / 4)
    assert s["dispatch_s"] == pytest.approx(0.1 / 4)
    assert s["tail_s"] == pytest.approx((0.1 + 3 * 1.0) / 4)
    assert s["between_s"] == 0.0
    assert wall_of(s) == pytest.approx(1.0, abs=1e-5)


def test_no_tasks_at_all_is_all_tail() -> None:
    s = TimeSplit(2).split(T0, T0 + 0.5)
    assert s["tail_s"] == pytest.approx(0.5) and wall_of(s) == pytest.approx(0.5)


def test_other_events_and_other_runs_change_nothing() -> None:
    fold = _fold(1, [_task("a", 0, 0.0, 0.4, 0.4)])
    before = fold.split(T0, T0 + 0.5)
    for ev in (RunStarted(1, T0, "cpu-python", "processes", 1, 1, 1, "forkserver", 1),
               WorkerStarted(1, "a", 1, 1, T0), _task("a", 9, 0.0, 0.5, 0.5, run_id=2),
               RunFinished(1, T0 + 0.5, RunStatus.DONE, 0.5, 0.4, 1, "d")):
        fold.apply(ev)
    assert fold.split(T0, T0 + 0.5) == before


def test_task_times_outside_the_run_are_clamped_so_the_parts_still_add_up() -> None:
    # Tasks a little before the run's start and after its end (clock skew), and overlapping ones.
    fold = _fold(2, [_task("a", 0, -0.05, 0.5, 0.5), _task("a", 1, 0.4, 1.1, 0.6), _task("b", 2, 0.2, 0.8, 0.1)])
    s = fold.split(T0, T0 + 1.0)
    assert all(v >= 0 for v in s.values())
    assert wall_of(s) == pytest.approx(1.0, abs=1e-5)


def test_wrap_feeds_the_fold_and_passes_every_event_on() -> None:
    seen: list = []
    fold = TimeSplit(1)
    sink = fold.wrap(seen.append)
    ev = _task("a", 0, 0.0, 0.3, 0.3)
    sink(ev)
    assert seen == [ev]
    assert fold.split(T0, T0 + 0.3)["compute_s"] == pytest.approx(0.3)


@pytest.mark.parametrize("mode, where", [("serial", None), ("threads", None), ("threads", "host"),
                                         ("processes", None)])
def test_finished_runs_carry_a_split_that_adds_up_to_their_wall_time(mode: str, where: str | None) -> None:
    cfg = RunConfig(workload="cpu-python", mode=mode, workers=2, tasks=6, size=20_000, where=where)
    with Runner() as runner:
        fin = runner.run(cfg)
        again = runner.run(cfg)
    assert fin.status is RunStatus.DONE and fin.split is not None
    assert list(fin.split) == list(KEYS)
    assert wall_of(fin.split) == pytest.approx(fin.wall_s, abs=1e-4)
    assert fin.split["compute_s"] > 0
    if mode == "processes" or where == "host":
        assert fin.split[POOL_START] > 0  # a cold pool (or host) took time to start
        assert again.split is not None and again.split[POOL_START] < fin.split[POOL_START]  # warm
    else:
        assert fin.split[POOL_START] == 0.0  # nothing to start in this process


def test_a_cancelled_run_has_no_split() -> None:
    import threading

    cancel = threading.Event()
    cancel.set()
    with Runner() as runner:
        fin = runner.run(RunConfig(workload="cpu-python", mode="threads", workers=2, tasks=6, size=20_000),
                         cancel=cancel)
    assert fin.status is RunStatus.CANCELLED and fin.split is None
