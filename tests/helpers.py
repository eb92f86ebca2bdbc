"""Helpers every part of the suite uses (not a test module): waiting, and processes that must be gone.

Import as ``from tests.helpers import ...`` (the checkout's root is on
``sys.path``, as for ``tests.gui._util``).

"Gone" means what a test about orphans needs: the process has exited. A
zombie (a child of ours that exited and was not reaped yet) counts as gone:
it runs nothing and holds no CPU, and reaping it is its parent's business.
"""

from __future__ import annotations

import os
import time
from typing import Callable, Iterable, TypeVar

import psutil

POLL_S = 0.01  # how often the waits below look again

#: Command-line words of the helpers multiprocessing keeps for the life of the interpreter.
MP_HELPER_WORDS = ("resource_tracker", "forkserver")

P = TypeVar("P", int, psutil.Process)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition",
               poll: float = POLL_S) -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(poll)  # poll interval


def alive(proc: int | psutil.Process) -> bool:
    """Whether ``proc`` (a pid or a :class:`psutil.Process`) still runs: it exists and is no zombie.

    A ``psutil.Process`` is checked against its start time too, so a reused pid does not count.
    """
    try:
        p = psutil.Process(proc) if isinstance(proc, int) else proc
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_gone(procs: Iterable[P], timeout: float = 5.0) -> list[P]:
    """Wait up to ``timeout`` s for every one of ``procs`` to be gone; returns those still running."""
    procs = list(procs)
    deadline = time.monotonic() + timeout
    while (left := [p for p in procs if alive(p)]) and time.monotonic() < deadline:
        time.sleep(POLL_S)  # poll interval
    return left


def when_gone(procs: Iterable[psutil.Process], t0: float, timeout: float) -> dict[int, float]:
    """Watch ``procs`` until all are gone or ``timeout`` s after ``t0`` (``time.monotonic()``).

    Returns pid -> seconds after ``t0`` at which each was first seen gone; a
    pid missing from it was still running at the end.
    """
    procs = list(procs)
    gone: dict[int, float] = {}
    while len(gone) < len(procs) and time.monotonic() - t0 < timeout:
        for p in procs:
            if p.pid not in gone and not alive(p):
                gone[p.pid] = time.monotonic() - t0
        time.sleep(POLL_S)  # poll interval
    return gone


def kill(procs: Iterable[psutil.Process], timeout: float = 3.0) -> None:
    """SIGKILL ``procs`` (those already gone are skipped) and wait up to ``timeout`` s for them."""
    procs = list(procs)
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=timeout)


def is_mp_helper(p: psutil.Process) -> bool:
    """Whether ``p`` is multiprocessing's resource tracker or fork server, started by this process.

    Workers forked *by* the fork server share its command line but are its
    children, so they are not helpers. A process gone meanwhile counts as one
    (there is nothing left to report about it).
    """
    try:
        if p.ppid() != os.getpid():
            return False
    except psutil.Error:
        return True
    try:
        cmdline = " ".join(p.cmdline())
    except psutil.Error:
        return False
    return any(w in cmdline for w in MP_HELPER_WORDS)


def assert_orphans_gone(kids: list[psutil.Process], t0: float, bound_s: float, what: str) -> None:
    """Once their parent was killed at ``t0``, ``kids`` must all be gone within ``bound_s`` by themselves.

    Any left over are killed (so no test leaves them burning CPU), then the test fails naming them.
    """
    gone_at = when_gone(kids, t0, bound_s + 3)
    left = [k for k in kids if k.pid not in gone_at]
    kill(left)
    print(f"\n[{what}] {len(kids)} processes gone after {max(gone_at.values(), default=0) * 1000:.0f} ms (slowest)")
    assert not left, [(k.pid, k.cmdline()) for k in left]
    assert max(gone_at.values()) <= bound_s
