"""An event loop without a window: how ``concgui lesson`` measures a frozen window.

The window measures its own heartbeat. Headless, this loop stands in for it:
it ticks every 10 ms on the calling thread, as a GUI thread's timer would, and
records how late each tick was (the engine's :class:`LatenessRecorder`). A
``window-thread`` run is called from inside a tick, so the loop cannot tick
until it returns, which is what a slot that does the work itself does to a
window. Any other run goes to a plain thread, as the window's driver does,
while the loop keeps ticking.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from concgui.engine.clock import now
from concgui.engine.latency import LatenessRecorder

TICK_S = 0.010
#: Ticks after the run, so a freeze that ends the run is measured.
AFTER_TICKS = 5


def longest_freeze_ms(run: Callable[[], None], on_loop_thread: bool) -> float:
    """Run ``run`` in the loop's thread or beside it; the longest any tick waited past its time, in ms."""
    recorder = LatenessRecorder(TICK_S)
    done = threading.Event()
    error: list[BaseException] = []

    def call() -> None:
        try:
            run()
        except BaseException as exc:  # handed to the loop's thread, re-raised there
            error.append(exc)
        finally:
            done.set()

    worker = None if on_loop_thread else threading.Thread(target=call, name="lesson-run", daemon=True)
    due = now() + TICK_S
    ticks_after = 0
    t0 = now()
    if worker is not None:
        worker.start()
    try:
        while ticks_after < AFTER_TICKS:
            wait = due - now()
            if wait > 0:
                time.sleep(wait)
            t = now()
            recorder.record(t, max(0.0, t - due))
            if on_loop_thread and not done.is_set():
                call()  # the tick's own work: nothing else ticks until it returns
            due = t + TICK_S  # as a timer does: the next tick is due one period after this one began
            if done.is_set():
                ticks_after += 1
    finally:
        if worker is not None:
            worker.join()
    if error:
        raise error[0]
    # The tick after a blocking call is late by the call itself.
    return recorder.stats(since=t0).longest_freeze_ms
