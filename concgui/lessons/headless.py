"""Run a lesson without a window (``concgui lesson ID``): each step measured, expected and judged.

Workload steps run on the engine's :class:`~concgui.engine.runner.Runner`
(the terminal's floor: serial and threads in this process), lab steps on the
lab's own ``run``; a step that measures a freeze runs its last run in or
beside :mod:`concgui.lessons.loop_stand_in`'s event loop. Every step gets the
same :class:`~concgui.lessons.measure.Outcome` the window gives it, so both
measure, expect and reveal it the same way.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from concgui.lessons.answers import StepAnswers

from concgui.lessons.expect import Expected, expected
from concgui.lessons.facts import Facts, fill
from concgui.lessons.format import LabSetup, Lesson, Metric, Placement, RunSetup, Step, lab_params, run_configs
from concgui.lessons.measure import MeasureError, Measured, Outcome, measure
from concgui.lessons.reveal import Reveal, expected_words, reveal, reveal_dict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepResult:
    """One step, judged: what it measured, what this machine should give, whether that held."""

    number: int
    step: Step
    question: str
    expected: Expected
    measured: Measured | None
    reveal: Reveal | None
    error: str | None = None

    @property
    def holds(self) -> bool | None:
        return None if self.reveal is None else self.reveal.held

    def sheet_row(self, answers: Sequence[str] = ()) -> StepAnswers:
        """This step on the answer sheet, beside the class's ``answers``."""
        m = self.measured
        return StepAnswers(self.number, self.step.title, self.question, self.step.question.unit, list(answers),
                           "" if m is None else str(m.value), expected_words(self.expected, self.step.question),
                           self.holds, "" if m is None else m.words)

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.number, "title": self.step.title, "question": self.question,
                "answer": self.step.question.answer.value, "unit": self.step.question.unit,
                "metric": self.step.metric.value, "measured": None if self.measured is None else self.measured.value,
                "measured_words": None if self.measured is None else self.measured.words,
                "expected": self.expected.as_dict(),
                "expected_words": expected_words(self.expected, self.step.question),
                "holds": self.holds, "reveal": None if self.reveal is None else reveal_dict(self.reveal),
                "error": self.error}


def judge(number: int, step: Step, outcome: Outcome, facts: Facts, prediction: float | str | None = None,
          answers: int = 1) -> StepResult:
    """Measure ``outcome`` for ``step`` and reveal it against what this machine should give."""
    question = fill(step.question.text, facts, step.setup)
    want = expected(step, facts, outcome)
    try:
        got = measure(step.metric, step.metric_args, outcome)
    except MeasureError as exc:
        return StepResult(number, step, question, want, None, None, str(exc))
    shown = reveal(got.value, got.words, want, step.question, prediction, tuple(outcome.lines), answers)
    return StepResult(number, step, question, want, got, shown)


def run_step(step: Step, facts: Facts, runner: Any, cancel: threading.Event) -> Outcome:
    """Run one step headless and gather what it produced."""
    if isinstance(step.setup, LabSetup):
        return _run_lab(step.setup, cancel)
    return _run_workload(step, step.setup, facts, runner, cancel)


def _run_lab(setup: LabSetup, cancel: threading.Event) -> Outcome:
    from concgui import labs

    module = labs.load(setup.lab)
    result = module.run(lab_params(setup), cancel=cancel)
    body = result.as_dict()
    return Outcome(lab=body, lines=lab_lines(module, result), error=None if body.get("status") == "done"
                   else body.get("error") or f"the lab ended {body.get('status')}")


def lab_lines(module: Any, result: Any) -> tuple[str, ...]:
    """The evidence a lab step's reveal quotes: the first line of the lab's own summary (what ran)."""
    return tuple(module.summary(result)[:1])


def _run_workload(step: Step, setup: RunSetup, facts: Facts, runner: Any, cancel: threading.Event) -> Outcome:
    from concgui.engine.compare import make_record
    from concgui.engine.config import POOL_MODES
    from concgui.engine.events import RunStarted
    from concgui.engine.verdict import names_of, verdict
    from concgui.lessons.loop_stand_in import longest_freeze_ms

    configs = run_configs(setup, facts.cores)  # the Runner runs serial and threads here, as bench does
    for cfg in configs:
        if cfg.mode in POOL_MODES:
            runner.warm_up(cfg, cancel)  # a pool's first start is not part of any run (as in bench)
    records: list = []
    freeze: float | None = None
    for i, cfg in enumerate(configs):
        started: list[RunStarted] = []
        finished: list = []

        def go(cfg=cfg, started=started, finished=finished) -> None:
            finished.append(runner.run(cfg, lambda ev: started.append(ev) if isinstance(ev, RunStarted) else None,
                                       cancel))

        if step.metric is Metric.FREEZE_MS and i == len(configs) - 1:
            freeze = longest_freeze_ms(go, on_loop_thread=setup.placement is Placement.WINDOW_THREAD)
        else:
            go()
        fin = finished[0]
        records.append(make_record(started[0], fin, records[0] if records else None))
        if fin.error or cancel.is_set():
            return Outcome(records=tuple(records), error=fin.error or "cancelled")
    lines = (verdict(records, names_of(records)).sentence(),) if len(records) >= 2 else ()
    return Outcome(records=tuple(records), freeze_ms=freeze, lines=lines)


def run_lesson(lesson: Lesson, facts: Facts | None = None, cancel: threading.Event | None = None,
               on_step: Callable[[StepResult], None] | None = None) -> list[StepResult]:
    """Every step of ``lesson``, run and judged in order (a cancel stops after the step running)."""
    from concgui.engine.runner import Runner

    facts = facts or Facts.here()
    cancel = cancel or threading.Event()
    results: list[StepResult] = []
    with Runner() as runner:
        for number, step in enumerate(lesson.steps, start=1):
            if cancel.is_set():
                break
            result = judge(number, step, run_step(step, facts, runner, cancel), facts)
            results.append(result)
            if on_step is not None:
                on_step(result)
    return results


def lesson_document(lesson: Lesson, results: list[StepResult], facts: Facts) -> dict[str, Any]:
    """``concgui lesson ID --json``: the machine, and each step's measured value, expected range and ``holds``."""
    from concgui import __version__

    return {"concgui": __version__, "lesson": lesson.id, "title": lesson.title, "facts": facts.as_dict(),
            "steps": [r.as_dict() for r in results],
            "all_hold": bool(results) and all(r.holds for r in results)}
