"""Runs a lesson's steps in the window: workload steps on the run session, lab steps on the Labs tab.

The panel asks for a step; this turns it into what the window already runs
(:class:`~concgui.gui.run_session.Step` s with their kinds, or a lab with its
parameters set in its form, so the page shows what ran), and when the run
ends hands the panel the same :class:`~concgui.lessons.measure.Outcome`
``concgui lesson`` makes. It also points at the part of the window a step
names, switching to its tab.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from concgui import labs
from concgui.engine.verdict import names_of, verdict
from concgui.gui.highlight import Highlighter
from concgui.gui.labs import LabsView
from concgui.gui.labs.lab_runner import LabOutcome
from concgui.gui.lesson_panel import LessonPanel
from concgui.gui.page_tabs import PageTabs
from concgui.gui.run_session import BatchDone, BatchKind, RunSession, Step, records_of
from concgui.lessons.format import LabSetup, Metric, Placement, RunSetup, run_configs
from concgui.lessons.headless import lab_lines
from concgui.lessons.measure import Outcome
from concgui.scenarios import StepKind, in_window

log = logging.getLogger(__name__)


def window_steps(setup: RunSetup, cores: int) -> list[Step]:
    """A workload step as the window runs it: each mode its own step, placed as the lesson says."""
    configs = run_configs(setup, cores)
    if setup.placement is Placement.WINDOW_THREAD:
        return [Step([configs[0]], StepKind.GUI_THREAD)]
    if setup.placement is Placement.WORKER_THREAD:  # QThreads in the window's process: they share its GIL
        return [Step([configs[0]]), *(Step([in_window(c)]) for c in configs[1:])]
    return [Step([c]) for c in configs]


class LessonDriver(QObject):
    def __init__(self, panel: LessonPanel, session: RunSession, labs_view: LabsView, tabs: PageTabs,
                 targets: Callable[[str], QWidget | None], show_config: Callable[[Any], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.panel, self.session, self.labs, self.tabs = panel, session, labs_view, tabs
        self.targets = targets  # a LOOK_TARGETS name -> the widget it means now
        self.show_config = show_config  # shows a run's settings in the Settings column
        self.highlighter = Highlighter(self)
        self._lab_pending: str | None = None
        self._run_pending = False
        self._freeze_wanted = False
        panel.run_requested.connect(self.run_step)
        panel.cancel_requested.connect(self.cancel)
        panel.look_at.connect(self.point_at)
        session.batch_finished.connect(self._on_session_batch_finished)
        labs_view.lab_finished.connect(self._on_labs_lab_finished)

    @property
    def busy(self) -> bool:
        return self._run_pending or self._lab_pending is not None

    @Slot(int)
    def run_step(self, index: int) -> bool:
        wt = self.panel.walkthrough
        if wt is None:
            return False
        if self.session.busy or self.labs.busy:
            self.panel.refuse("Something is still running: cancel it or wait, then run the step.")
            return False
        step = wt.lesson.steps[index]
        self.highlighter.clear()
        if isinstance(step.setup, LabSetup):
            return self._run_lab(step.setup)
        assert isinstance(step.setup, RunSetup)
        steps = window_steps(step.setup, wt.facts.cores)
        shown = steps[-1].configs[-1]
        self.show_config(shown)
        self.tabs.setCurrentIndex(0)
        if self.session.run_steps(BatchKind.LESSON, steps) is None:
            self.panel.refuse("The window could not start this step's runs (see the message under Settings).")
            return False
        self._run_pending = True
        self._freeze_wanted = step.metric is Metric.FREEZE_MS
        self.panel.set_running(True)
        return True

    def _run_lab(self, setup: LabSetup) -> bool:
        page = self.labs.select(setup.lab)
        try:
            page.form.set_params(dict(setup.params))
        except (KeyError, ValueError) as exc:
            self.panel.refuse(f"The Labs tab cannot show this step's settings: {exc}.")
            return False
        self.tabs.setCurrentWidget(self.labs)
        if not self.labs.run(setup.lab):
            self.panel.refuse("The lab did not start: its page says why.")
            return False
        self._lab_pending = setup.lab
        self.panel.set_running(True)
        return True

    @Slot()
    def cancel(self) -> None:
        if self._run_pending:
            self.session.cancel()
        if self._lab_pending is not None:
            self.labs.cancel()

    @Slot(object)
    def _on_session_batch_finished(self, done: BatchDone) -> None:
        if done.kind is not BatchKind.LESSON or not self._run_pending:
            return
        self._run_pending = False
        records = records_of(done.rows)
        error = done.outcome.error or ("cancelled" if done.outcome.cancelled else None)
        freeze = done.rows[-1].ui.longest_freeze_ms if done.rows and self._freeze_wanted else None
        lines = (verdict(records, names_of(records)).sentence(),) if len(records) >= 2 else ()
        self.panel.set_running(False)
        self.panel.show_outcome(Outcome(records=tuple(records), freeze_ms=freeze, lines=lines, error=error))

    @Slot(object)
    def _on_labs_lab_finished(self, outcome: LabOutcome) -> None:
        if outcome.name != self._lab_pending:
            return
        self._lab_pending = None
        result = outcome.result
        body = result.as_dict() if result is not None else None
        lines = lab_lines(labs.load(outcome.name), result) if result is not None else ()
        error = outcome.error or (None if body is not None and body.get("status") == "done" else "the lab was stopped")
        self.panel.set_running(False)
        self.panel.show_outcome(Outcome(lab=body, lines=lines, error=error))

    @Slot(str)
    def point_at(self, target: str) -> None:
        """Highlight the part of the window ``target`` names, on its tab ("" clears it)."""
        widget = self.targets(target) if target else None
        if widget is None:
            self.highlighter.clear()
            return
        self.tabs.setCurrentWidget(widget)  # the tab it is on
        self.highlighter.show(widget)

    def shutdown(self) -> None:
        self.highlighter.clear()
