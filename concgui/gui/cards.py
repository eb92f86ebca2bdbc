"""The framed panels ("cards") every tab is built from."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


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
        label = QLabel(title)
        f = label.font()
        f.setBold(True)
        label.setFont(f)
        lay.addWidget(label)
    lay.addWidget(widget, 1)
    return frame
