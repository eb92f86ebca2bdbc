"""How late the GUI thread's event loop is: the "my window stutters" meter.

A single-shot precise timer is re-armed on each tick (a repeating timer would
hide lateness: Qt drops the ticks it missed, and a tick due during a freeze
would look on time once the freeze ends). Each tick records, in a Qt-free
:class:`~concgui.engine.latency.LatenessRecorder`, how late it fired: when
the GUI thread is busy (a run on the GUI thread, a blocking wait) or starved
of the GIL (pure-Python work on other threads), ticks arrive late and the
numbers show it. A freeze of X seconds shows up as one tick X seconds late.

:class:`HeartbeatDot` is the visible pulse: a dot that circles once a second
*only* when the heartbeat ticks. When the loop is stuck it stops; when the
GIL is contended it slows down and stutters.
"""

from __future__ import annotations

import math
from typing import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy

from concgui.engine.clock import now
from concgui.engine.latency import FRAME_S, FREEZE_S, LatenessRecorder

PERIOD_MS = 20
#: Lateness colours of the dot (and of the lag readout): on time, sluggish, frozen.
OK_COLOR, SLOW_COLOR, BAD_COLOR = "#2e7d32", "#e08a00", "#c62828"
SLOW_S = FRAME_S  # later than one 60 Hz frame: a visible stutter
BAD_S = 0.100  # later than ~100 ms: the window feels sluggish


def lateness_color(late_s: float) -> str:
    return OK_COLOR if late_s < SLOW_S else SLOW_COLOR if late_s < BAD_S else BAD_COLOR


#: Called on every tick with (time, lateness in seconds), on the GUI thread.
TickListener = Callable[[float, float], None]


class TickJob:
    """Periodic work that rides on the heartbeat's tick: ``fn(t)`` every ``period_s`` (None: paused)."""

    __slots__ = ("fn", "period_s", "next_t")

    def __init__(self, fn: Callable[[float], None], period_s: float | None) -> None:
        self.fn = fn
        self.period_s = period_s
        self.next_t = 0.0

    def set_period(self, period_s: float | None) -> None:
        self.period_s = period_s
        self.next_t = 0.0  # due at the next tick


class Heartbeat(QObject):
    """Ticks every ``period_ms`` on the GUI thread and records how late each tick was.

    Listeners (:meth:`add_listener`) and periodic jobs (:meth:`every`: plot
    redraws, the progress clock, readouts) are plain calls made from the tick's
    own slot. The tick has to take the GIL anyway; a timer or a signal of their
    own would be one more trip from Qt into Python each, and while our own
    threads hold the GIL every such trip waits for it again (a window with a
    few more timers stuttered about twice as much as a bare loop).
    """
    #: The event loop was stuck for ``FREEZE_S`` or more: (seconds stuck, time it ended).
    froze = Signal(float, float)

    def __init__(self, period_ms: int = PERIOD_MS, parent: QObject | None = None,
                 freeze_s: float = FREEZE_S) -> None:
        super().__init__(parent)
        self._period_s = period_ms / 1000.0
        self.freeze_s = freeze_s
        self.recorder = LatenessRecorder(self._period_s)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(period_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._due = now() + self._period_s
        self._max_s = 0.0  # worst lateness since reset_max()
        self._recent_s = 0.0  # worst lateness since the last recent() call
        self.ticks = 0
        self.last_s = 0.0  # lateness of the latest tick
        self._listeners: list[TickListener] = []
        self._jobs: list[TickJob] = []

    def add_listener(self, listener: TickListener) -> None:
        self._listeners.append(listener)

    def every(self, period_s: float | None, fn: Callable[[float], None]) -> TickJob:
        """Run ``fn(t)`` from the tick at most every ``period_s`` seconds; change it with ``set_period``."""
        job = TickJob(fn, period_s)
        self._jobs.append(job)
        return job

    @property
    def period_s(self) -> float:
        return self._period_s

    def start(self) -> None:
        self._due = now() + self._period_s
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

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
        # Re-arm first, so the time this slot takes does not count as the next tick's lateness.
        self._due = t + self._period_s
        self._timer.start()
        self.recorder.record(t, late)
        self.ticks += 1
        self.last_s = late
        if late > self._max_s:
            self._max_s = late
        if late > self._recent_s:
            self._recent_s = late
        for listener in self._listeners:
            listener(t, late)
        if late >= self.freeze_s:
            self.froze.emit(late, t)
        for job in self._jobs:
            if job.period_s is not None and t >= job.next_t:
                job.next_t = t + job.period_s
                job.fn(t)


class PeriodicCall:
    """``fn()`` every ``interval_ms`` while started: on ``heartbeat``'s tick if given, else on a QTimer.

    The window passes its heartbeat, so all its periodic work rides on one
    trip into Python per tick; a widget used on its own keeps a timer.
    """

    def __init__(self, fn: Callable[[], None], interval_ms: int, heartbeat: "Heartbeat | None" = None,
                 parent: QObject | None = None) -> None:
        self._interval_ms = interval_ms
        self._job = heartbeat.every(None, lambda _t: fn()) if heartbeat is not None else None
        self._timer = QTimer(parent)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(fn)

    def set_interval(self, ms: int) -> None:
        self._interval_ms = ms
        self._timer.setInterval(ms)
        if self._job is not None and self._job.period_s is not None:
            self._job.period_s = ms / 1000

    def start(self) -> None:
        if self._job is not None:
            self._job.set_period(self._interval_ms / 1000)
        else:
            self._timer.start()

    def stop(self) -> None:
        if self._job is not None:
            self._job.set_period(None)
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._job.period_s is not None if self._job is not None else self._timer.isActive()


class HeartbeatDot(QObject):
    """A dot that circles once a second, one step per heartbeat tick: :attr:`label` shows it.

    It only moves when the GUI thread's event loop runs: it stops dead during a
    freeze, and slows down and stutters when the GIL is contended. Its colour
    is the lateness of the latest tick.

    The frames are pixmaps drawn once; each tick only swaps the pixmap (from the
    tick's own slot). :attr:`label` is a plain, opaque ``QLabel``, not a Python
    subclass, so Qt repaints it in C++ alone: a Python subclass makes Qt look
    for Python overrides (taking the GIL) on every event it gets, and a
    see-through widget makes its parents repaint too.
    """

    STEPS_PER_TURN = 50  # at the nominal 20 ms period: one turn a second
    FRAMES = 25  # drawn positions per turn (a new one every second tick)

    def __init__(self, heartbeat: Heartbeat, diameter: int = 18, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.base_diameter = diameter
        self.steps = 0
        self._late = 0.0
        self.label = lab = QLabel()
        lab.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        lab.setAutoFillBackground(True)
        lab.setToolTip("Heartbeat: this dot moves one step each time the window's event loop gets to run. "
                       "It stops when the GUI thread is blocked and stutters when it waits for the GIL.")
        self._d = 0
        self.set_diameter(diameter)
        heartbeat.add_listener(self._on_heartbeat_ticked)

    @property
    def diameter(self) -> int:
        return self._d

    def set_diameter(self, diameter: int) -> None:
        """Draw the dot ``diameter`` pixels wide (presentation mode scales it); the frames are drawn again."""
        if diameter == self._d:
            return
        self._d = diameter
        self.label.setFixedSize(QSize(diameter, diameter))
        ratio = max(1.0, self.label.devicePixelRatioF())
        self._frames = {c: [self._draw(i, c, ratio) for i in range(self.FRAMES)]
                        for c in (OK_COLOR, SLOW_COLOR, BAD_COLOR)}
        self._shown: tuple[str, int] | None = None
        self._show()

    def set_zoom(self, zoom: float) -> None:
        """The dot at ``zoom`` times the diameter it was made with."""
        self.set_diameter(max(1, round(self.base_diameter * zoom)))

    def _draw(self, i: int, color: str, ratio: float) -> QPixmap:
        pm = QPixmap(int(self._d * ratio), int(self._d * ratio))
        pm.setDevicePixelRatio(ratio)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        k = self._d / self.base_diameter  # the ring and the dot grow with the zoom
        r = self._d / 2.0
        p.setPen(QPen(QColor("#9e9e9e"), 1.2 * k))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(1.5 * k, 1.5 * k, self._d - 3 * k, self._d - 3 * k))
        a = 2 * math.pi * i / self.FRAMES
        c = QPointF(r + (r - 4.5 * k) * math.sin(a), r - (r - 4.5 * k) * math.cos(a))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(QColor(color)))
        p.drawEllipse(c, 3.6 * k, 3.6 * k)
        p.end()
        return pm

    def _show(self) -> None:
        key = (lateness_color(self._late), (self.steps % self.STEPS_PER_TURN) * self.FRAMES // self.STEPS_PER_TURN)
        if key != self._shown:
            self._shown = key
            self.label.setPixmap(self._frames[key[0]][key[1]])

    def _on_heartbeat_ticked(self, _t: float, late: float) -> None:
        self.steps += 1
        self._late = late
        self._show()
