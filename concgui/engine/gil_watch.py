"""Notice, in a worker, when the GIL comes back on in a free-threaded build.

On a free-threaded build, importing an extension module that does not declare
it can run without the GIL turns the GIL back on for the whole process, with
a ``RuntimeWarning`` ("The global interpreter lock (GIL) has been enabled to
load module ..."). A run that did so is no longer a no-GIL run, and its
numbers must say so. :class:`GilWatch` keeps those warnings (and passes every
other warning on as before), and notices the switch itself even where the
warning was filtered out. A worker sends what it noticed with each finished
job (:class:`~concgui.engine.messages.JobDone`); on a normal build there is
never anything to send.

Standard library only: it runs in workers of any Python (3.10+) and in
subinterpreters, each of which has its own ``warnings`` module.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any, Callable

from concgui.engine.python_facts import gil_enabled

#: Words of CPython's warning (Python/import.c): how a GIL warning is told from others.
GIL_WARNING_WORDS = ("global interpreter lock", "GIL")


def is_gil_warning(category: type, message: str) -> bool:
    return issubclass(category, RuntimeWarning) and any(w in message for w in GIL_WARNING_WORDS)


class GilWatch:
    """Keeps GIL warnings as they are shown, and what the GIL was when it last looked."""

    def __init__(self, is_on: Callable[[], bool] = gil_enabled) -> None:
        self._is_on = is_on
        self._was_on = is_on()
        self._seen: list[str] = []
        self._lock = threading.Lock()
        self._original = warnings.showwarning
        warnings.showwarning = self._showwarning

    def close(self) -> None:
        """Give ``warnings.showwarning`` back (if no one replaced it since)."""
        if warnings.showwarning == self._showwarning:
            warnings.showwarning = self._original

    def _showwarning(self, message: Any, category: type, filename: str, lineno: int, file: Any = None,
                     line: str | None = None) -> None:
        if is_gil_warning(category, str(message)):
            with self._lock:
                self._seen.append(" ".join(str(message).split()))
        self._original(message, category, filename, lineno, file, line)

    def take(self) -> tuple[str, ...]:
        """What happened to the GIL since the last call: the warnings, or that it came back on without one."""
        now_on = self._is_on()
        with self._lock:
            notes, self._seen = self._seen, []
        if now_on and not self._was_on and not notes:
            notes = ["The GIL was turned back on in this worker during the run (no warning said why)."]
        self._was_on = now_on
        return tuple(dict.fromkeys(notes))
