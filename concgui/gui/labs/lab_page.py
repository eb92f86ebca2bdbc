"""One lab's page: its parameters, Run and Cancel, the live view, the outcome, and its code."""

from __future__ import annotations

import html
import re
from types import ModuleType
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy, QSplitter,
                               QTextBrowser, QVBoxLayout, QWidget)

from concgui.engine.config import ConfigError
from concgui.gui.cards import scroll_column
from concgui.gui.labs.condition_view import ConditionView
from concgui.gui.labs.deadlock_view import DeadlockView
from concgui.gui.labs.forms import ParamForm
from concgui.gui.labs.ipc_view import IpcView
from concgui.gui.labs.lab_runner import LabOutcome
from concgui.gui.labs.plots import BAD, GOOD, LiveView, WARN
from concgui.gui.labs.race_view import RaceView
from concgui.gui.labs.semaphore_view import SemaphoreView
from concgui.gui.labs.source_view import SourceView
from concgui.gui.labs.subclass_view import SubclassView
from concgui.gui.cards import card
from concgui.gui.theme import InkLabel

VIEWS: dict[str, type[LiveView]] = {
    "race": RaceView,
    "semaphore": SemaphoreView,
    "condition": ConditionView,
    "deadlock": DeadlockView,
    "ipc": IpcView,
    "subclass": SubclassView,
}

_ERROR_STYLE = ("color: #b71c1c; background: #fdecea; border: 1px solid #f5c2c0; border-radius: 4px;"
                " padding: 6px;")
_NOTE_STYLE = "color: palette(window-text); padding: 6px;"


def text_to_html(text: str) -> str:
    """Plain explanation text as HTML paragraphs, with `code` in a monospace font."""
    out = []
    for para in text.split("\n"):
        if not para.strip():
            continue
        esc = html.escape(para)
        esc = re.sub(r"`([^`]+)`", r"<code>\1</code>", esc)
        out.append(f"<p>{esc}</p>")
    return "".join(out)


class _AtLeastItsText(QWidget):
    """Holds ``inner``; its heightForWidth is the *least* height ``inner`` needs at a width (the wrapped
    labels' heightForWidth plus the other items' minimum heights), not the preferred one: so a scroll
    area makes it that tall, no taller, and its plots keep shrinking to their minimum as before."""

    def __init__(self, inner: QWidget) -> None:
        super().__init__()
        self.inner = inner
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(inner)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 (Qt's name)
        inner = self.inner.layout()
        if inner is None or not inner.hasHeightForWidth():
            return super().heightForWidth(width)
        return max(inner.totalMinimumHeightForWidth(width), self.inner.minimumHeight())


def fitted(widget: QWidget) -> QScrollArea:
    """``widget`` never shorter than its wrapped text needs: a card shorter than that scrolls.

    A splitter gives its panes heights of its own and ignores heightForWidth, so a
    word-wrapped label straight in a pane is squeezed and cut at its top and bottom.
    A resizable scroll area does honour it: ``widget`` gets at least the height its
    text needs at its width, and a scroll bar when the pane is shorter than that.
    It keeps ``widget``'s least width, and lets the card's colour show through.
    """
    holder = _AtLeastItsText(widget)
    scroll = scroll_column(holder, holder.minimumSizeHint().width())
    scroll.viewport().setAutoFillBackground(False)
    holder.setAutoFillBackground(False)  # setWidget turned it on
    return scroll


def first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0].replace("\n", " ")


class LabPage(QWidget):
    """Everything about one lab. The page holds no run logic: the Labs view starts and stops runs."""

    run_clicked = Signal(str)
    cancel_clicked = Signal(str)

    def __init__(self, name: str, module: ModuleType, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.module = module
        self.result: Any = None
        self.last_outcome: LabOutcome | None = None
        self.running = False

        title = QLabel(html.escape(module.TITLE))
        f = title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.3)
        title.setFont(f)
        intro = QLabel(html.escape(first_line(module.__doc__)))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.form = ParamForm(name)
        self.form.changed.connect(self._on_form_changed)
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.run_button.setObjectName(f"lab-{name}-run")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.defaults_button = QPushButton("Defaults")
        self.defaults_button.setToolTip("Put every input back to its default value.")
        self.run_button.clicked.connect(lambda: self.run_clicked.emit(self.name))
        self.cancel_button.clicked.connect(lambda: self.cancel_clicked.emit(self.name))
        self.defaults_button.clicked.connect(self.form.reset)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.defaults_button)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName(f"lab-{name}-message")
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        self.status = InkLabel("Idle.")
        self.status.setWordWrap(True)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 6, 0)
        ll.addWidget(title)
        ll.addWidget(intro)
        ll.addSpacing(6)
        ll.addWidget(self.form)
        ll.addLayout(buttons)
        ll.addWidget(self.message)
        ll.addWidget(self.status)
        ll.addStretch(1)
        scroll = scroll_column(left, 290)
        scroll.setMaximumWidth(340)

        self.view = VIEWS[name]()
        self.outcome = QTextBrowser()
        self.outcome.setOpenLinks(False)
        self.outcome.setObjectName(f"lab-{name}-outcome")
        self.source = SourceView()
        self.source.show_functions(module.SOURCE_FUNCTIONS)
        self.source.setObjectName(f"lab-{name}-source")
        # Both at once, side by side: the outcome and why on the left, the code on the right.
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(card(self.outcome, "Outcome and why"))
        bottom.addWidget(card(self.source, "The code it runs (inspect.getsource of the running module)"))
        bottom.setStretchFactor(0, 1)
        bottom.setStretchFactor(1, 1)
        bottom.setSizes([520, 540])  # scaled to the real width when shown
        bottom.setChildrenCollapsible(False)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(card(fitted(self.view)))
        right.addWidget(bottom)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)
        right.setSizes([520, 330])

        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(scroll, 0)
        lay.addWidget(right, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._show_outcome(None)

    # -- input ----------------------------------------------------------------------------------

    def read_params(self) -> Any | None:
        """The form as the lab's Params; None (and an inline message) if the input is invalid."""
        try:
            params = self.form.params()
        except ConfigError as exc:
            self.show_message(f"Cannot run: {exc}.")
            return None
        except (TypeError, ValueError) as exc:  # a form/Params mismatch: still a message, not a traceback
            self.show_message(f"Cannot run: {exc}.")
            return None
        self.clear_message()
        return params

    def show_message(self, text: str, error: bool = True) -> None:
        self.message.setStyleSheet(_ERROR_STYLE if error else _NOTE_STYLE)
        self.message.setText(text)
        self.message.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    def _on_form_changed(self) -> None:
        if self.message.isVisible():
            self.clear_message()

    # -- state -----------------------------------------------------------------------------------

    def set_available(self, can_run: bool) -> None:
        """Whether Run may be pressed (not while this or another lab runs)."""
        self.run_button.setEnabled(can_run and not self.running)

    def begin(self, params: Any) -> None:
        self.running = True
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.form.set_enabled(False)
        self.defaults_button.setEnabled(False)
        self.status.setText("Running… (on a worker thread, not the GUI thread)")
        self.status.set_ink(None)
        self.view.begin(params)

    def apply(self, events: list[Any]) -> None:
        self.view.apply(events)

    def cancelling(self) -> None:
        self.cancel_button.setEnabled(False)
        self.status.setText("Cancelling…")

    def finish(self, outcome: LabOutcome) -> None:
        self.running = False
        self.last_outcome = outcome
        self.cancel_button.setEnabled(False)
        self.run_button.setEnabled(True)
        self.form.set_enabled(True)
        self.defaults_button.setEnabled(True)
        if outcome.result is not None:
            self.result = outcome.result
        self.view.finish(outcome.result)
        status = getattr(outcome.result, "status", None)
        error = outcome.error or getattr(outcome.result, "error", None)
        if error:
            self.status.setText(f"Failed: {error}")
            self.status.set_ink(BAD)
            self.status.setToolTip(outcome.details or "")
        elif status is not None and status.value == "cancelled":
            self.status.setText("Cancelled: what ran so far is shown.")
            self.status.set_ink(WARN)
        else:
            self.status.setText("Done.")
            self.status.set_ink(GOOD)
        if outcome.result is not None:
            self._show_outcome(outcome.result)
        elif outcome.error:
            self.show_message(f"The lab failed: {outcome.error}")

    def _show_outcome(self, result: Any | None) -> None:
        m = self.module
        parts = []
        if result is None:
            parts.append("<p><i>No run yet. Set the inputs and press Run.</i></p>")
        else:
            lines = "\n".join(m.summary(result))
            parts.append(f"<pre style='margin:0; font-size:8pt'>{html.escape(lines)}</pre>")
        parts.append("<h4 style='margin-bottom:2px'>Why</h4>")
        parts.append(text_to_html(m.explain(result)))
        self.outcome.setHtml("".join(parts))
