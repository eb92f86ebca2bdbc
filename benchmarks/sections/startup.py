"""``startup``: from launching the command to the window's first painted frame (needs Qt)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from benchmarks.report import Report

TIMEOUT_S = 20  # the target is 1.5 s; a GUI that never reports its first frame must not stall the run


def startup(report: Report, quick: bool = False) -> None:
    """From launching the command to the window's first painted frame."""
    import importlib.util

    # find_spec, not import: this process stays Qt-free (later sections fork workers from it).
    if importlib.util.find_spec("PySide6") is None:
        report.add("startup", "first frame", "skipped: PySide6 not installed")
        return
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               CONCGUI_FIRST_FRAME_EXIT="1")
    times = []
    for _ in range(2 if quick else 5):
        t0 = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, "-m", "concgui", "gui"], env=env, capture_output=True,
                                 text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            report.add("startup", "first frame", f"failed: no 'first-frame' line within {TIMEOUT_S} s "
                       "(does the GUI honour CONCGUI_FIRST_FRAME_EXIT=1?)")
            return
        if out.returncode != 0 or "first-frame" not in out.stdout:
            report.add("startup", "first frame", f"failed: {out.stderr.strip()[-200:]}")
            return
        t_frame = float(out.stdout.split("first-frame", 1)[1].split()[0])
        times.append(t_frame - t0)
    times.sort()
    med = times[len(times) // 2]
    report.add("startup", "command → first painted frame (median)", f"{med:.2f} s "
               f"(min {times[0]:.2f}, max {times[-1]:.2f}, n={len(times)})", "≤ 1.5 s", med <= 1.5, value=med)
