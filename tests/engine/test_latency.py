"""Heartbeat lateness maths (Qt-free): percentiles, freezes, windows."""

from __future__ import annotations

import numpy as np
import pytest

from concgui.engine.latency import FRAME_S, LatenessRecorder, frames_missed_words, stats_of


def test_empty_stats_are_zero() -> None:
    s = stats_of(np.zeros(0))
    assert s.samples == 0 and s.heartbeat_max_ms == 0 and s.frames_missed == 0


def test_percentiles_and_freeze() -> None:
    late = np.full(1000, 0.001)
    late[500] = 0.8  # one freeze of 0.8 s
    s = stats_of(late)
    assert s.samples == 1000
    assert s.heartbeat_p50_ms == pytest.approx(1.0)
    assert s.heartbeat_max_ms == pytest.approx(800.0)
    assert s.longest_freeze_ms == pytest.approx(800.0)
    assert s.frames_missed == int(0.8 / FRAME_S)


def test_recorder_windows_by_time() -> None:
    r = LatenessRecorder(interval_s=0.01)
    for i in range(100):
        r.record(float(i), 0.5 if i == 10 else 0.002)
    assert r.stats().heartbeat_max_ms == pytest.approx(500.0)
    recent = r.recent(now=99.0, window_s=10.0)  # ticks 90..99 only: the freeze at 10 is out
    assert recent.samples == 10
    assert recent.heartbeat_max_ms == pytest.approx(2.0)
    span = r.stats(since=5.0, until=20.0)
    assert span.samples == 15 and span.longest_freeze_ms == pytest.approx(500.0)


def test_negative_lateness_is_clamped() -> None:
    r = LatenessRecorder()
    r.record(1.0, -0.001)  # a timer that fired a hair early
    assert r.stats().heartbeat_max_ms == 0.0
    d = r.stats().as_dict()
    assert set(d) == {"samples", "heartbeat_p50_ms", "heartbeat_p99_ms", "heartbeat_max_ms", "longest_freeze_ms"}


def test_lateness_belongs_to_the_span_in_which_the_tick_waited() -> None:
    rec = LatenessRecorder(0.02)
    # Run A: 0..1 s, frozen from 0.4 s; the tick due then ran only at 1.2 s, once run B had begun.
    for t in (0.1, 0.2, 0.3):
        rec.record(t, 0.001)
    rec.record(1.2, 0.8)
    # Run B: 1.0..2.0 s, whose loop ran on time once the freeze was over.
    for t in (1.7, 1.8, 1.9):
        rec.record(t, 0.002)
    a, b = rec.stats_during(0.0, 1.0), rec.stats_during(1.0, 2.0)
    assert a.samples == 4 and a.longest_freeze_ms == pytest.approx(800.0)
    assert b.samples == 3 and b.heartbeat_max_ms == pytest.approx(2.0)
    # Counted by when they ran, the freeze would have been B's.
    assert rec.stats(since=1.0, until=2.0).longest_freeze_ms == pytest.approx(800.0)
    # A run that froze the loop from just after a tick fell due keeps its freeze all the same.
    rec.record(3.51, 0.5)  # due at 3.01, run C ran from 3.02 to 3.5
    assert rec.stats_during(3.02, 3.5).longest_freeze_ms == pytest.approx(500.0)


def test_frames_missed_reads_as_english_for_one_and_for_many():
    assert frames_missed_words(1) == "1 frame missed"
    assert frames_missed_words(0) == "0 frames missed"
    assert frames_missed_words(1234) == "1,234 frames missed"
