"""The responsiveness lab's words and run settings (no Qt, testable on its own).

Every explanation is written from facts read off the running interpreter:
the GIL's state (:mod:`concgui.engine.platform_info`) and the switch interval
(``sys.getswitchinterval()``, read each time, since the lab can change it).
"""

from __future__ import annotations

import html
import sys
from typing import Any

from concgui.engine.config import RunConfig, Where
from concgui.engine.latency import FRAME_S, FREEZE_S, frames_missed_words
from concgui.engine.platform_info import PlatformInfo
from concgui.gui.result_row import UiStats
from concgui.engine.workloads import get_workload
from concgui.scenarios import StepKind

#: Switch interval range the lab offers, in ms (CPython's default is 5 ms).
SWITCH_MIN_MS, SWITCH_MAX_MS = 0.1, 50.0
TASKS = 16


def size_for(workload: str, seconds: float, tasks: int = TASKS) -> int:
    """Task size so that ``tasks`` tasks take about ``seconds`` on one core of the dev machine."""
    return max(1, int(seconds / (tasks * get_workload(workload).seconds_per_unit)))


#: The lab's serial and thread runs happen in the window's own process (its GIL): that is what it shows.
HERE = Where.HERE.value


def python_work(mode: str, workers: int, seconds: float) -> RunConfig:
    """~``seconds`` of pure-Python work (serial time), as ``mode`` with ``workers``, in this process."""
    return RunConfig("cpu-python", mode, 1 if mode == "serial" else workers, TASKS,
                     size_for("cpu-python", seconds), where=None if mode == "processes" else HERE)


#: A live run (pair 4) lasts until stopped: many tasks of ~¼ s each, so its size stays within the workload's cap
#: and its progress (the live throughput) moves four times a second per thread.
LIVE_TASK_S = 0.25


def live_work(workers: int, seconds: float) -> RunConfig:
    """Pure-Python work on ``workers`` QThreads of this process for about ``seconds``, in ~¼ s tasks."""
    tasks = max(1, int(seconds / LIVE_TASK_S))
    return RunConfig("cpu-python", "threads", workers, tasks, size_for("cpu-python", LIVE_TASK_S, 1), where=HERE)


def hash_work(workers: int, seconds: float) -> RunConfig:
    """~``seconds`` of SHA-256 (serial time) on ``workers`` QThreads: hashlib releases the GIL."""
    return RunConfig("cpu-hash", "threads", workers, TASKS, size_for("cpu-hash", seconds), where=HERE)


def wait_work(seconds: float) -> RunConfig:
    """``seconds`` of waiting (a slow download, say): ``time.sleep`` in 16 steps, serially, in this process."""
    return RunConfig("io-sleep", "serial", 1, TASKS, max(1, int(seconds * 1000 / TASKS)), where=HERE)


def _switch_ms() -> str:
    return f"{sys.getswitchinterval() * 1000:g} ms"


def intro_html(info: PlatformInfo) -> str:
    gil = ("the GIL is <b>on</b>: one thread at a time runs Python bytecode" if info.gil_enabled
           else "the GIL is <b>off</b> (free-threaded build): threads run Python bytecode in parallel")
    return (f"A window stays smooth only if its GUI thread gets back to the event loop every few "
            f"milliseconds (a 60 Hz screen shows a frame every {FRAME_S * 1000:.1f} ms). The <b>heartbeat</b> "
            f"dot moves one step each time the loop runs, and the lateness plot shows how late each tick "
            f"was. Here: {html.escape(info.implementation)} {html.escape(info.python)}, {gil}; switch interval "
            f"<b>{_switch_ms()}</b>; {info.logical_cores} logical cores. Each pair runs the same work the wrong "
            "way and the right way.")


def pair_html(key: str, info: PlatformInfo, limit_s: float) -> str:
    """The explanation of one wrong-way / right-way pair, true for this interpreter."""
    sw = _switch_ms()
    if key == StepKind.GUI_THREAD:
        gil = (" Pure-Python work on QThreads still shares the window's GIL, so the window stutters by about "
               f"a switch interval ({sw}) each time it needs the GIL back: that is the GIL, not a freeze (pair 4)."
               if info.gil_enabled else "")
        return ("<b>Wrong:</b> the work runs inside a slot on the GUI thread. Until it returns, the event loop "
                "cannot paint, react to clicks or fire timers: the heartbeat stops and the window is dead "
                f"(concgui stops such a run after {limit_s:g} s so it can never hang your desktop). "
                "<b>Right:</b> the same tasks on QThread workers or the process pool; the GUI thread only "
                f"receives progress by signal.{gil}")
    if key == StepKind.BLOCKING_WAIT:
        return ("<b>Wrong:</b> the work is started on a thread, then the slot waits for it "
                "(<code>future.result()</code>, <code>thread.join()</code>). The GUI thread sits in the wait, "
                "so the window freezes exactly as if it did the work itself, and the progress signals all "
                "arrive at once afterwards. <b>Right:</b> start the work and return at once; let the worker "
                "tell you by signal when it is done.")
    if key == StepKind.FLOOD:
        return ("<b>Wrong:</b> the worker emits one signal per tiny item. Each becomes a queued event the GUI "
                "thread must handle one by one, updating a widget each time; they pile up faster than the "
                "loop drains them, so the window lags and keeps catching up after the work has ended. "
                "<b>Right:</b> coalesce: fold the items on the worker's side and send the state at most "
                "~10 times a second (a few times a second while our own threads hold the GIL).")
    if key == "jank":
        if info.gil_enabled:
            return ("<b>Wrong (for pure Python):</b> QThreads running pure-Python code. Only one thread holds "
                    f"the GIL; the GUI thread must ask for it and waits up to a switch interval ({sw} now) "
                    "behind <i>each</i> busy thread, so ticks arrive late and the window stutters more with "
                    "every thread added — though nothing is blocked. <b>Right:</b> processes (each has its "
                    "own GIL), or threads running code that releases the GIL (hashlib on large buffers, "
                    "zlib, NumPy, I/O). A shorter switch interval makes the GUI snappier but costs the "
                    "workers throughput (more hand-overs); a longer one does the opposite.")
        return ("This interpreter runs without the GIL, so pure-Python QThreads run in parallel and need not "
                "make the window stutter; with more busy threads than cores they still compete for CPU time.")
    raise KeyError(key)


def _ms(v: Any) -> str:
    if v is None:
        return "–"
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.1f} ms"


#: Later than this at the 99th percentile, and a run made the window visibly stutter.
STUTTER_MS = FRAME_S * 1000


def verdict(ui: UiStats, held_our_gil: bool, switch_s: float) -> tuple[str, str]:
    """(mark, sentence) for how the window fared during one run, from that run's numbers alone.

    Whichever way the run was meant to be (wrong or right), the mark says
    what was measured: ✗ a freeze, ⚠ a stutter, ✓ smooth. A stutter during a
    run whose threads held this window's GIL is said to be the GIL's doing.
    """
    freeze = ui.longest_freeze_ms or 0.0
    p99 = ui.heartbeat_p99_ms or 0.0
    if freeze >= FREEZE_S * 1000:
        return "✗", f"froze for {_ms(freeze)} ({frames_missed_words(int(freeze / 1000 / FRAME_S))})"
    if p99 >= STUTTER_MS:
        if held_our_gil:
            per = p99 / (switch_s * 1000) if switch_s > 0 else 0
            return "⚠", (f"stuttered, no freeze: p99 {_ms(p99)}, about {per:.0f} switch interval"
                         f"{'s' if round(per) != 1 else ''} ({switch_s * 1000:g} ms): the GUI thread waited for "
                         "the GIL behind the busy threads. That is the GIL, not a freeze")
        return "⚠", f"stuttered, no freeze: p99 {_ms(p99)} (the GUI thread waited for a busy CPU)"
    return "✓", f"smooth: p99 {_ms(p99)}"


def outcome_text(ui: UiStats, wall_s: float, status: str) -> str:
    """One line about a measured run: its freeze and lateness, and a flood's backlog."""
    freeze = ui.longest_freeze_ms
    parts = [f"work {wall_s:.2f} s", f"longest freeze {_ms(freeze)}"]
    if freeze is not None and freeze >= 250:
        parts[-1] += f" ({frames_missed_words(int(freeze / 1000 / FRAME_S))})"
    parts.append(f"UI p50 {_ms(ui.heartbeat_p50_ms)} · p99 {_ms(ui.heartbeat_p99_ms)}")
    if ui.signals is not None:
        parts.append(f"{ui.signals:,} signals")
    if ui.peak_backlog is not None:
        parts.append(f"backlog up to {ui.peak_backlog:,} events")
    if ui.drain_ms is not None:
        parts.append(f"GUI caught up {_ms(ui.drain_ms)} after the work ended")
    if status != "done":
        parts.append(status)
    return "; ".join(parts)
