"""The window's "Your function…": profiled first, compared, predicted beside measured, a report to copy."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from concgui.gui.controls import YOUR_FUNCTION

from ._util import RUN_TIMEOUT_MS as LONG

MODULE = '''
def work(i):
    acc = 0
    for k in range(3_000):
        acc = (acc * 31 + k + i) % 1_000_003
    return acc
'''


@pytest.fixture
def module(tmp_path: Path) -> tuple[str, str]:
    name = f"cg_window_fn_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULE))
    yield name, str(tmp_path)
    sys.modules.pop(name, None)


def _idle(window) -> bool:
    return not window.session.busy and not window.your_function.busy


def test_the_function_box_shows_only_for_your_function(qtbot, window, module) -> None:
    c = window.controls
    assert c.function_row.isHidden() and not c.size.isHidden()
    c.set_function(f"{module[0]}:work", module[1])
    assert c.workload.currentText() == YOUR_FUNCTION
    assert not c.function_row.isHidden() and c.size.isHidden() and c.badge.text() == "your code"
    assert "def work(i):" in window.workload_panel.source.toPlainText()  # read from the file
    assert module[0] not in sys.modules  # not imported to show it


def test_compare_profiles_then_sets_the_prediction_beside_the_measurement(qtbot, window, module) -> None:
    name, folder = module
    c = window.controls
    c.set_function(f"{name}:work", folder)
    c.tasks.setValue(6)
    c.workers.setValue(2)
    assert window.start_compare(anyway=True)
    assert window.your_function.busy and not c.compare_button.isEnabled()  # profiling first
    qtbot.waitUntil(lambda: _idle(window) and bool(window.comparison.records), timeout=LONG)
    text = window.comparison.text.toPlainText()
    assert text.startswith("Recommended: run it") and "Predicted against measured:" in text
    assert "calls of " in text and "All runs produced identical results" in text
    assert [r.mode for r in window.comparison.records] == ["serial", "threads", "processes"]
    assert window.comparison.title.text() == f"Comparison: 6 tasks of {name}:work"  # as a person reads it
    model = window.results_table.model()
    column = next(i for i in range(model.columnCount()) if model.headerData(i, Qt.Orientation.Horizontal) == "Workload")
    assert model.index(0, column).data() == f"{name}:work"
    assert window.comparison.report_button.isVisible()
    report = window.comparison.copy_report()
    assert report.startswith(f"### How to run `{name}:work`") and "| processes | 2 |" in report
    assert QGuiApplication.clipboard().text() == report
    assert name not in sys.modules  # the window never imported it: hosts and pools did
    assert "Profile of" in window.workload_panel.text.text()


def test_a_function_that_cannot_run_gets_a_sentence_and_keeps_what_was_shown(qtbot, window, module) -> None:
    name, folder = module
    c = window.controls
    c.set_function(f"{name}:work", folder)
    c.tasks.setValue(4)
    assert window.start_compare(anyway=True)
    qtbot.waitUntil(lambda: _idle(window) and bool(window.comparison.records), timeout=LONG)
    rows = len(window.session.results.rows)
    c.set_function(f"{name}:nowhere", folder)
    assert window.start_compare(anyway=True)
    qtbot.waitUntil(lambda: _idle(window) and c.message.isVisible(), timeout=LONG)
    assert c.message.text() == f"Your function cannot run: {name} has no function 'nowhere'."
    assert len(window.session.results.rows) == rows and c.compare_button.isEnabled()
    c.set_function("not a name", folder)
    assert window.start_run() is False  # validate's sentence, at once: nothing to profile
    assert "MODULE:FUNCTION" in c.message.text()


def test_cancel_stops_a_profile(qtbot, window, tmp_path) -> None:
    (tmp_path / "cg_window_slow.py").write_text("import time\ntime.sleep(30)\ndef f(i):\n    return i\n")
    c = window.controls
    c.set_function("cg_window_slow:f", str(tmp_path))
    assert window.start_run()
    assert window.your_function.busy
    window.cancel()
    qtbot.waitUntil(lambda: _idle(window) and c.run_button.isEnabled(), timeout=LONG)
    assert not c.message.isVisible() or "cannot run" not in c.message.text()


def test_a_scenario_naming_your_code_asks_before_it_is_opened(qtbot, window, module, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from concgui.engine.config import RunConfig
    from concgui.engine.function_profile import FunctionRef
    from concgui.gui.app import may_import
    from concgui.scenarios import Scenario

    name, folder = module
    ref = FunctionRef(f"{name}:work", folder)
    lesson = Scenario("mine", "your code", (RunConfig("function", "serial", 1, 3, function=ref),), ("normal",))
    asked: list[str] = []

    def answer(reply):
        def question(_parent, _title, text, *_args):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    assert not may_import(window, lesson, allowed=False)
    assert f"{name}:work, from {folder}" in asked[-1] and "not opened" in window.statusBar().currentMessage()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    assert may_import(window, lesson, allowed=False)
    assert may_import(window, lesson, allowed=True) and len(asked) == 2  # --allow-functions: no question
    plain = Scenario("plain", "ours", (RunConfig(),), ("normal",))
    assert may_import(window, plain, allowed=False) and len(asked) == 2
    assert name not in sys.modules


def test_your_function_is_remembered_but_not_imported(qtbot, module, isolated_settings) -> None:
    from concgui.gui.main_window import MainWindow
    from concgui.gui.settings import Settings, restore_window, save_window

    name, folder = module
    first = MainWindow()
    qtbot.addWidget(first)
    first.controls.set_function(f"{name}:work", folder)
    first.controls.tasks.setValue(7)
    save_window(first, first.controls, Settings())
    first.shutdown()
    second = MainWindow()
    qtbot.addWidget(second)
    restore_window(second, second.controls, Settings())
    c = second.controls
    assert c.workload.currentText() == YOUR_FUNCTION and c.function_edit.text() == f"{name}:work"
    assert c.function_folder == folder and c.tasks.value() == 7
    assert name not in sys.modules
    second.shutdown()


def test_your_function_never_runs_in_the_windows_own_process(qtbot, window, module) -> None:
    from concgui.gui.run_words import GuiMode

    name, folder = module
    c = window.controls
    c.set_function(f"{name}:work", folder)
    for mode in (GuiMode.GUI_THREAD, GuiMode.QTHREADS):
        c.mode.setCurrentIndex(c.mode.findData(mode.value))
        assert window.start_run() is False
        assert c.message.text().startswith("Your function runs in a worker host, a pool or a cluster, never in the "
                                           "window")
    assert not window.your_function.busy and name not in sys.modules


def test_a_scenario_cannot_run_your_function_in_the_window(qtbot, window, module) -> None:
    from concgui.engine.config import RunConfig
    from concgui.engine.function_profile import FunctionRef
    from concgui.scenarios import Scenario

    name, folder = module
    ref = FunctionRef(f"{name}:work", folder)
    lesson = Scenario("mine", "here", (RunConfig("function", "threads", 2, 3, function=ref, where="here"),),
                      ("normal",))
    assert window.run_scenario(lesson) is False
    assert "never in the window's own process" in window.controls.message.text()
    assert name not in sys.modules


def test_the_refusal_names_only_the_ways_this_app_can_take(monkeypatch) -> None:
    from concgui.engine import dask_cluster
    from concgui.engine.config import RunConfig
    from concgui.engine.function_profile import FunctionRef
    from concgui.gui.run_words import GuiMode
    from concgui.gui.your_function import YourFunction

    cfg = RunConfig("function", "threads", 2, 3, function=FunctionRef("m:f", "."), where="here")
    monkeypatch.setattr(dask_cluster, "available", lambda: True)
    assert YourFunction.refusal(cfg, GuiMode.QTHREADS.value).endswith("Subinterpreters or Dask in the Mode box.")
    monkeypatch.setattr(dask_cluster, "available", lambda: False)
    assert "Dask" not in YourFunction.refusal(cfg, GuiMode.QTHREADS.value)
    assert YourFunction.refusal(cfg, GuiMode.THREADS.value) is None  # the worker host: allowed


def test_a_function_that_raises_shows_its_traceback_in_details(qtbot, window, tmp_path) -> None:
    (tmp_path / "cg_window_raises.py").write_text(
        "def f(i):\n    if i == 0:\n        raise KeyError('no such key')\n    return i\n")
    c = window.controls
    c.set_function("cg_window_raises:f", str(tmp_path))
    c.tasks.setValue(3)
    assert window.start_run()
    qtbot.waitUntil(lambda: _idle(window) and c.message.isVisible(), timeout=LONG)
    assert c.message.text().startswith("Your function cannot run: the function raised on item 0 (0): KeyError")
    assert window.error_details.button.isVisibleTo(window) and "Traceback" in window.error_details.details
    assert "raise KeyError('no such key')" in window.error_details.details
