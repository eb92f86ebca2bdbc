"""Every run of this session, one row each, as comparable numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from concgui.engine.compare import RunRecord
from concgui.engine.workloads import get_workload

Index = QModelIndex | QPersistentModelIndex

MODE_NAMES = {
    "gui-thread": "serial (GUI thread)",
    "serial": "serial",
    "threads": "threads",
    "processes": "processes",
    # The responsiveness lab's wrong ways (its ``ui.kind``), shown instead of the engine's mode.
    "blocking-wait": "thread, GUI waits",
    "flood": "serial + signal flood",
}
GOOD = QColor("#2e7d32")
BAD = QColor("#c62828")
MUTED = QColor("#757575")


@dataclass(frozen=True)
class ResultRow:
    record: RunRecord
    ui: dict[str, Any] = field(default_factory=dict)  # GUI-only facts, e.g. gui_stall_ms

    def as_dict(self) -> dict[str, Any]:
        return {**self.record.as_dict(), "ui": dict(self.ui)}


def _num(v: float | None, fmt: str, suffix: str = "") -> str:
    return "–" if v is None else f"{v:{fmt}}{suffix}"


def _mode(x: "ResultRow") -> str:
    kind = x.ui.get("kind")
    mode = kind if kind in ("blocking-wait", "flood") else x.record.mode
    return MODE_NAMES.get(mode, mode)


def _check(r: RunRecord) -> str:
    if r.results_ok is None:
        return "–"
    return "✓ same" if r.results_ok else "✗ differ"


#: (header, text of a row, tooltip)
COLUMNS: list[tuple[str, Callable[[ResultRow], str], str]] = [
    ("Run", lambda x: str(x.record.run_id), "Run number in this session"),
    ("Workload", lambda x: x.record.workload, ""),
    ("Mode", _mode, ""),
    ("Workers", lambda x: str(x.record.workers), "Threads or processes that ran the tasks"),
    ("Start method", lambda x: x.record.start_method or "–", "How worker processes were started"),
    ("Tasks", lambda x: f"{x.record.tasks:,} × {x.record.size:,}", "Tasks × size of each task"),
    ("Wall", lambda x: _num(x.record.wall_s, ".3f", " s"), "Elapsed (wall-clock) time of the run"),
    ("CPU", lambda x: _num(x.record.cpu_s, ".3f", " s"),
     "CPU time used by this app and its worker processes during the run"),
    ("Speedup", lambda x: _num(x.record.speedup, ".2f", "×"),
     "Serial wall time ÷ this wall time, against a serial run on the same inputs"),
    ("Efficiency", lambda x: _num(x.record.efficiency, ".0%"), "Speedup ÷ workers"),
    ("Results", lambda x: _check(x.record), "Do the results equal the serial run's (same digest)?"),
    ("GUI stall", lambda x: _num(x.ui.get("gui_stall_ms"), ".0f", " ms"),
     "Worst lateness of the window's event loop during the run: how long the GUI could not react"),
    ("UI p99", lambda x: _num(x.ui.get("heartbeat_p99_ms"), ".1f", " ms"),
     "99th percentile of the heartbeat's lateness during the run: how much the window stuttered"),
    ("Status", lambda x: x.record.status, ""),
]
NUMERIC = {"Run", "Workers", "Tasks", "Wall", "CPU", "Speedup", "Efficiency", "GUI stall", "UI p99"}


class ResultsModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ResultRow] = []

    @property
    def records(self) -> list[RunRecord]:
        return [r.record for r in self.rows]

    def add(self, row: ResultRow) -> None:
        n = len(self.rows)
        self.beginInsertRows(QModelIndex(), n, n)
        self.rows.append(row)
        self.endInsertRows()

    def row_changed(self, row: ResultRow) -> None:
        """Redraw ``row`` after its ``ui`` facts were filled in."""
        for i, r in enumerate(self.rows):
            if r is row:
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        name, _, tip = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip or None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        name, text, _ = COLUMNS[index.column()]
        r = row.record
        if role == Qt.ItemDataRole.DisplayRole:
            return text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            h = Qt.AlignmentFlag.AlignRight if name in NUMERIC else Qt.AlignmentFlag.AlignLeft
            return int(h | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            if name == "Results" and r.results_ok is not None:
                return GOOD if r.results_ok else BAD
            if name == "Status" and r.status != "done":
                return BAD if r.status == "failed" else MUTED
            if name == "Speedup" and r.speedup is not None and r.mode not in ("serial", "gui-thread"):
                return GOOD if r.speedup >= 1.3 else MUTED
        if role == Qt.ItemDataRole.ToolTipRole:
            if name == "Results" and r.digest:
                return f"digest {r.digest}"
            if name == "Status" and r.error:
                return r.error
            if name == "Tasks":
                return f"{r.tasks:,} tasks of {r.size:,} {get_workload(r.workload).size_unit}"
        return None


class ResultsTable(QTableView):
    def __init__(self, model: ResultsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        h = self.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(True)
        model.rowsInserted.connect(self._on_model_rows_inserted)
        self.resizeColumnsToContents()

    @Slot()
    def _on_model_rows_inserted(self) -> None:
        self.resizeColumnsToContents()
        self.scrollToBottom()
