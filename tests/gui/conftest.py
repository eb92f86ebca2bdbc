"""GUI test fixtures: a main window that is always shut down."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from concgui.gui.main_window import MainWindow  # noqa: E402


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()
