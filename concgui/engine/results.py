"""What a run's tasks returned, kept as the folds brought them, and its digest.

The engine keeps the values only to check them: a run's digest is compared
with the serial run's. Workers send their values fold by fold, each with the
``range`` of task ids it covers (see :mod:`concgui.engine.worker`), so here a
fold is one list append: no dict entry per task. The digest puts the folds in
task order and hashes all values at once, in C (``marshal``, else ``repr``).
"""

from __future__ import annotations

import hashlib
import marshal
from typing import Any, Callable, Iterable, Sequence


def results_digest(results: dict[int, Any], by: Callable[[Any], Any] | None = None) -> str:
    """SHA-256 of every task's value in task order: equal digests, equal results.

    What is hashed: the task ids (just their count when they are 0..n-1, as
    in a finished run), then the list of values in task order, serialized in
    C: by ``marshal`` format 2 (~10 ns per int; that format has no
    back-references, so equal values give equal bytes whether or not they are
    the same objects, as they are not once they come from another process), or,
    for values ``marshal`` does not take, by ``repr`` (~60 ns per int). Which
    one depends only on the values' types, which are the same in every mode.
    ``by``: what of each value to hash instead (a developer's results: their pickles).
    """
    keys = sorted(results)
    return _digest(keys, list(map(results.__getitem__, keys)), by)


def _digest(keys: Sequence[int], values: list[Any], by: Callable[[Any], Any] | None = None) -> str:
    if by is not None:
        values = list(map(by, values))
    h = hashlib.sha256()
    n = len(keys)
    if n and keys[0] == 0 and keys[-1] == n - 1:  # sorted distinct ints: exactly 0..n-1
        h.update(f"tasks 0..{n - 1}\n".encode())
    else:
        h.update(f"tasks {list(keys)!r}\n".encode())
    try:
        h.update(marshal.dumps(values, 2))
    except ValueError:  # a type marshal does not take (a numpy scalar, a class of the user's)
        h.update(b"repr\n" + repr(values).encode())
    return h.hexdigest()


class TaskResults:
    """The values of a run's finished tasks, fold by fold (one thread adds, then reads)."""

    __slots__ = ("_runs", "_other", "_count")

    def __init__(self) -> None:
        self._runs: list[tuple[int, list[Any]]] = []  # (first task id, values) of folds with consecutive ids
        self._other: dict[int, Any] = {}  # values whose ids came otherwise
        self._count = 0

    def add(self, ids: Sequence[int], values: list[Any]) -> None:
        """The values of tasks ``ids`` (a ``range`` from a worker, or any sequence), in the same order."""
        if isinstance(ids, range) and ids.step == 1 and len(ids) == len(values):
            self._runs.append((ids.start, values))
        else:
            self._other.update(zip(ids, values))
        self._count += len(values)

    def update(self, pairs: Iterable[tuple[Sequence[int], list[Any]]]) -> None:
        """Add every ``(ids, values)`` pair of a batch."""
        for ids, values in pairs:
            self.add(ids, values)

    def __len__(self) -> int:
        """How many tasks have a value (a task that ran twice would count twice: none does)."""
        return self._count

    def as_dict(self) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for start, values in self._runs:
            out.update(zip(range(start, start + len(values)), values))
        out.update(self._other)
        return out

    def digest(self, by: Callable[[Any], Any] | None = None) -> str:
        """:func:`results_digest` of these results, without a dict when the folds tile 0..n-1."""
        if not self._other:
            runs = sorted(self._runs, key=lambda r: r[0])
            values: list[Any] = []
            for start, vals in runs:
                if start != len(values):  # a gap or an overlap: the general way
                    break
                values.extend(vals)
            else:
                return _digest(range(len(values)), values, by)
        return results_digest(self.as_dict(), by)
