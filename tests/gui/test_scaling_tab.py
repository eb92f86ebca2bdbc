"""The Scaling tab: its own settings, an estimate before it starts, a question before a long series (in the tab),
progress while it runs, and Cancel (and Esc) that ends it.

The issue: the tab silently used the Run & compare settings, showed no estimate, no progress and no Cancel,
and with remembered io-sleep 999,999 × 60,000 ms started a run of about two years.
"""

from __future__ import annotations

import os
import re

from PySide6.QtCore import QPoint, Qt

from concgui.engine.scaling import worker_counts
from concgui.engine.workloads import CATALOG

from ._util import RUN_TIMEOUT_MS, configure

#: A series that is over in a second or two: for the tests that watch a whole one.
TINY = {"workload": "cpu-python", "tasks": 2, "size": 2_000, "repeats": 1}
#: A series of hours (cpu-python: each run is minutes): only ever confirmed, then cancelled.
HUGE = {"workload": "cpu-python", "tasks": 5_000, "size": 1_000_000, "repeats": 1}


def runs_in_a_series() -> int:
    return 1 + 2 * len(worker_counts(os.cpu_count() or 1))


def starts_of(window) -> list:
    """Every run the session starts from now on, in a list that fills as they come."""
    seen: list = []
    window.session.run_started.connect(lambda started, _kind: seen.append(started))
    return seen


def test_the_tab_has_its_own_settings_which_start_at_the_workloads_defaults(window):
    view = window.scaling
    first = next(iter(CATALOG.values()))
    assert view.workload.count() == len(CATALOG)  # the catalog's workloads, every one
    assert view.workload.currentData() == first.name
    assert (view.tasks.value(), view.size.value()) == (first.default_tasks, first.default_size)
    assert view.size.suffix() == f" {first.size_unit}"  # the unit word, as the Run & compare tab shows it
    view.set_settings(workload="io-sleep")
    assert view.size.value() == CATALOG["io-sleep"].default_size and view.size.suffix() == " milliseconds"


def test_a_series_runs_the_tabs_settings_not_the_run_and_compare_ones(qtbot, window):
    configure(window, workload="cpu-hash", tasks=7, size=3, mode="processes", workers=3)
    window.scaling.set_settings(**TINY)
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(window.scaling.scale_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].ok
    records = [row.record for row in window.session.results.rows]
    assert len(records) == runs_in_a_series()
    assert {(r.workload, r.tasks, r.size) for r in records} == {("cpu-python", 2, 2_000)}
    # ... and the Run & compare tab is left as it was.
    c = window.controls
    assert (c.workload.currentData(), c.tasks.value(), c.size.value()) == ("cpu-hash", 7, 3)


def test_the_estimate_is_shown_before_it_starts_and_follows_the_size(window):
    view = window.scaling
    view.set_settings(workload="cpu-python", tasks=16, size=300_000, repeats=1)
    before = view.estimate.text()
    assert re.match(r"About \d+ s: 1 serial \+ 2×\d+ runs of 16 tasks × 300,000 iterations", before), before
    view.size.setValue(3_000_000)
    after = view.estimate.text()
    assert after != before and "3,000,000 iterations" in after
    view.repeats.setValue(3)
    assert "each 3×" in view.estimate.text()


def test_a_huge_series_asks_in_the_tab_and_starts_nothing(qtbot, window):
    view = window.scaling
    window.tabs.setCurrentWidget(view)
    view.set_settings(workload="io-sleep", tasks=999_999, size=60_000)  # the two years
    started = starts_of(window)
    qtbot.mouseClick(view.scale_button, Qt.MouseButton.LeftButton)
    assert not window.session.busy and not started
    assert "This would take about" in view.estimate.text() and "Scale anyway" in view.estimate.text()
    assert view.anyway_button.isVisible()  # in the tab, where the person is looking
    assert not window.controls.run_anyway_button.isVisibleTo(window)  # not on the other tab
    view.size.setValue(10)  # new settings: the question about the old ones is withdrawn
    assert not view.anyway_button.isVisibleTo(window)
    assert view.estimate.text().startswith("About")


def test_a_busy_machine_is_named_in_the_tab_and_the_series_can_run_anyway(qtbot, window):
    view = window.scaling
    window.tabs.setCurrentWidget(view)
    view.set_settings(**TINY)
    window.other_load = lambda: 1.2
    assert not window.start_scale()
    assert not window.session.busy
    assert "Other programs are using 1.2 cores" in view.estimate.text() and view.anyway_button.isVisible()
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(view.anyway_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].ok


def test_scale_anyway_starts_the_series_and_cancel_ends_it(qtbot, window):
    view = window.scaling
    window.tabs.setCurrentWidget(view)
    view.set_settings(**HUGE)
    assert not window.start_scale()
    assert view.anyway_button.isVisible()
    with qtbot.waitSignal(window.session.run_started, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(view.anyway_button, Qt.MouseButton.LeftButton)
    assert window.session.busy and not view.anyway_button.isVisibleTo(window)
    assert view.cancel_button.isEnabled() and not view.scale_button.isEnabled()
    assert not view.size.isEnabled()  # the settings of a running series stay as they are
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].cancelled
    assert view.progress_text.text().startswith("Cancelled after")
    assert view.scale_button.isEnabled() and not view.cancel_button.isEnabled() and view.size.isEnabled()


def test_esc_cancels_a_series_while_the_tab_shows(qtbot, window):
    view = window.scaling
    window.tabs.setCurrentWidget(view)
    view.set_settings(**HUGE)
    with qtbot.waitSignal(window.session.run_started, timeout=RUN_TIMEOUT_MS):
        assert window.start_scale(anyway=True)
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert blocker.args[0].cancelled
    assert "Cancelled" in view.progress_text.text() and view.scale_button.isEnabled()


def test_the_tab_shows_which_run_of_how_many_and_about_how_long_is_left(qtbot, window):
    view = window.scaling
    view.set_settings(**TINY)
    n = runs_in_a_series()
    texts: list[str] = []
    fractions: list[float] = []
    # Connected after the view's own slots, so these see what the view has just shown.
    window.session.run_started.connect(lambda *_: texts.append(view.progress_text.text()))
    window.session.run_finished.connect(lambda _done: fractions.append(view.bar.fraction))
    with qtbot.waitSignal(window.session.batch_done, timeout=RUN_TIMEOUT_MS) as blocker:
        assert window.start_scale()
    assert blocker.args[0].ok
    assert len(texts) == n
    assert re.fullmatch(rf"Run 1 of {n} · serial · (about \d+ s|under 1 s) left", texts[0]), texts[0]
    assert all(t.startswith(f"Run {i} of {n} · ") and t.endswith(" left") for i, t in enumerate(texts, 1)), texts
    assert fractions == sorted(fractions) and fractions[-1] == 1.0  # the bar fills, run by run
    assert view.progress_text.text().startswith(f"Done: {n} runs")


def test_bad_input_says_one_sentence_in_the_tab_and_starts_nothing(qtbot, window):
    view = window.scaling
    started = starts_of(window)
    view.set_settings(workload="cpu-python", tasks=0)
    assert view.estimate.text() == "Cannot scale: tasks must be between 1 and 1,000,000, not 0."
    assert not window.start_scale()
    view.set_settings(workload="io-sleep")
    view.size.setValue(999_999)
    qtbot.mouseClick(view.scale_button, Qt.MouseButton.LeftButton)
    assert view.estimate.text() == ("Cannot scale: size must be between 1 and 60,000 milliseconds, "
                                    "not 999,999.")
    assert not view.anyway_button.isVisibleTo(window)
    assert not window.session.busy and not started


def test_the_tab_fits_a_1366_by_768_screen(qtbot, window):
    window.resize(1284, 706)  # what the window opens at on a 1366 × 768 screen
    view = window.scaling
    window.tabs.setCurrentWidget(view)
    qtbot.waitUntil(lambda: window.height() == 706 and view.isVisible())
    for name in CATALOG:  # each workload's unit word in the size box
        view.set_settings(workload=name)
        qtbot.waitUntil(lambda: view.size.width() >= view.size.minimumSizeHint().width())
        for w in (view.workload, view.tasks, view.size, view.repeats, view.scale_button, view.cancel_button):
            assert w.width() >= w.minimumSizeHint().width(), (name, w)
            corner = w.mapTo(view, QPoint(w.width() - 1, w.height() - 1))
            assert view.rect().contains(corner), (name, w)  # its whole box is inside the tab
    assert view.chart.height() >= 200  # the plot keeps room to read
