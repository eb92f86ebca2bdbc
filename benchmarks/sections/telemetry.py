"""``telemetry``: what the CPU sampler costs.

Only the sampler runs (10 Hz: a probe process writes each sample into a ring
in shared memory; no thread here wakes up for it); the main thread sleeps. Its
cost is this process's CPU (``time.process_time``, ns: should be ~0) plus the
probe process's CPU (psutil
``cpu_times``, clock-tick resolution) per wall second, as % of one core. An
idle stretch of the same length without the sampler is measured alongside
(interleaved) as the floor. This is the sampler's share of the app's idle
budget (≤ 5 % of one core for the whole app idle with plots); drawing the
plots is the ``cpu-plot`` section.
"""

from __future__ import annotations

import os
import time

from benchmarks.report import Report
from benchmarks.sections._common import cores, median

TARGET_PCT = 5.0


def _cpu_psutil(me) -> float:
    t = me.cpu_times()
    return t.user + t.system


def telemetry(report: Report, quick: bool = False) -> None:
    import psutil

    from concgui.engine.config import RunConfig
    from concgui.engine.runner import Runner
    from concgui.engine.telemetry import CpuSampler

    span = 1.0 if quick else 3.0
    reps = 1 if quick else 2

    def stretch(sampler: bool) -> tuple[float, float, float, int]:
        """(probe CPU %, this process's CPU %, wall s, samples) over one stretch."""
        s = CpuSampler(interval=0.1) if sampler else None
        probe_cpu = 0.0
        n0 = 0
        if s is not None:  # steady state only: the probe's start-up is a one-off
            s.start()
            probe = psutil.Process(s._probe.pid)
            while s.samples < 2:
                time.sleep(0.01)
            probe_cpu, n0 = _cpu_psutil(probe), s.samples
        p0, t0 = time.process_time(), time.perf_counter()
        time.sleep(span)
        wall = time.perf_counter() - t0
        here = (time.process_time() - p0) / wall * 100
        n = 0
        if s is not None:
            probe_cpu = _cpu_psutil(probe) - probe_cpu
            n = s.samples - n0
            s.stop()
        return (probe_cpu / wall * 100, here, wall, n)

    def measure(label: str, note: str) -> None:
        import gc

        gc.collect()
        time.sleep(0.3)  # let what earlier sections left (exiting threads, pipes) settle
        idle, on = [], []
        for r in range(reps):
            for sampler in ((False, True) if r % 2 == 0 else (True, False)):
                (on if sampler else idle).append(stretch(sampler))
        probe, here = median([x[0] for x in on]), median([x[1] for x in on])
        floor = median([x[1] for x in idle])
        total = probe + max(0.0, here - floor)
        samples = sum(x[3] for x in on)
        cpu_s = sum((x[0] + x[1]) / 100 * x[2] for x in on)
        per_sample_us = cpu_s / max(samples, 1) * 1e6
        report.add("telemetry", f"sampler at 10 Hz, {label}: CPU of probe + this process, % of one core",
                   f"{total:.2f} % (probe process {probe:.2f} %, this process {here - floor:.2f} % above the "
                   f"idle floor of {floor:.2f} %; {per_sample_us:.0f} µs per sample; "
                   f"{samples} samples)",
                   f"≤ {TARGET_PCT:g} % (whole app idle; this is the sampler's part)", total <= TARGET_PCT,
                   note=note, value=total)

    measure(f"{cores()} cores, no pool", "main thread asleep; span " + f"{span:g} s × {reps}")
    with Runner() as runner:
        runner.run(RunConfig("cpu-python", "processes", cores(), cores(), 1000))  # leave a warm, idle pool
        measure(f"with {cores()} idle pool workers", "also reads each worker's CPU, lists children once a second")

    # The sample itself, in a tight loop: what one 10 Hz tick of the probe does. The
    # children listing (a /proc scan) runs once a second, i.e. once per 10 ticks.
    from concgui.engine.cpu_probe import _TreeCpu

    tree = _TreeCpu(os.getpid())
    psutil.cpu_percent(percpu=True)
    n = 100 if quick else 300
    listing = []
    t0 = time.perf_counter()
    for i in range(n):
        t = time.perf_counter()
        if i % 10 == 0:
            tree._listed = float("-inf")
            c0 = time.perf_counter()
            tree.percent(t)
            listing.append(time.perf_counter() - c0)
            continue
        psutil.cpu_percent(percpu=True)
        tree.percent(t)
    per = (time.perf_counter() - t0) / n
    report.add("telemetry", "one probe tick (per-core % + process-tree %)",
               f"{per * 1e6:.0f} µs = {per * 10 * 100:.2f} % of one core at 10 Hz (children listing "
               f"{median(listing) * 1e6:.0f} µs, once a second)", "info", None,
               note="tight loop of the probe's tick body, no wake-ups", value=per)
