"""Instructions, not seconds: what concgui's thread run executes per tiny task against a bare executor.

Why: on a shared 2-core VM the wall-time pairs of ~0.4 s runs spread over
±15 %, more than the few per cent a tiny task's bookkeeping costs. Valgrind's
``callgrind`` counts the instructions a process executes, which repeats for
the same program and inputs whatever else the machine does. So beside the
wall-time rows, the tiny-tasks section counts one thread run of concgui and
one of the bare executor at two task counts; the difference between the
counts, over the difference in tasks, is the instructions per task with every
constant (start-up, imports, thread starts) cancelled out.

Under valgrind a program runs tens of times slower, so everything concgui
does by the clock (a fold every ~10 ms, the drain every 50 ms, the 1 ms line
between tiny and long tasks) and the interpreter's GIL switch interval would
come tens of times more often per task than in a real run. The child scales
them all by its measured slowdown (this machine's time for the same bare
tasks natively, against under valgrind), so each event comes as often per
task as it does for real. What this cannot show: the cost of two threads
really contending for one GIL on two cores (valgrind runs one thread at a
time). The wall-time rows hold that.

Run as ``python -m benchmarks.instructions WHICH WORKERS TASKS SLOWDOWN`` by
:func:`per_task`, never by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial

SIZE = 20  # cpu-python iterations: ~3 µs, as in the tiny-tasks section
CALIBRATE = 5_000  # bare tasks timed natively and under valgrind: the slowdown


def available() -> bool:
    return shutil.which("valgrind") is not None


def _bare_seconds(n: int) -> float:
    from concgui.engine.workloads import get_workload, task_seed

    func = get_workload("cpu-python").func
    t0 = time.perf_counter()
    for i in range(n):
        func(SIZE, task_seed(i))
    return time.perf_counter() - t0


def _count(argv: list[str], cwd: str, timeout: float) -> tuple[int, str]:
    """Instructions callgrind counted for ``argv`` (the whole process), and what it printed."""
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"valgrind exited {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}")
    found = re.search(r"Collected\s*:\s*([\d,]+)", proc.stderr)
    if found is None:
        raise RuntimeError("callgrind printed no count")
    return int(found.group(1).replace(",", "")), proc.stdout


def per_task(python: str, cwd: str, workers: int, small: int, large: int,
             timeout: float = 600.0) -> dict[str, float]:
    """Instructions per task of ``concgui`` and ``bare`` thread runs, and valgrind's slowdown here."""
    native = min(_bare_seconds(CALIBRATE) for _ in range(5))
    _, printed = _count([python, "-m", "benchmarks.instructions", "calibrate", "1", str(CALIBRATE), "1"], cwd,
                        timeout)
    slowdown = max(1.0, float(printed.split()[-1]) / native)
    runs = [(which, n) for n in (small, large) for which in ("concgui", "bare")]

    def count(run: tuple[str, int]) -> int:
        which, n = run
        return _count([python, "-m", "benchmarks.instructions", which, str(workers), str(n), f"{slowdown:.3f}"],
                      cwd, timeout)[0]

    # Two at a time where there are two cores: valgrind runs a program on one, and a count does not
    # depend on what runs beside it (only the clock-driven rhythms would, a little, on a loaded machine).
    with ThreadPoolExecutor(2 if (os.cpu_count() or 1) >= 2 else 1) as ex:
        counts = dict(zip(runs, ex.map(count, runs)))
    out: dict[str, float] = {"slowdown": slowdown}
    for which in ("concgui", "bare"):
        out[which] = (counts[which, large] - counts[which, small]) / (large - small)
    return out


def _child(which: str, workers: int, tasks: int, slowdown: float) -> None:
    from benchmarks import bare
    from concgui.engine import threads, worker
    from concgui.engine.config import RunConfig
    from concgui.engine.runner import Runner
    from concgui.engine.workloads import get_workload

    if which == "calibrate":
        print(min(_bare_seconds(tasks) for _ in range(3)))  # the best of 3, as natively the best of 5
        return
    # Every clock-driven rhythm as often per task as in a real run (see the module's docstring).
    worker.FOLD_S *= slowdown
    worker.EXACT_CPU_S *= slowdown
    worker.PROGRESS_S *= slowdown
    sys.setswitchinterval(sys.getswitchinterval() * slowdown)
    func = get_workload("cpu-python").func
    per_chunk = partial(bare.chunk, func, SIZE)
    with Runner() as runner, ThreadPoolExecutor(workers) as tex:
        runner.drain_s = threads.DRAIN_S * slowdown
        cfg = RunConfig("cpu-python", "threads", workers, tasks, SIZE).validate()
        # The bare executor's chunks are the processes mode's automatic size, as in the wall-time row.
        chunk = RunConfig("cpu-python", "processes", workers, tasks, SIZE).validate().chunk_size or tasks
        # Both warm (their code's first run, the threads' start) at a size that cancels out.
        runner.run(RunConfig("cpu-python", "threads", workers, 100, SIZE).validate())
        list(tex.map(per_chunk, [(0, 100)]))
        if which == "concgui":
            runner.run(cfg)
        else:
            list(tex.map(per_chunk, [(s, min(s + chunk, tasks)) for s in range(0, tasks, chunk)]))


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
