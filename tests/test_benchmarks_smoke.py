"""The benchmark harness runs and writes its report: content only, never timings.

Speed claims are checked by ``python3 dev.py bench`` on purpose (timings vary
with the machine and its load); this test only makes sure the fast headless
sections run end to end in ``--quick`` mode and produce a row each plus the
markdown table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("overhead", "pool-start", "tiny-tasks", "telemetry", "your-function", "lessons")


def _quick_bench(sections: tuple[str, ...], out: Path, timeout: int) -> None:
    """``benchmarks/run.py --quick --only SECTIONS --out OUT``, which must succeed."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    p = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--only", ",".join(sections),
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )
    assert p.returncode == 0, f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}"


@pytest.mark.timeout(200)
def test_quick_headless_sections_write_json_and_markdown(tmp_path: Path) -> None:
    _quick_bench(SECTIONS, tmp_path, 150)
    jsons = list(tmp_path.glob("bench-*.json"))
    mds = list(tmp_path.glob("bench-*.md"))
    assert len(jsons) == 1 and len(mds) == 1, sorted(x.name for x in tmp_path.iterdir())

    doc = json.loads(jsons[0].read_text())
    assert doc["machine"]["logical_cores"] == os.cpu_count()
    rows = doc["rows"]
    for section in SECTIONS:
        assert [r for r in rows if r["section"] == section], f"no rows for {section}"
    for r in rows:
        assert set(r) >= {"section", "what", "measured", "target", "met", "note", "value"}
        assert r["what"] and r["measured"]
        assert not r["measured"].startswith("failed"), r

    # The ratios the sections exist for are there (values, not their size).
    def has(section: str, words: str) -> bool:
        return any(r["section"] == section and words in r["what"] for r in rows)

    assert has("overhead", "processes") and has("overhead", "threads")
    assert has("overhead", "joblib")  # measured, or "skipped: joblib not installed"
    assert has("pool-start", "cold") and has("pool-start", "warm")
    assert has("tiny-tasks", "batches")
    assert has("telemetry", "sampler")
    assert has("your-function", "concgui / bare executor") and has("your-function", "predicted against measured")
    assert has("lessons", "steps that held on this machine")
    batches = [r for r in rows if r["section"] == "tiny-tasks" and "batches" in r["what"]]
    assert all(isinstance(r["value"], (int, float)) and r["value"] >= 1 for r in batches)
    # Instructions per task, concgui's thread run over the bare executor's (or skipped without valgrind):
    # concgui runs the same tasks plus its bookkeeping, so a count below the bare one is a broken count.
    counted = [r for r in rows if r["section"] == "tiny-tasks" and "instructions per" in r["what"]]
    assert len(counted) == 1
    assert counted[0]["measured"].startswith("skipped") or 1.0 <= counted[0]["value"] < 1.5, counted[0]

    md = mds[0].read_text()
    assert "| section | what | measured | target | met |" in md
    assert "|---|---|---|---|---|" in md
    for section in SECTIONS:
        assert f"| {section} |" in md
    assert "Machine:" in md


@pytest.mark.timeout(300)  # its child's own limit is 240 s (three Qt sections), past the suite's 120 s default
def test_quick_window_sections_drive_the_real_window_to_the_end(tmp_path: Path) -> None:
    """The Qt sections drive MainWindow and its session as a user would: a change there must not
    turn their rows into quiet skips (a crash in the child is reported as "failed")."""
    sections = ("ui-latency", "gil-footprint", "presentation")
    _quick_bench(sections, tmp_path, 240)
    rows = json.loads(next(tmp_path.glob("bench-*.json")).read_text())["rows"]
    for section in sections:
        got = [r for r in rows if r["section"] == section]
        assert len(got) >= 3, got  # the whole child ran, not one "skipped" row
    for r in rows:
        assert not r["measured"].startswith(("failed", "skipped")), r
    from concgui.engine import dask_cluster

    if dask_cluster.available():  # the window's dask run against the terminal's, its client in the worker host
        assert [r for r in rows if r["section"] == "gil-footprint" and "a dask run in the window" in r["what"]]


@pytest.mark.timeout(200)
def test_quick_dask_section_measures_its_three_targets(tmp_path: Path) -> None:
    """The dask section (a real LocalCluster on 127.0.0.1 per run): its rows are there, measured, results equal."""
    _quick_bench(("dask",), tmp_path, 180)
    rows = json.loads(next(tmp_path.glob("bench-*.json")).read_text())["rows"]
    whats = [r["what"] for r in rows if r["section"] == "dask"]
    for words in ("serial / dask wall", "bare client.map + gather", "cluster start", "each Dask task cost",
                  "concgui bench --workload cpu-python --modes serial,dask --workers 2 --tasks 16"):
        assert any(words in w for w in whats), (words, whats)
    assert not [r for r in rows if "DIFFER" in r["measured"] + r["note"]], rows  # results equal everywhere
