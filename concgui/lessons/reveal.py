"""The reveal: the prediction, what was measured, what this machine should give and why, whether it held.

Assembled from the measurement and the expectation's computed reason, so it
is true of this run. When the measurement falls outside what the lesson
expects, the reveal says so first ("On this machine: …") and keeps the
number: the lesson's reason is what did not fit, never the measurement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from concgui.lessons.expect import Expected
from concgui.lessons.format import Answer, Question

#: A number prediction within this fraction of the measurement counts as close.
CLOSE = 0.2


@dataclass(frozen=True)
class Reveal:
    held: bool
    headline: str  # one line: the measurement against what was expected
    prediction: str  # how the prediction fared ("" without one)
    why: str  # the expectation's reason, or why it did not fit
    evidence: tuple[str, ...]  # the run's own lines (the verdict, the lab's summary)

    def text(self) -> str:
        parts = [self.headline]
        if self.prediction:
            parts.append(self.prediction)
        parts.append(self.why)
        return "\n\n".join([*parts, *self.evidence])


def value_words(value: float | str, question: Question) -> str:
    if isinstance(value, str):
        return question.choices.get(value, value)
    unit = question.unit
    if unit == "×":
        return f"{value:,.2f}×"
    if unit == "ms":
        return ms_words(value)
    num = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.2f}"
    return f"{num}{unit}" if unit == "%" else f"{num} {unit}".rstrip()


def ms_words(ms: float) -> str:
    """Milliseconds as the lateness plot shows them: whole from 10 ms, one decimal below."""
    return f"{ms:,.0f} ms" if abs(ms) >= 10 else f"{ms:.1f} ms"


def expected_words(expected: Expected, question: Question) -> str:
    """What this machine should give, in the question's words (a choice's label, not its key)."""
    if expected.one_of:
        return " or ".join(question.choices.get(c, c) for c in expected.one_of)
    return expected.words(question.unit)


def parse_prediction(text: str, question: Question) -> float | str | None:
    """A typed prediction as the question's answer (None if it is not one): "1.8", "1.8×", "2 x", a choice."""
    t = text.strip().lower()
    if question.answer is Answer.CHOICE:
        for key, words in question.choices.items():
            if t in (key.lower(), words.lower()):
                return key
        return None
    t = t.rstrip("×x%").strip().replace(",", "").removesuffix("ms").strip()
    try:
        value = float(t)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def judge_prediction(prediction: float | str | None, value: float | str, question: Question, answers: int = 1) -> str:
    """How the prediction fared; ``answers`` > 1: it is a class's (the median, or the commonest choice)."""
    if prediction is None:
        return ""
    said = value_words(prediction, question)
    if question.answer is Answer.CHOICE or isinstance(value, str):
        who = "You predicted" if answers <= 1 else f"The class's commonest answer ({answers} answers)"
        if prediction == value:
            return f"{who}: {said}. ✓ That is what happened."
        return f"{who}: {said}. ✗ Not this time: {value_words(value, question)}."
    assert isinstance(prediction, (int, float))
    who = "You predicted" if answers <= 1 else f"The class's median prediction ({answers} answers) was"
    off = abs(prediction - value)
    close = off <= CLOSE * max(abs(value), 1e-9)
    return (f"{who} {said}: {'✓ close' if close else '✗ off'} by {value_words(round(off, 2), question)}"
            f"{'' if close else f' (measured {value_words(value, question)})'}.")


def reveal(value: float | str, measured_words: str, expected: Expected, question: Question,
           prediction: float | str | None = None, evidence: Sequence[str] = (), answers: int = 1) -> Reveal:
    held = expected.holds(value)
    shown, want = value_words(value, question), expected_words(expected, question)
    choice = isinstance(value, str)
    if held and choice:
        headline = f"What happened: {shown} ({measured_words}). Expected here: {want}: ✓ it held."
        why = f"Why: {expected.why}."
    elif held:
        headline = f"Measured {shown} ({measured_words}). This machine should give {want}: ✓ it held."
        why = f"Why: {expected.why}."
    else:
        got = f"what happened was {shown}" if choice else f"measured {shown}"
        headline = (f"On this machine: {got} ({measured_words}), not the {want} this lesson expects here."
                    if choice else f"On this machine: {got} ({measured_words}), outside the {want} this lesson "
                    "expects here.")
        why = (f"The lesson expected it because {expected.why}. This run did not bear that out; the measurement "
               "is what happened (look at the evidence below, and run the step again to see if it repeats).")
    return Reveal(held, headline, judge_prediction(prediction, value, question, answers), why, tuple(evidence))


def reveal_dict(r: Reveal) -> dict[str, Any]:
    return {"held": r.held, "headline": r.headline, "prediction": r.prediction, "why": r.why,
            "evidence": list(r.evidence)}
