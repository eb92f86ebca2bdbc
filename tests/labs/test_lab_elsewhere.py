"""A lab on another Python: the race lab as a free-threaded 3.14t would run it, here on pyenv's Pythons.

The other interpreter writes the summary and the explanation itself, so what
they say about the GIL is its own (on a 3.14t: that it is off, and a bare
``counter += 1`` loses updates). Add a free-threaded build with
``$CONCGUI_TEST_PYTHONS`` to see that for real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.engine.test_other_pythons import OTHERS

ROOT = Path(__file__).resolve().parents[2]


def concgui(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "concgui", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("info", OTHERS, ids=[i.version + ("t" if i.free_threaded else "") for i in OTHERS])
def test_the_race_lab_runs_on_another_python_and_speaks_for_it(info, tmp_path: Path) -> None:
    out = tmp_path / "race.json"
    p = concgui("lab", "race", "--python", info.executable, "--mode", "both", "--workers", "2", "--increments",
                "300", "--explain", "--json", str(out))
    assert p.returncode == 0, p.stderr
    first = p.stdout.splitlines()[0]
    gil = "on" if info.gil_enabled else "off"
    assert first == (f"Race condition on Python {info.version}{'t' if info.free_threaded else ''}, GIL {gil}: "
                     f"{info.executable}")
    assert f"This is Python {info.version}" in p.stdout  # the explanation is that Python's own
    doc = json.loads(out.read_text())
    assert doc["interpreter"] == {"executable": info.executable, "version": info.version,
                                  "free_threaded": info.free_threaded}
    assert doc["gil_enabled"] is info.gil_enabled
    outcomes = {o["variant"]: o for o in doc["result"]["outcomes"]}
    assert outcomes["threads, with a lock"]["actual"] == 600 and outcomes["processes, with a lock"]["actual"] == 600
    assert outcomes["threads, no lock"]["actual"] <= 600


def test_a_bad_python_or_gil_switch_for_a_lab_is_one_line_and_exit_2(tmp_path: Path) -> None:
    p = concgui("lab", "race", "--python", str(tmp_path))
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip() == f"concgui: error: {tmp_path} is a folder, not a Python executable"
    p = concgui("lab", "race", "--python", sys.executable, "--gil", "0")
    assert p.returncode == 2 and "Disabling the GIL is not supported by this build" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
