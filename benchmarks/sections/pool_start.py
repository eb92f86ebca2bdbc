"""``pool-start``: from the call to the first result, per start method, cold and warm.

Each measurement runs in a fresh interpreter (so "cold" really is cold: the
fork server, if any, is started too, and nothing is imported or cached yet),
which first imports everything it needs and then times:

* concgui: ``Runner().run(RunConfig(..., mode="processes", start_method=m))``
  from the call to the first ``TasksFinished`` given to ``on_event``; "warm"
  is a second run on the same Runner (its pool is kept).
* bare: a new ``ProcessPoolExecutor(mp_context=get_context(m))``, the same
  tasks submitted, until the first future is done; "warm" is a second batch
  on the same executor.

Both start ``cores`` workers and run ``2 × cores`` tiny tasks (~0.1 ms).
"""

from __future__ import annotations

import json
import subprocess

from benchmarks.report import Report
from benchmarks.sections._common import ROOT, child_env, cores, median, python

SIZE = 1000  # cpu-python iterations: ~0.14 ms
COLD_RATIO = 1.25
WARM_MS = 10.0


def child(harness: str, method: str, workers: int) -> None:
    """Body of one measuring interpreter: prints ``{"cold": s, "warm": s}``."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from functools import partial

    from benchmarks import bare
    from concgui.engine.clock import now
    from concgui.engine.config import RunConfig
    from concgui.engine.events import RunStatus, TasksFinished
    from concgui.engine.runner import Runner
    from concgui.engine.workloads import cpu_python

    tasks = 2 * workers
    out = {}
    if harness == "concgui":
        cfg = RunConfig("cpu-python", "processes", workers, tasks, SIZE, method, chunk_size=1)

        def first_result(runner: Runner) -> float:
            first: list[float] = []

            def on_event(ev: object) -> None:
                if not first and isinstance(ev, TasksFinished):
                    first.append(now())

            t0 = now()
            fin = runner.run(cfg, on_event)
            assert fin.status is RunStatus.DONE, fin.error
            return first[0] - t0

        with Runner() as runner:
            out["cold"] = first_result(runner)
            out["warm"] = first_result(runner)
    else:
        fn = partial(bare.task, cpu_python, SIZE)
        t0 = now()
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as ex:
            for key in ("cold", "warm"):
                if key == "warm":
                    t0 = now()
                futs = [ex.submit(fn, i) for i in range(tasks)]
                done, _ = wait(futs, return_when=FIRST_COMPLETED)
                next(iter(done)).result()
                out[key] = now() - t0
                wait(futs)
    print(json.dumps(out))


def _measure(harness: str, method: str, workers: int) -> dict:
    code = f"from benchmarks.sections.pool_start import child; child({harness!r}, {method!r}, {workers})"
    p = subprocess.run([python(), "-c", code], cwd=ROOT, env=child_env(), capture_output=True, text=True,
                       timeout=120)
    if p.returncode != 0:
        raise RuntimeError(f"{harness}/{method} child failed: {p.stderr.strip()[-300:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def pool_start(report: Report, quick: bool = False) -> None:
    from concgui.engine import startmethods

    workers = cores()
    default = startmethods.default()
    methods = [m for m in ("fork", "forkserver", "spawn") if m in startmethods.available()]
    reps = 1 if quick else 5
    res: dict = {(m, h): {"cold": [], "warm": []} for m in methods for h in ("concgui", "bare")}
    for r in range(reps):  # interleaved: every method and harness once per round, order rotated
        order = [(m, h) for m in methods for h in (("concgui", "bare") if r % 2 == 0 else ("bare", "concgui"))]
        for m, h in order:
            try:
                got = _measure(h, m, workers)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                report.add("pool-start", f"{m}: {h}", f"failed: {exc}"[:300])
                return
            for k in ("cold", "warm"):
                res[(m, h)][k].append(got[k])
    for m in methods:
        info = m == "fork"
        tag = " (default)" if m == default else ""
        c = {k: median(v) for k, v in res[(m, "concgui")].items()}
        b = {k: median(v) for k, v in res[(m, "bare")].items()}
        note = "fork: for information only, never the GUI's default (unsafe in a process with threads)" \
            if info else ""
        ratio = c["cold"] / b["cold"]
        report.add("pool-start", f"{m}{tag}, cold: call → first result, {workers} workers",
                   f"concgui {c['cold'] * 1000:.1f} ms vs bare {b['cold'] * 1000:.1f} ms = {ratio:.2f}× "
                   f"(median of {reps})", "info" if info else f"≤ {COLD_RATIO}× bare",
                   None if info else ratio <= COLD_RATIO,
                   note=note or ("" if ratio <= COLD_RATIO else
                                 "missed: the Runner waits for every worker's hello before it hands out "
                                 "work; bare runs the first task on the first worker up"), value=c["cold"])
        wr = c["warm"] / b["warm"]
        report.add("pool-start", f"{m}{tag}, warm (second run, same pool): call → first result",
                   f"concgui {c['warm'] * 1000:.2f} ms vs bare {b['warm'] * 1000:.2f} ms = {wr:.2f}×",
                   "info" if info else f"≤ {WARM_MS:g} ms", None if info else c["warm"] * 1000 <= WARM_MS,
                   note=note, value=c["warm"])
