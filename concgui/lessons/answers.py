"""A class's answers, kept per step and written as CSV for a spreadsheet.

The window's answer box takes one prediction or several (a show of hands:
"1, 1.5, 2, 2"), so a teacher can keep the whole class's guesses beside what
was measured. ``concgui lesson ID --csv F`` writes the same sheet, with the
answers left blank for a class to fill in.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Iterable, Sequence

COLUMNS = ("lesson", "step", "title", "question", "answers", "measured", "unit", "expected", "holds", "measured_words")


@dataclass
class StepAnswers:
    """The predictions given for one step and, once it ran, what it measured."""

    step: int
    title: str
    question: str
    unit: str = ""
    answers: list[str] = field(default_factory=list)
    measured: str = ""
    expected: str = ""
    holds: bool | None = None
    measured_words: str = ""


def split_answers(text: str) -> list[str]:
    """The predictions in ``text``: separated by semicolons, or commas between numbers ("1, 1.5; 2")."""
    parts = [p.strip() for p in text.replace(";", "\n").splitlines()]
    out: list[str] = []
    for part in parts:
        pieces = [x.strip() for x in part.split(",")]
        numeric = all(_is_number(x) for x in pieces if x)
        out.extend([x for x in pieces if x] if numeric else ([part] if part else []))
    return out


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("×x%").strip())
    except ValueError:
        return False
    return True


def to_csv(lesson_id: str, rows: Iterable[StepAnswers]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([lesson_id, r.step, r.title, r.question, "; ".join(r.answers), r.measured, r.unit, r.expected,
                    "" if r.holds is None else ("yes" if r.holds else "no"), r.measured_words])
    return buf.getvalue()


def write_csv(path: str, lesson_id: str, rows: Sequence[StepAnswers]) -> None:
    """Write the sheet; raises :class:`~concgui.engine.export.ExportError` with a sentence if it cannot."""
    from concgui.engine.export import write_text

    write_text(path, to_csv(lesson_id, rows))
