"""Every number the window shows has a glossary entry, and Help lists the shortcuts the window really has."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QTextBrowser

from concgui.gui.glossary import GLOSSARY, entry
from concgui.gui.results_table import COLUMNS, NUMERIC

#: What the window shows besides the table's columns: readouts, plot titles, the comparison card.
READOUTS = ("GIL", "Switch interval", "Heartbeat", "Lateness", "GUI lag", "p50 / p99", "Longest freeze",
            "Frames missed", "Cores busy", "This app + workers", "Others", "Repeats", "Median", "Spread",
            "Verdict", "Where the time went", "Timeline", "CPU share", "GIL lane")


def test_every_metric_column_and_readout_has_an_entry():
    metrics = [name for name, _, _ in COLUMNS if name in NUMERIC | {"Ran on", "Results"}
               and name not in ("Run", "Workers", "Tasks")]
    missing = [m for m in (*metrics, *READOUTS) if entry(m) is None]
    assert not missing, missing
    assert all(t.meaning.endswith(".") and t.source for t in GLOSSARY)


def test_help_shows_the_glossary_and_the_real_shortcuts(qtbot, window):
    keys = dict(window.shortcuts())
    assert keys["Ctrl+R"] == "Run" and keys["Ctrl+Shift+C"] == "Compare" and keys["Esc"] == "Cancel"
    assert keys["Ctrl+E"] == "Export results"
    window.show_glossary()
    qtbot.waitUntil(lambda: any("Switch interval" in text.toPlainText() for top in QApplication.topLevelWidgets()
                                for text in top.findChildren(QTextBrowser)))
    dialogs = [w for w in QApplication.topLevelWidgets() if w.windowTitle().startswith("Glossary")]
    assert dialogs and dialogs[0].width() <= 640
    for d in dialogs:
        d.close()


def test_every_number_a_lesson_reveals_has_an_entry():
    from concgui.gui.glossary import LESSON_METRIC_TERMS
    from concgui.lessons.format import Metric

    assert set(LESSON_METRIC_TERMS) == {m.value for m in Metric}
    for term in (*LESSON_METRIC_TERMS.values(), "Expected here", "Holds", "Prediction"):
        assert entry(term) is not None, term
