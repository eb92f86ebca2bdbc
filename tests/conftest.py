"""Shared test setup: headless Qt, and a leak check around every test.

The leak check fails a test that leaves behind Python threads or child
processes it started. It allows what multiprocessing keeps by design for the
life of the interpreter: the resource tracker and the fork server (both direct
children of this process; pool workers forked *by* the fork server share its
command line but are its children, so they are still caught).

QThreads cannot be enumerated in general; the GUI tests check their own.
"""

from __future__ import annotations

import os

# Before anything imports Qt or creates a QApplication (Qt reads it then):
# the tests run headless, on a desktop or in CI alike.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading  # noqa: E402
import time  # noqa: E402

import psutil  # noqa: E402
import pytest  # noqa: E402

from tests.helpers import alive, is_mp_helper, kill  # noqa: E402

#: How long a test's threads and processes may take to wind down after it.
LEAK_GRACE_S = 3.0
_POLL_S = 0.02
#: Threads multiprocessing may start for its helpers (none on CPython 3.11, but
#: names differ between versions); matched against the thread's name.
#: Threads of the standard library's and Dask's own, made once per process and idle between uses: Dask's client
#: keeps one pool thread for done-callbacks and one for offloading (de)serialization for the process's life.
_HELPER_THREAD_WORDS = ("resource_tracker", "forkserver", "QueueFeederThread", "Dask-Callback-Thread",
                        "Dask-Offload")


try:  # hypothesis: no example database (it would leave a .hypothesis/ folder in the checkout)
    from hypothesis import settings as _hyp_settings

    _hyp_settings.register_profile("concgui", database=None, deadline=None)
    _hyp_settings.load_profile("concgui")
except ImportError:  # hypothesis is optional; only tests/engine/test_config.py uses it
    pass


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "allow_leaks: skip the thread/process leak check for this test (say why in the test)",
    )


# --- threads -------------------------------------------------------------------


def _os_thread_ids() -> set[int]:
    try:
        return {t.id for t in psutil.Process().threads()}
    except psutil.Error:
        return set()


def _really_alive(t: threading.Thread, os_ids: set[int]) -> bool:
    if not t.is_alive():
        return False
    # A _DummyThread (a foreign thread, e.g. a QThread, that called into
    # threading) stays in threading.enumerate() forever on 3.11 and always
    # says it is alive; ask the OS instead.
    if isinstance(t, threading._DummyThread):  # type: ignore[attr-defined]
        return t.native_id in os_ids if t.native_id is not None else False
    return True


def _is_helper_thread(t: threading.Thread) -> bool:
    return any(w in t.name for w in _HELPER_THREAD_WORDS)


def _leaked_threads(before: set[int]) -> list[threading.Thread]:
    os_ids = _os_thread_ids()
    return [
        t for t in threading.enumerate()
        if id(t) not in before and not _is_helper_thread(t) and _really_alive(t, os_ids)
    ]


# --- processes -----------------------------------------------------------------


def _cmdline(p: psutil.Process) -> str:
    try:
        return " ".join(p.cmdline())
    except psutil.Error:
        return "?"


def _children() -> dict[int, psutil.Process]:
    try:
        return {p.pid: p for p in psutil.Process().children(recursive=True)}
    except psutil.Error:
        return {}


def _leaked_processes(before: dict[int, float]) -> list[psutil.Process]:
    out = []
    for pid, p in _children().items():
        try:
            created = p.create_time()
        except psutil.Error:
            continue
        if before.get(pid) == created:
            continue  # existed before the test (pid reuse: compare start times too)
        if alive(p) and not is_mp_helper(p):
            out.append(p)
    return out


def _snapshot_processes() -> dict[int, float]:
    snap = {}
    for pid, p in _children().items():
        try:
            snap[pid] = p.create_time()
        except psutil.Error:
            pass
    return snap


def _describe_process(p: psutil.Process) -> str:
    try:
        parent = p.ppid()
    except psutil.Error:
        parent = "?"
    return f"pid {p.pid} (parent {parent}): {_cmdline(p)[:200]}"


@pytest.fixture(autouse=True)
def no_leaks(request: pytest.FixtureRequest):
    """Fail a test that leaves threads or child processes running after it."""
    if request.node.get_closest_marker("allow_leaks"):
        yield
        return
    threads_before = {id(t) for t in threading.enumerate()}
    procs_before = _snapshot_processes()
    yield
    deadline = time.monotonic() + LEAK_GRACE_S
    while True:
        threads = _leaked_threads(threads_before)
        procs = _leaked_processes(procs_before)
        if not threads and not procs:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(_POLL_S)  # polling interval of a deadline loop, not a fixed wait
    problems = []
    if threads:
        problems.append("threads still running: " + ", ".join(
            f"{t.name!r} (ident {t.ident}, daemon={t.daemon})" for t in threads))
    if procs:
        problems.append("child processes still running (killed now): " + "; ".join(
            _describe_process(p) for p in procs))
        kill(procs)
    pytest.fail(f"test leaked after {LEAK_GRACE_S:.0f} s grace: " + " | ".join(problems), pytrace=False)
