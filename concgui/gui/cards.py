"""The framed panels ("cards") every tab is built from."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFrame, QLabel, QScrollArea, QSpinBox, QTextBrowser,
                               QVBoxLayout, QWidget)


def count_box(maximum: int, tip: str) -> QSpinBox:
    """A spin box for a count from 0 to ``maximum``, written with thousands separators (tasks, sizes)."""
    box = QSpinBox()
    box.setRange(0, maximum)
    box.setGroupSeparatorShown(True)
    box.setToolTip(tip)
    return box


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


def text_dialog(parent: QWidget, title: str, html_text: str) -> QDialog:
    """A non-modal window of rich text with a Close button, sized to fit a small screen."""
    dlg = QDialog(parent)
    dlg.setWindowTitle(title)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    lay = QVBoxLayout(dlg)
    text = QTextBrowser()
    text.setObjectName("dialog-text")
    text.setHtml(html_text)
    text.setOpenExternalLinks(True)
    lay.addWidget(text)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dlg.reject)
    lay.addWidget(buttons)
    screen = parent.screen().availableGeometry() if parent.screen() is not None else None
    w, h = 640, 560
    if screen is not None:
        w, h = min(w, int(screen.width() * 0.9)), min(h, int(screen.height() * 0.85))
    dlg.resize(w, h)
    return dlg
