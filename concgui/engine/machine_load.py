"""How much CPU the *rest* of the machine used: other programs, not us.

A speedup measured while another program keeps a core busy is the other
program's doing as much as ours. The machine's busy time comes from
``psutil.cpu_times()`` (all cores, since boot); ours is the CPU time of this
process and every process below it (worker host, pool workers, probes). Their
difference over a span, divided by the span, is the number of cores' worth of
work that others did meanwhile.

It is taken around every run, so it must cost next to nothing: listing our
descendants scans all of ``/proc`` (1.2 ms on a quiet 2-core VM, several ms on
a desktop with hundreds of processes), so the list is kept and made afresh at
most every ``LIST_EVERY_S``; a caller that has just started processes names
them (``read(known=...)``). A reading is then one ``/proc`` read per process
of ours (~0.2 ms in all). What it cannot see: a child of ours that started
and ended inside the span, or started since the last listing without being
named (its time counts as the others'), which errs on the side of warning.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import Iterable

import psutil

#: Others using more than this many cores before a Compare or Scale: say so before running.
BUSY_OTHERS_CORES = 0.3


def _busy_s() -> float:
    """Seconds all cores spent not idle, since boot."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def cpu_seconds(pids: Iterable[int], known: dict[int, psutil.Process]) -> float:
    """CPU (user + system) used so far by the processes ``pids`` that are still there.

    ``known`` keeps a ``psutil.Process`` per pid between calls (making one
    reads ``/proc``): a pool or a cluster passes its own.
    """
    total = 0.0
    for pid in pids:
        try:
            p = known.get(pid) or known.setdefault(pid, psutil.Process(pid))
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


LIST_EVERY_S = 1.0  # listing our descendants scans /proc: at most this often


class _Tree:
    """This process and its descendants, as ``psutil.Process`` objects kept between readings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # read from the GUI thread and from a run's thread
        self._procs: dict[int, psutil.Process] = {}
        self._listed = float("-inf")

    def cpu(self, known: Iterable[int] = ()) -> dict[int, float]:
        """CPU seconds so far of each of our processes, by pid (``known``: pids to include for sure)."""
        with self._lock:
            t = time.monotonic()
            if t - self._listed >= LIST_EVERY_S:
                self._listed = t
                self._list()
            for pid in known:
                if pid not in self._procs:
                    try:
                        self._procs[pid] = psutil.Process(pid)
                    except psutil.Error:
                        pass
            out: dict[int, float] = {}
            for pid, p in list(self._procs.items()):
                try:
                    c = p.cpu_times()
                    out[pid] = c.user + c.system
                except psutil.Error:
                    del self._procs[pid]  # ended: its time since the last reading is lost (see the module)
            return out

    def _list(self) -> None:
        try:
            me = psutil.Process(os.getpid())
            live = [me, *me.children(recursive=True)]
        except psutil.Error:
            return
        # Keep the objects already made (making one reads the process's start time).
        self._procs = {p.pid: self._procs.get(p.pid, p) for p in live}


_TREE = _Tree()


@dataclass(frozen=True)
class Reading:
    """One look at the machine: when, its busy seconds, and ours by pid."""

    t: float = field(default_factory=time.monotonic)
    busy_s: float = field(default_factory=_busy_s)
    ours: dict[int, float] = field(default_factory=_TREE.cpu)


def read(known: Iterable[int] = ()) -> Reading:
    """Look at the machine now; ``known``: pids of ours that may have started since the last listing."""
    return Reading(time.monotonic(), _busy_s(), _TREE.cpu(known))


def other_cores(before: Reading, after: Reading) -> float | None:
    """Cores' worth of CPU that processes not ours used between two readings (None: too short a span)."""
    span = after.t - before.t
    if span < 0.05:
        return None
    ours = sum(cpu - before.ours.get(pid, 0.0) for pid, cpu in after.ours.items())
    return max(0.0, (after.busy_s - before.busy_s - ours) / span)


def busy_sentence(cores: float) -> str:
    """The one sentence the window and the CLI say before timing on a busy machine."""
    return (f"Other programs are using {cores:.1f} core{'s' if round(cores, 1) != 1 else ''} of this machine "
            "right now: every timing below will be slower and noisier than on a quiet machine.")
