"""``dask``: the dask mode against serial, against a bare ``client.map`` + ``gather``, and its cluster start.

Side by side, in one run on one machine, cpu-python tasks of ~20 ms:

- **speedup**: concgui's serial run (the terminal's) against its dask mode on
  a LocalCluster of 2 workers it starts for each run, as a user gets it;
  interleaved pairs, median ratio (target ≥ 1.6×);
- **concgui / bare**: on one cluster (started once, by the same cluster host
  the mode uses), concgui's dask run (``--scheduler``: its own wall time, from
  the first submit to the last result filed, every event included) against a
  bare ``client.map(task, ids)`` + ``client.gather`` from a connected client,
  interleaved (target ≤ 1.1×);
- **cluster start**: how long starting the LocalCluster takes (the mode's
  ``cluster["start_s"]``: host, scheduler, workers, client, a first call on
  each), reported beside a cold process pool's start, both outside wall time;
- what each Dask task cost, measured from the run's split (see
  :func:`concgui.engine.explain.per_chunk_cost_s`);
- the issue's "done when": ``concgui bench --workload cpu-python --modes
  serial,dask --workers 2 --tasks 16`` as a user types it (target ≥ 1.4×,
  results equal to serial).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.report import Report
from benchmarks.sections._common import ROOT, child_env, interleave, median, ms, paired_ratio, python

SPEEDUP_TARGET = 1.6
BARE_TARGET = 1.1
CLI_TARGET = 1.4
TASK_S = 0.020


def dask(report: Report, quick: bool = False) -> None:
    from concgui.engine import dask_cluster

    if not dask_cluster.available():
        report.add("dask", "dask mode", f"skipped: Dask is not installed ({dask_cluster.INSTALL_COMMAND})", "info",
                   None)
        return
    from benchmarks import bare
    from concgui.engine.compare import make_record
    from concgui.engine.config import RunConfig
    from concgui.engine.events import RunStarted, RunStatus
    from concgui.engine.explain import per_chunk_cost_s
    from concgui.engine.runner import Runner
    from concgui.engine.workloads import get_workload

    w = get_workload("cpu-python")
    size = max(1, round(TASK_S / w.seconds_per_unit))
    tasks = 16 if quick else 32
    reps = 2 if quick else 7
    runner = Runner()
    digests: dict[str, str | None] = {}
    starts: list[float] = []
    costs: list[float] = []
    serial_walls: list[float] = []

    def run(name: str, cfg: RunConfig) -> float:
        seen: list[RunStarted] = []
        fin = runner.run(cfg, lambda ev: seen.append(ev) if isinstance(ev, RunStarted) else None)
        if fin.status is not RunStatus.DONE:
            raise RuntimeError(f"{name} run {fin.status.value}: {fin.error}")
        digests[name] = fin.digest
        if cfg.mode == "dask":
            rec = make_record(seen[0], fin, None)
            cost = per_chunk_cost_s(rec)
            if cost is not None:
                costs.append(cost)
            if seen[0].cluster and seen[0].cluster.get("started_here"):
                starts.append(seen[0].cluster["start_s"])
        else:
            serial_walls.append(fin.wall_s)
        return fin.wall_s

    try:
        serial = RunConfig("cpu-python", "serial", 1, tasks, size)
        local = RunConfig("cpu-python", "dask", 2, tasks, size)
        times = interleave({"serial": lambda: run("serial", serial), "dask": lambda: run("dask", local)}, reps)
        r, lo, hi = paired_ratio(times["serial"], times["dask"])
        ok = digests["serial"] == digests["dask"]
        per_task = median(serial_walls) / tasks
        report.add("dask", f"LocalCluster of 2 workers, {tasks} cpu-python tasks of ~{per_task * 1000:.0f} ms: "
                           "serial / dask wall", f"{r:.2f}× (serial {ms(median(times['serial']))}, dask "
                   f"{ms(median(times['dask']))}; pairs {lo:.2f}–{hi:.2f})", f"≥ {SPEEDUP_TARGET}×",
                   r >= SPEEDUP_TARGET and ok, note=("results equal to serial" if ok else "RESULTS DIFFER")
                   + "; a cluster started for each run, its start outside the wall time", value=r)
        pool = RunConfig("cpu-python", "processes", 2, tasks, size)
        with Runner() as cold:
            fin = cold.run(pool)  # a cold pool, as the first processes run of a session has
        report.add("dask", "cluster start (LocalCluster of 2 workers, in its host process)",
                   f"{median(starts):.2f} s median of {len(starts)} (range {min(starts):.2f}–{max(starts):.2f} s); "
                   f"a cold process pool of 2: {ms((fin.split or {}).get('pool_start_s', 0.0))}", "reported", None,
                   note="outside every run's wall time, as the pool's start is", value=median(starts))
        if costs:
            report.add("dask", "what each Dask task cost (scheduling, sending out and back)",
                       f"{median(costs) * 1000:.1f} ms per task, median of {len(costs)} runs "
                       f"(~{per_task * 1000:.0f} ms of work each)", "reported", None,
                       note="its worker threads' time before and between their tasks, from the run's split",
                       value=median(costs))
        _against_bare(report, runner, bare, w, size, tasks, reps)
    finally:
        runner.close()
    _cli_done_when(report)


def _against_bare(report: Report, runner, bare, w, size: int, tasks: int, reps: int) -> None:
    """concgui's dask run against a bare client.map + gather, on one cluster."""
    from distributed import Client

    from concgui.engine.config import RunConfig
    from concgui.engine.dask_cluster import DaskCluster
    from concgui.engine.results import results_digest

    cluster = DaskCluster(2, 1)
    cluster.start()
    try:
        cfg = RunConfig("cpu-python", "dask", 2, tasks, size, scheduler=cluster.address)
        digests: dict[str, str | None] = {}
        with Client(cluster.address, set_as_default=False) as client:
            def ours() -> float:
                fin = runner.run(cfg)
                digests["concgui"] = fin.digest
                return fin.wall_s

            def theirs() -> float:
                t0 = time.perf_counter()
                futures = client.map(bare.task, [w.func] * tasks, [size] * tasks, range(tasks), pure=False)
                values = client.gather(futures)
                t = time.perf_counter() - t0
                digests["bare"] = results_digest(dict(enumerate(values)))
                client.cancel(futures)
                return t

            theirs()  # warm: the bare task's module imported in every worker, as concgui's start does for its own
            times = interleave({"concgui": ours, "bare": theirs}, reps)
        r, lo, hi = paired_ratio(times["concgui"], times["bare"])
        ok = digests["concgui"] == digests["bare"]
        report.add("dask", f"concgui dask / bare client.map + gather, same cluster ({tasks} tasks)",
                   f"{r:.3f}× (concgui {ms(median(times['concgui']))} vs bare {ms(median(times['bare']))}; pairs "
                   f"{lo:.3f}–{hi:.3f})", f"≤ {BARE_TARGET}×", r <= BARE_TARGET and ok,
                   note=("results equal" if ok else "RESULTS DIFFER") + "; concgui's own wall time, every event "
                   "included; its client connects as its cluster start", value=r)
    finally:
        cluster.close()


def _cli_done_when(report: Report) -> None:
    """The issue's "done when", as a user types it."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "bench.json"
        cmd = [python(), "-m", "concgui", "bench", "--workload", "cpu-python", "--modes", "serial,dask",
               "--workers", "2", "--tasks", "16", "--json", str(out)]
        subprocess.run(cmd, cwd=ROOT, env=child_env(), check=True, capture_output=True, timeout=600)
        runs = json.loads(out.read_text())["runs"]
    dask_run = next(r for r in runs if r["mode"] == "dask")
    speedup, ok = dask_run["speedup"], dask_run["results_ok"]
    report.add("dask", "concgui bench --workload cpu-python --modes serial,dask --workers 2 --tasks 16",
               f"{speedup:.2f}× (median of 3 each), results {'equal to serial' if ok else 'DIFFER'}",
               f"≥ {CLI_TARGET}×", bool(ok) and speedup >= CLI_TARGET, value=speedup)

