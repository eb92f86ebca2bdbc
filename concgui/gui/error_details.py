"""A "Details…" button beside the error message, and the dialog it opens.

When a run fails the window shows one line (``ValueError: task with seed 2
failed on purpose``); the details — the worker's full traceback, or what
became of a worker process that died — are one click away, selectable and
copyable, for the class to read. The button appears only while an error
with details is shown, and hides with the message.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)


class ErrorDetailsDialog(QDialog):
    """The message on top, the details (a traceback) below in a fixed-width font."""

    def __init__(self, message: str, details: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("What went wrong")
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.text = QPlainTextEdit(details)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self._on_copy_button_clicked)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)
        self.resize(760, 420)

    @Slot()
    def _on_copy_button_clicked(self) -> None:
        clip = QGuiApplication.clipboard()
        if clip is not None:
            clip.setText(f"{self.message.text()}\n\n{self.text.toPlainText()}")


class ErrorDetails(QObject):
    """Adds the "Details…" button under ``message`` (a label in ``message``'s layout)."""

    def __init__(self, message: QLabel, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else message)
        self._label = message
        self._text = ""
        self._details = ""
        self.dialog: ErrorDetailsDialog | None = None
        self.button = QPushButton("Details…")
        self.button.setToolTip("Show the full error: the worker's traceback, or how its process ended")
        self.button.clicked.connect(self._on_button_clicked)
        self.button.hide()
        owner = message.parentWidget()
        lay = owner.layout() if owner is not None else None
        index = lay.indexOf(message) if lay is not None else -1
        if isinstance(lay, QVBoxLayout) and index >= 0:
            lay.insertWidget(index + 1, self.button)
        message.installEventFilter(self)  # the button hides with the message

    @property
    def details(self) -> str:
        return self._details

    def show_error(self, text: str, details: str | None) -> None:
        """Remember the error shown now; the button appears if there are details."""
        self._text, self._details = text, (details or "").strip()
        self.button.setVisible(bool(self._details))

    def open_dialog(self) -> ErrorDetailsDialog:
        """Open (non-blocking) the dialog for the error shown now, and return it."""
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = ErrorDetailsDialog(self._text, self._details, self._label.window())
        self.dialog.open()
        return self.dialog

    @Slot()
    def _on_button_clicked(self) -> None:
        self.open_dialog()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        # Only when the message itself is hidden (a new run), not when the window is.
        if obj is self._label and event.type() == QEvent.Type.Hide and self._label.isHidden():
            self.button.hide()
        return False
