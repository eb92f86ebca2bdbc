"""The workload catalog: the same task functions for the GUI, CLI and benchmarks.

Every task function is top-level (so a process pool can pickle it by name),
deterministic (the same ``size`` and ``seed`` give the same value in any mode,
which is how a run's results are checked against the serial run), and calls
``progress(fraction)`` now and then. Those calls are where a thread run can be
cancelled and where the GUI learns how far a task has got.
"""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Mapping

from concgui.engine.user_function import call_function, split_name, task_index

Progress = Callable[[float], None]
TaskFunction = Callable[[int, int, Mapping[str, Any], Progress], Any]

#: How many progress points a task reports at least: enough for smooth bars,
#: few enough that reporting costs nothing measurable.
PROGRESS_STEPS = 10
#: ...and at most this much work between two of them, so that a thread run of
#: huge tasks still stops within ~10 ms of a cancel.
MAX_STEP_S = 0.010
#: ...but never less than this much: a tiny task (a few µs) reports only when it
#: ends, so reporting does not cost more than the work.
MIN_STEP_S = 0.001


def _step(size: int, unit_s: float) -> int:
    """Units of work between progress points: size/10, within ~1..10 ms of work."""
    return max(1, min(size // PROGRESS_STEPS, int(MAX_STEP_S / unit_s)), int(MIN_STEP_S / unit_s))


def _no_progress(_fraction: float) -> None:
    pass


def _seed_bytes(seed: int, n: int) -> bytes:
    """``n`` pseudo-random bytes fixed by ``seed`` (fast, deterministic)."""
    return random.Random(seed).randbytes(n)


# --- the task functions ----------------------------------------------------


# The rough cost of one unit of a task's size (:attr:`Workload.seconds_per_unit`),
# for the task functions that space their progress points by it. Each is written
# once, here, and the function and its catalog entry both read it.
CPU_PYTHON_UNIT_S = 1.4e-7  # one iteration
CPU_HASH_UNIT_S = 1.5e-4  # one 256 KiB block
CPU_ZLIB_UNIT_S = 3.5e-3  # one 128 KiB block
IO_SLEEP_UNIT_S = 1.0e-3  # one millisecond


def cpu_python(size: int, seed: int, ctx: Mapping[str, Any] = {}, progress: Progress = _no_progress) -> int:
    """Pure-Python integer arithmetic: a linear congruential generator.

    Every step is bytecode, so the thread holds the GIL the whole time (it
    only gives it up when the switch interval asks it to).
    """
    x = seed & 0x7FFFFFFF
    acc = 0
    step = _step(size, CPU_PYTHON_UNIT_S)
    done = 0
    while done < size:
        n = min(step, size - done)
        for _ in range(n):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
            acc += x % 1000
        done += n
        progress(done / size)
    return acc


HASH_BLOCK = 256 * 1024  # well above the 2047 bytes at which hashlib drops the GIL


def cpu_hash(size: int, seed: int, ctx: Mapping[str, Any] = {}, progress: Progress = _no_progress) -> str:
    """SHA-256 over ``size`` blocks of 256 KiB.

    hashlib releases the GIL while it hashes a buffer larger than 2047 bytes,
    so threads doing this really run in parallel.
    """
    block = _seed_bytes(seed, HASH_BLOCK)
    h = hashlib.sha256()
    step = _step(size, CPU_HASH_UNIT_S)
    for i in range(size):
        h.update(block)
        if (i + 1) % step == 0 or i + 1 == size:
            progress((i + 1) / size)
    return h.hexdigest()


ZLIB_BLOCK = 128 * 1024


def cpu_zlib(size: int, seed: int, ctx: Mapping[str, Any] = {}, progress: Progress = _no_progress) -> int:
    """zlib-compress ``size`` blocks of 128 KiB of compressible text.

    CPython's zlib module releases the GIL around ``deflate``, so this is
    C work that threads can run in parallel.
    """
    rng = random.Random(seed)
    words = [b"thread", b"process", b"lock", b"queue", b"pipe", b"GIL", b"core", b"task"]
    block = b" ".join(rng.choice(words) for _ in range(ZLIB_BLOCK // 6))[:ZLIB_BLOCK]
    crc = 0
    step = _step(size, CPU_ZLIB_UNIT_S)
    for i in range(size):
        crc = zlib.crc32(zlib.compress(block, 6), crc)
        if (i + 1) % step == 0 or i + 1 == size:
            progress((i + 1) / size)
    return crc


def io_sleep(size: int, seed: int, ctx: Mapping[str, Any] = {}, progress: Progress = _no_progress) -> int:
    """Wait ``size`` milliseconds: simulated latency (a slow disk or network).

    ``time.sleep`` releases the GIL, so waiting threads overlap perfectly.
    """
    step = _step(size, IO_SLEEP_UNIT_S)
    done = 0
    while done < size:
        n = min(step, size - done)
        time.sleep(n / 1000.0)
        done += n
        progress(done / size)
    return seed * 31 + size


def io_file(size: int, seed: int, ctx: Mapping[str, Any] = {}, progress: Progress = _no_progress) -> str:
    """Write ``size`` KiB to a real file, fsync it, read it back, hash it.

    The file lives in the run's temporary folder (``ctx["tmpdir"]``), which the
    engine removes after the run. Blocking file I/O releases the GIL.
    """
    data = _seed_bytes(seed, size * 1024)
    path = os.path.join(ctx["tmpdir"], f"task-{seed}-{os.getpid()}.bin")
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    progress(0.5)
    with open(path, "rb") as f:
        back = f.read()
    os.remove(path)
    progress(1.0)
    return hashlib.sha256(back).hexdigest()


def io_http(size: int, seed: int, ctx: Mapping[str, Any] = {}, progress: Progress = _no_progress) -> str:
    """GET ``size`` KiB from the engine's local HTTP server and hash the body.

    The server (see :mod:`concgui.engine.http_server`) adds a fixed latency per
    request, like a real network; waiting on a socket releases the GIL.
    """
    import urllib.request  # here, not at the top: it costs every pool worker ~15 ms to import

    url = f"{ctx['base_url']}/blob?size={size}&seed={seed}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        body = resp.read()
    progress(1.0)
    return hashlib.sha256(body).hexdigest()


CRASH_HOW = {1: "raises an exception", 2: "exits with os._exit(70)", 3: "segfaults"}


def crash(size: int, seed: int, ctx: Mapping[str, Any] = {}, progress: Progress = _no_progress) -> int:
    """Works ~10 ms, then every third task fails on purpose; ``size`` picks how.

    1: raise an exception (any mode); 2: ``os._exit`` and 3: a segmentation
    fault, both only inside a pool worker process: on a thread they would take
    the whole app down, so there they raise an exception that says so.
    """
    value = cpu_python(70_000, seed, ctx, progress)
    if seed % 3 != 0:
        return value
    how = CRASH_HOW.get(size, CRASH_HOW[1])
    if size in (2, 3):
        import multiprocessing

        if multiprocessing.parent_process() is None:
            raise RuntimeError(f"this task {how} only in a worker process; here it would kill concgui itself")
        if size == 2:
            os._exit(70)
        import ctypes

        ctypes.string_at(0)  # reads address 0: SIGSEGV
    raise ValueError(f"task with seed {seed} failed on purpose (the crash workload)")


# --- resources a workload needs for the length of a run ----------------------


@contextmanager
def _no_context() -> Iterator[dict[str, Any]]:
    yield {}


@contextmanager
def _tmpdir_context() -> Iterator[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="concgui-io-") as d:
        yield {"tmpdir": d}


@contextmanager
def _http_context() -> Iterator[dict[str, Any]]:
    from concgui.engine.http_server import BlobServer

    with BlobServer() as server:
        yield {"base_url": server.base_url}


# --- the catalog --------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One entry of the catalog: a task function and every fact about it.

    The entry is the only place a workload is described: the size check
    (:meth:`concgui.engine.config.RunConfig.validate`), process-run chunking,
    the GUI's spin boxes and Workload panel and the CLI all read it here, so a
    new workload, or a new measurement of one, is a change in one place.
    """

    name: str
    func: TaskFunction
    kind: str  # "cpu" or "io"
    gil: str  # "holds" or "releases": what the task does with the GIL
    summary: str  # one line, shown in the GUI and `concgui bench --help`
    why: str  # why it holds or releases the GIL, in a few plain sentences (the Workload panel)
    size_unit: str
    default_size: int
    #: The largest size a run may ask for, in ``size_unit``: large enough for
    #: any demo, small enough that a typo cannot fill the disk or hang a class for an hour.
    max_size: int
    default_tasks: int
    #: Rough cost of one unit of size, measured on a 2-core dev machine: used to
    #: chunk process runs, to space progress points and to size the GUI's demo runs.
    seconds_per_unit: float
    context: Callable[[], Any] = _no_context
    fails: bool = False  # fails on purpose (the crash workload): no digest to compare
    #: A task's second argument from its id: its seed for the catalog (None: :func:`task_seed`); a developer's
    #: function takes its index into the items instead (:mod:`concgui.engine.user_function`).
    task_input: Callable[[int], int] | None = None

    @property
    def badge(self) -> str:
        if self.fails:
            return "fails on purpose"
        if self.kind == "own":
            return "your code"
        if self.kind == "io":
            return "I/O"
        return "holds the GIL" if self.gil == "holds" else "releases the GIL"

    def estimate_task_s(self, size: int) -> float:
        return self.seconds_per_unit * size


CATALOG: dict[str, Workload] = {
    w.name: w
    for w in (
        Workload(
            "cpu-python", cpu_python, "cpu", "holds",
            summary="Pure-Python arithmetic: holds the GIL, so threads take turns",
            why="Every step is Python bytecode (a multiply, an add, a modulo on Python ints), and CPython runs "
                "bytecode only while holding the GIL. A thread gives it up only when another thread has asked "
                "for it for a switch interval (sys.getswitchinterval()), so N threads take turns on one core's "
                "worth of time. Processes each have their own interpreter and GIL, so they really run at once.",
            size_unit="iterations", default_size=300_000, max_size=200_000_000, default_tasks=16,
            seconds_per_unit=CPU_PYTHON_UNIT_S,
        ),
        Workload(
            "cpu-hash", cpu_hash, "cpu", "releases",
            summary="SHA-256 over 256 KiB blocks: hashlib releases the GIL",
            why="The loop is Python, but almost all the time is spent inside hashlib's C code, which releases "
                "the GIL while it hashes any buffer larger than 2047 bytes (here 256 KiB). While one thread "
                "hashes, the others can run: threads scale with the cores, like processes, without pickling.",
            size_unit="blocks of 256 KiB", default_size=200, max_size=40_000, default_tasks=16,
            seconds_per_unit=CPU_HASH_UNIT_S,
        ),
        Workload(
            "cpu-zlib", cpu_zlib, "cpu", "releases",
            summary="zlib compression of text: C code that releases the GIL",
            why="zlib.compress does its work in C and releases the GIL around deflate, so compression on "
                "several threads runs in parallel. Building the input is Python (holds the GIL) but takes "
                "little time.",
            size_unit="blocks of 128 KiB", default_size=10, max_size=10_000, default_tasks=16,
            seconds_per_unit=CPU_ZLIB_UNIT_S,
        ),
        Workload(
            "io-sleep", io_sleep, "io", "releases",
            summary="Simulated latency with time.sleep: waiting releases the GIL",
            why="time.sleep releases the GIL and uses no CPU while it waits, so any number of sleeping threads "
                "overlap: 8 threads finish 8 waits in the time of one. Their CPU share stays near 0.",
            size_unit="milliseconds", default_size=100, max_size=60_000, default_tasks=16,
            seconds_per_unit=IO_SLEEP_UNIT_S,
        ),
        Workload(
            "io-file", io_file, "io", "releases",
            summary="Write, fsync and read back a real temporary file",
            why="write, fsync and read are blocking system calls; CPython releases the GIL around each one, so "
                "other threads run while the disk works. The random data and the hash are quick C calls.",
            size_unit="KiB", default_size=1024, max_size=256 * 1024, default_tasks=16,
            seconds_per_unit=7.5e-6, context=_tmpdir_context,
        ),
        Workload(
            "io-http", io_http, "io", "releases",
            summary="HTTP GETs from a local server with 20 ms latency",
            why="Waiting for the server's reply (a socket recv) releases the GIL. The 20 ms latency overlaps "
                "across threads; parsing the small reply is Python and takes the GIL briefly.",
            size_unit="KiB", default_size=64, max_size=64 * 1024, default_tasks=16,
            seconds_per_unit=2.0e-2 / 64, context=_http_context,
        ),
        Workload(
            "crash", crash, "cpu", "holds",
            summary="Fails on purpose in every third task: see how a failed run is handled",
            why="It does ~10 ms of pure-Python work (holds the GIL), then fails on purpose in every third "
                "task, so you can see how a failed run is reported and how a crashed worker process is "
                "replaced.",
            size_unit="1 raise, 2 exit, 3 segfault", default_size=1, max_size=3, default_tasks=8,
            seconds_per_unit=1.0e-2, fails=True,
        ),
    )
}


#: A developer's own function (``concgui bench --function MODULE:NAME``): not in the catalog's lists, since it is
#: not ours to describe. What it does with the GIL is measured, not known (see :mod:`concgui.engine.function_profile`).
FUNCTION = Workload(
    "function", call_function, "own", "measured",
    summary="Your own function: func(item) -> result, on each of your items",
    why="concgui does not know in advance what your function does with the GIL: it measures that first, in a "
        "fresh process (two threads against one), then predicts which way wins and runs them all to check.",
    size_unit="(one item each)", default_size=1, max_size=1, default_tasks=16,
    seconds_per_unit=1e-3, task_input=task_index,
)


def get_workload(name: str) -> Workload:
    """The catalog entry called ``name`` (or, for ``function:MODULE:NAME``, the one for a developer's function);
    KeyError lists the known names."""
    try:
        return CATALOG[name]
    except KeyError:
        if name == FUNCTION.name:
            return FUNCTION
        if split_name(name) is not None:
            return replace(FUNCTION, name=name)
        known = ", ".join(CATALOG)
        raise KeyError(f"unknown workload {name!r} (known: {known})") from None


def workload_label(name: str) -> str:
    """How a person reads a workload's name: ``mytasks:work`` for ``function:mytasks:work``, else the name."""
    mine = split_name(name)
    return ":".join(mine) if mine is not None else name


def is_workload(name: str) -> bool:
    """Whether ``name`` is a catalog workload or a developer's function (``function:MODULE:NAME``)."""
    return name in CATALOG or split_name(name) is not None


def task_seed(task_id: int) -> int:
    """The seed of task ``task_id``: fixed, so every mode gets identical inputs."""
    return 1_000_003 * (task_id + 1) % 2_147_483_647
