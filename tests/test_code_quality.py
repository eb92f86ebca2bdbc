"""The habits of the codebase, checked with the suite: ruff on everything, mypy on the engine.

Both read their settings from pyproject.toml, so a developer's editor and CI
agree on what they say.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(module: str, *args: str) -> subprocess.CompletedProcess:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (it is in the test extra)")
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_ruff_finds_nothing() -> None:
    p = _run("ruff", "check", "concgui", "tests", "benchmarks", "packaging", "dev.py")
    assert p.returncode == 0, p.stdout + p.stderr


def test_mypy_passes_on_the_engine() -> None:
    p = _run("mypy")  # files and options: [tool.mypy] in pyproject.toml
    assert p.returncode == 0, p.stdout + p.stderr
