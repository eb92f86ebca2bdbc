"""``engine``: speedups of threads and processes against serial, on the same inputs."""

from __future__ import annotations

import os

from benchmarks.report import Report


def _run(runner, cfg):
    """Run one config; return its RunStarted and RunFinished."""
    from concgui.engine.events import RunStarted

    started: list = []
    fin = runner.run(cfg, lambda ev: started.append(ev) if isinstance(ev, RunStarted) else None)
    return started[0], fin


def engine(report: Report, quick: bool = False) -> None:
    """Speedups of threads and processes against serial, on the same inputs."""
    from concgui.engine.compare import make_record
    from concgui.engine.config import RunConfig
    from concgui.engine.runner import Runner

    cores = os.cpu_count() or 1
    scale = 0.5 if quick else 1.0
    with Runner() as runner:
        def compare(workload: str, tasks: int, size: int | None, mode: str, workers: int):
            st, base = _run(runner, RunConfig(workload, "serial", 1, tasks, size))
            serial = make_record(st, base, None)
            st, fin = _run(runner, RunConfig(workload, mode, workers, tasks, size))
            rec = make_record(st, fin, serial)
            assert rec.results_ok, f"{workload} {mode}: results differ from serial"
            return rec

        tasks = int(32 * scale) * cores // 2 or 8
        # 1. processes: efficiency at 1 .. cores workers
        n = 1
        while n <= cores:
            rec = compare("cpu-python", max(tasks, 8 * n), None, "processes", n)
            target = 0.9 if cores <= 2 else 0.85
            report.add("engine", f"cpu-python processes ×{n}: efficiency", f"{rec.efficiency:.2f} "
                       f"(speedup {rec.speedup:.2f}×)", f"≥ {target}", rec.efficiency >= target,
                       value=rec.efficiency)
            n *= 2
        # 2. threads on pure Python: about 1× (the lesson)
        rec = compare("cpu-python", tasks, None, "threads", cores)
        report.add("engine", f"cpu-python threads ×{cores}: speedup", f"{rec.speedup:.2f}×", "≈ 1× (GIL)",
                   0.7 <= rec.speedup <= 1.35, value=rec.speedup)
        # 3. threads on GIL-releasing work scale
        rec = compare("cpu-hash", tasks, None, "threads", cores)
        target = 0.8 * cores
        report.add("engine", f"cpu-hash threads ×{cores}: speedup", f"{rec.speedup:.2f}×", f"≥ {target:.1f}×",
                   rec.speedup >= target, value=rec.speedup)
        rec = compare("io-sleep", 16, 50, "threads", 8)
        report.add("engine", "io-sleep threads ×8: speedup", f"{rec.speedup:.2f}×", "≥ 6×",
                   rec.speedup >= 6, value=rec.speedup)
