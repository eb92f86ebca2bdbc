"""The code a lab runs, read from the running module, in a read-only monospace view."""

from __future__ import annotations

import inspect
import keyword
import re
from typing import Any, Iterable

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat, QTextDocument
from PySide6.QtWidgets import QPlainTextEdit, QWidget


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


def _fmt(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(color))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, names after def/class, decorators, numbers, strings and comments; one line at a time.

    Good enough for short functions; triple-quoted strings spanning lines are
    coloured by a small block state.
    """

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        kw = "|".join(keyword.kwlist)
        self._rules = [
            (QRegularExpression(rf"\b({kw})\b"), _fmt("#7b1fa2", bold=True)),
            (QRegularExpression(r"\b(self|True|False|None)\b"), _fmt("#7b1fa2")),
            (QRegularExpression(r"\b[0-9][0-9_]*(\.[0-9_]+)?\b"), _fmt("#1565c0")),
            (QRegularExpression(r"(?<=\bdef )\w+|(?<=\bclass )\w+"), _fmt("#00695c", bold=True)),
            (QRegularExpression(r"^\s*@[\w.]+"), _fmt("#8a4b00")),
            (QRegularExpression(r"\"[^\"\n]*\"|'[^'\n]*'"), _fmt("#2e7d32")),
            (QRegularExpression(r"#[^\n]*$"), _fmt("#757575", italic=True)),
        ]
        self._string = _fmt("#2e7d32")
        self._triple = re.compile(r'"""|\'\'\'')

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
        self.highlighter = PythonHighlighter(self.document())

    def show_functions(self, functions: Iterable[Any]) -> None:
        self.setPlainText(lab_source(functions))
