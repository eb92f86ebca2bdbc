"""Scaling: speedup against the number of workers, and an Amdahl's-law fit. Qt-free.

A scaling run is a serial baseline plus threads and processes with 1, 2, 4,
… up to 2 × cores workers, all on identical inputs (:func:`plan`). Each
speedup is serial wall time / wall time. Amdahl's law says a job whose
serial (non-parallelizable) fraction is ``f`` runs at most

    S(n) = 1 / (f + (1 - f) / n)

times faster on ``n`` workers. :func:`fit_amdahl` finds the ``f`` in [0, 1]
whose curve is closest to the measured speedups (least squares on S), over
the worker counts up to the number of cores: past that, workers share cores,
which Amdahl's law does not model. For pure-Python threads under the GIL the
fitted ``f`` is close to 1 (nothing runs in parallel); for processes on
CPU-bound work it is small (start-up, pickling and the serial bits).
The GUI's Scaling tab and ``concgui bench --scale`` both use this module.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

from concgui.engine.compare import RunRecord
from concgui.engine.config import RunConfig

SCALE_MODES = ("threads", "processes")


def worker_counts(cores: int) -> list[int]:
    """1, 2, 4, … up to 2 × cores (plus ``cores`` and ``2 × cores`` themselves when not powers of two)."""
    top = max(2, 2 * max(1, cores))
    counts = {1 << k for k in range(int(math.log2(top)) + 1)}
    counts |= {max(1, cores), top}
    return sorted(c for c in counts if c <= top)


def plan(workload: str, tasks: int, size: int | None, cores: int, modes: Sequence[str] = SCALE_MODES,
         start_method: str | None = None, counts: Sequence[int] | None = None) -> list[RunConfig]:
    """The runs of a scaling experiment: serial first (the baseline), then each mode × worker count."""
    runs = [RunConfig(workload, "serial", 1, tasks, size)]
    for mode in modes:
        for n in counts or worker_counts(cores):
            runs.append(RunConfig(workload, mode, n, tasks, size, start_method if mode == "processes" else None))
    return runs


def amdahl(n: float, f: float) -> float:
    """Amdahl's speedup on ``n`` workers for serial fraction ``f``."""
    return 1.0 / (f + (1.0 - f) / n)


@dataclass(frozen=True)
class AmdahlFit:
    serial_fraction: float  # f, in [0, 1]
    rmse: float  # root-mean-square error of the fitted speedups
    points: int  # measurements fitted

    @property
    def max_speedup(self) -> float:
        """The limit of S(n) for unlimited workers: 1 / f."""
        return math.inf if self.serial_fraction <= 0 else 1.0 / self.serial_fraction


def fit_amdahl(workers: Sequence[float], speedups: Sequence[float]) -> AmdahlFit | None:
    """Least-squares fit of S(n) = 1 / (f + (1-f)/n), f in [0, 1]. None without a point at n > 1.

    A dense grid over [0, 1] finds the basin, then golden-section search
    refines it (to ~1e-9); no SciPy needed.
    """
    pts = [(float(n), float(s)) for n, s in zip(workers, speedups)
           if n >= 1 and s is not None and math.isfinite(s) and s > 0]
    if not any(n > 1 for n, _ in pts):
        return None

    def sse(f: float) -> float:
        return sum((s - amdahl(n, f)) ** 2 for n, s in pts)

    grid = [i / 1000 for i in range(1001)]
    errs = [sse(f) for f in grid]
    i = min(range(len(grid)), key=errs.__getitem__)
    lo, hi = grid[max(0, i - 1)], grid[min(len(grid) - 1, i + 1)]
    g = (math.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    for _ in range(60):
        if sse(c) < sse(d):
            b, d = d, c
            c = b - g * (b - a)
        else:
            a, c = c, d
            d = a + g * (b - a)
    f = min(max((a + b) / 2, 0.0), 1.0)
    if errs[i] < sse(f):  # an end of the interval was best
        f = grid[i]
    return AmdahlFit(f, math.sqrt(sse(f) / len(pts)), len(pts))


@dataclass(frozen=True)
class ScalingPoint:
    workers: int
    wall_s: float
    speedup: float | None
    efficiency: float | None


@dataclass
class ScalingResult:
    workload: str
    cores: int
    serial_wall_s: float | None
    points: dict[str, list[ScalingPoint]] = field(default_factory=dict)  # mode -> by worker count
    fits: dict[str, AmdahlFit | None] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "workload": self.workload, "cores": self.cores, "serial_wall_s": self.serial_wall_s,
            "points": {m: [asdict(p) for p in pts] for m, pts in self.points.items()},
            "fits": {m: (None if fit is None else {**asdict(fit), "max_speedup": (
                None if math.isinf(fit.max_speedup) else fit.max_speedup)}) for m, fit in self.fits.items()},
            "fit_range": f"workers <= {self.cores} (the cores)",
        }


def analyze(records: Iterable[RunRecord], cores: int) -> ScalingResult | None:
    """Group finished runs by mode and worker count, and fit each mode (None if no mode has two counts)."""
    recs = [r for r in records if r.status == "done"]
    serial = next((r for r in recs if r.is_serial_baseline), None)
    by_mode: dict[str, dict[int, RunRecord]] = {}
    for r in recs:
        if r.mode in SCALE_MODES:
            by_mode.setdefault(r.mode, {})[r.workers] = r  # the latest run per count wins
    if not any(len(v) >= 2 for v in by_mode.values()):
        return None
    workload = (serial or next(iter(next(iter(by_mode.values())).values()))).workload
    result = ScalingResult(workload, cores, serial.wall_s if serial else None)
    for mode in SCALE_MODES:
        runs = by_mode.get(mode)
        if not runs:
            continue
        pts = [ScalingPoint(n, r.wall_s, r.speedup, r.efficiency) for n, r in sorted(runs.items())]
        result.points[mode] = pts
        fit_pts = [(p.workers, p.speedup) for p in pts if p.speedup is not None and p.workers <= max(1, cores)]
        result.fits[mode] = fit_amdahl([n for n, _ in fit_pts], [s for _, s in fit_pts])
    return result


def summary_lines(result: ScalingResult) -> list[str]:
    """The result as plain text: speedup per worker count per mode, and the fitted serial fraction."""
    lines = [f"Scaling of {result.workload} on {result.cores} logical cores "
             f"(speedup = serial wall time / wall time; Amdahl fit over 1..{result.cores} workers):"]
    for mode, pts in result.points.items():
        cells = "  ".join(f"{p.workers}→{'-' if p.speedup is None else f'{p.speedup:.2f}×'}" for p in pts)
        fit = result.fits.get(mode)
        if fit is None:
            tail = "no fit (needs a run with 2+ workers and a serial baseline)"
        else:
            lim = "unbounded" if math.isinf(fit.max_speedup) else f"{fit.max_speedup:.1f}×"
            tail = f"serial fraction f = {fit.serial_fraction:.3f} (max speedup {lim}, rmse {fit.rmse:.2f})"
        lines.append(f"  {mode:<9}  {cells}   Amdahl: {tail}")
    return lines
