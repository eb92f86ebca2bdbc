"""Thread-run workers that are real QThreads.

The engine's thread executor asks a factory for workers with ``start()`` and
``join(timeout)``; :func:`qthread_factory` answers with :class:`QThreadWorker`,
so a "Threads" run in the window runs its tasks on QThreads, exactly the loop
(:class:`~concgui.engine.threads.ThreadLoop`) the CLI runs on
``threading.Thread``. A worker never touches a widget: it reports through the
loop's queue, which the run driver drains and turns into signals.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from concgui.engine.threads import ThreadLoop


def forget_python_thread() -> None:
    """Drop the ``threading`` module's record of this foreign (Qt-made) thread.

    Python code that calls ``threading.current_thread()`` on a QThread makes
    CPython register a ``_DummyThread`` that, before 3.13, stays listed in
    ``threading.enumerate()`` forever. Called as a QThread ends, so thread-leak
    checks see only threads that are really running.
    """
    t = threading.current_thread()
    if isinstance(t, threading._DummyThread):  # noqa: SLF001 - no public way to unregister
        active = getattr(threading, "_active", None)
        if isinstance(active, dict):
            active.pop(threading.get_ident(), None)


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
    """The ``thread_factory`` the GUI gives :class:`~concgui.engine.runner.Runner`."""
    return QThreadWorker(name, loop)
