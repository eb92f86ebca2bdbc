"""Every metric the window shows, in one sentence each, and where it comes from.

Help › Glossary shows this table; the tests check that every column of the
results table and every readout the window shows has an entry, so a new number
cannot appear without its explanation. Qt-free: plain data.
"""

from __future__ import annotations

from typing import NamedTuple


class Term(NamedTuple):
    term: str
    meaning: str
    source: str  # where the number comes from


GLOSSARY: tuple[Term, ...] = (
    Term("GIL", "The global interpreter lock: in CPython's default build only the thread holding it runs "
         "Python bytecode, so pure-Python threads take turns; C code such as hashlib, zlib or a sleep can "
         "release it while it works.", "sys._is_gil_enabled() where the interpreter has it (3.13+), else on."),
    Term("Switch interval", "How long a thread may keep the GIL while another waits for it before it must hand "
         "it over.", "sys.getswitchinterval(); the Responsiveness lab can change it (sys.setswitchinterval)."),
    Term("Heartbeat", "A 20 ms single-shot timer on the GUI thread, re-armed on every tick; the dot in the "
         "status bar moves one step per tick.", "The window's event loop (gui/heartbeat.py)."),
    Term("Lateness", "How long after its due time a heartbeat tick ran: how long the window could not react.",
         "Each tick's time against its due time, on one system-wide monotonic clock."),
    Term("GUI lag", "The worst lateness in the last half second.", "The heartbeat's recent ticks."),
    Term("p50 / p99", "The median and the 99th percentile of the heartbeat's lateness over a span: the typical "
         "wait, and the worst but the rarest 1 %.", "The ticks recorded during that span (engine/latency.py)."),
    Term("Longest freeze", "The latest single tick during a run: how long the window stood still at once.",
         "The heartbeat ticks that waited during the run."),
    Term("Frames missed", "How many 60 Hz frames (16.7 ms each) the longest freeze covered.",
         "Longest freeze ÷ 16.7 ms."),
    Term("GUI stall", "The table's name for a run's longest freeze, in milliseconds.", "As Longest freeze."),
    Term("UI p99", "The table's name for a run's p99 lateness.", "As p50 / p99, over the run."),
    Term("Backlog", "A signal flood's queued signals: sent to the GUI thread but not yet handled by it. The "
         "most at any moment of the run.", "Signals emitted minus signals delivered, at every emit."),
    Term("Caught up", "How long after the work ended the GUI thread handled the run's last signal: a flood's "
         "backlog draining, or a coalesced run's last few ms.",
         "The run's end in the engine against when the window handled it, on one clock."),
    Term("Cores busy", "The sum of every core's CPU % divided by 100: how many cores' worth of work the whole "
         "machine does now. Threads taking turns on the GIL hop between cores but add up to about 1.",
         "psutil per-core CPU %, sampled at 10 Hz by a probe process."),
    Term("This app + workers", "The CPU this window's process and every process it started (worker host, "
         "pool, probes) use together, as % of one core.", "psutil cpu_times of the process tree."),
    Term("Others", "How many cores' worth of CPU other programs used during a run; from 0.3 a Compare says so "
         "before it starts, and from 0.5 no verdict is called.",
         "The machine's busy time (psutil.cpu_times()) minus this process tree's, over the run."),
    Term("Wall", "Elapsed time of a run, from its first task handed out to its last result in; the pool's and "
         "the worker host's start-up are not part of it. With repeats, the median.", "The shared monotonic clock."),
    Term("CPU", "CPU time of what ran the tasks: the worker processes (and the thread relaying their events), "
         "or this whole process for a run in it.", "psutil and time.thread_time()."),
    Term("Speedup", "Serial wall time ÷ this wall time, against a serial run of the same inputs.",
         "Two runs' walls (with repeats, their medians)."),
    Term("Efficiency", "Speedup ÷ workers: 100 % means every worker did a full serial run's worth; above 100 % "
         "is always explained (a disturbed baseline, others' load, a wide spread).", "Speedup and workers."),
    Term("Results", "Whether a run's results equal the serial run's: the digest of every task's value.",
         "A hash over the results in task order."),
    Term("Repeats", "How many times Compare and Scale run each mode, interleaved (S T P S T P …).",
         "The Repeats setting; concgui bench --repeats."),
    Term("Median", "The middle of a mode's repeats: one outlier cannot move it.", "The repeats' wall times."),
    Term("Spread (±)", "Half the range of a mode's repeats, relative to their median.", "The repeats' wall times."),
    Term("Verdict", "The mode that beats every other by more than both their spreads (and by 5 % at least); "
         "otherwise too close to call. None on a busy machine.", "engine/verdict.py; Help › How verdicts are called."),
    Term("Where the time went", "A run's wall time per worker, split into first input, computing, in task off "
         "CPU, between tasks and idle at the end; the pool's start-up beside it.", "The run's own task events."),
    Term("Ran on", "Which process and threads ran the tasks: the worker host, the pool, or this window's own "
         "threads (on purpose, for the lessons).", "How the run was started."),
    Term("Dask cluster", "The dask mode's workers: Dask worker processes × threads per worker, driven by Dask's "
         "scheduler. A LocalCluster is started on 127.0.0.1 for each run and closed after it; a scheduler named "
         "(tcp://HOST:PORT) is used as it is and left running.", "RunConfig workers, threads_per_worker, scheduler; "
         "the cluster's address and dashboard link as the run reported them."),
    Term("Cluster start", "How long the dask mode took to start its LocalCluster (its host process, the "
         "scheduler, every worker, the client, and a first call on each worker), or to reach the scheduler "
         "named. Not part of the run's wall time, as a pool's start is not.", "The run's split (pool_start_s) "
         "and cluster.start_s."),
    Term("Dask task cost", "What handing out one Dask task cost: scheduling, sending its inputs out and its "
         "results and events back. The mode puts several tasks in one Dask task (~100 ms of work) so that this "
         "cost stays small.", "The run's worker threads' time before and between their Dask tasks, over the "
         "Dask tasks (engine/explain.py per_chunk_cost_s)."),
    Term("Python", "The interpreter that ran a run's tasks: its version, with a t for a free-threaded build. "
         "Speedups compare runs of one Python only, each against its own serial run.",
         "What the worker reported about itself when it started (sys.version_info, sysconfig's "
         "Py_GIL_DISABLED, sys._is_gil_enabled())."),
    Term("Subinterpreters", "Interpreters inside one process, each with its own GIL (3.12+): CPU work runs on "
         "every core like processes, but no Python objects are shared: inputs and results are pickled.",
         "concurrent.interpreters (3.14+), _interpreters (3.13), _xxsubinterpreters (3.12)."),
    Term("Free-threaded overhead", "How much longer the same serial work took on a free-threaded build than on "
         "the normal build of its version: the price its threads must win back.",
         "Serial wall on the free-threaded build ÷ serial wall on the normal one, minus 1, in one Compare."),
    Term("Two-thread test", "Your function's calls on one thread, then on two threads at once: how much "
         "faster two were. About 2× means it runs without the GIL (or waits); about 1× means it holds the GIL.",
         "The profile, in a fresh process: the quickest of three rounds of each (function_probe.py)."),
    Term("GIL-free share", "How much of a call runs without the GIL, from the two-thread test by Amdahl's law "
         "(two threads S₂× as fast: held share 2/S₂ − 1).", "The two-thread test's speedup."),
    Term("Predicted speedup", "What the profile says each mode should reach for your function: threads by the "
         "GIL-free share, processes and subinterpreters by a core each, less sending items and results.",
         "The profile's call time, GIL-free share, pickled sizes and times, this machine's cores "
         "(engine/recommend.py)."),
    Term("Import time", "How long your module took to import in a fresh process: what every worker pays once, "
         "at pool start, outside the run's wall time.", "The profile's own import of the module."),
    Term("Memory per worker", "The peak memory of a fresh process that imported your module and ran a few "
         "calls: each worker process needs about as much.", "resource.getrusage's ru_maxrss, in the profile."),
    Term("Pickled size", "An item's and a result's size as a pickle: what a process pool sends for every task, "
         "both ways.", "pickle.dumps (protocol 4) in the profile, also timed."),
    Term("Timeline", "One lane per worker, one bar per task; a bar's shade is its CPU share.",
         "TasksFinished events: each worker folds the tasks it ends within ~10 ms into one, with every "
         "task's start, end and CPU time; TaskStarted marks a slow task as running."),
    Term("CPU share", "A task's CPU time ÷ its wall time: pale bars waited (for the GIL, a core, or I/O).",
         "The task's thread CPU time, measured in the worker (tasks under 1 ms: their fold's mean)."),
    Term("GIL lane", "The thin strip under a lane: how much of each 10 ms the worker's OS thread was really on a "
         "CPU. Pure-Python threads alternate; GIL-releasing ones run together.",
         "Each thread's CPU time from /proc, read by a helper process at ~100 Hz."),
    Term("Expected here", "A lesson step's range (or choices) for this machine: computed from its cores, its "
         "Python's GIL and switch interval, and the step's settings, with the reason it gives.",
         "The step's rule in concgui/lessons/expect.py, read when the step is revealed."),
    Term("Holds", "Whether a lesson step's measurement fell in the range expected here. When it does not, the "
         "reveal says \"On this machine:\" and keeps the measurement.", "Measured against Expected here."),
    Term("Prediction", "The answer given before a lesson step runs; several (a class's) are kept, and the reveal "
         "compares their median (or, for a choice, the commonest) with the measurement: close within 20 %.",
         "The lesson panel's answer box; saved with Answers (CSV)."),
    Term("Lost updates", "Race lab: how many of the workers' increments are missing from the final count.",
         "Increments attempted minus the counter's final value."),
    Term("Max concurrency", "Semaphore lab: the most workers that held a permit at the same moment.",
         "The holders' start and end times, swept in order."),
    Term("Deadlock", "Deadlock lab: threads that each hold a lock the other waits for, so none can go on; the "
         "lab sees the cycle in its wait-for graph and ends it with an acquire timeout.",
         "Which lock each thread holds and waits for, watched while it runs."),
    Term("Max fill", "Condition lab: the most items the bounded buffer held at once.",
         "The buffer's length after every put."),
    Term("Quickest IPC", "IPC lab: the method with the lowest median time to move one payload of a size from "
         "the child process to the parent, checksum verified.", "Each method's transfers at that size."),
)

#: Glossary terms of each lesson metric (the lesson panel's reveal names these numbers).
LESSON_METRIC_TERMS = {"speedup": "Speedup", "freeze-ms": "Longest freeze", "lost-updates": "Lost updates",
                       "max-concurrency": "Max concurrency", "deadlock": "Deadlock", "max-fill": "Max fill",
                       "fastest-ipc": "Quickest IPC", "ipc-ratio": "Quickest IPC"}

def glossary_html() -> str:
    rows = "".join(f"<tr><td><b>{t.term}</b></td><td>{t.meaning}<br><i>From: {t.source}</i></td></tr>"
                   for t in GLOSSARY)
    return f"<table cellspacing='0' cellpadding='4'>{rows}</table>"


def entry(term: str) -> Term | None:
    """The entry for ``term`` (case and ± marks ignored), or None."""
    key = term.lower().replace("±", "").strip()
    return next((t for t in GLOSSARY if t.term.lower().replace("(±)", "").strip() == key), None)
