"""A small parameter form per lab, written for its ``Params`` class.

Each lab lists its fields (:class:`Field`): a spin box, a combo box, a check
box or a set of check boxes. :meth:`ParamForm.values` reads them as the
keyword arguments of ``Params``; :meth:`ParamForm.params` builds the frozen
``Params``, whose own checks (``ConfigError``) catch what the widgets cannot
(e.g. workers x increments too large). Spin box ranges follow the labs' caps,
so the user can type any value the lab could accept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QVBoxLayout,
                               QWidget)

from concgui import labs
from concgui.engine import startmethods
from concgui.labs import condition, ipc, race, semaphore, subclass

MIB = ipc.MIB
KIB = ipc.KIB
#: The largest IPC payload the window offers (the lab itself allows 512 MiB).
IPC_GUI_MAX = 256 * MIB
IPC_GUI_DEFAULT_MAX = 16 * MIB


@dataclass(frozen=True)
class Field:
    """One input: ``kind`` is int, float, choice, bool or multi."""

    name: str  # the Params keyword
    label: str
    kind: str
    default: Any
    lo: float = 0
    hi: float = 0
    step: float = 1
    decimals: int = 0
    suffix: str = ""
    special: str = ""  # text shown for the lowest value of a spin box
    choices: tuple[tuple[str, Any], ...] = ()  # (label, value)
    tip: str = ""
    to_param: Callable[[Any], Any] | None = None  # widget value -> Params value


def _start_method_choices() -> tuple[tuple[str, Any], ...]:
    default = startmethods.default()
    out: list[tuple[str, Any]] = [(f"default ({default})", None)]
    out += [(m + ("  (unsafe with threads)" if m == "fork" else ""), m) for m in startmethods.available()]
    return tuple(out)


def _ms_to_s(v: float) -> float:
    return round(float(v) / 1000.0, 6)


def _sizes(lo: int, hi: int) -> tuple[tuple[str, Any], ...]:
    out = []
    s = lo
    while s <= hi:
        out.append((ipc.format_size(s), s))
        s *= 4 if s < MIB else 2
    return tuple(out)


def _size_choices_max() -> tuple[tuple[str, Any], ...]:
    return tuple((label, v) for label, v in _sizes(KIB, IPC_GUI_MAX) if v >= 64 * KIB)


def _methods_to_param(v: list[str]) -> tuple[str, ...]:
    return tuple(v)


def _rate_to_delay(v: float) -> float:
    return condition.ConditionParams.rate_to_delay(float(v))


FIELDS: dict[str, tuple[Field, ...]] = {
    "race": (
        Field("workers", "Workers", "int", 4, 1, race.MAX_WORKERS,
              tip="Threads or processes that all add to the same counter."),
        Field("increments", "Increments each", "int", 1000, 1, race.MAX_INCREMENTS, step=100,
              tip="How many times each worker adds 1."),
        Field("mode", "Run on", "choice", "both", choices=(("threads and processes", "both"),
                                                           ("threads", "threads"), ("processes", "processes"))),
        Field("yield_point", "Yield between read and write", "bool", True,
              tip="time.sleep(0) between reading and writing the counter, so the race shows every time "
                  "(since Python 3.10 a bare += seldom loses updates on threads)."),
        Field("start_method", "Start method", "choice", None, choices=_start_method_choices()),
    ),
    "semaphore": (
        Field("permits", "Permits (K)", "int", 3, 1, semaphore.MAX_PERMITS,
              tip="How many workers may use the resource at once."),
        Field("workers", "Workers", "int", 8, 1, semaphore.MAX_WORKERS),
        Field("rounds", "Uses per worker", "int", 3, 1, semaphore.MAX_ROUNDS),
        Field("hold_s", "Hold time", "float", 50, 0, semaphore.MAX_HOLD_S * 1000, step=10, decimals=0,
              suffix=" ms", to_param=_ms_to_s, tip="How long each use keeps its permit."),
    ),
    "condition": (
        Field("variant", "Buffer", "choice", "condition",
              choices=(("deque + two Conditions", "condition"), ("queue.Queue(maxsize)", "queue"))),
        Field("capacity", "Capacity", "int", 5, 1, condition.MAX_CAPACITY),
        Field("items", "Items", "int", 60, 1, condition.MAX_ITEMS, step=10),
        Field("producers", "Producers", "int", 1, 1, condition.MAX_THREADS),
        Field("consumers", "Consumers", "int", 1, 1, condition.MAX_THREADS),
        Field("produce_s", "Producer speed", "int", 200, 0, 100_000, step=10, suffix=" items/s",
              special="as fast as possible", to_param=_rate_to_delay,
              tip="Items per second each producer makes (0: as fast as it can)."),
        Field("consume_s", "Consumer speed", "int", 100, 0, 100_000, step=10, suffix=" items/s",
              special="as fast as possible", to_param=_rate_to_delay,
              tip="Items per second each consumer uses (0: as fast as it can)."),
    ),
    "deadlock": (
        Field("timeout_s", "Acquire timeout", "float", 500, 50, 10_000, step=50, suffix=" ms", to_param=_ms_to_s,
              tip="How long a thread waits for its second lock before it gives up."),
        Field("hold_s", "Pause between locks", "float", 20, 0, 1000, step=5, suffix=" ms", to_param=_ms_to_s,
              tip="In the fixed run: time between taking the first and the second lock."),
        Field("rounds", "Transfers (fixed run)", "int", 5, 1, 1000),
        Field("run_fix", "Then run the fix (one lock order)", "bool", True),
    ),
    "ipc": (
        Field("methods", "Methods", "multi", ("queue", "pipe", "shm"),
              choices=(("Queue", "queue"), ("Pipe", "pipe"), ("shared memory", "shm")),
              to_param=_methods_to_param),
        Field("min_size", "Smallest payload", "choice", KIB, choices=_sizes(KIB, 4 * MIB)),
        Field("max_size", "Largest payload", "choice", IPC_GUI_DEFAULT_MAX, choices=_size_choices_max(),
              tip="Up to 256 MiB; each process holds a few copies, so large sizes need memory and time."),
        Field("factor", "Size step ×", "int", 4, 2, 1024),
        Field("repeats", "Repeats (small)", "int", 3, 1, ipc.MAX_REPEATS,
              tip=f"Transfers per size up to {ipc.format_size(ipc.LARGE)}; the latency is their median."),
        Field("large_repeats", "Repeats (large)", "int", 1, 1, ipc.MAX_REPEATS),
        Field("start_method", "Start method", "choice", None, choices=_start_method_choices()),
    ),
    "subclass": (
        Field("tasks", "Tasks", "int", 8, 1, subclass.MAX_TASKS),
        Field("size", "Task size", "int", 300_000, 1, subclass.MAX_SIZE, step=10_000, suffix=" steps",
              tip="cpu-python steps per task (300,000 is about 30 ms)."),
        Field("workers", "Workers", "int", 2, 1, 256),
        Field("mode", "Run on", "choice", "both", choices=(("threads and processes", "both"),
                                                           ("threads", "threads"), ("processes", "processes"))),
        Field("start_method", "Start method", "choice", None, choices=_start_method_choices()),
    ),
}


class _Multi(QWidget):
    """A row of check boxes: a multiple choice."""

    changed = Signal()

    def __init__(self, choices: tuple[tuple[str, Any], ...]) -> None:
        super().__init__()
        lay = QVBoxLayout(self)  # one per line: the form column is narrow
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.boxes: list[tuple[QCheckBox, Any]] = []
        for label, value in choices:
            box = QCheckBox(label)
            box.toggled.connect(self.changed)
            lay.addWidget(box)
            self.boxes.append((box, value))

    def value(self) -> list[Any]:
        return [v for b, v in self.boxes if b.isChecked()]

    def set_value(self, values: Any) -> None:
        for b, v in self.boxes:
            b.setChecked(v in values)


class ParamForm(QWidget):
    """The inputs of one lab; ``params()`` builds its ``Params`` (or raises ConfigError)."""

    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.fields = FIELDS[name]
        self.widgets: dict[str, QWidget] = {}
        lay = QFormLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for f in self.fields:
            w = self._make(f)
            w.setObjectName(f"lab-{name}-{f.name}")
            if f.tip:
                w.setToolTip(f.tip)
            self.widgets[f.name] = w
            if f.kind == "bool":
                lay.addRow(w)
            else:
                lay.addRow(f.label, w)
        self.reset()

    def _make(self, f: Field) -> QWidget:
        if f.kind == "int":
            w = QSpinBox()
            w.setRange(int(f.lo), int(f.hi))
            w.setSingleStep(int(f.step))
            w.setGroupSeparatorShown(True)
            w.setSuffix(f.suffix)
            if f.special:
                w.setSpecialValueText(f.special)
            w.valueChanged.connect(self.changed)
            return w
        if f.kind == "float":
            w = QDoubleSpinBox()
            w.setRange(f.lo, f.hi)
            w.setDecimals(f.decimals)
            w.setSingleStep(f.step)
            w.setSuffix(f.suffix)
            w.valueChanged.connect(self.changed)
            return w
        if f.kind == "choice":
            w = QComboBox()
            for label, value in f.choices:
                w.addItem(label, value)
            w.currentIndexChanged.connect(self.changed)
            return w
        if f.kind == "bool":
            w = QCheckBox(f.label)
            w.toggled.connect(self.changed)
            return w
        if f.kind == "multi":
            w = _Multi(f.choices)
            w.changed.connect(self.changed)
            return w
        raise ValueError(f"unknown field kind {f.kind!r}")

    def reset(self) -> None:
        """Back to the defaults."""
        for f in self.fields:
            self.set_value(f.name, f.default)

    def set_value(self, name: str, value: Any) -> None:
        """Set one input by its Params keyword (in the widget's units: ms, items/s, bytes)."""
        w = self.widgets[name]
        if isinstance(w, (QSpinBox, QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QComboBox):
            i = w.findData(value)
            if i < 0:
                raise ValueError(f"{value!r} is not a choice of {name}")
            w.setCurrentIndex(i)
        elif isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, _Multi):
            w.set_value(value)

    def values(self) -> dict[str, Any]:
        """The Params keywords, converted (ms -> s, items/s -> delay)."""
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.widgets[f.name]
            if isinstance(w, (QSpinBox, QDoubleSpinBox)):
                v: Any = w.value()
            elif isinstance(w, QComboBox):
                v = w.currentData()
            elif isinstance(w, QCheckBox):
                v = w.isChecked()
            else:
                assert isinstance(w, _Multi)
                v = w.value()
            out[f.name] = f.to_param(v) if f.to_param is not None else v
        return out

    def params(self) -> Any:
        """The lab's frozen Params; raises ConfigError (with a user message) for bad input."""
        return labs.params_class(self.name)(**self.values())

    def set_enabled(self, enabled: bool) -> None:
        for w in self.widgets.values():
            w.setEnabled(enabled)
