"""CPU telemetry, sampled outside the GUI thread into timestamped ring buffers.

Why not a GUI timer: a sampler driven by the event loop stops exactly when
the GUI freezes, the moment we most want to see. Why not a thread either: it
needs the GIL at every step of reading /proc and slows to 4-5 Hz when pure-
Python threads compete for it. So a small probe process
(:mod:`concgui.engine.cpu_probe`) samples at a steady 10 Hz with its own GIL
and timestamps, and writes each sample straight into a ring buffer in shared
memory (:class:`SharedRing`). Nothing in this process wakes up when a sample
arrives: no reader thread asks for our GIL ten times a second, and the plot
reads the ring when it draws.

psutil's first ``cpu_percent()`` call returns a meaningless 0.0; the probe
primes every counter once and drops that reading.
"""

from __future__ import annotations

import multiprocessing
import os
import struct
import threading
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import Any

import numpy as np
import psutil

from concgui.engine import startmethods
from concgui.engine.cpu_probe import ROW_HEADER, probe_main
from concgui.engine.messages import CPU_PROBE_STOP

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


class SharedRing:
    """Columns ``cols`` of the probe's ring of samples in shared memory, read without locks.

    Layout (float64 unless said): an int64 count of rows ever written, then
    ``capacity`` rows of ``[seq, t, values...]``. The probe writes a row's values,
    then its ``seq`` (its number + 1), then the count; a reader takes the rows
    below the count and keeps those whose ``seq`` is the one expected, so a row
    being rewritten as it is read is dropped, never shown half old, half new.
    """

    def __init__(self, buf: memoryview, capacity: int, width: int, cols: slice) -> None:
        self._count: np.ndarray = np.ndarray((1,), dtype=np.int64, buffer=buf, offset=0)
        self._rows: np.ndarray = np.ndarray((capacity, width), dtype=np.float64, buffer=buf, offset=ROW_HEADER)
        self._cols = cols

    @property
    def capacity(self) -> int:
        return len(self._rows)

    @property
    def written(self) -> int:
        return int(self._count[0])

    def __len__(self) -> int:
        return min(self.written, self.capacity)

    def snapshot(self, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Copies of (times, rows) in time order, optionally only rows after ``since``."""
        n, cap = self.written, self.capacity
        if n <= cap:
            rows = self._rows[:n].copy()
            first = 0
        else:
            i = n % cap
            rows = np.concatenate((self._rows[i:], self._rows[:i]))
            first = n - cap
        expected = np.arange(first + 1, first + 1 + len(rows), dtype=np.float64)
        rows = rows[rows[:, 0] == expected]
        t, v = rows[:, 1].copy(), rows[:, self._cols].copy()
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
    column: % of one core, can exceed 100), both views of one
    :class:`SharedRing` the probe writes. ``stop()`` ends the probe and frees
    the shared memory. A sampler can be started once.
    """

    def __init__(self, interval: float = DEFAULT_INTERVAL_S, history_s: float = DEFAULT_HISTORY_S) -> None:
        self.interval = interval
        self.cores = psutil.cpu_count(logical=True) or 1
        capacity = max(2, int(history_s / interval) + 1)
        width = 2 + self.cores + 1  # seq, t, per-core %, tree %
        self._shm = shared_memory.SharedMemory(create=True, size=ROW_HEADER + capacity * width * 8)
        buf = self._shm.buf
        assert buf is not None
        buf[:ROW_HEADER] = struct.pack("q", 0)
        self._capacity, self._width = capacity, width
        self.per_core: SharedRing | _Frozen = SharedRing(buf, capacity, width, slice(2, 2 + self.cores))
        self.tree: SharedRing | _Frozen = SharedRing(buf, capacity, width, slice(2 + self.cores, 3 + self.cores))
        del buf
        self._ctx: Any = multiprocessing.get_context(startmethods.default())
        self._conn, self._child_conn = self._ctx.Pipe()
        self._probe: multiprocessing.process.BaseProcess | None = None
        self._freed = False

    @property
    def samples(self) -> int:
        """Samples the probe has written so far."""
        return self.per_core.written

    def start(self) -> "CpuSampler":
        self._probe = self._ctx.Process(
            target=probe_main, name="concgui-cpu-probe", daemon=True,
            args=(self._child_conn, os.getpid(), self.interval, self._shm.name, self._capacity, self.cores))
        self._probe.start()
        self._child_conn.close()
        return self

    def stop(self) -> None:
        """End the probe (politely, then by force) and free the shared memory. Idempotent."""
        probe, self._probe = self._probe, None
        if probe is not None:
            try:
                self._conn.send(CPU_PROBE_STOP)
            except OSError:
                pass
            probe.join(STOP_TIMEOUT_S)
            if probe.exitcode is None:
                probe.kill()
                probe.join()
            probe.close()
        self._conn.close()
        if not self._freed:
            self._freed = True
            self.per_core = _Frozen(self.per_core)
            self.tree = _Frozen(self.tree)
            self._shm.unlink()
            try:
                self._shm.close()
            except BufferError:  # a view of it is still referenced somewhere; freed with it
                pass

    def __enter__(self) -> "CpuSampler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._probe is not None and self._probe.is_alive()

    def latest(self) -> CpuReading | None:
        t, v = self.per_core.snapshot()
        tt, tv = self.tree.snapshot()
        if not len(t):
            return None
        return CpuReading(float(t[-1]), tuple(float(x) for x in v[-1]), float(tv[-1, 0]) if len(tt) else 0.0)


class _Frozen:
    """What a stopped sampler's ring held, kept in this process (its shared memory is gone)."""

    def __init__(self, ring: "SharedRing | _Frozen") -> None:
        self._t, self._v = ring.snapshot()
        self.capacity: int = ring.capacity
        self.written: int = ring.written

    def __len__(self) -> int:
        return len(self._t)

    def snapshot(self, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        t, v = self._t.copy(), self._v.copy()
        if since is not None:
            keep = t > since
            t, v = t[keep], v[keep]
        return t, v
