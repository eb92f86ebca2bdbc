"""The code a lab runs, read from the running module, in a read-only monospace view."""

from __future__ import annotations

import inspect
import keyword
import re
from typing import Any, Iterable

from PySide6.QtCore import QEvent, QRegularExpression
from PySide6.QtGui import (QColor, QFont, QFontDatabase, QPalette, QSyntaxHighlighter, QTextCharFormat,
                           QTextDocument)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from concgui.gui.theme import plot_background, readable

#: The highlighter's colours (for a light background; on a dark one they are lightened, hue kept).
KEYWORD, NUMBER, NAME, DECORATOR, STRING, COMMENT = "#7b1fa2", "#1565c0", "#00695c", "#8a4b00", "#2e7d32", "#757575"


def lab_source(functions: Iterable[Any]) -> str:
    """``inspect.getsource`` of each of ``functions``, one after the other.

    The text comes from the module that really runs, so what you read is what
    runs. A frozen app may ship without sources: then say so, don't fail.
    """
    parts = []
    for obj in functions:
        try:
            parts.append(inspect.getsource(obj).rstrip())
        except (OSError, TypeError):
            name = getattr(obj, "__qualname__", repr(obj))
            parts.append(f"# The source of {name} is not available in this build.")
    return "\n\n\n".join(parts) + "\n"


def _fmt(color: str, background: QColor, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(readable(color, background))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, names after def/class, decorators, numbers, strings and comments; one line at a time.

    Good enough for short functions; triple-quoted strings spanning lines are
    coloured by a small block state.
    """

    def __init__(self, document: QTextDocument, background: QColor | None = None) -> None:
        super().__init__(document)
        self._triple = re.compile(r'"""|\'\'\'')
        self.set_background(background if background is not None else plot_background())

    def set_background(self, bg: QColor) -> None:
        """Colours that read on ``bg`` (WCAG AA); the text is highlighted again in them."""
        kw = "|".join(keyword.kwlist)
        self._rules = [
            (QRegularExpression(rf"\b({kw})\b"), _fmt(KEYWORD, bg, bold=True)),
            (QRegularExpression(r"\b(self|True|False|None)\b"), _fmt(KEYWORD, bg)),
            (QRegularExpression(r"\b[0-9][0-9_]*(\.[0-9_]+)?\b"), _fmt(NUMBER, bg)),
            (QRegularExpression(r"(?<=\bdef )\w+|(?<=\bclass )\w+"), _fmt(NAME, bg, bold=True)),
            (QRegularExpression(r"^\s*@[\w.]+"), _fmt(DECORATOR, bg)),
            (QRegularExpression(r"\"[^\"\n]*\"|'[^'\n]*'"), _fmt(STRING, bg)),
            (QRegularExpression(r"#[^\n]*$"), _fmt(COMMENT, bg, italic=True)),
        ]
        self._string = _fmt(STRING, bg)
        self.rehighlight()

    @property
    def colors(self) -> list[QColor]:
        """The text colours it uses now."""
        return [fmt.foreground().color() for _rx, fmt in self._rules]

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        for rx, fmt in self._rules:
            it = rx.globalMatch(text)
            while it.hasNext():
                m = it.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), fmt)
        # Docstrings: state 1 = inside a triple-quoted string that began on an earlier line.
        self.setCurrentBlockState(0)
        start = 0
        inside = self.previousBlockState() == 1
        pos = 0
        while True:
            m = self._triple.search(text, pos)
            if inside:
                end = len(text) if m is None else m.end()
                self.setFormat(start, end - start, self._string)
                if m is None:
                    self.setCurrentBlockState(1)
                    return
                inside = False
                pos = m.end()
            else:
                if m is None:
                    return
                start, inside, pos = m.start(), True, m.end()


class SourceView(QPlainTextEdit):
    """Read-only, monospace, no wrapping, highlighted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(8.0, font.pointSizeF() * 0.95))
        self.setFont(font)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.highlighter = PythonHighlighter(self.document(), self.palette().color(QPalette.ColorRole.Base))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.highlighter.set_background(self.palette().color(QPalette.ColorRole.Base))

    def show_functions(self, functions: Iterable[Any]) -> None:
        self.setPlainText(lab_source(functions))
