"""Ctrl+C and SIGTERM close the window cleanly, even in the middle of a run.

Python runs a signal handler only when the interpreter gets control on the
main thread; while Qt's event loop waits inside C++ it never does, so a bare
``signal.signal(SIGINT, ...)`` would wait for the next mouse move. The
standard cure: :func:`signal.set_wakeup_fd` makes the C-level handler write a
byte to a socket, a :class:`QSocketNotifier` on the other end wakes the event
loop, and the Python handler runs as soon as the slot's bytecode does.

The handler itself does almost nothing: it may run *inside* a run on the GUI
thread (the "wrong way" mode runs Python on the main thread, and a handler
runs between two of its bytecodes), so it only sets the run's cancel event
(thread-safe) and queues the real work, closing every window, for when the
event loop is back. Closing the window is the normal path: cancel, stop the
run driver, the pool and the CPU probe, then quit.

Exit codes: Ctrl+C (SIGINT) ends with 130, like the CLI; SIGTERM is a polite
"close the window" and ends as a closed window does (0). A second signal while
the first is still being handled ends the process at once (``os._exit``): the
worker processes watch their parent and follow within about a second.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Slot
from PySide6.QtWidgets import QApplication

EXIT_INTERRUPTED = 130
#: The signals that close the window (those this platform has).
QUIT_SIGNALS = tuple(s for s in (getattr(signal, "SIGINT", None), getattr(signal, "SIGTERM", None)) if s)


class QuitOnSignals(QObject):
    """While installed, SIGINT/SIGTERM close all windows and quit ``app``.

    ``cancel`` is called from the handler itself (it must only set a
    ``threading.Event`` or similar); :attr:`signum` is the first signal seen.
    Call :meth:`uninstall` after the event loop returned (it restores the
    previous handlers and wakeup fd).
    """

    def __init__(self, app: QApplication, cancel: Callable[[], None] | None = None,
                 signals: tuple[int, ...] = QUIT_SIGNALS) -> None:
        super().__init__(app)
        self._app = app
        self._cancel = cancel
        self.signum: int | None = None
        self._old_handlers: dict[int, object] = {}
        self._old_fd: int | None = None
        self._notifier: QSocketNotifier | None = None
        self._rsock, self._wsock = socket.socketpair()
        for s in (self._rsock, self._wsock):
            s.setblocking(False)
        try:
            self._old_fd = signal.set_wakeup_fd(self._wsock.fileno(), warn_on_full_buffer=False)
        except ValueError:  # not the main thread: leave signals alone
            self._close_sockets()
            return
        self._notifier = QSocketNotifier(self._rsock.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_notifier_activated)
        for s in signals:
            self._old_handlers[s] = signal.signal(s, self._handle)

    @property
    def installed(self) -> bool:
        return bool(self._old_handlers)

    @property
    def exit_code(self) -> int | None:
        """130 after Ctrl+C; None otherwise (the app's own exit code stands)."""
        return EXIT_INTERRUPTED if self.signum == getattr(signal, "SIGINT", -1) else None

    def _handle(self, signum: int, _frame: object) -> None:
        # On the main thread, between two bytecodes: maybe in the middle of a run
        # on the GUI thread. Set flags and queue the rest; nothing that waits.
        if self.signum is not None:
            # Asked twice: the clean path is stuck (or the user is in a hurry).
            sys.stderr.write("concgui: quitting now\n")
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED if signum == getattr(signal, "SIGINT", -1) else 128 + signum)
        self.signum = signum
        if self._cancel is not None:
            self._cancel()
        QTimer.singleShot(0, self._quit)

    @Slot()
    def _on_notifier_activated(self) -> None:
        # Just drain the socket: the Python-level handler has run (or runs now).
        try:
            while self._rsock.recv(512):
                pass
        except OSError:
            pass

    @Slot()
    def _quit(self) -> None:
        if self.signum == getattr(signal, "SIGINT", -1):
            print("concgui: interrupted", file=sys.stderr, flush=True)
        self._app.closeAllWindows()  # each window shuts its runs down in closeEvent
        self._app.exit(self.exit_code or 0)  # even if a window refused to close

    def uninstall(self) -> None:
        """Restore the previous handlers and wakeup fd. Idempotent."""
        for s, old in self._old_handlers.items():
            signal.signal(s, old)  # type: ignore[arg-type]
        self._old_handlers = {}
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier = None
            signal.set_wakeup_fd(self._old_fd if self._old_fd is not None else -1)
        self._close_sockets()

    def _close_sockets(self) -> None:
        for s in (self._rsock, self._wsock):
            s.close()


def install(app: QApplication, cancel: Callable[[], None] | None = None) -> QuitOnSignals:
    """Make Ctrl+C and SIGTERM close ``app``'s windows cleanly (see the module docstring)."""
    return QuitOnSignals(app, cancel)
