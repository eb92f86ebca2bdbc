"""A small parameter form per lab, made from its ``Params``.

Each field of a lab's Params carries its :class:`~concgui.labs.common.Param`
(label, range, step, unit, choices, tip); :func:`fields_for` turns them into
this form's :class:`Field` inputs: a spin box, a combo box, a check box or a
set of check boxes. So the form offers exactly the range the lab checks and
the CLI takes, and a new lab parameter needs no code here.
:meth:`ParamForm.values` reads the inputs as the keyword arguments of
``Params``; :meth:`ParamForm.params` builds the frozen ``Params``, whose own
checks (``ConfigError``) catch what the widgets cannot (e.g. workers x
increments too large).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QSpinBox, QVBoxLayout,
                               QWidget)

from concgui import labs
from concgui.labs.common import Param, described


@dataclass(frozen=True)
class Field:
    """One input: ``kind`` is int, float, choice, bool or multi; values in the unit it shows."""

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
    from_param: Callable[[Any], Any] | None = None  # Params value -> widget value


def field_for(p: Param) -> Field:
    """The input for lab parameter ``p``, in the unit its ``form`` shows (a byte size: a choice of sizes)."""
    if p.kind in ("choice", "bytes", "multi", "bool"):
        return Field(p.name, p.label, "choice" if p.kind == "bytes" else p.kind, p.form_start, choices=p.choice_list,
                     tip=p.tip, to_param=tuple if p.kind == "multi" else None)
    shown = p.form
    if shown is None:
        return Field(p.name, p.label, p.kind, p.form_start, p.lo, p.hi, p.step, suffix=f" {p.unit}" if p.unit else "",
                     tip=p.tip)
    lo = shown.from_param(p.lo) if shown.lo is None else shown.lo
    hi = shown.from_param(p.hi) if shown.hi is None else shown.hi
    start = shown.from_param(p.form_start)
    def from_param(value: Any) -> Any:
        v = shown.from_param(value)
        return round(v) if shown.whole else v

    return Field(p.name, p.label, "int" if shown.whole else p.kind, round(start) if shown.whole else start, lo, hi,
                 p.step, suffix=shown.suffix, special=shown.special, tip=p.tip, to_param=shown.to_param,
                 from_param=from_param)


@functools.cache
def fields_for(name: str) -> tuple[Field, ...]:
    """The inputs of lab ``name``, in the order of its Params fields."""
    return tuple(field_for(p) for p in described(labs.params_class(name)))


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
        self.fields = fields_for(name)
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

    def set_params(self, params: dict[str, Any]) -> None:
        """Set inputs from Params keywords and values (seconds, delays), as a lesson step gives them."""
        by_name = {f.name: f for f in self.fields}
        for name, value in params.items():
            f = by_name[name]
            self.set_value(name, f.from_param(value) if f.from_param is not None else value)

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
