"""What every lab shares: the event pump, status, checks, parameters, interpreter facts.

A lab is a Qt-free experiment: a frozen ``Params`` (checked on creation,
raising :class:`~concgui.engine.config.ConfigError`), a ``run(params,
on_event=None, cancel=None)`` function that returns a frozen ``Result``, and
small frozen event records. Like :class:`concgui.engine.runner.Runner`,
``run`` calls ``on_event`` only on the thread that called ``run`` (worker
threads and processes hand their events to it), so a view can turn each event
into a signal without locks. Timestamps come from
:func:`concgui.engine.clock.now` and line up across threads and processes.

Each ``Params`` field that people set is declared with :func:`param`: its
default and its :class:`Param` (label, help, range, unit, choices) side by
side, the one description that the lab's checks, ``concgui lab`` and the Labs
tab's form all read.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import math
import queue
import sys
import threading
from typing import Any, Callable, Mapping

from concgui.engine import startmethods
from concgui.engine.clock import now
from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.engine.python_facts import gil_enabled

__all__ = ["ConfigError", "EventPump", "EventSink", "Param", "RunStatus", "Shown", "check_float", "check_int",
           "check_params", "described", "interpreter_facts", "now", "param", "to_jsonable"]

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
    return value


def check_several(what: str, values: tuple[Any, ...], choices: tuple[str, ...]) -> tuple[Any, ...]:
    """One or more of ``choices``, each at most once."""
    if not values:
        raise ConfigError(f"choose at least one {what} of: {', '.join(choices)}")
    for v in values:
        if v not in choices:
            raise ConfigError(f"unknown {what} {v!r}; choose from: {', '.join(choices)}")
    if len(set(values)) != len(values):
        raise ConfigError(f"each {what} may be named only once")
    return values


def check_bool(what: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{what} must be True or False, not {value!r}")
    return value


# --- parameters that describe themselves ------------------------------------------

#: (form label, value) pairs.
Choices = tuple[tuple[str, Any], ...]
#: The key, in a Params field's metadata, of its :class:`Param`.
_PARAM = "concgui.lab-param"


@dataclasses.dataclass(frozen=True)
class Shown:
    """A value as people type it, where that is not the unit the lab computes in.

    Params hold seconds and delays, the units the lab's code uses; people
    think in milliseconds or in items per second. ``to_param`` and
    ``from_param`` convert. ``lo``/``hi`` are a form's range where it does not
    follow from the Params range (a delay of 0 is "as fast as possible", which
    no rate is), ``special`` the form's text for its lowest value, and
    ``whole`` makes the form count in whole numbers.
    """

    suffix: str
    to_param: Callable[[float], float]
    from_param: Callable[[float], float]
    lo: float | None = None
    hi: float | None = None
    special: str = ""
    whole: bool = False


def _ms_to_s(ms: float) -> float:
    return round(float(ms) / 1000.0, 6)


def _s_to_ms(s: float) -> float:
    return round(float(s) * 1000.0, 6)


#: Seconds, typed as milliseconds.
MS = Shown(" ms", _ms_to_s, _s_to_ms)
#: A Param's ``form_default`` when the form starts at the lab's own default.
_LAB_DEFAULT: Any = object()


@dataclasses.dataclass(frozen=True)
class Param:
    """One parameter of a lab, written once: its check, its CLI option and its form field.

    A lab declares each of its Params fields with :func:`param`, so the
    default sits next to everything else about it. :func:`check_params`
    checks a Params against them, and ``concgui lab`` (:mod:`concgui.cli`) and
    the Labs tab (:mod:`concgui.gui.labs.forms`) build their options and
    fields from :func:`described`: a range or a default changed here changes
    in the check, the command line and the window together, and none of the
    three can offer a value another refuses.

    ``kind`` is int, float, choice, bool, multi (one or more of ``choices``)
    or bytes (a size: the CLI reads ``64M``, the form offers ``choices``).
    Ranges and defaults are in the Params unit; ``step`` is in the unit the
    form shows.
    """

    label: str  # the form's label
    help: str  # the CLI's help (the default is added)
    kind: str
    lo: float = 0
    hi: float = 0  # the static cap; check_params(caps=...) lowers it where other fields decide
    unit: str = ""  # in messages ("between 0 and 5 s") and, after a space, the form's suffix
    what: str = ""  # the name in messages; default: the field's name, with spaces
    choices: Choices | Callable[[], Choices] = ()  # a function where they depend on the machine
    check: Callable[[Any], Any] | None = None  # instead of the kind's own check
    step: float = 1
    tip: str = ""  # the form's tool tip
    option: str = ""  # the CLI option where not --name; a bool's is the flag that flips its default
    cli: Shown | None = None  # how the CLI takes it, where not in the Params unit
    form: Shown | None = None  # how the form shows it, where not in the Params unit
    form_default: Any = _LAB_DEFAULT  # where the window starts with a quicker run than the lab's default
    name: str = ""  # the field's name and default: filled in by described()
    default: Any = None

    @property
    def form_start(self) -> Any:
        """The form's first value, in the Params unit."""
        return self.default if self.form_default is _LAB_DEFAULT else self.form_default

    @property
    def choice_list(self) -> Choices:
        return self.choices() if callable(self.choices) else self.choices

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(v for _, v in self.choice_list)

    def validate(self, value: Any, hi: float | None = None) -> None:
        """Raise ConfigError unless ``value`` is one this parameter takes (``hi``: a lower cap)."""
        if self.check is not None:
            self.check(value)
            return
        what = self.what or self.name.replace("_", " ")
        hi = self.hi if hi is None else hi
        if self.kind in ("int", "bytes"):
            check_int(what, value, int(self.lo), int(hi), self.unit)
        elif self.kind == "float":
            check_float(what, value, self.lo, hi, self.unit)
        elif self.kind == "choice":
            check_choice(what, value, self.values)
        elif self.kind == "multi":
            check_several(what, value, self.values)
        elif self.kind == "bool":
            check_bool(what, value)
        else:
            raise ValueError(f"unknown parameter kind {self.kind!r}")


def param(default: Any, label: str, help: str, kind: str, **details: Any) -> Any:
    """A Params field: its default and its :class:`Param` (``details``: the Param's other fields)."""
    return dataclasses.field(default=default, metadata={_PARAM: Param(label, help, kind, **details)})


@functools.cache
def described(params_class: type) -> tuple[Param, ...]:
    """The Param of each field of ``params_class`` declared with :func:`param`, in field order."""
    return tuple(dataclasses.replace(f.metadata[_PARAM], name=f.name, default=f.default)
                 for f in dataclasses.fields(params_class) if _PARAM in f.metadata)


def check_params(params: Any, caps: Mapping[str, float] | None = None) -> None:
    """Check each described field of ``params`` (call it from ``__post_init__``); raise ConfigError.

    ``caps`` lowers the upper bound of a field where other fields decide it
    (workers on processes: at most :func:`~concgui.engine.config.max_processes`;
    the smallest payload: at most the largest). Those fields are checked
    last, so a cap read from another described field is a checked value.
    """
    caps = caps or {}
    params_class: type = type(params)
    for p in sorted(described(params_class), key=lambda p: p.name in caps):
        p.validate(getattr(params, p.name), caps.get(p.name))


# --- what several labs share ----------------------------------------------------------

#: The ``mode`` of a lab that runs on threads, then on processes.
BOTH = "both"
#: (form label, value) of a lab's ``mode``.
RUN_ON: Choices = (("threads and processes", BOTH), ("threads", "threads"), ("processes", "processes"))


def modes_of(mode: str) -> tuple[str, ...]:
    """The modes a lab's ``mode`` runs, in order: "both" is threads, then processes."""
    return ("threads", "processes") if mode == BOTH else (mode,)


def mode_param() -> Any:
    """The ``mode`` field of a lab that runs on threads, processes or both."""
    return param(BOTH, "Run on", "threads, processes or both", "choice", choices=RUN_ON)


def start_method_choices() -> Choices:
    """The start methods this machine has, the default first (None: the platform's safe one)."""
    default = startmethods.default()
    out: list[tuple[str, Any]] = [(f"default ({default})", None)]
    out += [(m + ("  (unsafe with threads)" if m == "fork" else ""), m) for m in startmethods.available()]
    return tuple(out)


def _check_start_method(method: Any) -> None:
    if method is not None:
        startmethods.check(method)  # its message names the methods this machine has


def start_method_param() -> Any:
    """The ``start_method`` field of a lab with processes; the machine decides the choices."""
    return param(None, "Start method", "process start method (default: forkserver on Linux, else spawn)",
                 "choice", choices=start_method_choices, check=_check_start_method)


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
