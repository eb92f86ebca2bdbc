"""How the window names a run: its mode, where it ran, its workers. One rule, used by every view.

The engine knows its modes (serial, threads, processes, interpreters, dask) and says where it
ran them (:func:`concgui.engine.compare.ran_on`). The window knows one thing
more: how *it* arranged the run (its :class:`~concgui.scenarios.StepKind`).
A wrong way on purpose is shown by that kind ("serial (GUI thread)",
"thread, GUI waits"); every other run by the engine's mode. The results table,
the plots, the comparison, the progress panel and the status bar all ask
:func:`display_key` and :func:`mode_name`, so they can never disagree. Qt-free.
"""

from __future__ import annotations

import enum

from concgui.engine.config import Mode, RunConfig, Where
from concgui.engine.events import RunStarted
from concgui.engine.workloads import workload_label
from concgui.scenarios import StepKind


class GuiMode(str, enum.Enum):
    """The Mode box's choices: an engine mode, and where the window runs it.

    ``GUI_THREAD`` is the engine's serial mode run on the GUI thread itself,
    on purpose (the :class:`~concgui.scenarios.StepKind` of the same name);
    ``QTHREADS`` the threads mode on QThreads of the window's own process (its
    GIL); ``THREADS`` on the threads of a worker host; ``PROCESSES`` the pool.
    """

    GUI_THREAD = StepKind.GUI_THREAD.value
    THREADS = "threads"
    QTHREADS = "qthreads"
    PROCESSES = "processes"
    INTERPRETERS = "interpreters"
    DASK = "dask"


#: The Mode box's entries: (key, label).
GUI_MODES = (
    (GuiMode.GUI_THREAD.value, "Serial (GUI thread — the wrong way)"),
    (GuiMode.THREADS.value, "Threads (worker host process)"),
    (GuiMode.QTHREADS.value, "Threads (QThreads in this window)"),
    (GuiMode.PROCESSES.value, "Processes (pool)"),
    (GuiMode.INTERPRETERS.value, "Subinterpreters (own GIL each)"),
    (GuiMode.DASK.value, "Dask cluster (LocalCluster or scheduler)"),
)
#: The modes that run in the window's own process, so always on the Python running it.
IN_WINDOW_MODES = frozenset({GuiMode.GUI_THREAD.value, GuiMode.QTHREADS.value})


def engine_mode(gui_mode: str) -> str:
    """The engine mode a Mode-box choice runs."""
    return {GuiMode.GUI_THREAD: Mode.SERIAL.value, GuiMode.QTHREADS: Mode.THREADS.value}.get(gui_mode, gui_mode)


def gui_mode_of(cfg: RunConfig) -> str:
    """The GUI mode that shows ``cfg`` (a serial config shows as the GUI-thread mode, the only serial one)."""
    if cfg.mode == Mode.SERIAL:
        return GuiMode.GUI_THREAD.value
    if cfg.mode == Mode.THREADS and cfg.where == Where.HERE.value:
        return GuiMode.QTHREADS.value
    return cfg.mode


MODE_NAMES = {
    StepKind.GUI_THREAD.value: "serial (GUI thread)",
    Mode.SERIAL.value: "serial",
    Mode.THREADS.value: "threads",
    Mode.PROCESSES.value: "processes",
    Mode.INTERPRETERS.value: "subinterpreters",
    Mode.DASK.value: "dask",
    StepKind.BLOCKING_WAIT.value: "thread, GUI waits",
    StepKind.FLOOD.value: "processes + signal flood",
}

#: Where a run that a wrong way put in the window's process did its work.
_RAN_ON_BY_KIND = {StepKind.GUI_THREAD: "GUI thread",
                   StepKind.BLOCKING_WAIT: "worker thread, GUI thread waits for it",
                   # On the pool as any processes run, but telling the GUI of every item: a record must
                   # say so, or a chart of the lesson's two runs would name them alike.
                   StepKind.FLOOD: "worker processes, one signal per item"}
#: Where a right-way run that its config kept in the window's process ("here") did its work.
_RAN_HERE = {"serial": "run-driver QThread", "threads": "QThreads in the window"}
#: The words above that mean "in the window's own process, on threads it shares the GIL with".
IN_WINDOW = frozenset(_RAN_HERE.values())

#: Short words for the table's "Ran on" column (the export keeps the full words).
SHORT_RAN_ON = {
    "worker host process": "host process",
    "threads of a worker host process": "host threads",
    "worker processes": "pool",
    "subinterpreters of a worker host process": "subinterpreters",
    "Dask cluster workers": "Dask cluster",
    "QThreads in the window": "window QThreads",
    "run-driver QThread": "window thread",
    "GUI thread": "GUI thread",
    "worker thread, GUI thread waits for it": "thread + wait",
    "worker processes, one signal per item": "pool + flood",
    "this process": "this process",
    "threads of this process": "threads here",
}


def display_key(mode: str, kind: str | None) -> str:
    """The key a run is shown by: the wrong way's kind, or else the engine's mode."""
    if kind in (StepKind.GUI_THREAD, StepKind.BLOCKING_WAIT, StepKind.FLOOD):
        return StepKind(kind).value
    return mode


def record_key(ran_on: str, mode: str) -> str:
    """:func:`display_key` from a record alone (a comparison has no rows): its ran-on words tell a wrong way."""
    kind = next((k for k, words in _RAN_ON_BY_KIND.items() if words == ran_on), None)
    return display_key(mode, kind)


def mode_name(mode: str, kind: str | None = None) -> str:
    """A run's mode in a few words, for tables, legends and the status bar."""
    key = display_key(mode, kind)
    return MODE_NAMES.get(key, key)


def ran_on_in_window(started: RunStarted, kind: StepKind) -> str | None:
    """The window's words for where a run in its own process ran; None: the engine's words hold."""
    if kind in _RAN_ON_BY_KIND:
        return _RAN_ON_BY_KIND[kind]
    if started.where == Where.HERE.value:
        return _RAN_HERE.get(started.mode)
    return None


def short_ran_on(ran_on: str) -> str:
    return SHORT_RAN_ON.get(ran_on, ran_on or "–")


def workers_word(started: RunStarted) -> str:
    """What one worker of the run is: "QThread", "thread", "process", "subinterpreter", "Dask worker", or "none"
    (serial)."""
    if started.mode == "threads":
        return "QThread" if started.where == Where.HERE.value else "thread"
    if started.mode == "interpreters":
        return "subinterpreter"
    if started.mode == Mode.DASK:
        return "Dask worker"
    return "process" if started.mode == "processes" else "none"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def dask_title(started: RunStarted) -> str:
    """A dask run in a few words: "Dask cluster, 2 workers × 2 threads" (a scheduler named: "Dask scheduler")."""
    named = started.cluster is not None and not started.cluster.get("started_here", True)
    text = (f"Dask scheduler {started.cluster.get('scheduler')}" if named and started.cluster else "Dask cluster")
    text += f", {_plural(started.workers, 'worker')} × {_plural(started.threads_per_worker, 'thread')}"
    if started.chunk_size > 1:
        text += f", chunks of {started.chunk_size:,} tasks"  # one Dask task each
    return text


def progress_title(started: RunStarted, kind: StepKind) -> str:
    """The progress panel's title while ``started``'s run goes on."""
    key = display_key(started.mode, kind)
    here = started.where == Where.HERE.value
    if key == Mode.DASK:
        return f"Running {started.tasks:,} × {workload_label(started.workload)}: {dask_title(started)}"
    if key == "serial":
        label = "Serial (run-driver QThread)" if here else "Serial (worker host process)"
    else:
        label = dict(GUI_MODES).get("qthreads" if key == "threads" and here else key, mode_name(key))
    extra = f", {started.workers} workers" if started.workers > 1 else ""
    if started.start_method:
        extra += f", {started.start_method}, {started.chunk_size} task(s) per message"
    return f"Running {started.tasks:,} × {workload_label(started.workload)}: {label}{extra}"
