"""What a lesson's expectation depends on: this machine and this interpreter, read now."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Facts:
    """The running interpreter and the machine (``sys._is_gil_enabled``, ``sys.getswitchinterval``, cores)."""

    cores: int
    gil_enabled: bool
    switch_interval_s: float
    python: str  # "CPython 3.11.7"
    start_methods: tuple[str, ...]

    @classmethod
    def here(cls) -> "Facts":
        from concgui.engine.platform_info import collect

        info = collect()
        return cls(info.logical_cores, info.gil_enabled, sys.getswitchinterval(),
                   f"{info.implementation} {info.python}", tuple(info.start_methods))

    @property
    def switch_ms(self) -> str:
        return f"{self.switch_interval_s * 1000:g}"

    def gil_words(self) -> str:
        """How this Python runs threads, in the words a reveal uses."""
        if self.gil_enabled:
            return f"{self.python} runs with the GIL on (sys._is_gil_enabled() is True here)"
        return f"{self.python} runs without a GIL (sys._is_gil_enabled() is False here)"

    def as_dict(self) -> dict[str, Any]:
        return {"cores": self.cores, "gil_enabled": self.gil_enabled, "switch_interval_s": self.switch_interval_s,
                "python": self.python, "start_methods": list(self.start_methods)}


def text_fields(facts: Facts, setup: Any) -> dict[str, str]:
    """The values a lesson's ``{cores}``, ``{workers}``… stand for in this step, on this machine."""
    from concgui.lessons.format import RunSetup

    fields = {"cores": str(facts.cores), "gil": "on" if facts.gil_enabled else "off", "switch_ms": facts.switch_ms,
              "python": facts.python, "workers": "", "tasks": "", "size": ""}
    if isinstance(setup, RunSetup):
        fields.update(workers=str(setup.worker_count(facts.cores)), tasks=f"{setup.tasks:,}",
                      size="" if setup.size is None else f"{setup.size:,}")
    else:
        params = setup.params
        for key in ("workers", "tasks", "size"):
            if key in params:
                fields[key] = f"{params[key]:,}" if isinstance(params[key], int) else str(params[key])
    return fields


def fill(text: Any, facts: Facts, setup: Any) -> str:
    """``text`` (a lesson Text: one string, or one per GIL state) for this interpreter, with its ``{fields}``
    filled in for this machine and step (the format checked them on load)."""
    from concgui.lessons.format import GilText

    if isinstance(text, GilText):
        text = text.on if facts.gil_enabled else text.off
    return str(text).format_map(text_fields(facts, setup))


def setup_words(setup: Any, facts: Facts) -> str:
    """What a step runs, in a line a class can read off the panel or the sheet."""
    from concgui.lessons.format import LabSetup, Placement

    if isinstance(setup, LabSetup):
        from concgui import labs
        from concgui.labs.common import described

        shown = []
        for p in described(labs.params_class(setup.lab)):
            if p.name in setup.params:
                shown.append(f"{p.label.lower()} {_param_words(setup.params[p.name], p)}")
        return f"the {labs.load(setup.lab).TITLE} lab: {', '.join(shown)}"
    from concgui.engine.workloads import workload_label

    n = setup.worker_count(facts.cores)
    size = "" if setup.size is None else f" ({setup.size:,})"
    modes = ", then ".join(m if m == "serial" else f"{m} ×{n}" for m in setup.modes)
    where = {Placement.WINDOW_THREAD: ", on the event loop's own thread",
             Placement.WORKER_THREAD: ", the threads in the event loop's own process"}.get(setup.placement, "")
    return f"{setup.tasks:,} × {workload_label(setup.workload)}{size}: {modes}{where}"


def _param_words(value: Any, p: Any) -> str:
    from concgui.labs.ipc import format_size

    if p.kind == "bytes":
        return format_size(int(value))
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if p.unit == "s" and isinstance(value, float):
        return f"{value * 1000:g} ms"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value}{' ' + p.unit if p.unit else ''}"
