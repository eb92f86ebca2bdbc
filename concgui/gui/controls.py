"""The run settings and the Run / Cancel / Compare buttons.

Widgets allow values the engine will refuse (e.g. more processes than it
permits): :meth:`RunConfig.validate <concgui.engine.config.RunConfig.validate>`
is the one judge of input, and its message is shown in :attr:`message`.
"""

from __future__ import annotations

import os
from dataclasses import replace

from PySide6.QtCore import QEvent, Qt, Signal, Slot
from PySide6.QtGui import QFontMetrics, QKeySequence, QStandardItemModel
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSizePolicy, QSpinBox, QStyle, QVBoxLayout, QWidget)

from concgui.engine import dask_cluster, startmethods
from concgui.engine.config import (MAX_DASK_THREADS, MAX_TASKS, MAX_THREADS, POOL_MODES, Mode, RunConfig, Where,
                                   max_processes)
from concgui.engine.pythons import PythonInfo
from concgui.engine.repeats import DEFAULT_REPEATS, MAX_REPEATS
from concgui.engine.function_profile import FunctionRef
from concgui.engine.workloads import CATALOG, FUNCTION, get_workload
from concgui.gui.cards import count_box
from concgui.gui.python_chooser import PythonChooser
from concgui.gui.run_words import GUI_MODES, IN_WINDOW_MODES, GuiMode, engine_mode, gui_mode_of
from concgui.gui.theme import ink

MODE_HINTS = {
    GuiMode.GUI_THREAD.value: ("The whole run happens on the GUI thread: the window freezes until it ends, and "
                   "Cancel cannot be clicked (concgui stops it after {limit:g} s). That is the lesson — "
                   "never block the GUI thread."),
    GuiMode.THREADS.value: ("The threads run in a worker host: one separate process of {python}, as "
                "<code>concgui bench</code> runs them, so the window and the threads never wait for each "
                "other's GIL and the times match the terminal's."),
    GuiMode.QTHREADS.value: (
        "Each worker is a QThread in the window's own process. Pure-Python work holds the window's "
        "GIL: the window waits for it each time it needs it back, so it stutters (the lesson), and "
        "the run shares the GIL with the window's own work."),
    GuiMode.PROCESSES.value: "Each worker is a separate process of {python} with its own GIL.",
    GuiMode.INTERPRETERS.value: (
        "Each worker is a subinterpreter with its own GIL, driven by a thread of one worker host process "
        "of {python} ({engine})."),
    GuiMode.DASK.value: (
        "Each worker is a Dask worker process with its threads per worker, on a LocalCluster that concgui "
        "starts on 127.0.0.1 for the run and closes after (its start is not in the wall time), or on the "
        "scheduler below. Dask's scheduling costs about a millisecond per task, so tiny tasks go in chunks."),
}
#: The Dask mode's entry and hint without Dask's distributed scheduler installed.
NO_DASK = f"Dask is not installed here: install it with <code>{dask_cluster.INSTALL_COMMAND}</code>, then restart."
NO_DASK_TIP = f"Needs Dask's distributed scheduler: {dask_cluster.INSTALL_COMMAND}"
#: Where the dask mode runs whatever the Python box says: the cluster's workers are this Python's.
DASK_HERE_NOTE = " A Dask cluster runs on the Python running concgui, whatever the Python box says."
SCHEDULER_PLACEHOLDER = "empty: start a LocalCluster on 127.0.0.1"
#: How each Python drives subinterpreters: the public module from 3.14, private ones before.
ENGINE_WORDS = {"concurrent.interpreters": "concurrent.interpreters",
                "_interpreters": "the private _interpreters module of 3.13",
                "_xxsubinterpreters": "the private _xxsubinterpreters module of 3.12"}
IN_WINDOW_NOTE = " This mode runs in the window's own process, so on this Python whatever the Python box says."
NO_INTERPRETERS = ("{python} has no subinterpreters with their own GIL (they need Python 3.12 or newer): "
                   "choose another Python above.")
BADGE_STYLE = {
    "holds the GIL": ("#8a4b00", "#fff1db"),
    "releases the GIL": ("#1b5e20", "#e3f4e4"),
    "I/O": ("#0d47a1", "#e3eefc"),
    "fails on purpose": ("#b71c1c", "#fdecea"),  # the crash workload
    "your code": ("#4a148c", "#f1e6fb"),  # a developer's own function: measured, not known
}
#: The Workload box's entry for a developer's own function (its data: the FUNCTION workload's name).
YOUR_FUNCTION = "Your function…"
BADGE_PADDING_PX = 8
SHORTCUTS = {"run": "Ctrl+R", "cancel": "Esc", "compare": "Ctrl+Shift+C"}
#: The GUI-thread cap's range, in seconds: long enough for any demo, never a hung desktop.
GUI_LIMIT_RANGE_S = (0.1, 30.0)
INT_MAX = 2**31 - 1


class ControlsPanel(QWidget):
    run_requested = Signal()
    cancel_requested = Signal()
    compare_requested = Signal()
    settings_changed = Signal()  # workload, mode or workers changed

    def __init__(self, gui_thread_limit_s: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cores = os.cpu_count() or 1
        self.gui_thread_limit_s = gui_thread_limit_s

        self.workload = QComboBox()
        for w in CATALOG.values():
            self.workload.addItem(w.name, w.name)
            self.workload.setItemData(self.workload.count() - 1, w.summary, Qt.ItemDataRole.ToolTipRole)
        self.workload.addItem(YOUR_FUNCTION, FUNCTION.name)
        self.workload.setItemData(self.workload.count() - 1, FUNCTION.summary, Qt.ItemDataRole.ToolTipRole)
        # Your function: MODULE:FUNC, and the folder it is imported from (shown only for that entry).
        self.function_edit = QLineEdit()
        self.function_edit.setPlaceholderText("module:function, e.g. mytasks:work")
        self.function_edit.setToolTip("Your function, called as func(item) -> result on items 0, 1, … Tasks-1. "
                                      "It is imported from the folder on the right, first in a fresh process "
                                      "that measures it, then in the workers")
        self.function_folder = os.getcwd()
        self.folder_button = QPushButton()
        self.folder_button.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_DirIcon))
        self.folder_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.folder_button.clicked.connect(self._on_folder_button_clicked)
        self.function_row = QWidget()
        fn_row = QHBoxLayout(self.function_row)
        fn_row.setContentsMargins(0, 0, 0, 0)
        fn_row.addWidget(self.function_edit, 1)
        fn_row.addWidget(self.folder_button)
        self.function_label = QLabel("Function")
        self._show_folder()
        self.size_label = QLabel("Task size")
        self.badge = QLabel()
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # As wide as the widest badge, once: a workload with a longer badge must not widen (or clip) the panel.
        self.fit_badge()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet("color: palette(dark);")

        self.tasks = count_box(MAX_TASKS, "How many tasks to run; every mode gets the same ones")
        self.size = count_box(INT_MAX, "How big each task is, in the workload's own unit")
        self.python = PythonChooser()
        self.gil = QComboBox()
        self.gil_label = QLabel("GIL")  # our own, so hiding the row needs no wrapper of one Qt made
        self.gil.addItem("the build's default", "")
        self.gil.addItem("off (PYTHON_GIL=0)", "0")
        self.gil.addItem("on (PYTHON_GIL=1)", "1")
        self.gil.setToolTip("A free-threaded build runs without the GIL unless told (or an extension that "
                            "does not support it turns it back on)")
        self.mode = QComboBox()
        for key, label in GUI_MODES:
            self.mode.addItem(label, key)
        self.mode.setCurrentIndex(1)
        self.dask_available = dask_cluster.available()
        if not self.dask_available:  # listed, so the mode is known, but not to be chosen
            item = self._mode_model().item(self.mode.findData(GuiMode.DASK.value))
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            item.setToolTip(NO_DASK_TIP)
        self.mode_hint = QLabel()
        self.mode_hint.setWordWrap(True)
        # The form may give it room for a longer hint than the one shown: the spare room goes below the words.
        self.mode_hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.workers = QSpinBox()
        self.workers.setRange(1, MAX_THREADS)
        self.workers.setValue(self.cores)
        self._workers_tip = f"Threads or processes (default: the {self.cores} logical cores)"
        self.workers.setToolTip(self._workers_tip)
        # The dask mode's own: threads in each Dask worker process, and a scheduler to use instead of a LocalCluster.
        self.threads_per_worker = QSpinBox()
        self.threads_per_worker.setRange(1, MAX_DASK_THREADS)
        self.threads_per_worker.setValue(1)
        self.threads_per_worker.setToolTip("Threads in each Dask worker process: they share that process's GIL, "
                                           "so more than 1 helps only work that releases it (I/O, NumPy)")
        self.threads_label = QLabel("Threads per\nworker")  # two lines: as narrow as the other labels
        self.scheduler = QLineEdit()
        self.scheduler.setPlaceholderText(SCHEDULER_PLACEHOLDER)
        self.scheduler.setToolTip("A running Dask scheduler to use, as tcp://HOST:PORT; empty: concgui starts a "
                                  "LocalCluster on 127.0.0.1 for the run and closes it after")
        self.scheduler_label = QLabel("Scheduler")
        self.start_method = QComboBox()
        for m in startmethods.available():
            self.start_method.addItem(m, m)
        self.start_method.setCurrentIndex(max(0, self.start_method.findData(startmethods.default())))
        self.start_method.setToolTip(f"How worker processes start. Default here: {startmethods.default()}")
        self.gui_limit = QDoubleSpinBox()
        self.gui_limit.setRange(*GUI_LIMIT_RANGE_S)
        self.gui_limit.setDecimals(1)
        self.gui_limit.setSingleStep(1.0)
        self.gui_limit.setSuffix(" s")
        self.gui_limit.setValue(gui_thread_limit_s)
        self._default_gui_limit_s = gui_thread_limit_s
        self.gui_limit.setToolTip("Safety cap: work that blocks the GUI thread (a run on the GUI thread, or a "
                                  "blocking wait) is stopped after this long, so the window always comes back")
        self.fork_warning = QLabel(f"⚠ {startmethods.FORK_WARNING[0].upper()}{startmethods.FORK_WARNING[1:]}")
        self.fork_warning.setWordWrap(True)
        self.fork_warning.setStyleSheet(
            "color: #8a4b00; background: #fff1db; border: 1px solid #f0c27b; border-radius: 4px; padding: 4px;")

        self.repeats = QSpinBox()
        self.repeats.setRange(1, MAX_REPEATS)
        self.repeats.setValue(DEFAULT_REPEATS)
        self.repeats.setSuffix(" × each mode")
        self.repeats.setToolTip("Compare and Scale run every mode this many times, interleaved (S T P S T P …), "
                                "and compare medians: one sample on a shared machine decides nothing")

        self.run_button = QPushButton("Run")
        self.cancel_button = QPushButton("Cancel")
        self.compare_button = QPushButton("Compare")
        tips = {
            "run": "Run the settings above",
            "cancel": "Stop the current run and return to idle",
            "compare": "Run serial (on a worker thread), threads and processes on identical inputs, then explain",
        }
        for key, b in (("run", self.run_button), ("cancel", self.cancel_button), ("compare", self.compare_button)):
            b.setShortcut(QKeySequence(SHORTCUTS[key]))
            b.setToolTip(f"{tips[key]} ({SHORTCUTS[key]})")
            b.setMinimumHeight(30)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.compare_button.clicked.connect(self.compare_requested)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()
        #: Shown with the busy-machine warning: start the Compare or Scale anyway.
        self.run_anyway_button = QPushButton("Run anyway")
        self.run_anyway_button.setToolTip("Time the runs even though other programs are using the CPU")
        self.run_anyway_button.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        wl_row = QHBoxLayout()
        wl_row.addWidget(self.workload, 1)
        wl_row.addWidget(self.badge)
        form.addRow("Workload", wl_row)
        form.addRow("", self.summary)
        form.addRow(self.function_label, self.function_row)
        form.addRow("Tasks", self.tasks)
        form.addRow(self.size_label, self.size)
        form.addRow("Python", self.python)
        form.addRow(self.gil_label, self.gil)
        form.addRow("Mode", self.mode)
        form.addRow("", self.mode_hint)
        form.addRow("Workers", self.workers)
        form.addRow(self.threads_label, self.threads_per_worker)
        form.addRow(self.scheduler_label, self.scheduler)
        form.addRow("Start method", self.start_method)
        form.addRow("GUI-thread cap", self.gui_limit)
        form.addRow("Repeats", self.repeats)
        form.addRow("", self.fork_warning)
        buttons = QGridLayout()
        buttons.addWidget(self.run_button, 0, 0)
        buttons.addWidget(self.cancel_button, 0, 1)
        buttons.addWidget(self.compare_button, 1, 0, 1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(form)
        lay.addSpacing(6)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.run_anyway_button)
        lay.addStretch(1)

        self.workload.currentIndexChanged.connect(self._on_workload_current_index_changed)
        self.mode.currentIndexChanged.connect(self._on_mode_current_index_changed)
        self.start_method.currentIndexChanged.connect(self._on_start_method_current_index_changed)
        self.python.currentIndexChanged.connect(self._on_python_current_index_changed)
        self.gil.currentIndexChanged.connect(self.settings_changed)
        self.function_edit.editingFinished.connect(self.settings_changed)
        self.workers.valueChanged.connect(self.settings_changed)
        self.threads_per_worker.valueChanged.connect(self.settings_changed)
        self.scheduler.editingFinished.connect(self.settings_changed)
        self.gui_limit.valueChanged.connect(self._on_gui_limit_value_changed)
        self._on_workload_current_index_changed()
        self._on_python_current_index_changed()
        self.set_busy(False)

    def fit_badge(self) -> None:
        """The badge as wide as its widest text in the font now (again after a zoom: presentation mode)."""
        bold = self.badge.font()
        bold.setBold(True)
        widest = max(QFontMetrics(bold).horizontalAdvance(text) for text in BADGE_STYLE)
        self.badge.setFixedWidth(widest + 2 * BADGE_PADDING_PX + 4)

    # -- reading and writing the settings -------------------------------------------

    def gui_mode(self) -> str:
        return self.mode.currentData()

    def _mode_model(self) -> QStandardItemModel:
        model = self.mode.model()
        assert isinstance(model, QStandardItemModel)  # a QComboBox's own model
        return model

    def mode_enabled(self, gui_mode: str) -> bool:
        """Whether the Mode box lets ``gui_mode`` be chosen (the dask mode needs Dask installed)."""
        item = self._mode_model().item(self.mode.findData(gui_mode))
        return item is not None and bool(item.flags() & Qt.ItemFlag.ItemIsEnabled)

    def config(self, gui_mode: str | None = None) -> RunConfig:
        """The settings as an (unvalidated) engine config, for ``gui_mode`` or the chosen one.

        Serial ("serial": the Compare's baseline) and "threads" run in the worker
        host; ``GUI_THREAD`` and ``QTHREADS`` in this process, on purpose.
        """
        return self._config(gui_mode or self.gui_mode(), self.python.executable())

    def _config(self, gm: str, python: str | None) -> RunConfig:
        """:meth:`config` on ``python`` (None: this one). The window's own modes always run on this one."""
        mode = engine_mode(gm)
        dask = mode == Mode.DASK
        where = None
        if mode not in POOL_MODES and not dask:
            where = (Where.HERE if gm in IN_WINDOW_MODES else Where.HOST).value
        if gm in IN_WINDOW_MODES or dask:
            python = None
        function = self.function() if self.workload.currentData() == FUNCTION.name else None
        return RunConfig(
            function=function,
            workload=self.workload.currentData(),
            mode=mode,
            workers=1 if mode == "serial" else self.workers.value(),
            tasks=self.tasks.value(),
            size=self.size.value(),
            start_method=self.start_method.currentData() if mode == "processes" and python is None else None,
            where=where,
            python=python,
            gil=(self.gil.currentData() or None) if python is not None and self.python.info().free_threaded else None,
            threads_per_worker=self.threads_per_worker.value() if dask else 1,
            scheduler=(self.scheduler.text().strip() or None) if dask else None,
        )

    def compare_configs(self) -> list[RunConfig]:
        """Serial, threads and processes on identical inputs: on this Python, and on the chosen one if it is another.

        With the Mode box on Subinterpreters, those too, on each of the two
        that has them (on neither: for the chosen one, whose refusal says why).
        With it on Dask, a dask run too, once: its cluster runs on this Python.

        Threads and processes have their own limits: many threads cost little (an
        I/O lesson wants 16 or more), a process is a whole interpreter. So a Compare
        asked for more workers than processes may have runs its processes with as
        many as they may (the chart says ×N for each), instead of refusing the lesson.
        """
        chosen = self.python.executable()
        pythons: list[PythonInfo] = [self.python.this] + ([self.python.info()] if chosen is not None else [])
        subinterpreters = self.gui_mode() == GuiMode.INTERPRETERS
        with_interpreters = [p for p in pythons if p.per_interpreter_gil] if subinterpreters else []
        if subinterpreters and not with_interpreters:
            with_interpreters = [pythons[-1]]  # none has them: the run is refused, in a sentence that names it
        out: list[RunConfig] = []
        for info in pythons:
            exe = None if info.is_this else info.executable
            serial, threads, processes = (self._config(m, exe) for m in ("serial", "threads", "processes"))
            out += [serial, threads, replace(processes, workers=min(processes.workers, max_processes()))]
            if info in with_interpreters:
                interp = self._config(GuiMode.INTERPRETERS.value, exe)
                out.append(replace(interp, workers=min(interp.workers, max_processes())))
            if info.is_this and self.gui_mode() == GuiMode.DASK:
                dask = self._config(GuiMode.DASK.value, None)
                out.append(replace(dask, workers=min(dask.workers, max_processes())))
        return out

    def function(self) -> FunctionRef:
        """Your function as the boxes say (unchecked: validate says what is wrong)."""
        return FunctionRef(self.function_edit.text().strip(), self.function_folder)

    def set_function(self, target: str, folder: str | None = None) -> None:
        """Choose "Your function…" with ``target`` (MODULE:FUNC) from ``folder`` (None: keep the folder)."""
        self.workload.setCurrentIndex(self.workload.findData(FUNCTION.name))
        self.function_edit.setText(target)
        if folder is not None:
            self.set_function_folder(folder)
        self.settings_changed.emit()

    def set_function_folder(self, folder: str) -> None:
        """The folder your module is imported from."""
        self.function_folder = folder
        self._show_folder()

    def _show_folder(self) -> None:
        name = os.path.basename(self.function_folder.rstrip(os.sep)) or self.function_folder
        fm = QFontMetrics(self.folder_button.font())
        self.folder_button.setText(fm.elidedText(name, Qt.TextElideMode.ElideMiddle, 100))
        self.folder_button.setToolTip(f"Import your module from {self.function_folder} (click to choose another "
                                      "folder)")

    @Slot()
    def _on_folder_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder to import your module from", self.function_folder)
        if folder:
            self.set_function_folder(folder)
            self.settings_changed.emit()

    def apply(self, cfg: RunConfig, gui_mode: str | None = None) -> None:
        """Show ``cfg`` in the widgets (e.g. a scenario's first run)."""
        if cfg.function is not None:
            self.set_function(cfg.function.target, cfg.function.path)
        else:
            self.workload.setCurrentIndex(self.workload.findData(cfg.workload))
        self.tasks.setValue(cfg.tasks)
        if cfg.size is not None:
            self.size.setValue(cfg.size)
        mode = gui_mode or gui_mode_of(cfg)
        self.mode.setCurrentIndex(self.mode.findData(mode))
        if cfg.mode != "serial":
            self.workers.setValue(cfg.workers)
        if cfg.mode == Mode.DASK:
            self.threads_per_worker.setValue(cfg.threads_per_worker)
            self.scheduler.setText(cfg.scheduler or "")
        if cfg.start_method:
            self.start_method.setCurrentIndex(self.start_method.findData(cfg.start_method))
        if cfg.python is not None or self.python.executable() is not None:
            self.python.choose(cfg.python)  # a scenario's other Python, once the box lists it
        self.gil.setCurrentIndex(max(0, self.gil.findData(cfg.gil or "")))

    def reset(self) -> None:
        """Back to the settings a first start shows: the first workload with its own defaults, threads in the
        worker host, a worker per core, the safe start method, the default cap and repeats."""
        self.workload.setCurrentIndex(0)
        self._on_workload_current_index_changed()  # the workload's own tasks and size, even if it was selected
        self.mode.setCurrentIndex(self.mode.findData(GuiMode.THREADS.value))
        self.python.choose(None)
        self.gil.setCurrentIndex(0)
        self.workers.setValue(self.cores)
        self.threads_per_worker.setValue(1)
        self.scheduler.clear()
        self.start_method.setCurrentIndex(max(0, self.start_method.findData(startmethods.default())))
        self.gui_limit.setValue(self._default_gui_limit_s)
        self.repeats.setValue(DEFAULT_REPEATS)
        self.clear_message()

    def set_busy(self, busy: bool) -> None:
        for w in (self.run_button, self.compare_button, self.workload, self.tasks, self.size, self.mode,
                  self.workers, self.repeats, self.python, self.gil, self.function_edit, self.folder_button,
                  self.threads_per_worker, self.scheduler):
            w.setEnabled(not busy)
        self.start_method.setEnabled(not busy and self._start_method_applies())
        self.workers.setEnabled(not busy and self.gui_mode() != GuiMode.GUI_THREAD)
        self.cancel_button.setEnabled(busy)

    def show_message(self, text: str, error: bool = True) -> None:
        if error:
            self.message.setStyleSheet("color: #b71c1c; background: #fdecea; border: 1px solid #f5c2c0;"
                                       " border-radius: 4px; padding: 6px;")
        else:
            self.message.setStyleSheet("color: palette(window-text); padding: 6px;")
        self.message.setText(text)
        self.message.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()
        self.run_anyway_button.hide()

    def offer_run_anyway(self, text: str) -> None:
        """Say why a timing would mislead (a busy machine), with a button to run it all the same."""
        self.show_message(text, error=False)
        self.run_anyway_button.show()

    # -- reactions ------------------------------------------------------------------------

    @Slot()
    def _on_workload_current_index_changed(self) -> None:
        w = get_workload(self.workload.currentData())
        fg, bg = BADGE_STYLE.get(w.badge, BADGE_STYLE["holds the GIL"])
        self.badge.setText(w.badge)
        self.badge.setStyleSheet(f"color: {fg}; background: {bg}; border: 1px solid {fg};"
                                 f" border-radius: 8px; padding: 1px {BADGE_PADDING_PX}px; font-weight: bold;")
        self.badge.setToolTip(f"{w.kind.upper()} work that {w.gil} the GIL" if w.kind == "cpu"
                              else "Your code: what it does with the GIL is measured before it runs"
                              if w.kind == "own" else "I/O: waiting releases the GIL")
        self.summary.setText(w.summary)
        self.tasks.setValue(w.default_tasks)
        self.size.setValue(w.default_size)
        self.size.setSuffix(f" {w.size_unit}")
        own = w.kind == "own"
        for widget in (self.function_label, self.function_row):
            widget.setVisible(own)
        for widget in (self.size_label, self.size):  # one call per item: no size
            widget.setVisible(not own)
        self.settings_changed.emit()

    def _color_mode_hint(self) -> None:
        """The GUI-thread mode's warning in red, readable on this theme's window (worked out again on a change)."""
        wrong = self.gui_mode() == GuiMode.GUI_THREAD
        self.mode_hint.setStyleSheet(f"color: {ink('#b71c1c').name() if wrong else 'palette(dark)'};")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._color_mode_hint()

    @Slot()
    def _on_mode_current_index_changed(self) -> None:
        mode = self.gui_mode()
        self.mode_hint.setText(self._mode_hint_text())
        self._color_mode_hint()
        self.workers.setEnabled(mode != GuiMode.GUI_THREAD and self.run_button.isEnabled())
        dask = mode == GuiMode.DASK
        for widget in (self.threads_label, self.threads_per_worker, self.scheduler_label, self.scheduler):
            widget.setVisible(dask)
        self.workers.setToolTip("Dask worker processes, each with the threads per worker below "
                                f"(default: the {self.cores} logical cores)" if dask else self._workers_tip)
        self.start_method.setEnabled(self._start_method_applies() and self.run_button.isEnabled())
        self._on_start_method_current_index_changed()
        self.settings_changed.emit()

    @Slot()
    def _on_gui_limit_value_changed(self) -> None:
        self.gui_thread_limit_s = self.gui_limit.value()
        self.mode_hint.setText(self._mode_hint_text())

    def _mode_hint_text(self) -> str:
        """The words under the Mode box, for the chosen mode on the chosen Python."""
        mode = self.gui_mode()
        info = self.python.info()
        if mode == GuiMode.INTERPRETERS and not info.per_interpreter_gil:
            return NO_INTERPRETERS.format(python=info.label)
        if mode == GuiMode.DASK:
            if not self.dask_available:
                return NO_DASK
            return MODE_HINTS[mode] + ("" if info.is_this else DASK_HERE_NOTE)
        text = MODE_HINTS[mode].format(limit=self.gui_thread_limit_s,
                                       python="this Python" if info.is_this else  # the GIL box says the rest
                                       f"Python {info.version}{'t' if info.free_threaded else ''}",
                                       engine=ENGINE_WORDS.get(info.subinterpreters or "", "none"))
        if mode in IN_WINDOW_MODES and not info.is_this:
            text += IN_WINDOW_NOTE
        return text

    @Slot()
    def _on_python_current_index_changed(self) -> None:
        """A free-threaded build gets the GIL switch; the hint names the chosen Python."""
        info = self.python.info()
        self.gil.setVisible(info.free_threaded)
        self.gil_label.setVisible(info.free_threaded)
        if not info.free_threaded:
            self.gil.setCurrentIndex(0)
        self._on_mode_current_index_changed()

    def _start_method_applies(self) -> bool:
        """Only this Python's process pool has a start method (another Python's workers start fresh)."""
        return self.gui_mode() == GuiMode.PROCESSES and self.python.executable() is None

    @Slot()
    def _on_start_method_current_index_changed(self) -> None:
        self.fork_warning.setVisible(self._start_method_applies() and self.start_method.currentData() == "fork")
