"""How often the window redraws, and how, depending on who holds this process's GIL.

The GUI thread pays for every trip from Qt into Python (a slot, a timer, a
Python ``paint`` or ``boundingRect``, a virtual call on a Python subclass of a
Qt class): each one takes the GIL. While our own threads run pure Python in
this process, each trip waits up to a switch interval behind them, so a
pyqtgraph frame (dozens of trips) stalled the window for up to a second.

So the window runs at one of three paces, chosen *before* a run starts (a
layout change made once the busy threads run would itself be many trips):

- ``IDLE``: between runs; plots scroll slowly.
- ``RUN``: the run's work holds other GILs (the worker host, the pool) or
  releases ours; the plots draw live, at a rate that leaves the cores to the
  workers.
- ``GIL``: threads of this process hold its GIL (pure-Python QThreads, a
  serial run on the run driver). The pyqtgraph plots stand still and say so;
  the CPU plot is drawn as a simple image in one slot, the progress panel
  moves a few times a second, and the heartbeat keeps ticking.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from concgui.engine.config import RunConfig, Where
from concgui.engine.workloads import get_workload


class Pace(str, enum.Enum):
    IDLE = "idle"
    RUN = "run"
    GIL = "gil"


@dataclass(frozen=True)
class Rates:
    """What a pace means for each thing that wakes up, in this process, during a run.

    ``plot_ms``: between CPU-plot redraws; ``progress_hz``: progress signals a
    second; ``clock_ms``: between elapsed/ETA updates; ``drain_s``: how often
    the run driver collects what its QThreads reported; ``lanes_send_s``: how
    often the lane probe sends its readings (each wakes the lane reader).
    """

    plot_ms: int
    progress_hz: float
    clock_ms: int
    drain_s: float
    lanes_send_s: float


RATES = {
    Pace.IDLE: Rates(plot_ms=300, progress_hz=10.0, clock_ms=200, drain_s=0.05, lanes_send_s=0.1),
    # During a run the plots redraw as slowly as between runs: on a small machine each
    # frame's CPU time is taken from workers that fill every core (at 5 redraws a second
    # the pool ran 1.13x the terminal's time; benchmarks/sections/gil_footprint.py).
    Pace.RUN: Rates(plot_ms=300, progress_hz=10.0, clock_ms=200, drain_s=0.05, lanes_send_s=0.1),
    Pace.GIL: Rates(plot_ms=500, progress_hz=4.0, clock_ms=500, drain_s=0.25, lanes_send_s=0.5),
}


def holds_this_gil(cfg: RunConfig, gil_enabled: bool) -> bool:
    """Whether ``cfg`` keeps threads of this process busy holding its GIL.

    Pure-Python work (GIL on) on QThreads or the run-driver thread of this
    process; a worker host's or the pool's threads hold GILs of their own.
    """
    if not gil_enabled or cfg.mode == "processes":
        return False
    return cfg.where == Where.HERE.value and get_workload(cfg.workload).gil == "holds"


def pace_for(configs: list[RunConfig], gil_enabled: bool) -> Pace:
    """The pace for a step that runs ``configs``."""
    return Pace.GIL if any(holds_this_gil(c, gil_enabled) for c in configs) else Pace.RUN
