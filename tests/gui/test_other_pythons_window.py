"""The window on other Pythons: the Python box, subinterpreters, and one comparison across two interpreters.

Uses the pyenv Pythons found on the machine (and ``$CONCGUI_TEST_PYTHONS``);
skips, saying why, where none is found.
"""

from __future__ import annotations

import os

import psutil
import pytest

from concgui.engine.pythons import PythonInfo, this_python
from concgui.gui.main_window import MainWindow
from concgui.gui.python_chooser import item_text, item_tooltip
from concgui.gui.results_table import COLUMNS

from tests.engine.test_other_pythons import OTHERS

from tests.helpers import wait_gone

from ._util import LONG, RUN_TIMEOUT_MS, configure, record_progress, run_batch

#: Small enough for seconds on 2 cores, big enough that processes are not all start-up.
TINY = dict(workload="cpu-python", tasks=4, size=20_000)


def _listed(qtbot, window) -> None:
    """Wait until the Python box has every interpreter found (the search runs off the GUI thread)."""
    box = window.controls.python
    qtbot.waitUntil(lambda: box.listed, timeout=30_000)


def _with_subinterpreters() -> PythonInfo:
    found = [p for p in OTHERS if p.per_interpreter_gil]
    if not found:
        pytest.skip("no Python 3.12+ found besides this one (pyenv versions/ or $CONCGUI_TEST_PYTHONS)")
    return found[-1]


def test_the_python_box_lists_this_python_first_then_the_others(qtbot, window) -> None:
    _listed(qtbot, window)
    box = window.controls.python
    me = this_python()
    assert box.itemData(0) == me.executable and box.itemText(0).startswith(f"This Python {me.version}")
    assert box.executable() is None  # this one: runs as always
    listed = {info.executable for info in box.others()}
    assert {p.executable for p in OTHERS} <= listed
    assert not any(info.is_this for info in box.others())


def test_a_free_threaded_python_is_named_so_and_gets_the_gil_switch(qtbot, window) -> None:
    _listed(qtbot, window)
    ft = PythonInfo("/opt/py/bin/python3.14t", "3.14.0", free_threaded=True, gil_enabled=False,
                    per_interpreter_gil=True, interpreter_pool=True, subinterpreters="concurrent.interpreters")
    assert item_text(ft, False) == "Python 3.14.0t (free-threaded)"
    assert item_tooltip(ft).endswith("free-threaded build, GIL off; subinterpreters with their own GIL")
    c = window.controls
    assert c.gil.isHidden()  # a normal build has no switch
    c.python.add(ft)
    c.python.setCurrentIndex(c.python.count() - 1)
    assert not c.gil.isHidden()
    c.gil.setCurrentIndex(c.gil.findData("0"))
    cfg = c.config()
    assert cfg.python == ft.executable and cfg.gil == "0"
    c.python.setCurrentIndex(0)
    assert c.gil.isHidden() and c.config().gil is None


def test_the_window_modes_stay_on_this_python_and_say_so(qtbot, window) -> None:
    _listed(qtbot, window)
    other = _with_subinterpreters()
    c = window.controls
    assert c.python.choose(other.executable)
    configure(window, **TINY, mode="qthreads")
    assert c.config().python is None
    assert "on this Python whatever the Python box says" in c.mode_hint.text()
    configure(window, **TINY, mode="processes")
    cfg = c.config()
    assert cfg.python == other.executable and cfg.start_method is None
    assert not c.start_method.isEnabled()  # another Python's workers start fresh: no start method to pick


@pytest.mark.skipif(this_python().per_interpreter_gil, reason="this Python has subinterpreters")
def test_subinterpreters_on_this_python_get_one_sentence_and_results_stay(qtbot, window) -> None:
    configure(window, **TINY, mode="processes")
    assert run_batch(qtbot, window, window.start_run).ok
    configure(window, **TINY, mode="interpreters")
    assert "has no subinterpreters with their own GIL" in window.controls.mode_hint.text()
    assert not window.start_run()
    message = window.controls.message.text()
    assert message.startswith("Cannot run: the interpreters mode needs Python 3.12 or newer")
    assert message.count(".") >= 1 and "\n" not in message
    assert len(window.session.results.rows) == 1  # the run already shown stays


def test_compare_across_this_python_and_another_groups_by_python(qtbot, window) -> None:
    _listed(qtbot, window)
    other = _with_subinterpreters()
    configure(window, **TINY, mode="interpreters")
    assert window.controls.python.choose(other.executable)
    assert run_batch(qtbot, window, window.start_compare).ok
    records = window.session.results.records
    me = this_python()
    mine = ["serial", "threads", "processes"] + (["interpreters"] if me.per_interpreter_gil else [])
    assert [(r.python["version"], r.mode) for r in records] == (
        [(me.version, m) for m in mine] + [(other.version, m) for m in
                                            ("serial", "threads", "processes", "interpreters")])
    assert all(r.results_ok for r in records) and len({r.digest for r in records}) == 1
    # Each speedup is against the serial run of its own Python.
    theirs = [r for r in records if r.python["version"] == other.version]
    assert theirs[0].speedup == 1.0 and theirs[1].speedup == pytest.approx(theirs[0].wall_s / theirs[1].wall_s)
    # One chart of them all, grouped by Python, each bar named with its Python.
    shown = window.comparison.records
    assert shown == records
    names = window.comparison._names
    minor = {p.version: ".".join(p.version.split(".")[:2]) for p in (me, other)}
    assert names[0] == f"serial · {minor[me.version]}" and names[-1].endswith(f" · {minor[other.version]}")
    text = window.comparison.text.toPlainText()
    assert f"On Python {me.version} (normal build, GIL on; the Python running concgui):" in text
    assert f"On Python {other.version} (normal build, GIL on; {other.executable}):" in text
    assert "Across Pythons: the same serial work took" in text
    assert "identical results on every Python" in text
    # The table says which Python ran each row.
    col = [name for name, _, _ in COLUMNS].index("Python")
    assert window.session.results.text(len(records) - 1, "Python") == other.version and col > 0


def _window_on(qtbot, python: str | None) -> MainWindow:
    """A new window, shown, its Pythons listed, with ``python`` chosen (None: whatever it remembered)."""
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    _listed(qtbot, w)
    if python is not None:
        assert w.controls.python.choose(python)
    return w


def test_the_chosen_python_is_remembered_and_chosen_again_once_found(qtbot) -> None:
    other = _with_subinterpreters()
    _window_on(qtbot, other.executable).close()  # closing saves the settings

    again = _window_on(qtbot, None)
    try:
        assert again.controls.python.executable() == other.executable
        assert again.controls.config().python == other.executable or again.controls.gui_mode() in (
            "gui-thread", "qthreads")
    finally:
        again.shutdown()


@pytest.mark.parametrize("mode", ["threads", "interpreters"])
def test_closing_during_a_run_on_another_python_leaves_none_of_its_processes(qtbot, mode) -> None:
    other = _with_subinterpreters()
    w = _window_on(qtbot, other.executable)
    configure(w, **LONG, mode=mode)
    seen = record_progress(w)
    assert w.start_run()
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].done >= 1, timeout=RUN_TIMEOUT_MS)
    runner = w.session.driver.runner
    pids = [*(runner._pool.pids if runner._pool is not None else []), *([runner.host_pid] if runner.host_pid else [])]
    assert pids and all(os.path.realpath(psutil.Process(pid).exe()) == os.path.realpath(other.executable)
                        for pid in pids), "the run's processes are the other Python's"
    assert w.close()
    assert not wait_gone(pids, timeout=5), "a process of the other Python outlived the window"
