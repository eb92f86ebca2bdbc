"""Turn finished runs into comparable records, and say why they differ.

Speedup is always against a *serial* run of the same workload, task count and
size (the same inputs), and "results ok" means the run's digest equals that
serial run's. The explanation is written from the measured numbers and from
facts read off the running interpreter (GIL state, switch interval), never
from assumptions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable

from concgui.engine.events import RunFinished, RunStarted, RunStatus
from concgui.engine.platform_info import PlatformInfo
from concgui.engine.workloads import get_workload


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

    def as_dict(self) -> dict:
        return asdict(self)

    def same_inputs(self, other: "RunRecord | RunStarted") -> bool:
        return (self.workload, self.tasks, self.size) == (other.workload, other.tasks, other.size)

    @property
    def is_serial_baseline(self) -> bool:
        # Wherever a serial run ran (this process, a worker host, a GUI's own thread), it is the same
        # engine run on the same inputs: a baseline.
        return self.mode == "serial" and self.status == RunStatus.DONE.value


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
    )


def explain(records: list[RunRecord], info: PlatformInfo) -> str:
    """A short, friendly explanation of a comparison, from its measured numbers.

    ``records`` are the runs of one comparison (serial first, as a rule).
    Returns plain text with one paragraph per finding.
    """
    by_mode = {r.mode: r for r in records if r.status == RunStatus.DONE.value}
    if not by_mode:
        return "No run finished, so there is nothing to compare yet."
    any_rec = next(iter(by_mode.values()))
    w = get_workload(any_rec.workload)
    cores = info.logical_cores
    switch_ms = info.switch_interval_s * 1000
    out: list[str] = []

    serial = by_mode.get("serial")
    if serial:
        out.append(f"Serial: {serial.tasks} tasks of {w.name} took {serial.wall_s:.2f} s on one thread. "
                   "That is the baseline every speedup is measured against.")

    t = by_mode.get("threads")
    if t and t.speedup is not None:
        head = f"Threads: {t.speedup:.2f}× with {t.workers} threads."
        if w.kind == "io":
            why = ("The tasks mostly wait (for a timer, the disk or the network), and a waiting thread "
                   "releases the GIL, so the waits overlap. Waiting needs no core, so threads can beat "
                   "the core count here.")
        elif w.gil == "holds" and info.gil_enabled:
            why = ("This workload is pure Python, so each thread needs the GIL to run: only one runs "
                   f"Python bytecode at a time, and they swap every switch interval ({switch_ms:g} ms "
                   "on this interpreter). More threads add switching, not speed.")
        elif w.gil == "holds":
            why = ("The GIL is disabled in this interpreter (a free-threaded build), so even pure-Python "
                   "threads run in parallel.")
        else:
            why = (f"{w.name} spends its time in C code that releases the GIL, so the threads really run "
                   f"in parallel, up to the {cores} cores of this machine.")
        out.append(f"{head} {why}")

    p = by_mode.get("processes")
    if p and p.speedup is not None:
        head = (f"Processes: {p.speedup:.2f}× with {p.workers} worker processes "
                f"({p.efficiency:.0%} efficiency) on {cores} logical cores.")
        if w.kind == "io":
            why = "Each process waits just like a thread would; processes add start-up and pickling costs."
        else:
            why = ("Each process has its own interpreter and its own GIL, so CPU work scales with the "
                   "cores you have, minus the cost of sending inputs and results between processes "
                   f"(kept small here by sending {p.chunk_size} task(s) per message).")
        if p.workers > cores and w.kind != "io":
            why += f" With more workers than cores ({p.workers} > {cores}), the extra ones can only take turns."
        out.append(f"{head} {why}")

    if t and p and t.speedup and p.speedup and w.kind == "cpu":
        winner = "processes" if p.speedup > t.speedup * 1.1 else "threads" if t.speedup > p.speedup * 1.1 else None
        if winner:
            out.append(f"For this workload, {winner} are the better choice on this machine.")
        else:
            out.append("Threads and processes did about equally well here.")

    checked = [r for r in by_mode.values() if r.results_ok is not None]
    if checked and all(r.results_ok for r in checked):
        digest = (serial.digest or "")[:12] if serial else ""
        out.append(f"All runs produced identical results (digest {digest}…).")
    elif any(r.results_ok is False for r in checked):
        bad = ", ".join(r.mode for r in checked if r.results_ok is False)
        out.append(f"Warning: the results of {bad} differ from the serial run.")
    return "\n\n".join(out)
