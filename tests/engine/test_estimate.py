"""A run's time, estimated before it starts from the workload's unit cost: who can really run at once."""

from __future__ import annotations

import pytest

from concgui.engine.config import RunConfig
from concgui.engine.estimate import batch_seconds, duration_words, run_seconds, serial_seconds
from concgui.engine.workloads import get_workload


def test_estimates_follow_what_can_run_at_once():
    unit = get_workload("cpu-python").seconds_per_unit
    serial = RunConfig("cpu-python", "serial", 1, 10, 1_000_000)
    assert serial_seconds(serial) == pytest.approx(10 * 1_000_000 * unit)
    threads = RunConfig("cpu-python", "threads", 4, 10, 1_000_000)
    assert run_seconds(threads, cores=4, gil_enabled=True) == pytest.approx(serial_seconds(serial))  # they take turns
    assert run_seconds(threads, cores=4, gil_enabled=False) == pytest.approx(serial_seconds(serial) / 4)
    procs = RunConfig("cpu-python", "processes", 8, 10, 1_000_000)
    assert run_seconds(procs, cores=2, gil_enabled=True) == pytest.approx(serial_seconds(serial) / 2)
    waits = RunConfig("io-sleep", "threads", 16, 32, 100)
    assert run_seconds(waits, cores=2, gil_enabled=True) == pytest.approx(serial_seconds(waits) / 16)
    assert batch_seconds([serial, procs], 2, True, repeats=3) == pytest.approx(3 * 1.5 * serial_seconds(serial))


def test_a_dask_worker_runs_its_threads_under_one_gil():
    """Workers × threads per worker: every thread for waiting or GIL-releasing work, one per worker process
    for pure Python (its threads share its GIL)."""
    py = RunConfig("cpu-python", "dask", 2, 16, 1_000_000, threads_per_worker=4)
    assert run_seconds(py, cores=16, gil_enabled=True) == pytest.approx(serial_seconds(py) / 2)
    hashing = RunConfig("cpu-hash", "dask", 2, 16, 4, threads_per_worker=4)
    assert run_seconds(hashing, cores=16, gil_enabled=True) == pytest.approx(serial_seconds(hashing) / 8)
    assert run_seconds(hashing, cores=4, gil_enabled=True) == pytest.approx(serial_seconds(hashing) / 4)
    waits = RunConfig("io-sleep", "dask", 2, 32, 100, threads_per_worker=8)
    assert run_seconds(waits, cores=2, gil_enabled=True) == pytest.approx(serial_seconds(waits) / 16)


def test_durations_in_words():
    assert duration_words(40) == "about 40 s"
    assert duration_words(12 * 60) == "about 12 min"
    assert duration_words(3 * 3600) == "about 3.0 h"
    assert duration_words(4 * 86400) == "about 4 days"
    assert duration_words(2 * 365 * 86400) == "about 2 years"
