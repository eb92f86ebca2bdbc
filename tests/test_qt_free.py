"""The engine and the CLI never import Qt, in this process or in pool workers.

Under forkserver/spawn every worker imports what it runs; importing pyqtgraph
alone costs ~0.4 s and ~85 MB per worker, and the CLI must run without a display.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from concgui.engine import startmethods
from concgui.engine.config import RunConfig
from concgui.engine.events import RunStatus, TaskStarted
from concgui.engine.pool import ProcessPool
from concgui.engine.runner import Runner

ROOT = Path(__file__).resolve().parents[1]
QT_ROOTS = ("PySide6", "shiboken6", "pyqtgraph")

ENGINE_MODULES = [
    "concgui.engine",
    "concgui.engine.runner",
    "concgui.engine.telemetry",
    "concgui.engine.pool",
    "concgui.engine.worker",
    "concgui.engine.host",
    "concgui.engine.threads",
    "concgui.engine.http_server",
    "concgui.engine.platform_info",
    "concgui.engine.lanes",
    "concgui.engine.lane_probe",
    "concgui.engine.timeline",
    "concgui.engine.trace",
    "concgui.engine.scaling",
    "concgui.engine.workload_info",
    "concgui.engine.python_facts",
    "concgui.engine.pythons",
    "concgui.engine.foreign_host",
    "concgui.engine.subinterpreters",
    "concgui.engine.gil_watch",
    "concgui.engine.dask_cluster",
    "concgui.engine.dask_task",
    "concgui.engine.dask_host",
    "concgui.labs.elsewhere",
    "concgui.lessons.catalog",
    "concgui.lessons.headless",
    "concgui.lessons.walkthrough",
    "concgui.lessons.loop_stand_in",
    "concgui.cli",
]


def test_engine_and_cli_import_without_qt() -> None:
    script = textwrap.dedent(f"""
        import json, sys
        for name in {ENGINE_MODULES!r}:
            __import__(name)
        qt = sorted(m for m in sys.modules if m.split(".")[0] in {QT_ROOTS!r})
        print(json.dumps(qt))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_cli_info_and_bench_parsing_do_not_import_qt() -> None:
    """Running the CLI's headless commands pulls in no Qt either (not just importing it)."""
    script = textwrap.dedent(f"""
        import contextlib, io, json, sys
        from concgui import cli
        with contextlib.redirect_stdout(io.StringIO()):
            rc = cli.main(["info"])
        qt = sorted(m for m in sys.modules if m.split(".")[0] in {QT_ROOTS!r})
        print(json.dumps([rc, qt]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [0, []]


@pytest.mark.parametrize("method", sorted({startmethods.default(), "spawn"} & set(startmethods.available())))
def test_pool_workers_do_not_import_qt_even_when_the_parent_has(method: str) -> None:
    import PySide6.QtCore  # noqa: F401  (the GUI process has Qt loaded; workers must not inherit it)

    assert "PySide6.QtCore" in sys.modules
    pool = ProcessPool(2, method)
    try:
        pool.wait_ready()
        assert sorted(pool.qt_modules) == sorted(pool.pids)
        assert all(mods == [] for mods in pool.qt_modules.values()), pool.qt_modules
    finally:
        pool.close()

    # And a real task runs in such a worker, with the right result.
    with Runner() as runner:
        expected = runner.run(RunConfig("cpu-python", "serial", tasks=4, size=5_000)).digest
        events: list = []
        fin = runner.run(RunConfig("cpu-python", "processes", 2, 4, 5_000, start_method=method), events.append)
        assert fin.status is RunStatus.DONE, (fin.error, fin.details)
        assert fin.digest == expected
        pids = set(runner._pool.pids)
        assert {int(e.worker.split()[1]) for e in events if isinstance(e, TaskStarted)} <= pids
        assert all(runner._pool.qt_modules[p] == [] for p in pids)


def test_the_worker_host_does_not_import_qt_even_when_the_parent_has() -> None:
    import PySide6.QtCore  # noqa: F401  (the window's process has Qt loaded; its worker host must not)

    with Runner() as runner:
        fin = runner.run(RunConfig("cpu-python", "threads", 2, 4, 5_000, where="host"))
        assert fin.status is RunStatus.DONE, (fin.error, fin.details)
        host = runner._host
        assert host is not None and host.qt_modules == {runner.host_pid: []}


def test_dask_workers_and_their_cluster_host_do_not_import_qt_even_when_the_parent_has() -> None:
    pytest.importorskip("distributed")
    import PySide6.QtCore  # noqa: F401  (the window's process has Qt loaded; its Dask cluster must not)
    from concgui.engine.dask_cluster import DaskCluster

    cluster = DaskCluster(2, 1)
    cluster.start()
    try:
        assert sorted(cluster.qt_modules) == sorted(cluster.worker_pids) and len(cluster.worker_pids) == 2
        assert all(mods == [] for mods in cluster.qt_modules.values()), cluster.qt_modules
        host = psutil.Process(cluster.pids[0])
        assert "concgui.engine.dask_host" in host.cmdline()
        assert not [m for m in host.memory_maps() if "PySide6" in m.path or "Qt6" in m.path]
    finally:
        cluster.close()
