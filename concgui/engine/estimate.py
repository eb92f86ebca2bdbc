"""About how long a run will take, before it starts: from each workload's measured cost per unit.

Good to within a factor of about two on a machine like the one the unit
costs were measured on (``Workload.seconds_per_unit``); meant for one
sentence before a long run ("about 12 min"), never for a verdict.
"""

from __future__ import annotations

from typing import Iterable

from concgui.engine.config import RunConfig
from concgui.engine.workloads import get_workload


def serial_seconds(cfg: RunConfig) -> float:
    """The tasks one after the other on one core (a developer's function: its profiled call, where known)."""
    w = get_workload(cfg.workload)
    if w.kind == "own":
        from concgui.engine.function_profile import profile_of

        name = cfg.function.workload if cfg.function is not None else cfg.workload
        prof = profile_of(name)
        if prof is not None:
            return cfg.tasks * prof.task_wall_s
    size = w.default_size if cfg.size is None else cfg.size
    return cfg.tasks * size * w.seconds_per_unit


def run_seconds(cfg: RunConfig, cores: int, gil_enabled: bool) -> float:
    """``cfg``'s run: serial time shared by the workers that can really run at once."""
    w = get_workload(cfg.workload)
    serial = serial_seconds(cfg)
    if cfg.mode == "serial":
        return serial
    # A Dask worker is a process of threads_per_worker threads, which share its GIL.
    threads = cfg.workers * (cfg.threads_per_worker if cfg.mode == "dask" else 1)
    if w.kind == "io":
        return serial / max(1, min(threads, cfg.tasks))
    if w.gil == "holds" and gil_enabled:
        if cfg.mode == "threads":
            return serial
        return serial / max(1, min(cfg.workers, cores, cfg.tasks))  # one running thread per process
    return serial / max(1, min(threads, cores, cfg.tasks))


def batch_seconds(configs: Iterable[RunConfig], cores: int, gil_enabled: bool, repeats: int = 1) -> float:
    return repeats * sum(run_seconds(c, cores, gil_enabled) for c in configs)


def duration_words(seconds: float) -> str:
    """"about 40 s", "about 12 min", "about 3.5 h", "about 4 days", "about 2 years"."""
    if seconds < 90:
        return f"about {seconds:.0f} s"
    if seconds < 90 * 60:
        return f"about {seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"about {seconds / 3600:.1f} h"
    if seconds < 730 * 86400:
        return f"about {seconds / 86400:.0f} days"
    return f"about {seconds / (365 * 86400):,.0f} years"


def long_run_sentence(seconds: float, button: str) -> str:
    """Why a run waits for a second press of ``button`` ("Run anyway", "Scale anyway")."""
    return (f"This would take {duration_words(seconds)} (estimated from the workload's measured cost per "
            f"unit of size): press {button} to start it, or make it smaller.")
