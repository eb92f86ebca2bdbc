"""The CPU probe: a tiny helper process that samples psutil at a steady rate.

Why a process: a sampling *thread* needs the GIL for every step of reading
/proc, and with a few busy pure-Python threads each step waits up to a switch
interval; we measured the sampler dropping from 10 Hz to 4-5 Hz exactly when
the plot matters. This process has its own GIL, stamps each sample with the
shared clock (comparable across processes), and writes it into the app's
ring in shared memory (:class:`~concgui.engine.telemetry.SharedRing`), so no
thread of the app has to wake up for it. It imports neither numpy nor Qt, and
exits when told to on its pipe or when the parent goes away (the pipe breaks).
"""

from __future__ import annotations

import struct
from multiprocessing import shared_memory
from multiprocessing.connection import Connection

import psutil

from concgui.engine.clock import now

CHILDREN_REFRESH_S = 1.0  # listing children scans /proc: do it rarely
#: Bytes before the rows in the shared ring: the int64 count of rows written.
ROW_HEADER = 8


class _TreeCpu:
    """CPU % of a process and its descendants, with primed per-process counters."""

    def __init__(self, pid: int) -> None:
        self._root = psutil.Process(pid)
        self._procs: dict[int, psutil.Process] = {}
        self._listed = float("-inf")

    def percent(self, t: float) -> float:
        if t - self._listed >= CHILDREN_REFRESH_S:
            self._listed = t
            try:
                live = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                live = [self._root]
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


def probe_main(conn: Connection, pid: int, interval: float, shm_name: str, capacity: int, cores: int) -> None:
    """Write ``(seq, t, per-core %..., tree %)`` rows into the shared ring every ``interval`` s until stopped.

    A row's values go first, then its ``seq`` (its number + 1), then the count
    in the header, so a reader never takes a half-written row.
    """
    from concgui.engine.worker import ignore_sigint

    ignore_sigint()
    try:
        shm = shared_memory.SharedMemory(name=shm_name)
    except (FileNotFoundError, OSError):
        conn.close()
        return
    buf = shm.buf
    assert buf is not None
    row_bytes = (2 + cores + 1) * 8
    values = struct.Struct(f"{cores + 2}d")  # t, per-core %..., tree %
    seq, count = struct.Struct("d"), struct.Struct("q")
    try:
        tree = _TreeCpu(pid)
        psutil.cpu_percent(percpu=True)  # prime
        tree.percent(now())
        due = now() + interval
        n = 0
        while True:
            if conn.poll(max(0.0, due - now())):
                conn.recv()  # CPU_PROBE_STOP (concgui.engine.messages; or EOFError: the parent is gone)
                return
            t = now()
            due = max(due + interval, t)  # steady rate; never a burst after a stall
            per_core = list(psutil.cpu_percent(percpu=True))[:cores]
            per_core += [0.0] * (cores - len(per_core))
            at = ROW_HEADER + (n % capacity) * row_bytes
            values.pack_into(buf, at + 8, t, *per_core, tree.percent(t))
            seq.pack_into(buf, at, float(n + 1))
            n += 1
            count.pack_into(buf, 0, n)
    except (EOFError, OSError, KeyboardInterrupt, psutil.NoSuchProcess):
        pass
    finally:
        del buf
        shm.close()
        conn.close()
