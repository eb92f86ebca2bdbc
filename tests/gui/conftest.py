"""GUI test fixtures: a main window that is always shut down."""

from __future__ import annotations

import gc

import pytest

pytest.importorskip("PySide6")

from concgui.gui.gc_pinning import GuiThreadCollector  # noqa: E402
from concgui.gui.main_window import MainWindow  # noqa: E402


@pytest.fixture(autouse=True)
def _collect_garbage_like_the_app(qapp):
    """Collect cycles on the GUI thread only, as the app does, and once more after each test.

    Left to the automatic collector, a window from an earlier test may be
    destroyed on whichever thread allocates next, or in the middle of a later
    test next to its running threads (we saw a segfault that way). After the
    test, no worker thread runs, so that is a safe moment to collect.
    """
    collector = GuiThreadCollector()
    yield
    collector.stop()
    gc.collect()


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()
