"""The Labs tab: the six labs in a list; the chosen lab's page beside it.

Pages are built the first time their lab is chosen (each has its own plots).
One :class:`~concgui.gui.labs.lab_runner.LabRunner` runs one lab at a time
off the GUI thread; while it runs, every page's Run button is off, and the
running page gets the event batches and, at the end, the outcome.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QStackedWidget, QWidget

from concgui import labs
from concgui.gui.labs.lab_page import LabPage
from concgui.gui.labs.lab_runner import LabOutcome, LabRunner


class LabsView(QWidget):
    #: A lab run ended and its page shows the outcome (LabOutcome).
    lab_finished = Signal(object)
    #: A lab run started (its name).
    lab_started = Signal(str)

    def __init__(self, runner: LabRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner if runner is not None else LabRunner(parent=self)
        self.pages: dict[str, LabPage] = {}
        self._closed = False

        self.list = QListWidget()
        self.list.setObjectName("labs-list")
        for name in labs.LABS:
            item = QListWidgetItem(labs.load(name).TITLE)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
        self.list.setWordWrap(True)
        self.list.setMinimumWidth(150)
        self.list.setMaximumWidth(190)
        self.list.setSpacing(2)
        self.stack = QStackedWidget()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.list, 0)
        lay.addWidget(self.stack, 1)

        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.runner.events_batched.connect(self._on_runner_events_batched)
        self.runner.finished.connect(self._on_runner_finished)
        self.list.setCurrentRow(0)

    # -- pages ------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(labs.LABS)

    def page(self, name: str) -> LabPage:
        """The page of lab ``name``, built on first use."""
        page = self.pages.get(name)
        if page is None:
            page = LabPage(name, labs.load(name))
            page.run_clicked.connect(self.run)
            page.cancel_clicked.connect(self.cancel)
            page.set_available(not self.busy and not self._closed)
            self.pages[name] = page
            self.stack.addWidget(page)
        return page

    def select(self, name: str) -> LabPage:
        """Show lab ``name`` (as if chosen in the list) and return its page."""
        self.list.setCurrentRow(self.names.index(name))
        return self.page(name)

    @property
    def current(self) -> LabPage | None:
        w = self.stack.currentWidget()
        return w if isinstance(w, LabPage) else None

    @Slot(int)
    def _on_list_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.names):
            self.stack.setCurrentWidget(self.page(self.names[row]))

    # -- running ----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self.runner.busy

    @Slot(str)
    def run(self, name: str | None = None) -> bool:
        """Run lab ``name`` (default: the one shown) with its page's inputs.

        False if nothing started: another lab runs, the view is closed, or the
        input is invalid (the page then shows why, and keeps its last result).
        """
        page = self.page(name) if name else self.current
        if page is None or self._closed:
            return False
        if self.busy:
            page.show_message(f"The {self.runner.running} lab is still running; cancel it or wait.", error=False)
            return False
        params = page.read_params()
        if params is None:
            return False
        page.begin(params)
        for p in self.pages.values():
            p.set_available(False)
        self._mark_running(page.name, True)
        self.runner.start(page.name, params)
        self.lab_started.emit(page.name)
        return True

    @Slot()
    @Slot(str)
    def cancel(self, _name: str | None = None) -> None:
        """Ask the running lab to stop (it ends with ``lab_finished`` soon after)."""
        name = self.runner.running
        if name is not None:
            self.runner.cancel()
            self.page(name).cancelling()

    def shutdown(self) -> bool:
        """Stop any running lab (bounded wait) and the lab thread. Idempotent."""
        if self._closed:
            return True
        self._closed = True
        for p in self.pages.values():
            p.set_available(False)
        return self.runner.shutdown()

    def _mark_running(self, name: str, running: bool) -> None:
        item = self.list.item(self.names.index(name))
        title = labs.load(name).TITLE
        item.setText(f"{title}  ● running" if running else title)

    @Slot(str, object)
    def _on_runner_events_batched(self, name: str, events: list[Any]) -> None:
        page = self.pages.get(name)
        if page is not None:
            page.apply(events)

    @Slot(object)
    def _on_runner_finished(self, outcome: LabOutcome) -> None:
        if self._closed:
            return
        self._mark_running(outcome.name, False)
        page = self.page(outcome.name)
        page.finish(outcome)
        for p in self.pages.values():
            p.set_available(True)
        self.lab_finished.emit(outcome)
