"""What every lab shares: the event pump, status, checks, interpreter facts.

A lab is a Qt-free experiment: a frozen ``Params`` (checked on creation,
raising :class:`~concgui.engine.config.ConfigError`), a ``run(params,
on_event=None, cancel=None)`` function that returns a frozen ``Result``, and
small frozen event records. Like :class:`concgui.engine.runner.Runner`,
``run`` calls ``on_event`` only on the thread that called ``run`` (worker
threads and processes hand their events to it), so a view can turn each event
into a signal without locks. Timestamps come from
:func:`concgui.engine.clock.now` and line up across threads and processes.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import queue
import sys
import threading
from typing import Any, Callable

from concgui.engine.clock import now
from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.engine.platform_info import gil_enabled

__all__ = ["ConfigError", "EventPump", "EventSink", "RunStatus", "check_float", "check_int",
           "interpreter_facts", "now", "to_jsonable"]

EventSink = Callable[[Any], None]
#: How long any wait in a lab blocks before it looks at the cancel flag again.
POLL_S = 0.02


def _ignore(_event: Any) -> None:
    pass


class EventPump:
    """Carries events from worker threads to the thread that runs the lab.

    Workers call :meth:`put` (thread-safe); the lab's own thread calls
    :meth:`pump`, which hands queued events to ``on_event`` in arrival order.
    """

    def __init__(self, on_event: EventSink | None) -> None:
        self.on_event = on_event or _ignore
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def put(self, event: Any) -> None:
        self._q.put(event)

    def emit(self, event: Any) -> None:
        """Hand ``event`` over now (call only on the lab's own thread)."""
        self.drain()
        self.on_event(event)

    def drain(self) -> None:
        while True:
            try:
                ev = self._q.get_nowait()
            except queue.Empty:
                return
            self.on_event(ev)

    def pump(self, timeout: float = POLL_S) -> None:
        """Wait up to ``timeout`` for an event, then hand over all that are queued."""
        try:
            ev = self._q.get(timeout=timeout)
        except queue.Empty:
            return
        self.on_event(ev)
        self.drain()


def join_all(threads: list[threading.Thread], pump: EventPump, stop: threading.Event,
             cancel: threading.Event, tick: Callable[[], None] | None = None) -> None:
    """Pump events until every thread has ended; pass a cancel on to ``stop``.

    ``tick`` runs every poll (e.g. to take a sample). Workers never wait
    longer than one poll without looking at ``stop``, so this ends promptly.
    """
    try:
        while any(t.is_alive() for t in threads):
            if cancel.is_set():
                stop.set()
            pump.pump(POLL_S)
            if tick is not None:
                tick()
    finally:
        stop.set()  # harmless when all have ended; ends them when we leave early
        for t in threads:
            t.join()
        pump.drain()


def overall_status(error: str | None, cancel: threading.Event, outcomes: Any) -> RunStatus:
    """A lab's status from its parts: failed if any error, cancelled if asked or any part was."""
    if error:
        return RunStatus.FAILED
    if cancel.is_set() or any(o.status is not RunStatus.DONE for o in outcomes):
        return RunStatus.CANCELLED
    return RunStatus.DONE


def check_int(what: str, value: object, lo: int, hi: int, unit: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{what} must be a whole number, not {value!r}")
    if not lo <= value <= hi:
        u = f" {unit}" if unit else ""
        raise ConfigError(f"{what} must be between {lo:,} and {hi:,}{u}, not {value:,}")
    return value


def check_float(what: str, value: object, lo: float, hi: float, unit: str = "") -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{what} must be a number, not {value!r}")
    if not lo <= value <= hi:
        u = f" {unit}" if unit else ""
        raise ConfigError(f"{what} must be between {lo:g} and {hi:g}{u}, not {value:g}")
    return float(value)


def check_choice(what: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ConfigError(f"unknown {what} {value!r}; choose one of: {', '.join(choices)}")
    return value  # type: ignore[return-value]


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, enums and tuples as plain JSON values (dicts, strings, lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def interpreter_facts() -> str:
    """One sentence about the running interpreter, for the explanations."""
    v = sys.version_info
    gil = "on" if gil_enabled() else "off (free-threaded)"
    return (f"This is Python {v.major}.{v.minor}.{v.micro}; the GIL is {gil}, and the switch interval "
            f"is {sys.getswitchinterval() * 1000:g} ms (sys.getswitchinterval()).")
