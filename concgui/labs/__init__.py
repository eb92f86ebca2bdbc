"""The synchronization and IPC labs: Qt-free experiments a view can drive.

Each lab module has the same shape (see :mod:`concgui.labs.common`):
``Params`` (a frozen dataclass, checked on creation; bad values raise
:class:`~concgui.engine.config.ConfigError`; each field that people set
carries a :class:`~concgui.labs.common.Param`, from which ``concgui lab``
and the Labs tab make their options and inputs), ``run(params, on_event=None,
cancel=None) -> Result``, frozen event dataclasses, a ``Result`` with
``as_dict()``, ``SOURCE_FUNCTIONS`` (what the app shows with
``inspect.getsource``), ``EXPLANATION``, ``explain(result=None)`` and
``summary(result)`` (the CLI's lines). Nothing here imports Qt.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: Lab name -> (module, Params class name); modules are imported on first use.
LABS: dict[str, tuple[str, str]] = {
    "race": ("concgui.labs.race", "RaceParams"),
    "semaphore": ("concgui.labs.semaphore", "SemaphoreParams"),
    "condition": ("concgui.labs.condition", "ConditionParams"),
    "deadlock": ("concgui.labs.deadlock", "DeadlockParams"),
    "ipc": ("concgui.labs.ipc", "IpcParams"),
    "subclass": ("concgui.labs.subclass", "SubclassParams"),
}


def load(name: str) -> ModuleType:
    """The module of lab ``name`` (KeyError for an unknown name)."""
    return importlib.import_module(LABS[name][0])


def params_class(name: str) -> type:
    return getattr(load(name), LABS[name][1])
