"""Semaphore: K permits guard a resource that N worker threads want to use.

A worker waits for a permit, uses the resource for a while, gives the permit
back. The lab records who held a permit when, and measures the number of
workers inside at once with a separate counter under its own lock, so the
claim "never more than K" is checked, not assumed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from concgui.labs.common import (MS, POLL_S, ConfigError, EventPump, EventSink, RunStatus, check_params,
                                 interpreter_facts, join_all, now, param, to_jsonable)

NAME = "semaphore"
TITLE = "Semaphore"
MAX_PERMITS = 64
MAX_WORKERS = 128
MAX_ROUNDS = 1000
MAX_HOLD_S = 5.0
MAX_TOTAL_S = 60.0  # rounds x workers x hold / permits: the lab's shortest possible length

EXPLANATION = (
    "A semaphore holds K permits. acquire() takes one, or waits while none is left; release() gives it "
    "back and wakes a waiter. So at most K workers use the resource at once: a connection pool, a rate "
    "limit, a few GPU slots. A BoundedSemaphore also raises an error if a bug releases more often than it "
    "acquires. Waiting on a semaphore releases the GIL, so the waiting threads cost no CPU."
)


# --- what the app shows ---------------------------------------------------------


class Occupancy:
    """How many workers are inside right now, and the most ever: an honest, separate count."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def enter(self) -> int:
        with self._lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
            return self.inside

    def leave(self) -> int:
        with self._lock:
            self.inside -= 1
            return self.inside


def use_resource(name: str, permits: threading.BoundedSemaphore, occupancy: Occupancy, rounds: int,
                 hold_s: float, report: Any, stop: threading.Event) -> None:
    for _ in range(rounds):
        report(PermitWaiting(name, now()))
        while not permits.acquire(timeout=POLL_S):   # wait for a permit (a timeout, to see a cancel)
            if stop.is_set():
                return
        try:
            report(PermitAcquired(name, now(), occupancy.enter()))
            stop.wait(hold_s)                          # use the resource
        finally:
            report(PermitReleased(name, now(), occupancy.leave()))
            permits.release()
        if stop.is_set():
            return


SOURCE_FUNCTIONS = (use_resource, Occupancy)


# --- the experiment -------------------------------------------------------------


@dataclass(frozen=True)
class SemaphoreParams:
    permits: int = param(3, "Permits (K)", "K", "int", lo=1, hi=MAX_PERMITS,
                         tip="How many workers may use the resource at once.")
    workers: int = param(8, "Workers", "N threads", "int", lo=1, hi=MAX_WORKERS)
    rounds: int = param(3, "Uses per worker", "uses per worker", "int", lo=1, hi=MAX_ROUNDS)
    hold_s: float = param(0.05, "Hold time", "how long each use holds a permit", "float", lo=0.0, hi=MAX_HOLD_S,
                          unit="s", what="hold time", step=10, option="--hold-ms", cli=MS, form=MS,
                          tip="How long each use keeps its permit.")

    def __post_init__(self) -> None:
        check_params(self)
        if self.ideal_s > MAX_TOTAL_S:
            raise ConfigError(f"this would take at least {self.ideal_s:,.0f} s (workers x rounds x hold time / "
                              f"permits); keep it under {MAX_TOTAL_S:g} s")

    @property
    def ideal_s(self) -> float:
        """The shortest possible run: all uses, K at a time."""
        return self.workers * self.rounds * self.hold_s / min(self.permits, self.workers)


@dataclass(frozen=True)
class PermitWaiting:
    worker: str
    t: float


@dataclass(frozen=True)
class PermitAcquired:
    worker: str
    t: float
    inside: int  # workers holding a permit, this one included


@dataclass(frozen=True)
class PermitReleased:
    worker: str
    t: float
    inside: int  # workers still holding a permit


@dataclass(frozen=True)
class Hold:
    """One use of the resource: a bar on the timeline (times from the run's start)."""
    worker: str
    waited_s: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SemaphoreResult:
    params: SemaphoreParams
    max_concurrency: int
    uses: int
    holds: tuple[Hold, ...]
    wall_s: float
    mean_wait_s: float
    status: RunStatus

    def as_dict(self) -> dict[str, Any]:
        return {"params": to_jsonable(self.params), "max_concurrency": self.max_concurrency,
                "uses": self.uses, "wall_s": self.wall_s, "ideal_s": self.params.ideal_s,
                "mean_wait_s": self.mean_wait_s, "status": self.status.value,
                "holds": [to_jsonable(h) for h in self.holds]}


def run(params: SemaphoreParams, on_event: EventSink | None = None,
        cancel: threading.Event | None = None) -> SemaphoreResult:
    cancel = cancel or threading.Event()
    events: list[Any] = []

    def record(ev: Any) -> None:
        events.append(ev)
        if on_event is not None:
            on_event(ev)

    pump = EventPump(record)
    permits = threading.BoundedSemaphore(params.permits)
    occupancy = Occupancy()
    stop = threading.Event()
    threads = [threading.Thread(target=use_resource, name=f"worker-{i + 1}",
                                args=(f"worker-{i + 1}", permits, occupancy, params.rounds, params.hold_s,
                                      pump.put, stop))
               for i in range(params.workers)]
    t0 = now()
    for th in threads:
        th.start()
    join_all(threads, pump, stop, cancel)
    wall = now() - t0
    holds = _holds(events, t0)
    waits = [h.waited_s for h in holds]
    done = len(holds) == params.workers * params.rounds
    return SemaphoreResult(params, occupancy.most, len(holds), tuple(holds), wall,
                           sum(waits) / len(waits) if waits else 0.0,
                           RunStatus.DONE if done else RunStatus.CANCELLED)


def _holds(events: list[Any], t0: float) -> list[Hold]:
    waiting: dict[str, float] = {}
    acquired: dict[str, float] = {}
    out = []
    for ev in events:
        if isinstance(ev, PermitWaiting):
            waiting[ev.worker] = ev.t
        elif isinstance(ev, PermitAcquired):
            acquired[ev.worker] = ev.t
        elif isinstance(ev, PermitReleased):
            ta = acquired.pop(ev.worker)
            tw = waiting.pop(ev.worker, ta)
            out.append(Hold(ev.worker, ta - tw, ta - t0, ev.t - t0))
    return out


# --- words ------------------------------------------------------------------------


def explain(result: SemaphoreResult | None = None) -> str:
    text = f"{EXPLANATION} {interpreter_facts()}"
    if result is None:
        return text
    p = result.params
    verdict = ("never more than the permits, as promised" if result.max_concurrency <= p.permits
               else "MORE than the permits: that would be a bug")
    return (f"{text}\nAt most {result.max_concurrency} of {p.workers} workers held one of the {p.permits} "
            f"permits at the same time: {verdict}. The {result.uses} uses took {result.wall_s:.2f} s; "
            f"{p.permits} at a time they cannot take less than {p.ideal_s:.2f} s.")


def summary(result: SemaphoreResult) -> list[str]:
    p = result.params
    return [
        f"{p.workers} workers x {p.rounds} uses of {p.hold_s * 1000:g} ms, {p.permits} permits",
        f"max concurrency  {result.max_concurrency} (limit {p.permits})",
        f"uses             {result.uses} of {p.workers * p.rounds}",
        f"mean wait        {result.mean_wait_s * 1000:.1f} ms",
        f"wall time        {result.wall_s:.3f} s (at best {p.ideal_s:.3f} s)",
        f"status           {result.status.value}",
    ]
