"""What to watch for with the chosen settings (plain text, no Qt).

Written from the workload's catalog entry and the running interpreter's facts
(GIL on or off, switch interval, cores), never from assumptions.
"""

from __future__ import annotations

import html

from concgui.engine import dask_cluster
from concgui.engine.platform_info import PlatformInfo
from concgui.engine.pythons import PythonInfo, this_python
from concgui.engine.workloads import get_workload
from concgui.gui.run_words import IN_WINDOW_MODES, GuiMode


def hint_lines(workload: str, gui_mode: str, workers: int, info: PlatformInfo,
               python: PythonInfo | None = None, threads_per_worker: int = 1) -> list[str]:
    """``python``: the interpreter chosen for the runs (None: this one); its GIL decides what threads do.
    ``threads_per_worker``: the dask mode's threads in each worker process."""
    w = get_workload(workload)
    if gui_mode in IN_WINDOW_MODES or gui_mode == GuiMode.DASK:  # a Dask cluster runs on this Python too
        python = None  # these run in the window's own process, whatever the Python box says
    other = python is not None and not python.is_this
    gil_on = python.gil_enabled if python is not None else info.gil_enabled
    cores = info.logical_cores
    switch_ms = f"{info.switch_interval_s * 1000:g} ms"
    useful = min(workers, cores)
    out: list[str] = []
    if w.fails:
        out.append(f"<b>{html.escape(w.name)}</b> fails on purpose in every third task ({html.escape(w.size_unit)}"
                   "): watch how the run ends as failed, the error and its details, and that the next run "
                   "works again.")
    if w.kind == "own" and gui_mode != GuiMode.GUI_THREAD:
        out.append("concgui does not know in advance what your function does with the GIL. Run and Compare "
                   "first profile it in a fresh process (its import, a few calls, two threads at once), predict "
                   "each mode's speedup from that, then run, and set each prediction beside its measurement.")
        out.append("Each task is one call, <code>func(item)</code>, on the items 0, 1, … Tasks − 1. Its "
                   "results are compared across modes by their pickles.")
        return out
    if gui_mode == GuiMode.GUI_THREAD:
        out.append("The window stops repainting until the run ends: buttons, progress and the CPU plot all "
                   "freeze. The CPU probe (a separate process) keeps recording, so the CPU history appears "
                   "afterwards, and the lateness plot and the table's <b>GUI stall</b> column show how long "
                   "the window was dead.")
        out.append("Compare runs the same serial work in a worker host process instead, and the window stays "
                   "alive.")
        return out
    if gui_mode in ("threads", "qthreads"):
        if w.kind == "io":
            out.append(f"The tasks mostly wait, and waiting releases the GIL: {workers} threads overlap their "
                       f"waits, so the run is up to ~{workers}× faster while <b>Cores busy</b> stays low.")
        elif w.gil == "holds" and gil_on:
            out.append(f"Pure-Python work holds the GIL: only one thread runs bytecode at a time, handing over "
                       f"every switch interval ({switch_ms} here). Expect <b>Cores busy ≈ 1</b> however many "
                       "threads you add; the lines may share the load across cores as the thread hops, but "
                       "they add up to about one core.")
            if gui_mode == "qthreads":
                out.append("These QThreads share the window's GIL: the GUI thread waits for it behind the busy "
                           f"threads, about a switch interval ({switch_ms}) each time it needs it back, so the "
                           "window stutters. Watch the lateness plot and <b>GUI lag</b> in the status bar.")
            else:
                out.append("The threads hold the GIL of the worker host, not the window's: the window stays "
                           "smooth while they fight over theirs.")
        elif w.gil == "holds":
            out.append(f"{'That' if other else 'This'} interpreter runs without the GIL, so even pure-Python "
                       f"threads can keep {useful} core(s) busy.")
        else:
            out.append(f"{html.escape(w.name)} spends its time in C code that releases the GIL, so threads run "
                       f"in parallel: expect <b>Cores busy</b> near {useful}.")
    elif gui_mode == "processes":
        if w.kind == "io":
            out.append("Each process waits just like a thread would; processes add start-up and "
                       "pickling costs, so threads are usually the lighter choice for waiting.")
        else:
            out.append(f"Each worker process has its own interpreter and GIL: expect <b>Cores busy</b> near "
                       f"{useful} and <b>This app + workers</b> near {useful * 100} %.")
        if workers > cores and w.kind != "io":
            out.append(f"{workers} workers on {cores} cores: the extra ones can only take turns.")
    elif gui_mode == GuiMode.INTERPRETERS:
        target = python if python is not None else this_python()
        if target.per_interpreter_gil:
            out.append(f"Each worker is a subinterpreter with its own GIL, each driven by a thread of one worker "
                       f"host process: CPU work can keep {useful} core(s) busy, as processes do. They share no "
                       "Python objects: inputs and results are pickled between them. NumPy and other extensions "
                       "without subinterpreter support do not load in them.")
        else:
            out.append(f"Python {html.escape(target.version)} has no subinterpreters with their own GIL (3.12 or newer "
                       "needed): choose another Python above.")
    elif gui_mode == GuiMode.DASK:
        out += _dask_lines(w, workers, threads_per_worker, cores, gil_on)
    runs = "serial, threads and processes"
    where = f" on this Python and on {html.escape(python.label)}, side by side," if other and python else ""
    if gui_mode == GuiMode.DASK and dask_cluster.available():
        runs += " (and dask on a cluster of its own)"
    if gui_mode == GuiMode.INTERPRETERS:
        have = [p for p in dict.fromkeys([this_python(), *([python] if other and python else [])])
                if p.per_interpreter_gil]
        if have:
            runs += " (and subinterpreters on " + " and ".join(
                "this Python" if p.is_this else html.escape(p.label) for p in have) + ")"
    out.append(f"<b>Compare</b> runs {runs}{where} on identical inputs and explains the difference.")
    return out


def _dask_lines(w, workers: int, threads: int, cores: int, gil_on: bool) -> list[str]:
    """What a Dask cluster of ``workers`` processes × ``threads`` threads does with workload ``w``."""
    if not dask_cluster.available():
        return [f"Dask is not installed here: install it with <code>{html.escape(dask_cluster.INSTALL_COMMAND)}"
                "</code> to run on a Dask cluster."]
    lanes = workers * threads
    out = ["Each Dask worker is a process with its own GIL, started with its scheduler for the run (the "
           "seconds that takes are not in the wall time). The timeline has a lane per Dask worker thread, and "
           "the progress panel links to Dask's own dashboard while the cluster runs."]
    if w.kind == "io":
        out.append(f"The tasks mostly wait, so all {lanes} worker threads overlap their waits.")
    elif threads > 1 and w.gil == "holds" and gil_on:
        out.append(f"Pure-Python work holds each worker's GIL: its {threads} threads take turns, so a worker "
                   f"process keeps at most one core busy: expect <b>Cores busy</b> near {min(workers, cores)}.")
    else:
        out.append(f"CPU work can keep {min(lanes, cores)} core(s) busy, as processes do.")
    out.append("Dask schedules each task through its scheduler, about a millisecond apiece: concgui sends "
               "the tasks in chunks of ~100 ms of work, one Dask task each, so that cost stays small.")
    return out


def hint_html(workload: str, gui_mode: str, workers: int, info: PlatformInfo,
              python: PythonInfo | None = None, threads_per_worker: int = 1) -> str:
    return "".join(f"<p>{line}</p>" for line in hint_lines(workload, gui_mode, workers, info, python,
                                                           threads_per_worker))
