"""The reveal: the number first, what this machine should give and why, and it never overrules the number."""

from __future__ import annotations

from concgui.lessons.expect import Expected
from concgui.lessons.format import Answer, Question
from concgui.lessons.reveal import judge_prediction, parse_prediction, reveal

SPEEDUP = Question("How much faster?", Answer.NUMBER, "×")
CHOICE = Question("What happens?", Answer.CHOICE, choices={"deadlock": "Deadlock", "completes": "Both finish"})
ABOUT_ONE = Expected(0.5, 1.3, why="the GIL is on")


def test_a_held_step_says_so_with_its_reason() -> None:
    r = reveal(1.02, "threads ×2 took 1.40 s", ABOUT_ONE, SPEEDUP, prediction=2.0)
    assert r.held
    assert r.headline.startswith("Measured 1.02× (threads ×2 took 1.40 s)") and "0.5–1.3×" in r.headline
    assert r.why == "Why: the GIL is on."
    assert "✗ off by 0.98×" in r.prediction


def test_a_step_that_does_not_hold_says_on_this_machine_and_keeps_the_measurement() -> None:
    r = reveal(1.8, "threads ×2 took 0.80 s", ABOUT_ONE, SPEEDUP)
    assert not r.held
    assert r.headline.startswith("On this machine: measured 1.80×")
    assert "outside the 0.5–1.3×" in r.headline
    assert "did not bear that out" in r.why and "the measurement is what happened" in r.why
    assert "Why:" not in r.why  # the textbook reason is not asserted over the number
    assert r.prediction == ""


def test_predictions_are_read_as_people_type_them() -> None:
    assert parse_prediction("1.8×", SPEEDUP) == 1.8
    assert parse_prediction(" 2 x", SPEEDUP) == 2.0
    assert parse_prediction("1,500", Question("ms?", Answer.NUMBER, "ms")) == 1500.0
    assert parse_prediction("fast", SPEEDUP) is None
    assert parse_prediction("nan", SPEEDUP) is None
    assert parse_prediction("both finish", CHOICE) == "completes"
    assert parse_prediction("DEADLOCK", CHOICE) == "deadlock"
    assert parse_prediction("maybe", CHOICE) is None


def test_a_prediction_is_close_within_a_fifth_and_a_class_is_named_as_one() -> None:
    assert "✓ close" in judge_prediction(1.1, 1.0, SPEEDUP)
    assert "✗ off" in judge_prediction(1.3, 1.0, SPEEDUP)
    assert judge_prediction("deadlock", "deadlock", CHOICE) == "You predicted: Deadlock. ✓ That is what happened."
    assert judge_prediction("completes", "deadlock", CHOICE, answers=5).startswith(
        "The class's commonest answer (5 answers): Both finish. ✗")
    assert judge_prediction(1.5, 1.0, SPEEDUP, answers=3).startswith("The class's median prediction (3 answers)")


def test_a_choice_is_revealed_as_what_happened() -> None:
    held = reveal("deadlock", "both waited", Expected(one_of=("deadlock",), why="a cycle"), CHOICE, "deadlock")
    assert held.headline == "What happened: Deadlock (both waited). Expected here: Deadlock: ✓ it held."
    missed = reveal("completes", "all done", Expected(one_of=("deadlock",), why="a cycle"), CHOICE)
    assert missed.headline.startswith("On this machine: what happened was Both finish (all done), not the Deadlock")
