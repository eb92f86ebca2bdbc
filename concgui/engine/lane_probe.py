"""The lane probe: a tiny process that reads each worker thread's CPU time ~100 times a second.

Why a separate process: a sampler *thread* in the app would need the app's
GIL for every reading, so it would wait behind the very pure-Python threads
it is meant to observe, and each reading would take the GIL away from them
(distorting what it measures). This process has its own GIL. It reads, for
every watched worker, ``/proc/<pid>/task/<tid>/schedstat`` (first field:
nanoseconds the thread has spent on a CPU; readable by the same user, no
root) through a file descriptor kept open and re-read with ``pread``
(~0.5 µs a reading). Where schedstat is missing it falls back to the
thread's ``stat`` (utime + stime, in 10 ms clock ticks), and off Linux to
psutil's per-thread times.

Protocol (:mod:`concgui.engine.messages`): the parent sends on ``cmd``
:class:`~concgui.engine.messages.Watch`, :class:`~concgui.engine.messages.Unwatch`
and :class:`~concgui.engine.messages.SendEvery`, or ``None`` to stop. The probe
sends on ``data`` lists of :class:`~concgui.engine.messages.LaneReading` every
``send_every`` seconds (0.1 by default), only while something is watched;
idle, it blocks on ``cmd`` and costs nothing. Each batch wakes a
reader thread in the app, which takes the app's GIL: while the app's own
threads hold it, the app asks for fewer, larger batches. It imports neither
numpy nor Qt.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection
from typing import Any, Callable

from concgui.engine.clock import now
from concgui.engine.messages import LaneCommand, LaneKey, LaneReading, SendEvery, Unwatch, Watch

SEND_EVERY_S = 0.1

_TICK_S = 1.0 / (os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100)


def _reader(pid: int, tid: int) -> Callable[[], float] | None:
    """A function returning the thread's CPU seconds so far (raises OSError once it is gone)."""
    base = f"/proc/{pid}/task/{tid}"
    if sys.platform.startswith("linux"):
        try:
            fd = os.open(f"{base}/schedstat", os.O_RDONLY)

            def read_schedstat() -> float:
                return int(os.pread(fd, 128, 0).split()[0]) / 1e9

            read_schedstat.close = lambda: os.close(fd)  # type: ignore[attr-defined]
            read_schedstat()
            return read_schedstat
        except (OSError, ValueError, IndexError):
            pass
        try:
            fd2 = os.open(f"{base}/stat", os.O_RDONLY)

            def read_stat() -> float:
                raw = os.pread(fd2, 1024, 0)
                fields = raw[raw.rindex(b")") + 2:].split()
                return (int(fields[11]) + int(fields[12])) * _TICK_S

            read_stat.close = lambda: os.close(fd2)  # type: ignore[attr-defined]
            read_stat()
            return read_stat
        except (OSError, ValueError, IndexError):
            return None
    try:
        import psutil

        proc = psutil.Process(pid)

        def read_psutil() -> float:
            for th in proc.threads():
                if th.id == tid:
                    return th.user_time + th.system_time
            raise OSError("thread gone")

        read_psutil()
        return read_psutil
    except Exception:  # noqa: BLE001 (no per-thread times here: this lane stays empty)
        return None


def _close(read: Any) -> None:
    close = getattr(read, "close", None)
    if close is not None:
        try:
            close()
        except OSError:
            pass


def lane_probe_main(cmd: Connection, data: Connection, interval: float) -> None:
    """Sample every watched thread's CPU time every ``interval`` s; see the module docstring."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's to handle (it stops us)
    # (Imports nothing of concgui but the leaf modules clock and messages: it must be watching
    # within milliseconds of its start.)
    watched: dict[LaneKey, Callable[[], float]] = {}
    buf: list[LaneReading] = []
    last_send = now()
    due = now()
    send_every = SEND_EVERY_S

    def sample(keys: list[LaneKey]) -> None:
        t = now()
        row: list[tuple[LaneKey, float]] = []
        for key in keys:
            read = watched.get(key)
            if read is None:
                continue
            try:
                row.append((key, read()))
            except (OSError, ValueError, IndexError):
                _close(watched.pop(key))  # the thread has ended
        if row:
            buf.append(LaneReading(t, tuple(row)))

    try:
        while True:
            timeout = None if not watched else max(0.0, due - now())
            if cmd.poll(timeout):
                msg: LaneCommand = cmd.recv()
                if msg is None:
                    return
                if isinstance(msg, SendEvery):
                    send_every = float(msg.seconds)
                elif isinstance(msg, Watch):
                    key = msg.key
                    if key not in watched:
                        read = _reader(msg.pid, msg.tid)
                        if read is not None:
                            if not watched:
                                due = now()
                            watched[key] = read
                            sample([key])
                elif isinstance(msg, Unwatch):
                    gone = [k for k in watched if k[0] == msg.run_id]
                    sample(gone)  # a last reading, then let go
                    for k in gone:
                        _close(watched.pop(k, None))
                    if not watched and buf:
                        data.send(buf)
                        buf = []
                continue
            t = now()
            due = max(due + interval, t)  # steady rate; no burst after a stall
            sample(list(watched))
            if buf and (t - last_send >= send_every or not watched):
                data.send(buf)
                buf = []
                last_send = t
    except (EOFError, OSError, KeyboardInterrupt):
        pass
    finally:
        for read in watched.values():
            _close(read)
        data.close()
        cmd.close()
