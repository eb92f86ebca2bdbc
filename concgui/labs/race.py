"""Race condition: N workers each add 1 to a shared counter M times.

Each update is read-modify-write: read the value, compute value + 1, write it
back. If another worker writes between our read and our write, our write
overwrites theirs and an update is lost. With a lock around the three steps
nothing is lost. The lab runs both, on threads (a plain object's attribute)
and on processes (a ``multiprocessing.Value`` in shared memory).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from concgui.engine import startmethods
from concgui.engine.config import max_processes
from concgui.labs.common import (BOTH, POLL_S, RUN_ON, ConfigError, EventPump, EventSink, RunStatus, check_params,
                                 interpreter_facts, join_all, mode_param, modes_of, now, overall_status, param,
                                 start_method_param, to_jsonable)

NAME = "race"
TITLE = "Race condition"
MODES = tuple(v for _, v in RUN_ON)
MAX_WORKERS = 64
MAX_INCREMENTS = 10_000_000
#: Caps on workers x increments: a locked update with a yield point costs ~0.1 ms.
MAX_TOTAL_YIELDING = 100_000
MAX_TOTAL = 10_000_000
SAMPLE_S = 0.02
START_TIMEOUT_S = 60.0
AWAKE_POLL_S = 0.0002  # how often a racer looks whether the others are awake too

EXPLANATION = (
    "Each worker reads the counter, adds 1 and writes it back. When another worker writes in between, "
    "one of the two updates is overwritten: a lost update. A lock makes read-add-write one step that "
    "nobody can interrupt, so the total is exact. Since Python 3.10 the interpreter only switches threads "
    "at calls and backward jumps, so a bare `counter += 1` on an int attribute (no call between its read "
    "and its write) seldom loses updates any more; it still can when the update calls something (a "
    "property, a custom __add__), and on a free-threaded build it does. This lab puts a yield point, "
    "time.sleep(0), between the read and the write so the race shows every time. Processes really run "
    "at the same time on several cores; "
    "multiprocessing.Value(lock=False) is raw shared memory, and its lock (.get_lock()) must be held "
    "around the whole read-add-write: Value's default lock guards each read and each write alone, which "
    "is not enough."
)


# --- what the app shows ---------------------------------------------------------


class Counter:
    """A shared counter: one attribute that every thread reads and writes."""

    def __init__(self) -> None:
        self.value = 0


def increment_unlocked(counter: Counter, times: int, done: list[int], slot: int,
                       stop: threading.Event) -> None:
    for i in range(times):
        value = counter.value        # 1. read
        time.sleep(0)                # a yield point: another thread may run here...
        counter.value = value + 1    # 2. write: ...and what it wrote is overwritten
        done[slot] = i + 1
        if stop.is_set():
            return


def increment_locked(counter: Counter, lock: threading.Lock, yield_point: bool, times: int, done: list[int],
                     slot: int, stop: threading.Event) -> None:
    for i in range(times):
        with lock:                   # nobody else can be between our read and our write
            value = counter.value
            if yield_point:
                time.sleep(0)        # the same yield point: others now wait at the lock
            counter.value = value + 1
        done[slot] = i + 1
        if stop.is_set():
            return


def increment_naive(counter: Counter, times: int, done: list[int], slot: int, stop: threading.Event) -> None:
    for i in range(times):
        counter.value += 1           # read, add, write: no call in between (see the explanation)
        done[slot] = i + 1
        if stop.is_set():
            return


def process_increment(counter: Any, times: int, locked: bool, yield_point: bool, done: Any, slot: int) -> None:
    """Runs in a child process; ``counter`` is ``multiprocessing.Value('i', 0, lock=...)``."""
    for i in range(times):
        if locked:
            with counter.get_lock():     # the Value's own lock, held around read-add-write
                value = counter.value
                if yield_point:
                    time.sleep(0)
                counter.value = value + 1
        else:                            # Value('i', 0, lock=False): raw shared memory
            value = counter.value
            if yield_point:
                time.sleep(0)
            counter.value = value + 1
        done[slot] = i + 1


SOURCE_FUNCTIONS = (increment_unlocked, increment_locked, increment_naive, process_increment)


def _process_main(ready: Any, go: Any, awake: Any, workers: int, *args: Any) -> None:
    """The child's entry point. Ctrl+C is the parent's to handle (it terminates us), not ours.

    Processes start one after the other, milliseconds apart; all wait for ``go`` so that they
    really count at the same time (otherwise a short run could finish before the next one starts).
    ``go`` wakes them one by one too, up to milliseconds apart on a busy machine: as long as 1,000
    increments take. So each then says it is ``awake`` and waits, sleeping, for the others, and
    they start counting within a fraction of a millisecond of each other.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ready.release()
    if not go.wait(START_TIMEOUT_S):
        return
    with awake.get_lock():
        awake.value += 1
    deadline = time.monotonic() + START_TIMEOUT_S
    while awake.value < workers and time.monotonic() < deadline:
        time.sleep(AWAKE_POLL_S)  # sleeping, so a racer still waiting for a core gets one
    process_increment(*args)


# --- the experiment -------------------------------------------------------------


def variant_name(mode: str, locked: bool) -> str:
    """How results, events, the CLI and the view name one variant, e.g. "threads, no lock"."""
    return f"{mode}, {'with a lock' if locked else 'no lock'}"


def variants_for(mode: str) -> tuple[str, ...]:
    """The variants a run on ``mode`` (threads, processes or both) has, in the order it runs them."""
    return tuple(variant_name(m, locked) for m in modes_of(mode) for locked in (False, True))


#: Every variant, in order (a view's bars and colours follow it).
VARIANTS = variants_for(BOTH)


@dataclass(frozen=True)
class RaceParams:
    workers: int = param(4, "Workers", "threads / processes", "int", lo=1, hi=MAX_WORKERS,
                         tip="Threads or processes that all add to the same counter.")
    increments: int = param(1000, "Increments each", "increments per worker", "int", lo=1, hi=MAX_INCREMENTS,
                            step=100, tip="How many times each worker adds 1.")
    mode: str = mode_param()
    yield_point: bool = param(
        True, "Yield between read and write", "plain counter += 1, no time.sleep(0) between read and write", "bool",
        option="--no-yield", tip="time.sleep(0) between reading and writing the counter, so the race shows every "
                                 "time (since Python 3.10 a bare += seldom loses updates on threads).")
    start_method: str | None = start_method_param()  # processes; None: startmethods.default()

    def __post_init__(self) -> None:
        cap = MAX_WORKERS if self.mode == "threads" else min(MAX_WORKERS, max_processes())
        check_params(self, caps={"workers": cap})
        cap = MAX_TOTAL_YIELDING if self.yield_point else MAX_TOTAL
        if self.expected > cap:
            why = " with the yield point (each locked update waits for a thread switch)" if self.yield_point else ""
            raise ConfigError(f"workers x increments must be at most {cap:,}{why}, not {self.expected:,}")

    @property
    def expected(self) -> int:
        return self.workers * self.increments


@dataclass(frozen=True)
class RaceOutcome:
    variant: str  # e.g. "threads, no lock"
    mode: str  # threads or processes
    locked: bool
    workers: int
    expected: int
    actual: int
    wall_s: float
    status: RunStatus = RunStatus.DONE

    @property
    def lost(self) -> int:
        return self.expected - self.actual

    def as_dict(self) -> dict[str, Any]:
        return {**to_jsonable(self), "lost": self.lost}


@dataclass(frozen=True)
class RaceVariantStarted:
    variant: str
    mode: str
    locked: bool
    expected: int
    t: float


@dataclass(frozen=True)
class CounterSample:
    """The counter's value against the increments the workers have done so far."""
    variant: str
    t: float
    value: int
    attempted: int


@dataclass(frozen=True)
class RaceVariantFinished:
    outcome: RaceOutcome
    t: float


@dataclass(frozen=True)
class RaceResult:
    params: RaceParams
    outcomes: tuple[RaceOutcome, ...]
    start_method: str | None
    status: RunStatus
    error: str | None = None
    outcomes_by_variant: dict[str, RaceOutcome] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcomes_by_variant", {o.variant: o for o in self.outcomes})

    def as_dict(self) -> dict[str, Any]:
        return {"params": to_jsonable(self.params), "start_method": self.start_method,
                "status": self.status.value, "error": self.error,
                "outcomes": [o.as_dict() for o in self.outcomes]}


def run(params: RaceParams, on_event: EventSink | None = None,
        cancel: threading.Event | None = None) -> RaceResult:
    cancel = cancel or threading.Event()
    pump = EventPump(on_event)
    modes = modes_of(params.mode)
    method = (params.start_method or startmethods.default()) if "processes" in modes else None
    outcomes: list[RaceOutcome] = []
    error = None
    for mode in modes:
        for locked in (False, True):
            if cancel.is_set():
                break
            variant = variant_name(mode, locked)
            pump.emit(RaceVariantStarted(variant, mode, locked, params.expected, now()))
            if mode == "threads":
                out = _run_threads(params, variant, locked, pump, cancel)
            else:
                try:
                    out = _run_processes(params, variant, locked, method, pump, cancel)
                except _ChildFailed as exc:
                    error = str(exc)
                    break
            outcomes.append(out)
            pump.emit(RaceVariantFinished(out, now()))
        if error:
            break
    status = overall_status(error, cancel, outcomes)
    return RaceResult(params, tuple(outcomes), method, status, error)


def _run_threads(params: RaceParams, variant: str, locked: bool, pump: EventPump,
                 cancel: threading.Event) -> RaceOutcome:
    counter = Counter()
    done = [0] * params.workers
    stop = threading.Event()
    target: Callable[..., None]
    extra: tuple[Any, ...]
    if locked:
        lock = threading.Lock()
        target, extra = increment_locked, (lock, params.yield_point)
    else:
        target, extra = (increment_unlocked if params.yield_point else increment_naive), ()
    threads = [threading.Thread(target=target, args=(counter, *extra, params.increments, done, i, stop),
                                name=f"racer-{i + 1}") for i in range(params.workers)]
    last = [0.0]

    def sample(force: bool = False) -> None:
        t = now()
        if force or t - last[0] >= SAMPLE_S:
            last[0] = t
            pump.put(CounterSample(variant, t, counter.value, sum(done)))

    t0 = now()
    for th in threads:
        th.start()
    join_all(threads, pump, stop, cancel, sample)
    wall = now() - t0
    sample(force=True)
    pump.drain()
    status = RunStatus.DONE if sum(done) == params.expected else RunStatus.CANCELLED
    return RaceOutcome(variant, "threads", locked, params.workers, params.expected, counter.value, wall, status)


class _ChildFailed(Exception):
    pass


def _run_processes(params: RaceParams, variant: str, locked: bool, method: str | None, pump: EventPump,
                   cancel: threading.Event) -> RaceOutcome:
    ctx: Any = multiprocessing.get_context(method)
    counter = ctx.Value("i", 0) if locked else ctx.Value("i", 0, lock=False)
    done = ctx.Array("q", params.workers, lock=False)
    ready, go, awake = ctx.Semaphore(0), ctx.Event(), ctx.Value("i", 0)
    procs = [ctx.Process(target=_process_main, name=f"racer-{i + 1}",
                         args=(ready, go, awake, params.workers, counter, params.increments, locked,
                               params.yield_point, done, i),
                         daemon=True)
             for i in range(params.workers)]
    t0 = now()
    last = t0
    try:
        for p in procs:
            p.start()
        started = 0
        deadline = now() + START_TIMEOUT_S
        while started < params.workers and not cancel.is_set():
            if ready.acquire(timeout=POLL_S):
                started += 1
            elif any(p.exitcode is not None for p in procs) or now() > deadline:
                break  # one could not start: reported below from the exit codes
        go.set()
        while any(p.is_alive() for p in procs):
            if cancel.is_set():
                break
            multiprocessing.connection.wait([p.sentinel for p in procs if p.is_alive()], timeout=POLL_S)
            t = now()
            if t - last >= SAMPLE_S:
                last = t
                pump.emit(CounterSample(variant, t, counter.value, sum(done)))
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join()
    wall = now() - t0
    codes = [p.exitcode for p in procs]
    for p in procs:
        p.close()
    pump.emit(CounterSample(variant, now(), counter.value, sum(done)))
    if cancel.is_set() and sum(done) < params.expected:
        status = RunStatus.CANCELLED
    elif any(c != 0 for c in codes):
        raise _ChildFailed(f"a {variant!r} worker process failed (exit code {next(c for c in codes if c)})")
    else:
        status = RunStatus.DONE
    return RaceOutcome(variant, "processes", locked, params.workers, params.expected, counter.value, wall, status)


# --- words ------------------------------------------------------------------------


def explain(result: RaceResult | None = None) -> str:
    text = f"{EXPLANATION} {interpreter_facts()}"
    if result is None:
        return text
    lines = [text]
    for o in result.outcomes:
        if o.status is not RunStatus.DONE:
            continue
        if o.lost > 0:
            why = (" Processes run truly in parallel, so even a plain += races."
                   if o.mode == "processes" and not result.params.yield_point else "")
            lines.append(f"{o.variant}: {o.lost:,} of {o.expected:,} updates lost "
                         f"({o.lost / o.expected:.0%}).{why}")
        elif not o.locked and not result.params.yield_point and o.mode == "threads":
            lines.append(f"{o.variant}: no update lost this time, because `+= 1` has no call between read "
                         "and write; that is luck of the interpreter, not safety.")
        else:
            lines.append(f"{o.variant}: exact ({o.actual:,}).")
    return "\n".join(lines)


def summary(result: RaceResult) -> list[str]:
    p = result.params
    how = "time.sleep(0) between read and write" if p.yield_point else "plain counter += 1"
    lines = [f"{p.workers} workers x {p.increments:,} increments ({how}); expected {p.expected:,}"
             + (f"; processes start with {result.start_method}" if result.start_method else "")]
    lines.append(f"{'variant':<24}{'expected':>12}{'actual':>12}{'lost':>12}{'wall s':>9}  status")
    for o in result.outcomes:
        lines.append(f"{o.variant:<24}{o.expected:>12,}{o.actual:>12,}{o.lost:>12,}{o.wall_s:>9.3f}  "
                     f"{o.status.value}")
    return lines
