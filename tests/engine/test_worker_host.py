"""The worker host: serial and threads runs in a separate process of this Python, as the terminal runs them.

The window sends its right-way serial and thread runs there, so the window's
GIL and theirs are never the same lock. These tests pin down that the host
computes the same results, announces its own threads, cancels at once, dies
cleanly and leaves nothing behind.
"""

from __future__ import annotations

import os
import threading

import pytest

from concgui.engine.compare import make_record
from concgui.engine.config import ConfigError, RunConfig, Where
from concgui.engine.events import RunStatus, TasksFinished, TaskStarted, WorkerStarted
from concgui.engine.runner import Runner

from tests.helpers import alive, wait_gone

from ._util import SMALL_SIZE
from .test_modes import expected_digest

HOST = Where.HOST.value


@pytest.fixture
def runner():
    r = Runner()
    yield r
    pid = r.host_pid
    r.close()
    assert r.host_pid is None
    if pid is not None:
        left = wait_gone([pid], timeout=5)
        assert not left, "the worker host outlived Runner.close()"


@pytest.mark.parametrize("mode, workers", [("serial", 1), ("threads", 3)])
@pytest.mark.parametrize("workload", ["cpu-python", "cpu-hash", "io-sleep", "io-http"])
def test_hosted_runs_compute_what_the_terminal_computes(runner: Runner, workload: str, mode: str,
                                                        workers: int) -> None:
    events: list = []
    fin = runner.run(RunConfig(workload, mode, workers, 6, SMALL_SIZE[workload], where=HOST), events.append)
    assert fin.status is RunStatus.DONE, (fin.error, fin.details)
    assert fin.digest == expected_digest(workload, SMALL_SIZE[workload])
    started = events[0]
    assert started.where == HOST
    assert make_record(started, fin, None).ran_on == ("worker host process" if mode == "serial"
                                                       else "threads of a worker host process")


def test_the_host_announces_its_own_threads(runner: Runner) -> None:
    events: list = []
    fin = runner.run(RunConfig("cpu-python", "threads", 2, 6, 20_000, where=HOST), events.append)
    assert fin.status is RunStatus.DONE
    host = runner.host_pid
    assert host is not None and host != os.getpid()
    announced = [e for e in events if isinstance(e, WorkerStarted)]
    assert sorted(e.worker for e in announced) == ["thread-1", "thread-2"]
    assert {e.pid for e in announced} == {host}
    assert len({e.native_id for e in announced}) == 2
    assert all(e.worker in ("thread-1", "thread-2") for e in events if isinstance(e, TaskStarted))
    # Nothing of the run ran on a thread of this process.
    assert all(not t.name.startswith("thread-") for t in threading.enumerate())


def test_a_hosted_serial_run_is_one_worker_in_the_host(runner: Runner) -> None:
    events: list = []
    fin = runner.run(RunConfig("cpu-python", "serial", 1, 4, 20_000, where=HOST), events.append)
    assert fin.status is RunStatus.DONE
    workers = {e.worker for e in events if isinstance(e, TasksFinished)}
    assert workers == {f"pid {runner.host_pid}"}


def test_the_host_stays_warm_between_runs(runner: Runner) -> None:
    cfg = RunConfig("cpu-python", "threads", 2, 4, 10_000, where=HOST)
    assert runner.run(cfg).status is RunStatus.DONE
    pid = runner.host_pid
    assert runner.run(RunConfig("cpu-python", "serial", 1, 4, 10_000, where=HOST)).status is RunStatus.DONE
    assert runner.host_pid == pid


def test_cancel_stops_the_host_at_once_and_the_next_run_gets_a_new_one(runner: Runner) -> None:
    cancel = threading.Event()
    events: list = []

    def on_event(ev) -> None:
        events.append(ev)
        if isinstance(ev, TasksFinished):
            cancel.set()

    fin = runner.run(RunConfig("cpu-python", "threads", 2, 500, 200_000, where=HOST), on_event, cancel)
    assert fin.status is RunStatus.CANCELLED and fin.tasks_done < 500
    old = [e.pid for e in events if isinstance(e, WorkerStarted)][0]
    assert runner.host_pid is None
    assert not alive(old)
    assert runner.run(RunConfig("cpu-python", "serial", 1, 2, 1_000, where=HOST)).status is RunStatus.DONE
    assert runner.host_pid not in (None, old)


def test_a_host_that_dies_fails_the_run_and_the_next_one_works(runner: Runner) -> None:
    fin = runner.run(RunConfig("crash", "threads", 2, 6, 3, where=HOST))  # a segfault, in the host
    assert fin.status is RunStatus.FAILED and "died" in (fin.error or "")
    assert runner.run(RunConfig("cpu-python", "threads", 2, 4, 1_000, where=HOST)).status is RunStatus.DONE


def test_where_is_checked_and_defaults_to_here() -> None:
    assert RunConfig("cpu-python", "serial").validate().where == "here"
    assert RunConfig("cpu-python", "processes", 2).validate().where is None
    with pytest.raises(ConfigError, match="place to run"):
        RunConfig("cpu-python", "threads", 2, where="moon").validate()
    assert Runner(default_where=Where.HOST).default_where is Where.HOST
