"""A developer's own function as a workload: the worker side (stdlib only).

The contract is ``func(item) -> result``. A run of it is an ordinary engine
run of the catalog's ``function`` entry, named ``function:MODULE:NAME``
(:func:`workload_name`), so every mode, event, lane and results check is the
one the built-in workloads use. What differs is where a task's input comes
from: task ``i`` calls the function on ``items[i]``, and the items travel in
the run's context (``ctx``):

- ``ctx["function"]``: ``(folder or None, module, name, version)``; each
  process imports the module itself, once per version of its file, with the
  folder first on ``sys.path`` (it is never pickled: a process pool would
  send it by name too);
- ``ctx["items"]`` with ``ctx["first"]``: the inputs of tasks ``first``,
  ``first + 1``, …; a process pool sends each chunk only its own items;
- ``ctx["pickled"]``: the items are pickles (one ``bytes`` each), and each
  result goes back as a :class:`Pickled`: a run that crosses processes. The
  process that asked for the run then never imports the developer's code
  (the window does not), and its results are compared by their pickles.

Results are compared across modes by the digest of their pickles
(:func:`as_pickle`, ``PICKLE_PROTOCOL``), taken after the run, so a run in
this process is not charged for pickling what it never sends.
"""

from __future__ import annotations

import importlib
import pickle
import sys
from typing import Any, Callable, Mapping

#: The protocol every pickle of an item or result is made with: the same bytes in every mode and Python (3.4+).
PICKLE_PROTOCOL = 4
#: How a user function's workload names start: ``function:MODULE:NAME``.
PREFIX = "function:"

#: (folder, module, name) -> (the module file's version, the function), per process.
_resolved: dict[tuple[str | None, str, str], tuple[int, Callable[[Any], Any]]] = {}


class Pickled:
    """A result already pickled by the worker that made it (see ``ctx["pickled"]``).

    The parent keeps the bytes as they came: it digests them, and never needs
    the developer's classes to do so.
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __reduce__(self) -> tuple[type, tuple[bytes]]:
        return (Pickled, (self.data,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pickled) and other.data == self.data

    def __hash__(self) -> int:
        return hash(self.data)


def workload_name(module: str, name: str) -> str:
    """The workload name of ``module``'s function ``name``, as records and events carry it."""
    return f"{PREFIX}{module}:{name}"


def split_name(workload: str) -> tuple[str, str] | None:
    """``(module, name)`` of a ``function:MODULE:NAME`` workload; None for any other workload."""
    if not workload.startswith(PREFIX):
        return None
    module, _, name = workload[len(PREFIX):].rpartition(":")
    return (module, name) if module and name else None


def resolve(folder: str | None, module: str, name: str, version: int = 0) -> Callable[[Any], Any]:
    """Import ``module`` (with ``folder`` first on the path) and return its ``name``: once per process and version.

    ``version`` is the module file's change time: a warm worker asked for a
    newer one re-imports the module (``importlib.reload``), so an edit shows
    in the next run as it does in the next profile.
    """
    key = (folder, module, name)
    known = _resolved.get(key)
    if known is not None and known[0] == version:
        return known[1]
    if folder and folder not in sys.path:
        sys.path.insert(0, folder)
    loaded = sys.modules.get(module)
    obj: Any = importlib.reload(loaded) if known is not None and loaded is not None else \
        importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{module}.{name} is a {type(obj).__name__}, not a function")
    _resolved[key] = (version, obj)
    return obj


def call_function(size: int, task_id: int, ctx: Mapping[str, Any], progress: Callable[[float], None]) -> Any:
    """Task ``task_id``: the developer's function on its item (the catalog's ``function`` entry calls this)."""
    fn = resolve(*ctx["function"])
    item = ctx["items"][task_id - ctx["first"]]
    if ctx["pickled"]:
        return Pickled(pickle.dumps(fn(pickle.loads(item)), PICKLE_PROTOCOL))
    return fn(item)


def task_index(task_id: int) -> int:
    """A function task's argument is its own index into the items (the catalog's workloads take a seed)."""
    return task_id


def as_pickle(value: Any) -> bytes:
    """The bytes a result is compared by: its pickle (a :class:`Pickled` already is one)."""
    if type(value) is Pickled:
        return value.data
    return pickle.dumps(value, PICKLE_PROTOCOL)
