"""``presentation``: what presentation mode costs the window, against the normal window, side by side (needs Qt).

A teacher projects the app at 1366×768 with zoom 1.5 and the readout strip.
Larger fonts, wider pens and four more live labels are more to paint: this
section checks that the window still stays out of the way. In one Qt child
(offscreen, one 1366×768 screen), the same Compare (serial, threads,
processes; the window runs serial and threads in its worker host) runs in the
normal window and in presentation mode, interleaved, several times.

Rows, each presentation / normal, medians of the pairs:

* each mode's wall time (target ≤ 1.05: the runs are not slowed);
* the window process's own CPU per second during the Compare (its painting,
  slots and relaying; the workers are other processes): information, with
  both figures;
* the heartbeat's p99 lateness during the Compare (target: presentation p99
  ≤ normal p99 + 10 ms).
"""

from __future__ import annotations

import json
import os
import tempfile

from benchmarks.report import Report
from benchmarks.sections._common import median, qt_app_or_skip, qt_child, qt_wait, run_window_steps

SCREEN = (1366, 768)
ZOOM = 1.5
WALL_TARGET = 1.05
P99_SLACK_MS = 10.0


def child(quick: bool) -> None:
    """Body of the Qt child: prints one JSON line (or {"skip": why})."""
    app = qt_app_or_skip()
    if app is None:
        return
    import psutil

    from concgui.engine.clock import now
    from concgui.engine.config import RunConfig
    from concgui.gui.main_window import MainWindow

    me = psutil.Process()
    w = MainWindow()
    w.show()
    qt_wait(1500)
    size = 150_000 if quick else 300_000
    compare = [RunConfig("cpu-python", m, 1 if m == "serial" else 2, 24, size) for m in ("serial", "threads",
                                                                                       "processes")]
    steps = [([c], "normal") for c in compare]
    run_window_steps(w, steps)  # warm the host and the pool
    out: dict = {"screen": list(w.screen().geometry().size().toTuple()), "normal": [], "presenting": []}

    def one(kind: str) -> None:
        c0, t0 = me.cpu_times(), now()
        rows = run_window_steps(w, steps, settle_ms=0)
        span = now() - t0
        c1 = me.cpu_times()
        cpu = (c1.user - c0.user) + (c1.system - c0.system)
        out[kind].append({"walls": {r.record.mode: r.record.wall_s for r in rows}, "cpu_per_s": cpu / span,
                          "p99_ms": max(r.ui.heartbeat_p99_ms or 0.0 for r in rows), "zoom": w.presentation.zoom})
        qt_wait(400)

    for _ in range(2 if quick else 5):
        one("normal")
        w.present(True, ZOOM)
        qt_wait(600)  # the relayout and first paints at the new zoom
        one("presenting")
        w.present(False)
        qt_wait(600)
    w.shutdown()
    print(json.dumps(out))


def presentation(report: Report, quick: bool = False) -> None:
    sec = "presentation"
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, "screen.json")
        with open(config, "w") as f:  # the offscreen plugin's one screen: a 1366×768 projector
            json.dump({"screens": [{"name": "projector", "x": 0, "y": 0, "width": SCREEN[0], "height": SCREEN[1],
                                    "dpi": 96, "dpr": 1}]}, f)
        got = qt_child(report, sec, "presentation mode", "benchmarks.sections.presentation", quick, timeout=400,
                       qpa=f"offscreen:configfile={config}")
    if got is None:
        return
    add_rows(report, got)


def add_rows(report: Report, got: dict) -> None:
    sec = "presentation"
    normal, present = got["normal"], got["presenting"]
    pairs = len(normal)
    zoom = present[0]["zoom"]
    where = f"{got['screen'][0]}×{got['screen'][1]}, zoom {zoom:g}, readout strip"
    for mode in ("serial", "threads", "processes"):
        ratios = [p["walls"][mode] / n["walls"][mode] for n, p in zip(normal, present)]
        r = median(ratios)
        report.add(sec, f"Compare's {mode} run: presentation ({where}) / normal window wall",
                   f"{r:.3f}× (pairs {min(ratios):.3f}–{max(ratios):.3f}, {pairs} pairs)", f"≤ {WALL_TARGET:g}×",
                   r <= WALL_TARGET, value=r)
    cpu_n, cpu_p = median([n["cpu_per_s"] for n in normal]), median([p["cpu_per_s"] for p in present])
    report.add(sec, "window process CPU per second during the Compare: presentation / normal",
               f"{cpu_p / cpu_n:.2f}× ({cpu_p * 100:.0f} % vs {cpu_n * 100:.0f} % of a core)", "info",
               value=cpu_p / cpu_n)
    p99_n, p99_p = median([n["p99_ms"] for n in normal]), median([p["p99_ms"] for p in present])
    report.add(sec, "heartbeat p99 during the Compare (worst of its three runs): presentation vs normal",
               f"{p99_p:.1f} ms vs {p99_n:.1f} ms", f"≤ normal + {P99_SLACK_MS:g} ms",
               p99_p <= p99_n + P99_SLACK_MS, value=p99_p)
