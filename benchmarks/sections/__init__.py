"""The benchmark sections. Each takes the report and adds measured rows.

``ALL`` maps a section's name (``--only``) to its function, in run order.
``HEADLESS`` lists the sections that import no Qt in this process (``startup``,
``cpu-plot``, ``ui-latency``, ``gil-footprint`` and ``presentation`` need Qt, and run it in a child process so a
missing display cannot take the whole run down). Module-level imports stay light: the
``pool-start`` children import this package before they time anything.
"""

from __future__ import annotations

from typing import Callable

from benchmarks.sections.cpu_plot import cpu_plot
from benchmarks.sections.dask import dask
from benchmarks.sections.engine import engine
from benchmarks.sections.gil_footprint import gil_footprint
from benchmarks.sections.lessons import lessons
from benchmarks.sections.overhead import overhead
from benchmarks.sections.pool_start import pool_start
from benchmarks.sections.presentation import presentation
from benchmarks.sections.startup import startup
from benchmarks.sections.telemetry import telemetry
from benchmarks.sections.tiny_tasks import tiny_tasks
from benchmarks.sections.ui_latency import ui_latency
from benchmarks.sections.verdicts import verdicts
from benchmarks.sections.your_function import your_function

ALL: dict[str, Callable[..., None]] = {
    "engine": engine,
    "overhead": overhead,
    "pool-start": pool_start,
    "tiny-tasks": tiny_tasks,
    "telemetry": telemetry,
    "startup": startup,
    "cpu-plot": cpu_plot,
    "ui-latency": ui_latency,
    "gil-footprint": gil_footprint,
    "presentation": presentation,
    "verdicts": verdicts,
    "your-function": your_function,
    "lessons": lessons,
    "dask": dask,
}

HEADLESS = ("engine", "overhead", "pool-start", "tiny-tasks", "telemetry", "verdicts", "your-function", "lessons",
            "dask")
