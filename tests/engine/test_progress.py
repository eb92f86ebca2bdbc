"""The Qt-free progress fold: events in, snapshots out."""

from concgui.engine.events import RunFinished, RunStarted, RunStatus, TaskFinished, TaskProgress, TaskStarted
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

    tr.apply(TaskFinished(7, 0, "thread-1", 1.1, 1.3, 0.2))
    tr.apply(TaskProgress(7, 5, "thread-2", 1.3, 0.9))  # not the task it is on: ignored
    s = tr.snapshot()
    assert s.done == 1 and s.workers[0].task_id is None and s.workers[0].tasks_done == 1
    assert s.workers[1].fraction == 0.0

    for task, worker in ((1, "thread-2"), (2, "thread-1"), (3, "thread-2")):
        tr.apply(TaskStarted(7, task, worker, 1.4))
        tr.apply(TaskFinished(7, task, worker, 1.4, 1.5, 0.1))
    tr.apply(RunFinished(7, 1.6, RunStatus.DONE, 0.6, 0.5, 4, "d"))
    s = tr.snapshot()
    assert s.finished and s.done == 4 and s.fraction == 1.0 and s.t == 1.6


def test_a_new_run_starts_from_zero():
    tr = ProgressTracker()
    tr.apply(RunStarted(1, 0.0, "io-sleep", "threads", 1, 1, 1, None, 1))
    tr.apply(TaskStarted(1, 0, "thread-1", 0.1))
    tr.apply(TaskFinished(1, 0, "thread-1", 0.1, 0.2, 0.0))
    tr.apply(RunStarted(2, 1.0, "io-sleep", "threads", 1, 3, 1, None, 1))
    s = tr.snapshot()
    assert (s.run_id, s.done, s.workers) == (2, 0, ())
