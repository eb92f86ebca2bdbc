"""What a step should measure on *this* machine, and why: computed, never the textbook's number.

Each rule reads the step's setup and :class:`~concgui.lessons.facts.Facts`
(cores, GIL state, switch interval) and gives a range or the choices it
expects, with one sentence of why that names those facts. A lesson names a
rule (``"expect": "gil-bound-threads"``) or writes its own range and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from concgui.lessons.facts import Facts
from concgui.lessons.format import Expect, LabSetup, Metric, RunSetup, Step

#: Below this a person notices a window is late (the lateness plot's amber line).
ALIVE_MS = 100.0
#: How far below the ideal a parallel speedup may fall and still count: pools pay for start-up and messages.
PARALLEL_FLOOR = 0.6
#: How far above the ideal: timing noise, never more cores than there are.
CEILING = 1.15


@dataclass(frozen=True)
class Expected:
    low: float | None = None
    high: float | None = None
    one_of: tuple[str, ...] = ()
    why: str = ""

    def holds(self, value: float | str) -> bool:
        if self.one_of:
            return value in self.one_of
        if isinstance(value, str):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def words(self, unit: str = "") -> str:
        """The range or choices as a reader sees them: "1.2–2.3×", "at least 4×", "deadlock"."""
        if self.one_of:
            return " or ".join(self.one_of)
        u = unit if unit in ("×", "%") else f" {unit}" if unit else ""
        lo, hi = (None if v is None else _num(v) for v in (self.low, self.high))
        if lo is not None and hi is not None:
            return f"{lo}{u}" if lo == hi else f"{lo}–{hi}{u}"
        if lo is not None:
            return f"at least {lo}{u}"
        return f"at most {hi}{u}"

    def as_dict(self) -> dict[str, Any]:
        if self.one_of:
            return {"one_of": list(self.one_of), "why": self.why}
        return {"low": self.low, "high": self.high, "why": self.why}


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.2g}" if abs(v) < 1 else f"{v:.1f}"


@dataclass(frozen=True)
class Rule:
    metric: Metric
    expect: Callable[[Facts, Step, Any], Expected]  # (facts, step, outcome or None)
    summary: str


def _run(step: Step) -> RunSetup:
    assert isinstance(step.setup, RunSetup)
    return step.setup


def _params(step: Step) -> Mapping[str, Any]:
    from concgui.lessons.format import lab_params

    assert isinstance(step.setup, LabSetup)
    return vars(lab_params(step.setup))


def _at_once(facts: Facts, step: Step) -> tuple[int, int]:
    """(workers, how many can run at once: no more than the cores, the workers or the tasks)."""
    setup = _run(step)
    n = setup.worker_count(facts.cores)
    return n, max(1, min(n, facts.cores, setup.tasks))


def _parallel(facts: Facts, step: Step, reason: str) -> Expected:
    n, p = _at_once(facts, step)
    if p == 1:
        return Expected(0.5, 1.3, why=f"{reason}, but this machine has {facts.cores} core and the step "
                                      f"{n} worker(s): nothing can run beside anything else, so about 1×")
    return Expected(round(PARALLEL_FLOOR * p, 2), round(CEILING * p, 2),
                    why=f"{reason}: {n} workers on {facts.cores} cores run {p} at once, so at best {p}×; starting "
                        f"work and sending tasks and results costs some of it")


def gil_bound_threads(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    if facts.gil_enabled:
        return Expected(0.5, 1.3, why=f"{facts.gil_words()}: one thread at a time runs Python bytecode, handing "
                                      f"the GIL over every {facts.switch_ms} ms, so the threads together do one "
                                      "thread's work")
    return _parallel(facts, step, f"{facts.gil_words()}: each thread runs Python on a core of its own")


def processes(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    return _parallel(facts, step, "each worker process has its own interpreter and its own GIL")


def releases_gil(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    return _parallel(facts, step, "the work lets go of the GIL while it runs in C (hashlib does for large "
                                  "buffers), so threads run it side by side")


def overlapping_waits(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    setup = _run(step)
    n = setup.worker_count(facts.cores)
    p = max(1, min(n, setup.tasks))
    return Expected(round(0.4 * p, 2), round(1.1 * p, 2),
                    why=f"a thread that waits holds neither the GIL nor a core, so {p} waits overlap on any "
                        f"number of cores ({facts.cores} here): at best {p}×, less the time to start and "
                        "wake the threads")


def frozen(facts: Facts, step: Step, outcome: Any = None) -> Expected:
    records = getattr(outcome, "records", None) or ()
    wall_ms = records[-1].wall_s * 1000 if records else None
    if wall_ms is None:
        return Expected(250.0, None, why="the loop's thread runs the work, so it cannot tick until the run ends: "
                                         "a freeze as long as the run")
    return Expected(round(0.5 * wall_ms), None,
                    why=f"the loop's own thread runs the work, so it cannot tick until the run ends: a freeze as "
                        f"long as the run ({wall_ms:,.0f} ms; the lesson allows down to half of it)")


def alive(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    return Expected(0.0, ALIVE_MS, why="the work runs in other processes, each with its own GIL; the loop's "
                                       f"thread only hears how far it got, so it ticks on time (under "
                                       f"{ALIVE_MS:.0f} ms late, where a person would notice)")


def shared_gil_loop(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    if facts.gil_enabled:
        return Expected(0.0, ALIVE_MS, why=f"{facts.gil_words()}: a worker thread must hand the GIL over when the "
                                           f"loop asks, within the {facts.switch_ms} ms switch interval, so the "
                                           f"loop stutters by a few ms a tick but does not freeze (under "
                                           f"{ALIVE_MS:.0f} ms)")
    return Expected(0.0, ALIVE_MS, why=f"{facts.gil_words()}: the worker threads and the loop run side by side")


def lost_without_lock(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    p = _params(step)
    total = p["workers"] * p["increments"]
    if p["workers"] < 2:
        return Expected(0, 0, why="one worker has no one to race with")
    if not p["yield_point"]:
        return Expected(0, total, why="without a pause between read and write, whether a switch lands in "
                                      "between is luck: any number may be lost")
    return Expected(1, total - 1,
                    why=f"each worker reads the counter, pauses (time.sleep(0) lets another run) and writes back "
                        f"what it read plus one, so {p['workers']} workers overwrite each other's updates. A worker "
                        "that read long ago writes back an old value and undoes many at once, so even one worker's "
                        "own updates need not survive: anything up to all but the last write may be lost")


def none_lost(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    return Expected(0, 0, why="the lock makes read, add and write one step no other worker can enter, so "
                              "every update arrives")


def permits_cap(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    p = _params(step)
    k = min(p["permits"], p["workers"])
    return Expected(k, k, why=f"a semaphore of {p['permits']} lets no more than {p['permits']} in at once, and "
                              f"{p['workers']} workers each wanting a permit keep it full")


def opposite_order_deadlocks(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    p = _params(step)
    return Expected(one_of=("deadlock",),
                    why=f"each thread takes one lock, pauses {p['hold_s'] * 1000:g} ms, then wants the other's: "
                        "both hold one and wait for the other")


def one_order_completes(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    return Expected(one_of=("completes",),
                    why="when every thread takes the locks in the same order, whoever holds the first can "
                        "always get the second: no cycle of waiting can form")


def buffer_fills(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    p = _params(step)
    made, used = p["producers"] / max(p["produce_s"], 1e-9), p["consumers"] / max(p["consume_s"], 1e-9)
    cap = p["capacity"]
    if made > used and p["items"] > cap:
        return Expected(cap, cap, why=f"the producers make {made:,.0f} items/s and the consumers use "
                                      f"{used:,.0f}/s, so the buffer fills to its capacity of {cap} and the "
                                      "producers wait on the condition until there is room")
    return Expected(1, cap, why=f"the consumers ({used:,.0f} items/s) keep up with the producers "
                                f"({made:,.0f}/s), so the buffer rarely fills")


def _size_arg(step: Step) -> int:
    return int(step.metric_args["size"])


def shared_memory_for_large(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    from concgui.labs.ipc import format_size

    size = _size_arg(step)
    if size >= 256 * 1024:
        return Expected(one_of=("shm",), why=f"at {format_size(size)} copying dominates: a queue pickles the "
                                             "bytes and both it and a pipe push them through the kernel, while "
                                             "shared memory is one block both processes map")
    return Expected(one_of=tuple(step.question.choices),
                    why=f"at {format_size(size)} each message's fixed cost outweighs the copying, so any may win")


def copy_against_map(facts: Facts, step: Step, _outcome: Any = None) -> Expected:
    from concgui.labs.ipc import format_size

    size = _size_arg(step)
    if size >= 1024 * 1024:
        return Expected(2.0, None, why=f"at {format_size(size)} the {step.metric_args['slow']} copies every byte "
                                       "through the kernel (a queue pickles them too) where shared memory maps "
                                       "them once: at least twice as quick")
    return Expected(0.1, None, why=f"at {format_size(size)} a message's fixed cost dominates; either may win")


RULES: dict[str, Rule] = {
    "gil-bound-threads": Rule(Metric.SPEEDUP, gil_bound_threads, "pure-Python threads under this Python's GIL"),
    "processes": Rule(Metric.SPEEDUP, processes, "one process per core, each with its own GIL"),
    "releases-gil": Rule(Metric.SPEEDUP, releases_gil, "threads running C code that lets go of the GIL"),
    "overlapping-waits": Rule(Metric.SPEEDUP, overlapping_waits, "threads that wait overlap their waits"),
    "frozen": Rule(Metric.FREEZE_MS, frozen, "work on the event loop's thread freezes it for the run"),
    "alive": Rule(Metric.FREEZE_MS, alive, "work in other processes leaves the loop on time"),
    "shared-gil-loop": Rule(Metric.FREEZE_MS, shared_gil_loop, "a worker thread shares the GIL with the loop"),
    "lost-without-lock": Rule(Metric.LOST_UPDATES, lost_without_lock, "read-pause-write without a lock"),
    "none-lost": Rule(Metric.LOST_UPDATES, none_lost, "the same with a lock"),
    "permits-cap": Rule(Metric.MAX_CONCURRENCY, permits_cap, "a semaphore caps how many hold it"),
    "opposite-order-deadlocks": Rule(Metric.DEADLOCK, opposite_order_deadlocks, "two locks taken in opposite order"),
    "one-order-completes": Rule(Metric.DEADLOCK, one_order_completes, "two locks taken in one order"),
    "buffer-fills": Rule(Metric.MAX_FILL, buffer_fills, "a bounded buffer between a fast producer and a slow consumer"),
    "shared-memory-for-large": Rule(Metric.FASTEST_IPC, shared_memory_for_large, "large payloads: shared memory"),
    "copy-against-map": Rule(Metric.IPC_RATIO, copy_against_map, "copying through the kernel against mapping"),
}


def expected(step: Step, facts: Facts, outcome: Any = None) -> Expected:
    """What ``step`` should measure here: its rule's range and reason, or the one its author wrote."""
    spec: Expect = step.expect
    if spec.rule is not None:
        return RULES[spec.rule].expect(facts, step, outcome)
    if spec.one_of:
        return Expected(one_of=spec.one_of, why=spec.why)
    assert spec.between is not None
    return Expected(spec.between[0], spec.between[1], why=spec.why)
