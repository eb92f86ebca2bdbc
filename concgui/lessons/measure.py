"""Read a step's measurement from what its run produced: records, the loop's freeze, a lab's result.

The window and ``concgui lesson`` produce the same :class:`Outcome` (the
window from its run session and labs tab, the CLI from the engine's
``Runner`` and the labs' ``run``), so a step is measured one way wherever it ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from concgui.lessons.format import Answer, LabSetup, Metric, Question, RunSetup

#: Which lab each lab metric reads.
LAB_OF = {Metric.LOST_UPDATES: "race", Metric.MAX_CONCURRENCY: "semaphore", Metric.DEADLOCK: "deadlock",
          Metric.MAX_FILL: "condition", Metric.FASTEST_IPC: "ipc", Metric.IPC_RATIO: "ipc"}
#: The deadlock lab's two runs, by the words a lesson uses.
DEADLOCK_VARIANTS = {"opposite-order": "broken", "one-order": "fixed"}
DEADLOCK_CHOICES = ("deadlock", "completes")


@dataclass(frozen=True)
class Outcome:
    """What one step's run produced."""

    records: Sequence[Any] = ()  # RunRecord of each mode, serial first
    freeze_ms: float | None = None  # the event loop's longest freeze during the last run
    lab: Mapping[str, Any] | None = None  # the lab Result's as_dict()
    lines: Sequence[str] = field(default_factory=tuple)  # the run's own summary (verdict, the lab's lines)
    error: str | None = None


@dataclass(frozen=True)
class Measured:
    value: float | str
    words: str  # the measurement, with what it came from


class MeasureError(Exception):
    """The run did not give what the step measures (it failed or was cancelled)."""


def check_metric(metric: Metric, args: Mapping[str, Any], setup: RunSetup | LabSetup, question: Question) -> str:
    """Why ``metric`` with ``args`` cannot measure this step ("" when it can): checked when a lesson loads."""
    want_choice = metric in (Metric.DEADLOCK, Metric.FASTEST_IPC)
    if (question.answer is Answer.CHOICE) != want_choice:
        return f"{metric.value} is answered with {'a choice' if want_choice else 'a number'}"
    if metric in (Metric.SPEEDUP, Metric.FREEZE_MS):
        if not isinstance(setup, RunSetup):
            return f"{metric.value} measures a workload run (set.run)"
        if metric is Metric.SPEEDUP:
            mode = args.get("mode")
            if mode not in setup.modes[1:]:
                return f"speedup needs mode, one of the step's modes after serial: {', '.join(setup.modes[1:])}"
        return ""
    lab = LAB_OF[metric]
    if not isinstance(setup, LabSetup) or setup.lab != lab:
        return f"{metric.value} measures the {lab} lab (set.lab: {lab})"
    if metric is Metric.LOST_UPDATES and not isinstance(args.get("variant"), str):
        return "lost-updates needs variant, e.g. \"threads, no lock\""
    if metric is Metric.DEADLOCK:
        if args.get("variant") not in DEADLOCK_VARIANTS:
            return f"deadlock needs variant: {', '.join(DEADLOCK_VARIANTS)}"
        if set(question.choices) != set(DEADLOCK_CHOICES):
            return f"deadlock's choices are {', '.join(DEADLOCK_CHOICES)}"
    if metric in (Metric.FASTEST_IPC, Metric.IPC_RATIO) and not isinstance(args.get("size"), int):
        return f"{metric.value} needs size, a payload size in bytes the lab measures"
    if metric is Metric.IPC_RATIO and not (isinstance(args.get("slow"), str) and isinstance(args.get("fast"), str)):
        return "ipc-ratio needs slow and fast, two methods (e.g. queue and shm)"
    return ""


def measure(metric: Metric, args: Mapping[str, Any], outcome: Outcome) -> Measured:
    """The step's value from ``outcome``; :class:`MeasureError` if the run did not produce it."""
    if outcome.error:
        raise MeasureError(outcome.error)
    if metric is Metric.SPEEDUP:
        return _speedup(outcome.records, args["mode"])
    if metric is Metric.FREEZE_MS:
        if outcome.freeze_ms is None or not outcome.records:
            raise MeasureError("the run ended before the event loop's freeze could be measured")
        from concgui.lessons.reveal import ms_words

        wall = outcome.records[-1].wall_s
        freeze = round(outcome.freeze_ms) if outcome.freeze_ms >= 10 else round(outcome.freeze_ms, 1)
        return Measured(freeze, f"the event loop's longest freeze was {ms_words(freeze)}, during a run of "
                                f"{wall:.2f} s")
    lab = outcome.lab
    if lab is None or lab.get("status") != "done":
        raise MeasureError(f"the lab did not finish ({(lab or {}).get('error') or 'no result'})")
    return _LAB_READERS[metric](lab, args)


def _speedup(records: Sequence[Any], mode: str) -> Measured:
    done = [r for r in records if r.status == "done"]
    serial = next((r for r in done if r.mode == "serial"), None)
    other = next((r for r in done if r.mode == mode), None)
    if serial is None or other is None:
        raise MeasureError(f"the serial and {mode} runs did not both finish")
    value = serial.wall_s / other.wall_s
    return Measured(round(value, 2), f"{mode} ×{other.workers} took {other.wall_s:.2f} s and serial "
                                     f"{serial.wall_s:.2f} s: {value:.2f}× serial")


def _lost(lab: Mapping[str, Any], args: Mapping[str, Any]) -> Measured:
    row = next((o for o in lab["outcomes"] if o["variant"] == args["variant"]), None)
    if row is None:
        raise MeasureError(f"the race lab ran no {args['variant']!r} variant")
    return Measured(row["lost"], f"{row['variant']}: {row['actual']:,} of the {row['expected']:,} updates arrived, "
                                 f"{row['lost']:,} lost")


def _concurrency(lab: Mapping[str, Any], _args: Mapping[str, Any]) -> Measured:
    return Measured(lab["max_concurrency"], f"at most {lab['max_concurrency']} workers held a permit at once "
                                            f"({lab['uses']} uses, mean wait {lab['mean_wait_s'] * 1000:.0f} ms)")


def _deadlock(lab: Mapping[str, Any], args: Mapping[str, Any]) -> Measured:
    run = lab.get(DEADLOCK_VARIANTS[args["variant"]])
    if run is None:
        raise MeasureError(f"the deadlock lab ran no {args['variant']} variant")
    if run["deadlock"]:
        cycle = "; ".join(run["cycle_text"])
        return Measured("deadlock", f"{run['variant']}: deadlock, seen after {run['detected_after_s'] * 1000:.1f} ms "
                                    f"({cycle})")
    return Measured("completes", f"{run['variant']}: all {run['transfers']} transfers completed in "
                                 f"{run['wall_s']:.2f} s")


def _fill(lab: Mapping[str, Any], _args: Mapping[str, Any]) -> Measured:
    return Measured(lab["max_fill"], f"the buffer held at most {lab['max_fill']} items; the producers waited "
                                     f"{lab['producer_wait_s']:.2f} s, the consumers {lab['consumer_wait_s']:.2f} s")


def _at_size(lab: Mapping[str, Any], size: int) -> dict[str, float]:
    rows = {m["method"]: m["latency_s"] for m in lab["measurements"] if m["size"] == size}
    if not rows:
        raise MeasureError(f"the IPC lab measured no payload of {size:,} bytes")
    return rows


def _fastest(lab: Mapping[str, Any], args: Mapping[str, Any]) -> Measured:
    from concgui.labs.ipc import format_size

    rows = _at_size(lab, args["size"])
    best = min(rows, key=rows.__getitem__)
    times = ", ".join(f"{m} {t * 1000:.2f} ms" for m, t in sorted(rows.items(), key=lambda kv: kv[1]))
    return Measured(best, f"{format_size(args['size'])}: {times}")


def _ratio(lab: Mapping[str, Any], args: Mapping[str, Any]) -> Measured:
    from concgui.labs.ipc import format_size

    rows = _at_size(lab, args["size"])
    slow, fast = args["slow"], args["fast"]
    if slow not in rows or fast not in rows:
        raise MeasureError(f"the IPC lab did not measure both {slow} and {fast}")
    value = rows[slow] / rows[fast]
    return Measured(round(value, 1), f"{format_size(args['size'])}: {slow} {rows[slow] * 1000:.2f} ms, {fast} "
                                     f"{rows[fast] * 1000:.2f} ms: {fast} {value:.1f}× quicker")


_LAB_READERS = {Metric.LOST_UPDATES: _lost, Metric.MAX_CONCURRENCY: _concurrency, Metric.DEADLOCK: _deadlock,
                Metric.MAX_FILL: _fill, Metric.FASTEST_IPC: _fastest, Metric.IPC_RATIO: _ratio}
