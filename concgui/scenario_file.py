"""Scenarios from a JSON file: ``concgui gui --scenario-file FILE.json``.

A teacher can prepare a lesson's runs ahead of time. The file holds one
object (``runs`` is required, the rest optional)::

    {
      "name": "lesson-3",
      "summary": "hashing on threads vs processes",
      "runs": [
        {"workload": "cpu-hash", "mode": "serial", "tasks": 16, "size": 40},
        {"workload": "cpu-hash", "mode": "threads", "workers": 4, "tasks": 16, "size": 40},
        {"workload": "cpu-hash", "mode": "processes", "workers": 4, "tasks": 16, "size": 40,
         "start_method": "forkserver"}
      ]
    }

A run's keys are those of :class:`~concgui.engine.config.RunConfig`, plus
``kind`` (how the GUI runs it: see :data:`concgui.scenarios.KINDS`).
``where`` (serial and threads only) is ``"host"`` (the window's default: a worker
host process, as the terminal runs them) or ``"here"`` (QThreads or the run
driver in the window's own process, for a lesson about its GIL). Every
run is validated before the window opens; any problem is one sentence that
names the file and the run (:class:`ScenarioFileError`), which the CLI
prints with exit code 2. Plain data, no Qt.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields

from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.function_profile import FunctionRef
from concgui.scenarios import KINDS, Scenario

MAX_BYTES = 1_000_000
MAX_RUNS = 100
RUN_KEYS = tuple(f.name for f in fields(RunConfig)) + ("kind",)
TOP_KEYS = ("name", "summary", "runs")


class ScenarioFileError(ValueError):
    """The scenario file cannot be used; the message is meant for the user."""


def load_scenario_file(path: str | os.PathLike[str]) -> Scenario:
    """Read, check and return the scenario in ``path`` (raises ScenarioFileError)."""
    p = os.fspath(path)
    try:
        if os.path.isdir(p):
            raise ScenarioFileError(f"cannot read scenario file {p}: it is a folder")
        with open(p, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ScenarioFileError(f"cannot read scenario file {p}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioFileError(f"scenario file {p} is larger than {MAX_BYTES:,} bytes")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioFileError(f"scenario file {p} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ScenarioFileError(f"scenario file {p} is not valid JSON: {exc.msg} "
                                f"(line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ScenarioFileError(f"scenario file {p} is nested too deeply") from None
    return scenario_from_document(doc, where=f"scenario file {p}", base=os.path.dirname(os.path.abspath(p)))


def scenario_from_document(doc: object, where: str = "scenario", base: str | None = None) -> Scenario:
    """The Scenario described by a parsed JSON document (raises ScenarioFileError).

    ``base``: the folder a run's function ``path`` is relative to (the file's own; None: the current one).
    """
    if not isinstance(doc, dict):
        raise ScenarioFileError(f"{where}: expected a JSON object with a \"runs\" list, "
                                f"not {_json_type(doc)}")
    unknown = [k for k in doc if k not in TOP_KEYS]
    if unknown:
        raise ScenarioFileError(f"{where}: unknown key {unknown[0]!r}; expected: {', '.join(TOP_KEYS)}")
    name = doc.get("name", "file")
    summary = doc.get("summary", "runs from a scenario file")
    for key, value in (("name", name), ("summary", summary)):
        if not isinstance(value, str) or not value.strip():
            raise ScenarioFileError(f"{where}: {key!r} must be a non-empty string")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not runs:
        raise ScenarioFileError(f"{where}: \"runs\" must be a non-empty list of runs")
    if len(runs) > MAX_RUNS:
        raise ScenarioFileError(f"{where}: at most {MAX_RUNS} runs, not {len(runs):,}")
    configs, kinds = [], []
    for i, run in enumerate(runs, 1):
        at = f"{where}, run {i}"
        if not isinstance(run, dict):
            raise ScenarioFileError(f"{at}: expected an object, not {_json_type(run)}")
        bad = [k for k in run if k not in RUN_KEYS]
        if bad:
            raise ScenarioFileError(f"{at}: unknown key {bad[0]!r}; expected: {', '.join(RUN_KEYS)}")
        kind = run.get("kind", "normal")
        if kind not in KINDS:
            raise ScenarioFileError(f"{at}: unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
        values = {k: v for k, v in run.items() if k != "kind"}
        if "function" in values:
            values["function"] = _function_ref(values["function"], at, base)
        try:
            cfg = RunConfig(**values)
            cfg.validate()
        except ConfigError as exc:
            raise ScenarioFileError(f"{at}: {exc}") from None
        except TypeError as exc:  # e.g. an unhashable workload name (a list)
            raise ScenarioFileError(f"{at}: {exc}") from None
        configs.append(cfg)
        kinds.append(kind)
    return Scenario(name.strip(), summary.strip(), tuple(configs), tuple(kinds))


FUNCTION_KEYS = ("target", "path", "inputs", "items_file")


def _function_ref(value: object, at: str, base: str | None) -> FunctionRef:
    """A run's ``function``: ``"MODULE:FUNC"`` or ``{"target", "path", "inputs", "items_file"}``.

    Paths are relative to the scenario file's folder. Naming a function is
    asking to import and run it: see :func:`functions_named` for who allows that.
    """
    if isinstance(value, str):
        value = {"target": value}
    if not isinstance(value, dict):
        raise ScenarioFileError(f"{at}: \"function\" must be \"MODULE:FUNC\" or an object with "
                                f"{', '.join(FUNCTION_KEYS)}, not {_json_type(value)}")
    bad = [k for k in value if k not in FUNCTION_KEYS]
    if bad or not isinstance(value.get("target"), str):
        raise ScenarioFileError(f"{at}: \"function\" needs a \"target\" (MODULE:FUNC) and may have "
                                f"{', '.join(FUNCTION_KEYS[1:])}" + (f"; not {bad[0]!r}" if bad else ""))
    for key in ("path", "inputs", "items_file"):
        if value.get(key) is not None and not isinstance(value[key], str):
            raise ScenarioFileError(f"{at}: the function's {key!r} must be a string")
    where = base or os.getcwd()

    def at_base(p: str | None) -> str | None:
        return None if p is None else os.path.join(where, p)

    ref = FunctionRef(value["target"], at_base(value.get("path")) or where, value.get("inputs"),
                      at_base(value.get("items_file")))
    try:
        return ref.checked()
    except ConfigError as exc:
        raise ScenarioFileError(f"{at}: {exc}") from None


def functions_named(scenario: Scenario) -> list[FunctionRef]:
    """The developers' functions a scenario would import and run, each once, in order."""
    return list(dict.fromkeys(c.function for c in scenario.runs if c.function is not None))


def _json_type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)
