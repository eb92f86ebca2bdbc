"""Point at a widget: a thick accent-coloured frame drawn over it, for "look here" in a lesson.

The frame is a child of the target that ignores the mouse and follows the
target's size, so it costs nothing while the target repaints and goes away
with :meth:`Highlighter.clear` (or the next highlight).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

FRAME_PX = 4


class _Frame(QWidget):
    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setObjectName("lesson-highlight")
        self.setGeometry(target.rect())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        color = QColor(self.palette().color(self.palette().ColorRole.Highlight))
        p.setPen(QPen(color, FRAME_PX))
        half = FRAME_PX // 2
        p.drawRoundedRect(self.rect().adjusted(half, half, -half, -half), 6, 6)


class Highlighter(QObject):
    """At most one highlighted widget at a time."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._frame: _Frame | None = None
        self.target: QWidget | None = None

    def show(self, target: QWidget) -> None:
        self.clear()
        self.target = target
        self._frame = _Frame(target)
        target.installEventFilter(self)
        self._frame.show()
        self._frame.raise_()

    def clear(self) -> None:
        if self.target is not None:
            self.target.removeEventFilter(self)
        if self._frame is not None:
            self._frame.hide()
            self._frame.deleteLater()
        self._frame = self.target = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.target and self._frame is not None and event.type() == QEvent.Type.Resize:
            self._frame.setGeometry(self.target.rect())
            self._frame.raise_()
        return False
