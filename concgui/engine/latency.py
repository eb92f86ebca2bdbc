"""Event-loop lateness: how late each heartbeat tick ran, and what that means.

The GUI arms a single-shot timer for ``interval`` seconds and, when it fires,
records how late it was and re-arms it. A repeating timer would hide lateness
(Qt drops the ticks it missed); a re-armed single shot measures every gap.
A freeze of X seconds shows up as one tick that is X seconds late.
This module is the Qt-free maths, so it is testable and shared by the GUI,
the scenarios' export and the benchmarks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from concgui.engine.telemetry import RingBuffer

FRAME_S = 1 / 60  # one display frame at 60 Hz
WINDOW_S = 10.0  # the "last 10 s" the live p50/p99/max are over
FREEZE_S = 0.25  # a tick this late is a freeze worth reporting: the window visibly hung


@dataclass(frozen=True)
class LatenessStats:
    """Heartbeat lateness over some span, in milliseconds."""

    samples: int
    heartbeat_p50_ms: float
    heartbeat_p99_ms: float
    heartbeat_max_ms: float
    longest_freeze_ms: float

    @property
    def longest_freeze_s(self) -> float:
        return self.longest_freeze_ms / 1000.0

    @property
    def frames_missed(self) -> int:
        """Display frames (60 Hz) that could not be drawn during the longest freeze."""
        return int(self.longest_freeze_ms / 1000 / FRAME_S)

    def as_dict(self) -> dict:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


class LatenessRecorder:
    """Keeps (time, lateness) for every tick; answers stats for any time span."""

    def __init__(self, interval_s: float = 0.010, history_s: float = 120.0) -> None:
        self.interval_s = interval_s
        self.ticks = RingBuffer(max(16, int(history_s / interval_s)), 1)

    def record(self, t: float, lateness_s: float) -> None:
        """``t``: when the tick ran; ``lateness_s``: how long after its due time."""
        self.ticks.append(t, (max(0.0, lateness_s),))

    def stats(self, since: float | None = None, until: float | None = None) -> LatenessStats:
        t, v = self.ticks.snapshot(since)
        late = v[:, 0] if len(v) else np.zeros(0)
        if until is not None:
            late = late[t <= until]
        return stats_of(late)

    def stats_during(self, t0: float, t1: float) -> LatenessStats:
        """Stats of the ticks whose wait lay mostly in [t0, t1]: the lateness one span caused.

        A tick that ran ``late`` seconds late at ``t`` was due at ``t - late``:
        the loop was stuck from then until ``t``. A tick counts for the span
        that holds the middle of that wait. Counting ticks by when they ran
        would give a freeze that began in one run to the next run, whose start
        the frozen loop only saw afterwards; counting by due time alone would
        miss a freeze whose tick fell due a moment before its run began.
        """
        return self.stats_during_spans([(t0, t1)])

    def stats_during_spans(self, spans: list[tuple[float, float]]) -> LatenessStats:
        """:meth:`stats_during` over several spans at once (say, repeats of one run): one pool of ticks."""
        t, v = self.ticks.snapshot()
        late = v[:, 0] if len(v) else np.zeros(0)
        mid = t - late / 2
        keep = np.zeros(len(late), dtype=bool)
        for t0, t1 in spans:
            keep |= (mid >= t0) & (mid <= t1)
        return stats_of(late[keep])

    def recent(self, now: float, window_s: float = WINDOW_S) -> LatenessStats:
        return self.stats(since=now - window_s)

    def series(self, since: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(tick times, lateness in seconds), oldest first: what a plot draws."""
        t, v = self.ticks.snapshot(since)
        return t, (v[:, 0] if len(v) else np.zeros(0))

    def freezes(self, threshold_s: float = FREEZE_S, since: float | None = None,
                until: float | None = None) -> list[tuple[float, float]]:
        """(start, end) of every span in which the event loop did not run for ``threshold_s`` or more.

        A tick that ran ``late`` seconds late at ``t`` means the loop was
        stuck from ``t - late`` (its due time) to ``t``.
        """
        t, late = self.series(since)
        keep = late >= threshold_s
        if until is not None:
            keep &= t <= until
        return [(float(a - d), float(a)) for a, d in zip(t[keep], late[keep])]


def frames_missed(late_s: float) -> int:
    """60 Hz frames that could not be drawn while the event loop was stuck ``late_s`` seconds."""
    return int(max(0.0, late_s) / FRAME_S)


def frames_missed_words(n: int) -> str:
    """"1 frame missed", "3 frames missed": the words every view uses for :func:`frames_missed`."""
    return f"{n:,} frame{'' if n == 1 else 's'} missed"


def stats_of(lateness_s: np.ndarray) -> LatenessStats:
    """p50 / p99 / max lateness and the longest freeze, from lateness values in seconds.

    The longest freeze is the worst tick's lateness: the time the event loop
    could not run beyond the interval the tick was meant to wait anyway.
    """
    if len(lateness_s) == 0:
        return LatenessStats(0, 0.0, 0.0, 0.0, 0.0)
    ms = np.asarray(lateness_s) * 1000.0
    p50, p99 = np.percentile(ms, [50, 99])
    mx = float(np.max(ms))
    return LatenessStats(len(ms), float(p50), float(p99), mx, mx)
