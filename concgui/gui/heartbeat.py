"""How late the GUI thread's event loop is: the "my window stutters" meter.

A single-shot precise timer is re-armed on each tick (a repeating timer would
hide lateness), and each tick records how late it fired. When the GUI thread
is busy (a run on the GUI thread) or starved of the GIL (pure-Python work on
other threads), ticks arrive late and the numbers show it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Slot

from concgui.engine.clock import now

PERIOD_MS = 20


class Heartbeat(QObject):
    def __init__(self, period_ms: int = PERIOD_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._period_s = period_ms / 1000.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(period_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._due = now() + self._period_s
        self._max_s = 0.0  # worst lateness since reset_max()
        self._recent_s = 0.0  # worst lateness since the last recent() call

    def start(self) -> None:
        self._due = now() + self._period_s
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _pending_s(self) -> float:
        """Lateness of the tick that has not fired yet (counts a freeze in progress)."""
        return max(0.0, now() - self._due) if self._timer.isActive() else 0.0

    def reset_max(self) -> None:
        self._max_s = 0.0

    def max_s(self) -> float:
        """Worst lateness since :meth:`reset_max`, in seconds."""
        return max(self._max_s, self._pending_s())

    def recent_s(self) -> float:
        """Worst lateness since the previous call (for a live readout)."""
        late, self._recent_s = max(self._recent_s, self._pending_s()), 0.0
        return late

    @Slot()
    def _on_timer_timeout(self) -> None:
        t = now()
        late = max(0.0, t - self._due)
        self._max_s = max(self._max_s, late)
        self._recent_s = max(self._recent_s, late)
        self._due = t + self._period_s
        self._timer.start()
