"""The Qt-free progress fold: events in, snapshots out."""

from array import array

from concgui.engine.events import RunFinished, RunStarted, RunStatus, TaskProgress, TasksFinished, TaskStarted
from concgui.engine.progress import ProgressTracker


def test_tracker_folds_events_into_a_snapshot():
    tr = ProgressTracker()
    assert tr.snapshot() is None
    tr.apply(RunStarted(7, 1.0, "cpu-python", "threads", 2, 4, 10, None, 1))
    tr.apply(TaskStarted(7, 0, "thread-1", 1.1))
    tr.apply(TaskStarted(7, 1, "thread-2", 1.1))
    tr.apply(TaskProgress(7, 0, "thread-1", 1.2, 0.5))
    s = tr.snapshot()
    assert (s.run_id, s.tasks, s.done, s.finished) == (7, 4, 0, False)
    assert [w.name for w in s.workers] == ["thread-1", "thread-2"]
    assert s.workers[0].task_id == 0 and s.workers[0].fraction == 0.5
    assert s.fraction == 0.5 / 4

    tr.apply(TasksFinished.one(7, 0, "thread-1", 1.1, 1.3, 0.2))
    tr.apply(TaskProgress(7, 5, "thread-2", 1.3, 0.9))  # not the task it is on: ignored
    s = tr.snapshot()
    assert s.done == 1 and s.workers[0].task_id is None and s.workers[0].tasks_done == 1
    assert s.workers[1].fraction == 0.0

    for task, worker in ((1, "thread-2"), (2, "thread-1"), (3, "thread-2")):
        tr.apply(TaskStarted(7, task, worker, 1.4))
        tr.apply(TasksFinished.one(7, task, worker, 1.4, 1.5, 0.1))
    tr.apply(RunFinished(7, 1.6, RunStatus.DONE, 0.6, 0.5, 4, "d"))
    s = tr.snapshot()
    assert s.finished and s.done == 4 and s.fraction == 1.0 and s.t == 1.6


def test_a_new_run_starts_from_zero():
    tr = ProgressTracker()
    tr.apply(RunStarted(1, 0.0, "io-sleep", "threads", 1, 1, 1, None, 1))
    tr.apply(TaskStarted(1, 0, "thread-1", 0.1))
    tr.apply(TasksFinished.one(1, 0, "thread-1", 0.1, 0.2, 0.0))
    tr.apply(RunStarted(2, 1.0, "io-sleep", "threads", 1, 3, 1, None, 1))
    s = tr.snapshot()
    assert (s.run_id, s.done, s.workers) == (2, 0, ())


def test_a_fold_of_many_tasks_counts_them_all_at_once():
    tr = ProgressTracker()
    tr.apply(RunStarted(3, 0.0, "cpu-python", "threads", 2, 10_000, 20, None, 1))
    tr.apply(TaskStarted(3, 0, "thread-1", 0.1))
    n = 6_000
    t0 = array("d", (0.1 + i * 1e-6 for i in range(n)))
    t1 = array("d", (0.1 + i * 1e-6 + 5e-7 for i in range(n)))
    tr.apply(TasksFinished(3, "thread-1", range(n), t0, t1, array("d", [4e-7]) * n))
    tr.apply(TasksFinished(3, "thread-2", range(n, 10_000), t0[:4_000], t1[:4_000], array("d", [4e-7]) * 4_000))
    s = tr.snapshot()
    assert s.done == 10_000 and s.fraction == 1.0
    assert [(w.name, w.task_id, w.tasks_done) for w in s.workers] == [("thread-1", None, n), ("thread-2", None, 4_000)]
