"""The framed panels ("cards") every tab is built from."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget


def bold_label(text: str) -> QLabel:
    """A title: ``text`` in the application font, bold."""
    label = QLabel(text)
    f = label.font()
    f.setBold(True)
    label.setFont(f)
    return label


def scroll_column(widget: QWidget, min_width: int) -> QScrollArea:
    """``widget`` in a frameless area that scrolls up and down, never sideways (a settings or lesson column)."""
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(min_width)
    return scroll


def card(widget: QWidget, title: str | None = None) -> QFrame:
    """``widget`` in a light framed panel, with an optional bold title.

    The frame is named "card" so the window's stylesheet draws them all alike.
    """
    frame = QFrame()
    frame.setObjectName("card")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(10, 8, 10, 10)
    if title:
        lay.addWidget(bold_label(title))
    lay.addWidget(widget, 1)
    return frame
