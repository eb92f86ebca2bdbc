"""CPU telemetry, sampled outside the GUI thread into timestamped ring buffers.

Why not a GUI timer: a sampler driven by the event loop stops exactly when
the GUI freezes, the moment we most want to see. Why not a thread either: it
needs the GIL at every step of reading /proc and slows to 4-5 Hz when pure-
Python threads compete for it. So a small probe process
(:mod:`concgui.engine.cpu_probe`) samples at a steady 10 Hz with its own GIL
and timestamps; here a reader thread only files what arrives (one blocking
``recv`` per sample, GIL released while waiting).

psutil's first ``cpu_percent()`` call returns a meaningless 0.0; the probe
primes every counter once and drops that reading.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from dataclasses import dataclass

import numpy as np
import psutil

from concgui.engine import startmethods
from concgui.engine.cpu_probe import probe_main

DEFAULT_INTERVAL_S = 0.1  # 10 Hz
DEFAULT_HISTORY_S = 120.0
STOP_TIMEOUT_S = 2.0


class RingBuffer:
    """A fixed-size, thread-safe buffer of timestamped rows of floats."""

    def __init__(self, capacity: int, columns: int) -> None:
        self._t = np.zeros(capacity)
        self._v = np.zeros((capacity, columns))
        self._n = 0  # rows ever written
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return len(self._t)

    def __len__(self) -> int:
        return min(self._n, self.capacity)

    def append(self, t: float, row: "np.typing.ArrayLike") -> None:
        with self._lock:
            i = self._n % self.capacity
            self._t[i] = t
            self._v[i] = row
            self._n += 1

    def snapshot(self, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Copies of (times, rows) in time order, optionally only rows after ``since``."""
        with self._lock:
            n, cap = self._n, self.capacity
            if n <= cap:
                t, v = self._t[:n].copy(), self._v[:n].copy()
            else:
                i = n % cap
                t = np.concatenate((self._t[i:], self._t[:i]))
                v = np.concatenate((self._v[i:], self._v[:i]))
        if since is not None:
            keep = t > since
            t, v = t[keep], v[keep]
        return t, v


@dataclass(frozen=True)
class CpuReading:
    """The latest sample, ready to show as text."""

    t: float
    per_core: tuple[float, ...]  # % of each logical core, 0..100
    tree_percent: float  # this process and its children, % of one core (can exceed 100)

    @property
    def cores_busy(self) -> float:
        """Sum of per-core % / 100: "how many cores' worth of work" right now."""
        return sum(self.per_core) / 100.0


class CpuSampler:
    """Per-core CPU % and this process tree's CPU %, sampled by a probe process.

    ``start()`` returns at once; samples arrive every ``interval`` seconds into
    :attr:`per_core` (one column per logical core) and :attr:`tree` (one
    column: % of one core, can exceed 100). ``stop()`` ends the probe and the
    reader thread. A sampler can be started once.
    """

    def __init__(self, interval: float = DEFAULT_INTERVAL_S, history_s: float = DEFAULT_HISTORY_S) -> None:
        self.interval = interval
        self.cores = psutil.cpu_count(logical=True) or 1
        capacity = max(2, int(history_s / interval) + 1)
        self.per_core = RingBuffer(capacity, self.cores)
        self.tree = RingBuffer(capacity, 1)
        self.samples = 0
        self._ctx = multiprocessing.get_context(startmethods.default())
        self._conn, self._child_conn = self._ctx.Pipe()
        self._probe: multiprocessing.process.BaseProcess | None = None
        self._reader = threading.Thread(target=self._read, name="concgui-cpu-reader", daemon=True)

    def start(self) -> "CpuSampler":
        self._probe = self._ctx.Process(target=probe_main, args=(self._child_conn, os.getpid(), self.interval),
                                        name="concgui-cpu-probe", daemon=True)
        self._probe.start()
        self._child_conn.close()
        self._reader.start()
        return self

    def stop(self) -> None:
        """End the probe (politely, then by force) and the reader. Idempotent."""
        probe, self._probe = self._probe, None
        if probe is None:
            return
        try:
            self._conn.send("stop")
        except OSError:
            pass
        probe.join(STOP_TIMEOUT_S)
        if probe.exitcode is None:
            probe.kill()
            probe.join()
        self._reader.join()
        self._conn.close()
        probe.close()

    def __enter__(self) -> "CpuSampler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._reader.is_alive()

    def latest(self) -> CpuReading | None:
        t, v = self.per_core.snapshot()
        tt, tv = self.tree.snapshot()
        if not len(t):
            return None
        return CpuReading(float(t[-1]), tuple(float(x) for x in v[-1]), float(tv[-1, 0]) if len(tt) else 0.0)

    def _read(self) -> None:
        while True:
            try:
                t, per_core, tree = self._conn.recv()
            except (EOFError, OSError):
                return  # the probe has stopped
            self.per_core.append(t, per_core)
            self.tree.append(t, (tree,))
            self.samples += 1
