"""A lesson being taught: which step is shown, the class's answers, each step's judged outcome.

The window's lesson panel observes one :class:`Walkthrough`; it is plain
Python (no Qt), so what a step needs before it runs (an answer first), how a
class's several answers become one prediction, and what the answer sheet
holds are specified by tests without a window.
"""

from __future__ import annotations

import statistics
from typing import Any
from collections import Counter
from dataclasses import dataclass, field

from concgui.lessons.answers import StepAnswers, split_answers
from concgui.lessons.facts import Facts, fill, setup_words
from concgui.lessons.format import Answer, Lesson, Step
from concgui.lessons.headless import StepResult, judge
from concgui.lessons.measure import Outcome
from concgui.lessons.reveal import parse_prediction


@dataclass
class Walkthrough:
    lesson: Lesson
    facts: Facts
    index: int = 0
    answers: dict[int, list[str]] = field(default_factory=dict)  # step index -> the predictions given
    results: dict[int, StepResult] = field(default_factory=dict)  # step index -> the step judged

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    @property
    def count(self) -> int:
        return len(self.lesson.steps)

    def question(self, i: int | None = None) -> str:
        s = self.lesson.steps[self.index if i is None else i]
        return fill(s.question.text, self.facts, s.setup)

    def text(self, value: Any) -> str:
        """A lesson text of the current step (its GIL variant, if it has one) with its ``{fields}`` filled in."""
        return fill(value, self.facts, self.step.setup)

    def setup_words(self, i: int | None = None) -> str:
        """What step ``i`` runs, in a line: "16 × cpu-python (300,000), serial, then threads ×2"."""
        return setup_words(self.lesson.steps[self.index if i is None else i].setup, self.facts)

    def go(self, i: int) -> None:
        self.index = max(0, min(self.count - 1, i))

    def set_answers(self, text: str) -> str:
        """Keep the predictions in ``text`` for this step; "" if they read as answers, else why not."""
        given = split_answers(text)
        bad = [a for a in given if parse_prediction(a, self.step.question) is None]
        if bad:
            q = self.step.question
            want = "a number" if q.answer is Answer.NUMBER else "one of: " + ", ".join(q.choices.values())
            return f"“{bad[0]}” is not an answer to this question: give {want}."
        self.answers[self.index] = given
        return ""

    def prediction(self, i: int | None = None) -> float | str | None:
        """The class's prediction: the one answer, the median of several numbers, or the commonest choice."""
        i = self.index if i is None else i
        q = self.lesson.steps[i].question
        values = [v for v in (parse_prediction(a, q) for a in self.answers.get(i, ())) if v is not None]
        if not values:
            return None
        if q.answer is Answer.CHOICE:
            return Counter(values).most_common(1)[0][0]
        return float(statistics.median(float(v) for v in values))

    @property
    def answered(self) -> bool:
        return self.prediction() is not None

    def record(self, outcome: Outcome) -> StepResult:
        """Judge what the current step's run produced against the class's prediction."""
        given = len(self.answers.get(self.index, ()))
        result = judge(self.index + 1, self.step, outcome, self.facts, self.prediction(), max(1, given))
        self.results[self.index] = result
        return result

    def reset(self) -> None:
        """Forget every answer and result: the lesson from its first step again."""
        self.answers.clear()
        self.results.clear()
        self.index = 0

    def sheet(self) -> list[StepAnswers]:
        """Every step's answers beside what it measured (blank where it has not run), for the CSV."""
        rows = []
        for i, s in enumerate(self.lesson.steps):
            r, given = self.results.get(i), self.answers.get(i, [])
            rows.append(StepAnswers(i + 1, s.title, self.question(i), s.question.unit, list(given)) if r is None
                        else r.sheet_row(given))
        return rows
