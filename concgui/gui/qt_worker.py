"""The one place the GUI makes QThreads, and the one rule for their lives.

Two kinds of QThread exist in concgui, both made here and nowhere else:

- **a worker thread with an event loop** (:class:`QtWorker`): a GUI-side
  object that owns one QThread, moves a job object onto it and sends it
  requests by a queued signal. The run driver (engine runs) and the lab runner
  (labs) are thin adapters over it. Whatever they do, they share one
  vocabulary: ``start`` refuses while busy or closed, ``cancel`` sets a
  ``threading.Event`` the work polls, the GUI thread never waits on the work,
  and ``shutdown`` waits with a bound;
- **a task thread** (:class:`QThreadWorker`, via :func:`qthread_factory`): one
  worker of a "Threads (QThreads in this window)" run, running the engine's
  :class:`~concgui.engine.threads.ThreadLoop`, exactly the loop the CLI runs
  on ``threading.Thread``.

A QThread that misses its shutdown bound is kept referenced in one list
(:func:`abandoned_threads_running`): Python must never destroy a running
QThread (Qt aborts the process), so the app's exit path asks before it lets
the interpreter tear down.

The rate limit both workers use for what they send the GUI thread
(:class:`RateLimit`) lives here too: every signal from a busy worker is one
more trip into Python, and one more wait for the GIL, on the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from PySide6.QtCore import QObject, QThread, Signal

from concgui.engine.clock import now
from concgui.engine.threads import ThreadLoop

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 5.0

#: QThreads that did not stop within their shutdown bound, kept so they are never destroyed while running.
_ABANDONED: list[QThread] = []


def abandoned_threads_running() -> bool:
    """Whether a worker thread that missed its shutdown bound is still running (then exit without teardown)."""
    return any(t.isRunning() for t in _ABANDONED)


def forget_python_thread() -> None:
    """Drop the ``threading`` module's record of this foreign (Qt-made) thread.

    Python code that calls ``threading.current_thread()`` on a QThread makes
    CPython register a ``_DummyThread`` that, before 3.13, stays listed in
    ``threading.enumerate()`` forever. Called as a QThread ends, so thread-leak
    checks see only threads that are really running.
    """
    t = threading.current_thread()
    if isinstance(t, threading._DummyThread):  # no public way to unregister
        active = getattr(threading, "_active", None)
        if isinstance(active, dict):
            active.pop(threading.get_ident(), None)


class RateLimit:
    """``due()`` is True at most once per ``interval_s`` (and always the first time).

    A worker folds what happens between two due times and sends one message,
    instead of one signal per event.
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._last = float("-inf")

    def due(self) -> bool:
        return now() - self._last >= self.interval_s

    def mark(self) -> None:
        """Something was sent now: the next is due ``interval_s`` from here."""
        self._last = now()


class _EventLoopThread(QThread):
    """A QThread running an event loop, for a job object moved onto it."""

    def __init__(self, name: str, python_name: str | None) -> None:
        super().__init__()
        self.setObjectName("concgui-" + name.replace(" ", "-"))
        self._python_name = python_name

    def run(self) -> None:
        if self._python_name:
            # Serial runs name their one worker after the thread they run on.
            threading.current_thread().name = self._python_name
        try:
            self.exec()
        finally:
            forget_python_thread()


class QtWorker(QObject):
    """Owns one QThread with an event loop and a job object on it; the busy / cancel / shutdown rule.

    Subclasses make the job (a QObject with slots), connect its signals, and
    call :meth:`_request` to hand it work. ``busy`` is True from
    :meth:`_begin` until the subclass calls :meth:`_end` (when the job says it
    is done), so there is one batch of work at a time.
    """

    _requested = Signal(object)

    def __init__(self, name: str, python_name: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = name
        self._python_name = python_name
        self._thread: _EventLoopThread | None = None
        self._cancel: threading.Event | None = None
        self._busy = False
        self._closed = False

    # -- the thread -------------------------------------------------------------------------

    def _start_thread(self, job: QObject, slot: Callable[[object], None]) -> None:
        """Start the thread (once) with ``job`` on it; :meth:`_request` then calls ``slot`` there."""
        if self._thread is not None:
            return
        self._thread = _EventLoopThread(self._name, self._python_name)
        job.moveToThread(self._thread)
        self._requested.connect(slot)
        self._thread.start()

    @property
    def thread_running(self) -> bool:
        """Whether the worker's QThread is running (False before first use and after shutdown)."""
        return self._thread is not None and self._thread.isRunning()

    # -- busy and cancel ----------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def closed(self) -> bool:
        return self._closed

    def _begin(self, what: str = "a run") -> threading.Event:
        """Mark busy and make the cancel flag for the work about to start; raise if that cannot be."""
        if self._closed:
            raise RuntimeError(f"the {self._name} has been shut down")
        if self._busy:
            raise RuntimeError(f"{what} is already in progress")
        self._busy = True
        self._cancel = threading.Event()
        return self._cancel

    def _request(self, request: object) -> None:
        """Hand ``request`` to the job on its thread (a queued call); returns at once."""
        self._requested.emit(request)

    def _end(self) -> None:
        self._busy = False
        self._cancel = None

    def cancel(self) -> None:
        """Ask the current work to stop; the job's own "done" signal follows soon after."""
        if self._cancel is not None:
            self._cancel.set()

    # -- closing ------------------------------------------------------------------------------

    def shutdown(self, timeout_s: float = SHUTDOWN_TIMEOUT_S) -> bool:
        """Cancel, stop the thread (waiting at most ``timeout_s``), then :meth:`_close_resources`. Idempotent.

        Returns False if the thread did not stop in time: it is then kept
        referenced rather than destroyed while running.
        """
        if self._closed:
            return True
        self._closed = True
        self.cancel()
        stopped = True
        if self._thread is not None:
            self._thread.quit()
            stopped = self._thread.wait(max(0, int(timeout_s * 1000)))
            if not stopped:
                _ABANDONED.append(self._thread)
                log.warning("the %s did not stop in time; leaving it to finish", self._name)
        self._close_resources()
        self._end()
        return stopped

    def _close_resources(self) -> None:
        """What the subclass holds besides the thread (a process pool): closed after the thread stopped."""


class QThreadWorker(QThread):
    """One worker of a thread run: runs ``loop.run(name)`` on its own QThread."""

    def __init__(self, name: str, loop: ThreadLoop) -> None:
        super().__init__()
        self.setObjectName(name)
        self._name = name
        self._loop = loop

    def run(self) -> None:  # on the worker's own thread
        try:
            self._loop.run(self._name)
        finally:
            forget_python_thread()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end, like ``threading.Thread.join``; True if it did."""
        if timeout is None:
            return self.wait()
        return self.wait(max(0, int(timeout * 1000)))


def qthread_factory(name: str, loop: ThreadLoop) -> QThreadWorker:
    """The ``thread_factory`` the GUI gives :class:`~concgui.engine.runner.Runner`: task threads that are QThreads."""
    return QThreadWorker(name, loop)
