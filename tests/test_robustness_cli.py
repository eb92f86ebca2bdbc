"""The command line, killed or fed a bad scenario file, as a real process (issue 7).

- ``concgui bench`` in processes mode, SIGKILLed mid-run: its pool workers
  notice and exit within ~2 s. With ``fork`` each worker also holds copies of
  the other workers' pipe ends, so a broken pipe may not tell it; the parent
  watch (``os.getppid()`` changes) does. With forkserver the fork server and
  the resource tracker must go too.
- ``concgui gui --scenario-file BAD.json``: exit 2 and one line before Qt is
  even imported.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from concgui.engine import startmethods

from tests.helpers import assert_orphans_gone

ROOT = Path(__file__).resolve().parents[1]
ORPHAN_BOUND_S = 2.0


def _bench(*args: str) -> subprocess.Popen:
    """A long ``concgui bench`` of cpu-python on 2 workers, in a session of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "concgui", "bench", "--workload", "cpu-python", "--workers", "2", "--tasks", "64",
         "--size", "3000000", *args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_busy(p: subprocess.Popen, needed: int, cpu_s: float = 0.2) -> list[psutil.Process]:
    """Wait until ``needed`` of the bench's child processes have computed ``cpu_s``; those that have."""
    me = psutil.Process(p.pid)
    deadline = time.monotonic() + 30
    while True:
        try:
            busy = [k for k in me.children(recursive=True) if k.cpu_times().user > cpu_s and k.ppid() != 1]
        except psutil.Error:
            busy = []
        if len(busy) >= needed:
            return busy
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < deadline, "the workers never got busy"
        time.sleep(0.02)  # poll interval


def _kill_when_busy(p: subprocess.Popen, needed: int, what: str, cpu_s: float = 0.2) -> list[str]:
    """SIGKILL the bench (only it) once ``needed`` workers compute; check they all end; their executables."""
    try:
        busy = [k.exe() for k in _wait_busy(p, needed, cpu_s)]
        kids = psutil.Process(p.pid).children(recursive=True)
        t0 = time.monotonic()
        os.kill(p.pid, signal.SIGKILL)  # the parent only
        p.communicate(timeout=10)
        assert_orphans_gone(kids, t0, ORPHAN_BOUND_S, what)
        return busy
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX signals")
@pytest.mark.parametrize("method", [m for m in ("fork", "forkserver") if m in startmethods.available()])
def test_sigkilled_bench_leaves_no_worker_burning_cpu(method: str) -> None:
    _kill_when_busy(_bench("--modes", "processes", "--start-method", method), 2, f"SIGKILL bench, {method}")


def test_bad_scenario_file_exits_2_before_qt(tmp_path: Path) -> None:
    f = tmp_path / "lesson.json"
    f.write_text('{"runs": [{"workload": "cpu-python", "mode": "threads", "workers": -3}]}')
    p = subprocess.run([sys.executable, "-X", "importtime", "-m", "concgui", "gui", "--scenario-file", str(f)],
                       cwd=ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    lines = [ln for ln in p.stderr.splitlines() if not ln.startswith("import time:")]
    assert lines == [f"concgui: error: scenario file {f}, run 1: workers must be between 1 and 256, not -3"]
    assert "PySide6" not in p.stderr  # -X importtime lists every import: Qt never loaded


def _other_python(subinterpreters: bool) -> str:
    from tests.engine.test_other_pythons import OTHERS

    found = [p for p in OTHERS if p.per_interpreter_gil or not subinterpreters]
    if not found:
        pytest.skip("no other Python (3.12+ for subinterpreters) in pyenv's versions/ or $CONCGUI_TEST_PYTHONS")
    return found[-1].executable


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX signals")
@pytest.mark.parametrize("mode, busy_needed", [("processes", 2), ("interpreters", 1)])
def test_sigkilled_bench_on_another_python_leaves_none_of_its_workers(mode: str, busy_needed: int) -> None:
    """Another Python's workers (processes, or one host of subinterpreters) watch this one as ours do."""
    python = _other_python(mode == "interpreters")
    busy = _kill_when_busy(_bench("--python", python, "--modes", mode), busy_needed,
                           f"SIGKILL bench --python, {mode}")
    assert all(os.path.realpath(exe) == os.path.realpath(python) for exe in busy)  # that Python's own workers


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX signals")
def test_sigkilled_bench_leaves_no_dask_process() -> None:
    """The dask mode's cluster host sees its stdin close and closes its LocalCluster; the workers go with it."""
    pytest.importorskip("distributed")
    # Two Dask workers past their start (~0.5 s of CPU importing) into the run's tasks (0.4 s each).
    _kill_when_busy(_bench("--modes", "dask"), 2, "SIGKILL bench, dask", cpu_s=1.5)
