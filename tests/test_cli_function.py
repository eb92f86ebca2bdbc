"""``concgui bench --function``: a developer's function from the command line, as they would try it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tests.test_cli import concgui

MODULE = '''
import hashlib

def digest(item):
    return hashlib.sha256(bytes(item["n"] % 256 for _ in range(20_000))).hexdigest()

def items():
    return [{"n": n} for n in range(6)]

def loop(i):
    acc = 0
    for k in range(20_000):
        acc = (acc * 31 + k + i) % 1_000_003
    return acc

square = lambda x: x * x
'''


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "cg_cli_tasks.py").write_text(textwrap.dedent(MODULE))
    return tmp_path


def one_error_line(p) -> str:
    assert p.returncode == 2, (p.stdout, p.stderr)
    lines = [ln for ln in p.stderr.splitlines() if not ln.startswith("profiling ")]
    assert len(lines) == 1 and lines[0].startswith("concgui: error: "), p.stderr
    assert "Traceback" not in p.stderr + p.stdout
    return lines[0]


def test_bench_profiles_recommends_runs_every_mode_and_checks_the_prediction(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "fn.json"
    p = concgui("bench", "--function", "cg_cli_tasks:digest", "--path", str(folder), "--inputs",
                "cg_cli_tasks:items", "--workers", "2", "--repeats", "1", "--json", str(out), timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Profile of cg_cli_tasks:digest" in p.stdout and "Recommended: run it" in p.stdout
    assert "Predicted against measured:" in p.stdout
    doc = json.loads(out.read_text())
    rec = doc["recommendation"]
    assert set(rec) >= {"mode", "reasons", "predicted_speedup", "chunk_size"} and rec["reasons"]
    assert set(rec["predicted_speedup"]) >= {"serial", "threads", "processes"}
    assert [r["mode"] for r in doc["runs"]][:3] == ["serial", "threads", "processes"]
    assert all(r["results_ok"] for r in doc["runs"] if r["mode"] != "serial")
    assert all(r["workload"] == "function:cg_cli_tasks:digest" and r["tasks"] == 6 for r in doc["runs"])
    assert doc["profile"]["items"] == 6 and doc["nondeterministic"] is False
    assert {c["mode"] for c in doc["prediction_check"]} >= {"threads", "processes"}


def test_recommend_alone_runs_nothing(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "rec.json"
    p = concgui("bench", "--function", "cg_cli_tasks:loop", "--path", str(folder), "--tasks", "4",
                "--recommend", "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    assert doc["runs"] == [] and doc["recommendation"]["mode"] in ("serial", "threads", "processes")
    assert "wall s" not in p.stdout  # no table: nothing ran


@pytest.mark.parametrize("args, words", [
    (["--function", "cg_no_such_module:f"], "cannot import cg_no_such_module: ModuleNotFoundError"),
    (["--function", "cg_cli_tasks:nothing"], "cg_cli_tasks has no function 'nothing'"),
    (["--function", "cg_cli_tasks:square", "--modes", "serial,processes"], "the function 'square' is a lambda"),
    (["--function", "nocolon"], "your function is named as MODULE:FUNCTION"),
    (["--path", "."], "--path only applies with --function"),
    (["--function", "cg_cli_tasks:loop", "--size", "3"], "--size does not apply to your function"),
])
def test_bad_functions_get_one_line_and_exit_2(folder: Path, args: list[str], words: str) -> None:
    p = concgui("bench", "--path", str(folder), *args) if "--path" not in args else concgui("bench", *args)
    assert words in one_error_line(p)


def test_a_scenario_file_runs_your_code_only_when_allowed(folder: Path, tmp_path: Path) -> None:
    f = tmp_path / "lesson.json"
    f.write_text(json.dumps({"runs": [{"workload": "function", "mode": "serial", "tasks": 3,
                                       "function": {"target": "cg_cli_tasks:loop", "path": "."}}]}))
    p = concgui("gui", "--scenario-file", str(f), "--autorun", "--quit-when-done")
    assert "add --allow-functions" in one_error_line(p) and "cg_cli_tasks:loop" in p.stderr


def test_a_function_whose_results_vary_is_compared_by_count(tmp_path: Path) -> None:
    (tmp_path / "cg_cli_random.py").write_text("import random\ndef f(i):\n    return random.random()\n")
    out = tmp_path / "r.json"
    p = concgui("bench", "--function", "cg_cli_random:f", "--path", str(tmp_path), "--tasks", "4",
                "--modes", "serial,threads", "--repeats", "2", "--json", str(out))
    assert p.returncode == 0, p.stderr
    assert "it is not deterministic, so results are compared by their count only" in p.stdout
    doc = json.loads(out.read_text())
    assert doc["nondeterministic"] is True and doc["runs"][1]["results_ok"] is True


def test_a_function_that_fails_later_prints_its_first_traceback_once(tmp_path: Path) -> None:
    (tmp_path / "cg_cli_late.py").write_text(
        "def f(i):\n    if i == 7:\n        raise ValueError('seven')\n    return i\n")
    p = concgui("bench", "--function", "cg_cli_late:f", "--path", str(tmp_path), "--tasks", "20",
                "--modes", "serial,processes", "--repeats", "1", timeout=120)
    assert p.returncode == 1  # the runs failed: not bad input
    assert p.stderr.count("Traceback (most recent call last)") == 1 and "raise ValueError('seven')" in p.stderr
    assert p.stderr.count("error: ValueError: seven") == 2
