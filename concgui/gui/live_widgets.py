"""Labels and bars that change during a run without making Qt call into Python.

A label whose size hint changes asks its parent's layout to run again, and the
layout resizes and repaints whatever moved: pyqtgraph plots among them, each a
storm of trips into Python (the GIL) while our own threads hold it. So a label
that shows live values has a fixed size and an opaque background (a new value
repaints that label alone, in C++), and a title that can grow never raises the
window's minimum width. A :class:`LiveBar` is a progress bar made of two plain
widgets: ``QProgressBar.setValue`` repaints at once (synchronously), through
the style, which under CPU contention was the window's slowest call.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget

from concgui.gui.cards import bold_label
from concgui.gui.theme import WARN_COLOR, ink

#: Dynamic properties that say how a label was sized (see :func:`refit_labels`).
LIVE_WIDEST, ELASTIC_LINE = "concgui_live_widest", "concgui_elastic_line"


def live_label(text: str, widest: str, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
    """A label sized once for ``widest`` that then shows ``text`` and any later value."""
    lab = QLabel(widest)
    lab.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    lab.setProperty(LIVE_WIDEST, widest)  # for refit_labels
    lab.setFixedSize(lab.sizeHint())
    lab.setAutoFillBackground(True)
    lab.setText(text)
    return lab


def first_fitting(label: QLabel, variants: list[str]) -> str:
    """The first of ``variants`` (rich text, longest first) whose words fit ``label``'s width; else the last.

    For an :func:`elastic` label, which would otherwise cut its text mid-word at the
    right edge: a shorter wording reads better than half of a longer one. Measured
    in the label's font made bold (bold numbers are the widest part), tags left out.
    """
    bold = QFont(label.font())
    bold.setBold(True)
    fm = QFontMetrics(bold)
    room = label.contentsRect().width()
    for text in variants[:-1]:
        plain = re.sub(r"<[^>]*>", "", text).replace("&nbsp;", " ")
        if fm.horizontalAdvance(plain) <= room:
            return text
    return variants[-1]


def plot_title(text: str, tip: str) -> QLabel:
    """A plot's bold, rich-text title that never widens the window (:func:`elastic`), with ``tip``."""
    title = bold_label(text)
    title.setTextFormat(Qt.TextFormat.RichText)
    title.setToolTip(tip)
    return elastic(title)


def elastic(label: QLabel) -> QLabel:
    """Let ``label``'s text grow and shrink without moving anything: its width follows the layout.

    Its height stays that of one line, so a longer title is cut at the right
    edge (its tooltip has the rest) instead of widening the window.
    """
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setMinimumWidth(1)
    label.setProperty(ELASTIC_LINE, label.text())  # the text its one line was measured with, for refit_labels
    label.setFixedHeight(label.sizeHint().height())
    return label


def refit_labels(root: QWidget) -> int:
    """Size every :func:`live_label` and :func:`elastic` label under ``root`` again for its font now.

    Their sizes were measured once, in the font they were made with; after the
    application font changes (presentation mode's zoom) a label would cut its
    text. Called once per zoom change, never per frame. Returns how many it re-fitted.
    """
    n = 0
    for lab in root.findChildren(QLabel):
        widest, line = lab.property(LIVE_WIDEST), lab.property(ELASTIC_LINE)
        if widest is None and line is None:
            continue
        shown = lab.source_text() if hasattr(lab, "source_text") else lab.text()  # an InkLabel's, as given
        lab.setText(widest if widest is not None else line)
        hint = lab.sizeHint()
        if widest is not None:
            lab.setFixedSize(hint)
        else:
            lab.setFixedHeight(hint.height())
        lab.setText(shown)
        n += 1
    return n


class LiveBar:
    """A horizontal bar: :attr:`widget` (a plain, opaque frame) with a filled part and an empty part.

    The two parts share the frame's own layout by stretch factors, so Qt keeps
    them right when the bar is resized, in C++. Not a Python subclass of a Qt
    widget, so painting and resizing it never takes the GIL; :meth:`set_fraction`
    changes the stretches only when a step (1/1000) changes.
    """

    STEPS = 1000

    def __init__(self, height: int = 12, parent: QWidget | None = None) -> None:
        self.widget = QFrame(parent)
        self.widget.setFrameShape(QFrame.Shape.Box)
        self.widget.setFixedHeight(height)
        self.widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.widget.setAutoFillBackground(True)
        self.widget.setBackgroundRole(QPalette.ColorRole.Base)
        self.widget.setForegroundRole(QPalette.ColorRole.Mid)
        self.fill = QWidget()
        self.fill.setAutoFillBackground(True)
        self.fill.setBackgroundRole(QPalette.ColorRole.Highlight)
        self.rest = QWidget()
        for part in (self.fill, self.rest):
            part.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
            part.setMinimumWidth(0)
        self._lay = QHBoxLayout(self.widget)
        self._lay.setContentsMargins(1, 1, 1, 1)
        self._lay.setSpacing(0)
        self._lay.addWidget(self.fill, 0)
        self._lay.addWidget(self.rest, self.STEPS)
        self.fill.hide()
        self.fraction = 0.0
        self._step = 0

    def set_fraction(self, fraction: float) -> None:
        self.fraction = f = min(1.0, max(0.0, fraction))
        step = int(round(f * self.STEPS))
        if step == self._step:
            return
        self._step = step
        self._lay.setStretch(0, step)
        self._lay.setStretch(1, self.STEPS - step)
        self.fill.setVisible(step > 0)
        self.rest.setVisible(step < self.STEPS)


class CoverNote:
    """A one-line note laid over ``cover`` (a sibling inside ``parent``): no layout moves when it shows.

    Says on screen why a plot stands still (the GIL pace, :mod:`concgui.gui.pace`).
    A plain, opaque ``QLabel``, so it repaints without Python.
    """

    def __init__(self, parent: QWidget, cover: QWidget, text: str) -> None:
        self.cover = cover
        self.label = QLabel(text, parent)
        self.label.setAutoFillBackground(True)
        self.label.setToolTip(text)
        self.label.hide()

    def set_shown(self, shown: bool) -> None:
        if shown:  # coloured for the theme of now (it may have changed since the last run)
            sheet = f"color: {ink(WARN_COLOR).name()}; padding: 2px 6px;"
            if self.label.styleSheet() != sheet:
                self.label.setStyleSheet(sheet)
        geo = self.cover.geometry()
        hint = self.label.sizeHint()
        visible = geo.intersected(self.label.parentWidget().rect()).height()
        if shown and visible >= hint.height() + 8:  # a plot squeezed thinner shows nothing to explain
            w = min(hint.width(), max(40, geo.width() - 60))
            self.label.setGeometry(geo.x() + 50, geo.y() + 4, w, hint.height())
            self.label.raise_()
            self.label.show()
        else:
            self.label.hide()
