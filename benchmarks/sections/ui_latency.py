"""``ui-latency``: how late the GUI thread's event loop runs, in the real window (needs Qt).

Runs in a child interpreter with ``QT_QPA_PLATFORM=offscreen`` (this process
stays Qt-free) that opens concgui's :class:`~concgui.gui.main_window.MainWindow`
and drives it like a user would (``run_steps``), reading the heartbeat's
:class:`~concgui.engine.latency.LatenessRecorder` (a single-shot precise
timer re-armed each tick, every 20 ms):

* idle: the window with its plots, heartbeat and CPU probe, nothing running;
* the process pool saturating every core with pure-Python work;
* the same work on the GUI thread: its longest freeze against its work time,
  and how fast the loop is back to normal afterwards;
* pure-Python work on 1 and 2 QThreads (the GUI thread waits for the GIL);
* GIL-releasing work (SHA-256) on as many QThreads as cores;
* a flood of one signal per item vs the same run coalesced (three times, ticks pooled).
"""

from __future__ import annotations

import json
import os

from benchmarks.report import Report
from benchmarks.sections._common import qt_app_or_skip, qt_child, qt_wait, run_window_steps

FRAME_MS = 1000 / 60
COALESCED_RUNS = 3


def child(quick: bool) -> None:
    """Body of the Qt child: prints one JSON line (or {"skip": why})."""
    app = qt_app_or_skip()
    if app is None:
        return

    import sys

    from concgui.engine.clock import now
    from concgui.gui.main_window import MainWindow
    from concgui.gui.responsiveness_text import hash_work, python_work
    from concgui.scenarios import flood_work

    w = MainWindow()
    w.show()
    rec = w.session.heartbeat.recorder
    n = os.cpu_count() or 1
    work_s = 1.0 if quick else 2.0
    out: dict = {"platform": app.platformName(), "cores": n, "work_s": work_s,
                 "switch_ms": sys.getswitchinterval() * 1000}

    wait = qt_wait

    def steps(name: str, st: list) -> list[dict]:
        rows = run_window_steps(w, st, settle_ms=500)
        res = [{"wall_s": r.record.wall_s, "status": r.record.status, **r.ui.as_dict()} for r in rows]
        out[name] = res
        return res

    wait(1500)  # first paints, probe start-up
    tree_cpu0 = _tree_cpu_s()
    t0 = now()
    wait(2000 if quick else 5000)
    out["idle"] = rec.stats(since=t0, until=now()).as_dict()
    out["idle_cpu_pct"] = (_tree_cpu_s() - tree_cpu0) / (now() - t0) * 100

    # Warm the pool (its start-up is not the lesson here), then saturate every core.
    steps("warm", [([python_work("processes", n, 0.2)], "normal")])
    steps("processes", [([python_work("processes", n, work_s)], "normal")])

    # The GUI thread itself: a freeze, then how soon the loop is back to normal.
    (g,) = steps("gui_thread", [([python_work("serial", 1, work_s)], "gui-thread")])
    f_end = rec.freezes(0.25)[-1][1] if rec.freezes(0.25) else now()
    out["after_freeze_p50_ms"] = rec.stats(since=f_end, until=f_end + 1.0).heartbeat_p50_ms
    out["after_freeze_samples"] = rec.stats(since=f_end, until=f_end + 1.0).samples

    for k in (1, 2):
        steps(f"py_threads_{k}", [([python_work("threads", k, work_s)], "normal")])
    w.session.pause_plots_under_gil = False  # the same two threads with the plots drawing through it
    steps("py_threads_2_plots", [([python_work("threads", 2, work_s)], "normal")])
    w.session.pause_plots_under_gil = True
    steps("hash_threads", [([hash_work(n, work_s)], "normal")])
    items = 50_000 if quick else 200_000
    # The coalesced run three times: a run of ~0.5 s has ~25 ticks, too few for a p99 of its own.
    ends: list = []
    w.session.run_finished.connect(lambda done: ends.append((done.started.t, done.finished.t, done.t_end)))
    steps("flood", [([flood_work(items)], "flood"), *[([flood_work(items)], "coalesced")] * COALESCED_RUNS])
    spans = ends[1:]
    out["coalesced_pooled"] = {**rec.stats_during_spans([(a, b) for a, b, _ in spans]).as_dict(),
                               "runs": len(spans), "caught_up_ms": max((c - b) * 1000 for _, b, c in spans)}
    w.shutdown()
    print(json.dumps(out))


def _tree_cpu_s() -> float:
    """CPU seconds (user + system) of this process and its live children (the probes)."""
    import psutil

    me = psutil.Process()
    total = 0.0
    for p in [me, *me.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def ui_latency(report: Report, quick: bool = False) -> None:
    sec = "ui-latency"
    got = qt_child(report, sec, "event-loop lateness", "benchmarks.sections.ui_latency", quick, timeout=300)
    if got is None:
        return

    def lat(d: dict) -> str:
        return (f"p50 {d['heartbeat_p50_ms']:.1f} · p99 {d['heartbeat_p99_ms']:.1f} · max "
                f"{d['heartbeat_max_ms']:.1f} ms ({d['samples']} ticks)")

    where = f"{got['platform']}, {got['cores']} cores, 20 ms heartbeat, switch interval {got['switch_ms']:g} ms"
    idle = got["idle"]
    report.add(sec, f"idle window (plots, probe, heartbeat), {where}", lat(idle), "p99 ≤ 2 ms",
               idle["heartbeat_p99_ms"] <= 2.0, value=idle["heartbeat_p99_ms"],
               note="" if idle["heartbeat_p99_ms"] <= 2.0 else
               "missed: the worst ticks are the ones queued behind a CPU-plot + lateness-plot redraw "
               "(3.3 Hz between runs, several ms each in pyqtgraph); a tick due during a redraw waits for it")
    cpu = got.get("idle_cpu_pct")
    if cpu is not None:
        report.add(sec, "whole app idle, every plot live (this process + CPU and lane probes)",
                   f"{cpu:.1f} % of one core", "≤ 5 %", cpu <= 5.0, value=cpu,
                   note="psutil cpu_times of the app process and its children over the idle span")
    (pr,) = got["processes"]
    ok = pr["heartbeat_p99_ms"] <= 8.0 and pr["heartbeat_max_ms"] <= FRAME_MS
    report.add(sec, f"process pool, {got['cores']} workers saturating every core, {pr['wall_s']:.2f} s",
               lat(pr), "p99 ≤ 8 ms, max ≤ 16.7 ms", ok, value=pr["heartbeat_p99_ms"],
               note="" if ok else "missed: every core is busy with worker processes, so the GUI thread "
               "(and the CPU probe) wait for the OS scheduler; the largest ticks coincide with plot redraws")
    (g,) = got["gui_thread"]
    ratio = g["longest_freeze_ms"] / (g["wall_s"] * 1000)
    after = got["after_freeze_p50_ms"]
    ok = ratio >= 0.8 and after <= 2.0
    report.add(sec, f"work on the GUI thread ({g['wall_s']:.2f} s of pure Python)",
               f"longest freeze {g['longest_freeze_ms']:.0f} ms = {ratio:.2f}× the work; p50 in the 1 s after "
               f"{after:.1f} ms ({got['after_freeze_samples']} ticks)",
               "freeze ≥ 0.8× work; p50 ≤ 2 ms within 1 s", ok, value=ratio,
               note=f"{g['frames_missed']} frames missed")
    for k in (1, 2):
        (t,) = got[f"py_threads_{k}"]
        target = "p50 ≥ 4 ms (lesson visible)" if k == 2 else ""
        met = t["heartbeat_p50_ms"] >= 4.0 if k == 2 else None
        report.add(sec, f"{k} pure-Python QThread{'s' if k > 1 else ''} (GIL pace: sketch plot), {t['wall_s']:.2f} s",
                   lat(t), target, met, value=t["heartbeat_p50_ms"],
                   note="the GUI thread waits for the GIL behind each busy thread: about a switch interval per "
                        "tick")
    (tp,) = got["py_threads_2_plots"]
    report.add(sec, "2 pure-Python QThreads, plots drawing through it (diagnostic)", lat(tp), "", None,
               value=tp["heartbeat_max_ms"],
               note="each pyqtgraph frame needs the GIL many times; every time the GUI thread queues behind "
                    "the busy threads, so frames turn into long stalls: why the app draws a sketch then "
                    "(concgui/gui/pace.py)")
    (h,) = got["hash_threads"]
    report.add(sec, f"GIL-releasing work (SHA-256) on {got['cores']} QThreads, {h['wall_s']:.2f} s", lat(h), "",
               None, value=h["heartbeat_p50_ms"], note="hashlib drops the GIL while hashing: the GUI thread "
               "gets it at once; what remains is CPU contention with the busy cores")
    fl, *cos = got["flood"]
    # The flood lesson (issue 16): the wrong way must still flood, measurably; the right way stays
    # near the idle window's floor and is caught up within 100 ms of the work's end.
    floods = fl["heartbeat_p99_ms"] >= 100.0 and fl["peak_backlog"] >= 1000
    report.add(sec, f"signal flood: {fl['signals']:,} signals (one per item), {fl['wall_s']:.2f} s of work",
               f"{lat(fl)}; backlog up to {fl['peak_backlog']:,} queued events; GUI caught up "
               f"{fl['drain_ms']:.0f} ms after the work ended", "floods: p99 ≥ 100 ms, backlog ≥ 1,000", floods,
               value=fl["heartbeat_p99_ms"], note="the wrong way on purpose: the lesson must show")
    co = got["coalesced_pooled"]
    smooth = co["heartbeat_p99_ms"] <= 30.0 and co["caught_up_ms"] <= 100.0
    signals = "/".join(str(c["signals"]) for c in cos)
    walls = "/".join(f"{c['wall_s']:.2f}" for c in cos)
    report.add(sec, f"same run coalesced, ×{co['runs']} ({signals} progress signals, {walls} s)",
               f"{lat(co)} (the runs' ticks pooled); GUI caught up ≤ {co['caught_up_ms']:.0f} ms after the work "
               "ended", "p99 ≤ 30 ms, caught up ≤ 100 ms", smooth, value=co["heartbeat_p99_ms"],
               note=f"floor, the idle window in this run: p99 {idle['heartbeat_p99_ms']:.1f} ms "
                    f"({co['heartbeat_p99_ms'] / max(idle['heartbeat_p99_ms'], 0.01):.1f}× it); the workers send "
                    "a few hundred folds (TasksFinished) per run and the driver relays O(folds)")
