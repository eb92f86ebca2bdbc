"""The CPU probe: a tiny helper process that samples psutil at a steady rate.

Why a process: a sampling *thread* needs the GIL for every step of reading
/proc, and with a few busy pure-Python threads each step waits up to a switch
interval; we measured the sampler dropping from 10 Hz to 4-5 Hz exactly when
the plot matters. This process has its own GIL, stamps each sample with the
shared clock (comparable across processes), and sends it over a pipe. It
imports neither numpy nor Qt, and exits when told to or when the
parent goes away (the pipe breaks).
"""

from __future__ import annotations

from multiprocessing.connection import Connection

import psutil

from concgui.engine.clock import now

CHILDREN_REFRESH_S = 1.0  # listing children scans /proc: do it rarely


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


def probe_main(conn: Connection, pid: int, interval: float) -> None:
    """Send ``(t, per_core_percent, tree_percent)`` every ``interval`` s until stopped."""
    from concgui.engine.worker import ignore_sigint

    ignore_sigint()
    try:
        tree = _TreeCpu(pid)
        psutil.cpu_percent(percpu=True)  # prime
        tree.percent(now())
        due = now() + interval
        while True:
            if conn.poll(max(0.0, due - now())):
                conn.recv()  # "stop" (or EOFError: the parent is gone)
                return
            t = now()
            due = max(due + interval, t)  # steady rate; never a burst after a stall
            conn.send((t, psutil.cpu_percent(percpu=True), tree.percent(t)))
    except (EOFError, OSError, KeyboardInterrupt, psutil.NoSuchProcess):
        pass
    finally:
        conn.close()
