"""CPU telemetry sampled on its own thread into timestamped ring buffers.

Why a thread and not a GUI timer: a sampler driven by the event loop stops
exactly when the GUI freezes, which is the moment we most want to see. This
thread spends almost all its time in ``Event.wait`` (GIL released) and takes
the GIL for ~0.1 ms per sample, so it keeps sampling while the GUI thread runs
Python code (CPython hands the GIL over every switch interval).

psutil's first ``cpu_percent()`` call returns a meaningless 0.0; the sampler
primes every counter once and drops that reading.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import psutil

from concgui.engine.clock import now

DEFAULT_INTERVAL_S = 0.1  # 10 Hz
DEFAULT_HISTORY_S = 120.0
CHILDREN_REFRESH_S = 1.0  # listing children scans /proc: do it rarely


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
    """Samples per-core CPU % and this process tree's CPU % on a background thread."""

    def __init__(self, interval: float = DEFAULT_INTERVAL_S, history_s: float = DEFAULT_HISTORY_S) -> None:
        self.interval = interval
        self.cores = psutil.cpu_count(logical=True) or 1
        capacity = max(2, int(history_s / interval) + 1)
        self.per_core = RingBuffer(capacity, self.cores)
        self.tree = RingBuffer(capacity, 1)
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="concgui-cpu-sampler", daemon=True)
        self._me = psutil.Process()
        self._procs: dict[int, psutil.Process] = {}
        self._children_at = float("-inf")

    def start(self) -> "CpuSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def __enter__(self) -> "CpuSampler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def latest(self) -> CpuReading | None:
        t, v = self.per_core.snapshot()
        tt, tv = self.tree.snapshot()
        if not len(t):
            return None
        return CpuReading(float(t[-1]), tuple(float(x) for x in v[-1]), float(tv[-1, 0]) if len(tt) else 0.0)

    def _tree_percent(self, t: float) -> float:
        if t - self._children_at >= CHILDREN_REFRESH_S:
            self._children_at = t
            try:
                live = [self._me, *self._me.children(recursive=True)]
            except psutil.Error:
                live = [self._me]
            fresh = {}
            for p in live:
                old = self._procs.get(p.pid)
                if old is None:
                    try:
                        p.cpu_percent()  # prime: the first reading is meaningless
                    except psutil.Error:
                        continue
                    old = p
                fresh[p.pid] = old
            self._procs = fresh
        total = 0.0
        for pid, p in list(self._procs.items()):
            try:
                total += p.cpu_percent()
            except psutil.Error:
                self._procs.pop(pid, None)
        return total

    def _run(self) -> None:
        psutil.cpu_percent(percpu=True)  # prime
        self._tree_percent(now())
        while not self._stop.wait(self.interval):
            t = now()
            per_core = psutil.cpu_percent(percpu=True)
            self.per_core.append(t, per_core)
            self.tree.append(t, [self._tree_percent(t)])
            self.samples += 1
