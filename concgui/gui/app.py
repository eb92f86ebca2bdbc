"""``concgui gui``: the QApplication, the main window, and scenario driving.

``main(args)`` opens the window; with ``--scenario NAME`` it shows the
scenario's settings, with ``--autorun`` runs it, then (``--export``) writes
the results JSON, (``--screenshot``) saves a picture of the window and
(``--quit-when-done``) quits: 0 if every run finished, 1 if one failed or was
cancelled, 2 for an unknown scenario. ``--lesson ID`` opens the lesson panel at
``--step N``; with ``--answer`` and ``--autorun`` that step runs and is revealed
before the export, the picture and the quit. ``--zoom F`` opens in presentation mode.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Slot
from PySide6.QtGui import QGuiApplication, QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from concgui.engine.clock import now
from concgui.engine.export import ExportError
from concgui.gui import qt_logging, quit_signals, run_reporter
from concgui.gui.gc_pinning import GuiThreadCollector
from concgui.gui.lesson_panel import LessonPanel
from concgui.gui.main_window import MainWindow
from concgui.gui.qt_worker import abandoned_threads_running
from concgui.gui.run_driver import BatchOutcome
from concgui.scenario_file import functions_named
from concgui.scenarios import SCENARIOS, Scenario

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SETTLE_MS = 400  # after a run, let the CPU plot draw its last samples before the screenshot
AUTORUN_DELAY_MS = 300  # let the window paint its first frames before the runs compete for the GIL


def load_icon() -> QIcon | None:
    """The app icon from the packaged resources, or None if they are missing."""
    try:
        from concgui.resources import app_icon_files

        files = app_icon_files()
    except (ImportError, OSError, ValueError):
        return None
    icon = QIcon()
    for res in files:
        pm = QPixmap()
        try:
            if pm.loadFromData(res.read_bytes()):
                icon.addPixmap(pm)
        except OSError:
            continue
    return None if icon.isNull() else icon


def use_safe_start_method() -> None:
    """Make forkserver/spawn the default for *any* multiprocessing use in the GUI process.

    The engine always names its start method; this also covers a plain
    ``multiprocessing.Process`` or ``Queue`` (default: fork on Linux before 3.14,
    unsafe here because Qt runs threads).
    """
    import multiprocessing

    from concgui.engine import startmethods

    try:
        multiprocessing.set_start_method(startmethods.default())
    except RuntimeError:
        pass  # already chosen (e.g. by a test harness): leave it


def make_app() -> QApplication:
    """The QApplication (created once), high-DPI friendly, with name and icon."""
    app = QApplication.instance()
    if app is None:
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("concgui")
    app.setApplicationDisplayName("concgui")
    app.setOrganizationName("concgui")
    app.setDesktopFileName("io.github.concgui")  # Wayland: match the installed .desktop file
    icon = load_icon()
    if icon is not None:
        app.setWindowIcon(icon)
    return app


class FirstFrameReporter(QObject):
    """For the start-up benchmark: print when the window first painted, then quit.

    Enabled by ``CONCGUI_FIRST_FRAME_EXIT=1``. The time printed is the shared
    clock (:func:`concgui.engine.clock.now`), so the benchmark that launched
    the command can subtract its own start time.
    """

    def __init__(self, app: QApplication, window: MainWindow) -> None:
        super().__init__(window)
        self.app = app
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._report)  # after this paint pass completes
        return False

    @Slot()
    def _report(self) -> None:
        print(f"first-frame {now():.6f}", flush=True)
        self.app.exit(0)


class ScenarioDriver(QObject):
    """Runs a scenario in the window and does what the command line asked afterwards."""

    def __init__(self, app: QApplication, window: MainWindow, scenario: Scenario | None, autorun: bool,
                 export: str | None, screenshot: str | None, quit_when_done: bool,
                 lesson_panel: LessonPanel | None = None) -> None:
        super().__init__(window)
        self.app, self.window, self.scenario = app, window, scenario
        self.export, self.screenshot, self.quit_when_done = export, screenshot, quit_when_done
        self.exit_code = EXIT_OK
        #: A lesson's step to run (--lesson with --autorun): its reveal, not a batch, says when it is done.
        self.lesson_panel = lesson_panel if autorun else None
        window.session.batch_done.connect(self._on_session_batch_done)
        window.your_function.failed.connect(self._on_your_function_failed)
        if scenario is not None:
            window.load_scenario(scenario)
        if self.lesson_panel is not None:
            self.lesson_panel.revealed.connect(self._on_lesson_panel_revealed)
            QTimer.singleShot(AUTORUN_DELAY_MS, self._on_lesson_autorun)
        elif scenario is not None and autorun:
            QTimer.singleShot(AUTORUN_DELAY_MS, self._on_autorun)
        elif screenshot or quit_when_done:
            # Nothing to run: picture the window as opened (and quit if asked).
            QTimer.singleShot(SETTLE_MS, self._finish)

    @Slot()
    def _on_autorun(self) -> None:
        assert self.scenario is not None
        if not self.window.run_scenario(self.scenario):
            self.exit_code = EXIT_FAILED
            self._finish()

    @Slot()
    def _on_lesson_autorun(self) -> None:
        assert self.lesson_panel is not None
        self.lesson_panel.run_button.click()
        if not self.lesson_panel.running:  # refused: the panel says why
            print(f"concgui: error: {self.lesson_panel.message.text()}", file=sys.stderr)
            self.exit_code = EXIT_FAILED
            QTimer.singleShot(SETTLE_MS, self._finish)

    @Slot(int)
    def _on_lesson_panel_revealed(self, index: int) -> None:
        assert self.lesson_panel is not None and self.lesson_panel.walkthrough is not None
        result = self.lesson_panel.walkthrough.results.get(index)
        if result is None or result.error:
            self.exit_code = EXIT_FAILED
        QTimer.singleShot(SETTLE_MS, self._finish)

    @Slot(object)
    def _on_session_batch_done(self, outcome: BatchOutcome) -> None:
        if self.lesson_panel is not None:
            return  # the lesson's reveal ends it
        if not outcome.ok:
            self.exit_code = EXIT_FAILED
        QTimer.singleShot(SETTLE_MS, self._finish)

    @Slot(str, str)
    def _on_your_function_failed(self, text: str, _details: str) -> None:
        """The scenario's function could not be profiled: nothing will run, so finish as a failure."""
        if self.quit_when_done:
            print(f"concgui: error: {text}", file=sys.stderr)
        self.exit_code = EXIT_FAILED
        QTimer.singleShot(SETTLE_MS, self._finish)

    @Slot()
    def _finish(self) -> None:
        self.window.cpu_plot.refresh()
        if self.export:
            try:
                self.window.export_results(self.export)
            except ExportError as exc:
                print(f"concgui: error: {exc}", file=sys.stderr)
                self.exit_code = EXIT_FAILED
        if self.screenshot and not self.window.save_screenshot(self.screenshot):
            print(f"concgui: error: cannot write screenshot {self.screenshot}", file=sys.stderr)
            self.exit_code = EXIT_FAILED
        if self.quit_when_done:
            self.window.close()
            self.app.exit(self.exit_code)


def may_import(window: QWidget, scenario: Scenario, allowed: bool) -> bool:
    """Whether to open ``scenario``: one that names your code asks first (``--allow-functions``: it does not).

    concgui imports and runs only code the person names; a file someone else
    wrote names it for them, so the window asks before anything is imported.
    """
    named = functions_named(scenario)
    if not named or allowed:
        return True
    which = "\n".join(f"• {r.target}, from {r.path}" for r in named)
    answer = QMessageBox.question(
        window, "Run code named by a scenario?",
        f"The scenario {scenario.name!r} runs functions from files on this computer:\n\n{which}\n\nconcgui "
        "will import them in a fresh process to measure them, then in its workers. Only allow code you trust.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    if answer == QMessageBox.StandardButton.Yes:
        return True
    window.statusBar().showMessage(f"Scenario {scenario.name} not opened: it names code you did not allow.", 10_000)
    return False


def main(args: Any = None) -> int:
    """Open the window (see the module docstring for the options); returns the exit code."""
    name = getattr(args, "scenario", None)
    scenario = getattr(args, "scenario_object", None)  # --scenario-file, checked by the CLI
    if name is not None:
        scenario = SCENARIOS.get(name)
        if scenario is None:
            print(f"concgui: error: unknown scenario {name!r}; choose one of: {', '.join(SCENARIOS)}",
                  file=sys.stderr)
            return EXIT_USAGE
    use_safe_start_method()
    qt_logging.install()  # before the QApplication: its start-up messages are logged too
    app = make_app()
    collector = GuiThreadCollector(app)
    window = MainWindow()
    if os.environ.get("CONCGUI_FIRST_FRAME_EXIT") == "1":
        FirstFrameReporter(app, window)
    window.show()
    zoom = getattr(args, "zoom", None)  # --zoom F: presentation mode at F (checked by the CLI)
    if zoom is not None:
        window.present(True, zoom)
    if scenario is not None and not may_import(window, scenario, bool(getattr(args, "allow_functions", False))):
        scenario = None
    lesson = getattr(args, "lesson_object", None)  # --lesson, checked by the CLI
    panel = None
    if lesson is not None:
        panel = window.open_lesson(lesson)
        panel.show_step(getattr(args, "step", 1) - 1)
        if getattr(args, "answer", None) is not None:
            panel.set_answer_text(args.answer)
    driver = ScenarioDriver(app, window, scenario, bool(getattr(args, "autorun", False)),
                            getattr(args, "export", None), getattr(args, "screenshot", None),
                            bool(getattr(args, "quit_when_done", False)), lesson_panel=panel)
    quitter = quit_signals.install(app, window.session.cancel)  # Ctrl+C / SIGTERM close the window
    run_reporter.install_if_asked(window.session)
    code = app.exec()
    window.shutdown()
    collector.stop()
    qt_logging.uninstall()
    quitter.uninstall()  # only now: a second Ctrl+C during the shutdown still ends it at once
    if quitter.exit_code is not None:
        code = quitter.exit_code
    if abandoned_threads_running():
        # A worker thread ignored cancel past the bound: exiting normally would
        # destroy a running QThread and abort, so leave at once instead.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or driver.exit_code)
    return driver.exit_code if code == 0 else code
