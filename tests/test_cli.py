"""The command line, run as users run it: ``python -m concgui ...`` in a subprocess."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from concgui import __version__
from concgui.engine import startmethods

from tests.helpers import kill, wait_gone

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["--workload", "cpu-python", "--tasks", "6", "--size", "20000"]


def concgui(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "concgui", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_version() -> None:
    p = concgui("--version")
    assert p.returncode == 0, p.stderr
    assert __version__ in p.stdout
    assert p.stdout.strip() == f"concgui {__version__}"


def test_info() -> None:
    p = concgui("info")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    low = out.lower()
    assert platform.python_version() in out
    assert platform.python_implementation() in out
    assert "gil" in low
    assert "switch interval" in low
    assert f"{sys.getswitchinterval() * 1000:g}" in out  # the real value, 5 ms unless changed
    assert str(os.cpu_count()) in out
    assert "core" in low
    for m in startmethods.available():
        assert m in out
    assert startmethods.default() in out
    from importlib.metadata import version

    assert f"distributed {version('distributed')}" in out  # the dask extra, installed by the test command
    assert "Traceback" not in p.stderr


@pytest.fixture(scope="module")
def bench_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, dict]:
    path = tmp_path_factory.mktemp("bench") / "out.json"
    p = concgui("bench", *SMALL, "--modes", "serial,threads,processes", "--workers", "1,2", "--json", str(path))
    assert p.returncode == 0, f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    assert path.exists()
    return p, json.loads(path.read_text())


def test_bench_table(bench_json) -> None:
    p, _ = bench_json
    lines = p.stdout.splitlines()
    header = lines[0].lower()
    for col in ("workload", "mode", "workers", "start", "wall", "cpu", "speedup", "effic", "result", "status"):
        assert col in header, (col, lines[0])
    rows = [ln.split() for ln in lines if ln.startswith("cpu-python")]
    # serial x1, threads x1 and x2, processes x1 and x2
    assert [(r[1], r[2]) for r in rows] == [("serial", "1"), ("threads", "1"), ("threads", "2"),
                                            ("processes", "1"), ("processes", "2")]
    assert all(r[-1] == "done" for r in rows), rows
    assert all("ok" in r for r in rows), rows
    for r in rows:
        method = r[3]
        assert method == (startmethods.default() if r[1] == "processes" else "-"), r
    assert "Traceback" not in p.stderr


def test_bench_json_document(bench_json) -> None:
    _, doc = bench_json
    for key in ("concgui", "python", "gil_enabled", "cpus", "runs"):
        assert key in doc, key
    assert doc["concgui"] == __version__
    assert platform.python_version() in json.dumps(doc["python"])
    assert doc["gil_enabled"] in (True, False)
    assert json.dumps(doc["cpus"])  # present; a count or an object with counts
    runs = doc["runs"]
    assert [(r["mode"], r["workers"]) for r in runs] == [("serial", 1), ("threads", 1), ("threads", 2),
                                                         ("processes", 1), ("processes", 2)]
    for r in runs:
        for key in ("workload", "mode", "workers", "tasks", "size", "start_method", "wall_s", "cpu_s",
                    "speedup", "efficiency", "results_ok", "status"):
            assert key in r, (key, r)
        assert r["workload"] == "cpu-python"
        assert r["tasks"] == 6 and r["size"] == 20000
        assert r["status"] == "done"
        assert r["results_ok"] is True, r
        assert r["wall_s"] > 0 and math.isfinite(r["wall_s"])
        assert r["cpu_s"] >= 0
        assert r["speedup"] > 0
        assert r["efficiency"] == pytest.approx(r["speedup"] / r["workers"], rel=0.05, abs=0.01)
        if r["mode"] == "processes":
            assert r["start_method"] == startmethods.default()
        else:
            assert r["start_method"] is None
    serial = runs[0]
    assert serial["speedup"] == 1.0
    assert serial["efficiency"] == pytest.approx(1.0)


def test_bench_repeats_are_medians_with_their_samples_spread_load_and_a_verdict(bench_json) -> None:
    p, doc = bench_json
    assert doc["repeats"] == 3
    for r in doc["runs"]:
        samples = r["samples_wall_s"]
        assert len(samples) == 3 and r["wall_s"] == sorted(samples)[1]  # the median
        assert r["spread"] == pytest.approx((max(samples) - min(samples)) / 2 / r["wall_s"])
        assert r["other_load_cores"] is None or r["other_load_cores"] >= 0
    v = doc["verdict"]
    assert set(v) == {"winner", "clear", "rule"} and "spreads" in v["rule"]
    assert (v["winner"] is not None) == v["clear"]
    assert [ln for ln in p.stdout.splitlines() if ln.startswith("Verdict: ")]
    assert "± " in p.stdout and "(×3)" in p.stdout


def test_bench_repeats_out_of_range_is_one_line_and_exit_2() -> None:
    p = concgui("bench", *SMALL, "--repeats", "0")
    assert p.returncode == 2 and p.stderr.strip().count("\n") == 0 and "--repeats" in p.stderr


def test_bench_explicit_start_method(tmp_path: Path) -> None:
    method = "spawn" if "spawn" in startmethods.available() else startmethods.default()
    out = tmp_path / "r.json"
    p = concgui("bench", *SMALL, "--modes", "serial,processes", "--workers", "2", "--start-method", method,
                "--json", str(out))
    assert p.returncode == 0, p.stderr
    runs = json.loads(out.read_text())["runs"]
    assert [r["start_method"] for r in runs] == [None, method]
    assert all(r["results_ok"] is True for r in runs)


def test_bench_without_json_writes_nothing(tmp_path: Path) -> None:
    p = concgui("bench", "--workload", "io-sleep", "--tasks", "4", "--size", "10", "--modes", "serial,threads",
                "--workers", "2")
    assert p.returncode == 0, p.stderr
    assert sum(ln.startswith("io-sleep") for ln in p.stdout.splitlines()) == 2


BAD = [
    pytest.param(["bench", *SMALL, "--workers", "0"], id="workers-0"),
    pytest.param(["bench", *SMALL, "--workers", "-3"], id="workers-neg"),
    pytest.param(["bench", *SMALL, "--workers", "100000"], id="workers-huge"),
    pytest.param(["bench", *SMALL, "--workers", "abc"], id="workers-abc"),
    pytest.param(["bench", *SMALL, "--workers", "1,abc"], id="workers-list-abc"),
    pytest.param(["bench", *SMALL, "--modes", "processes", "--workers", "100000"], id="workers-huge-processes"),
    pytest.param(["bench", "--workload", "nope", "--tasks", "2"], id="unknown-workload"),
    pytest.param(["bench", *SMALL, "--modes", "serial,fibers"], id="unknown-mode"),
    pytest.param(["bench", *SMALL, "--modes", ","], id="no-modes"),
    pytest.param(["bench", "--workload", "cpu-python", "--tasks", "2", "--size", "0"], id="size-0"),
    pytest.param(["bench", "--workload", "cpu-python", "--tasks", "2", "--size", "-5"], id="size-neg"),
    pytest.param(["bench", "--workload", "cpu-python", "--tasks", "0", "--size", "10"], id="tasks-0"),
    pytest.param(["bench", "--workload", "cpu-python", "--tasks", "x", "--size", "10"], id="tasks-abc"),
    pytest.param(["bench", *SMALL, "--json", "/proc/nope/x.json"], id="json-unwritable"),
    pytest.param(["bench", *SMALL, "--json", "{tmp}"], id="json-directory"),
    pytest.param(["bench", *SMALL, "--start-method", "teleport"], id="start-method-unknown"),
    pytest.param(["bench", *SMALL, "--modes", "serial,threads", "--start-method", "spawn"],
                 id="start-method-without-processes"),
    pytest.param(["bench", *SMALL, "--bogus-flag"], id="unknown-flag"),
    pytest.param(["bench", *SMALL, "--modes", "serial,threads", "--threads-per-worker", "2"],
                 id="threads-per-worker-without-dask"),
    pytest.param(["bench", *SMALL, "--modes", "serial,dask", "--scheduler", "127.0.0.1:8786"],
                 id="scheduler-no-scheme"),
    pytest.param(["bench", *SMALL, "--modes", "dask", "--threads-per-worker", "0"], id="dask-threads-0"),
    pytest.param(["bench", *SMALL, "--modes", "dask", "--start-method", "spawn"], id="dask-start-method"),
    pytest.param(["frobnicate"], id="unknown-command"),
]


@pytest.mark.parametrize("args", BAD)
def test_bad_input_exits_2_with_one_line(args: list[str], tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    p = concgui(*args, timeout=30)
    assert p.returncode == 2, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    assert lines[0].strip()
    # Nothing ran: no result rows were printed.
    assert not any(ln.startswith("cpu-python") for ln in p.stdout.splitlines()), p.stdout
    assert list(tmp_path.iterdir()) == []  # and no JSON file was left behind


def test_bad_workers_for_serial_only_bench() -> None:
    """--workers is checked even when only serial runs (it would be ignored there)."""
    p = concgui("bench", *SMALL, "--modes", "serial", "--workers", "0", timeout=30)
    assert p.returncode == 2, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr


def _session_members(sid: int) -> list[psutil.Process]:
    out = []
    for q in psutil.process_iter():
        try:
            if os.getsid(q.pid) == sid and q.status() != psutil.STATUS_ZOMBIE:
                out.append(q)
        except (OSError, psutil.Error):
            pass
    return out


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs POSIX process groups")
def test_ctrl_c_during_a_process_run() -> None:
    """Ctrl+C (SIGINT to the whole process group): exit 130, one line, no orphaned workers."""
    import signal
    import time

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    p = subprocess.Popen(
        [sys.executable, "-m", "concgui", "bench", "--workload", "io-sleep", "--modes", "processes",
         "--workers", "2", "--tasks", "40", "--size", "500"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        me = psutil.Process(p.pid)
        deadline = time.monotonic() + 30
        while True:  # until both pool workers run their loop (they start a parent-watch thread first)
            try:
                kids = me.children(recursive=True)
                workers = [k for k in kids if k.ppid() != p.pid or "spawn_main" in " ".join(k.cmdline())]
                ready = len(workers) >= 2 and all(k.num_threads() >= 2 for k in workers)
            except psutil.Error:
                ready = False
            if ready:
                break
            assert p.poll() is None, p.communicate()
            assert time.monotonic() < deadline, "the pool never started"
            time.sleep(0.02)  # poll interval
        os.killpg(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
    assert p.returncode == 130, (out, err)
    assert err.strip().splitlines() == ["concgui: interrupted"], err
    left = wait_gone(_session_members(p.pid), timeout=5)
    kill(left)
    assert not left, [(q.pid, q.cmdline()) for q in left]


def test_a_reader_that_goes_away_ends_the_cli_quietly() -> None:
    """``concgui bench | head -1``: no traceback when the pipe closes, and the shell's SIGPIPE status."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    p = subprocess.Popen([sys.executable, "-m", "concgui", "bench", *SMALL, "--modes", "serial", "--repeats", "1"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader is gone before the table is printed
    _, err = p.communicate(timeout=60)
    assert p.returncode == 141, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err
