"""Helpers for the lab tests (not a test module)."""

from __future__ import annotations

import os
import threading
from typing import Any, Callable


class Recorder:
    """An on_event sink that keeps the events and the threads that delivered them."""

    def __init__(self, hook: Callable[[Any], None] | None = None) -> None:
        self.events: list[Any] = []
        self.threads: set[int] = set()
        self.hook = hook

    def __call__(self, ev: Any) -> None:
        self.events.append(ev)
        self.threads.add(threading.get_ident())
        if self.hook is not None:
            self.hook(ev)

    def of(self, cls: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, cls)]


def shm_entries() -> set[str]:
    """Entries in /dev/shm that our labs or multiprocessing.shared_memory could leave behind."""
    try:
        names = os.listdir("/dev/shm")
    except OSError:
        return set()
    return {n for n in names if n.startswith(("psm_", "concgui"))}
