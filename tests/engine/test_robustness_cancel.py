"""Cancel latency on the engine alone (issue 7); figures printed with ``pytest -s``.

Threads stop at their next progress point (a workload reports at most every
~10 ms of work), so a thread run ends within a couple of progress intervals
(``PROGRESS_S``); a process run terminates its workers at once. The bounds
are generous for a loaded CI box; the measured figures are far below.
"""

from __future__ import annotations

import threading

import pytest

from concgui.engine.clock import now
from concgui.engine.config import RunConfig
from concgui.engine.events import RunStatus, TasksFinished
from concgui.engine.runner import Runner
from concgui.engine.worker import PROGRESS_S

from tests.helpers import alive

BOUND_S = 2.0


@pytest.mark.parametrize("mode, workload, size", [
    ("threads", "cpu-python", 1_000_000),  # holds the GIL
    ("threads", "io-sleep", 2_000),  # sleeps in ~10 ms steps
    ("processes", "cpu-python", 1_000_000),
])
def test_cancel_ends_the_run_and_its_workers_promptly(mode: str, workload: str, size: int) -> None:
    cancel = threading.Event()
    asked: list[float] = []
    pids: list[int] = []
    runner = Runner()

    def on_event(ev) -> None:
        if isinstance(ev, TasksFinished) and not asked:
            if runner._pool is not None:
                pids.extend(runner._pool.pids)
            asked.append(now())
            cancel.set()

    try:
        fin = runner.run(RunConfig(workload, mode, 2, 1_000, size), on_event, cancel)
        took = now() - asked[0]
        gone = [p for p in pids if alive(p)]
    finally:
        runner.close()
    print(f"\n[{mode} {workload}] cancel -> run ended in {took * 1000:.1f} ms "
          f"({took / PROGRESS_S:.1f} progress intervals)" + (f"; {len(pids)} workers already gone" if pids else ""))
    assert fin.status is RunStatus.CANCELLED
    assert took <= BOUND_S
    assert not gone  # terminated before the run returned
