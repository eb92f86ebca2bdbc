"""Run Python's cyclic garbage collector on the GUI thread only.

CPython collects cycles in whichever thread crosses the allocation threshold:
a worker thread can end up destroying QObjects (pyqtgraph items, widgets)
that belong to the GUI thread, which Qt does not allow and which crashes at
random. The cure used by pyqtgraph, calibre and others: turn automatic
collection off and collect from a GUI-thread timer instead, as often as the
allocation counts say is needed.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

INTERVAL_MS = 500


class GuiThreadCollector(QObject):
    """Disables automatic GC while alive; collects on its timer, on the GUI thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    @Slot()
    def _on_timer_timeout(self) -> None:
        # Collect the oldest generation whose count passed its threshold, as
        # the automatic collector would, but here, on the GUI thread.
        counts = gc.get_count()
        for gen in (2, 1, 0):
            if counts[gen] > self._thresholds[gen]:
                gc.collect(gen)
                break

    def stop(self) -> None:
        """Give collection back to the interpreter (as it was before)."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
