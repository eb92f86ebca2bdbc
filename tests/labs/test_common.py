"""What every lab promises: Qt-free, the same shape, JSON-ready results, true explanations."""

from __future__ import annotations

import dataclasses
import inspect
import json
import platform
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from concgui import labs
from concgui.engine.events import RunStatus

ROOT = Path(__file__).resolve().parents[2]
QT_ROOTS = ("PySide6", "shiboken6", "pyqtgraph")

#: Small params per lab, so the whole set runs in a couple of seconds.
SMALL = {
    "race": {"workers": 2, "increments": 100, "mode": "threads"},
    "semaphore": {"permits": 2, "workers": 3, "rounds": 1, "hold_s": 0.01},
    "condition": {"items": 20, "produce_s": 0.0, "consume_s": 0.001},
    "deadlock": {"timeout_s": 0.1, "hold_s": 0.0, "rounds": 2},
    "ipc": {"min_size": 1024, "max_size": 4096, "repeats": 1},
    "subclass": {"tasks": 2, "size": 1000, "mode": "threads"},
}


def test_every_lab_is_listed() -> None:
    assert set(SMALL) == set(labs.LABS)


def test_labs_import_no_qt_in_a_fresh_interpreter() -> None:
    script = textwrap.dedent(f"""
        import json, sys
        from concgui import labs
        for name in labs.LABS:
            labs.load(name)
        print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {QT_ROOTS!r})))
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_no_qt_in_the_labs_source() -> None:
    for path in (ROOT / "concgui" / "labs").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in QT_ROOTS:
            assert word not in text, f"{path.name} mentions {word}"


@pytest.mark.parametrize("name", sorted(SMALL))
def test_lab_shape_and_json(name: str) -> None:
    module = labs.load(name)
    params_cls = labs.params_class(name)
    params = params_cls(**SMALL[name])
    assert dataclasses.is_dataclass(params) and params_cls.__dataclass_params__.frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(params, dataclasses.fields(params)[0].name, None)
    threads: set[int] = set()
    events: list = []

    def on_event(ev) -> None:
        threads.add(threading.get_ident())
        events.append(ev)

    result = module.run(params, on_event, threading.Event())
    assert result.status is RunStatus.DONE
    assert events and threads == {threading.get_ident()}  # events arrive on the calling thread
    for ev in events:
        assert type(ev).__dataclass_params__.frozen, type(ev)
    assert type(result).__dataclass_params__.frozen
    doc = json.loads(json.dumps(result.as_dict()))
    assert doc["status"] == "done"
    assert doc["params"] == json.loads(json.dumps(dataclasses.asdict(params)))
    # The app shows the source of these functions, read from the running module.
    assert module.SOURCE_FUNCTIONS
    for fn in module.SOURCE_FUNCTIONS:
        assert inspect.getmodule(fn) is module
        assert inspect.getsource(fn).lstrip().startswith(("def ", "class "))
    # The explanation is about this interpreter and this result.
    assert module.EXPLANATION
    text = module.explain(result)
    assert platform.python_version() in text
    assert f"{sys.getswitchinterval() * 1000:g} ms" in text
    assert module.explain().startswith(module.EXPLANATION)
    assert module.summary(result) and all(isinstance(line, str) for line in module.summary(result))


def test_explanations_follow_the_switch_interval() -> None:
    race = labs.load("race")
    old = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.002)
        assert "switch interval is 2 ms" in race.explain()
    finally:
        sys.setswitchinterval(old)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_every_parameter_describes_itself(name: str) -> None:
    """Each field people set carries its Param; its default, its range ends and the form's start are accepted."""
    from concgui.labs.common import ConfigError, described

    params_cls = labs.params_class(name)
    described_names = [p.name for p in described(params_cls)]
    assert set(SMALL[name]) <= set(described_names)
    for p in described(params_cls):
        assert p.label and p.help, p.name
        assert p.default == next(f.default for f in dataclasses.fields(params_cls) if f.name == p.name)
        p.validate(p.default)
        p.validate(p.form_start)
        if p.kind in ("int", "float", "bytes"):
            p.validate(p.lo)
            p.validate(p.hi)
            with pytest.raises(ConfigError):
                p.validate(p.hi * 2 + 1)
        for v in p.values:  # every choice the form offers
            p.validate((v,) if p.kind == "multi" else v)
