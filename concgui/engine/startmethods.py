"""Which way to start worker processes, and why not ``fork`` by default.

``fork`` copies a process that has threads (a Qt GUI always has some), and a
lock held by another thread at that moment stays locked forever in the child.
So the default is ``forkserver`` on Linux (a clean single-threaded server
forks the workers) and ``spawn`` elsewhere; ``fork`` is used only when asked.
"""

from __future__ import annotations

import multiprocessing
import sys

from concgui.engine.errors import ConfigError

FORK_WARNING = (
    "the 'fork' start method copies this process with all its threads; a lock "
    "held by another thread at that moment stays locked in the child and can "
    "deadlock it (Qt apps always run threads). Prefer forkserver or spawn."
)


def available() -> list[str]:
    return multiprocessing.get_all_start_methods()


def default() -> str:
    if sys.platform.startswith("linux") and "forkserver" in available():
        return "forkserver"
    return "spawn"


def check(method: str) -> None:
    if method not in available():
        raise ConfigError(
            f"start method {method!r} is not available here; choose one of: {', '.join(available())}"
        )
