"""Turn finished runs into comparable records.

Speedup is always against a *serial* run of the same workload, task count and
size (the same inputs), and "results ok" means the run's digest equals that
serial run's. Repeats are folded by :mod:`concgui.engine.repeats`, ranked by
:mod:`concgui.engine.verdict` and explained by :mod:`concgui.engine.explain`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

from concgui.engine.events import RunFinished, RunStarted, RunStatus


@dataclass(frozen=True)
class RunRecord:
    """One finished run, as the results table, the CLI and the JSON show it."""

    run_id: int
    workload: str
    mode: str
    workers: int
    tasks: int
    size: int
    start_method: str | None
    chunk_size: int
    wall_s: float
    cpu_s: float
    speedup: float | None  # serial wall / this wall; None without a serial baseline
    efficiency: float | None  # speedup / workers
    results_ok: bool | None  # digest == serial digest; None without a baseline
    status: str
    digest: str | None
    error: str | None = None
    #: Which process and thread(s) ran the tasks (see :func:`ran_on`).
    ran_on: str = ""
    #: Every repeat's wall time, in the order run; ``wall_s`` is their median (see :mod:`concgui.engine.repeats`).
    samples_wall_s: tuple[float, ...] = ()
    #: How far the samples stray from the median: half their range, as a fraction of it (None: one sample).
    spread: float | None = None
    #: Cores' worth of CPU the rest of the machine used during the run (the median over its repeats).
    other_load_cores: float | None = None
    #: Where a finished run's wall time went, in seconds per worker (see :mod:`concgui.engine.time_split`).
    split: dict[str, float] | None = None
    #: The Python that ran it: ``{"version", "executable", "free_threaded", "gil_enabled"}``.
    python: dict | None = None
    #: What its workers' interpreter said about the GIL during it: a free-threaded build's warning that an
    #: import turned the GIL back on (see :mod:`concgui.engine.gil_watch`). Empty on a normal build.
    gil_notes: tuple[str, ...] = ()
    #: dask runs: threads per Dask worker process (``workers`` counts the processes).
    threads_per_worker: int = 1
    #: dask runs: the cluster it ran on (see :class:`~concgui.engine.events.RunStarted`); None otherwise.
    cluster: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def interpreter(self) -> str | None:
        """The executable that ran it: runs compare (and take a serial baseline) only within one Python."""
        return interpreter_of(self.python)

    def same_inputs(self, other: "RunRecord | RunStarted") -> bool:
        return ((self.workload, self.tasks, self.size, self.interpreter)
                == (other.workload, other.tasks, other.size, interpreter_of(other.python)))

    @property
    def is_serial_baseline(self) -> bool:
        # Wherever a serial run ran (this process, a worker host, a GUI's own thread), it is the same
        # engine run on the same inputs: a baseline.
        return self.mode == "serial" and self.status == RunStatus.DONE.value


def workers_count(workers: int, threads_per_worker: int = 1) -> str:
    """A run's workers as a number: "4", or a Dask cluster's "2×2" (worker processes × threads in each)."""
    return f"{workers}×{threads_per_worker}" if threads_per_worker > 1 else str(workers)


def interpreter_of(python: dict | None) -> str | None:
    return None if python is None else python.get("executable")


def python_tag(python: dict | None) -> str:
    """A run's Python in a few characters, for a name in a chart across Pythons: ``3.13.0``, ``3.13.0t``."""
    if not python:
        return "?"
    return f"{python.get('version')}{'t' if python.get('free_threaded') else ''}"


def short_python_tags(records: Iterable[RunRecord]) -> dict[str | None, str]:
    """Each interpreter's shortest tag that still tells them apart: ``3.13`` (``3.13.0`` if two share a minor)."""
    pythons = {r.interpreter: r.python for r in records}

    def short(py: dict | None) -> str:
        full = python_tag(py)
        if not py:
            return full
        parts = str(py.get("version", "")).split(".")
        return ".".join(parts[:2]) + ("t" if py.get("free_threaded") else "") if len(parts) >= 2 else full

    tags = {exe: short(py) for exe, py in pythons.items()}
    if len(set(tags.values())) < len(tags):
        tags = {exe: python_tag(py) for exe, py in pythons.items()}
    return tags


def spans_pythons(records: Iterable[RunRecord]) -> bool:
    """Whether ``records`` ran on more than one interpreter (their names and words must then say which)."""
    return len({r.interpreter for r in records}) > 1


def input_groups(records: Iterable[RunRecord]) -> list[list[RunRecord]]:
    """``records`` grouped by their inputs alone, whatever Python ran them, in the order each group appears.

    A comparison across Pythons charts such a group: the same tasks on this
    Python and on another, each run's speedup still against the serial run of
    its own interpreter (:func:`comparable_groups`).
    """
    groups: dict[tuple[str, int, int], list[RunRecord]] = {}
    for r in records:
        groups.setdefault((r.workload, r.tasks, r.size), []).append(r)
    return list(groups.values())


def python_groups(records: Iterable[RunRecord]) -> list[list[RunRecord]]:
    """``records`` split by the interpreter that ran them, interpreters in the order they first appear."""
    groups: dict[str | None, list[RunRecord]] = {}
    for r in records:
        groups.setdefault(r.interpreter, []).append(r)
    return list(groups.values())


def by_python(records: Iterable[RunRecord]) -> list[RunRecord]:
    """``records`` with the runs of each interpreter together, each interpreter's runs in their own order."""
    return [r for group in python_groups(records) for r in group]


def comparable_groups(records: Iterable[RunRecord]) -> list[list[RunRecord]]:
    """``records`` grouped by their inputs (workload, tasks, size) and Python, in the order each group first appears.

    Only runs of the same inputs compare: a chart or a verdict over a cpu-hash
    run and cpu-python ones would compare two different jobs; and a speedup is
    against serial on the same interpreter.
    """
    groups: dict[tuple[str, int, int, str | None], list[RunRecord]] = {}
    for r in records:
        groups.setdefault((r.workload, r.tasks, r.size, r.interpreter), []).append(r)
    return list(groups.values())


def find_baseline(records: Iterable[RunRecord], started: RunStarted) -> RunRecord | None:
    """The latest successful serial run with the same inputs as ``started``."""
    found = None
    for r in records:
        if r.is_serial_baseline and r.same_inputs(started):
            found = r
    return found


#: Where the engine ran the tasks, by (mode, where): the words the table, the CLI and the export use.
RAN_ON = {
    ("serial", "here"): "this process",
    ("threads", "here"): "threads of this process",
    ("serial", "host"): "worker host process",
    ("threads", "host"): "threads of a worker host process",
    ("processes", None): "worker processes",
    ("interpreters", None): "subinterpreters of a worker host process",
    ("dask", None): "Dask cluster workers",
}


def ran_on(started: RunStarted) -> str:
    """Which process and thread(s) ran the tasks of ``started``'s run, in a few words."""
    return RAN_ON.get((started.mode, started.where), "this process")


def make_record(started: RunStarted, finished: RunFinished, baseline: RunRecord | None,
                ran_on_override: str | None = None) -> RunRecord:
    """Combine a run's first and last events (and its serial baseline) into a record.

    ``ran_on_override``: a caller's own, more precise words for where the run
    ran in its process (a GUI's "GUI thread"), instead of :func:`ran_on`'s.
    """
    speedup = efficiency = None
    results_ok = None
    done = finished.status is RunStatus.DONE
    if started.mode == "serial" and done:
        speedup, results_ok = 1.0, True
    elif baseline is not None and done:
        speedup = baseline.wall_s / finished.wall_s if finished.wall_s > 0 else None
        results_ok = finished.digest == baseline.digest
    if speedup is not None:
        efficiency = speedup / started.workers
    return RunRecord(
        run_id=started.run_id,
        workload=started.workload,
        mode=started.mode,
        workers=started.workers,
        tasks=started.tasks,
        size=started.size,
        start_method=started.start_method,
        chunk_size=started.chunk_size,
        wall_s=finished.wall_s,
        cpu_s=finished.cpu_s,
        speedup=speedup,
        efficiency=efficiency,
        results_ok=results_ok,
        status=finished.status.value,
        digest=finished.digest,
        error=finished.error,
        ran_on=ran_on_override or ran_on(started),
        samples_wall_s=(finished.wall_s,),
        other_load_cores=finished.other_load_cores,
        split=dict(finished.split) if finished.split is not None else None,
        python=dict(started.python) if started.python is not None else None,
        gil_notes=tuple(finished.gil_notes),
        threads_per_worker=started.threads_per_worker,
        cluster=dict(started.cluster) if started.cluster is not None else None,
    )

