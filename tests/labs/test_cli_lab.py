"""``concgui lab ...``: readable output, JSON a view could draw, one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from concgui import __version__, cli

ROOT = Path(__file__).resolve().parents[2]


def concgui(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "concgui", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_race_json(tmp_path: Path) -> None:
    path = tmp_path / "race.json"
    p = concgui("lab", "race", "--workers", "3", "--increments", "1000", "--json", str(path))
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr and p.stderr == ""
    out = p.stdout
    for variant in ("threads, no lock", "threads, with a lock", "processes, no lock", "processes, with a lock"):
        assert variant in out
    assert f"wrote {path}" in out
    doc = json.loads(path.read_text())
    assert doc["concgui"] == __version__
    assert doc["lab"] == "race"
    assert doc["params"] == {"workers": 3, "increments": 1000, "mode": "both", "yield_point": True,
                             "start_method": None}
    res = doc["result"]
    assert res["status"] == "done"
    by = {o["variant"]: o for o in res["outcomes"]}
    assert set(by) == {"threads, no lock", "threads, with a lock", "processes, no lock", "processes, with a lock"}
    for o in by.values():
        assert o["expected"] == 3000 and o["lost"] == o["expected"] - o["actual"] and o["wall_s"] > 0
    assert by["threads, no lock"]["lost"] > 0 and by["processes, no lock"]["lost"] > 0
    assert by["threads, with a lock"]["lost"] == 0 and by["processes, with a lock"]["lost"] == 0
    assert res["start_method"] != "fork"
    assert "3.10" in doc["explanation"] and isinstance(doc["gil_enabled"], bool)


@pytest.mark.parametrize("args", [
    ["lab", "ipc", "--max-size", "256K", "--methods", "pipe,shm", "--repeats", "1"],
    ["lab", "deadlock", "--timeout", "0.1", "--hold-ms", "0", "--rounds", "2"],
    ["lab", "condition", "--variant", "queue", "--items", "20", "--produce-ms", "0", "--consume-ms", "1"],
    ["lab", "semaphore", "--permits", "2", "--workers", "4", "--rounds", "1", "--hold-ms", "10"],
    ["lab", "subclass", "--tasks", "2", "--size", "1000", "--mode", "threads", "--explain"],
    ["lab", "race", "--mode", "threads", "--no-yield", "--increments", "100"],
])
def test_each_lab_runs_from_the_cli(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "out.json"
    rc = cli.main([*args, "--json", str(path)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert err == ""
    doc = json.loads(path.read_text())
    assert doc["lab"] == args[1] and doc["result"]["status"] == "done"
    assert len(out.splitlines()) >= 3


@pytest.mark.parametrize("args", [
    ["lab"],
    ["lab", "nope"],
    ["lab", "race", "--workers", "0"],
    ["lab", "race", "--workers", "100000000"],
    ["lab", "race", "--workers", "many"],
    ["lab", "race", "--increments", "-3"],
    ["lab", "semaphore", "--permits", "0"],
    ["lab", "semaphore", "--hold-ms", "nan"],
    ["lab", "condition", "--capacity", "0"],
    ["lab", "condition", "--items", "99999999999"],
    ["lab", "deadlock", "--timeout", "1e9"],
    ["lab", "ipc", "--max-size", "2G"],
    ["lab", "ipc", "--max-size", "lots"],
    ["lab", "ipc", "--methods", "carrier-pigeon"],
    ["lab", "subclass", "--tasks", "0"],
    ["lab", "race", "--start-method", "teleport"],
    ["lab", "race", "--json", "/nonexistent-folder/x.json"],
    ["lab", "race", "--bogus"],
])
def test_bad_input_one_line_exit_2(args: list[str], capsys: pytest.CaptureFixture) -> None:
    rc = cli.main(args)
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("concgui: error: ") and "Traceback" not in err


def test_json_to_a_folder_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["lab", "deadlock", "--json", str(tmp_path)]) == 2
    assert "folder" in capsys.readouterr().err


def test_bad_input_in_a_real_process() -> None:
    p = concgui("lab", "semaphore", "--workers", "0")
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.strip().splitlines() == ["concgui: error: workers must be between 1 and 128, not 0"]


@pytest.mark.parametrize("name", ["race", "semaphore", "condition", "deadlock", "ipc", "subclass"])
def test_each_lab_parameter_is_an_option(name: str, capsys: pytest.CaptureFixture) -> None:
    """The options are made from the lab's Params: every described field has one, with its default in the help."""
    from concgui import labs
    from concgui.labs.common import described

    with pytest.raises(SystemExit) as info:
        cli.main(["lab", name, "--help"])
    assert info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for p in described(labs.params_class(name)):
        assert (p.option or "--" + p.name.replace("_", "-")) in text, p.name
        assert p.help in text, p.name
