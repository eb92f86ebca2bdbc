"""Predict how a developer's function will run each way, recommend one, then check the runs against it.

Every number comes from the function's :class:`~concgui.engine.function_profile.Profile`
(measured in a fresh process of this Python) and this machine:

- **threads**: Amdahl's law with the share of a call that runs without the
  GIL, taken from the two-thread test (two threads ran ``S₂``× as fast as one:
  held share ``2/S₂ − 1``); a call that mostly waits overlaps on any number of
  threads, else at most one per core;
- **processes** (and **interpreters**, each with its own GIL): one worker per
  core, each call paying for unpickling its item and pickling its result, and
  the parent, alone, for sending both through a pipe (``PIPE_BYTES_S``) and one
  message per chunk (``DISPATCH_S``): when the parent's share per task is
  larger than a worker's, the parent is the limit;
- both are capped by how the tasks divide among the workers (8 tasks on 3
  workers: the last round runs 2).

Then :func:`check` sets the prediction beside the measured runs and says
where it missed, and why where the record tells (a wide spread, a busy machine,
too little work per worker), and otherwise that the profile's few calls were
not typical.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from concgui.engine.compare import RunRecord
from concgui.engine.config import auto_chunk_size
from concgui.engine.function_profile import Profile

if TYPE_CHECKING:
    from concgui.engine.pythons import PythonInfo

#: Bytes a second through a local pipe, both ends included (a conservative figure; the IPC lab measures yours).
PIPE_BYTES_S = 1.0e9
#: The parent's cost of one pool message (a chunk of tasks): see config.CHUNK_TARGET_S.
DISPATCH_S = 1.0e-4
#: Below this predicted speedup no way is worth its cost: stay serial.
WORTH_IT = 1.15
#: Threads are recommended over a pool way predicted at most this much faster (15 %): they pickle nothing, need
#: one process's memory and no pool, and a pool's fixed costs on a short run are not in its prediction.
THREADS_MARGIN = 0.85
#: A GIL-free share up to this is said to hold the GIL: two threads within ~1.15× of one are the test's noise.
HOLDS_SHARE = 0.25
#: A measured speedup within this fraction of the prediction (either way) counts as predicted.
PREDICTION_TOLERANCE = 0.20


@dataclass(frozen=True)
class Prediction:
    """One mode's predicted speedup (None: it cannot run this function) and why, in one sentence."""

    mode: str
    workers: int
    speedup: float | None
    reason: str


@dataclass(frozen=True)
class Recommendation:
    """The way to run the function, the predictions it was chosen from, and a chunk size for a pool."""

    mode: str
    workers: int
    reasons: tuple[str, ...]
    predictions: tuple[Prediction, ...]
    chunk_size: int | None

    @property
    def predicted_speedup(self) -> dict[str, float | None]:
        return {p.mode: None if p.speedup is None else round(p.speedup, 2) for p in self.predictions}

    def as_export(self) -> dict:
        """The JSON's ``recommendation``: mode, reasons, predicted_speedup, chunk_size (and the workers)."""
        return {"mode": self.mode, "workers": self.workers, "reasons": list(self.reasons),
                "predicted_speedup": self.predicted_speedup, "chunk_size": self.chunk_size,
                "predictions": [asdict(p) for p in self.predictions]}

    def sentence(self) -> str:
        how = "serially" if self.mode == "serial" else f"on {self.mode} ×{self.workers}"
        chunk = f", {self.chunk_size:,} tasks per chunk" if self.chunk_size and self.chunk_size > 1 else ""
        best = next((p for p in self.predictions if p.mode == self.mode), None)
        gain = f" (predicted {times(best.speedup)})" if best is not None and best.speedup is not None else ""
        return f"Recommended: run it {how}{chunk}{gain}."


def times(x: float | None) -> str:
    """A speedup as shown: ``1.93×``; ``0.004×`` where two decimals would say 0; ``—`` for none."""
    if x is None:
        return "—"
    return f"{x:.2f}×" if x >= 0.095 else f"{x:.2g}×"


def _share_of_rounds(tasks: int, k: int) -> float:
    """The speedup ``k`` workers can reach on ``tasks`` equal tasks: tasks / rounds."""
    return tasks / math.ceil(tasks / k) if tasks > 0 and k > 0 else 1.0


def _size(n: float | None) -> str:
    if n is None:
        return "?"
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} bytes"


def _ms(s: float) -> str:
    return f"{s * 1e3:.3g} ms" if s >= 1e-3 else f"{s * 1e6:.3g} µs"


def predict_threads(p: Profile, workers: int, cores: int, tasks: int, gil_enabled: bool = True) -> Prediction:
    s2 = p.two_threads_speedup or 1.0
    free = 1.0 if not gil_enabled else (p.gil_free_share or 0.0)
    k = min(workers, tasks) if p.waits else min(workers, cores, tasks)
    speedup = min(1.0 / ((1.0 - free) + free / k), _share_of_rounds(tasks, k))
    if not gil_enabled:
        why = "the GIL is off in the Python that runs them (a free-threaded build), so threads run Python code at once"
    elif p.waits:
        why = (f"a call mostly waits (each of two threads used {p.thread_cpu_share or 0:.0%} of a core): "
               "waiting threads overlap → threads scale")
    elif free >= 0.8:
        why = f"releases the GIL {free:.0%} of the time (two threads ran {s2:.2f}× as fast as one) → threads scale"
    elif free <= HOLDS_SHARE:
        why = f"holds the GIL: two threads ran {s2:.2f}× as fast as one → threads take turns"
    else:
        why = f"releases the GIL {free:.0%} of the time (two threads: {s2:.2f}×) → threads gain only that part"
    if workers > cores and not p.waits:
        why += f"; {workers} threads on {cores} cores"
    return Prediction("threads", workers, speedup, why)


def predict_pool(p: Profile, mode: str, workers: int, cores: int, tasks: int) -> Prediction:
    """Processes, or interpreters (each with its own GIL): per-call pickling, the parent's sending, the rounds."""
    problem = next(iter(p.problems.values()), None)
    if problem is not None:
        return Prediction(mode, workers, None, f"cannot run here: it sends what it runs as pickles, and {problem}")
    task = max(p.task_wall_s, 1e-9)
    k = min(workers, cores, tasks)
    chunk = auto_chunk_size(task, tasks, workers)
    result_bytes = p.result_bytes or 0.0
    worker_extra = p.item_unpickle_s + (p.result_pickle_s or 0.0)
    parent = (p.item_pickle_s + (p.result_unpickle_s or 0.0) + (p.item_bytes + result_bytes) / PIPE_BYTES_S
              + DISPATCH_S / chunk)
    per_task = max((task + worker_extra) / k, parent)
    speedup = min(task / per_task, _share_of_rounds(tasks, k))
    cost = (worker_extra + parent) / task
    what = "each process has its own GIL" if mode == "processes" else "each subinterpreter has its own GIL"
    if parent * k > task + worker_extra:
        why = (f"the parent alone sends each item and receives each result ({_size(p.item_bytes)} and "
               f"{_size(result_bytes)}: pickled, piped and unpickled, ~{_ms(parent)} a task), longer than "
               f"{k} workers take for a call each ({_ms(task)}) → {mode} lose")
    elif cost >= 0.2:
        what_big, size = ("item", p.item_bytes) if p.item_bytes > result_bytes else ("result", result_bytes)
        why = (f"each {what_big} pickles to {_size(size)} → sending it costs {cost:.0%} of the task "
               f"→ {mode} gain less")
    else:
        why = f"{what}; sending an item and its result costs {cost:.1%} of a call → {mode} scale"
    if mode == "interpreters":
        why += f" (if {p.target.rpartition(':')[0]} imports in a subinterpreter: C extensions such as NumPy may not)"
    elif p.memory_mb:
        why += f"; each worker takes ~{p.memory_mb:.0f} MB and imports the module in {_ms(p.import_s)}"
    return Prediction(mode, workers, speedup, why)


def recommend(p: Profile, modes: Sequence[str], workers: int, cores: int, tasks: int,
              gil_enabled: bool = True, interpreters_why: str | None = None) -> Recommendation:
    """Predict each of ``modes`` (serial, threads, processes, interpreters) with ``workers`` and pick one.

    ``interpreters_why``: why this Python has no interpreters mode (None: it has one).
    """
    preds = [Prediction("serial", 1, 1.0, "one call after another: the baseline")]
    for mode in modes:
        if mode == "threads":
            preds.append(predict_threads(p, workers, cores, tasks, gil_enabled))
        elif mode == "processes":
            preds.append(predict_pool(p, mode, workers, cores, tasks))
        elif mode == "interpreters":
            preds.append(predict_pool(p, mode, workers, cores, tasks) if interpreters_why is None
                         else Prediction(mode, workers, None, interpreters_why))
    ranked = [x for x in preds if x.speedup is not None and x.mode != "serial"]
    best = max(ranked, key=lambda x: x.speedup or 0.0, default=None)
    threads = next((x for x in ranked if x.mode == "threads"), None)
    chosen = preds[0]
    if best is not None and (best.speedup or 0.0) >= WORTH_IT:
        chosen = best
        if threads is not None and (threads.speedup or 0.0) >= THREADS_MARGIN * (best.speedup or 0.0) \
                and (threads.speedup or 0.0) >= WORTH_IT:
            chosen = threads
    reasons = [chosen.reason] + [x.reason for x in preds if x is not chosen and x.mode != "serial"]
    if chosen.mode == "serial":
        top = f"{best.mode} {times(best.speedup)}" if best is not None else "none"
        reasons.insert(0, f"no way is predicted to beat one thread by {WORTH_IT - 1:.0%} or more (best: {top})")
    elif threads is not None and chosen is threads and best is not threads and best is not None:
        reasons.insert(0, f"threads are predicted within {1 - THREADS_MARGIN:.0%} of {best.mode} "
                          "and need no pickling and one process's memory")
    chunk = auto_chunk_size(max(p.task_wall_s, 1e-9), tasks, workers) if chosen.mode in ("processes",
                                                                                          "interpreters") else None
    return Recommendation(chosen.mode, chosen.workers, tuple(reasons), tuple(preds), chunk)


@dataclass(frozen=True)
class PredictionCheck:
    """A mode's prediction beside its measurement, and why it missed (None: it held)."""

    mode: str
    workers: int
    predicted: float | None
    measured: float | None
    holds: bool | None
    why_missed: str | None

    def line(self) -> str:
        pred, meas = times(self.predicted), times(self.measured)
        verdict = {True: "as predicted", False: "missed", None: "not compared"}[self.holds]
        tail = f": {self.why_missed}" if self.why_missed else ""
        return f"  {self.mode} ×{self.workers}: predicted {pred}, measured {meas}: {verdict}{tail}"


def check(rec: Recommendation, records: Iterable[RunRecord], profile: Profile, cores: int) -> list[PredictionCheck]:
    """Each predicted mode beside its measured run (the records of one bench)."""
    out = []
    runs = [r for r in records if r.mode != "serial"]
    for pred in rec.predictions:
        if pred.mode == "serial":
            continue
        r = next((x for x in runs if x.mode == pred.mode and x.workers == pred.workers), None)
        if r is None:
            continue
        measured = r.speedup
        if pred.speedup is None or measured is None:
            out.append(PredictionCheck(pred.mode, pred.workers, pred.speedup, measured, None,
                                       None if measured is not None else (r.error or "the run did not finish")))
            continue
        holds = abs(measured / pred.speedup - 1) <= PREDICTION_TOLERANCE + (r.spread or 0.0)
        out.append(PredictionCheck(pred.mode, pred.workers, pred.speedup, measured, holds,
                                   None if holds else _why_missed(r, pred, profile, cores)))
    return out


def _why_missed(r: RunRecord, pred: Prediction, p: Profile, cores: int) -> str:
    faster = (r.speedup or 0.0) > (pred.speedup or 0.0)
    if r.other_load_cores is not None and r.other_load_cores >= 0.5:
        return f"the rest of the machine kept {r.other_load_cores:.1f} cores busy during the run"
    if r.spread is not None and r.spread >= 0.15:
        return f"its repeats spread ±{r.spread:.0%}: the machine's speed varied"
    per_worker = r.wall_s * (r.speedup or 1.0) / max(1, min(r.workers, cores))
    if r.mode in ("processes", "interpreters") and per_worker < 0.15 and not faster:
        return (f"only {per_worker:.2f} s of work per worker: a pool's fixed costs (first messages, "
                "imports) weigh more than on a longer run")
    if p.calls < p.items and p.task_wall_max_s > 2 * p.task_wall_s:
        return (f"the calls vary (the profile's {p.calls} ranged up to {p.task_wall_max_s / p.task_wall_s:.1f}× "
                "the median), so the profile's few were not typical")
    return ("the profile's two-thread test and few calls did not show what the full run did "
            f"({'faster' if faster else 'slower'} than predicted); concgui cannot tell why from this record")


def best_measured(records: Sequence[RunRecord]) -> RunRecord | None:
    """The fastest finished run with its results matching serial (the serial run itself counts)."""
    ok = [r for r in records if r.status == "done" and (r.mode == "serial" or r.results_ok is not False)]
    return min(ok, key=lambda r: r.wall_s, default=None)


def recommend_here(p: Profile, modes: Sequence[str], workers: int, tasks: int,
                   python: "PythonInfo | None" = None) -> Recommendation:
    """:func:`recommend` for this machine and the Python the runs use (None: the one running concgui).

    The profile always runs on the Python running concgui; another Python
    decides only whether its GIL is on and whether it has subinterpreters.
    """
    import os
    import sys

    from concgui.engine.pythons import this_python

    me = python or this_python()
    gil_on = me.gil_enabled if python is not None else getattr(sys, "_is_gil_enabled", lambda: True)()
    why = None if me.per_interpreter_gil else (f"needs subinterpreters with their own GIL (Python 3.12+); "
                                               f"this is {me.label}")
    return recommend(p, modes, workers, os.cpu_count() or 1, tasks, gil_on, why)
