"""Helpers for the engine tests (not a test module)."""

from __future__ import annotations

import time
from typing import Callable

#: Small sizes per workload, so every mode of every workload runs in well under a second.
SMALL_SIZE = {
    "cpu-python": 20_000,
    "cpu-hash": 2,
    "cpu-zlib": 1,
    "io-sleep": 10,
    "io-file": 16,
    "io-http": 4,
}


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)  # poll interval
