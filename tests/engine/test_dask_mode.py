"""The dask mode: the same tasks on a real Dask cluster on 127.0.0.1, reported as the same events.

Each test that runs starts a real ``LocalCluster`` (in a cluster host process,
~2-4 s on the 2-core dev machine) or, for a scheduler the user names, one the
test starts itself, on loopback only.
"""

from __future__ import annotations

import re
import threading

import psutil
import pytest

from concgui.engine import dask_cluster
from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.events import RunStarted, RunStatus, TasksFinished, WorkerStarted
from concgui.engine.runner import Runner
from tests.helpers import wait_gone

LANE = re.compile(r"^dask \S+·t\d+$")
SMALL = 60_000  # cpu-python units: ~8 ms a task here


def _run(cfg: RunConfig, cancel: threading.Event | None = None, on_event=None):
    events: list = []

    def keep(ev):
        events.append(ev)
        if on_event is not None:
            on_event(ev)

    with Runner() as runner:
        fin = runner.run(cfg, keep, cancel)
    return fin, events


def _cluster_pids(events: list) -> set[int]:
    return {e.pid for e in events if isinstance(e, WorkerStarted)}


def test_a_dask_run_equals_serial_and_reports_each_worker_thread_as_a_lane():
    serial, _ = _run(RunConfig("cpu-python", "serial", 1, 12, SMALL))
    fin, events = _run(RunConfig("cpu-python", "dask", 2, 12, SMALL, threads_per_worker=2))
    assert fin.status is RunStatus.DONE, fin.error
    assert fin.digest == serial.digest
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.mode == "dask" and started.workers == 2 and started.threads_per_worker == 2
    assert started.cluster["started_here"] is True
    assert started.cluster["scheduler"].startswith("tcp://127.0.0.1:")
    assert started.cluster["start_s"] > 0
    assert fin.split["pool_start_s"] == pytest.approx(started.cluster["start_s"], abs=1e-6)  # not in the wall time
    done = sorted(t for e in events if isinstance(e, TasksFinished) for t in e.task_ids)
    assert done == list(range(12))
    lanes = {e.worker for e in events if isinstance(e, TasksFinished)}
    assert lanes and all(LANE.match(name) for name in lanes), lanes
    announced = [e.worker for e in events if isinstance(e, WorkerStarted)]
    assert sorted(announced) == sorted(set(announced)) and lanes <= set(announced)  # once per lane and run
    assert len(_cluster_pids(events)) == 2  # two worker processes, whatever their threads
    # The LocalCluster lived for this run only: its workers are gone once the run returned.
    assert not [p for p in _cluster_pids(events) if psutil.pid_exists(p)]


def test_cancel_cancels_the_futures_and_closes_the_cluster():
    cancel = threading.Event()

    def on_event(ev):
        if isinstance(ev, TasksFinished):
            cancel.set()

    fin, events = _run(RunConfig("cpu-python", "dask", 2, 200, SMALL), cancel, on_event)
    assert fin.status is RunStatus.CANCELLED
    assert 0 < fin.tasks_done < 200
    assert fin.digest is None
    assert not wait_gone([psutil.Process(p) for p in _cluster_pids(events) if psutil.pid_exists(p)], 5.0)


def test_a_failing_task_fails_the_run_with_the_workers_own_error():
    fin, _ = _run(RunConfig("crash", "dask", 1, 6, 1))
    assert fin.status is RunStatus.FAILED
    assert fin.error.startswith("ValueError: task with seed") and "failed on purpose" in fin.error
    assert "Traceback" in fin.details


def test_a_scheduler_the_user_names_is_used_and_left_running():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        fin, events = _run(RunConfig("cpu-python", "dask", 1, 4, SMALL, scheduler=cluster.scheduler_address))
        assert fin.status is RunStatus.DONE, fin.error
        started = next(e for e in events if isinstance(e, RunStarted))
        assert started.cluster["scheduler"] == cluster.scheduler_address
        assert started.cluster["started_here"] is False
        with distributed.Client(cluster, set_as_default=False) as client:
            assert len(client.scheduler_info()["workers"]) == 1  # still there: not the app's to close


def test_a_scheduler_nobody_answers_at_fails_in_one_sentence():
    fin, _ = _run(RunConfig("cpu-python", "dask", 1, 4, SMALL, scheduler="tcp://127.0.0.1:9"))
    assert fin.status is RunStatus.FAILED
    assert "tcp://127.0.0.1:9" in fin.error and "\n" not in fin.error


@pytest.mark.parametrize("cfg, words", [
    (RunConfig("cpu-python", "threads", 2, threads_per_worker=2), "only apply to the dask mode"),
    (RunConfig("cpu-python", "processes", 2, scheduler="tcp://127.0.0.1:8786"), "only applies to the dask mode"),
    (RunConfig("cpu-python", "dask", 2, scheduler="127.0.0.1:8786"), "reads tcp://HOST:PORT"),
    (RunConfig("cpu-python", "dask", 2, scheduler="tcp://127.0.0.1:99999"), "reads tcp://HOST:PORT"),
    (RunConfig("cpu-python", "dask", 2, threads_per_worker=0), "threads per worker must be between 1"),
    (RunConfig("cpu-python", "dask", 2, start_method="spawn"), "starts its own workers"),
])
def test_bad_dask_settings_are_refused_in_one_sentence(cfg, words):
    with pytest.raises(ConfigError, match=re.escape(words)):
        cfg.validate()


def test_without_the_extra_the_mode_is_refused_with_the_install_command(monkeypatch):
    monkeypatch.setattr(dask_cluster, "available", lambda: False)
    with pytest.raises(ConfigError) as err:
        RunConfig("cpu-python", "dask", 2).validate()
    assert dask_cluster.INSTALL_COMMAND in str(err.value)


def test_a_dask_config_checks_and_chunks_by_every_worker_thread():
    cfg = RunConfig("cpu-python", "dask", 2, 64, 3_000, threads_per_worker=2).validate()
    assert (cfg.workers, cfg.threads_per_worker, cfg.scheduler, cfg.where) == (2, 2, None, None)
    assert cfg.chunk_size == 64 // (4 * 4)  # tiny tasks: ≥ 4 chunks per worker thread


def test_the_clusters_the_app_starts_carry_its_two_changed_settings_to_every_worker():
    import dask

    from concgui.engine.dask_host import CHANGED_SETTINGS

    cluster = dask_cluster.DaskCluster(2, 1)
    cluster.start()
    try:
        seen = cluster._client.run(lambda: {k: dask.config.get(k) for k in CHANGED_SETTINGS})
        assert len(seen) == 2 and all(v == CHANGED_SETTINGS for v in seen.values()), seen
    finally:
        cluster.close()


def test_a_hosted_dask_run_is_the_same_run_and_returns_once_its_cluster_is_closed():
    """For a window the Runner's client is its worker host's. The run reports what the terminal's does, and
    returns only once the host has closed the cluster (off the clock): the close must never count in the
    time of the host's next run."""
    from concgui.engine.config import Where

    events: list = []
    with Runner(default_where=Where.HOST) as runner:
        fin = runner.run(RunConfig("cpu-python", "dask", 2, 8, SMALL), events.append)
        host = runner.host_pid
        assert fin.status is RunStatus.DONE, fin.error
        started = next(e for e in events if isinstance(e, RunStarted))
        assert started.cluster["started_here"] and started.cluster["start_s"] > 0
        assert len(_cluster_pids(events)) == 2 and host not in _cluster_pids(events)
        assert all(LANE.match(e.worker) for e in events if isinstance(e, WorkerStarted))
        assert not [p for p in _cluster_pids(events) if psutil.pid_exists(p)]  # closed before run() returned
        assert not [k for k in psutil.Process(host).children(recursive=True)
                    if "dask_host" in " ".join(k.cmdline())]
        assert fin.digest == runner.run(RunConfig("cpu-python", "serial", 1, 8, SMALL)).digest
        assert runner.host_pid == host  # the same host ran the next run: it was not stopped
