"""Which way of running won, and whether the numbers can say so.

One rule, used by the CLI, the window, the explanations and the export:

    A run beats another only when its median wall time is shorter by more
    than the two runs' spreads added together, and by at least 5 %.

A run's *spread* is half the range of its repeats' wall times, as a fraction
of their median (:mod:`concgui.engine.repeats`). With one sample there is no
spread to speak of, so only the 5 % floor applies: repeat to be sure. When no
run beats every other, the verdict names none: "too close to call here".

And no verdict is called while other programs used half a core or more during
any of the runs (:mod:`concgui.engine.machine_load`): their work lands on some
runs more than others, so any ranking would be theirs as much as ours.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

from concgui.engine.compare import RunRecord, short_python_tags, spans_pythons
from concgui.engine.events import RunStatus

#: The least difference ever called a win, whatever the spreads: timings on a shared machine wobble.
MIN_MARGIN = 0.05
#: Other programs using this many cores during any run: no verdict.
BUSY_CORES = 0.5
RULE = ("a run beats another only when its median wall time is shorter by more than the two runs' spreads "
        f"added together (spread: half the range of its repeats, relative to their median), and by at least "
        f"{MIN_MARGIN:.0%}; and none is called while other programs use {BUSY_CORES:g} cores or more")


def rule_html() -> str:
    """The rule, for the window's Help menu: what "clear winner" and "too close to call" mean."""
    return (
        "<p>Compare and Scale run every mode several times (<b>Repeats</b>), interleaved: serial, threads, "
        "processes, then again, so that anything else the machine does lands on every mode alike.</p>"
        "<p>Each mode's time is the <b>median</b> of its repeats, and its <b>spread</b> is half the range of "
        "its repeats, relative to that median (the ± beside it).</p>"
        f"<p>A mode <b>beats</b> another only when its median is shorter by more than the two spreads added "
        f"together, and by at least {MIN_MARGIN:.0%}. The verdict names the mode that beats every other; "
        "if none does, it is <b>too close to call</b> here.</p>"
        f"<p>No verdict is called while other programs use {BUSY_CORES:g} cores or more during a run "
        "(each record says how many they used): their work would decide the ranking.</p>")


def label(r: RunRecord) -> str:
    """How a run is named in a verdict: its mode, and its workers when it has several."""
    return r.mode if r.workers <= 1 else f"{r.mode} ×{r.workers}"


def distinct(names: Sequence[str], records: Sequence[RunRecord]) -> list[str]:
    """``names`` of ``records``, with a run number added where two would read the same.

    A flood lesson compares two runs of one mode: "processes ×2" twice would
    let a sentence name the wrong one.
    """
    seen = Counter(names)
    return [f"{n} (run {r.run_id})" if seen[n] > 1 else n for n, r in zip(names, records)]


def names_of(records: Sequence[RunRecord]) -> list[str]:
    """Each run's :func:`label`, told apart where two are alike (see :func:`distinct`)."""
    return distinct(with_pythons([label(r) for r in records], records), records)


def with_pythons(names: Sequence[str], records: Sequence[RunRecord]) -> list[str]:
    """``names`` with each run's Python added (``threads ×2 · 3.13``) when the runs span several."""
    if not spans_pythons(records):
        return list(names)
    tags = short_python_tags(records)
    return [f"{n} · {tags[r.interpreter]}" for n, r in zip(names, records)]


def margin_needed(a: RunRecord, b: RunRecord) -> float:
    """How much shorter (as a fraction) one median must be than the other's for the rule to call it."""
    return max(MIN_MARGIN, (a.spread or 0.0) + (b.spread or 0.0))


def gain(a: RunRecord, b: RunRecord) -> float:
    """How much shorter ``a``'s median is than ``b``'s, as a fraction of ``b``'s (negative: longer)."""
    return 1.0 - a.wall_s / b.wall_s if b.wall_s > 0 else 0.0


def beats(a: RunRecord, b: RunRecord) -> bool:
    """Whether ``a`` is faster than ``b`` by more than their spreads allow (see :data:`RULE`)."""
    return gain(a, b) > margin_needed(a, b)


def too_close(a: RunRecord, b: RunRecord) -> bool:
    """Neither beats the other."""
    return not beats(a, b) and not beats(b, a)


@dataclass(frozen=True)
class Verdict:
    """The fastest run if the rule calls it (``clear``), else the fastest median with ``clear`` False."""

    winner: str | None  # the winner's label when clear, else None
    clear: bool
    rule: str
    fastest: str | None  # the run with the shortest median, clear or not
    #: When not clear: the closest rival of the fastest, and the margin the rule would have needed.
    rival: str | None = None
    needed: float | None = None
    #: When not called because the machine was busy: the most cores others used during a run.
    busy: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    def as_export(self) -> dict:
        """The export's ``verdict`` object (``bench --json`` and the window's export alike)."""
        return {"winner": self.winner, "clear": self.clear, "rule": self.rule}

    def headline(self) -> str:
        """The verdict in a few words, over the window's chart (:meth:`sentence` is the long form)."""
        if self.fastest is None:
            return "No run finished, so there is no verdict."
        if self.clear:
            return f"Clear winner: {self.winner}."
        if self.busy is not None:
            return f"No verdict: other programs used up to {self.busy:.1f} cores during these runs."
        if self.rival is None:
            return f"Only {self.fastest} finished: nothing to compare it with."
        return (f"Too close to call: {self.fastest} and {self.rival} are within ±{(self.needed or 0):.0%} "
                "of each other.")

    def sentence(self) -> str:
        """One line for the CLI and the window."""
        if self.fastest is None:
            return "No run finished, so there is no verdict."
        if self.clear:
            return (f"Verdict: {self.winner} is the clear winner here: faster than every other run by more "
                    "than their spreads allow.")
        if self.busy is not None:
            return (f"Verdict: none: other programs used up to {self.busy:.1f} cores during these runs, so no "
                    "ranking can be trusted; run it again on a quiet machine.")
        if self.rival is None:
            return f"Verdict: only {self.fastest} finished; nothing to compare it with."
        return (f"Verdict: too close to call here: {self.fastest} was fastest, but not faster than {self.rival} "
                f"by more than their spreads allow (±{(self.needed or MIN_MARGIN):.0%}).")


def verdict(records: Iterable[RunRecord], names: Sequence[str] | None = None) -> Verdict:
    """The verdict over the finished runs of one comparison.

    ``names``: what to call each of ``records`` (default :func:`names_of`);
    the window passes the names its chart shows, so both say the same.
    """
    records = list(records)
    called = dict(zip(map(id, records), names if names is not None else names_of(records)))
    done = [r for r in records if r.status == RunStatus.DONE.value and r.wall_s > 0]
    if not done:
        return Verdict(None, False, RULE, None)
    best = min(done, key=lambda r: r.wall_s)
    others = [r for r in done if r is not best]
    if not others:
        return Verdict(None, False, RULE, called[id(best)])
    loads = [r.other_load_cores for r in done if r.other_load_cores is not None]
    if loads and max(loads) >= BUSY_CORES:
        return Verdict(None, False, RULE, called[id(best)], busy=max(loads))
    unbeaten = [r for r in others if not beats(best, r)]
    if not unbeaten:
        return Verdict(called[id(best)], True, RULE, called[id(best)])
    rival = min(unbeaten, key=lambda r: r.wall_s)
    return Verdict(None, False, RULE, called[id(best)], called[id(rival)], margin_needed(best, rival))
