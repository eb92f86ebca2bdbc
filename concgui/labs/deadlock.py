"""Deadlock: two threads take two locks in opposite order, and the fix.

Thread A takes L1 then L2; thread B takes L2 then L1. If each gets its first
lock before the other's second, both wait for ever. Here nothing waits for
ever: every acquire has a timeout, a wait-for graph (who holds what, who waits
for what) finds the cycle while it happens, and a thread that times out backs
off (releases what it holds) and ends. Then the same work runs with one global
lock order (everyone takes L1 before L2), which cannot deadlock.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable

from concgui.labs.common import (MS, POLL_S, ConfigError, EventPump, EventSink, RunStatus, check_params,
                                 interpreter_facts, join_all, now, param, to_jsonable)

NAME = "deadlock"
TITLE = "Deadlock"
BROKEN = "opposite order"
FIXED = "one global order"

EXPLANATION = (
    "A deadlock needs a cycle of waiting: A holds L1 and waits for L2, while B holds L2 and waits for L1. "
    "Neither can go on, and a plain `with lock:` would wait for ever (a frozen app, nothing on the CPU). "
    "lock.acquire(timeout=...) turns the hang into something you can see and handle: give up, release what "
    "you hold, report. That is recovery, not a cure. The cure is to make the cycle impossible: give every "
    "lock a place in one global order and always take them in that order. Then whoever holds L1 can always "
    "get L2 eventually, because nobody holds L2 while waiting for L1."
)


# --- what the app shows ---------------------------------------------------------


class NamedLock:
    def __init__(self, name: str, order: int) -> None:
        self.name = name
        self.order = order  # its place in the global lock order
        self.lock = threading.Lock()


class WaitForGraph:
    """Who holds which lock, who waits for which: enough to find a deadlock cycle."""

    def __init__(self, report: Callable[[Any], None], stop: threading.Event) -> None:
        self._mutex = threading.Lock()
        self.holder: dict[str, str] = {}  # lock name -> thread name
        self.waiting: dict[str, str] = {}  # thread name -> lock name
        self.report = report
        self.stop = stop

    def acquire(self, who: str, lock: NamedLock, timeout_s: float) -> bool:
        """Take ``lock`` within ``timeout_s`` (False: timed out or stopped)."""
        with self._mutex:
            self.waiting[who] = lock.name
        self.report(LockWaiting(who, lock.name, now()))
        deadline = now() + timeout_s
        got = False
        while not got and not self.stop.is_set():
            left = deadline - now()
            if left <= 0:
                break
            got = lock.lock.acquire(timeout=min(left, POLL_S))  # in short steps, to see a cancel
        with self._mutex:
            del self.waiting[who]
            if got:
                self.holder[lock.name] = who
            holding = tuple(sorted(k for k, v in self.holder.items() if v == who))
        self.report(LockAcquired(who, lock.name, now()) if got else LockTimedOut(who, lock.name, holding, now()))
        return got

    def release(self, who: str, lock: NamedLock) -> None:
        with self._mutex:
            del self.holder[lock.name]
        lock.lock.release()
        self.report(LockReleased(who, lock.name, now()))

    def find_cycle(self) -> tuple[WaitEdge, ...] | None:
        """Follow thread -> lock it waits for -> thread holding it ... back to the start."""
        with self._mutex:
            holder, waiting = dict(self.holder), dict(self.waiting)
        for start in sorted(waiting):
            path: list[WaitEdge] = []
            who = start
            while who in waiting and len(path) <= len(waiting):
                wanted = waiting[who]
                held = tuple(sorted(k for k, v in holder.items() if v == who))
                path.append(WaitEdge(who, held, wanted))
                who = holder.get(wanted, "")
                if who == start:
                    return tuple(path)
        return None


def transfer(name: str, first: NamedLock, second: NamedLock, graph: WaitForGraph, timeout_s: float,
             between: Callable[[], None]) -> bool:
    """Take ``first``, then ``second``; work; release both. False if it had to give up."""
    if not graph.acquire(name, first, timeout_s):
        return False
    try:
        between()  # time passes while we hold `first`: the other thread takes its first lock
        if not graph.acquire(name, second, timeout_s):
            return False  # give up: the `finally` releases `first`, which breaks the cycle
        graph.release(name, second)  # (the work on both resources would be here)
        return True
    finally:
        graph.release(name, first)


def in_global_order(a: NamedLock, b: NamedLock) -> tuple[NamedLock, NamedLock]:
    """The fix: whatever a thread wants, it takes the locks in one fixed order."""
    return (a, b) if a.order < b.order else (b, a)


SOURCE_FUNCTIONS = (transfer, in_global_order, WaitForGraph)


# --- the experiment -------------------------------------------------------------


@dataclass(frozen=True)
class DeadlockParams:
    timeout_s: float = param(0.5, "Acquire timeout", "seconds an acquire waits before giving up", "float",
                             lo=0.05, hi=10.0, unit="s", what="timeout", step=50, option="--timeout", form=MS,
                             tip="How long a thread waits for its second lock before it gives up.")
    hold_s: float = param(0.02, "Pause between locks", "pause between the first and second lock", "float",
                          lo=0.0, hi=1.0, unit="s", what="hold time", step=5, option="--hold-ms", cli=MS, form=MS,
                          tip="In the fixed run: time between taking the first and the second lock.")
    rounds: int = param(5, "Transfers (fixed run)", "transfers per thread in the fixed run", "int", lo=1, hi=1000)
    run_fix: bool = param(True, "Then run the fix (one lock order)", "skip the fixed run", "bool", option="--no-fix")

    def __post_init__(self) -> None:
        check_params(self)
        if self.rounds * 2 * self.hold_s > 60:
            raise ConfigError("rounds x 2 x hold time must stay under 60 s")


@dataclass(frozen=True)
class WaitEdge:
    """One step of a wait-for cycle: ``thread`` holds ``holds`` and waits for ``waits_for``."""
    thread: str
    holds: tuple[str, ...]
    waits_for: str

    def __str__(self) -> str:
        return f"{self.thread} holds {', '.join(self.holds) or 'nothing'} and waits for {self.waits_for}"


@dataclass(frozen=True)
class LockWaiting:
    thread: str
    lock: str
    t: float


@dataclass(frozen=True)
class LockAcquired:
    thread: str
    lock: str
    t: float


@dataclass(frozen=True)
class LockReleased:
    thread: str
    lock: str
    t: float


@dataclass(frozen=True)
class LockTimedOut:
    thread: str
    lock: str
    holding: tuple[str, ...]
    t: float


@dataclass(frozen=True)
class DeadlockDetected:
    cycle: tuple[WaitEdge, ...]
    t: float


@dataclass(frozen=True)
class PhaseStarted:
    variant: str  # BROKEN or FIXED
    t: float


@dataclass(frozen=True)
class PhaseOutcome:
    variant: str
    completed: bool  # every thread finished all its transfers
    transfers: int  # done, in all
    gave_up: tuple[str, ...]  # threads that timed out and backed off
    deadlock: tuple[WaitEdge, ...] | None  # the cycle, if one was seen
    detected_after_s: float | None  # from the phase's start
    wall_s: float  # until every thread had ended
    status: RunStatus = RunStatus.DONE


@dataclass(frozen=True)
class DeadlockResult:
    params: DeadlockParams
    broken: PhaseOutcome | None
    fixed: PhaseOutcome | None
    status: RunStatus

    @property
    def deadlock_detected(self) -> bool:
        return self.broken is not None and self.broken.deadlock is not None

    def as_dict(self) -> dict[str, Any]:
        d = to_jsonable(self)
        d["deadlock_detected"] = self.deadlock_detected
        if self.broken is not None and self.broken.deadlock:
            d["broken"]["cycle_text"] = [str(e) for e in self.broken.deadlock]
        return d


def ms_text(ms: float) -> str:
    """Milliseconds as the lab's texts all say them: a tenth under 10 ms, so 0.4 ms is never "0 ms"."""
    return f"{ms:.1f} ms" if ms < 10 else f"{ms:.0f} ms"


def run(params: DeadlockParams, on_event: EventSink | None = None,
        cancel: threading.Event | None = None) -> DeadlockResult:
    cancel = cancel or threading.Event()
    pump = EventPump(on_event)
    broken = _phase(BROKEN, params, pump, cancel)
    fixed = _phase(FIXED, params, pump, cancel) if params.run_fix and not cancel.is_set() else None
    phases = [p for p in (broken, fixed) if p is not None]
    cancelled = cancel.is_set() or any(p.status is RunStatus.CANCELLED for p in phases)
    return DeadlockResult(params, broken, fixed, RunStatus.CANCELLED if cancelled else RunStatus.DONE)


def _phase(variant: str, params: DeadlockParams, pump: EventPump, cancel: threading.Event) -> PhaseOutcome:
    stop = threading.Event()
    graph = WaitForGraph(pump.put, stop)
    l1, l2 = NamedLock("L1", 1), NamedLock("L2", 2)
    done = {"thread-A": 0, "thread-B": 0}
    gave_up: list[str] = []
    if variant == BROKEN:
        wants = {"thread-A": (l1, l2), "thread-B": (l2, l1)}  # opposite orders
        rounds = 1
        # Makes the unlucky timing certain: both hold their first lock before either asks for its second.
        barrier = threading.Barrier(2)

        def between() -> None:
            try:
                barrier.wait(timeout=params.timeout_s)
            except threading.BrokenBarrierError:
                pass
    else:
        wants = {"thread-A": in_global_order(l1, l2), "thread-B": in_global_order(l2, l1)}
        rounds = params.rounds
        barrier = None

        def between() -> None:
            stop.wait(params.hold_s)

    def body(name: str) -> None:
        first, second = wants[name]
        for _ in range(rounds):
            if stop.is_set():
                return
            if not transfer(name, first, second, graph, params.timeout_s, between):
                if not stop.is_set():
                    gave_up.append(name)
                return
            done[name] += 1

    threads = [threading.Thread(target=body, args=(n,), name=f"{variant}: {n}") for n in wants]
    found: dict[str, Any] = {}
    t0 = now()

    def watch() -> None:
        if cancel.is_set() and barrier is not None:
            barrier.abort()
        if "cycle" not in found:
            cycle = graph.find_cycle()
            if cycle:
                found["cycle"], found["t"] = cycle, now()
                pump.put(DeadlockDetected(cycle, found["t"]))

    pump.emit(PhaseStarted(variant, t0))
    for th in threads:
        th.start()
    join_all(threads, pump, stop, cancel, watch)
    wall = now() - t0
    completed = all(n == rounds for n in done.values())
    status = RunStatus.CANCELLED if cancel.is_set() and not completed else RunStatus.DONE
    return PhaseOutcome(variant, completed, sum(done.values()), tuple(gave_up), found.get("cycle"),
                        found["t"] - t0 if "t" in found else None, wall, status)


# --- words ------------------------------------------------------------------------


def explain(result: DeadlockResult | None = None) -> str:
    text = f"{EXPLANATION} {interpreter_facts()}"
    if result is None:
        return text
    lines = [text]
    b, f = result.broken, result.fixed
    if b is not None and b.deadlock:
        assert b.detected_after_s is not None  # set with the deadlock
        cycle = "; ".join(str(e) for e in b.deadlock)
        lines.append(f"Deadlock seen after {ms_text(b.detected_after_s * 1000)}: {cycle}. "
                     f"After the {result.params.timeout_s:g} s timeout "
                     + (f"{' and '.join(b.gave_up)} gave up and released its lock" if b.gave_up else "the waits ended")
                     + f"; all threads had ended {b.wall_s:.2f} s after the start.")
        if b.transfers:
            lines.append("The other thread then got its second lock and finished: backing off broke the cycle, "
                         "but the work of the thread that gave up was not done.")
    if f is not None:
        lines.append(f"With one global order (L1 before L2) both threads finished all {f.transfers} transfers "
                     f"in {f.wall_s:.2f} s, with no timeout." if f.completed else
                     "The fixed run did not finish (it was cancelled).")
    return "\n".join(lines)


def summary(result: DeadlockResult) -> list[str]:
    lines = []
    b, f = result.broken, result.fixed
    if b is not None:
        if b.deadlock:
            assert b.detected_after_s is not None  # set with the deadlock
            lines.append(f"{BROKEN}: DEADLOCK detected after {ms_text(b.detected_after_s * 1000)}")
            lines += [f"  {e}" for e in b.deadlock]
        else:
            lines.append(f"{BROKEN}: no deadlock seen")
        lines.append(f"  recovered: {', '.join(b.gave_up) or 'nobody'} gave up after the "
                     f"{result.params.timeout_s:g} s timeout; all threads ended after {b.wall_s:.3f} s "
                     f"({b.transfers} of 2 transfers done)")
    if f is not None:
        lines.append(f"{FIXED}: {'completed' if f.completed else 'NOT completed'}, {f.transfers} transfers in "
                     f"{f.wall_s:.3f} s, {len(f.gave_up)} timeouts")
    lines.append(f"status {result.status.value}")
    return lines
