"""Helpers for the engine tests (not a test module)."""

from __future__ import annotations

#: Small sizes per workload, so every mode of every workload runs in well under a second.
SMALL_SIZE = {
    "cpu-python": 20_000,
    "cpu-hash": 2,
    "cpu-zlib": 1,
    "io-sleep": 10,
    "io-file": 16,
    "io-http": 4,
}
