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


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX signals")
@pytest.mark.parametrize("method", [m for m in ("fork", "forkserver") if m in startmethods.available()])
def test_sigkilled_bench_leaves_no_worker_burning_cpu(method: str) -> None:
    p = subprocess.Popen(
        [sys.executable, "-m", "concgui", "bench", "--workload", "cpu-python", "--modes", "processes",
         "--workers", "2", "--tasks", "64", "--size", "3000000", "--start-method", method],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        me = psutil.Process(p.pid)
        deadline = time.monotonic() + 30
        while True:  # until both workers are busy computing
            try:
                kids = me.children(recursive=True)
                busy = [k for k in kids if k.cpu_times().user > 0.2 and k.ppid() != 1]
            except psutil.Error:
                busy = []
            if len(busy) >= 2:
                break
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the workers never got busy"
            time.sleep(0.02)  # poll interval
        kids = me.children(recursive=True)
        t0 = time.monotonic()
        os.kill(p.pid, signal.SIGKILL)  # the parent only
        p.communicate(timeout=10)
        assert_orphans_gone(kids, t0, ORPHAN_BOUND_S, f"SIGKILL bench, {method}")
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()


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
    p = subprocess.Popen(
        [sys.executable, "-m", "concgui", "bench", "--python", python, "--workload", "cpu-python", "--modes", mode,
         "--workers", "2", "--tasks", "64", "--size", "3000000"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        me = psutil.Process(p.pid)
        deadline = time.monotonic() + 30
        while True:  # until its workers are busy computing
            try:
                kids = me.children(recursive=True)
                busy = [k for k in kids if k.cpu_times().user > 0.2 and k.ppid() != 1]
            except psutil.Error:
                busy = []
            if len(busy) >= busy_needed:
                break
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the workers never got busy"
            time.sleep(0.02)  # poll interval
        kids = me.children(recursive=True)
        assert all(os.path.realpath(k.exe()) == os.path.realpath(python) for k in busy)
        t0 = time.monotonic()
        os.kill(p.pid, signal.SIGKILL)  # the parent only
        p.communicate(timeout=10)
        assert_orphans_gone(kids, t0, ORPHAN_BOUND_S, f"SIGKILL bench --python, {mode}")
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
