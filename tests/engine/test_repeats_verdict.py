"""Repeats are interleaved and folded into medians; the verdict calls a winner only past the spreads."""

from __future__ import annotations

import pytest

from concgui.engine.compare import RunRecord
from concgui.engine.repeats import combine, interleave, spread, summarize
from concgui.engine.verdict import MIN_MARGIN, beats, verdict


def _rec(run_id: int, mode: str, wall: float, workers: int = 1, load: float | None = 0.0, status: str = "done",
         digest: str | None = "d") -> RunRecord:
    return RunRecord(run_id, "cpu-python", mode, workers, 8, 100, None, 1, wall, wall, None, None, None, status,
                     digest, samples_wall_s=(wall,), other_load_cores=load)


def test_configs_run_in_rounds_so_drift_hits_every_mode_alike():
    assert [(r, i) for r, i, _ in interleave(["S", "T", "P"], 2)] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    assert [c for _, _, c in interleave(["S", "T", "P"], 2)] == ["S", "T", "P", "S", "T", "P"]


def test_a_record_keeps_every_sample_and_reports_the_median_and_half_range():
    r = combine([_rec(1, "threads", 1.0), _rec(4, "threads", 1.4), _rec(7, "threads", 1.2)])
    assert r.run_id == 1 and r.samples_wall_s == (1.0, 1.4, 1.2)
    assert r.wall_s == 1.2 and r.spread == pytest.approx(0.2 / 1.2)
    assert spread([1.0]) is None


def test_one_outlier_cannot_move_the_median():
    r = combine([_rec(1, "serial", 1.0), _rec(2, "serial", 1.01), _rec(3, "serial", 9.0)])
    assert r.wall_s == 1.01


def test_a_failed_repeat_fails_the_record_and_differing_digests_are_not_ok():
    bad = combine([_rec(1, "threads", 1.0), _rec(2, "threads", 1.0, status="failed")])
    assert bad.status == "failed" and bad.samples_wall_s == (1.0, 1.0)
    recs = summarize([(0, _rec(1, "serial", 1.0)), (1, _rec(2, "threads", 0.5)),
                      (0, _rec(3, "serial", 1.0)), (1, _rec(4, "threads", 0.5, digest="other"))])
    assert recs[0].results_ok is True and recs[1].results_ok is False


def test_speedups_are_taken_between_medians():
    recs = summarize([(0, _rec(1, "serial", 1.0)), (1, _rec(2, "processes", 0.5, 2)),
                      (0, _rec(3, "serial", 1.2)), (1, _rec(4, "processes", 0.55, 2)),
                      (0, _rec(5, "serial", 1.1)), (1, _rec(6, "processes", 0.6, 2))])
    assert [r.wall_s for r in recs] == [1.1, 0.55]
    assert recs[1].speedup == pytest.approx(2.0) and recs[1].efficiency == pytest.approx(1.0)


def test_a_win_must_exceed_both_spreads_and_the_floor():
    a = RunRecord(1, "w", "processes", 2, 1, 1, None, 1, 0.50, 1, None, None, None, "done", "d", spread=0.05)
    b = RunRecord(2, "w", "threads", 2, 1, 1, None, 1, 0.56, 1, None, None, None, "done", "d", spread=0.05)
    assert beats(a, b)  # 10.7 % shorter: more than the 5 % + 5 % the spreads allow
    a2 = RunRecord(1, "w", "processes", 2, 1, 1, None, 1, 0.50, 1, None, None, None, "done", "d", spread=0.06)
    assert not beats(a2, b)  # ...but not more than 6 % + 5 %
    c = RunRecord(3, "w", "threads", 2, 1, 1, None, 1, 0.52, 1, None, None, None, "done", "d")
    d = RunRecord(4, "w", "processes", 2, 1, 1, None, 1, 0.50, 1, None, None, None, "done", "d")
    assert not beats(d, c)  # 3.8 % < the 5 % floor
    assert MIN_MARGIN == 0.05


def test_the_verdict_names_a_winner_only_when_it_beats_every_other():
    clear = verdict([_rec(1, "serial", 1.0), _rec(2, "threads", 1.0, 2), _rec(3, "processes", 0.5, 2)])
    assert (clear.winner, clear.clear) == ("processes ×2", True)
    close = verdict([_rec(1, "serial", 1.0), _rec(2, "threads", 0.52, 2), _rec(3, "processes", 0.5, 2)])
    assert close.winner is None and not close.clear and close.rival == "threads ×2"
    assert "too close to call" in close.sentence()


def test_no_verdict_on_a_busy_machine():
    busy = verdict([_rec(1, "serial", 1.0, load=1.2), _rec(2, "threads", 0.6, 2, load=1.2),
                    _rec(3, "processes", 0.9, 2, load=1.0)])
    assert busy.winner is None and busy.busy == 1.2 and "quiet machine" in busy.sentence()


def test_only_runs_of_the_same_inputs_are_grouped_for_a_comparison():
    from concgui.engine.compare import comparable_groups

    py = [_rec(1, "serial", 1.0), _rec(2, "threads", 1.0, 2)]
    other = RunRecord(3, "cpu-hash", "threads", 2, 16, 400, None, 1, 0.5, 1.0, None, None, None, "done", "h")
    groups = comparable_groups([*py, other, _rec(4, "processes", 0.5, 2)])
    assert [[r.run_id for r in g] for g in groups] == [[1, 2, 4], [3]]
