"""``cpu-plot``: one frame of the per-core CPU plot, 16 cores × 600 points (needs Qt).

Runs in a child interpreter with ``QT_QPA_PLATFORM=offscreen`` (so a missing
display or Qt cannot take the benchmark run down; this process stays
Qt-free) and draws, interleaved frame by frame:

* bare: a pyqtgraph ``PlotWidget`` with 16 ``PlotDataItem`` curves made
  once, ``setData`` per frame;
* app: the GUI's own :class:`concgui.gui.cpu_plot.CpuPlot` (if it exists),
  fed by a stand-in sampler whose ring buffer holds 600 points per core,
  ``refresh()`` per frame (as its timer does).

Each frame is forced to render with ``widget.grab()``; the median is per frame.
"""

from __future__ import annotations

import json
import os
import subprocess

from benchmarks.report import Report
from benchmarks.sections._common import ROOT, child_env, median, python

CORES = 16
POINTS = 600
SIZE = (900, 320)
FRAME_MS = 1000 / 60  # fits in one 60 Hz frame
#: CpuPlot's redraw period during a run (concgui.gui.pace.RATES, the run pace; not imported: no Qt here).
REFRESH_MS = 300


def child(frames: int) -> None:
    """Body of the Qt child: prints one JSON line (or {"skip": why})."""
    try:
        import numpy as np
        import pyqtgraph as pg
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        print(json.dumps({"skip": f"Qt not importable ({exc})"}))
        return
    import time

    from concgui.engine.clock import now
    from concgui.engine.telemetry import RingBuffer

    app = QApplication.instance() or QApplication([])
    rng = np.random.default_rng(1)
    variants = rng.random((8, POINTS, CORES)) * 100
    x = (np.arange(POINTS) - (POINTS - 1)) * 0.1

    bare = pg.PlotWidget()
    bare.resize(*SIZE)
    p = bare.getPlotItem()
    p.setXRange(-60, 0, padding=0)
    p.setYRange(0, 100, padding=0.02)
    curves = [p.plot(pen=pg.mkPen(pg.intColor(i, hues=CORES), width=1)) for i in range(CORES)]
    bare.show()

    app_plot = nogrid = None
    app_note = "concgui.gui.cpu_plot not found"
    try:
        from concgui.gui.cpu_plot import CpuPlot

        class _Sampler:  # what CpuPlot reads of a CpuSampler
            cores = CORES

            def __init__(self) -> None:
                self.per_core = RingBuffer(POINTS, CORES)
                self.tree = RingBuffer(POINTS, 1)
                t_end = now()
                for i in range(POINTS):
                    self.per_core.append(t_end + x[i], variants[0][i])
                    self.tree.append(t_end + x[i], [50.0])

        sampler = _Sampler()
        app_plot = CpuPlot(sampler)
        app_plot.resize(*SIZE)
        app_plot.show()
        app_note = "concgui.gui.cpu_plot.CpuPlot"
        # Diagnostic twin: the same widget with its grid switched off (it was the largest cost seen).
        nogrid = CpuPlot(_Sampler())
        nogrid.plot.showGrid(x=False, y=False)
        nogrid.resize(*SIZE)
        nogrid.show()
    except Exception as exc:  # the GUI module is being written by someone else: measure what works
        app_note = f"CpuPlot unusable: {type(exc).__name__}: {exc}"[:200]
    app.processEvents()

    def frame_bare(k: int) -> float:
        t0 = time.perf_counter()
        v = variants[k % len(variants)]
        for i, c in enumerate(curves):
            c.setData(x, v[:, i])
        bare.grab()
        return time.perf_counter() - t0

    refresh_s: list[float] = []
    tn: list[float] = []

    def frame_app(k: int, widget=None) -> float:
        w = widget or app_plot
        t0 = time.perf_counter()
        w.sampler.per_core.append(now(), variants[k % len(variants)][k % POINTS])  # one new sample
        w.refresh()
        if widget is None:
            refresh_s.append(time.perf_counter() - t0)
        w.grab()
        return time.perf_counter() - t0

    def frame_nogrid(k: int) -> None:
        if nogrid is not None:
            tn.append(frame_app(k, nogrid))

    for k in range(3):  # warm-up
        frame_bare(k)
        if app_plot is not None:
            frame_app(k)
        frame_nogrid(k)
    refresh_s.clear()
    tn.clear()
    tb, ta = [], []
    for k in range(frames):
        if k % 2 == 0:
            tb.append(frame_bare(k))
            if app_plot is not None:
                ta.append(frame_app(k))
        else:
            if app_plot is not None:
                ta.append(frame_app(k))
            tb.append(frame_bare(k))
        frame_nogrid(k)
        app.processEvents()
    out = {"bare": tb, "app_nogrid": tn, "app": ta, "app_refresh": refresh_s, "app_note": app_note,
           "platform": app.platformName()}
    if app_plot is not None:
        out["curves"] = len(app_plot.curves)
        out["heat"] = app_plot.heat
    print(json.dumps(out))


def cpu_plot(report: Report, quick: bool = False) -> None:
    import importlib.util

    if importlib.util.find_spec("PySide6") is None or importlib.util.find_spec("pyqtgraph") is None:
        report.add("cpu-plot", "frame time", "skipped: PySide6 or pyqtgraph not installed")
        return
    env = child_env()
    env["QT_QPA_PLATFORM"] = os.environ.get("CONCGUI_BENCH_QPA", "offscreen")
    frames = 20 if quick else 60
    code = f"from benchmarks.sections.cpu_plot import child; child({frames})"
    try:
        p = subprocess.run([python(), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=180)
    except subprocess.TimeoutExpired:
        report.add("cpu-plot", "frame time", "skipped: the Qt child did not finish in 180 s")
        return
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        why = (p.stderr.strip().splitlines() or [f"exit code {p.returncode}"])[-1][:200]
        report.add("cpu-plot", "frame time", f"skipped: Qt could not start here ({why})")
        return
    got = json.loads(lines[-1])
    if "skip" in got:
        report.add("cpu-plot", "frame time", f"skipped: {got['skip']}")
        return
    b = median(got["bare"]) * 1000
    what = f"{CORES} cores × {POINTS} points, {SIZE[0]}×{SIZE[1]} px, {got['platform']}"
    report.add("cpu-plot", f"bare pyqtgraph: setData ×{CORES} + grab(), {what}",
               f"{b:.1f} ms per frame (median of {len(got['bare'])})", f"≤ {FRAME_MS:.1f} ms", b <= FRAME_MS,
               note="1-px pens, no antialiasing", value=b)
    if not got["app"]:
        report.add("cpu-plot", "app CpuPlot frame", f"skipped: {got['app_note']}")
        return
    a = median(got["app"]) * 1000
    ratio = a / b
    note = (f"{got['app_note']}: refresh() (snapshot, setData, run bands, readout; "
            f"{median(got['app_refresh']) * 1000:.1f} ms of it) + grab() of the whole widget (legend, grid, "
            f"labels); {got.get('curves')} curves; {a / REFRESH_MS * 100:.0f} % of the GUI thread at its "
            f"{REFRESH_MS} ms redraw period")
    if a > FRAME_MS:
        note += ("; missed: drawing 16 × 600-point lines is the cost, not the app's code (≈ bare)"
                 if ratio <= 1.2 else f"; missed: the app's plot costs {ratio:.1f}× the bare one (see the "
                 "grid-off figure for the part its grid takes)")
    if got.get("app_nogrid"):
        n = median(got["app_nogrid"]) * 1000
        note += f"; the same widget with showGrid off: {n:.1f} ms = {n / b:.2f}× bare"
    report.add("cpu-plot", f"app CpuPlot: refresh() + grab(), {what}",
               f"{a:.1f} ms per frame = {ratio:.2f}× bare (median of {len(got['app'])})", f"≤ {FRAME_MS:.1f} ms",
               a <= FRAME_MS, note=note, value=a)
