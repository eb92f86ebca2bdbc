"""IPC: move payloads from a child process to the parent, three ways.

* ``queue``: ``multiprocessing.Queue``: the object is pickled, written to a
  pipe by a background thread, read and unpickled by the parent.
* ``pipe``: ``Connection.send_bytes`` / ``recv_bytes``: raw bytes through an
  OS pipe, no pickling.
* ``shm``: ``multiprocessing.shared_memory``: the child writes into a block
  both processes map; the parent looks at it through a NumPy array with no
  copy at all. Only a small notice travels through a pipe.

Each payload is a deterministic run of bytes from a seed; the child sends its
BLAKE2b digest, and the parent checks the digest of what it received. The
shared-memory block is created by the parent and always closed and unlinked
in a ``finally``, also after a cancel or a crashed child, so nothing is left
in ``/dev/shm`` and the resource tracker has nothing to warn about.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
import random
import statistics
import threading
from dataclasses import dataclass
from multiprocessing import shared_memory
from multiprocessing.connection import Connection, wait
from typing import Any

from concgui.engine import startmethods
from concgui.labs.common import (POLL_S, EventPump, EventSink, RunStatus, check_int, check_params, interpreter_facts,
                                 now, param, start_method_param, to_jsonable)

NAME = "ipc"
TITLE = "IPC: queue, pipe, shared memory"
#: (form label, value) of each way to move a payload.
TRANSPORTS = (("Queue", "queue"), ("Pipe", "pipe"), ("shared memory", "shm"))
METHODS = tuple(v for _, v in TRANSPORTS)
KIB = 1024
MIB = 1024 * 1024
MIN_SIZE = 1
MAX_SIZE = 512 * MIB  # the window offers up to FORM_MAX; each process holds a few copies
CLI_DEFAULT_MAX = 64 * MIB
#: The largest payload the window offers, and where it starts: a quick first run.
FORM_MAX = 256 * MIB
FORM_DEFAULT_MAX = 16 * MIB
MAX_REPEATS = 100
LARGE = 4 * MIB
SHM_PREFIX = "concgui_ipc_"
#: How long one transfer may take before the lab calls the child stuck.
TRANSFER_TIMEOUT_S = 120.0
START_TIMEOUT_S = 60.0

EXPLANATION = (
    "Processes do not share memory, so data must be moved. A multiprocessing.Queue pickles the object, "
    "and a background thread writes it into a pipe; the parent reads and unpickles it: several copies. "
    "A Pipe's send_bytes/recv_bytes skips pickling but still copies every byte through the kernel. "
    "Shared memory maps the same pages into both processes: the child writes the payload once and the "
    "parent reads it in place (here through a NumPy array built on the block, no copy). For small "
    "payloads the fixed cost of a message (system calls, waking the other process) dominates, so all "
    "three take tens of microseconds; for large ones the copies dominate and shared memory wins. "
    "Shared memory has a price: you must close and unlink the block yourself, also when things go wrong, "
    "or it stays in /dev/shm until reboot."
)


# --- what the app shows ---------------------------------------------------------


def payload_checksum(buf: Any) -> str:
    """BLAKE2b of a bytes-like object (hashlib releases the GIL on large buffers)."""
    return hashlib.blake2b(buf, digest_size=16).hexdigest()


def make_payload(seed: int, size: int, chunk: int = 16 * MIB) -> bytearray:
    """``size`` deterministic pseudo-random bytes from ``seed`` (made in chunks: one randbytes()
    call is limited to 256 MiB - 1 byte)."""
    rng = random.Random(seed)
    buf = bytearray(size)
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        buf[start:start + n] = rng.randbytes(n)
    return buf


def ipc_child(ctrl: Connection, data: Connection, q: Any, shm_name: str | None, max_size: int, seed: int) -> None:
    """The child process: make the payload once, then send a prefix of it as the parent asks."""
    payload = memoryview(make_payload(seed, max_size))
    shm = shared_memory.SharedMemory(name=shm_name) if shm_name else None  # attach to the parent's block
    try:
        ctrl.send(("ready", os.getpid()))
        while True:
            request = ctrl.recv()
            if request is None:
                break
            method, size = request
            view = payload[:size]
            digest = payload_checksum(view)
            if method == "queue":
                blob = bytes(view)                 # the object to send (made before the clock starts)
                t0 = now()
                q.put(blob)                        # pickled and written by the queue's feeder thread
            elif method == "pipe":
                t0 = now()
                data.send_bytes(view)              # raw bytes, no pickling
            else:
                assert shm is not None and shm.buf is not None  # "shm" is asked for only with a block
                t0 = now()
                shm.buf[:size] = view              # one copy, into memory the parent sees
            ctrl.send(("sent", t0, digest))        # for shm, this notice is the whole message
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent went away or stopped us
    finally:
        del payload
        if shm is not None:
            shm.close()  # the parent unlinks it


def receive_shm(shm: shared_memory.SharedMemory, size: int) -> Any:
    """The parent's view of the payload: a NumPy array on the shared block (no copy)."""
    import numpy as np

    return np.ndarray((size,), dtype=np.uint8, buffer=shm.buf)


SOURCE_FUNCTIONS = (ipc_child, receive_shm, payload_checksum)


# --- the experiment -------------------------------------------------------------


def format_size(n: int) -> str:
    for unit, scale in (("GiB", 1024**3), ("MiB", MIB), ("KiB", KIB)):
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _size_choices(lo: int, hi: int) -> tuple[tuple[str, int], ...]:
    """The payload sizes a form offers from ``lo`` to ``hi``: x4 up to 1 MiB, then x2."""
    out = []
    size = lo
    while size <= hi:
        out.append((format_size(size), size))
        size *= 4 if size < MIB else 2
    return tuple(out)


@dataclass(frozen=True)
class IpcParams:
    methods: tuple[str, ...] = param(METHODS, "Methods", "how to move the payloads, comma-separated", "multi",
                                     what="method", choices=TRANSPORTS)
    min_size: int = param(KIB, "Smallest payload", "smallest payload", "bytes", lo=MIN_SIZE, hi=MAX_SIZE,
                          unit="bytes", choices=lambda: _size_choices(KIB, 4 * MIB))
    max_size: int = param(CLI_DEFAULT_MAX, "Largest payload", "largest payload", "bytes", lo=MIN_SIZE, hi=MAX_SIZE,
                          unit="bytes", choices=lambda: _size_choices(64 * KIB, FORM_MAX),
                          form_default=FORM_DEFAULT_MAX,
                          tip=f"Up to {format_size(FORM_MAX)}; each process holds a few copies, so large sizes need "
                              "memory and time.")
    #: Sizes: min, min x factor, ... up to max (max always included).
    factor: int = param(4, "Size step ×", "each size is this many times the last", "int", lo=2, hi=1024,
                        what="size factor")
    #: Transfers per size and method up to LARGE; the latency is their median.
    repeats: int = param(3, "Repeats (small)", f"transfers per size up to {format_size(LARGE)}, median taken",
                         "int", lo=1, hi=MAX_REPEATS,
                         tip=f"Transfers per size up to {format_size(LARGE)}; the latency is their median.")
    #: For sizes above LARGE (they take long enough to measure once).
    large_repeats: int = param(1, "Repeats (large)", f"transfers per size above {format_size(LARGE)}", "int",
                               lo=1, hi=MAX_REPEATS)
    seed: int = 2024
    start_method: str | None = start_method_param()

    def __post_init__(self) -> None:
        object.__setattr__(self, "methods", tuple(self.methods))
        check_params(self, caps={"min_size": self.max_size})
        check_int("seed", self.seed, 0, 2**63 - 1)

    def repeats_for(self, size: int) -> int:
        return self.repeats if size <= LARGE else self.large_repeats

    @property
    def sizes(self) -> tuple[int, ...]:
        out = []
        s = self.min_size
        while s < self.max_size:
            out.append(s)
            s *= self.factor
        out.append(self.max_size)
        return tuple(out)


@dataclass(frozen=True)
class IpcMeasurement:
    method: str
    size: int  # bytes
    latency_s: float  # median over the repeats: child starts sending -> parent has it
    best_s: float
    mb_s: float  # size / median latency, in MB/s (10^6 bytes)
    verified: bool  # every repeat's checksum matched
    repeats: int


@dataclass(frozen=True)
class IpcChildStarted:
    pid: int
    start_method: str
    shm_name: str | None  # the block in /dev/shm (None without the shm method)
    t: float


@dataclass(frozen=True)
class IpcTransferStarted:
    method: str
    size: int
    repeat: int
    t: float


@dataclass(frozen=True)
class IpcSizeDone:
    """One point of the latency / throughput plot."""
    measurement: IpcMeasurement
    t: float


@dataclass(frozen=True)
class IpcResult:
    params: IpcParams
    measurements: tuple[IpcMeasurement, ...]
    start_method: str
    shm_name: str | None
    status: RunStatus
    error: str | None = None

    @property
    def all_verified(self) -> bool:
        return all(m.verified for m in self.measurements)

    def as_dict(self) -> dict[str, Any]:
        d = to_jsonable(self)
        d["all_verified"] = self.all_verified
        return d


class _ChildGone(Exception):
    pass


class _Cancelled(Exception):
    pass


_names = itertools.count(1)


def run(params: IpcParams, on_event: EventSink | None = None,
        cancel: threading.Event | None = None) -> IpcResult:
    cancel = cancel or threading.Event()
    pump = EventPump(on_event)
    method = params.start_method or startmethods.default()
    ctx: Any = multiprocessing.get_context(method)
    measurements: list[IpcMeasurement] = []
    shm: shared_memory.SharedMemory | None = None
    shm_name = None
    proc = None
    ctrl = ctrl_child = data_r = data_w = q = None
    status, error = RunStatus.DONE, None
    ended = False  # True once the child was told to stop; otherwise it is terminated at once
    try:
        if "shm" in params.methods:
            room = _shm_room()
            if room is not None and room < params.max_size:
                raise _ChildGone(f"/dev/shm has only {room / MIB:,.0f} MiB free, "
                                 f"less than {params.max_size / MIB:,.0f} MiB")
            shm_name = f"{SHM_PREFIX}{os.getpid()}_{next(_names)}"
            shm = shared_memory.SharedMemory(name=shm_name, create=True, size=params.max_size)
        ctrl, ctrl_child = ctx.Pipe()
        data_r, data_w = ctx.Pipe(duplex=False)
        q = ctx.Queue()
        proc = ctx.Process(target=ipc_child, name="concgui-ipc-child", daemon=True,
                           args=(ctrl_child, data_w, q, shm_name, params.max_size, params.seed))
        proc.start()
        # The parent only reads: closing its copies of the write ends means a child that dies
        # mid-message gives the parent end-of-file instead of a read that waits for ever.
        ctrl_child.close()
        data_w.close()
        _close_queue_writer(q)
        msg = _recv(ctrl, proc, cancel, START_TIMEOUT_S)
        pump.emit(IpcChildStarted(msg[1], method, shm_name, now()))
        for m in params.methods:  # warm up each path once (the queue starts its feeder thread)
            _transfer(m, min(params.min_size, 4096), ctrl, data_r, q, shm, proc, cancel)
        for size in params.sizes:
            for m in params.methods:
                lat, ok = [], True
                reps = params.repeats_for(size)
                for r in range(reps):
                    pump.emit(IpcTransferStarted(m, size, r, now()))
                    dt, good = _transfer(m, size, ctrl, data_r, q, shm, proc, cancel)
                    lat.append(dt)
                    ok = ok and good
                med = statistics.median(lat)
                meas = IpcMeasurement(m, size, med, min(lat), size / med / 1e6 if med > 0 else float("inf"), ok,
                                      reps)
                measurements.append(meas)
                pump.emit(IpcSizeDone(meas, now()))
        try:
            ctrl.send(None)  # the child ends by itself
            ended = True
        except OSError:
            pass
    except _Cancelled:
        status = RunStatus.CANCELLED
    except _ChildGone as exc:
        status, error = RunStatus.FAILED, str(exc)
    except (OSError, EOFError) as exc:
        status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
    finally:
        _stop(proc, ended)
        for c in (ctrl, ctrl_child, data_r, data_w):
            if c is not None:
                c.close()
        if q is not None:
            q.close()
            q.join_thread()
            _close_queue_reader(q)
        if shm is not None:
            shm.close()
            try:
                shm.unlink()  # also tells the resource tracker it is gone
            except FileNotFoundError:
                pass
    return IpcResult(params, tuple(measurements), method, shm_name, status, error)


def _transfer(method: str, size: int, ctrl: Connection, data_r: Connection, q: Any,
              shm: shared_memory.SharedMemory | None, proc: Any, cancel: threading.Event) -> tuple[float, bool]:
    """Ask the child for ``size`` bytes by ``method``; (latency, checksum ok)."""
    try:
        ctrl.send((method, size))
    except OSError:
        raise _ChildGone(_gone(proc)) from None
    if method == "queue":
        received = _queue_get(q, proc, cancel)
        t1 = now()
    elif method == "pipe":
        _wait_readable(data_r, proc, cancel, TRANSFER_TIMEOUT_S)
        try:
            received = data_r.recv_bytes()
        except (EOFError, OSError):
            raise _ChildGone(_gone(proc)) from None
        t1 = now()
    else:
        received = None
    msg = _recv(ctrl, proc, cancel, TRANSFER_TIMEOUT_S)
    if method == "shm":
        t1 = now()
        assert shm is not None
        view = receive_shm(shm, size)
        try:
            ok = payload_checksum(view) == msg[2]
        finally:
            del view  # the block can only be closed when no view of it is left
    else:
        assert received is not None  # queue or pipe
        ok = len(received) == size and payload_checksum(received) == msg[2]
    return t1 - msg[1], ok


def _queue_get(q: Any, proc: Any, cancel: threading.Event) -> bytes:
    import queue as queue_mod

    deadline = now() + TRANSFER_TIMEOUT_S
    while True:
        if cancel.is_set():
            raise _Cancelled
        try:
            return q.get(timeout=POLL_S)
        except queue_mod.Empty:
            pass
        except (EOFError, OSError):
            raise _ChildGone(_gone(proc)) from None
        if not proc.is_alive():
            try:  # it may have finished sending just before it died
                return q.get(timeout=POLL_S)
            except (queue_mod.Empty, EOFError, OSError):
                raise _ChildGone(_gone(proc)) from None
        if now() > deadline:
            raise _ChildGone(f"the child sent nothing for {TRANSFER_TIMEOUT_S:g} s")


def _wait_readable(conn: Connection, proc: Any, cancel: threading.Event, timeout: float) -> None:
    deadline = now() + timeout
    while True:
        if cancel.is_set():
            raise _Cancelled
        ready = wait([conn, proc.sentinel], timeout=POLL_S)
        if conn in ready:
            return
        if ready:  # the sentinel: the child has ended, and sent nothing more
            raise _ChildGone(_gone(proc))
        if now() > deadline:
            raise _ChildGone(f"the child sent nothing for {timeout:g} s")


def _recv(conn: Connection, proc: Any, cancel: threading.Event, timeout: float) -> tuple:
    _wait_readable(conn, proc, cancel, timeout)
    try:
        return conn.recv()
    except (EOFError, OSError):
        raise _ChildGone(_gone(proc)) from None


def _gone(proc: Any) -> str:
    proc.join(1.0)
    code = proc.exitcode
    if code is None:
        return "the child process stopped answering"
    if code < 0:
        import signal

        try:
            return f"the child process was killed by {signal.Signals(-code).name}"
        except ValueError:
            pass
    return f"the child process ended early (exit code {code})"


def _stop(proc: Any, ended: bool) -> None:
    """Wait for a child told to stop; terminate one that was not (cancel, error, Ctrl+C).

    Terminating (rather than closing its pipes under it) also keeps a queue's feeder thread
    from printing a BrokenPipeError traceback in the child.
    """
    if proc is None or proc.pid is None:  # never started
        return
    if ended:
        proc.join(2.0)
    if proc.exitcode is None:
        proc.terminate()
        proc.join(2.0)
    if proc.exitcode is None:
        proc.kill()
        proc.join()
    proc.close()


def _close_queue_writer(q: Any) -> None:
    # multiprocessing.Queue has no public way to say "this process only reads".
    writer = getattr(q, "_writer", None)
    if writer is not None:
        writer.close()


def _close_queue_reader(q: Any) -> None:
    reader = getattr(q, "_reader", None)
    if reader is not None:
        reader.close()


def _shm_room() -> int | None:
    try:
        st = os.statvfs("/dev/shm")
    except (OSError, AttributeError):
        return None
    return st.f_bavail * st.f_frsize


def shm_leftovers() -> list[str]:
    """Our blocks still in /dev/shm (should always be empty after a run)."""
    try:
        return sorted(n for n in os.listdir("/dev/shm") if n.startswith(SHM_PREFIX))
    except OSError:
        return []


# --- words ------------------------------------------------------------------------


def explain(result: IpcResult | None = None) -> str:
    text = f"{EXPLANATION} {interpreter_facts()}"
    if result is None or not result.measurements:
        return text
    biggest = max(m.size for m in result.measurements)
    at_max = {m.method: m for m in result.measurements if m.size == biggest}
    smallest = min(m.size for m in result.measurements)
    at_min = {m.method: m for m in result.measurements if m.size == smallest}
    best = max(at_max.values(), key=lambda m: m.mb_s)
    lines = [text, f"At {format_size(biggest)}: " + ", ".join(
        f"{m.method} {m.mb_s:,.0f} MB/s" for m in at_max.values()) + f"; {best.method} was fastest.",
        f"At {format_size(smallest)}: " + ", ".join(
            f"{m.method} {m.latency_s * 1e6:,.0f} µs" for m in at_min.values()) + "."]
    lines.append("Every payload's checksum matched." if result.all_verified else "SOME CHECKSUMS DID NOT MATCH.")
    return "\n".join(lines)


def summary(result: IpcResult) -> list[str]:
    p = result.params
    lines = [f"child -> parent, {', '.join(p.methods)}; {format_size(p.min_size)} .. {format_size(p.max_size)}, "
             f"median of {p.repeats} (above {format_size(LARGE)}: {p.large_repeats}); "
             f"child started with {result.start_method}"]
    lines.append(f"{'size':>10}  " + "".join(f"{m + ' ms':>12}{m + ' MB/s':>12}" for m in p.methods) + "  checksums")
    by = {(m.method, m.size): m for m in result.measurements}
    for size in p.sizes:
        row = [by.get((m, size)) for m in p.methods]
        if all(r is None for r in row):
            continue
        cells = "".join(f"{'-':>12}{'-':>12}" if r is None else f"{r.latency_s * 1000:>12.3f}{r.mb_s:>12,.0f}"
                        for r in row)
        ok = "ok" if all(r is not None and r.verified for r in row) else "MISMATCH"
        lines.append(f"{format_size(size):>10}  {cells}  {ok}")
    lines.append(f"status {result.status.value}" + (f": {result.error}" if result.error else ""))
    return lines
