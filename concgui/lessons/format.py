"""The lesson file format: what a step sets up, asks, measures, expects and points at.

One description, read by the window's lesson panel, ``concgui lesson`` and the
tests. A file is checked as a whole when it is loaded, so a mistake in a
lesson someone wrote is one sentence naming the step and the field, before
anything runs (see ``docs/lessons.md`` for the format, with an example).
"""

from __future__ import annotations

import enum
import os
import string
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple, Union

#: The format version this concgui reads.
FORMAT = 1


class LessonError(ValueError):
    """A lesson file that cannot be used: one sentence saying where and why."""


class Answer(str, enum.Enum):
    """What a prediction is: a number (with a unit) or one of a few choices."""

    NUMBER = "number"
    CHOICE = "choice"


class Placement(str, enum.Enum):
    """Where a workload step's run goes; the frozen-window lesson needs all three.

    ``WINDOW_THREAD``: on the thread that runs the event loop (the GUI thread in
    the window; the loop's own thread in ``concgui lesson``): the loop stops
    until the run ends. ``WORKER_THREAD``: threads in the loop's own process,
    competing with it for the GIL. ``DEFAULT``: as Run and Compare place it.
    """

    DEFAULT = "default"
    WINDOW_THREAD = "window-thread"
    WORKER_THREAD = "worker-thread"


class Metric(str, enum.Enum):
    """What a step measures (see :mod:`concgui.lessons.measure` for how each is read)."""

    SPEEDUP = "speedup"  # serial wall / the mode's wall, on the same inputs
    FREEZE_MS = "freeze-ms"  # the event loop's longest freeze during the run
    LOST_UPDATES = "lost-updates"  # race lab: updates lost by one variant
    MAX_CONCURRENCY = "max-concurrency"  # semaphore lab: most holders at once
    DEADLOCK = "deadlock"  # deadlock lab: "deadlock" or "completes", for one variant
    MAX_FILL = "max-fill"  # condition lab: the fullest the buffer got
    FASTEST_IPC = "fastest-ipc"  # ipc lab: the quickest method at one payload size
    IPC_RATIO = "ipc-ratio"  # ipc lab: how many times quicker one method is than another


#: What a step may point at; the window highlights the widget of that name.
LOOK_TARGETS = ("cpu-plot", "timeline", "heartbeat", "comparison", "progress", "lab", "readout-speedup",
                "readout-cores", "readout-heartbeat", "readout-verdict")
#: Names a lesson's text may use in braces, filled in for this machine and step.
TEXT_FIELDS = ("cores", "workers", "tasks", "size", "gil", "switch_ms", "python")


class GilText(NamedTuple):
    """A text that depends on the GIL: ``{"gil-on": "...", "gil-off": "..."}`` in a lesson file.

    What a step points at or suggests can be true with the GIL and false without it (a free-threaded
    build); the one that is true for the running interpreter is shown (:func:`concgui.lessons.facts.fill`).
    """

    on: str
    off: str


#: A lesson text: the same on every Python, or one per GIL state.
Text = Union[str, GilText]


@dataclass(frozen=True)
class RunSetup:
    """A workload step: the same tasks in each of ``modes`` (serial first, the baseline)."""

    workload: str
    modes: tuple[str, ...]
    tasks: int
    size: int | None
    workers: int | str  # a count, or "cores"
    placement: Placement = Placement.DEFAULT

    def worker_count(self, cores: int | None = None) -> int:
        if self.workers == "cores":
            return max(1, cores if cores is not None else (os.cpu_count() or 1))
        return int(self.workers)


@dataclass(frozen=True)
class LabSetup:
    """A lab step: one of the labs (``concgui lab NAME``) with these parameters."""

    lab: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Question:
    text: Text
    answer: Answer
    unit: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)  # value -> the words shown


@dataclass(frozen=True)
class Expect:
    """A named rule of :mod:`concgui.lessons.expect`, or a range or choices the lesson's author wrote."""

    rule: str | None = None
    between: tuple[float | None, float | None] | None = None
    one_of: tuple[str, ...] = ()
    why: str = ""  # the author's reason, for a written range or choices


@dataclass(frozen=True)
class LookAt:
    target: str
    text: Text


@dataclass(frozen=True)
class Step:
    title: str
    setup: RunSetup | LabSetup
    question: Question
    metric: Metric
    metric_args: Mapping[str, Any]
    expect: Expect
    look_at: LookAt
    try_next: Text
    notes: Text = ""

    @property
    def is_lab(self) -> bool:
        return isinstance(self.setup, LabSetup)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    summary: str
    steps: tuple[Step, ...]
    source: str = ""  # where it was loaded from, for messages

    def summary_dict(self) -> dict[str, Any]:
        """What ``concgui lesson --list`` shows of it."""
        return {"id": self.id, "title": self.title, "summary": self.summary, "steps": len(self.steps),
                "step_titles": [s.title for s in self.steps]}


# --- parsing ---------------------------------------------------------------------------------------


class _Where:
    """Where in the file a value is, for messages ("lesson gil, step 2, ask.choices")."""

    def __init__(self, source: str, step: int | None = None) -> None:
        self.source, self.step = source, step

    def error(self, path: str, why: str) -> LessonError:
        at = f"step {self.step}, " if self.step is not None else ""
        return LessonError(f"{self.source}: {at}{path}: {why}")


def _get(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: _Where, path: str,
         default: Any = ..., ) -> Any:
    if key not in obj:
        if default is ...:
            raise where.error(f"{path}{key}", "missing")
        return default
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):  # True is an int too
        raise where.error(f"{path}{key}", f"expected {_kind_words(kind)}, not {value!r}")
    return value


def _kind_words(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", dict: "an object", list: "a list",
             bool: "true or false"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _text(obj: Mapping[str, Any], key: str, where: _Where, path: str = "", default: Any = ...) -> str:
    """A text field; its ``{fields}`` must be ones :func:`concgui.lessons.facts.fill` knows."""
    value: str = _get(obj, key, str, where, path, default)
    return _checked(value, key, where, path)


def _gil_text(obj: Mapping[str, Any], key: str, where: _Where, path: str = "", default: Any = ...) -> Text:
    """A text field that may differ with the GIL: a string, or {"gil-on": ..., "gil-off": ...}."""
    value = _get(obj, key, (str, dict), where, path, default)
    if isinstance(value, str):
        return _checked(value, key, where, path)
    if set(value) != {"gil-on", "gil-off"} or not all(isinstance(v, str) for v in value.values()):
        raise where.error(f"{path}{key}", "expected text, or {\"gil-on\": text, \"gil-off\": text}")
    return GilText(_checked(value["gil-on"], "gil-on", where, f"{path}{key}."),
                   _checked(value["gil-off"], "gil-off", where, f"{path}{key}."))


def _checked(value: str, key: str, where: _Where, path: str) -> str:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(value)]
    except ValueError as exc:  # a lone brace
        raise where.error(f"{path}{key}", f"{exc} (write {{{{ for a brace)") from None
    for name in names:
        if name is not None and name not in TEXT_FIELDS:
            raise where.error(f"{path}{key}", f"unknown field {{{name}}}; use {', '.join(TEXT_FIELDS)}")
    return value


def _only(obj: Mapping[str, Any], keys: tuple[str, ...], where: _Where, path: str) -> None:
    extra = sorted(set(obj) - set(keys))
    if extra:
        raise where.error(f"{path}{extra[0]}", f"unknown key; use {', '.join(keys)}")


def _run_setup(obj: Mapping[str, Any], where: _Where) -> RunSetup:
    from concgui.engine.config import MODES
    from concgui.engine.workloads import CATALOG

    p = "set.run."
    _only(obj, ("workload", "modes", "tasks", "size", "workers", "placement"), where, p)
    workload = _get(obj, "workload", str, where, p)
    if workload not in CATALOG:
        raise where.error(f"{p}workload", f"unknown workload {workload!r}; choose one of: {', '.join(CATALOG)}")
    modes = tuple(_get(obj, "modes", list, where, p))
    if not modes or any(m not in MODES for m in modes):
        raise where.error(f"{p}modes", f"expected modes from: {', '.join(MODES)}")
    if modes[0] != "serial":
        raise where.error(f"{p}modes", "the first mode must be serial (the baseline the others are measured against)")
    workers = _get(obj, "workers", (int, str), where, p, "cores")
    if isinstance(workers, str) and workers != "cores":
        raise where.error(f"{p}workers", f"expected a count or \"cores\", not {workers!r}")
    try:
        placement = Placement(_get(obj, "placement", str, where, p, Placement.DEFAULT.value))
    except ValueError:
        raise where.error(f"{p}placement", f"choose one of: {', '.join(x.value for x in Placement)}") from None
    setup = RunSetup(workload, modes, _get(obj, "tasks", int, where, p), _get(obj, "size", int, where, p, None),
                     workers, placement)
    if placement is Placement.WINDOW_THREAD and modes != ("serial",):
        raise where.error(f"{p}placement", "window-thread runs one serial run (the loop's own thread runs it)")
    if placement is Placement.WORKER_THREAD and modes[1:] != ("threads",):
        raise where.error(f"{p}placement", "worker-thread runs serial then threads, in the loop's own process")
    from concgui.engine.config import ConfigError

    for cfg in run_configs(setup):
        try:
            cfg.validate()
        except ConfigError as exc:
            raise where.error("set.run", str(exc)) from None
    return setup


def run_configs(setup: RunSetup, cores: int | None = None) -> list:
    """The engine's configs for a workload step, serial first (placement aside: the caller places them)."""
    from concgui.engine.config import RunConfig

    n = setup.worker_count(cores)
    return [RunConfig(setup.workload, m, 1 if m == "serial" else n, setup.tasks, setup.size) for m in setup.modes]


def _lab_setup(obj: Mapping[str, Any], where: _Where) -> LabSetup:
    from concgui import labs
    from concgui.engine.config import ConfigError

    p = "set."
    name = _get(obj, "lab", str, where, p)
    if name not in labs.LABS:
        raise where.error(f"{p}lab", f"unknown lab {name!r}; choose one of: {', '.join(labs.LABS)}")
    params = dict(_get(obj, "params", dict, where, p, {}))
    try:
        lab_params(LabSetup(name, params))
    except ConfigError as exc:
        raise where.error(f"{p}params", str(exc)) from None
    except TypeError as exc:
        raise where.error(f"{p}params", str(exc)) from None
    return LabSetup(name, params)


def lab_params(setup: LabSetup) -> Any:
    """The lab's Params for a step (its checks raise ConfigError); lists become the tuples Params take."""
    from concgui import labs

    cls = labs.params_class(setup.lab)
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in setup.params.items()})


def _question(obj: Mapping[str, Any], where: _Where) -> Question:
    p = "ask."
    _only(obj, ("text", "answer", "unit", "choices"), where, p)
    try:
        answer = Answer(_get(obj, "answer", str, where, p))
    except ValueError:
        raise where.error(f"{p}answer", "choose number or choice") from None
    choices = dict(_get(obj, "choices", dict, where, p, {}))
    if answer is Answer.CHOICE and len(choices) < 2:
        raise where.error(f"{p}choices", "a choice needs at least two choices")
    if answer is Answer.NUMBER and choices:
        raise where.error(f"{p}choices", "a number answer has no choices")
    for k, v in choices.items():
        if not isinstance(v, str):
            raise where.error(f"{p}choices.{k}", f"expected text, not {v!r}")
    return Question(_gil_text(obj, "text", where, p), answer, _text(obj, "unit", where, p, ""), choices)


def _expect(value: Any, question: Question, metric: Metric, where: _Where) -> Expect:
    from concgui.lessons.expect import RULES

    if isinstance(value, str):
        if value not in RULES:
            raise where.error("expect", f"unknown rule {value!r}; choose one of: {', '.join(RULES)}")
        rule = RULES[value]
        if rule.metric is not metric:
            raise where.error("expect", f"rule {value!r} judges {rule.metric.value}, not {metric.value}")
        return Expect(rule=value)
    if not isinstance(value, dict):
        raise where.error("expect", "expected a rule name or an object with between or one_of, and why")
    _only(value, ("between", "one_of", "why"), where, "expect.")
    why = _get(value, "why", str, where, "expect.")
    if question.answer is Answer.NUMBER:
        pair = _get(value, "between", list, where, "expect.")
        if len(pair) != 2 or any(x is not None and (isinstance(x, bool) or not isinstance(x, (int, float)))
                                 for x in pair):
            raise where.error("expect.between", "expected [low, high] (null for no bound)")
        lo, hi = pair
        if lo is not None and hi is not None and lo > hi:
            raise where.error("expect.between", f"low {lo} is above high {hi}")
        return Expect(between=(lo, hi), why=why)
    one_of = tuple(_get(value, "one_of", list, where, "expect."))
    unknown = [c for c in one_of if c not in question.choices]
    if not one_of or unknown:
        raise where.error("expect.one_of", f"expected some of the choices: {', '.join(question.choices)}")
    return Expect(one_of=one_of, why=why)


def _metric(obj: Any, where: _Where) -> tuple[Metric, dict[str, Any]]:
    if isinstance(obj, str):
        obj = {"metric": obj}
    if not isinstance(obj, dict):
        raise where.error("measure", "expected a metric name or an object with metric")
    args = dict(obj)
    name = args.pop("metric", None)
    try:
        return Metric(name), args
    except ValueError:
        raise where.error("measure.metric", f"choose one of: {', '.join(m.value for m in Metric)}") from None


def _step(obj: Any, where: _Where) -> Step:
    if not isinstance(obj, dict):
        raise where.error("", "a step is an object")
    _only(obj, ("title", "set", "ask", "measure", "expect", "look_at", "try_next", "notes"), where, "")
    setting = _get(obj, "set", dict, where, "")
    if "run" in setting and "lab" not in setting:
        _only(setting, ("run",), where, "set.")
        setup: RunSetup | LabSetup = _run_setup(_get(setting, "run", dict, where, "set."), where)
    elif "lab" in setting:
        _only(setting, ("lab", "params"), where, "set.")
        setup = _lab_setup(setting, where)
    else:
        raise where.error("set", "expected run (a workload) or lab")
    question = _question(_get(obj, "ask", dict, where, ""), where)
    metric, args = _metric(obj.get("measure"), where)
    from concgui.lessons.measure import check_metric

    why = check_metric(metric, args, setup, question)
    if why:
        raise where.error("measure", why)
    look = _get(obj, "look_at", dict, where, "")
    _only(look, ("target", "text"), where, "look_at.")
    target = _get(look, "target", str, where, "look_at.")
    if target not in LOOK_TARGETS:
        raise where.error("look_at.target", f"choose one of: {', '.join(LOOK_TARGETS)}")
    return Step(title=_text(obj, "title", where), setup=setup, question=question, metric=metric, metric_args=args,
                expect=_expect(obj.get("expect"), question, metric, where),
                look_at=LookAt(target, _gil_text(look, "text", where, "look_at.")),
                try_next=_gil_text(obj, "try_next", where), notes=_gil_text(obj, "notes", where, "", ""))


def parse_lesson(data: Any, source: str) -> Lesson:
    """A checked :class:`Lesson` from a file's JSON, or :class:`LessonError` naming the first mistake."""
    where = _Where(source)
    if not isinstance(data, dict):
        raise where.error("", "a lesson is a JSON object")
    _only(data, ("format", "id", "title", "summary", "steps"), where, "")
    fmt = _get(data, "format", int, where, "", FORMAT)
    if fmt != FORMAT:
        raise where.error("format", f"this concgui reads format {FORMAT}, not {fmt}")
    lesson_id = _get(data, "id", str, where, "")
    if not lesson_id or not all(c.isalnum() or c == "-" for c in lesson_id):
        raise where.error("id", "use letters, digits and dashes")
    steps = _get(data, "steps", list, where, "")
    if not steps:
        raise where.error("steps", "a lesson needs at least one step")
    parsed = tuple(_step(s, _Where(source, i)) for i, s in enumerate(steps, start=1))
    return Lesson(lesson_id, _get(data, "title", str, where, ""), _get(data, "summary", str, where, ""), parsed, source)
