"""``concgui gui`` scenario driving, in-process."""

from __future__ import annotations

import argparse
import json

import pytest

from concgui.engine.config import RunConfig
from concgui.gui import app
from concgui.scenarios import Scenario


def _args(**kw):
    base = dict(scenario=None, autorun=False, export=None, screenshot=None, quit_when_done=False)
    base.update(kw)
    return argparse.Namespace(**base)


@pytest.fixture
def no_quit_on_close(qapp):
    """app.main closes its window; that must not post a quit into the next test's event loop."""
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(True)


def test_unknown_scenario_is_one_line_and_exit_2(capsys):
    assert app.main(_args(scenario="no-such-thing")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown scenario 'no-such-thing'" in err and "compare" in err


def test_scenario_runs_exports_screenshots_and_quits(qtbot, tmp_path, monkeypatch, no_quit_on_close):
    tiny = Scenario("tiny", "three small runs", tuple(
        RunConfig("cpu-python", m, 1 if m == "serial" else 2, 6, 20_000) for m in ("serial", "threads", "processes")))
    monkeypatch.setitem(app.SCENARIOS, "tiny", tiny)
    out, shot = tmp_path / "r.json", tmp_path / "s.png"
    code = app.main(_args(scenario="tiny", autorun=True, export=str(out), screenshot=str(shot), quit_when_done=True))
    assert code == 0
    doc = json.loads(out.read_text())
    assert [r["mode"] for r in doc["runs"]] == ["serial", "threads", "processes"]
    assert len({r["digest"] for r in doc["runs"]}) == 1
    assert all(r["status"] == "done" and "ui" in r for r in doc["runs"])
    assert shot.stat().st_size > 10_000  # a real picture of the window


def test_a_failing_export_makes_a_nonzero_exit(qtbot, tmp_path, monkeypatch, capsys, no_quit_on_close):
    tiny = Scenario("tiny", "one small run", (RunConfig("io-sleep", "threads", 2, 2, 10),))
    monkeypatch.setitem(app.SCENARIOS, "tiny", tiny)
    code = app.main(_args(scenario="tiny", autorun=True, export=str(tmp_path), quit_when_done=True))
    assert code == 1
    assert "cannot write" in capsys.readouterr().err


def test_icon_loads_when_present_and_is_optional(qapp):
    icon = app.load_icon()
    assert icon is not None and not icon.isNull()  # concgui/resources/icons ships with the package
