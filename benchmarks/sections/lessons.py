"""``lessons``: every built-in lesson run headless, each step's measurement against what this machine should give.

The lessons' reveals claim ranges computed for the machine (cores, GIL,
switch interval); this section runs every step of every lesson as
``concgui lesson ID`` does and reports, per lesson, how many steps held and
what they measured. Target: every step holds. A step that does not is a
lesson to fix (its rule, or its sizes for this class of machine), never a
number to hide: the reveal says "On this machine" in the window too.
"""

from __future__ import annotations

from benchmarks.report import Report


def lessons(report: Report, quick: bool = False) -> None:
    from concgui.lessons.catalog import built_in, find
    from concgui.lessons.facts import Facts
    from concgui.lessons.headless import run_lesson
    from concgui.lessons.reveal import expected_words, value_words

    facts = Facts.here()
    chosen = (find("sync"),) if quick else built_in()  # quick: the labs' lesson, a few seconds
    for lesson in chosen:
        results = run_lesson(lesson, facts)
        held = sum(1 for r in results if r.holds)
        parts = []
        for r in results:
            if r.measured is None:
                parts.append(f"{r.number}: not measured ({r.error})")
            else:
                q = r.step.question
                parts.append(f"{r.number}: {value_words(r.measured.value, q)} ({expected_words(r.expected, q)})")
        report.add("lessons", f"{lesson.id}: steps that held on this machine ({facts.python}, GIL "
                              f"{'on' if facts.gil_enabled else 'off'}, {facts.cores} cores)",
                   f"{held} of {len(lesson.steps)}; " + "; ".join(parts), "every step", held == len(lesson.steps),
                   value=held / len(lesson.steps))
