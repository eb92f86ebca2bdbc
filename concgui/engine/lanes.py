"""The GIL lane: when each worker thread actually ran, sampled from outside at ~100 Hz.

Every worker announces its OS thread (:class:`~concgui.engine.events.WorkerStarted`).
:meth:`LaneSampler.observe` turns those events into "watch this thread"
orders for the lane probe (:mod:`concgui.engine.lane_probe`), a small helper
process that reads the threads' CPU time from ``/proc`` with its own GIL, so
sampling neither waits for nor takes our GIL. Here a reader thread files the
batches it sends (about ten a second, one blocking ``recv`` each).

From consecutive readings, a worker's *CPU share* over each interval is
``Δcpu / Δt``: 1.0 means it ran the whole time, 0 that it waited (for the
GIL, a lock, I/O). For N pure-Python threads the shares add up to about one
core, whatever N is — the GIL made visible. For N processes they add up to
about min(N, cores).

Cost: the probe wakes every ``interval`` only while a run is watched and
reads one small file per worker (~0.5 µs each with ``pread``); we measured
it at under 1 % of one core at 100 Hz with 8 workers, and 0 when idle.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from concgui.engine import startmethods
from concgui.engine.events import RunFinished, WorkerStarted
from concgui.engine.lane_probe import lane_probe_main
from concgui.engine.messages import LaneCommand, LaneKey, LaneReading, SendEvery, Unwatch, Watch

DEFAULT_INTERVAL_S = 0.01  # 100 Hz: ~2 GIL switch intervals per sample
MAX_RUNS = 64  # runs whose lanes are kept (oldest dropped first)
MAX_SAMPLES = 200_000  # per lane
STOP_TIMEOUT_S = 2.0

Key = LaneKey  # (run_id, worker)


class _Lane:
    __slots__ = ("t", "cpu")

    def __init__(self) -> None:
        self.t: list[float] = []
        self.cpu: list[float] = []


class LaneSampler:
    """Per-worker CPU time of the watched runs, sampled by a probe process.

    Start it once (:meth:`start`, lazily by :meth:`observe`); feed it run events
    with :meth:`observe`; read :meth:`series`, :meth:`total_share`. Thread-safe.
    """

    def __init__(self, interval: float = DEFAULT_INTERVAL_S) -> None:
        self.interval = interval
        self.samples = 0
        self._lanes: dict[Key, _Lane] = {}
        self._runs: list[int] = []
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._probe: multiprocessing.process.BaseProcess | None = None
        self._reader: threading.Thread | None = None
        self._cmd: Connection | None = None
        self._data: Connection | None = None
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._probe is not None

    def start(self) -> "LaneSampler":
        """Start the probe (idempotent; does nothing after :meth:`stop`)."""
        if self._probe is not None or self._closed:
            return self
        ctx: Any = multiprocessing.get_context(startmethods.default())
        cmd_parent, cmd_child = ctx.Pipe()
        data_parent, data_child = ctx.Pipe(duplex=False)
        probe = ctx.Process(target=lane_probe_main, args=(cmd_child, data_child, self.interval),
                            name="concgui-lane-probe", daemon=True)
        probe.start()
        cmd_child.close()
        data_child.close()
        self._cmd, self._data, self._probe = cmd_parent, data_parent, probe
        self._reader = threading.Thread(target=self._read, name="concgui-lane-reader", daemon=True)
        self._reader.start()
        return self

    def stop(self) -> None:
        """Stop the probe (politely, then by force) and the reader. Idempotent."""
        self._closed = True
        probe, self._probe = self._probe, None
        if probe is None:
            return
        self._send(None)
        probe.join(STOP_TIMEOUT_S)
        if probe.exitcode is None:
            probe.kill()
            probe.join()
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT_S)
        for conn in (self._cmd, self._data):
            if conn is not None:
                conn.close()
        probe.close()

    def __enter__(self) -> "LaneSampler":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- feeding --------------------------------------------------------------------

    def observe(self, ev: object) -> None:
        """An event sink: watch each worker as it announces itself, let go when its run ends."""
        if isinstance(ev, WorkerStarted):
            self.watch(ev.run_id, ev.worker, ev.pid, ev.native_id)
        elif isinstance(ev, RunFinished):
            self.unwatch(ev.run_id)

    def watch(self, run_id: int, worker: str, pid: int, native_id: int) -> None:
        if self._closed:
            return
        self.start()
        with self._lock:
            if run_id not in self._runs:
                self._runs.append(run_id)
                while len(self._runs) > MAX_RUNS:
                    old = self._runs.pop(0)
                    for k in [k for k in self._lanes if k[0] == old]:
                        del self._lanes[k]
            self._lanes.setdefault((run_id, worker), _Lane())
        self._send(Watch((run_id, worker), pid, native_id))

    def set_send_every(self, seconds: float) -> None:
        """Have the probe send its readings every ``seconds`` (each batch wakes our reader thread once)."""
        if self._probe is not None:
            self._send(SendEvery(seconds))

    def unwatch(self, run_id: int) -> None:
        if self._probe is not None:
            self._send(Unwatch(run_id))

    def _send(self, msg: LaneCommand) -> None:
        with self._send_lock:
            try:
                if self._cmd is not None:
                    self._cmd.send(msg)
            except (OSError, ValueError):
                pass  # the probe is gone: lanes stay empty, runs go on

    def _read(self) -> None:
        data = self._data
        assert data is not None
        while True:
            try:
                batch: list[LaneReading] = data.recv()
            except (EOFError, OSError):
                return
            with self._lock:
                for t, row in batch:
                    for key, cpu in row:
                        lane = self._lanes.get(key)
                        if lane is None:
                            continue
                        if len(lane.t) >= MAX_SAMPLES:
                            del lane.t[: MAX_SAMPLES // 10], lane.cpu[: MAX_SAMPLES // 10]
                        lane.t.append(t)
                        lane.cpu.append(cpu)
                    self.samples += 1

    # -- reading ----------------------------------------------------------------------

    def keys(self, run_id: int | None = None) -> list[Key]:
        with self._lock:
            return [k for k in self._lanes if run_id is None or k[0] == run_id]

    def raw(self, run_id: int, worker: str) -> tuple[np.ndarray, np.ndarray]:
        """(times, cumulative CPU seconds) of one worker's readings."""
        with self._lock:
            lane = self._lanes.get((run_id, worker))
            if lane is None:
                return np.zeros(0), np.zeros(0)
            return np.array(lane.t), np.array(lane.cpu)

    def series(self, run_id: int, worker: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(interval starts, interval ends, CPU share 0..1) between consecutive readings."""
        t, cpu = self.raw(run_id, worker)
        if len(t) < 2:
            return np.zeros(0), np.zeros(0), np.zeros(0)
        dt = np.diff(t)
        share = np.clip(np.diff(cpu) / np.where(dt > 0, dt, np.inf), 0.0, 1.0)
        return t[:-1], t[1:], share

    def window(self, run_id: int) -> tuple[float, float] | None:
        """The time span over which *every* worker of the run was being read (None if empty)."""
        spans = []
        for key in self.keys(run_id):
            t, _ = self.raw(*key)
            if len(t) >= 2:
                spans.append((t[0], t[-1]))
        if not spans:
            return None
        t0, t1 = max(s[0] for s in spans), min(s[1] for s in spans)
        return (float(t0), float(t1)) if t1 > t0 else None

    def shares(self, run_id: int, t0: float | None = None, t1: float | None = None) -> dict[str, float]:
        """Each worker's average CPU share over [t0, t1] (default: :meth:`window`)."""
        if t0 is None or t1 is None:
            w = self.window(run_id)
            if w is None:
                return {}
            t0 = w[0] if t0 is None else t0
            t1 = w[1] if t1 is None else t1
        return lane_shares({k[1]: self.raw(*k) for k in self.keys(run_id)}, t0, t1)

    def total_share(self, run_id: int, t0: float | None = None, t1: float | None = None) -> float | None:
        """Cores' worth of CPU the run's workers used together over [t0, t1] (None if unknown)."""
        s = self.shares(run_id, t0, t1)
        return sum(s.values()) if s else None


def lane_shares(readings: dict[str, tuple[np.ndarray, np.ndarray]], t0: float, t1: float) -> dict[str, float]:
    """Average CPU share of each worker over [t0, t1], from (times, cumulative CPU s) readings.

    The cumulative CPU time is interpolated at ``t0`` and ``t1`` (held flat
    before the first and after the last reading).
    """
    out: dict[str, float] = {}
    if t1 <= t0:
        return out
    for name, (t, cpu) in readings.items():
        if len(t) < 2:
            continue
        c0, c1 = np.interp([t0, t1], t, cpu)
        out[name] = max(0.0, float(c1 - c0)) / (t1 - t0)
    return out
