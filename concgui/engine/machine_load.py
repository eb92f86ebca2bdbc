"""How much CPU the *rest* of the machine used: other programs, not us.

A speedup measured while another program keeps a core busy is the other
program's doing as much as ours. The machine's busy time comes from
``psutil.cpu_times()`` (all cores, since boot); ours is the CPU time of this
process and every process below it (worker host, pool workers, probes). Their
difference over a span, divided by the span, is the number of cores' worth of
work that others did meanwhile.

Cheap (a few ``/proc`` reads, ~1 ms), so it is taken around every run and
before a Compare. What it cannot see: a child of ours that started and ended
inside the span (its time counts as the others'), which errs on the side of
warning.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import psutil

#: Others using more than this many cores before a Compare or Scale: say so before running.
BUSY_OTHERS_CORES = 0.3


def _busy_s() -> float:
    """Seconds all cores spent not idle, since boot."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def _ours() -> dict[int, float]:
    """CPU seconds so far of this process and each of its descendants, by pid."""
    out: dict[int, float] = {}
    try:
        me = psutil.Process(os.getpid())
        procs = [me, *me.children(recursive=True)]
    except psutil.Error:
        return out
    for p in procs:
        try:
            t = p.cpu_times()
            out[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    return out


@dataclass(frozen=True)
class Reading:
    """One look at the machine: when, its busy seconds, and ours by pid."""

    t: float = field(default_factory=time.monotonic)
    busy_s: float = field(default_factory=_busy_s)
    ours: dict[int, float] = field(default_factory=_ours)


def read() -> Reading:
    return Reading()


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
