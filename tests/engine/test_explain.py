"""The comparison's explanation: every sentence chosen from the records' facts, none contradicting another.

Table-driven: for each workload kind (pure Python, GIL-releasing C, I/O), a
measurement that matches what the workload should give or not, a clear or a
too-close pair, and a quiet or a busy machine, the text must

- quote only numbers that are the records' own (speedups, spreads, loads),
- say "as expected" exactly when the speedup is within the expectation,
- name a measured cause whenever it says "not the … expected",
- name a winner only when the verdict's rule does, and never on a busy machine,
- explain every efficiency above 100 %.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import pytest

from concgui.engine.compare import RunRecord
from concgui.engine.explain import LOAD_CAUSE_CORES, WIDE_SPREAD, expectation, explain
from concgui.engine.platform_info import collect
from concgui.engine.repeats import with_speedups
from concgui.engine.verdict import verdict
from concgui.engine.workloads import get_workload

INFO = replace(collect(), logical_cores=2, gil_enabled=True, switch_interval_s=0.005)
SERIAL_S = 1.0


def _rec(run_id: int, workload: str, mode: str, workers: int, wall: float, spread: float | None,
         load: float | None) -> RunRecord:
    samples = (wall,) if spread is None else (wall * (1 - spread), wall, wall * (1 + spread))
    return RunRecord(run_id, workload, mode, workers, 16, 1000, "forkserver" if mode == "processes" else None, 4,
                     wall, wall * workers, None, None, None, "done", "d1g35t", ran_on="x",
                     samples_wall_s=samples, spread=spread, other_load_cores=load)


#: (workload, speedup of threads, of processes) that the workload should give on 2 cores with the GIL on.
EXPECTED = {"cpu-python": (1.0, 1.9), "cpu-hash": (1.9, 1.9), "io-sleep": (1.9, 1.8)}
#: ...and ones it should not.
SURPRISING = {"cpu-python": (1.6, 0.97), "cpu-hash": (0.9, 0.9), "io-sleep": (0.9, 0.9)}


def _case(workload: str, as_expected: bool, clear: bool, busy: bool) -> list[RunRecord]:
    t_speed, p_speed = (EXPECTED if as_expected else SURPRISING)[workload]
    if not clear:  # the two parallel runs within each other's spread
        p_speed = t_speed * 1.03
    spread = 0.02 if clear else 0.04
    load = 1.2 if busy else 0.0
    recs = [_rec(1, workload, "serial", 1, SERIAL_S, spread, load),
            _rec(2, workload, "threads", 2, SERIAL_S / t_speed, spread, load),
            _rec(3, workload, "processes", 2, SERIAL_S / p_speed, spread, load)]
    return with_speedups(recs)


CASES = list(itertools.product(EXPECTED, (True, False), (True, False), (True, False)))


def _numbers(text: str, suffix: str) -> set[str]:
    return set(re.findall(r"(\d+(?:\.\d+)?)" + re.escape(suffix), text))


@pytest.mark.parametrize("workload,as_expected,clear,busy", CASES,
                         ids=[f"{w}-{'exp' if e else 'surprise'}-{'clear' if c else 'close'}-{'busy' if b else 'quiet'}"
                              for w, e, c, b in CASES])
def test_explanation_is_assembled_from_the_records_facts(workload, as_expected, clear, busy):
    recs = _case(workload, as_expected, clear, busy)
    text = explain(recs, INFO)
    paragraphs = text.split("\n\n")
    v = verdict(recs)

    # Every speedup, spread and load quoted is a record's own.
    speedups = {f"{r.speedup:.2f}" for r in recs if r.speedup is not None}
    assert _numbers(text, "×") - {"1", "2"} <= speedups | {"0.8", "1.9", "1.5", "1.2"}, text
    spreads = {f"{r.spread:.0%}".rstrip("%") for r in recs if r.spread is not None}
    needed = {f"{v.needed:.0%}".rstrip("%")} if v.needed is not None else set()
    assert {n for n in re.findall(r"±(\d+)%", text)} <= spreads | needed, text
    loads = {f"{r.other_load_cores:.1f}" for r in recs if r.other_load_cores is not None}
    assert set(re.findall(r"(\d+\.\d) cores", text)) <= loads, text

    for r in recs[1:]:
        (para,) = [p for p in paragraphs if p.startswith(("Threads:" if r.mode == "threads" else "Processes:"))]
        holds = expectation(r, __import__("concgui.engine.workloads", fromlist=["x"]).get_workload(workload),
                            INFO).holds(r.speedup)
        assert ("as expected" in para) == holds, para
        assert ("expected here" in para and "not the" in para) == (not holds), para
        if not holds:  # a surprise always comes with its measured cause, or says none was measured
            assert busy and "other programs used" in para or "nothing measured explains it" in para \
                or "took" in para, para
        if r.efficiency is not None and r.efficiency > 1.02:
            assert "efficiency of" in para, para

    last = [p for p in paragraphs if p.startswith("Verdict:")]
    assert len(last) == 1
    if busy:
        assert v.winner is None and "Verdict: none" in last[0]
    if v.clear:
        assert f"{v.winner} is the clear winner" in last[0]
        best = max(recs, key=lambda r: r.speedup or 0)
        assert v.winner.startswith(best.mode)
    else:
        assert "clear winner" not in text
    if workload == "cpu-python" and busy:
        assert "threads" not in (v.winner or "")


def test_the_textbook_answer_never_overrides_the_numbers():
    # Measured under load: threads 1.60×, processes 0.97× for pure Python (the screen).
    recs = with_speedups([_rec(1, "cpu-python", "serial", 1, 1.0, 0.02, 1.2),
                          _rec(2, "cpu-python", "threads", 2, 1 / 1.6, 0.02, 1.2),
                          _rec(3, "cpu-python", "processes", 2, 1 / 0.97, 0.02, 1.2)])
    text = explain(recs, INFO)
    assert "Threads: 1.60× with 2 threads, not the ~1× expected" in text
    assert "Processes: 0.97× with 2 worker processes" in text and "not the ~2× expected" in text
    assert "other programs used 1.2 cores during it" in text
    assert "better choice" not in text and "clear winner" not in text
    assert "Verdict: none" in text


def test_an_efficiency_above_100_percent_is_always_explained():
    quiet = with_speedups([_rec(1, "cpu-hash", "serial", 1, 1.0, 0.02, 0.0),
                           _rec(2, "cpu-hash", "processes", 2, 1 / 2.6, 0.02, 0.0)])
    text = explain(quiet, INFO)
    assert "130% efficiency" in text and "efficiency of 130%" in text and "no measured load or spread" in text
    disturbed = with_speedups([_rec(1, "cpu-hash", "serial", 1, 1.0, 0.02, 0.9),
                               _rec(2, "cpu-hash", "processes", 2, 1 / 2.6, 0.02, 0.0)])
    text = explain(disturbed, INFO)
    assert "the serial baseline was disturbed: other programs used 0.9 cores" in text
    assert "that is the disturbance above, not extra speed" in text


def test_thresholds_are_the_documented_ones():
    assert LOAD_CAUSE_CORES == 0.3 and WIDE_SPREAD == 0.10


def test_runs_without_a_serial_baseline_are_compared_by_their_times():
    a = _rec(1, "cpu-python", "processes", 2, 0.5, 0.01, 0.0)
    b = _rec(2, "cpu-python", "processes", 2, 1.5, 0.01, 0.0)
    text = explain([a, b], INFO)
    assert ("Verdict: processes ×2 (run 1) is the clear winner here (0.50 s against processes ×2 (run 2) 1.50 s)."
            in text)


def test_two_runs_of_one_mode_are_told_apart_and_the_faster_one_wins():
    """The flood lesson: the slower run (the flood) comes first, and both are processes ×2."""
    slow = _rec(1, "cpu-python", "processes", 2, 2.22, 0.01, 0.0)
    fast = _rec(2, "cpu-python", "processes", 2, 0.74, 0.01, 0.0)
    v = verdict([slow, fast])
    assert v.clear and v.winner == "processes ×2 (run 2)"
    text = explain([slow, fast], INFO)
    assert "processes ×2 (run 2) is the clear winner here (0.74 s against processes ×2 (run 1) 2.22 s)" in text
    named = explain([slow, fast], INFO, ["processes + signal flood ×2", "processes ×2"])
    assert "processes ×2 is the clear winner here (0.74 s against processes + signal flood ×2 2.22 s)" in named


# --- the dask mode ---------------------------------------------------------------------------------------------


def _dask_case(dask_wall: float, threads: int = 1) -> list[RunRecord]:
    split = {"pool_start_s": 2.1, "dispatch_s": 0.010, "compute_s": 0.4, "cpu_wait_s": 0.05, "between_s": 0.030,
             "tail_s": 0.01}
    pool_split = {**split, "pool_start_s": 0.2, "dispatch_s": 0.001, "between_s": 0.002}
    serial = _rec(1, "cpu-python", "serial", 1, SERIAL_S, None, 0.0)
    pool = replace(_rec(2, "cpu-python", "processes", 2, 0.55, None, 0.0), split=pool_split)
    dask = replace(_rec(3, "cpu-python", "dask", 2, dask_wall, None, 0.0), split=split, threads_per_worker=threads,
                   cluster={"scheduler": "tcp://127.0.0.1:1", "dashboard": None, "started_here": True,
                            "start_s": 2.1})
    return with_speedups([serial, pool, dask])


def test_a_dask_paragraph_names_its_cluster_start_per_task_cost_and_the_pool_beside_it():
    recs = _dask_case(0.65)
    text = explain(recs, INFO)
    para = next(p for p in text.split("\n\n") if p.startswith("Dask:"))
    assert para.startswith("Dask: 1.54× with 2 Dask worker processes × 1 thread")
    assert "took 2.10 s, which is not part of the wall time" in para
    # (dispatch + between) × 2 lanes / 4 chunks of 4 tasks = 20 ms each; a chunk's serial work 1.0 s / 4 = 250 ms.
    assert "Its 4 Dask tasks (4 tasks each) cost about 20.0 ms each" in para
    assert "against ~250 ms of work in each: 8% on top of it" in para
    assert "The process pool beside it took 0.55 s to Dask's 0.65 s (its chunks cost 1.5 ms each)" in para
    assert "the pool does the same work with less machinery" in para  # Dask was slower here


def test_a_dask_run_faster_than_the_pool_is_not_called_slower():
    para = next(p for p in explain(_dask_case(0.52), INFO).split("\n\n") if p.startswith("Dask:"))
    assert "took 0.55 s to Dask's 0.52 s" in para and "less machinery" not in para


def test_a_dask_workers_threads_add_nothing_to_pure_python_under_the_gil():
    recs = _dask_case(0.65, threads=4)
    exp = expectation(recs[2], get_workload("cpu-python"), INFO)
    assert exp.target == "~2×"  # 2 processes on 2 cores; the 4 threads of each share its GIL
    assert "its 4 threads share that process's GIL" in exp.why
    assert exp.low == pytest.approx(1.2)  # its scheduler and event loops take part of the cores


def test_a_dask_paragraph_says_what_the_clusters_own_work_took_from_the_cores():
    recs = _dask_case(0.65)
    dask = replace(recs[2], cpu_s=1.0)  # tasks: compute 0.4 s × 2 lanes = 0.8 s; the rest, 0.2 s over 0.65 s
    para = next(p for p in explain([recs[0], recs[1], dask], INFO).split("\n\n") if p.startswith("Dask:"))
    assert "used 0.31 of a core during the run, on 2 cores that its 2 worker threads needed all of" in para
    quiet = replace(dask, cpu_s=0.81)  # within a hundredth of a core of the tasks' own: not worth a sentence
    para = next(p for p in explain([recs[0], recs[1], quiet], INFO).split("\n\n") if p.startswith("Dask:"))
    assert "of a core during the run" not in para
