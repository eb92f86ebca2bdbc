"""Producer-consumer: items are conserved, the bound holds, cancel is prompt, nothing hangs."""

from __future__ import annotations

import threading
import time

import pytest

from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.labs import condition

from ._util import Recorder


@pytest.mark.parametrize("variant", condition.VARIANTS)
@pytest.mark.parametrize("producers, consumers, produce_s, consume_s, capacity", [
    (1, 1, 0.002, 0.004, 3),  # producer faster: the buffer fills
    (1, 1, 0.004, 0.0, 3),  # consumer faster: it stays nearly empty
    (3, 2, 0.0, 0.0, 2),  # as fast as possible, contended
    (2, 4, 0.0, 0.001, 1),
])
def test_conserves_items_and_respects_the_bound(variant, producers, consumers, produce_s, consume_s, capacity) -> None:
    rec = Recorder()
    p = condition.ConditionParams(variant=variant, capacity=capacity, items=60, producers=producers,
                                  consumers=consumers, produce_s=produce_s, consume_s=consume_s)
    r = condition.run(p, rec)
    assert r.status is RunStatus.DONE
    assert r.produced == r.consumed == 60 and r.left == 0
    assert r.conserved and r.duplicates == 0 and r.unknown == 0
    assert 1 <= r.max_fill <= capacity
    assert all(0 <= s.fill <= capacity for s in r.samples)
    assert all(0 <= e.fill <= capacity for e in rec.of(condition.ItemProduced) + rec.of(condition.ItemConsumed))
    assert sorted(e.item for e in rec.of(condition.ItemConsumed)) == list(range(60))
    assert rec.threads == {threading.get_ident()}
    if produce_s and produce_s < consume_s:
        assert r.max_fill == capacity  # the producer runs ahead until the buffer is full


@pytest.mark.parametrize("variant", condition.VARIANTS)
def test_cancel_mid_run_returns_promptly_and_conserves(variant: str) -> None:
    cancel = threading.Event()
    t_cancel: list[float] = []

    def hook(ev) -> None:
        if isinstance(ev, condition.ItemConsumed) and ev.item >= 5 and not cancel.is_set():
            t_cancel.append(time.perf_counter())
            cancel.set()

    p = condition.ConditionParams(variant=variant, capacity=4, items=5000, produce_s=0.001, consume_s=0.005)
    r = condition.run(p, Recorder(hook), cancel)
    assert time.perf_counter() - t_cancel[0] < 0.5
    assert r.status is RunStatus.CANCELLED
    assert r.conserved and r.produced == r.consumed + r.left
    assert r.max_fill <= 4 and r.consumed < 5000


def test_cancel_before_start() -> None:
    cancel = threading.Event()
    cancel.set()
    t0 = time.perf_counter()
    r = condition.run(condition.ConditionParams(items=1000, produce_s=0.01, consume_s=0.01), cancel=cancel)
    assert time.perf_counter() - t0 < 0.5
    assert r.status is RunStatus.CANCELLED and r.conserved


def test_buffer_waits_time_out_when_stopped() -> None:
    """A full buffer's put and an empty buffer's get give up when stopped instead of waiting for ever."""
    stop = threading.Event()
    buf = condition.BoundedBuffer(1)
    assert buf.put(1, stop) == 1
    stop.set()
    assert buf.put(2, stop) is None
    assert buf.get(lambda: False, threading.Event()) == (1, 0)
    assert buf.get(lambda: False, stop) is None
    assert buf.get(lambda: True, threading.Event()) is None


@pytest.mark.parametrize("kwargs", [{"capacity": 0}, {"items": 0}, {"variant": "pipe"}, {"producers": 0},
                                    {"consume_s": -1.0}, {"items": 100_000, "consume_s": 0.01}])
def test_bad_params(kwargs) -> None:
    with pytest.raises(ConfigError):
        condition.ConditionParams(**kwargs)


def test_rate_to_delay() -> None:
    assert condition.ConditionParams.rate_to_delay(200) == 0.005
    assert condition.ConditionParams.rate_to_delay(0) == 0.0
