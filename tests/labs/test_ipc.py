"""IPC: every payload verifies, and shared memory never outlives a run (done, cancelled, crashed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from multiprocessing import shared_memory
from pathlib import Path

import pytest

from concgui.engine import startmethods
from concgui.engine.config import ConfigError
from concgui.engine.events import RunStatus
from concgui.labs import ipc

from tests.helpers import alive

from ._util import Recorder, shm_entries

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


@pytest.fixture
def no_shm_leftovers():
    before = shm_entries()
    yield
    assert shm_entries() - before == set()
    assert ipc.shm_leftovers() == []


def test_every_payload_verifies(no_shm_leftovers) -> None:
    rec = Recorder()
    p = ipc.IpcParams(min_size=1024, max_size=256 * 1024, factor=4, repeats=2)
    r = ipc.run(p, rec)
    assert r.status is RunStatus.DONE, r.error
    assert r.start_method == startmethods.default() != "fork"
    assert p.sizes == (1024, 4096, 16384, 65536, 262144)
    assert [(m.method, m.size) for m in r.measurements] == [(m, s) for s in p.sizes for m in ipc.METHODS]
    assert r.all_verified and all(m.verified and m.repeats == 2 for m in r.measurements)
    assert all(m.latency_s > 0 and m.mb_s > 0 and m.best_s <= m.latency_s for m in r.measurements)
    assert [e.measurement for e in rec.of(ipc.IpcSizeDone)] == list(r.measurements)
    assert len(rec.of(ipc.IpcTransferStarted)) == len(p.sizes) * 3 * 2
    (child,) = rec.of(ipc.IpcChildStarted)
    assert child.shm_name and child.shm_name.startswith(ipc.SHM_PREFIX)
    assert not alive(child.pid)
    assert rec.threads == {threading.get_ident()}
    assert "Every payload's checksum matched" in ipc.explain(r)


def test_a_size_that_is_not_a_power_of_the_factor_is_kept() -> None:
    assert ipc.IpcParams(min_size=1000, max_size=5000, factor=4).sizes == (1000, 4000, 5000)
    assert ipc.IpcParams(min_size=10, max_size=10).sizes == (10,)


def test_verification_can_fail(monkeypatch: pytest.MonkeyPatch, no_shm_leftovers) -> None:
    """The parent's check is real: with a different checksum in the parent only, nothing verifies.

    (The child, started by the fork server or spawned, imports its own unpatched module.)
    """
    monkeypatch.setattr(ipc, "payload_checksum", lambda buf: "not the digest")
    r = ipc.run(ipc.IpcParams(min_size=4096, max_size=4096, repeats=1))
    assert r.status is RunStatus.DONE
    assert r.measurements and not any(m.verified for m in r.measurements)
    assert "DID NOT MATCH" in ipc.explain(r)


def test_payload_is_deterministic_across_chunks() -> None:
    a = ipc.make_payload(7, 10_000, chunk=4096)
    assert a == ipc.make_payload(7, 10_000, chunk=4096) != ipc.make_payload(8, 10_000, chunk=4096)
    assert ipc.make_payload(7, 5000, chunk=4096) == a[:5000]  # a smaller size is a prefix
    assert a[:4096] != a[4096:8192]  # chunks differ


def test_shared_memory_view_is_not_a_copy() -> None:
    shm = shared_memory.SharedMemory(create=True, size=4096, name=f"{ipc.SHM_PREFIX}test_{os.getpid()}")
    try:
        view = ipc.receive_shm(shm, 100)
        shm.buf[7] = 42
        assert view[7] == 42 and view.shape == (100,)
        assert not view.flags.owndata
        del view
    finally:
        shm.close()
        shm.unlink()


def test_cancel_mid_run_cleans_up(no_shm_leftovers) -> None:
    cancel = threading.Event()
    t_cancel: list[float] = []
    pids: list[int] = []

    def hook(ev) -> None:
        if isinstance(ev, ipc.IpcChildStarted):
            pids.append(ev.pid)
        if isinstance(ev, ipc.IpcTransferStarted) and ev.size >= MIB and not cancel.is_set():
            t_cancel.append(time.perf_counter())
            cancel.set()

    r = ipc.run(ipc.IpcParams(min_size=64 * 1024, max_size=16 * MIB, repeats=1), Recorder(hook), cancel)
    assert time.perf_counter() - t_cancel[0] < 1.0
    assert r.status is RunStatus.CANCELLED and r.error is None
    assert r.measurements and all(m.size < 16 * MIB for m in r.measurements)
    assert not alive(pids[0])


def _kill_when(pid: int, started: threading.Event, ready, done: threading.Event, out: dict) -> threading.Thread:
    """A thread that SIGKILLs ``pid`` the moment ``ready()`` says the child is mid-transfer."""

    def body() -> None:
        deadline = time.monotonic() + 10
        while not started.is_set() and not done.is_set() and time.monotonic() < deadline:
            time.sleep(0.0002)  # poll interval
        while not done.is_set() and time.monotonic() < deadline:
            state = ready()
            if state is not None:
                os.kill(pid, signal.SIGKILL)
                out["state"] = state
                return
            time.sleep(0)  # poll as tightly as we can: the transfer lasts only milliseconds

    t = threading.Thread(target=body, name="killer")
    t.start()
    return t


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="watches /proc and /dev/shm")
@pytest.mark.parametrize("method", ipc.METHODS)
def test_child_killed_mid_transfer(method: str, no_shm_leftovers) -> None:
    """Kill the child while a 64 MiB payload is on its way; the run fails cleanly, nothing is left.

    The watcher must catch the transfer in the act (a few to tens of milliseconds); on a very
    busy machine it can miss, so a run where it did not is tried again (at most 3 runs).
    """
    for _attempt in range(3):
        r, out, pid = _run_and_kill(method)
        if out.get("state") in ("mid-copy", "mid-write"):
            break
    assert out.get("state") in ("mid-copy", "mid-write"), out
    assert r.status is RunStatus.FAILED, (r.status, r.error)
    assert "killed by SIGKILL" in r.error
    assert not alive(pid)


def _run_and_kill(method: str):
    size = 64 * MIB
    started = threading.Event()
    done = threading.Event()
    out: dict = {}
    killer: list[threading.Thread] = []
    child: list = []

    def hook(ev) -> None:
        if isinstance(ev, ipc.IpcChildStarted):
            child.append(ev)
            if method == "shm":
                fd = os.open(f"/dev/shm/{ev.shm_name}", os.O_RDONLY)
                out["fd"] = fd

                def ready():  # the copy has reached the middle of the block but not its end
                    if any(os.pread(fd, 64, size // 2)):
                        return "end written" if any(os.pread(fd, 64, size - 64)) else "mid-copy"
                    return None
            else:
                io_file = f"/proc/self/task/{threading.get_native_id()}/io"  # this (the reading) thread only
                base: list[int] = []

                def rchar() -> int:
                    with open(io_file) as f:
                        return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))

                def ready():  # the parent has read 1 MiB of the payload (the child's write call still runs)
                    if not base:
                        return None
                    return "mid-write" if rchar() - base[0] > MIB else None

                out["base"] = lambda: base.append(rchar())
            killer.append(_kill_when(ev.pid, started, ready, done, out))
        if isinstance(ev, ipc.IpcTransferStarted) and ev.size == size:
            if "base" in out:
                out["base"]()
            started.set()

    try:
        r = ipc.run(ipc.IpcParams(methods=(method,), min_size=size, max_size=size, repeats=1), Recorder(hook))
    finally:
        done.set()
        for t in killer:
            t.join()
        if "fd" in out:
            os.close(out["fd"])
    return r, out, child[0].pid



def test_no_resource_tracker_warnings_at_exit() -> None:
    """Done, cancelled and crashed runs in a fresh interpreter: stderr stays clean at exit."""
    script = textwrap.dedent("""
        import os, signal, threading
        from concgui.labs import ipc

        r = ipc.run(ipc.IpcParams(min_size=1024, max_size=1 << 20, repeats=1))
        assert r.status.value == "done" and r.all_verified, r

        cancel = threading.Event()
        def stop(ev):
            if isinstance(ev, ipc.IpcTransferStarted) and ev.size >= 1 << 16:
                cancel.set()
        r = ipc.run(ipc.IpcParams(min_size=1024, max_size=1 << 20, repeats=1), stop, cancel)
        assert r.status.value == "cancelled", r

        def kill(ev):
            if isinstance(ev, ipc.IpcChildStarted):
                kill.pid = ev.pid
            if isinstance(ev, ipc.IpcTransferStarted) and ev.size >= 1 << 16:
                os.kill(kill.pid, signal.SIGKILL)
        r = ipc.run(ipc.IpcParams(min_size=1024, max_size=1 << 20, repeats=1), kill)
        assert r.status.value == "failed" and "SIGKILL" in r.error, r
        assert ipc.shm_leftovers() == []
        print("ok")
    """)
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    assert "resource_tracker" not in proc.stderr, proc.stderr
    assert "leaked" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("kwargs", [
    {"max_size": 0}, {"max_size": 1024 ** 3}, {"min_size": 2048, "max_size": 1024}, {"methods": ()},
    {"methods": ("tcp",)}, {"methods": ("pipe", "pipe")}, {"factor": 1}, {"repeats": 0},
    {"start_method": "nope"},
])
def test_bad_params(kwargs) -> None:
    with pytest.raises(ConfigError):
        ipc.IpcParams(**kwargs)
