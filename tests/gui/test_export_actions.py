"""File menu exports: CSV, JSON, Markdown on the clipboard, plots as PNG/SVG; failures lose nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from concgui.engine.compare import RunRecord
from concgui.gui.export_actions import NOTHING_LOST, save_plot
from concgui.engine.latency import LatenessStats
from concgui.gui.result_row import ResultRow, UiStats

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _add_runs(window) -> None:
    for i, (mode, wall, workers) in enumerate((("serial", 1.0, 1), ("processes", 0.52, 2)), start=1):
        speedup = 1.0 / wall
        rec = RunRecord(i, "cpu-python", mode, workers, 8, 20_000, "forkserver" if mode == "processes" else None,
                        1, wall, wall * workers, speedup, speedup / workers, True, "done", "d1g35t")
        window.session.results.add(ResultRow(rec, UiStats(ran_on="run-driver QThread",
                                                           lateness=LatenessStats(10, 1.0, 2.0, 4.0, 4.0))))


@pytest.fixture
def warnings(window):
    seen: list[tuple[str, str]] = []
    window.exports.warn = lambda title, text: seen.append((title, text))
    return seen


def _menu_texts(window) -> list[str]:
    file_menu = window.menuBar().actions()[0].menu()
    return [a.text() for a in file_menu.actions()]


def test_file_menu_has_the_exports(window) -> None:
    texts = _menu_texts(window)
    for t in ("&Export results…", "Export results as &CSV…", "Copy results as &Markdown", "Save CPU &plot…",
              "Save c&omparison chart…", "&Quit"):
        assert t in texts
    assert texts.index("Export results as &CSV…") == texts.index("&Export results…") + 1


def test_csv_export_writes_header_and_rows(window, tmp_path, monkeypatch) -> None:
    _add_runs(window)
    path = tmp_path / "runs.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "CSV (*.csv)"))
    window.exports.export_csv_action.trigger()
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [r["mode"] for r in rows] == ["serial", "processes"]
    assert rows[1]["workers"] == "2" and rows[1]["start_method"] == "forkserver"
    assert rows[0]["ui_ran_on"] == "run-driver QThread" and rows[0]["ui_gui_stall_ms"] == "4.0"
    assert "Saved 2 run(s)" in window.statusBar().currentMessage()
    assert window.settings.export_dir == str(tmp_path)  # the next dialog opens there


def test_json_export_is_the_bench_format(window, tmp_path) -> None:
    _add_runs(window)
    path = tmp_path / "runs.json"
    window.export_results(str(path))
    doc = json.loads(path.read_text())
    assert [r["mode"] for r in doc["runs"]] == ["serial", "processes"]
    assert doc["runs"][0]["ui"]["gui_stall_ms"] == 4.0


def test_copy_markdown_puts_a_table_on_the_clipboard(window) -> None:
    _add_runs(window)
    window.exports.copy_markdown_action.trigger()
    text = QGuiApplication.clipboard().text()
    lines = text.splitlines()
    assert lines[0].startswith("| Run | Workload | Mode |")
    assert len(lines) == 4 + 2 and lines[-1].startswith("*Measured with")  # + where and when
    assert "| processes | 2 | – | forkserver |" in lines[3]
    assert "Copied 2 run(s)" in window.statusBar().currentMessage()


def test_unwritable_path_gives_a_message_and_loses_nothing(window, tmp_path, monkeypatch, warnings) -> None:
    _add_runs(window)
    old = tmp_path / "keep.csv"
    old.write_text("precious\n")
    bad = tmp_path / "no-such-folder" / "runs.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(bad), "CSV (*.csv)"))
    window.exports.export_csv_action.trigger()
    assert len(warnings) == 1
    title, text = warnings[0]
    assert title == "Export failed"
    assert "does not exist" in text and NOTHING_LOST in text
    assert len(window.session.results.rows) == 2  # the results are still there
    # A folder in place of the file: same message, the folder and an older file untouched.
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path), "CSV (*.csv)"))
    window.exports.export_csv_action.trigger()
    assert "is a folder" in warnings[1][1]
    assert old.read_text() == "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "settings") == ["keep.csv"]
    assert window.settings.export_dir is None  # a failed export is not remembered


def test_plots_save_as_png_and_svg(window, tmp_path, qtbot) -> None:
    _add_runs(window)
    window.show_comparison(window.session.results.records)
    png = save_plot(window.comparison.chart, str(tmp_path / "chart.png"))
    data = open(png, "rb").read()
    assert data[:8] == PNG_MAGIC
    width = int.from_bytes(data[16:20], "big")
    assert width >= window.comparison.chart.width()  # drawn at twice the size on screen
    svg = save_plot(window.cpu_plot.plot_widget, str(tmp_path / "cpu.svg"))
    text = open(svg, encoding="utf-8").read()
    assert "<svg" in text and "</svg>" in text
    assert save_plot(window.cpu_plot.plot_widget, str(tmp_path / "noext")).endswith("noext.png")


def test_plot_dialog_failure_is_reported(window, tmp_path, monkeypatch, warnings) -> None:
    bad = tmp_path / "missing" / "cpu.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(bad), "PNG image (*.png)"))
    window.exports.save_cpu_plot_action.trigger()
    assert len(warnings) == 1 and "CPU plot" in warnings[0][1] and "does not exist" in warnings[0][1]
    assert not bad.parent.exists()


def test_plot_dialog_adds_svg_extension(window, tmp_path, monkeypatch) -> None:
    target = tmp_path / "chart"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "SVG image (*.svg)"))
    window.exports.save_chart_action.trigger()
    assert (tmp_path / "chart.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_copy_run_as_a_command_line(qtbot, window):
    assert window.exports.copy_command() is None  # no run yet
    _add_runs(window)
    window.exports.copy_command_action.trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("concgui bench --workload cpu-python --modes processes") and "--workers 2" in text
    window.results_table.selectRow(0)
    assert window.exports.copy_command().startswith("concgui bench --workload cpu-python --modes serial")
