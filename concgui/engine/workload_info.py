"""Each workload explained: what it does, what it does with the GIL and why, and its real source.

The source is read with :func:`inspect.getsource` from the module that runs,
so what you read is exactly what the workers execute. Qt-free (the GUI's
Workload panel and any text output use it).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from concgui.engine.workloads import get_workload

#: Why each workload holds or releases the GIL, in a few plain sentences.
WHY = {
    "cpu-python": (
        "Every step is Python bytecode (a multiply, an add, a modulo on Python ints), and CPython runs "
        "bytecode only while holding the GIL. A thread gives it up only when another thread has asked for "
        "it for a switch interval (sys.getswitchinterval()), so N threads take turns on one core's worth "
        "of time. Processes each have their own interpreter and GIL, so they really run at once."),
    "cpu-hash": (
        "The loop is Python, but almost all the time is spent inside hashlib's C code, which releases the "
        "GIL while it hashes any buffer larger than 2047 bytes (here 256 KiB). While one thread hashes, "
        "the others can run: threads scale with the cores, like processes, without pickling."),
    "cpu-zlib": (
        "zlib.compress does its work in C and releases the GIL around deflate, so compression on several "
        "threads runs in parallel. Building the input is Python (holds the GIL) but takes little time."),
    "io-sleep": (
        "time.sleep releases the GIL and uses no CPU while it waits, so any number of sleeping threads "
        "overlap: 8 threads finish 8 waits in the time of one. Their CPU share stays near 0."),
    "io-file": (
        "write, fsync and read are blocking system calls; CPython releases the GIL around each one, so "
        "other threads run while the disk works. The random data and the hash are quick C calls."),
    "io-http": (
        "Waiting for the server's reply (a socket recv) releases the GIL. The 20 ms latency overlaps "
        "across threads; parsing the small reply is Python and takes the GIL briefly."),
    "crash": (
        "It does ~10 ms of pure-Python work (holds the GIL), then fails on purpose in every third task, "
        "so you can see how a failed run is reported and how a crashed worker process is replaced."),
}


@dataclass(frozen=True)
class WorkloadInfo:
    name: str
    what: str  # the task function's docstring
    gil: str  # "holds the GIL", "releases the GIL" or "I/O"
    why: str
    source: str
    function: str  # module.qualname of the task function


def describe(name: str) -> WorkloadInfo:
    """What workload ``name`` does, its GIL behaviour and why, and its task function's source."""
    w = get_workload(name)
    func = w.func
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        source = f"# The source of {func.__qualname__} is not available in this build.\n"
    return WorkloadInfo(
        name=w.name,
        what=inspect.cleandoc(func.__doc__ or w.summary),
        gil=w.badge,
        why=WHY.get(w.name, ""),
        source=source,
        function=f"{func.__module__}.{func.__qualname__}",
    )
