"""Every run of this session, one row each, as comparable numbers."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from concgui.engine.compare import RunRecord
from concgui.engine.workloads import get_workload, workload_label
from concgui.gui.result_row import ResultRow
from concgui.engine.compare import python_tag
from concgui.engine.compare import workers_count
from concgui.gui.run_words import mode_name, short_ran_on

GOOD = QColor("#2e7d32")
BAD = QColor("#c62828")
MUTED = QColor("#757575")


def _num(v: float | None, fmt: str, suffix: str = "") -> str:
    return "–" if v is None else f"{v:{fmt}}{suffix}"


def _check(r: RunRecord) -> str:
    if r.results_ok is None:
        return "–"
    return "✓ same" if r.results_ok else "✗ differ"


#: (header, text of a row, tooltip)
COLUMNS: list[tuple[str, Callable[[ResultRow], str], str]] = [
    ("Run", lambda x: str(x.record.run_id), "Run number in this session"),
    ("Workload", lambda x: workload_label(x.record.workload), ""),
    ("Mode", lambda x: mode_name(x.record.mode, x.ui.kind), ""),
    ("Workers", lambda x: workers_count(x.record.workers, x.record.threads_per_worker),
     "Threads or processes that ran the tasks (Dask: worker processes × threads in each)"),
    ("Ran on", lambda x: short_ran_on(x.record.ran_on), "Which process and threads ran the tasks"),
    ("Python", lambda x: python_tag(x.record.python) if x.record.python else "–",
     "The Python that ran the tasks (its version; a t marks a free-threaded build)"),
    ("Start method", lambda x: x.record.start_method or "–", "How worker processes were started"),
    ("Tasks", lambda x: f"{x.record.tasks:,} × {x.record.size:,}", "Tasks × size of each task"),
    ("Wall", lambda x: _num(x.record.wall_s, ".3f", " s"), "Elapsed (wall-clock) time of the run"),
    ("CPU", lambda x: _num(x.record.cpu_s, ".3f", " s"),
     "CPU time of what ran the tasks: the worker processes (and the thread relaying their events), or this "
     "whole process for a run in it"),
    ("Speedup", lambda x: _num(x.record.speedup, ".2f", "×"),
     "Serial wall time ÷ this wall time, against a serial run on the same inputs"),
    ("Efficiency", lambda x: _num(x.record.efficiency, ".0%"), "Speedup ÷ workers"),
    ("Results", lambda x: _check(x.record), "Do the results equal the serial run's (same digest)?"),
    ("GUI stall", lambda x: _num(x.ui.gui_stall_ms, ".0f", " ms"),
     "Worst lateness of the window's event loop during the run: how long the GUI could not react"),
    ("UI p99", lambda x: _num(x.ui.heartbeat_p99_ms, ".1f", " ms"),
     "99th percentile of the heartbeat's lateness during the run: how much the window stuttered"),
    ("Status", lambda x: x.record.status, ""),
]
NUMERIC = {"Run", "Workers", "Tasks", "Wall", "CPU", "Speedup", "Efficiency", "GUI stall", "UI p99"}


class ResultsModel(QObject):
    """The session's result rows, shown through a plain ``QStandardItemModel`` (:attr:`qmodel`).

    Not a Python ``QAbstractTableModel``: a table view asks its model for every
    cell and role on every repaint, and each of those calls into a Python
    ``data()`` takes the GIL, hundreds of times a second while the table is on
    screen. Here the texts are put into C++ items once, when a row is added or
    its facts change, and Qt repaints the table without calling Python.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ResultRow] = []
        self.qmodel = QStandardItemModel(0, len(COLUMNS), self)
        for i, (name, _, tip) in enumerate(COLUMNS):
            item = QStandardItem(name)
            if tip:
                item.setToolTip(tip)
            self.qmodel.setHorizontalHeaderItem(i, item)

    @property
    def records(self) -> list[RunRecord]:
        return [r.record for r in self.rows]

    def add(self, row: ResultRow) -> None:
        self.rows.append(row)
        items = [QStandardItem() for _ in COLUMNS]
        for item in items:
            item.setEditable(False)
        self._fill(row, items)
        self.qmodel.appendRow(items)

    def replace(self, old: ResultRow, new: ResultRow) -> None:
        """Put ``new`` where ``old`` is (a row measured after it was added), and show its facts."""
        for i, r in enumerate(self.rows):
            if r is old:
                self.rows[i] = new
                self._fill(new, [self.qmodel.item(i, c) for c in range(len(COLUMNS))])

    def text(self, row: int, column: str) -> str:
        """The text shown in ``column`` (a header) of ``row``."""
        c = [name for name, _, _ in COLUMNS].index(column)
        return self.qmodel.item(row, c).text()

    @staticmethod
    def _fill(row: "ResultRow", items: list[QStandardItem]) -> None:
        r = row.record
        for item, (name, text, _) in zip(items, COLUMNS):
            item.setText(text(row))
            h = Qt.AlignmentFlag.AlignRight if name in NUMERIC else Qt.AlignmentFlag.AlignLeft
            item.setTextAlignment(h | Qt.AlignmentFlag.AlignVCenter)
            color = None
            if name == "Results" and r.results_ok is not None:
                color = GOOD if r.results_ok else BAD
            elif name == "Status" and r.status != "done":
                color = BAD if r.status == "failed" else MUTED
            elif name == "Speedup" and r.speedup is not None and r.mode != "serial":
                color = GOOD if r.speedup >= 1.3 else MUTED
            if color is not None:
                item.setForeground(color)
            tip = None
            if name == "Results" and r.digest:
                tip = f"digest {r.digest}"
            elif name == "Status" and r.error:
                tip = r.error
            elif name == "Tasks":
                tip = f"{r.tasks:,} tasks of {r.size:,} {get_workload(r.workload).size_unit}"
            elif name == "Ran on":
                tip = r.ran_on
            if tip:
                item.setToolTip(tip)


class ResultsTable(QTableView):
    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model.qmodel)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        h = self.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(False)  # every column as wide as its content, Status too
        model.qmodel.rowsInserted.connect(self._on_model_rows_inserted)
        # A row's lateness columns fill in after its run ends (measured): fit them again then.
        model.qmodel.dataChanged.connect(self._on_model_data_changed)
        self.resizeColumnsToContents()

    def selected_row(self) -> int | None:
        """The model row of the current selection, or None."""
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def height_for_rows(self, rows: int) -> int:
        """The height that shows the header and ``rows`` rows, and a horizontal scroll bar."""
        return (self.horizontalHeader().sizeHint().height() + rows * self.verticalHeader().defaultSectionSize()
                + self.horizontalScrollBar().sizeHint().height() + 2 * self.frameWidth())

    @Slot()
    def _on_model_data_changed(self) -> None:
        self.resizeColumnsToContents()

    @Slot()
    def _on_model_rows_inserted(self) -> None:
        self.resizeColumnsToContents()
        self.scrollToBottom()
