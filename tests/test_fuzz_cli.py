"""Fuzz the entry points with hypothesis (issue 7): bad input is a message, never a crash.

``concgui.cli.main(argv)`` with random argument lists returns 0, 1 or 2, or
raises ``SystemExit(0)`` for ``--help``/``--version``; never another
exception. Nothing heavy runs: the engine's Runner, the labs and the window
are replaced by stand-ins that only check their input, and the working folder
is a temporary one (no generated token contains a ``/``, so any path it names
lands there).

Also fuzzed: scenario documents (``--scenario-file``), which must become a
Scenario or one ScenarioFileError sentence.
"""

from __future__ import annotations

import contextlib
import io
import json
import types

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concgui import cli
from concgui.engine.config import RunConfig
from concgui.engine.events import RunFinished, RunStarted, RunStatus
from concgui.scenario_file import RUN_KEYS, ScenarioFileError, scenario_from_document
from concgui.scenarios import Scenario

EXAMPLES = int(__import__("os").environ.get("CONCGUI_FUZZ_EXAMPLES", "200"))

COMMANDS = ["gui", "bench", "lab", "lesson", "info"]
LABS = ["race", "semaphore", "condition", "deadlock", "ipc", "subclass"]
OPTIONS = [
    "--workload", "--modes", "--workers", "--tasks", "--size", "--start-method", "--chunk-size", "--json",
    "--scenario", "--scenario-file", "--autorun", "--export", "--screenshot", "--quit-when-done", "--explain",
    "--increments", "--mode", "--no-yield", "--permits", "--rounds", "--hold-ms", "--variant", "--capacity",
    "--items", "--producers", "--consumers", "--produce-ms", "--consume-ms", "--timeout", "--no-fix",
    "--methods", "--min-size", "--max-size", "--factor", "--repeats", "--large-repeats", "-h", "--help",
    "--version", "--", "-", "--function", "--path", "--inputs", "--recommend", "--task-timeout",
    "--allow-functions", "--list", "--csv", "--lesson", "--step", "--answer", "--zoom",
]
VALUES = [
    "cpu-python", "cpu-hash", "io-sleep", "io-http", "crash", "nope", "serial", "threads", "processes",
    "serial,threads,processes", ",", "fork", "spawn", "forkserver", "compare", "freeze", "both", "queue",
    "condition", "shm,pipe", "0", "1", "2", "3", "-1", "1.5", "1e9", "nan", "inf", "-inf", "99999999999999999999",
    "1,2", "1,,x", "64M", "1K", "2.5G", "-3K", "x", "", " ", "out.json", "scenario.json", "é", "\t",
    "m:f", "json:dumps", "json:", ":f", "gil", "sync", "frozen-window", "mine.json", "deadlock, completes",
]
_safe_text = st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), max_size=10)
TOKEN = st.one_of(st.sampled_from(COMMANDS + LABS + OPTIONS + VALUES), _safe_text)
ARGV = st.one_of(
    st.lists(TOKEN, max_size=8),
    st.tuples(st.sampled_from(COMMANDS), st.lists(TOKEN, max_size=8)).map(lambda t: [t[0], *t[1]]),
    st.tuples(st.sampled_from(LABS), st.lists(TOKEN, max_size=8)).map(lambda t: ["lab", t[0], *t[1]]),
    # Your function: a real one of the standard library (profiled for real, in a fresh process), or none.
    st.tuples(st.sampled_from(["json:dumps", "m:f", "x", "json:nothing"]), st.lists(TOKEN, max_size=6)).map(
        lambda t: ["bench", "--function", t[0], *t[1]]),
)


class FakeRunner:
    """Runner stand-in: validates (as the real one does) and reports a finished run at once."""

    def __init__(self, *a, **k) -> None:
        self._n = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def close(self) -> None:
        pass

    def warm_up(self, config: RunConfig, cancel=None) -> None:
        config.validate()

    def run(self, config: RunConfig, on_event=lambda e: None, cancel=None) -> RunFinished:
        cfg = config.validate()
        self._n += 1
        on_event(RunStarted(self._n, 0.0, cfg.workload, cfg.mode, cfg.workers, cfg.tasks, cfg.size,
                            cfg.start_method, cfg.chunk_size))
        fin = RunFinished(self._n, 0.01, RunStatus.DONE, 0.01, 0.01, cfg.tasks, "digest")
        on_event(fin)
        return fin


class FakeResult:
    status = RunStatus.DONE
    error = None

    def __init__(self, params) -> None:
        self.params = params

    def as_dict(self) -> dict:
        return {"params": repr(self.params), "value": 1}


def _fake_lab(name: str) -> types.SimpleNamespace:
    from concgui import labs

    real = labs.LABS[name]
    import importlib

    module = importlib.import_module(real[0])
    return types.SimpleNamespace(
        **{real[1]: getattr(module, real[1])}, TITLE=f"{name} (stand-in)", run=FakeResult,
        summary=lambda result: ["ran"], explain=lambda result=None: "explained")


@pytest.fixture
def stand_ins(monkeypatch, tmp_path):
    """No real runs, labs or windows; a temporary working folder."""
    pytest.importorskip("PySide6")
    import concgui.gui.app
    from concgui import labs
    from concgui.engine import runner

    calls: list = []
    monkeypatch.setattr(runner, "Runner", FakeRunner)
    monkeypatch.setattr(labs, "load", _fake_lab)
    monkeypatch.setattr(concgui.gui.app, "main", lambda args: calls.append(args) or 0)
    monkeypatch.chdir(tmp_path)
    return calls


def _call(argv: list[str]) -> tuple[object, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result: object = cli.main(argv)
        except SystemExit as exc:
            result = exc
    return result, out.getvalue(), err.getvalue()


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=ARGV)
def test_any_command_line_ends_with_0_1_2_or_help(stand_ins, argv: list[str]) -> None:
    result, out, err = _call(argv)
    if isinstance(result, SystemExit):
        assert result.code in (0, None), (argv, result.code, err)
        assert out  # help or version text
        return
    assert result in (0, 1, 2), (argv, result)
    assert "Traceback" not in err and "Traceback" not in out, (argv, err)
    if result == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("concgui: error: "), (argv, err)


# --- scenario files --------------------------------------------------------------------------

_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                         st.floats(allow_nan=False), st.text(max_size=12))
_json = st.recursive(_json_scalar, lambda c: st.one_of(st.lists(c, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), c, max_size=4)),
                     max_leaves=12)
_run_value = st.one_of(_json_scalar, st.sampled_from(["cpu-python", "crash", "serial", "threads", "processes",
                                                      "forkserver", "spawn", "gui-thread", "normal", "flood"]),
                       st.integers(0, 40), _json)
_run = st.dictionaries(st.sampled_from([*RUN_KEYS, "bogus"]), _run_value, max_size=8)
_doc = st.one_of(
    _json,
    st.fixed_dictionaries({"runs": st.lists(_run, max_size=4)},
                          optional={"name": _json_scalar, "summary": _json_scalar, "extra": _json}),
)


@settings(max_examples=EXAMPLES)
@given(doc=_doc)
def test_any_scenario_document_is_a_scenario_or_one_sentence(doc: object) -> None:
    try:
        sc = scenario_from_document(doc)
    except ScenarioFileError as exc:
        text = str(exc)
        assert text and "Traceback" not in text
        return
    assert isinstance(sc, Scenario) and sc.runs
    for cfg in sc.runs:
        cfg.validate()  # every run the window would start is valid


BAD_FILES = {
    "malformed": ('{"runs": [', "not valid JSON"),
    "not-an-object": ("[1, 2]", "expected a JSON object"),
    "no-runs": ('{"name": "x"}', "\"runs\" must be a non-empty list"),
    "unknown-key": ('{"runs": [{"workload": "cpu-python", "wrokers": 2}]}', "unknown key 'wrokers'"),
    "bad-count": ('{"runs": [{"workload": "cpu-python", "mode": "threads", "workers": 0}]}',
                  "run 1: workers must be between"),
    "bad-size": ('{"runs": [{"workload": "cpu-python", "size": "big"}]}', "size must be a whole number"),
    "bad-name": ('{"runs": [{"workload": "cpu-pyhton"}]}', "unknown workload 'cpu-pyhton'"),
    "bad-kind": ('{"runs": [{"workload": "cpu-python", "kind": "fast"}]}', "unknown kind 'fast'"),
    "not-utf8": (b"\xff\xfe{", "not UTF-8"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_scenario_file_is_exit_2_with_one_line_and_no_window(stand_ins, tmp_path, name) -> None:
    content, says = BAD_FILES[name]
    f = tmp_path / "scenario.json"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content)
    result, _, err = _call(["gui", "--scenario-file", str(f), "--autorun"])
    assert result == 2
    assert len(err.strip().splitlines()) == 1 and says in err, err
    assert str(f) in err  # names the file
    assert stand_ins == []  # no window opened


def test_missing_folder_and_double_scenario_are_exit_2(stand_ins, tmp_path) -> None:
    for argv, says in ((["gui", "--scenario-file", "nope.json"], "cannot read scenario file"),
                       (["gui", "--scenario-file", str(tmp_path)], "it is a folder"),
                       (["gui", "--scenario", "compare", "--scenario-file", "x.json"], "not both")):
        result, _, err = _call(argv)
        assert result == 2 and says in err, (argv, err)
    assert stand_ins == []


def test_a_good_scenario_file_reaches_the_window(stand_ins, tmp_path) -> None:
    f = tmp_path / "lesson.json"
    f.write_text(json.dumps({"name": "lesson", "summary": "two ways", "runs": [
        {"workload": "cpu-hash", "mode": "serial", "tasks": 4, "size": 2},
        {"workload": "cpu-hash", "mode": "threads", "workers": 2, "tasks": 4, "size": 2, "kind": "normal"},
        {"workload": "cpu-python", "mode": "serial", "tasks": 4, "size": 2000, "kind": "gui-thread"},
    ]}))
    result, _, err = _call(["gui", "--scenario-file", str(f), "--autorun"])
    assert result == 0, err
    (args,) = stand_ins
    sc = args.scenario_object
    assert sc.name == "lesson" and len(sc.runs) == 3
    assert [k for _, k in sc.steps()] == ["normal", "normal", "gui-thread"]
