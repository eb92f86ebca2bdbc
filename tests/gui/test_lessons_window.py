"""The lesson panel in the window: predict first, run the step as the window runs anything, reveal, point."""

from __future__ import annotations

import json

from concgui.gui.highlight import Highlighter
from concgui.lessons.catalog import find, load_file

TIMEOUT_MS = 60_000


def waits_step(tasks: int, size_ms: int, workers: int) -> dict:
    """A written step: ``tasks`` waits of ``size_ms`` serially, then on ``workers`` threads; speedup asked."""
    return {"title": "Waits", "set": {"run": {"workload": "io-sleep", "tasks": tasks, "size": size_ms,
                                              "modes": ["serial", "threads"], "workers": workers}},
            "ask": {"text": "How much faster?", "answer": "number", "unit": "×"},
            "measure": {"metric": "speedup", "mode": "threads"}, "expect": "overlapping-waits",
            "look_at": {"target": "timeline", "text": "The lanes."}, "try_next": "More."}


def open_step(window, lesson_id: str, step: int):
    panel = window.open_lesson(find(lesson_id))
    panel.show_step(step - 1)
    return panel


def run_and_reveal(qtbot, panel) -> None:
    with qtbot.waitSignal(panel.revealed, timeout=TIMEOUT_MS):
        panel.run_button.click()
        assert panel.running and panel.run_button.text() == "Cancel"


def test_the_panel_takes_the_settings_place_and_gives_it_back(qtbot, window) -> None:
    assert window.settings_scroll.isVisible()
    window.lesson_action.trigger()
    panel = window.lesson_panel
    assert panel is not None and window.lesson_dock.isVisible()
    assert not window.settings_scroll.isVisible()  # a lesson sets what it runs
    panel.settings_toggle.setChecked(True)
    assert window.settings_scroll.isVisible()
    panel.settings_toggle.setChecked(False)
    window.lesson_dock.close()
    qtbot.waitUntil(lambda: window.settings_scroll.isVisible())


def test_a_step_runs_only_after_a_prediction(window) -> None:
    panel = open_step(window, "gil", 1)
    assert not panel.run_button.isEnabled()
    panel.number.setText("fast")
    assert not panel.run_button.isEnabled()
    assert "is not an answer" in panel.message.text() and panel.message.isVisible()
    panel.number.setText("1, 1.5, 2")
    assert panel.run_button.isEnabled() and not panel.message.isVisible()
    assert "Runs: 16 × cpu-python (300,000): serial, then threads" in panel.setup_words.text()


def test_a_lab_step_runs_on_the_labs_tab_and_reveals_what_it_measured(qtbot, window) -> None:
    panel = open_step(window, "sync", 1)  # a semaphore of 3 shared by 8 workers
    panel.number.setText("8")
    run_and_reveal(qtbot, panel)
    assert window.tabs.currentWidget() is window.labs
    page = window.labs.page("semaphore")
    assert page.form.values()["permits"] == 3 and page.form.values()["workers"] == 8  # the form shows what ran
    result = panel.walkthrough.results[0]
    assert result.holds and result.measured.value == 3
    text = panel.reveal.text()
    assert "Measured 3 threads" in text and "✓ it held" in text and "You predicted 8 threads" in text
    assert "Look at:" in panel.look.text() and "Try next:" in panel.try_next.text()
    hl = window.lesson_driver.highlighter
    assert isinstance(hl, Highlighter) and hl.target is window.labs.current
    assert panel.run_button.text() == "Run again"


def test_a_workload_step_runs_its_modes_and_a_freeze_step_measures_the_window(qtbot, window, tmp_path) -> None:
    f = tmp_path / "mine.json"
    f.write_text(json.dumps({"id": "mine", "title": "Mine", "summary": "", "steps": [
        {"title": "Freeze", "set": {"run": {"workload": "io-sleep", "tasks": 3, "size": 100, "modes": ["serial"],
                                            "placement": "window-thread"}},
         "ask": {"text": "How long?", "answer": "number", "unit": "ms"}, "measure": "freeze-ms", "expect": "frozen",
         "look_at": {"target": "heartbeat", "text": "The spike."}, "try_next": "Processes."},
        waits_step(tasks=4, size_ms=50, workers=4)]}))
    panel = window.open_lesson(load_file(f))
    panel.number.setText("300")
    run_and_reveal(qtbot, panel)
    frozen = panel.walkthrough.results[0]
    assert frozen.measured is not None and frozen.measured.value >= 250  # three 100 ms waits on the GUI thread
    assert window.lesson_driver.highlighter.target is window.lateness_plot
    panel.next.click()
    panel.number.setText("3")
    run_and_reveal(qtbot, panel)
    waits = panel.walkthrough.results[1]
    assert waits.measured is not None and waits.measured.value > 1
    assert [r.record.mode for r in window.session.results.rows[-2:]] == ["serial", "threads"]
    assert window.comparison.records  # the comparison shows the step's runs
    assert window.lesson_driver.highlighter.target is window.timeline


def test_the_answers_sheet_and_reset(qtbot, window, tmp_path) -> None:
    panel = open_step(window, "sync", 3)
    panel.choose("completes")
    assert panel.walkthrough.answers[2] == ["completes"]
    out = tmp_path / "answers.csv"
    panel.export_csv(str(out))
    lines = out.read_text().splitlines()
    assert lines[0].startswith("lesson,step,title,question,answers") and len(lines) == 5
    assert ",completes," in lines[3]
    panel.reset()
    assert panel.walkthrough.index == 0 and not panel.walkthrough.answers


def test_a_busy_window_refuses_the_step_in_words(qtbot, window) -> None:
    panel = open_step(window, "race", 1)
    panel.number.setText("10")
    window.controls.tasks.setValue(40)
    window.controls.size.setValue(200)
    window.controls.workload.setCurrentIndex(window.controls.workload.findData("io-sleep"))
    assert window.start_run()
    panel.run_button.click()
    assert not panel.running and "still running" in panel.message.text()
    with qtbot.waitSignal(window.session.batch_finished, timeout=TIMEOUT_MS):
        window.cancel()


def test_the_lesson_and_step_are_there_again_next_time(qtbot) -> None:
    from concgui.gui.main_window import MainWindow
    from tests.gui.conftest import quick_and_quiet

    first = quick_and_quiet(MainWindow())
    qtbot.addWidget(first)
    first.show()
    open_step(first, "race", 2)
    first.close()
    again = quick_and_quiet(MainWindow())
    qtbot.addWidget(again)
    again.show()
    try:
        assert again.lesson_panel is None  # nothing opens by itself
        again.lesson_action.trigger()
        wt = again.lesson_panel.walkthrough
        assert wt.lesson.id == "race" and wt.index == 1
        assert not wt.answers  # the answers were the last class's
    finally:
        again.close()


def test_leaving_while_presenting_remembers_the_window_not_full_screen(qtbot) -> None:
    from concgui.gui.main_window import MainWindow
    from tests.gui.conftest import quick_and_quiet

    w = quick_and_quiet(MainWindow())
    qtbot.addWidget(w)
    w.show()
    before = bytes(w.saveGeometry().data())
    w.present(True)
    qtbot.waitUntil(w.isFullScreen, timeout=3000)
    w.close()
    assert w.settings.geometry == before


def test_cancel_stops_the_step_and_the_reveal_says_it_was_not_measured(qtbot, window, tmp_path) -> None:
    f = tmp_path / "long.json"
    f.write_text(json.dumps({"id": "long", "title": "Long", "summary": "", "steps": [
        waits_step(tasks=200, size_ms=100, workers=2)]}))
    panel = window.open_lesson(load_file(f))
    panel.number.setText("2")
    panel.run_button.click()
    assert panel.running
    qtbot.waitUntil(lambda: window.session.busy, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(panel.revealed, timeout=TIMEOUT_MS):
        panel.run_button.click()  # it reads Cancel while the step runs
    result = panel.walkthrough.results[0]
    assert result.measured is None and result.error == "cancelled"
    assert "Could not measure this step" in panel.reveal.text()
    assert not panel.running and panel.run_button.isEnabled()


def test_a_broken_lesson_file_is_a_sentence_and_the_lesson_shown_stays(window, tmp_path) -> None:
    panel = open_step(window, "io", 2)
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "bad", "steps": []}')
    assert not panel.open_file(str(bad))
    assert "bad.json: steps: a lesson needs at least one step" in panel.message.text()
    assert panel.walkthrough.lesson.id == "io" and panel.walkthrough.index == 1


def test_closing_the_window_mid_step_leaves_nothing_running(qtbot, window) -> None:
    panel = open_step(window, "race", 3)  # the race on processes: worker processes to end
    panel.number.setText("100")
    panel.run_button.click()
    qtbot.waitUntil(lambda: window.labs.busy, timeout=TIMEOUT_MS)
    window.close()  # the no-leak fixtures then check that no thread or process is left
    assert not window.labs.busy and not window.session.busy


def test_a_presenters_remote_pages_through_the_steps(qtbot, window) -> None:
    from PySide6.QtCore import Qt

    panel = open_step(window, "gil", 1)
    window.activateWindow()
    qtbot.keyClick(window.cpu_plot, Qt.Key.Key_PageDown)  # wherever the focus is
    assert panel.walkthrough.index == 1
    qtbot.keyClick(window.cpu_plot, Qt.Key.Key_PageUp)
    assert panel.walkthrough.index == 0
    assert ("PgDown", "Next lesson step") in window.shortcuts()
