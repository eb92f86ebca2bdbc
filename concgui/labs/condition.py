"""Condition variables: producers and consumers share a bounded buffer.

Producers wait while the buffer is full, consumers while it is empty. The
``condition`` variant builds the buffer from a ``deque`` and two
``threading.Condition`` objects on one lock; the ``queue`` variant uses
``queue.Queue(maxsize)``, which is built exactly that way inside. Every wait
has a timeout and looks at the stop flag, so a cancel ends the run at any
moment, and nothing can wait forever.
"""

from __future__ import annotations

import collections
import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

from concgui.labs.common import (MS, POLL_S, ConfigError, EventPump, EventSink, RunStatus, Shown, check_params,
                                 interpreter_facts, join_all, now, param, to_jsonable)

NAME = "condition"
TITLE = "Condition: producer and consumer"
#: (form label, value) of each way to build the buffer.
BUFFERS = (("deque + two Conditions", "condition"), ("queue.Queue(maxsize)", "queue"))
VARIANTS = tuple(v for _, v in BUFFERS)
MAX_CAPACITY = 10_000
MAX_ITEMS = 1_000_000
MAX_THREADS = 32
MAX_DELAY_S = 5.0
MAX_TOTAL_S = 60.0
SAMPLE_S = 0.01

EXPLANATION = (
    "A bounded buffer lets a producer run ahead of a consumer, but only by so much. With a Condition "
    "a thread checks its predicate under the lock and, if it cannot go on (buffer full / empty), calls "
    "wait(), which releases the lock and sleeps until another thread calls notify(). Always wait in a "
    "`while` loop: a thread can wake up and find the buffer taken again. queue.Queue(maxsize) is this "
    "same pattern, ready-made. When the producer is faster, the buffer fills up and the producer waits; "
    "when the consumer is faster, the buffer stays nearly empty and the consumer waits. Here every wait "
    "has a timeout, so the run can be cancelled at any moment."
)


# --- what the app shows ---------------------------------------------------------


class BoundedBuffer:
    """A deque with room for ``capacity`` items, guarded by one lock and two conditions."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: collections.deque[int] = collections.deque()
        self.lock = threading.Lock()
        self.not_full = threading.Condition(self.lock)
        self.not_empty = threading.Condition(self.lock)
        self.most = 0  # the highest fill level ever seen (checked under the lock)

    def put(self, item: int, stop: threading.Event) -> int | None:
        """Add ``item``, waiting while the buffer is full; the new fill level, or None if stopped."""
        with self.not_full:
            while len(self.items) >= self.capacity:
                if stop.is_set():
                    return None
                self.not_full.wait(timeout=POLL_S)  # releases the lock while it waits
            self.items.append(item)
            self.most = max(self.most, len(self.items))
            self.not_empty.notify()  # wake one waiting consumer
            return len(self.items)

    def get(self, finished: Callable[[], bool], stop: threading.Event) -> tuple[int, int] | None:
        """Take the oldest item, waiting while the buffer is empty; None when there will be no more."""
        with self.not_empty:
            while not self.items:
                if stop.is_set() or finished():
                    return None
                self.not_empty.wait(timeout=POLL_S)
            item = self.items.popleft()
            self.not_full.notify()  # wake one waiting producer
            return item, len(self.items)

    def fill(self) -> int:
        with self.lock:
            return len(self.items)


class QueueBuffer:
    """The same interface on ``queue.Queue(maxsize)``."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.q: queue.Queue[int] = queue.Queue(maxsize=capacity)
        self.most = 0
        self._most_lock = threading.Lock()  # several producers update `most`

    def put(self, item: int, stop: threading.Event) -> int | None:
        while not stop.is_set():
            try:
                self.q.put(item, timeout=POLL_S)  # waits while full
            except queue.Full:
                continue
            fill = self.q.qsize()  # read under the queue's own lock
            with self._most_lock:
                self.most = max(self.most, fill)
            return fill
        return None

    def get(self, finished: Callable[[], bool], stop: threading.Event) -> tuple[int, int] | None:
        while not stop.is_set():
            try:
                item = self.q.get(timeout=POLL_S)  # waits while empty
            except queue.Empty:
                if finished() and self.q.empty():
                    return None
                continue
            return item, self.q.qsize()
        return None

    def fill(self) -> int:
        return self.q.qsize()

    @property
    def items(self) -> list[int]:
        with self.q.mutex:
            return list(self.q.queue)


def producer(name: str, buf: BoundedBuffer | QueueBuffer, first: int, count: int, delay_s: float,
             made: list[int], report: Any, stop: threading.Event) -> None:
    for item in range(first, first + count):
        if stop.wait(delay_s):  # "make" the item (interruptible)
            return
        t = now()
        fill = buf.put(item, stop)
        if fill is None:
            return
        made.append(item)
        report(ItemProduced(name, item, now(), now() - t, fill))


def consumer(name: str, buf: BoundedBuffer | QueueBuffer, delay_s: float, finished: Callable[[], bool],
             got: list[int], report: Any, stop: threading.Event) -> None:
    while True:
        t = now()
        taken = buf.get(finished, stop)
        if taken is None:
            return
        item, fill = taken
        got.append(item)
        report(ItemConsumed(name, item, now(), now() - t, fill))
        if stop.wait(delay_s):  # "use" the item
            return


SOURCE_FUNCTIONS = (BoundedBuffer, QueueBuffer, producer, consumer)


# --- the experiment -------------------------------------------------------------


def _rate_to_delay(items_per_s: float) -> float:
    return 0.0 if items_per_s <= 0 or items_per_s == float("inf") else 1.0 / items_per_s


def _delay_to_rate(delay_s: float) -> float:
    return 0.0 if delay_s <= 0 else 1.0 / delay_s


#: A delay per item, shown as items per second (people think in rates). A delay of 0 is
#: "as fast as possible", which no rate is, so the form's range is its own.
PER_S = Shown(" items/s", _rate_to_delay, _delay_to_rate, lo=0, hi=100_000, special="as fast as possible",
              whole=True)


@dataclass(frozen=True)
class ConditionParams:
    variant: str = param("condition", "Buffer", "threading.Condition or queue.Queue", "choice", choices=BUFFERS)
    capacity: int = param(5, "Capacity", "buffer size", "int", lo=1, hi=MAX_CAPACITY)
    items: int = param(60, "Items", "items in all, shared out among the producers", "int", lo=1, hi=MAX_ITEMS,
                       step=10)
    producers: int = param(1, "Producers", "producer threads", "int", lo=1, hi=MAX_THREADS)
    consumers: int = param(1, "Consumers", "consumer threads", "int", lo=1, hi=MAX_THREADS)
    #: Per item and producer: 1 / produce_s items per second.
    produce_s: float = param(0.005, "Producer speed", "time to make one item", "float", lo=0.0, hi=MAX_DELAY_S,
                             unit="s", what="produce delay", step=10, option="--produce-ms", cli=MS, form=PER_S,
                             tip="Items per second each producer makes (0: as fast as it can).")
    consume_s: float = param(0.010, "Consumer speed", "time to use one item", "float", lo=0.0, hi=MAX_DELAY_S,
                             unit="s", what="consume delay", step=10, option="--consume-ms", cli=MS, form=PER_S,
                             tip="Items per second each consumer uses (0: as fast as it can).")

    def __post_init__(self) -> None:
        check_params(self)
        if self.ideal_s > MAX_TOTAL_S:
            raise ConfigError(f"this would take at least {self.ideal_s:,.0f} s; keep it under {MAX_TOTAL_S:g} s "
                              "(fewer items or shorter delays)")

    @property
    def ideal_s(self) -> float:
        """The slower side's total time: items x delay / threads on that side."""
        return self.items * max(self.produce_s / self.producers, self.consume_s / self.consumers)

    @staticmethod
    def rate_to_delay(items_per_s: float) -> float:
        """Items per second to a delay per item (0 for "as fast as it goes")."""
        return _rate_to_delay(items_per_s)


@dataclass(frozen=True)
class ItemProduced:
    producer: str
    item: int
    t: float
    waited_s: float  # how long put() waited for room
    fill: int  # items in the buffer just after


@dataclass(frozen=True)
class ItemConsumed:
    consumer: str
    item: int
    t: float
    waited_s: float  # how long get() waited for an item
    fill: int


@dataclass(frozen=True)
class BufferSample:
    t: float
    fill: int
    capacity: int
    produced: int
    consumed: int


@dataclass(frozen=True)
class ConditionResult:
    params: ConditionParams
    produced: int
    consumed: int
    left: int  # still in the buffer at the end (after a cancel)
    max_fill: int
    duplicates: int  # items consumed twice (must be 0)
    unknown: int  # consumed items nobody produced (must be 0)
    producer_wait_s: float  # total time producers waited for room
    consumer_wait_s: float  # total time consumers waited for items
    wall_s: float
    samples: tuple[BufferSample, ...]
    status: RunStatus

    @property
    def conserved(self) -> bool:
        return self.produced == self.consumed + self.left and self.duplicates == 0 and self.unknown == 0

    def as_dict(self) -> dict[str, Any]:
        d = to_jsonable(self)
        d["conserved"] = self.conserved
        d["samples"] = [[s.t, s.fill, s.produced, s.consumed] for s in self.samples]
        d["samples_columns"] = ["t", "fill", "produced", "consumed"]
        return d


def run(params: ConditionParams, on_event: EventSink | None = None,
        cancel: threading.Event | None = None) -> ConditionResult:
    cancel = cancel or threading.Event()
    waits = {"p": 0.0, "c": 0.0}

    def record(ev: Any) -> None:
        if isinstance(ev, ItemProduced):
            waits["p"] += ev.waited_s
        elif isinstance(ev, ItemConsumed):
            waits["c"] += ev.waited_s
        if on_event is not None:
            on_event(ev)

    pump = EventPump(record)
    buf: BoundedBuffer | QueueBuffer = (BoundedBuffer if params.variant == "condition" else QueueBuffer)(
        params.capacity)
    stop = threading.Event()
    made: list[list[int]] = [[] for _ in range(params.producers)]
    got: list[list[int]] = [[] for _ in range(params.consumers)]
    producers = []
    first = 0
    for i in range(params.producers):  # share the items out: the first ones get one more
        count = params.items // params.producers + (i < params.items % params.producers)
        producers.append(threading.Thread(
            target=producer, name=f"producer-{i + 1}",
            args=(f"producer-{i + 1}", buf, first, count, params.produce_s, made[i], pump.put, stop)))
        first += count

    def finished() -> bool:  # no producer will put anything any more
        return not any(p.is_alive() for p in producers)

    consumers = [threading.Thread(target=consumer, name=f"consumer-{i + 1}",
                                  args=(f"consumer-{i + 1}", buf, params.consume_s, finished, got[i], pump.put,
                                        stop))
                 for i in range(params.consumers)]
    samples: list[BufferSample] = []
    last = [float("-inf")]

    def sample(force: bool = False) -> None:
        t = now()
        if force or t - last[0] >= SAMPLE_S:
            last[0] = t
            s = BufferSample(t, buf.fill(), params.capacity, sum(map(len, made)), sum(map(len, got)))
            samples.append(s)
            pump.put(s)

    t0 = now()
    sample(force=True)
    for th in (*producers, *consumers):
        th.start()
    join_all([*producers, *consumers], pump, stop, cancel, sample)
    wall = now() - t0
    sample(force=True)
    pump.drain()
    produced = [x for m in made for x in m]
    consumed = [x for g in got for x in g]
    left = list(buf.items)
    seen = set(consumed)
    done = len(consumed) == params.items
    return ConditionResult(
        params, len(produced), len(consumed), len(left), buf.most, len(consumed) - len(seen),
        len(seen - set(produced)), waits["p"], waits["c"], wall, tuple(samples),
        RunStatus.DONE if done else RunStatus.CANCELLED)


# --- words ------------------------------------------------------------------------


def explain(result: ConditionResult | None = None) -> str:
    text = f"{EXPLANATION} {interpreter_facts()}"
    if result is None:
        return text
    p = result.params
    if p.produce_s / p.producers < p.consume_s / p.consumers:
        who = "The producers are faster, so the buffer fills up and they wait for room"
    elif p.produce_s / p.producers > p.consume_s / p.consumers:
        who = "The consumers are faster, so the buffer stays nearly empty and they wait for items"
    else:
        who = "Both sides run at the same speed"
    check = ("every item produced was consumed or is still in the buffer" if result.conserved
             else "ITEMS WERE LOST OR DUPLICATED")
    return (f"{text}\n{who} (producers waited {result.producer_wait_s:.2f} s in all, consumers "
            f"{result.consumer_wait_s:.2f} s). The fill level never went above {result.max_fill} of "
            f"{p.capacity}, and {check}.")


def summary(result: ConditionResult) -> list[str]:
    p = result.params
    def rate(d: float) -> str:
        return "as fast as possible" if d == 0 else f"{1 / d:,.0f} items/s"
    return [
        f"{p.variant} variant, capacity {p.capacity}, {p.items} items; "
        f"{p.producers} producer(s) at {rate(p.produce_s)}, {p.consumers} consumer(s) at {rate(p.consume_s)}",
        f"produced {result.produced}, consumed {result.consumed}, left {result.left}: "
        + ("conserved" if result.conserved else "NOT conserved"),
        f"max fill {result.max_fill} of {p.capacity}; producers waited {result.producer_wait_s:.3f} s, "
        f"consumers waited {result.consumer_wait_s:.3f} s",
        f"wall time {result.wall_s:.3f} s (at best {p.ideal_s:.3f} s); status {result.status.value}",
    ]
