"""A lesson being taught: an answer before the run, a class's answers, the sheet, reset."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

from concgui.lessons.answers import split_answers, to_csv
from concgui.lessons.catalog import find
from concgui.lessons.measure import Outcome
from concgui.lessons.walkthrough import Walkthrough
from tests.lessons.test_lesson_expect import GIL_2_CORES


def record(mode: str, wall: float, workers: int = 2) -> SimpleNamespace:
    return SimpleNamespace(mode=mode, wall_s=wall, workers=workers, status="done")


def test_a_step_needs_an_answer_and_refuses_one_that_is_not() -> None:
    wt = Walkthrough(find("gil"), GIL_2_CORES)
    assert not wt.answered
    assert wt.set_answers("fast") == "“fast” is not an answer to this question: give a number."
    assert not wt.answered
    assert wt.set_answers("1.5") == "" and wt.answered


def test_a_class_gives_several_answers_and_predicts_their_median() -> None:
    assert split_answers("1, 1.5; 2") == ["1", "1.5", "2"]
    assert split_answers("They wait for each other: deadlock") == ["They wait for each other: deadlock"]
    wt = Walkthrough(find("gil"), GIL_2_CORES)
    wt.set_answers("1, 2, 2, 4")
    assert wt.prediction() == 2.0
    wt.go(99)
    assert wt.index == 2  # clamped to the last step
    sync = Walkthrough(find("sync"), GIL_2_CORES)
    sync.go(2)
    sync.set_answers("deadlock; completes; deadlock")
    assert sync.prediction() == "deadlock"


def test_questions_are_filled_in_for_this_machine() -> None:
    wt = Walkthrough(find("gil"), GIL_2_CORES)
    assert "on 2 threads" in wt.question()
    assert wt.setup_words() == "16 × cpu-python (300,000): serial, then threads ×2"


def test_the_sheet_has_every_step_its_answers_and_what_was_measured() -> None:
    wt = Walkthrough(find("gil"), GIL_2_CORES)
    wt.set_answers("1, 2")
    result = wt.record(Outcome(records=(record("serial", 1.0, 1), record("threads", 1.0))))
    assert result.holds and result.measured is not None and result.measured.value == 1.0
    assert result.reveal is not None and "median prediction (2 answers)" in result.reveal.prediction
    rows = list(csv.DictReader(io.StringIO(to_csv("gil", wt.sheet()))))
    assert [r["step"] for r in rows] == ["1", "2", "3"]
    assert rows[0]["answers"] == "1; 2" and rows[0]["measured"] == "1.0" and rows[0]["holds"] == "yes"
    assert rows[0]["expected"] == "0.5–1.3×"
    assert rows[1]["answers"] == rows[1]["measured"] == rows[1]["holds"] == ""
    wt.reset()
    assert wt.index == 0 and not wt.answers and not wt.results


def test_a_run_that_failed_is_not_measured_and_says_why() -> None:
    wt = Walkthrough(find("gil"), GIL_2_CORES)
    wt.set_answers("1")
    result = wt.record(Outcome(error="cancelled"))
    assert result.measured is None and result.reveal is None and result.error == "cancelled"
    assert result.holds is None


def test_a_text_that_depends_on_the_gil_is_the_one_true_here() -> None:
    from dataclasses import replace

    look = find("gil").steps[0].look_at.text
    with_gil = Walkthrough(find("gil"), GIL_2_CORES)
    free = Walkthrough(find("gil"), replace(GIL_2_CORES, gil_enabled=False))
    assert "under the GIL" in with_gil.text(look)
    assert "without a GIL" in free.text(look) and "under the GIL" not in free.text(look)
    assert "GIL is on" in with_gil.text(with_gil.step.notes)
