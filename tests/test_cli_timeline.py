"""``concgui bench --scale`` and ``--trace`` (issue 5), run as users run them."""

from __future__ import annotations

import json

from tests.test_cli import concgui

TINY = ["--workload", "cpu-python", "--tasks", "4", "--size", "5000"]


def test_bench_scale_prints_speedups_and_fit(tmp_path) -> None:
    out = tmp_path / "r.json"
    p = concgui("bench", *TINY, "--scale", "--workers", "1,2", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert "Amdahl" in p.stdout and "serial fraction f =" in p.stdout
    assert "threads    1→" in p.stdout and "processes  1→" in p.stdout
    doc = json.loads(out.read_text())
    assert [(r["mode"], r["workers"]) for r in doc["runs"]] == [
        ("serial", 1), ("threads", 1), ("threads", 2), ("processes", 1), ("processes", 2)]
    assert set(doc["scaling"]["fits"]) == {"threads", "processes"}
    assert concgui("bench", *TINY, "--scale", "--modes", "serial").returncode == 2


def test_bench_trace_writes_chrome_trace(tmp_path) -> None:
    out = tmp_path / "t.json"
    p = concgui("bench", *TINY, "--modes", "threads,processes", "--workers", "2", "--repeats", "1",
                "--trace", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    tasks = [e for e in doc["traceEvents"] if e["ph"] == "X" and e["name"].startswith("task ")]
    assert len(tasks) == 8 and all({"ts", "dur", "pid", "tid", "args"} <= set(e) for e in tasks)
    assert any(e["ph"] == "C" for e in doc["traceEvents"])
    assert concgui("bench", *TINY, "--trace", str(tmp_path / "missing" / "t.json")).returncode == 2
