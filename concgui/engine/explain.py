"""The explanation under a comparison, assembled from this run's measured facts.

Each mode gets one paragraph: what was measured, what this workload should
give on this interpreter and machine (its *expectation*), and, when the two
disagree, the measured reason (other programs' load, a disturbed baseline, a
wide spread, more workers than cores, work too short for the start-up and
transfer costs). When no measured fact explains a surprise, the text says so
instead of inventing a cause. The last paragraph is the verdict, by the same
rule as the CLI (:mod:`concgui.engine.verdict`), so the conclusion can never
disagree with the lines above it or with the bars.

The sentences are chosen, not written around the numbers: every number quoted
is a field of a record or of :class:`~concgui.engine.platform_info.PlatformInfo`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from concgui.engine.compare import RunRecord, python_groups, python_tag, spans_pythons
from concgui.engine.config import POOL_MODES
from concgui.engine.events import RunStatus
from concgui.engine.platform_info import PlatformInfo
from concgui.engine.verdict import Verdict, names_of, verdict
from concgui.engine.workloads import Workload, get_workload

#: Others using at least this many cores during a run: named as a cause.
LOAD_CAUSE_CORES = 0.3
#: A spread at least this wide (±): named as a cause.
WIDE_SPREAD = 0.10
#: A measured speedup within this factor of the expectation counts as "as expected".
EXPECT_TOLERANCE = 0.75
#: Work shorter than this per worker is dominated by start-up and transfers (processes).
SHORT_WORK_S = 0.15


@dataclass(frozen=True)
class Expectation:
    """What a mode should reach for a workload here: a speedup range, its short name, and why, in a sentence."""

    low: float
    high: float
    target: str  # e.g. "~1×", "~2×", "1.5–4×"
    why: str

    def holds(self, speedup: float) -> bool:
        return self.low <= speedup <= self.high


def expectation(r: RunRecord, w: Workload, info: PlatformInfo) -> Expectation:
    """What ``r``'s mode should give for ``w`` with ``r.workers`` workers on this machine and interpreter."""
    n, cores = r.workers, info.logical_cores
    useful = min(n, cores)
    switch_ms = info.switch_interval_s * 1000
    if w.kind == "own":
        return _function_expectation(r, w, info)
    if w.kind == "io":
        n = n * r.threads_per_worker  # a Dask worker's threads all wait at once
        low = min(1.5, n * 0.5)
        return Expectation(low, float(n), f"{low:g}–{n}×",
                           "the tasks mostly wait, and a waiting thread or process needs neither the GIL nor a "
                           "core, so the waits overlap")
    gil_on = r.python["gil_enabled"] if r.python else info.gil_enabled  # the Python that ran it, not ours
    if r.mode == "dask":
        return _dask_expectation(r, w, info, gil_on)
    if r.mode == "threads" and w.gil == "holds" and gil_on:
        return Expectation(0.8, 1.25, "~1×",
                           "pure-Python work needs the GIL to run, so only one thread runs bytecode at a time and "
                           f"they take turns every switch interval ({switch_ms:g} ms here): more threads add "
                           "switching, not speed")
    if r.mode == "threads" and w.gil == "holds":
        why = "the GIL was off in the Python that ran them (a free-threaded build), so pure-Python threads run at once"
    elif r.mode == "threads":
        why = f"{w.name} spends its time in C code that releases the GIL, so the threads really run at once"
    elif r.mode == "interpreters":
        why = ("each subinterpreter has its own GIL, so CPU work runs on every core at once inside one process; "
               "like processes, they share no Python objects: inputs and results cross between them pickled")
    else:
        why = "each process has its own interpreter and GIL, so CPU work runs on every core at once"
    if n > cores:
        why += f"; with {n} workers on {cores} cores the extra ones can only take turns"
    return Expectation(EXPECT_TOLERANCE * useful, useful * 1.15, f"~{useful}×", why)


#: A Dask cluster's scheduler and its workers' event loops use part of the cores themselves (measured here: about
#: 0.3 of a core on 2 cores during a run), so its low end is lower than a process pool's.
DASK_TOLERANCE = 0.6


def _dask_expectation(r: RunRecord, w: Workload, info: PlatformInfo, gil_on: bool) -> Expectation:
    """A Dask cluster's worker processes × threads: processes always run at once, threads only without the GIL."""
    cores, threads = info.logical_cores, r.threads_per_worker
    parallel_threads = w.gil == "releases" or not gil_on
    useful = min(r.workers * (threads if parallel_threads else 1), cores)
    why = "each Dask worker is a process with its own GIL, so CPU work runs on several cores at once"
    if threads > 1:
        why += (f"; its {threads} threads share that process's GIL, so they add nothing to pure-Python work" if
                not parallel_threads else f"; its {threads} threads run at once too, as {w.name} releases the GIL"
                if gil_on else f"; its {threads} threads run at once too, as the GIL was off")
    why += ("; its scheduler and the workers' own event loops take part of the cores, and each Dask task costs "
            "about a millisecond of scheduling")
    if useful < r.workers * threads and r.workers * threads > cores:
        why += f"; with {r.workers * threads} worker threads on {cores} cores the extra ones can only take turns"
    return Expectation(DASK_TOLERANCE * useful, useful * 1.15, f"~{useful}×", why)


def _function_expectation(r: RunRecord, w: Workload, info: PlatformInfo) -> Expectation:
    """A developer's function: what its profile predicted for this run (nothing, without a profile)."""
    from concgui.engine.function_profile import profile_of
    from concgui.engine.recommend import PREDICTION_TOLERANCE, predict_pool, predict_threads

    p = profile_of(w.name)
    if p is None:
        return Expectation(0.0, float("inf"), "no prediction",
                           "concgui has not profiled this function in this session, so it predicted nothing")
    gil_on = r.python["gil_enabled"] if r.python else info.gil_enabled
    pred = (predict_threads(p, r.workers, info.logical_cores, r.tasks, gil_on) if r.mode == "threads"
            else predict_pool(p, r.mode, r.workers, info.logical_cores, r.tasks))
    if pred.speedup is None:
        return Expectation(0.0, float("inf"), "no prediction", pred.reason)
    x = pred.speedup
    return Expectation(x * (1 - PREDICTION_TOLERANCE), x * (1 + PREDICTION_TOLERANCE), f"{x:.2f}× predicted",
                       f"its profile: {pred.reason}")


def causes(r: RunRecord, baseline: RunRecord | None, w: Workload, info: PlatformInfo) -> list[str]:
    """The measured facts that can make ``r``'s speedup differ from its expectation, most telling first."""
    out: list[str] = []
    mine = r.other_load_cores is not None and r.other_load_cores >= LOAD_CAUSE_CORES
    base = baseline is not None and baseline.other_load_cores is not None and \
        baseline.other_load_cores >= LOAD_CAUSE_CORES
    if mine:
        out.append(f"other programs used {r.other_load_cores:.1f} cores during it")
    if base:
        assert baseline is not None
        out.append(f"the serial baseline was disturbed: other programs used {baseline.other_load_cores:.1f} "
                   "cores during it")
    if r.spread is not None and r.spread >= WIDE_SPREAD:
        out.append(f"its repeats spread ±{r.spread:.0%}")
    if baseline is not None and baseline.spread is not None and baseline.spread >= WIDE_SPREAD:
        out.append(f"the serial baseline's repeats spread ±{baseline.spread:.0%}")
    if (r.mode in POOL_MODES or r.mode == "dask") and w.kind in ("cpu", "own") and r.wall_s < SHORT_WORK_S:
        out.append(f"the whole run took {r.wall_s * 1000:.0f} ms, so sending inputs and results and waking the "
                   "workers weigh as much as the work")
    return out


#: How a paragraph names each parallel mode and its workers.
_MODE_WORDS = {"threads": ("Threads", "threads"), "processes": ("Processes", "worker processes"),
               "interpreters": ("Subinterpreters", "subinterpreters in one process"),
               "dask": ("Dask", "Dask worker processes")}


def _mode_paragraph(r: RunRecord, baseline: RunRecord | None, w: Workload, info: PlatformInfo,
                    beside: Sequence[RunRecord] = ()) -> str:
    name, unit = _MODE_WORDS[r.mode]
    assert r.speedup is not None
    head = f"{name}: {r.speedup:.2f}× with {r.workers} {unit}"
    if r.mode == "dask":
        head += f" × {r.threads_per_worker} thread{'s' if r.threads_per_worker > 1 else ''}"
    if r.efficiency is not None and (r.mode in POOL_MODES or r.mode == "dask"):
        head += f" ({r.efficiency:.0%} efficiency on {info.logical_cores} logical cores)"
    exp = expectation(r, w, info)
    found = causes(r, baseline, w, info)
    predicted = exp.target.endswith("predicted")
    if exp.target == "no prediction":
        text = f"{head}. Nothing was predicted for it: {exp.why}."
        if found:
            text += f" Note that {'; '.join(found)}."
    elif exp.holds(r.speedup):
        text = f"{head}, {'as predicted' if predicted else 'as expected'}: {exp.why}."
        if found:
            text += f" Note that {'; '.join(found)}."
    else:
        text = f"{head}, not the {exp.target}" + ("" if predicted else " expected here")
        text += (", because " + "; ".join(found) + ".") if found else \
            ", and nothing measured explains it (no load, no wide spread): repeat the comparison to be sure."
        text += f" Why {exp.target}: {exp.why}."
    if r.mode == "interpreters":
        text += " " + _interpreters_note(r)
    if r.mode == "dask":
        text += " " + dask_note(r, beside, info.logical_cores)
    if r.gil_notes:
        text += " " + gil_back_on(r)
    if r.efficiency is not None and r.efficiency > 1.0 + 0.02:
        text += " " + _over_100(r, baseline, found)
    return text


def gil_back_on(r: RunRecord) -> str:
    """A free-threaded run whose GIL came back on: said, with the interpreter's own words, never hidden."""
    said = " ".join(r.gil_notes)
    return (f"Its Python turned the GIL back on during the run, so this was not a run without the GIL: {said} "
            "Its threads took turns from then on.")


def per_chunk_cost_s(r: RunRecord) -> float | None:
    """What handing out one chunk cost in ``r``, measured: its workers' time before and between their chunks,
    over the chunks (seconds; None without a split). For a pool or a cluster, that is scheduling and transfer."""
    if not r.split or r.chunk_size <= 0:
        return None
    lanes = r.workers * r.threads_per_worker
    chunks = -(-r.tasks // r.chunk_size)
    return (r.split.get("dispatch_s", 0.0) + r.split.get("between_s", 0.0)) * lanes / chunks


#: A cluster's own CPU use (beside its tasks') worth a sentence, in cores.
MACHINERY_WORTH_SAYING = 0.05


def machinery_cores(r: RunRecord) -> float | None:
    """Cores' worth of CPU a run's workers' processes used besides its tasks: the record's CPU time (its
    processes, and the thread that drove them) less its tasks' own, over the wall time. None without a split."""
    if not r.split or r.wall_s <= 0:
        return None
    tasks_cpu = r.split.get("compute_s", 0.0) * r.workers * r.threads_per_worker
    return max(0.0, r.cpu_s - tasks_cpu) / r.wall_s


def dask_note(r: RunRecord, beside: Sequence[RunRecord] = (), cores: int | None = None) -> str:
    """A Dask run's costs, measured: cluster start, per-task scheduling and transfer, the cluster's own CPU use,
    and the pool beside it. ``cores``: this machine's logical cores (None: not said)."""
    cluster = r.cluster or {}
    chunks = -(-r.tasks // max(1, r.chunk_size))
    out = []
    start = (r.split or {}).get("pool_start_s")
    if start is not None and cluster.get("started_here"):
        out.append(f"Starting its LocalCluster (scheduler, {r.workers} workers, and a first call on each) took "
                   f"{start:.2f} s, which is not part of the wall time")
    cost = per_chunk_cost_s(r)
    serial = next((b for b in beside if b.is_serial_baseline and b.same_inputs(r)), None)
    if cost is not None:
        each = "one task" if r.chunk_size == 1 else f"{r.chunk_size} tasks"
        text = (f"Its {chunks} Dask tasks ({each} each) cost about {cost * 1000:.1f} ms each to schedule and to "
                "send out and back (its worker threads' time before and between them)")
        if serial is not None and chunks:
            work = serial.wall_s / chunks  # a chunk's work, as the serial run did it
            text += f", against ~{work * 1000:.0f} ms of work in each: {cost / work:.0%} on top of it"
        out.append(text)
    machinery = machinery_cores(r)
    if machinery is not None and machinery >= MACHINERY_WORTH_SAYING:
        text = (f"Besides the tasks, the cluster's own work (its scheduler, the workers' event loops and messages, "
                f"this app gathering the results) used {machinery:.2f} of a core during the run")
        lanes = r.workers * r.threads_per_worker
        if cores is not None and lanes >= cores:
            text += f", on {cores} cores that its {lanes} worker threads needed all of"
        out.append(text)
    pool = next((p for p in beside if p.mode == "processes" and p.status == RunStatus.DONE.value), None)
    if pool is not None:
        pool_cost = per_chunk_cost_s(pool)
        text = f"The process pool beside it took {pool.wall_s:.2f} s to Dask's {r.wall_s:.2f} s"
        if pool_cost is not None:
            text += f" (its chunks cost {pool_cost * 1000:.1f} ms each)"
        if r.wall_s >= pool.wall_s:
            text += ": on one machine the pool does the same work with less machinery"
        out.append(text)
    out.append("What Dask adds is workers on other machines (a scheduler you name: --scheduler, or the "
               "Scheduler field), which a pool cannot use")
    return ". ".join(out) + "." if out else ""


def _interpreters_note(r: RunRecord) -> str:
    """What a subinterpreter run costs and cannot do, from its record and the Python that ran it."""
    major_minor = tuple(int(p) for p in (r.python or {}).get("version", "0.0").split(".")[:2] if p.isdigit())
    engine = ("concurrent.interpreters" if major_minor >= (3, 14) else
              "the private _interpreters module" if major_minor == (3, 13) else
              "the private _xxsubinterpreters module")
    start = (r.split or {}).get("pool_start_s")
    text = f"They ran through {engine}"
    if start is not None and start >= 0.001:
        text += (f"; starting the host and its {r.workers} subinterpreters took {start * 1000:.0f} ms, which is "
                 "not part of the wall time")
    return text + ". Extension modules that do not support subinterpreters (NumPy, so far) do not load in them."


def _over_100(r: RunRecord, baseline: RunRecord | None, found: list[str]) -> str:
    """Why an efficiency above 100 % was measured: never shown without a word."""
    base = baseline.wall_s if baseline is not None else None
    lead = (f"An efficiency of {r.efficiency:.0%} means each worker did more than one serial run's worth per "
            "second")
    if base is not None:
        lead += f" (the serial baseline took {base:.2f} s)"
    if found:
        return f"{lead}: that is the disturbance above, not extra speed."
    return f"{lead}; no measured load or spread explains it, so the baseline itself was probably slowed. Repeat it."


def conclusion(v: Verdict, records: list[RunRecord], names: Sequence[str] | None = None) -> str:
    """The last paragraph: the verdict, in the rule's own words (``names``: as in :func:`verdict`)."""
    called = list(names) if names is not None else names_of(records)
    if v.clear and v.winner is not None:
        win = records[called.index(v.winner)]
        # No serial baseline among them, or several Pythons (each speedup against its own): the times themselves.
        if win.speedup is None or spans_pythons(records):
            rest_s = ", ".join(f"{n} {r.wall_s:.2f} s" for n, r in zip(called, records) if r is not win)
            return f"Verdict: {v.winner} is the clear winner here ({win.wall_s:.2f} s against {rest_s})."
        rest = [(n, r) for n, r in zip(called, records) if r is not win and r.speedup is not None]
        vs = ", ".join(f"{n} {r.speedup:.2f}×" for n, r in rest)
        return (f"Verdict: {v.winner} is the clear winner here ({win.speedup:.2f}×" +
                (f" against {vs}" if vs else "") + ").")
    if v.busy is not None:
        return (f"Verdict: none. Other programs used up to {v.busy:.1f} cores during these runs, so no "
                "difference between them can be trusted here; run the comparison again on a quiet machine.")
    if v.rival is not None:
        return (f"Verdict: too close to call here (±{(v.needed or 0):.0%}): {v.fastest} was fastest, but not "
                f"faster than {v.rival} by more than their spreads allow.")
    return "Verdict: nothing to compare yet."


def explain(records: list[RunRecord], info: PlatformInfo, names: Sequence[str] | None = None) -> str:
    """A short, friendly explanation of a comparison, from its measured numbers (plain text, one paragraph each).

    ``names``: what to call each run (default :func:`~concgui.engine.verdict.names_of`), as its chart does.
    Runs on several Pythons are explained per Python (each against its own
    serial run), then side by side (:func:`across_pythons`).
    """
    called = dict(zip(map(id, records), names if names is not None else names_of(records)))
    done = [r for r in records if r.status == RunStatus.DONE.value]
    if not done:
        return "No run finished, so there is nothing to compare yet."
    w = get_workload(done[0].workload)
    out: list[str] = []
    groups = python_groups(done)
    for group in groups:
        if len(groups) > 1:
            out.append(_python_heading(group[0], info))
        out += _group_paragraphs(group, w, info)
    if len(groups) > 1:
        out += across_pythons(groups, info)
    done_names = [called[id(r)] for r in done]
    out.append(conclusion(verdict(done, done_names), done, done_names))
    out += _results_lines(groups, called)
    return "\n\n".join(out)


def _python_heading(r: RunRecord, info: PlatformInfo) -> str:
    py = r.python or {}
    build = "free-threaded build" if py.get("free_threaded") else "normal build"
    gil = "GIL on" if py.get("gil_enabled", True) else "GIL off"
    whose = "the Python running concgui" if py.get("executable") == info.executable else py.get("executable")
    return f"On Python {python_tag(py)} ({build}, {gil}; {whose}):"


def _group_paragraphs(done: list[RunRecord], w: Workload, info: PlatformInfo) -> list[str]:
    """The serial baseline's line, then one paragraph per mode: the runs of one Python."""
    serial = next((r for r in done if r.is_serial_baseline), None)
    out: list[str] = []
    if serial is not None:
        reps = len(serial.samples_wall_s)
        what = f"calls of {w.name.partition(':')[2]}" if w.kind == "own" else f"tasks of {w.name}"
        line = f"Serial: {serial.tasks} {what} took {serial.wall_s:.2f} s on one thread"
        if serial.python and serial.python.get("executable") != info.executable:
            line += f" of Python {serial.python.get('version')}"
        if reps > 1 and serial.spread is not None:
            line += f" (median of {reps} repeats, ±{serial.spread:.0%})"
        out.append(line + ". That is the baseline every speedup is measured against.")
    for r in done:
        if r.mode in _MODE_WORDS and r.speedup is not None:
            out.append(_mode_paragraph(r, serial, w, info, done))
    return out


def across_pythons(groups: list[list[RunRecord]], info: PlatformInfo) -> list[str]:
    """What the same serial work cost on each Python, and a free-threaded build's single-thread overhead.

    Only measured ratios are stated: serial against serial, the one run that
    no pool, start-up or GIL switching touches. A free-threaded build's
    overhead is named only where a normal build of the same version ran too.
    """
    serials = [next((r for r in g if r.is_serial_baseline), None) for g in groups]
    have = [s for s in serials if s is not None]
    if len(have) < 2:
        return ["Not every Python ran the serial baseline, so their speeds are not compared here."]
    ref = next((s for s in have if (s.python or {}).get("executable") == info.executable), have[0])
    parts = [f"{s.wall_s:.2f} s on {python_tag(s.python)}" for s in have]
    ratios = [f"{python_tag(s.python)} took {s.wall_s / ref.wall_s:.2f}× as long as {python_tag(ref.python)}"
              for s in have if s is not ref and ref.wall_s > 0]
    out = [f"Across Pythons: the same serial work took {', '.join(parts)}; " + "; ".join(ratios) + "."]
    for ft in (s for s in have if (s.python or {}).get("free_threaded")):
        normal = next((s for s in have if not (s.python or {}).get("free_threaded")
                       and _minor(s) == _minor(ft)), None)
        if normal is None or normal.wall_s <= 0:
            continue
        overhead = ft.wall_s / normal.wall_s - 1
        out.append(f"The free-threaded build's single-thread overhead, measured here: serial on "
                   f"{python_tag(ft.python)} took {overhead:+.0%} against the normal {python_tag(normal.python)} "
                   "(typically about +40 % for 3.13t and +5–10 % for 3.14t); that is the price its threads "
                   "must win back.")
    return out


def _minor(r: RunRecord) -> tuple[int, ...]:
    version = str((r.python or {}).get("version", "0.0"))
    return tuple(int("".join(c for c in p if c.isdigit()) or 0) for p in version.split(".")[:2])


def _results_lines(groups: list[list[RunRecord]], called: dict[int, str]) -> list[str]:
    """Whether every run computed what its serial run did, and (across Pythons) whether the Pythons agree."""
    done = [r for g in groups for r in g]
    checked = [r for r in done if r.results_ok is not None]
    serials = [r for g in groups for r in g if r.is_serial_baseline]
    digests = {r.interpreter: r.digest for r in serials}
    if any(r.results_ok is False for r in checked):
        bad = ", ".join(called[id(r)] for r in checked if r.results_ok is False)
        return [f"Warning: the results of {bad} differ from the serial run."]
    if not checked:
        return []
    if len(set(digests.values())) > 1:
        return ["Each run matched the serial run of its own Python, but the Pythons' serial results differ "
                "from one another: the same tasks computed different values on different Pythons."]
    digest = (next(iter(digests.values()), "") or "")[:12]
    where = " on every Python" if len(groups) > 1 else ""
    return [f"All runs produced identical results{where} (digest {digest}…)."]
