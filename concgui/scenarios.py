"""Scenarios: named, ready-made settings the GUI can open with and run by itself.

Plain data (no Qt), so the CLI can reject an unknown name before Qt loads.
Each scenario is a list of runs on identical inputs; the first serial run is
the baseline of the others.

Each run also has a *kind*: how the GUI runs it. ``normal`` runs go to the
run driver (off the GUI thread, progress coalesced to ≤ 10 signals/s); the
responsiveness lab's wrong ways are ``gui-thread`` (the engine's serial run on
the GUI thread itself), ``blocking-wait`` (on a thread, but the GUI thread
waits for it) and ``flood`` (on the driver, plus one signal per finished
task). ``coalesced`` is a normal run, named as the right way of a flood.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, replace

from concgui.engine.config import RunConfig, Where


class StepKind(str, enum.Enum):
    """How the GUI runs a step: the right way, or one of the lessons' wrong ways on purpose.

    A string enum, so scenario files, the export's ``ui.kind`` and the CLI keep
    their plain words. The engine never sees these: it runs a serial, threads
    or processes run and says where (``RunRecord.ran_on``); how the GUI
    arranged that run is the GUI's business.
    """

    NORMAL = "normal"  # on the run driver, progress coalesced
    COALESCED = "coalesced"  # a normal run, named as the right way of a flood
    GUI_THREAD = "gui-thread"  # the engine's serial run on the GUI thread itself: the window freezes
    BLOCKING_WAIT = "blocking-wait"  # on a thread, but the GUI thread waits for it
    FLOOD = "flood"  # on the driver, plus one signal per finished task

    @property
    def blocks_gui(self) -> bool:
        """Whether the GUI thread itself is stuck until the run ends (nothing can be clicked)."""
        return self in (StepKind.GUI_THREAD, StepKind.BLOCKING_WAIT)

    @property
    def wrong(self) -> bool:
        return self in WRONG_KINDS


#: How the GUI runs a scenario's run; every kind but these three is a normal run.
WRONG_KINDS = (StepKind.GUI_THREAD, StepKind.BLOCKING_WAIT, StepKind.FLOOD)
KINDS = tuple(k.value for k in StepKind)


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    runs: tuple[RunConfig, ...]
    #: One per run (see :data:`KINDS`); empty means every run is ``normal``.
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kinds and len(self.kinds) != len(self.runs):
            raise ValueError(f"scenario {self.name!r}: {len(self.kinds)} kinds for {len(self.runs)} runs")
        unknown = [k for k in self.kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"scenario {self.name!r}: unknown kind {unknown[0]!r}; choose one of: {', '.join(KINDS)}")

    def kind(self, i: int) -> StepKind:
        return StepKind(self.kinds[i]) if self.kinds else StepKind.NORMAL

    def steps(self) -> list[tuple[RunConfig, StepKind]]:
        """(config, kind) of every run, in order."""
        return [(cfg, self.kind(i)) for i, cfg in enumerate(self.runs)]


def _cores() -> int:
    return os.cpu_count() or 1


def _compare(workload: str, tasks: int, size: int | None, workers: int = 0) -> tuple[RunConfig, ...]:
    n = workers or _cores()
    return (
        RunConfig(workload, "serial", 1, tasks, size),
        RunConfig(workload, "threads", n, tasks, size),
        RunConfig(workload, "processes", n, tasks, size),
    )


def in_window(cfg: RunConfig) -> RunConfig:
    """``cfg`` run in the window's own process (QThreads, the run driver), where a lesson needs its GIL."""
    return replace(cfg, where=Where.HERE.value) if cfg.mode != "processes" else cfg


def _freeze() -> Scenario:
    # ~1.5 s of pure-Python work on the 2-core dev machine; the same tasks three ways.
    runs = tuple(in_window(c) for c in _compare("cpu-python", 16, 600_000))
    return Scenario("freeze", "the same work on the GUI thread (frozen), on QThread workers and on the process pool",
                    runs, ("gui-thread", "normal", "normal"))


#: Items in the flood scenario: one signal per item the wrong way.
FLOOD_ITEMS = 200_000


def flood_work(items: int = FLOOD_ITEMS) -> RunConfig:
    """``items`` tiny tasks on the process pool: the driver thread only relays events.

    The work runs in other processes, so neither run competes with the GUI
    thread for the GIL: the difference between the flood and the coalesced
    run is the signals alone.
    """
    import os

    return RunConfig("cpu-python", "processes", os.cpu_count() or 1, items, 20)


def _flood() -> Scenario:
    cfg = flood_work()
    return Scenario("flood", f"{FLOOD_ITEMS:,} tiny items: one signal per item (flood) vs coalesced to ≤ 10/s",
                    (cfg, cfg), ("flood", "coalesced"))


def _jank() -> Scenario:
    n = max(2, _cores())
    py = ("cpu-python", 16, 400_000)
    here = Where.HERE.value
    runs = [RunConfig(py[0], "threads", k, py[1], py[2], where=here) for k in sorted({1, 2, n})]
    runs.append(RunConfig(py[0], "processes", n, py[1], py[2]))
    runs.append(RunConfig("cpu-hash", "threads", n, 16, 400, where=here))
    return Scenario("jank", "pure-Python QThreads ×1, ×2… (UI stutters) vs processes vs GIL-releasing "
                    "cpu-hash threads", tuple(runs))


def _io() -> Scenario:
    # I/O waits overlap on threads (waiting releases the GIL); processes only add start-up and pickling.
    n = max(8, _cores())
    runs = [*_compare("io-sleep", 32, 50, n), *_compare("io-http", 32, 64, n)]
    return Scenario("io", f"I/O workloads (io-sleep, io-http): serial vs {n} threads vs {n} processes", tuple(runs))


def _gil_release() -> Scenario:
    n = max(2, _cores())
    return Scenario("gil-release", f"cpu-hash: hashlib releases the GIL, so {n} threads run in parallel "
                    "(compare with processes)", _compare("cpu-hash", 16, 200, n))


def _scale() -> Scenario:
    from concgui.engine.scaling import plan

    runs = plan("cpu-python", 16, 300_000, _cores())
    return Scenario("scale", "cpu-python on 1, 2, 4, … 2 × cores threads and processes: speedup and Amdahl fit",
                    tuple(runs))


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("compare", "cpu-python: serial vs threads vs processes", _compare("cpu-python", 24, 300_000)),
        _freeze(),
        _flood(),
        _jank(),
        _io(),
        _gil_release(),
        _scale(),
    )
}
