"""The main window: settings on the left; live CPU, progress and results on the right.

The window is the composition root and the views. It keeps no run state: a
:class:`~concgui.gui.run_session.RunSession` does (batches, steps, rows,
lateness), and the window turns the settings into steps for it and shows what
its signals report. Records are made by the engine's
:func:`~concgui.engine.compare.make_record` and explained by
:func:`~concgui.engine.compare.explain`, exactly as in the CLI.
"""

from __future__ import annotations

import html
import sys
from collections import deque
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QFrame, QLabel, QMainWindow, QMessageBox, QScrollArea,
                               QSplitter, QStackedWidget, QTabWidget, QVBoxLayout, QWidget)

from concgui import __version__
from concgui.engine import machine_load
from concgui.engine.compare import RunRecord, by_python, input_groups
from concgui.engine.explain import explain
from concgui.engine.events import RunStarted
from concgui.engine.export import ExportError, results_document, write_json
from concgui.engine.clock import now
from concgui.engine.latency import FREEZE_S, frames_missed, frames_missed_words
from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.estimate import batch_seconds, long_run_sentence, run_seconds
from concgui.engine.machine_load import BUSY_OTHERS_CORES, busy_sentence
from concgui.engine.verdict import rule_html as verdict_rule_html
from concgui.engine.verdict import verdict
from concgui.engine.platform_info import collect
from concgui.engine.telemetry import CpuSampler
from concgui.engine.workloads import FUNCTION, workload_label
from concgui.gui.cards import card, scroll_column, text_dialog
from concgui.gui.comparison_view import ComparisonView, run_names
from concgui.gui.controls import ControlsPanel
from concgui.gui.cpu_plot import CpuPlot, mean_busy
from concgui.gui.error_details import ErrorDetails
from concgui.gui.export_actions import ExportActions
from concgui.gui.glossary import glossary_html
from concgui.gui.heartbeat import HeartbeatDot, lateness_color
from concgui.gui.hints import hint_html
from concgui.gui.labs import LabsView
from concgui.gui.page_tabs import PageTabs
from concgui.gui.lesson_driver import LessonDriver
from concgui.gui.lesson_panel import LessonPanel
from concgui.gui.lateness_plot import LatenessPlot
from concgui.gui.pace import RATES, Pace
from concgui.gui.presentation import Presentation, scaled
from concgui.gui.readout_strip import ReadoutStrip
from concgui.gui.progress_panel import ProgressPanel
from concgui.engine.progress import ProgressSnapshot
from concgui.gui.results_table import ResultsTable
from concgui.gui.run_driver import RunDriver
from concgui.gui.run_session import (GUI_THREAD_LIMIT_S, Batch, BatchDone, BatchKind, Repeat, RunDone,
                                     RunSession, Step, records_of, repeated_step)
from concgui.gui.run_bands import follow_runs
from concgui.gui.run_words import GuiMode, mode_name, progress_title
from concgui.gui.scaling_view import ScalingView
from concgui.gui.settings import Settings, restore_window, save_window
from concgui.gui.theme import InkLabel, ThemeManager, add_theme_menu
from concgui.gui.timeline_plot import TimelinePlot
from concgui.gui.workload_view import WorkloadPanel
from concgui.gui.your_function import YourFunction
from concgui.lessons.format import Lesson
from concgui.scenarios import Scenario, StepKind

LAG_READOUT_MS = 500
#: Smallest useful sizes, kept even on a 1366×768 screen: lanes to read, rows to compare.
TIMELINE_MIN_PX = 120
TABLE_MIN_ROWS = 4
#: The comparison card's narrowest: every bar keeps its name (scaled with the zoom).
COMPARISON_MIN_PX = 240
#: Zoomed in (presentation mode) on a 1366×768 projector, the table yields: its rows scroll.
PRESENT_TABLE_ROWS = 2
#: A Run, Compare or Scale estimated longer than this asks first (Run anyway).
LONG_RUN_S = 120.0
#: How often the window looks at what other programs use between runs (a few /proc reads).
LOAD_LOOK_S = 2.0
DEFAULT_SIZE = (1440, 920)  # without a screen to measure
MAX_OPEN_SIZE = (2560, 1440)


class MainWindow(QMainWindow):
    def __init__(self, sampler: CpuSampler | None = None, driver: RunDriver | None = None,
                 parent: QWidget | None = None, settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("concgui — see Python concurrency")
        self.info = collect()
        self._own_sampler = sampler is None
        self.sampler = sampler if sampler is not None else CpuSampler().start()
        #: Where every run's life is kept: drive it, observe it.
        self.session = RunSession(self.info.gil_enabled, driver, parent=self)
        self.heartbeat = self.session.heartbeat
        self._closed = False
        #: Restored on shutdown: the responsiveness lab may change it.
        self.switch_interval_at_start = sys.getswitchinterval()

        self.controls = ControlsPanel(GUI_THREAD_LIMIT_S)
        self.error_details = ErrorDetails(self.controls.message)  # "Details…": a failed run's traceback
        self.cpu_plot = CpuPlot(self.sampler, heartbeat=self.heartbeat)
        self.lateness_plot = LatenessPlot(self.heartbeat, self.cpu_plot)
        self.timeline = TimelinePlot(self.cpu_plot, self.session.lanes, linked=(self.lateness_plot.plot,))
        self.workload_panel = WorkloadPanel()
        self.scaling = ScalingView(self.info.logical_cores, self.info.gil_enabled)
        self.progress = ProgressPanel(heartbeat=self.heartbeat)
        self.results_table = ResultsTable(self.session.results)
        self.comparison = ComparisonView()
        #: Presentation mode: the zoom and full screen (View › Presentation); the strip it shows.
        self.presentation = Presentation(self)
        self.readout = ReadoutStrip(self.info.logical_cores, parent=self)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hint.setTextFormat(Qt.TextFormat.RichText)
        self._build_layout()
        self._build_menus()
        self._build_status_bar()

        #: A developer's function: profiled before its runs, its prediction set beside them.
        self.your_function = YourFunction(self)
        self.your_function.profiling.connect(self._on_your_function_profiling)
        self.your_function.failed.connect(self._on_your_function_failed)
        self.your_function.profiled.connect(self._on_your_function_profiled)
        self.comparison.report_copied.connect(
            lambda: self.statusBar().showMessage("Copied the report as Markdown.", 5000))
        self.controls.run_requested.connect(self.start_run)
        self.controls.compare_requested.connect(self.start_compare)
        self.controls.cancel_requested.connect(self.cancel)
        self.controls.run_anyway_button.clicked.connect(self._on_run_anyway_clicked)
        self.controls.settings_changed.connect(self._on_controls_settings_changed)
        self.controls.gui_limit.valueChanged.connect(self.session.set_gui_limit)
        self.session.set_gui_limit(self.controls.gui_limit.value())
        self._on_controls_settings_changed()
        self.scaling.scale_requested.connect(self.start_scale)
        self.scaling.cancel_requested.connect(self.cancel)
        self.scaling.scale_anyway_requested.connect(self._on_scaling_scale_anyway_requested)
        # The Scaling tab follows the session itself: its series' progress, and how it ended.
        self.session.batch_started.connect(self.scaling.on_batch_started)
        self.session.run_started.connect(self.scaling.on_run_started)
        self.session.run_finished.connect(self.scaling.on_run_finished)
        self.session.batch_finished.connect(self.scaling.on_batch_finished)
        self.responsiveness.switch_interval_changed.connect(self.update_platform_label)
        s = self.session
        s.batch_started.connect(self._on_session_batch_started)
        s.pace_changed.connect(self._on_session_pace_changed)
        s.step_preparing.connect(self._on_session_step_preparing)
        follow_runs(s, self.cpu_plot, self.lateness_plot)
        s.run_started.connect(self._on_session_run_started)
        s.run_progressed.connect(self._on_session_run_progressed)
        s.run_finished.connect(self._on_session_run_finished)
        s.run_measured.connect(lambda row: self.lateness_plot.set_last_run(row.ui.lateness))
        s.batch_finished.connect(self._on_session_batch_finished)
        s.refused.connect(self._show_error)
        s.ui_froze.connect(self._on_session_ui_froze)

        # Periodic work rides on the heartbeat's tick (see Heartbeat): the lag readout.
        self._lag_job = self.heartbeat.every(LAG_READOUT_MS / 1000, lambda _t: self._on_lag_timer_timeout())
        # What other programs do, looked at now and then, so a Compare can say so before it starts.
        self._anyway: BatchKind | None = None
        self._cancelled_profile = False
        self._load_readings = deque([machine_load.read()], maxlen=2)
        self._load_job = self.heartbeat.every(LOAD_LOOK_S, lambda _t: self._look_at_load())
        self.cpu_plot.start()
        QTimer.singleShot(0, self, self._on_first_turn_timeout)  # off the first paint
        self._resize_to_screen()
        self._install_extras(settings if settings is not None else Settings())
        self._install_presentation()
        self._install_lessons()

    # -- building -------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(0, 0, 0, 0)
        left_lay.addWidget(card(self.controls, "Settings"), 0)
        self.side_tabs = QTabWidget()  # beside the settings: hints, and the workload's code
        self.side_tabs.addTab(self.hint, "What to look for")
        self.side_tabs.addTab(self.workload_panel, "Workload")
        left_lay.addWidget(card(self.side_tabs), 1)
        settings = scroll_column(left, 340)
        # Never narrower than its content (and its scroll bar): nothing in the settings is ever clipped.
        self.settings_scroll = settings
        bar = settings.verticalScrollBar().sizeHint().width()
        settings.setMinimumWidth(max(340, left.minimumSizeHint().width() + bar + 2 * settings.frameWidth()))

        plots = QSplitter(Qt.Orientation.Vertical)  # CPU, timeline and lateness on one (linked) time axis
        plots.addWidget(self.cpu_plot)
        plots.addWidget(self.timeline)
        plots.addWidget(self.lateness_plot)
        plots.setStretchFactor(0, 3)
        plots.setStretchFactor(1, 3)
        plots.setStretchFactor(2, 2)
        # Every panel stays usable on a 1366×768 projector: the timeline keeps room for a few lanes.
        self.timeline.setMinimumHeight(TIMELINE_MIN_PX)
        self.comparison.setMinimumWidth(COMPARISON_MIN_PX)
        plots.setChildrenCollapsible(False)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(card(plots))
        top.addWidget(card(self.comparison))
        top.setStretchFactor(0, 3)
        top.setStretchFactor(1, 2)
        top.setChildrenCollapsible(False)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(top)
        right.addWidget(card(self.progress))
        self.results_card = card(self.results_table, "Runs this session")
        right.addWidget(self.results_card)
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 2)
        right.setStretchFactor(2, 3)
        right.setChildrenCollapsible(False)
        right.setSizes([560, 120, 180])  # scaled to the real height when shown
        self._right_split = right
        self.results_table.setMinimumHeight(self.results_table.height_for_rows(TABLE_MIN_ROWS))

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(settings)
        main.addWidget(right)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setChildrenCollapsible(False)
        main.setHandleWidth(6)
        #: Every splitter of this tab, and (once shown) its first sizes, for View › Reset layout.
        self._splitter_list = (plots, top, right, main)
        self._splitters: list[tuple[QSplitter, list[int]]] = []
        # Tabs: this one runs and compares; the labs and other views add theirs.
        self.tabs = PageTabs()
        self.tabs.setDocumentMode(True)
        run_page = QWidget()  # the readout strip (presentation mode only) over the tab's panels
        run_lay = QVBoxLayout(run_page)
        run_lay.setContentsMargins(0, 0, 0, 0)
        run_lay.setSpacing(0)
        run_lay.addWidget(self.readout.widget)
        # Zoomed in on a small projector the panels may not fit: then they scroll, the window stays on screen.
        self.run_scroll = QScrollArea()
        self.run_scroll.setWidget(main)
        self.run_scroll.setWidgetResizable(True)
        self.run_scroll.setFrameShape(QFrame.Shape.NoFrame)
        run_lay.addWidget(self.run_scroll, 1)
        self.tabs.addTab(run_page, "Run && compare")
        from concgui.gui.responsiveness_lab import ResponsivenessLab

        self.responsiveness = ResponsivenessLab(self.session, self.sampler)
        self.labs = LabsView()
        # Each tab scrolls where a small, zoomed screen cannot hold it: no tab makes the window outgrow the screen.
        for page, title in ((self.scaling, "Scaling"), (self.responsiveness, "Responsiveness lab"),
                            (self.labs, "Labs")):
            self.tabs.add_page(page, title)
        self.setCentralWidget(self.tabs)
        self.setStyleSheet("QFrame#card { border: 1px solid palette(midlight); border-radius: 6px;"
                           " background: palette(base); }")

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.export_action = QAction("&Export results…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self._on_export_action_triggered)
        file_menu.addAction(self.export_action)
        self.trace_action = QAction("Export &timeline trace…", self)
        self.trace_action.setToolTip("The task timeline, CPU and GIL lanes as Chrome Trace Event JSON "
                                     "(open it in ui.perfetto.dev or chrome://tracing)")
        self.trace_action.triggered.connect(self._on_trace_action_triggered)
        file_menu.addAction(self.trace_action)
        shot = QAction("Save &screenshot…", self)
        shot.triggered.connect(self._on_screenshot_action_triggered)
        file_menu.addAction(shot)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.file_menu = file_menu
        self.view_menu = self.menuBar().addMenu("&View")
        reset = QAction("Reset settings to &defaults", self)
        reset.setToolTip("The run settings a first start shows (the remembered ones are forgotten on quit)")
        reset.triggered.connect(self.reset_settings)
        self.view_menu.addAction(reset)
        layout = QAction("Reset &layout", self)
        layout.setToolTip("The window's size for this screen, and every panel's first size")
        layout.triggered.connect(self.reset_layout)
        self.view_menu.addAction(layout)
        self.view_menu.addSeparator()
        help_menu = self.menuBar().addMenu("&Help")
        glossary = QAction("&Glossary", self)
        glossary.setShortcut(QKeySequence.StandardKey.HelpContents)
        glossary.triggered.connect(self.show_glossary)
        help_menu.addAction(glossary)
        keys = QAction("&Keyboard shortcuts", self)
        keys.triggered.connect(self.show_shortcuts)
        help_menu.addAction(keys)
        rule = QAction("How &verdicts are called", self)
        rule.triggered.connect(self.show_verdict_rule)
        help_menu.addAction(rule)
        about = QAction("&About concgui", self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)

    def _build_status_bar(self) -> None:
        i = self.info
        gil = "GIL on" if i.gil_enabled else "GIL off (free-threaded)"
        cores = f"{i.logical_cores} logical cores"
        if i.physical_cores:
            cores += f" ({i.physical_cores} physical)"
        self._platform_text = (f"{i.implementation} {i.python}  ·  {gil}  ·  switch interval {{}} ms"
                               f"  ·  {cores}  ·  processes start with {i.default_start_method}")
        self.platform_label = QLabel()
        self.platform_label.setToolTip(f"{i.executable}\n{i.os}")
        self.update_platform_label()
        self.lag_label = InkLabel()  # its green / amber / red read on either theme
        self.lag_label.setToolTip("How late the window's event loop is right now (worst in the last half "
                                  "second). Above ~100 ms the window feels sluggish.")
        self.lag_label.setText("<span>GUI lag 88888 ms</span>")
        self.lag_label.setFixedSize(self.lag_label.sizeHint().width() + 8, self.lag_label.sizeHint().height())
        self.lag_label.setAutoFillBackground(True)  # a new value repaints this label alone
        self.heartbeat_dot = HeartbeatDot(self.heartbeat, 16, parent=self)
        sb = self.statusBar()
        sb.addPermanentWidget(self.heartbeat_dot.label)
        sb.addPermanentWidget(self.lag_label)
        sb.addPermanentWidget(self.platform_label)
        self._on_lag_timer_timeout()

    def update_platform_label(self) -> None:
        """Show the switch interval as it is now (the responsiveness lab can change it)."""
        self.platform_label.setText(self._platform_text.format(f"{sys.getswitchinterval() * 1000:g}"))

    def _resize_to_screen(self) -> None:
        """Open at most of the screen it is given (a saved size, restored later, wins), up to 2560 × 1440."""
        w, h = DEFAULT_SIZE
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            avail = screen.availableGeometry()
            w, h = min(MAX_OPEN_SIZE[0], int(avail.width() * 0.94)), min(MAX_OPEN_SIZE[1], int(avail.height() * 0.92))
        self.resize(w, h)

    @Slot()
    def _on_first_turn_timeout(self) -> None:
        self._splitters = [(sp, sp.sizes()) for sp in self._splitter_list]
        self._fit_pages()  # every page is built now: its minimum is known
        # A lab page is built when first chosen: a tab's minimum is looked at again when it is shown.
        self.tabs.currentChanged.connect(lambda _i: self._fit_pages())
        self.session.start()
        self.controls.python.start(self.settings.python or None)  # the other Pythons, found off this thread

    @Slot()
    def reset_settings(self) -> None:
        if not self.session.busy:
            self.controls.reset()
            self.statusBar().showMessage("Settings reset to their defaults.", 5000)

    @Slot()
    def reset_layout(self) -> None:
        self.showNormal()
        self._resize_to_screen()
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:
            self.move(screen.topLeft())
        for splitter, sizes in self._splitters:
            if sum(sizes) > 0:
                splitter.setSizes(sizes)
        self.statusBar().showMessage("Layout reset.", 5000)

    def _install_extras(self, settings: Settings) -> None:
        """What makes the window a desktop app: remembered settings, View > Theme, the File menu's exports."""
        self.settings = settings
        restore_window(self, self.controls, settings)
        self.theme = ThemeManager(self, settings.theme)

        def remember_theme(choice: str) -> None:
            settings.theme = choice
            settings.sync()

        self.theme_actions = add_theme_menu(self.view_menu, self.theme, remember_theme)
        self.exports = ExportActions(self, self.session.results,
                                     {"cpu": self.cpu_plot.plot_widget, "comparison": self.comparison.chart},
                                     self.statusBar(), settings, self.results_table.selected_row)
        self.exports.install(self.file_menu, after=self.export_action)

    # -- lessons -------------------------------------------------------------------------

    def _install_lessons(self) -> None:
        """View › Lesson (Ctrl+L): the lesson panel, docked on the left, built when first opened."""
        self.lesson_panel: LessonPanel | None = None
        self.lesson_driver: LessonDriver | None = None
        self.lesson_dock: QDockWidget | None = None
        self.lesson_action = QAction("&Lesson…", self)
        self.lesson_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lesson_action.setToolTip("Predict, run, then see measured against predicted, step by step")
        self.lesson_action.triggered.connect(lambda: self.open_lesson())
        first = self.view_menu.actions()[0] if self.view_menu.actions() else None
        self.view_menu.insertAction(first, self.lesson_action)
        self.view_menu.insertSeparator(first)

    def open_lesson(self, lesson: Lesson | None = None) -> LessonPanel:
        """Show the lesson panel (with ``lesson``, else the one it shows, else the one shown last time)."""
        if self.lesson_panel is None:
            remembered = self._remembered_lesson() if lesson is None else None
            panel = LessonPanel()
            dock = QDockWidget("Lesson", self)
            dock.setObjectName("lesson-dock")
            dock.setWidget(panel)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable |
                             QDockWidget.DockWidgetFeature.DockWidgetMovable)
            self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
            panel.closed.connect(dock.close)
            panel.settings_wanted.connect(self.show_settings)
            dock.visibilityChanged.connect(self._on_lesson_dock_visibility_changed)
            self.lesson_driver = LessonDriver(panel, self.session, self.labs, self.tabs, self._lesson_target,
                                              self.controls.apply, parent=self)
            self.lesson_panel, self.lesson_dock = panel, dock
            self._size_lesson_dock(self.presentation.zoom)
            self.presentation.zoom_changed.connect(self._size_lesson_dock)
            if remembered is not None:
                panel.open_lesson(remembered[0])
                panel.show_step(remembered[1])
        assert self.lesson_dock is not None
        if lesson is not None:
            self.lesson_panel.open_lesson(lesson)
        self.lesson_dock.show()
        self.lesson_dock.raise_()
        # A lesson sets what it runs: its panel takes the settings' place until asked for them.
        self.show_settings(self.lesson_panel.settings_toggle.isChecked())
        return self.lesson_panel

    @Slot(float)
    def _size_lesson_dock(self, zoom: float) -> None:
        if self.lesson_dock is not None:
            self.lesson_dock.setMinimumWidth(scaled(300, zoom))
            self.resizeDocks([self.lesson_dock], [scaled(340, zoom)], Qt.Orientation.Horizontal)

    @Slot(bool)
    def _on_lesson_dock_visibility_changed(self, _visible: bool) -> None:
        QTimer.singleShot(0, self, self._refit_pages)  # the panel takes room from the pages, or gives it back
        if self.lesson_dock is not None and self.lesson_dock.isHidden():  # closed, not just covered
            self.show_settings(not self.presentation.presenting)
            if self.lesson_driver is not None:
                self.lesson_driver.highlighter.clear()

    def _remembered_lesson(self) -> tuple[Lesson, int] | None:
        from concgui.lessons.catalog import find
        from concgui.lessons.format import LessonError

        name = self.settings.lesson
        if not name:
            return None
        try:
            return find(name), self.settings.lesson_step or 0
        except LessonError:  # a lesson this version no longer ships
            return None

    def _remember_lesson(self) -> None:
        """The built-in lesson and step the panel shows, for next time (a lesson file is not remembered)."""
        from concgui.lessons.catalog import built_in

        wt = self.lesson_panel.walkthrough if self.lesson_panel is not None and self._lesson_open() else None
        if wt is None or wt.lesson not in built_in():
            self.settings.lesson = self.settings.lesson_step = None
        else:
            self.settings.lesson, self.settings.lesson_step = wt.lesson.id, wt.index

    def _lesson_open(self) -> bool:
        return self.lesson_dock is not None and not self.lesson_dock.isHidden()

    @Slot(bool)
    def show_settings(self, shown: bool) -> None:
        """Show or hide the settings column (View › Settings column, F9; the lesson panel's toggle)."""
        self.settings_action.setChecked(shown)  # its toggled signal shows or hides the column
        self.settings_scroll.setVisible(shown)
        QTimer.singleShot(0, self, self._refit_pages)  # the run page's minimum changed with it
        if self.lesson_panel is not None and self.lesson_panel.settings_toggle.isChecked() != shown:
            self.lesson_panel.settings_toggle.blockSignals(True)
            self.lesson_panel.settings_toggle.setChecked(shown)
            self.lesson_panel.settings_toggle.blockSignals(False)

    def _lesson_target(self, name: str) -> QWidget | None:
        """The widget a lesson's "look at" names: a readout tile while presenting, else what it reads from."""
        if name == "lab":
            return self.labs.current
        if name.startswith("readout-"):
            tile = self.readout.widget.findChild(QWidget, name) if self.readout.widget.isVisible() else None
            if tile is not None:
                return tile
            name = {"readout-speedup": "comparison", "readout-verdict": "comparison", "readout-cores": "cpu-plot",
                    "readout-heartbeat": "heartbeat"}.get(name, "")
        return {"cpu-plot": self.cpu_plot, "timeline": self.timeline, "heartbeat": self.lateness_plot,
                "comparison": self.comparison, "progress": self.progress}.get(name)

    # -- presentation mode ---------------------------------------------------------------

    def _install_presentation(self) -> None:
        """View › Presentation (F11) and Zoom in / out / Actual size; every view follows :attr:`presentation`."""
        pres = self.presentation
        self.view_menu.addSeparator()

        def action(text: str, keys: tuple[str, ...], tip: str, slot) -> QAction:
            a = QAction(text, self)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setToolTip(tip)
            a.triggered.connect(slot)
            self.view_menu.addAction(a)
            return a

        self.presentation_action = action(
            "&Presentation", ("F11",), "Full screen, larger text and lines, and big readouts: for a projector",
            lambda: None)
        self.presentation_action.setCheckable(True)
        self.presentation_action.toggled.connect(self._on_presentation_action_toggled)
        self.settings_action = action("&Settings column", ("F9",), "Show or hide the settings (a lesson or "
                                      "presentation mode hides them to give the plots room)", lambda: None)
        self.settings_action.setCheckable(True)
        self.settings_action.setChecked(True)
        self.settings_action.toggled.connect(self.settings_scroll.setVisible)
        self.zoom_in_action = action("Zoom &in", ("Ctrl+=", "Ctrl++"), "Larger text and lines (up to 2×)",
                                     pres.zoom_in)
        self.zoom_out_action = action("Zoom &out", ("Ctrl+-",), "Smaller text and lines (down to 1×)", pres.zoom_out)
        self.actual_size_action = action("&Actual size", ("Ctrl+0",), "Text and lines at their own size",
                                         pres.actual_size)
        self._state_before_presenting = Qt.WindowState.WindowNoState
        self._geometry_before_presenting: bytes | None = None
        self._settings_min_w = self.settings_scroll.minimumWidth()
        pres.zoom_changed.connect(self._on_presentation_zoom_changed)
        pres.presenting_changed.connect(self._on_presentation_presenting_changed)
        self.theme.changed.connect(lambda _scheme: self.readout.restyle())
        self._fit_zoom_actions()
        self._fit_pages()

    def _fit_zoom_actions(self) -> None:
        from concgui.gui.presentation import MAX_ZOOM, MIN_ZOOM

        z = self.presentation.zoom
        self.zoom_in_action.setEnabled(z < min(MAX_ZOOM, self.presentation.max_zoom))
        self.zoom_out_action.setEnabled(z > MIN_ZOOM)
        self.actual_size_action.setEnabled(z != MIN_ZOOM)

    @Slot(bool)
    def _on_presentation_action_toggled(self, checked: bool) -> None:
        if checked != self.presentation.presenting:  # not the action following the mode
            self.present(checked)

    def present(self, on: bool, zoom: float | None = None) -> None:
        """Enter presentation mode at ``zoom`` (at most what this screen holds, said if less), or leave it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            size = screen.geometry().size()
            most = self.presentation.fit_screen(size.width(), size.height())
            asked = self.presentation.asked(zoom)
            if on and asked > most:
                self.statusBar().showMessage(
                    f"Zoom {asked:g}× would not fit this {size.width()}×{size.height()} screen: showing {most:g}×.",
                    10_000)
        self.presentation.set_presenting(on, zoom)
        self._fit_zoom_actions()

    @Slot(float)
    def _on_presentation_zoom_changed(self, zoom: float) -> None:
        """Each view re-fits itself to ``zoom`` (the application font is scaled already), then the window's sizes."""
        import pyqtgraph as pg

        from concgui.gui.live_widgets import refit_labels
        from concgui.gui.plot_style import plot_zoom, zoom_plot

        for view in (self.cpu_plot, self.lateness_plot, self.timeline, self.comparison, self.scaling,
                     self.responsiveness.cpu_plot, self.responsiveness.lateness_plot, self.heartbeat_dot,
                     self.readout):
            view.set_zoom(zoom)
        for plot in self.findChildren(pg.PlotWidget):  # the labs' plots: their axes
            if plot_zoom(plot) != zoom:
                zoom_plot(plot, zoom)
        refit_labels(self)
        self.controls.fit_badge()
        self.responsiveness.fit_column()
        self._fit_lag_label()
        self.comparison.setMinimumWidth(scaled(COMPARISON_MIN_PX, zoom))
        left = self.settings_scroll.widget()
        bar = self.settings_scroll.verticalScrollBar().sizeHint().width()
        self.settings_scroll.setMinimumWidth(max(self._settings_min_w if zoom == 1.0 else 0,
                                                 left.minimumSizeHint().width() + bar
                                                 + 2 * self.settings_scroll.frameWidth()))
        table = self.results_table
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + scaled(8, zoom))
        table.resizeColumnsToContents()
        table.setMinimumHeight(table.height_for_rows(TABLE_MIN_ROWS if zoom == 1.0 else PRESENT_TABLE_ROWS))
        self._fit_pages()
        self._fit_zoom_actions()

    @Slot()
    def _fit_stage(self) -> None:
        """Presenting: the progress card as tall as it needs, the plots and comparison the rest."""
        if not self.presentation.presenting:
            return
        total = sum(self._right_split.sizes())
        need = self.progress.parentWidget().sizeHint().height()
        self._right_split.setSizes([max(0, total - need), need, 0])

    def _fit_pages(self) -> None:
        """At zoom 1.0 the tab is never smaller than its panels (as without the scroll area); zoomed, they scroll.

        Nor does a page make the window outgrow its screen: beside the lesson
        panel on a 1366-pixel screen the pages' minimums came to 1,447 pixels.
        A page the screen cannot hold scrolls instead (see :meth:`_page_room`).
        """
        main = self.run_scroll.widget()
        room = self._page_room()
        want = main.minimumSizeHint() if self.presentation.zoom == 1.0 else QSize(0, 0)
        self.run_scroll.setMinimumSize(want if room is None else want.boundedTo(room))
        self.tabs.fit(self.presentation.zoom, room)  # the other tabs alike

    def _page_room(self) -> QSize | None:
        """The most a tab's page may ask for: the screen's room less what stands beside the pages.

        That is the lesson panel, the menu, tab and status bars and the window's
        frame, measured as the window is now. None before the window is shown
        (nothing to measure yet) or where there is no screen.
        """
        screen = self.screen() or QGuiApplication.primaryScreen()
        stack = self.tabs.findChild(QStackedWidget)
        if screen is None or stack is None or not self.isVisible():
            return None
        avail, frame, tabs = screen.availableGeometry(), self.frameGeometry(), self.tabs
        around = tabs.minimumSizeHint() - stack.minimumSizeHint()  # the tab bar and the tab widget's frame
        return QSize(max(0, avail.width() - (frame.width() - tabs.width()) - max(0, around.width())),
                     max(0, avail.height() - (frame.height() - tabs.height()) - max(0, around.height())))

    @Slot()
    def _refit_pages(self) -> None:
        """Fit the pages again (what stands beside them changed) and bring the window back onto its screen.

        A window the person spread over two screens stays as it is.
        """
        self._fit_pages()
        screen = self.screen()
        if screen is None or self.isFullScreen() or self.isMaximized():
            return
        if any(other is not screen and other.geometry().intersects(self.frameGeometry())
               for other in QGuiApplication.screens()):
            return
        # The window's layout keeps the tabs' old minimum until the layout requests posted up the chain
        # arrive: ask it again now, so that the window can be brought back onto its screen at once.
        self.tabs.updateGeometry()
        self.layout().invalidate()
        self.layout().activate()
        avail = screen.availableGeometry()
        frame = self.frameGeometry()
        w = min(self.width(), avail.width() - (frame.width() - self.width()))
        h = min(self.height(), avail.height() - (frame.height() - self.height()))
        if (w, h) != (self.width(), self.height()):
            self.resize(max(w, self.minimumSizeHint().width()), max(h, self.minimumSizeHint().height()))
        frame = self.frameGeometry()
        dx, dy = max(0, frame.right() - avail.right()), max(0, frame.bottom() - avail.bottom())
        if dx or dy:
            self.move(max(avail.left(), frame.left() - dx), max(avail.top(), frame.top() - dy))

    def _fit_lag_label(self) -> None:
        shown = self.lag_label.source_text()
        self.lag_label.setMinimumSize(0, 0)
        self.lag_label.setMaximumSize(16_777_215, 16_777_215)
        self.lag_label.setText("<span>GUI lag 88888 ms</span>")
        self.lag_label.setFixedSize(self.lag_label.sizeHint().width() + scaled(8, self.presentation.zoom),
                                    self.lag_label.sizeHint().height())
        self.lag_label.setText(shown)

    @Slot(bool)
    def _on_presentation_presenting_changed(self, on: bool) -> None:
        """Full screen with the readout strip, or the window as it was before."""
        if self.presentation_action.isChecked() != on:
            self.presentation_action.setChecked(on)
        self.readout.set_shown(on)
        # The stage: plots, comparison and progress. The settings (F9 brings them back) and the runs table
        # are for the person at the keyboard; on a 1366×768 projector they would squeeze the rest.
        self.results_card.setVisible(not on)
        self.progress.set_worker_rows_shown(not on)  # the timeline has a lane per worker
        self.show_settings(not on and not self._lesson_open())
        QTimer.singleShot(0, self, self._fit_stage)
        self.platform_label.setVisible(not on)  # a long line, not for the back of the room
        self.cpu_plot.set_busy_readout_shown(not on)  # the strip's Cores busy tile says it, larger
        if on:
            self._state_before_presenting = self.windowState() & ~Qt.WindowState.WindowFullScreen
            self._geometry_before_presenting = bytes(self.saveGeometry().data())
            self.readout.set_live(self.heartbeat.last_s, self._cores_busy_now())
            self.showFullScreen()
            if self.screen() is not None:  # without a window manager (a bare X server) nobody else sizes it
                self.setGeometry(self.screen().geometry())
        elif self._state_before_presenting & Qt.WindowState.WindowMaximized:
            self.showMaximized()
        else:
            self.showNormal()

    # -- what the person asks for ---------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.session.busy

    @Slot()
    def start_run(self, anyway: bool = False) -> bool:
        """Run the settings in the chosen mode. False if nothing started (busy, bad input, or a long run to confirm)."""
        gui_thread = self.controls.gui_mode() == StepKind.GUI_THREAD
        cfg = self.controls.config()
        refused = self.your_function.refusal(cfg, self.controls.gui_mode())
        if refused:
            self._show_error(refused)
            return False
        if not self.session.busy and self.your_function.needs_profile(cfg, lambda: self.start_run(anyway)):
            return True
        if not anyway and not self.session.busy and self._too_long(BatchKind.RUN, [cfg], 1):
            return False
        self._anyway = None
        step = Step([cfg], StepKind.GUI_THREAD if gui_thread else StepKind.NORMAL)
        return self.session.run_steps(BatchKind.RUN, [step]) is not None

    def _too_long(self, kind: BatchKind, configs: list, repeats: int) -> bool:
        """Whether to ask first: a run estimated over ``LONG_RUN_S`` (a typo in the size must not take an hour)."""
        try:
            seconds = batch_seconds([c.validate() for c in configs], self.info.logical_cores,
                                    self.info.gil_enabled, repeats)
        except ConfigError:
            return False  # bad input: the session says what is wrong
        if seconds <= LONG_RUN_S:
            return False
        self._anyway = kind
        sentence = long_run_sentence(seconds, "Run anyway")
        self.controls.offer_run_anyway(sentence)
        self.statusBar().showMessage(sentence, 10_000)
        return True

    @Slot()
    def start_scale(self, anyway: bool = False) -> bool:
        """The Scaling tab's series: serial, then threads and processes with 1, 2, 4, … 2 × cores workers, on
        identical inputs, repeated. Its own settings; False if nothing started (busy, bad input, or a long
        series or a busy machine to confirm: the tab asks, with Scale anyway)."""
        view = self.scaling
        if self.session.busy:
            return False
        try:
            configs = view.configs()
        except ConfigError as exc:
            view.show_problem(f"Cannot scale: {exc}.")
            return False
        if not anyway:
            seconds = view.estimate_seconds(configs)
            others = self.other_load()
            if seconds > LONG_RUN_S:  # a typo in the size must not take an hour (as _too_long)
                sentence = long_run_sentence(seconds, "Scale anyway")
            elif others is not None and others > BUSY_OTHERS_CORES:
                sentence = busy_sentence(others)
            else:
                sentence = ""
            if sentence:
                view.offer_anyway(sentence)
                self.statusBar().showMessage(sentence, 10_000)
                return False
        self._anyway = None
        step = repeated_step(configs, view.repeats.value())
        return self.session.run_steps(BatchKind.SCALE, [step]) is not None

    @Slot()
    def _on_scaling_scale_anyway_requested(self) -> None:
        self.start_scale(anyway=True)

    @Slot()
    def start_compare(self, anyway: bool = False) -> bool:
        """Serial, threads and processes on identical inputs, each run ``Repeats`` times, interleaved."""
        configs = self.controls.compare_configs()
        if not self.session.busy and self.your_function.needs_profile(configs[0],
                                                                      lambda: self.start_compare(anyway)):
            return True
        return self._start_timed(BatchKind.COMPARE, configs, anyway)

    def _start_timed(self, kind: BatchKind, configs: list, anyway: bool) -> bool:
        """Start a comparison whose timings matter, unless other programs are busy (then offer to run anyway)."""
        if not anyway and not self.session.busy and self._too_long(kind, configs, self.controls.repeats.value()):
            return False
        if not anyway and not self.session.busy:
            others = self.other_load()
            if others is not None and others > BUSY_OTHERS_CORES:
                self._anyway = kind
                self.controls.offer_run_anyway(busy_sentence(others))
                self.statusBar().showMessage(busy_sentence(others), 10_000)
                return False
        self._anyway = None
        step = repeated_step(configs, self.controls.repeats.value())
        return self.session.run_steps(kind, [step]) is not None

    def other_load(self) -> float | None:
        """Cores' worth of CPU other programs used over the last 2 to 4 s (None: the window just opened)."""
        return machine_load.other_cores(self._load_readings[0], machine_load.read())

    @Slot()
    def _on_run_anyway_clicked(self) -> None:
        (self.start_run if self._anyway is BatchKind.RUN else self.start_compare)(anyway=True)

    def load_scenario(self, scenario: Scenario) -> None:
        shown = next((r for r in scenario.runs if r.mode != "serial"), scenario.runs[0])
        self.controls.apply(shown)
        self.statusBar().showMessage(f"Scenario {scenario.name}: {scenario.summary}")

    def run_scenario(self, scenario: Scenario) -> bool:
        """Run each of the scenario's runs in its own way (its kind), one after the other.

        A scenario that runs a developer's function profiles it first (as Run and Compare do).
        """
        self.load_scenario(scenario)
        here = next((c for c in scenario.runs if c.function is not None and c.where == "here"), None)
        if here is not None:  # your code never runs in the window's own process
            self._show_error(self.your_function.refusal(here, GuiMode.QTHREADS.value) or "")
            return False
        mine = next((c for c in scenario.runs if c.function is not None), None)
        if mine is not None and not self.session.busy and \
                self.your_function.needs_profile(mine, lambda: self.run_scenario(scenario)):
            return True
        steps = [Step([cfg], kind) for cfg, kind in scenario.steps()]
        return self.session.run_steps(BatchKind.SCENARIO, steps) is not None

    @Slot(str)
    def _on_your_function_profiling(self, text: str) -> None:
        self.controls.set_busy(True)
        self.controls.show_message(text, error=False)
        self.statusBar().showMessage(text)

    @Slot(str, str)
    def _on_your_function_failed(self, text: str, details: str) -> None:
        self.controls.set_busy(False)
        if self._cancelled_profile:
            self._cancelled_profile = False
            self.controls.clear_message()
            self.statusBar().showMessage("Cancelled.", 5000)
            return
        self._show_error(text, details or None)

    @Slot(object)
    def _on_your_function_profiled(self, _prep: object) -> None:
        self.controls.set_busy(False)
        self.controls.clear_message()
        self._on_controls_settings_changed()

    @Slot()
    def cancel(self) -> None:
        if self.your_function.busy:
            self._cancelled_profile = True
            self.your_function.profiler.cancel(wait=False)
            return
        if self.session.busy:
            self.session.cancel()
            self.statusBar().showMessage("Cancelling…")

    @Slot()
    def _on_controls_settings_changed(self) -> None:
        c = self.controls
        self.hint.setText(hint_html(c.workload.currentData(), c.gui_mode(), c.workers.value(), self.info,
                                    c.python.info(), c.threads_per_worker.value()))
        if c.workload.currentData() == FUNCTION.name:
            ref = c.function()
            prep = self.your_function.prep
            same = prep is not None and prep.ref.target == ref.target and prep.ref.path == ref.path
            self.workload_panel.show_function(ref, self.your_function.profile_text() if same else "")
        else:
            self.workload_panel.show_workload(c.workload.currentData())

    def _show_error(self, text: str, details: str | None = None) -> None:
        self.controls.show_message(text)
        self.controls.message.setToolTip(details or "")
        self.error_details.show_error(text, details)
        self.statusBar().showMessage(text, 10_000)

    # -- what the session reports ------------------------------------------------------------

    @Slot(object)
    def _on_session_batch_started(self, _batch: Batch) -> None:
        self.controls.clear_message()
        self.controls.set_busy(True)
        self.scaling.set_busy(True)

    @Slot(object)
    def _on_session_pace_changed(self, pace: Pace) -> None:
        """Redraw at ``pace`` (see :mod:`concgui.gui.pace`): the session sets it before a step starts, and after."""
        for plot in (self.cpu_plot, self.responsiveness.cpu_plot):
            plot.set_pace(pace)
        self.timeline.set_paused_note(pace is Pace.GIL)
        self.lateness_plot.set_paused_note(pace is Pace.GIL)
        self.progress.set_clock_ms(RATES[pace].clock_ms)

    @Slot(object)
    def _on_session_step_preparing(self, step: Step) -> None:
        if len(step.configs) == 1:  # the progress rows for its workers, laid out before the run starts
            cfg = step.configs[0]
            self.progress.prepare(cfg.workers * cfg.threads_per_worker if cfg.mode != "serial" else 1)
        kind = StepKind(step.kind)
        if kind.blocks_gui:
            what = ("on the GUI thread" if kind is StepKind.GUI_THREAD
                    else "on a thread, but the GUI thread waits for it")
            self.statusBar().showMessage(f"Running {what}: the window is frozen until the run ends.")

    def _look_at_load(self) -> None:
        if not self.session.busy:  # between runs only: during one, the run's own record measures it
            self._load_readings.append(machine_load.read())

    @Slot(object, object)
    def _on_session_run_started(self, started: RunStarted, kind: StepKind) -> None:
        estimate = run_seconds(RunConfig(started.workload, started.mode, started.workers, started.tasks, started.size,
                                         threads_per_worker=started.threads_per_worker),
                               self.info.logical_cores, self.info.gil_enabled)
        self.progress.begin(started, progress_title(started, kind), estimate)
        if kind is StepKind.GUI_THREAD:
            return
        text = f"Running {workload_label(started.workload)} — {mode_name(started.mode, kind)}"
        b = self.session.batch
        tag = b.next_tag if b is not None else None
        if isinstance(tag, Repeat):
            text += f", repeat {tag.round + 1} of {tag.of}"
            left = b.seconds_left() if b is not None else None
            if left is not None:
                text += f" (about {left:.1f} s of runs left)"
        self.statusBar().showMessage(text + "…")

    @Slot(object)
    def _on_session_run_progressed(self, snap: ProgressSnapshot) -> None:
        if snap.spans is not None:
            self.timeline.add_batch(snap.spans)
        self.progress.update_snapshot(snap)

    @Slot(object)
    def _on_session_run_finished(self, done: RunDone) -> None:
        self.progress.end(done.finished)
        if done.finished.error:
            self._show_error(f"Run {done.started.run_id} failed: {done.finished.error}", done.finished.details)

    @Slot(object)
    def _on_session_batch_finished(self, done: BatchDone) -> None:
        outcome = done.outcome
        self.controls.set_busy(False)
        self.scaling.set_busy(False)
        if outcome.error:
            self._show_error(f"Could not run: {outcome.error}", outcome.details)
            if not outcome.runs:
                self.progress.reset("Idle: the run could not start.")
        records = records_of(done.rows)
        note = ""
        # The comparison shows comparisons: a lab's runs are its own lessons, not one more Compare.
        if done.kind in (BatchKind.COMPARE, BatchKind.SCALE, BatchKind.SCENARIO, BatchKind.LESSON) and \
                len(records) >= 2:
            # A scaling series (Scale, or a scenario like `scale`) goes to the Scaling tab instead.
            scaling = done.kind in (BatchKind.SCALE, BatchKind.SCENARIO) and self.show_scaling(records, switch=True)
            if not scaling and done.kind is not BatchKind.SCALE:
                note = self._show_last_comparable(records)
        if outcome.cancelled and done.last_kind.blocks_gui:
            self.controls.show_message(
                f"The run blocked the GUI thread for {self.session.gui_limit_s:g} s, so concgui stopped it to give "
                "you the window back. Nothing, not even Cancel, can be clicked while the GUI thread is busy: "
                "run long work on a worker thread or process instead.", error=False)
            self.statusBar().showMessage("Stopped: the GUI thread was blocked too long.", 8000)
        elif outcome.cancelled:
            self.statusBar().showMessage("Cancelled.", 5000)
        elif outcome.ok:
            last = records[-1] if records else None
            msg = f"Done: {len(done.rows)} run(s)"
            if len(done.rows) > len(records):
                msg += f" ({len(records)} modes × {len(done.rows) // max(1, len(records))} repeats, compared by median)"
            if last is not None:
                msg += f"; last took {last.wall_s:.2f} s" if len(last.samples_wall_s) <= 1 else \
                    f"; {last.mode} median {last.wall_s:.2f} s"
            worst = max((r.ui.longest_freeze_ms or 0.0 for r in done.rows), default=0.0)
            if worst >= FREEZE_S * 1000:
                msg += f". UI frozen for {worst / 1000:.2f} s ({frames_missed_words(frames_missed(worst / 1000))})"
            self.statusBar().showMessage(msg + "." + note, 10_000)

    def show_scaling(self, records: list[RunRecord], switch: bool = False) -> bool:
        """Show a scaling series (runs of one mode with several worker counts); False if there is none."""
        from concgui.engine.scaling import analyze

        if len({r.workload for r in records}) != 1:
            return False
        result = analyze(records, self.info.logical_cores)
        if result is None or result.serial_wall_s is None:
            return False
        self.scaling.show_result(result)
        if switch:
            self.tabs.setCurrentWidget(self.scaling)
        return True

    def _show_last_comparable(self, records: list[RunRecord]) -> str:
        """Chart one comparison: the last group of runs on the same inputs (a scenario may have several).

        Returns a sentence for the status line when some runs are left out of the chart, else "".
        """
        groups = [by_python(g) for g in input_groups(records) if len(g) >= 2]
        if not groups:
            return ""
        self.show_comparison(groups[-1])
        if len(groups[-1]) == len(records):
            return ""
        g = groups[-1][0]
        return (f" The chart compares the {len(groups[-1])} runs of {g.tasks:,} × {workload_label(g.workload)} (the "
                "same inputs); "
                "the others are in the table.")

    def show_comparison(self, records: list[RunRecord]) -> None:
        # Read the interpreter afresh: the switch interval may have been changed.
        info = collect()
        text = explain(records, info, run_names(records))
        report = None
        if self.your_function.covers(records):  # your function: the prediction first, then how it held
            before, after, report = self.your_function.words(records, info)
            text = "\n\n".join(t for t in (before, text, after) if t)
        self.comparison.show_records(records, text, report=report)
        self.readout.show_records(records, run_names(records))

    @Slot()
    def _on_lag_timer_timeout(self) -> None:
        lag_ms = self.heartbeat.recent_s() * 1000
        color = lateness_color(lag_ms / 1000) if lag_ms > 30 else "palette(window-text)"
        self.lag_label.setText(f"<span style='color:{color}'>GUI lag {lag_ms:.0f} ms</span>")
        if self.readout.shown:  # presentation mode: the strip's live tiles, on this same job (twice a second)
            self.readout.set_live(lag_ms / 1000, self._cores_busy_now())

    def _cores_busy_now(self) -> float | None:
        """Cores busy over the last half second, from the window's sampler (None: no sample yet)."""
        t, v = self.sampler.per_core.snapshot(since=now() - LAG_READOUT_MS / 1000)
        return mean_busy(v) if len(t) else None

    @Slot(float, int)
    def _on_session_ui_froze(self, late_s: float, frames: int) -> None:
        self.statusBar().showMessage(f"UI frozen for {late_s:.2f} s ({frames_missed_words(frames)}).", 10_000)

    # -- results out ------------------------------------------------------------------------------

    def results_document(self) -> dict[str, Any]:
        """Every run of the session, and the comparison shown now (its medians) with its verdict."""
        doc = results_document([row.as_dict() for row in self.session.results.rows])
        shown = self.comparison.records
        if shown:
            doc["comparison"] = [r.as_dict() for r in shown]
            doc["verdict"] = verdict(shown, run_names(shown)).as_export()
        return doc

    def export_results(self, path: str) -> None:
        """Write every run of this session as JSON; raises ExportError with a user message."""
        write_json(path, self.results_document())

    @Slot()
    def _on_export_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export results", "concgui-results.json", "JSON (*.json)")
        if not path:
            return
        try:
            self.export_results(path)
        except ExportError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
        else:
            self.statusBar().showMessage(f"Saved {len(self.session.results.rows)} run(s) to {path}", 8000)

    def timeline_trace(self) -> dict[str, Any]:
        """The session's timeline as a Chrome Trace Event document (see :mod:`concgui.engine.trace`)."""
        from concgui.engine.trace import trace_document

        st = self.timeline.store
        lanes = {key: self.session.lanes.series(*key) for key in self.session.lanes.keys()}
        return trace_document(st.runs, st.spans(), st.workers, st.ends,
                              cpu=self.sampler.per_core.snapshot(), lanes=lanes)

    def export_trace(self, path: str) -> None:
        """Write :meth:`timeline_trace` to ``path``; raises ExportError with a user message."""
        from concgui.engine.trace import write_trace

        write_trace(path, self.timeline_trace())

    @Slot()
    def _on_trace_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export timeline trace", "concgui-trace.json",
                                              "Chrome trace JSON (*.json)")
        if not path:
            return
        try:
            self.export_trace(path)
        except ExportError as exc:
            QMessageBox.warning(self, "Export failed", str(exc))
        else:
            self.statusBar().showMessage(f"Saved the timeline of {len(self.timeline.store):,} task(s) to {path} "
                                         "(open it in ui.perfetto.dev or chrome://tracing)", 8000)

    def save_screenshot(self, path: str) -> bool:
        return self.grab().save(path)

    @Slot()
    def _on_screenshot_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "concgui.png", "PNG (*.png)")
        if path and not self.save_screenshot(path):
            QMessageBox.warning(self, "Screenshot failed", f"Could not write {path}.")

    @Slot()
    def show_glossary(self) -> None:
        text_dialog(self, "Glossary: every number the window shows", glossary_html()).show()

    def shortcuts(self) -> list[tuple[str, str]]:
        """(keys, what they do) of every shortcut the window really has: its buttons' and its menus'."""
        out = []
        for w in (*self.findChildren(QAction), self.controls.run_button, self.controls.cancel_button,
                  self.controls.compare_button):
            keys = w.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if keys:
                out.append((keys, w.text().replace("&", "").rstrip("…")))
        return sorted(set(out))

    @Slot()
    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(what)}</td></tr>"
                       for k, what in self.shortcuts())
        text_dialog(self, "Keyboard shortcuts", f"<table cellpadding='4'>{rows}</table>").show()

    @Slot()
    def show_verdict_rule(self) -> None:
        QMessageBox.information(self, "How verdicts are called", verdict_rule_html())

    @Slot()
    def show_about(self) -> None:
        i = self.info
        QMessageBox.about(
            self, "About concgui",
            f"<h3>concgui {html.escape(__version__)}</h3>"
            "<p>See Python concurrency: serial vs threads vs processes, with live per-core CPU, "
            "progress per worker, and results compared on identical inputs.</p>"
            f"<p>Running on {html.escape(i.implementation)} {html.escape(i.python)} "
            f"({'GIL enabled' if i.gil_enabled else 'GIL disabled'}), {html.escape(i.os)}, "
            f"{i.logical_cores} logical cores.</p><p>MIT licence.</p>")

    # -- closing ----------------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Cancel any run; stop the session (driver, threads, host, pool, lanes), plots and sampler. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._lag_job.set_period(None)
        self._load_job.set_period(None)
        self.presentation.restore()  # the application's own font back
        if self.lesson_driver is not None:
            self.lesson_driver.shutdown()
        self.cpu_plot.stop()
        self.responsiveness.shutdown()
        self.your_function.shutdown()
        sys.setswitchinterval(self.switch_interval_at_start)
        self.progress.reset("Closed.")
        self.session.shutdown()
        self.labs.shutdown()
        self.controls.python.shutdown()
        if self._own_sampler:
            self.sampler.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            save_window(self, self.controls, self.settings)
            if self.presentation.presenting and self._geometry_before_presenting is not None:
                self.settings.geometry = self._geometry_before_presenting  # next time: the window, not full screen
            self._remember_lesson()
        self.shutdown()
        event.accept()
