"""Scenarios: named, ready-made settings the GUI can open with and run by itself.

Plain data (no Qt), so the CLI can reject an unknown name before Qt loads.
Each scenario is a list of runs on identical inputs; the first serial run is
the baseline of the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from concgui.engine.config import RunConfig


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    runs: tuple[RunConfig, ...]


def _compare(workload: str, tasks: int, size: int | None, workers: int = 0) -> tuple[RunConfig, ...]:
    import os

    n = workers or os.cpu_count() or 1
    return (
        RunConfig(workload, "serial", 1, tasks, size),
        RunConfig(workload, "threads", n, tasks, size),
        RunConfig(workload, "processes", n, tasks, size),
    )


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("compare", "cpu-python: serial vs threads vs processes", _compare("cpu-python", 24, 300_000)),
    )
}
