"""Profiles a developer's function for the window, off the GUI thread.

:func:`concgui.engine.function_profile.profile` starts a fresh process and
waits for it; here a plain thread does that waiting (``Popen.wait`` releases
the GIL, so the window does not notice it), and a timer on the GUI thread
looks for the answer every ``POLL_MS``: no signal crosses threads, and
nothing of the developer's code is imported into the window.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from concgui.engine.function_profile import FunctionError, FunctionRef, Prepared, profile

POLL_MS = 100


class FunctionProfiler(QObject):
    """One profile at a time: :meth:`start`, then :attr:`finished` (a Prepared) or :attr:`failed` (line, details)."""

    finished = Signal(object)
    failed = Signal(str, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self._cancel = threading.Event()
        self._answer: Prepared | FunctionError | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def busy(self) -> bool:
        return self._thread is not None

    def start(self, ref: FunctionRef, tasks: int | None) -> None:
        if self._thread is not None:
            return
        self._cancel = threading.Event()
        self._answer = None
        cancel = self._cancel

        def work() -> None:
            try:
                self._answer = profile(ref, tasks, cancel)
            except FunctionError as exc:
                self._answer = exc
            except Exception as exc:  # noqa: BLE001 - shown to the person, never a crash of the window
                self._answer = FunctionError(f"profiling failed: {exc}")

        self._thread = threading.Thread(target=work, name="concgui-profile", daemon=True)
        self._thread.start()
        self._timer.start()

    def cancel(self, wait: bool = True) -> None:
        """Stop the profile (its process is killed) and, with ``wait``, its thread."""
        self._cancel.set()
        t = self._thread
        if t is not None and wait:
            t.join(5.0)
            if not t.is_alive():  # stopped, not answered: nothing to report
                self._thread, self._answer = None, None
                self._timer.stop()

    @Slot()
    def _on_timer_timeout(self) -> None:
        if self._thread is not None and not self._thread.is_alive():
            self._finish()

    def _finish(self) -> None:
        t = self._thread
        if t is None or t.is_alive():
            return
        self._thread = None
        self._timer.stop()
        answer, self._answer = self._answer, None
        if isinstance(answer, FunctionError):
            self.failed.emit(str(answer), answer.details or "")
        elif answer is not None:
            self.finished.emit(answer)
