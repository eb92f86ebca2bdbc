"""``verdicts``: does ``concgui bench`` name the right winner, and refuse to on a busy machine?

The same command a user types, ``concgui bench --workload cpu-python --modes
serial,threads,processes --workers N --repeats 3`` (N = the cores), twice in a
fresh process each:

* on the machine as it is (quiet, as far as this harness knows): the verdict
  should name processes the clear winner (pure Python: threads take turns on
  the GIL, processes use every core);
* with one CPU-burning program per core running beside it: the record must
  measure that load (``other_load_cores`` ≥ 0.8) and the verdict must not name
  threads the winner (it names none: "no ranking can be trusted").

The rows quote the command's own verdict line, the medians ± spread and the
others' load: the figures a user would see.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from benchmarks.report import Report
from benchmarks.sections._common import ROOT, child_env, cores

BURN = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end: pass\n"


def _bench(workers: int, size: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "b.json")
        subprocess.run([sys.executable, "-m", "concgui", "bench", "--workload", "cpu-python",
                        "--modes", "serial,threads,processes", "--workers", str(workers), "--tasks", "16",
                        "--size", str(size), "--repeats", "3", "--json", path],
                       cwd=ROOT, env=child_env(), check=True, capture_output=True, timeout=300)
        with open(path) as f:
            return json.load(f)


def _summary(doc: dict) -> str:
    runs = ", ".join(f"{r['mode']} {r['wall_s']:.3f} s ±{(r['spread'] or 0):.0%} (others "
                     f"{r['other_load_cores'] if r['other_load_cores'] is not None else '–'})" for r in doc["runs"])
    v = doc["verdict"]
    return f"winner: {v['winner'] or 'none'} (clear: {v['clear']}); {runs}"


def verdicts(report: Report, quick: bool = False) -> None:
    n = max(2, cores())
    size = 150_000 if quick else 300_000
    quiet = _bench(n, size)
    report.add("verdicts", f"`concgui bench` cpu-python serial/threads/processes ×{n}, 3 repeats, as the machine is",
               _summary(quiet), "processes named the clear winner",
               quiet["verdict"]["winner"] == f"processes ×{n}" and quiet["verdict"]["clear"])
    burners = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(n)]
    try:
        busy = _bench(n, size)
    finally:
        for p in burners:
            p.kill()
        for p in burners:
            p.wait()
    loads = [r["other_load_cores"] for r in busy["runs"] if r["other_load_cores"] is not None]
    worst = max(loads, default=0.0)
    report.add("verdicts", f"the same with {n} CPU-burning programs beside it",
               _summary(busy), "others ≥ 0.8 cores measured, threads never the winner",
               worst >= 0.8 and "threads" not in (busy["verdict"]["winner"] or ""), value=worst)
