"""The lesson panel: a step's question, the class's answer, then the run and its reveal.

It shows one :class:`~concgui.lessons.walkthrough.Walkthrough` and asks the
window to run a step (:attr:`run_requested`); the window runs it as any run
or lab is run and hands back what it produced (:meth:`show_outcome`). The
reveal, the "look at" and the "try next" are the lesson's and the
measurement's; the panel only lays them out.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QRadioButton, QScrollArea, QStackedWidget, QVBoxLayout, QWidget)

from concgui.engine.export import ExportError
from concgui.lessons.answers import write_csv
from concgui.lessons.catalog import built_in, load_file
from concgui.lessons.facts import Facts
from concgui.lessons.format import Answer, Lesson, LessonError
from concgui.lessons.measure import Outcome
from concgui.lessons.walkthrough import Walkthrough

OPEN_FILE = "Open a lesson file…"


def _label(rich: bool = False, name: str = "") -> QLabel:
    lab = QLabel()
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        lab.setObjectName(name)
    return lab


class LessonPanel(QWidget):
    #: Run the shown step (its index); the window answers with show_outcome().
    run_requested = Signal(int)
    cancel_requested = Signal()
    #: Point at a part of the window (a name from concgui.lessons.format.LOOK_TARGETS); "" clears it.
    look_at = Signal(str)
    #: The settings column is wanted (True) or not (a lesson sets what it runs).
    settings_wanted = Signal(bool)
    closed = Signal()
    #: A step's outcome is shown (its index).
    revealed = Signal(int)

    def __init__(self, facts: Facts | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lesson-panel")
        self.facts = facts or Facts.here()
        self.walkthrough: Walkthrough | None = None
        self.running = False

        self.chooser = QComboBox()
        self.chooser.setObjectName("lesson-chooser")
        for lesson in built_in():
            self.chooser.addItem(lesson.title, lesson)
        self.chooser.addItem(OPEN_FILE, None)
        # Long titles elide rather than widen the panel (its text wraps to the panel's width).
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setMinimumContentsLength(12)
        self.step_title = _label(name="lesson-step")
        f = self.step_title.font()
        f.setBold(True)
        self.step_title.setFont(f)
        self.setup_words = _label(name="lesson-setup")
        self.question = _label(name="lesson-question")
        self.number = QLineEdit()
        self.number.setObjectName("lesson-answer")
        self.number.setPlaceholderText("your prediction, or the class's: 1, 1.5, 2")
        self.unit = QLabel()
        number_row = QWidget()
        nl = QHBoxLayout(number_row)
        nl.setContentsMargins(0, 0, 0, 0)
        nl.addWidget(self.number, 1)
        nl.addWidget(self.unit, 0)
        self.choice_box = QWidget()
        self.choice_layout = QVBoxLayout(self.choice_box)
        self.choice_layout.setContentsMargins(0, 0, 0, 0)
        self.choice_group = QButtonGroup(self)
        self.answer_stack = QStackedWidget()
        self.answer_stack.addWidget(number_row)
        self.answer_stack.addWidget(self.choice_box)
        self.message = _label(name="lesson-message")
        self.run_button = QPushButton("Lock in and run")
        self.run_button.setObjectName("lesson-run")
        self.run_button.setToolTip("Predict first: the run starts once there is an answer")
        self.reveal = _label(rich=True, name="lesson-reveal")
        self.look = _label(rich=True, name="lesson-look")
        self.try_next = _label(rich=True, name="lesson-try")
        self.notes_toggle = QCheckBox("Teacher notes")
        self.notes = _label(name="lesson-notes")
        self.back = QPushButton("◀ Back")
        self.next = QPushButton("Next ▶")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Forget every answer and result and go back to the first step")
        self.export_button = QPushButton("Answers (CSV)…")
        self.export_button.setToolTip("Save the class's answers beside what each step measured")
        self.settings_toggle = QCheckBox("Show the settings")
        close = QPushButton("Close lesson")
        close.clicked.connect(self.closed)

        body = QWidget()
        lay = QVBoxLayout(body)
        for w in (self.chooser, self.step_title, self.setup_words, self.question, self.answer_stack, self.message,
                  self.run_button, self.reveal, self.look, self.try_next, self.notes_toggle, self.notes,
                  self.settings_toggle, close):
            lay.addWidget(w)
        lay.addStretch(1)
        self.scroll = scroll = QScrollArea()  # the step scrolls; the way to the next one stays in view
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        nav = QHBoxLayout()
        nav.setContentsMargins(9, 4, 9, 4)
        for b in (self.back, self.next):
            nav.addWidget(b)
        tools = QHBoxLayout()
        tools.setContentsMargins(9, 0, 9, 6)
        tools.addWidget(self.reset_button)
        tools.addWidget(self.export_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scroll, 1)
        outer.addLayout(nav)
        outer.addLayout(tools)

        self.chooser.activated.connect(self._on_chooser_activated)
        self.number.textChanged.connect(self._on_answer_changed)
        self.number.returnPressed.connect(self._on_number_return_pressed)  # Enter: lock in and run
        self.choice_group.idClicked.connect(lambda _i: self._on_answer_changed())
        self.run_button.clicked.connect(self._on_run_button_clicked)
        self.back.clicked.connect(lambda: self.show_step(self._index() - 1))
        self.next.clicked.connect(lambda: self.show_step(self._index() + 1))
        self.reset_button.clicked.connect(self.reset)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        # A presenter's remote sends Page Down / Page Up: the next and the previous step, wherever the focus is.
        for keys, button, words in ((QKeySequence.StandardKey.MoveToNextPage, self.next, "Next lesson step"),
                                    (QKeySequence.StandardKey.MoveToPreviousPage, self.back,
                                     "Previous lesson step")):
            act = QAction(words, self)
            act.setShortcut(keys)
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(button.click)  # a disabled button ignores it
            self.addAction(act)
        self.notes_toggle.toggled.connect(self.notes.setVisible)
        self.settings_toggle.toggled.connect(self.settings_wanted)
        self.notes.setVisible(False)
        self.open_lesson(built_in()[0])

    # -- the lesson -----------------------------------------------------------------------------

    def _index(self) -> int:
        return self.walkthrough.index if self.walkthrough is not None else 0

    def _chooser_index(self) -> int:
        """The chooser's row of the lesson shown (-1 if it is not listed)."""
        shown = self.walkthrough.lesson if self.walkthrough is not None else None
        return next((k for k in range(self.chooser.count()) if self.chooser.itemData(k) is shown), -1)

    def open_lesson(self, lesson: Lesson) -> None:
        """Show ``lesson`` from its first step, with no answers yet."""
        self.walkthrough = Walkthrough(lesson, self.facts)
        i = self._chooser_index()
        if i < 0:  # a file's lesson: listed above "Open a lesson file…"
            i = self.chooser.count() - 1
            self.chooser.insertItem(i, lesson.title, lesson)
        self.chooser.setCurrentIndex(i)
        self.show_step(0)

    def open_file(self, path: str) -> bool:
        try:
            lesson = load_file(path)
        except LessonError as exc:
            self._say(str(exc))
            return False
        self.open_lesson(lesson)
        return True

    @Slot(int)
    def _on_chooser_activated(self, i: int) -> None:
        lesson = self.chooser.itemData(i)
        if lesson is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open a lesson", "", "Lessons (*.json)")
            if not path or not self.open_file(path):
                self.chooser.setCurrentIndex(self._chooser_index())
            return
        if self.walkthrough is None or lesson is not self.walkthrough.lesson:
            self.open_lesson(lesson)

    def show_step(self, i: int) -> None:
        """Show step ``i``: its question and answer box, and its reveal if it has run."""
        wt = self.walkthrough
        if wt is None:
            return
        wt.go(i)
        step = wt.step
        self.step_title.setText(f"Step {wt.index + 1} of {wt.count}: {wt.text(step.title)}")
        self.setup_words.setText(f"Runs: {wt.setup_words()}")
        self.question.setText(wt.question())
        given = wt.answers.get(wt.index, [])
        if step.question.answer is Answer.NUMBER:
            self.answer_stack.setCurrentIndex(0)
            self.number.setFocus()  # type the prediction straight away
            unit = step.question.unit
            self.unit.setText("times" if unit == "×" else unit)  # a lone × reads as a close button
            self.number.blockSignals(True)
            self.number.setText(", ".join(given))
            self.number.blockSignals(False)
        else:
            self.answer_stack.setCurrentIndex(1)
            self._build_choices(step.question.choices, given[0] if given else None)
        self.notes.setText(wt.text(step.notes) if step.notes else "This step has no notes.")
        self.scroll.verticalScrollBar().setValue(0)
        self._say("")
        result = wt.results.get(wt.index)
        if result is None:
            self._clear_reveal()
            self.look_at.emit("")
        else:
            self._show_result()
        self._update_buttons()

    def _build_choices(self, choices: dict, chosen: str | None) -> None:
        for b in self.choice_group.buttons():
            self.choice_group.removeButton(b)
            b.deleteLater()
        for k, (key, words) in enumerate(choices.items()):
            b = QRadioButton(words)
            b.setProperty("choice", key)
            b.setChecked(key == chosen)
            self.choice_group.addButton(b, k)
            self.choice_layout.addWidget(b)

    def answer_text(self) -> str:
        wt = self.walkthrough
        if wt is not None and wt.step.question.answer is Answer.CHOICE:
            b = self.choice_group.checkedButton()
            return str(b.property("choice")) if b is not None else ""
        return self.number.text()

    def set_answer_text(self, text: str) -> None:
        """Give the shown step's answer as typed (a choice by its key or words)."""
        wt = self.walkthrough
        if wt is not None and wt.step.question.answer is Answer.CHOICE:
            from concgui.lessons.reveal import parse_prediction

            key = parse_prediction(text, wt.step.question)
            if isinstance(key, str):
                self.choose(key)
            return
        self.number.setText(text)

    def choose(self, key: str) -> None:
        """Pick a choice as a click would (for the app's own demos and the tests)."""
        for b in self.choice_group.buttons():
            if b.property("choice") == key:
                b.click()

    @Slot()
    def _on_answer_changed(self) -> None:
        if self.walkthrough is None:
            return
        text = self.answer_text()
        why = self.walkthrough.set_answers(text) if text.strip() else ""
        if not text.strip():
            self.walkthrough.answers.pop(self.walkthrough.index, None)
        self._say(why)
        self._update_buttons()

    def _update_buttons(self) -> None:
        wt = self.walkthrough
        answered = wt is not None and wt.answered
        self.run_button.setText("Cancel" if self.running else
                                "Run again" if wt is not None and wt.index in wt.results else "Lock in and run")
        self.run_button.setEnabled(self.running or answered)
        for w in (self.chooser, self.back, self.next, self.reset_button, self.number, self.choice_box):
            w.setEnabled(not self.running)
        if wt is not None and not self.running:
            self.back.setEnabled(wt.index > 0)
            self.next.setEnabled(wt.index < wt.count - 1)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- running ---------------------------------------------------------------------------------

    def _clear_reveal(self, reveal: str = "") -> None:
        for label, text in ((self.reveal, reveal), (self.look, ""), (self.try_next, "")):
            label.setText(text)
            label.setVisible(bool(text))  # an empty one takes no room

    @Slot()
    def _on_number_return_pressed(self) -> None:
        if self.run_button.isEnabled() and not self.running:
            self.run_button.click()

    @Slot()
    def _on_run_button_clicked(self) -> None:
        if self.running:
            self.cancel_requested.emit()
        elif self.walkthrough is not None and self.walkthrough.answered:
            self._clear_reveal("<i>Running…</i>")
            self.run_requested.emit(self.walkthrough.index)

    def set_running(self, running: bool) -> None:
        self.running = running
        self._update_buttons()

    def refuse(self, text: str) -> None:
        """The window could not start the step (it is busy, or the input was refused)."""
        self._clear_reveal()
        self._say(text)

    def show_outcome(self, outcome: Outcome) -> None:
        """Judge what the shown step's run produced and reveal it."""
        if self.walkthrough is None:
            return
        self.walkthrough.record(outcome)
        self._show_result()
        self._update_buttons()
        self.revealed.emit(self.walkthrough.index)

    def _show_result(self) -> None:
        wt = self.walkthrough
        assert wt is not None
        r = wt.results[wt.index]
        step = wt.step
        if r.reveal is None:
            self._clear_reveal(f"<b>Could not measure this step:</b> {html.escape(r.error or '')}")
            return
        rv = r.reveal
        mark = "" if rv.held else "⚠ "  # a held headline ends with its own ✓
        parts = [f"<p><b>{mark}{html.escape(rv.headline)}</b></p>"]
        if rv.prediction:
            parts.append(f"<p>{html.escape(rv.prediction)}</p>")
        parts.append(f"<p>{html.escape(rv.why)}</p>")
        parts += [f"<p><i>{html.escape(line)}</i></p>" for line in rv.evidence[:4]]
        self.reveal.setText("".join(parts))
        self.look.setText(f"<b>Look at:</b> {html.escape(wt.text(step.look_at.text))}")
        self.try_next.setText(f"<b>Try next:</b> {html.escape(wt.text(step.try_next))}")
        for label in (self.reveal, self.look, self.try_next):
            label.setVisible(True)
        self.look_at.emit(step.look_at.target)

    @Slot()
    def reset(self) -> None:
        if self.walkthrough is not None and not self.running:
            self.walkthrough.reset()
            self.show_step(0)

    # -- answers out -------------------------------------------------------------------------------

    def export_csv(self, path: str) -> None:
        """Write the class's answers and each step's measurement; raises ExportError with a sentence."""
        assert self.walkthrough is not None
        write_csv(path, self.walkthrough.lesson.id, self.walkthrough.sheet())

    @Slot()
    def _on_export_button_clicked(self) -> None:
        if self.walkthrough is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the answers", f"{self.walkthrough.lesson.id}-answers.csv",
                                              "CSV (*.csv)")
        if not path:
            return
        try:
            self.export_csv(path)
        except ExportError as exc:
            self._say(str(exc))
            return
        self._say(f"Saved the answers to {path}.")
