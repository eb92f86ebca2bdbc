"""File menu exports: CSV, JSON, Markdown on the clipboard, plots as PNG/SVG; failures lose nothing."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from concgui.engine.clock import now
from concgui.engine.compare import RunRecord
from concgui.engine.repeats import spread, with_speedups
from concgui.gui.cpu_plot import MODE_COLORS
from concgui.gui.export_actions import (NOTHING_LOST, PLOT_FILTERS, PLOT_PNG_1X, PLOT_PNG_2X, PLOT_SVG, plot_png,
                                        portable_svg, save_plot)
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


# -- plots: what a saved picture shows ---------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def _compare_record(run_id: int, mode: str, workers: int, walls: list[float]) -> RunRecord:
    median = sorted(walls)[len(walls) // 2]
    return RunRecord(run_id, "cpu-python", mode, workers, 16, 300_000, "forkserver" if mode == "processes" else None,
                     1, median, median, None, None, None, "done", "d", ran_on="worker processes",
                     samples_wall_s=tuple(walls), spread=spread(walls))


def _compare(window) -> list[RunRecord]:
    """A Compare's three bars, repeated (whiskers and spreads), in the window's own (narrow) card."""
    records = with_speedups([_compare_record(1, "serial", 1, [0.66, 0.65, 0.70]),
                             _compare_record(2, "threads", 2, [0.85, 0.83, 0.86]),
                             _compare_record(3, "processes", 2, [0.36, 0.37, 0.39])])
    window.show_comparison(records)
    return records


def _widget_px(widget, plot, x: float, y: float) -> tuple[int, int]:
    """Where the view point (x, y) of ``plot`` is, in ``widget``'s pixels."""
    at = widget.mapFromScene(plot.vb.mapViewToScene(QPointF(x, y)))
    return at.x(), at.y()


def _colour_around(image: QImage, x: int, y: int, reach: int = 3) -> QColor:
    """The most common colour of the pixels within ``reach`` of (x, y) (a grid line may cross it)."""
    seen = Counter(image.pixel(i, j) for i in range(x - reach, x + reach + 1)
                   for j in range(y - reach, y + reach + 1))
    return QColor.fromRgba(seen.most_common(1)[0][0])


def _close(a: QColor, b: QColor, tolerance: int = 12) -> bool:
    return all(abs(p - q) <= tolerance for p, q in zip(a.getRgb()[:3], b.getRgb()[:3]))


def _svg_texts(root: ET.Element) -> str:
    return " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


def test_the_save_dialog_offers_png_at_twice_or_screen_size_and_svg(window, tmp_path, monkeypatch) -> None:
    _compare(window)
    chart = window.comparison.chart
    offered: list[str] = []

    def dialog(chosen):
        def answer(parent, caption, start, filters, *rest):
            offered.append(filters)
            return str(tmp_path / f"chart-{len(offered)}"), chosen
        return answer

    widths = []
    for chosen in (PLOT_PNG_2X, PLOT_PNG_1X):
        monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog(chosen))
        window.exports.save_chart_action.trigger()
        data = (tmp_path / f"chart-{len(offered)}.png").read_bytes()
        assert data[:8] == PNG_MAGIC
        widths.append(int.from_bytes(data[16:20], "big"))
    assert widths == [2 * chart.width(), chart.width()]
    assert offered[0] == PLOT_FILTERS and PLOT_FILTERS.split(";;") == [PLOT_PNG_2X, PLOT_PNG_1X, PLOT_SVG]
    assert "2×" in PLOT_PNG_2X and "screen" in PLOT_PNG_1X  # 2× first: the dialog's default
    assert save_plot(chart, str(tmp_path / "default.png")) and \
        QImage(str(tmp_path / "default.png")).width() == 2 * chart.width()


def test_a_saved_png_shows_the_bars_as_on_screen_at_either_scale(window) -> None:
    records = _compare(window)
    chart, plot = window.comparison.chart, window.comparison.plot
    for scale in (1, 2):
        image = QImage.fromData(plot_png(chart, scale))
        assert (image.width(), image.height()) == (chart.width() * scale, chart.height() * scale)
        for i, r in enumerate(records):
            x, y = _widget_px(chart, plot, i, r.wall_s / 2)
            assert _close(_colour_around(image, x * scale, y * scale), QColor(MODE_COLORS[r.mode])), (scale, r.mode)


def _cpu_plot_with_band(window, mode: str):
    """The window's CPU plot holding still on one finished run's band (from 4 s to 1 s ago)."""
    cpu = window.cpu_plot
    t = now()
    cpu.mark_run_started(1, mode, mode, t - 4.0)
    cpu.mark_run_finished(1, t - 1.0)
    cpu.hold(t)
    cpu.refresh()
    return cpu


def test_the_cpu_plot_png_keeps_its_run_bands(window, qtbot) -> None:
    cpu = _cpu_plot_with_band(window, "serial")
    band = cpu.runs.bands[1]
    widget = cpu.plot_widget
    base = widget.palette().color(widget.palette().ColorRole.Base)
    fill = band.rect.brush().color()
    a = fill.alphaF()
    expected = QColor(*(round(f * a + b * (1 - a)) for f, b in zip(fill.getRgb()[:3], base.getRgb()[:3])))
    y_mid = 50.0  # half way up the 0-100 % axis: the curves are far from here while the machine idles
    for scale in (1, 2):
        image = QImage.fromData(plot_png(widget, scale))
        x_band, y = _widget_px(widget, cpu.plot, -2.5, y_mid)
        x_out, _ = _widget_px(widget, cpu.plot, -7.0, y_mid)  # before the run: no band
        inside = [_colour_around(image, x_band * scale, (y + dy) * scale) for dy in (-15, 0, 15)]
        outside = [_colour_around(image, x_out * scale, (y + dy) * scale) for dy in (-15, 0, 15)]
        assert sum(_close(c, expected, 4) for c in inside) >= 2, (scale, [c.name() for c in inside])
        assert sum(_close(c, base, 4) for c in outside) >= 2, (scale, [c.name() for c in outside])
        assert not _close(expected, base, 4)  # the band shows: it is not the background


def _render(svg_path, tmp_path) -> QImage:
    png = tmp_path / (svg_path.stem + "-rendered.png")
    subprocess.run(["rsvg-convert", str(svg_path), "-o", str(png)], check=True, timeout=60)
    return QImage(str(png))


def test_the_comparison_svg_has_every_label_a_physical_size_and_renders_as_on_screen(window, tmp_path) -> None:
    records = _compare(window)
    chart, plot = window.comparison.chart, window.comparison.plot
    path = tmp_path / "chart.svg"
    save_plot(chart, str(path))
    root = ET.parse(path).getroot()
    # Millimetres: the chart's pixels at 96 per inch (CSS pixels), as a document or slide places it.
    for attr, px in (("width", chart.width()), ("height", chart.height())):
        value = re.fullmatch(r"([\d.]+)mm", root.get(attr, ""))
        assert value, root.get(attr)
        assert float(value.group(1)) == pytest.approx(px * 25.4 / 96, abs=0.02)
    texts = _svg_texts(root)
    from tests.gui.test_comparison_view import _drawn_tick_texts

    names = [word for tick in _drawn_tick_texts(window.comparison) for word in tick.split()]  # as drawn ("procs"
    assert "serial" in names and "threads" in names  # where "processes" would run into "threads")
    for word in (*names, "wall time", "0.66 s ±4%", "0.85 s ±2%", "0.37 s ±4%", "1.78×"):
        assert word in texts, word
    # Lines keep their width without SVG Tiny's vector-effect, which most renderers ignore.
    assert not [el for el in root.iter() if el.get("vector-effect") == "non-scaling-stroke"]
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert is not installed: the SVG was checked, not rendered")
    image = _render(path, tmp_path)
    assert abs(image.width() - chart.width()) <= 1 and abs(image.height() - chart.height()) <= 1
    base = chart.palette().color(chart.palette().ColorRole.Base)
    for i, r in enumerate(records):
        x, y = _widget_px(chart, plot, i, r.wall_s / 2)
        assert _close(_colour_around(image, x, y), QColor(MODE_COLORS[r.mode])), r.mode  # each bar where it is
        gap_x, gap_y = _widget_px(chart, plot, i + 0.5, r.wall_s / 4)
        if i + 1 < len(records):  # between two bars: background (a 1-px outline once smeared 100 px wide)
            assert _close(_colour_around(image, gap_x, gap_y), base), r.mode


def test_the_cpu_plot_svg_keeps_its_band_inside_the_plot(window, tmp_path) -> None:
    cpu = _cpu_plot_with_band(window, "threads")
    widget = cpu.plot_widget
    path = tmp_path / "cpu.svg"
    save_plot(widget, str(path))
    root = ET.parse(path).getroot()
    texts = _svg_texts(root)
    assert "threads" in texts and "CPU %" in texts and "seconds ago" in texts
    if shutil.which("rsvg-convert") is None:
        pytest.skip("rsvg-convert is not installed: the SVG was checked, not rendered")
    image = _render(path, tmp_path)
    png = QImage.fromData(plot_png(widget, 1))
    x_band, y = _widget_px(widget, cpu.plot, -2.5, 50.0)
    band = _colour_around(png, x_band, y)
    assert _close(_colour_around(image, x_band, y), band, 6)  # the band, as in the PNG
    # Below the plot (the axis' numbers and title): no band there, as on screen.
    bottom = widget.mapFromScene(cpu.plot.vb.sceneBoundingRect().bottomLeft()).y()
    base = widget.palette().color(widget.palette().ColorRole.Base)
    assert _close(_colour_around(image, x_band, min(image.height() - 4, bottom + 24), 1), base)


def test_portable_svg_maps_shapes_out_of_their_scaling_groups_and_keeps_text_transforms() -> None:
    qt = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1mm" height="1mm" '
          b'viewBox="0 0 200 100" version="1.1"><g>'
          b'<g fill="#ff0000" stroke="#000000" transform="matrix(100,0,0,-50,10,90)">'
          b'<rect vector-effect="non-scaling-stroke" x="0" y="0" width="1" height="1"/>'
          b'<path vector-effect="non-scaling-stroke" d="M0,0 L1,1 Z "/>'
          b'<text x="0" y="0" font-family="Sans Serif">hi</text></g>'
          b'<g fill="#ff0000" transform="matrix(1,0,0,1,0,0)"><rect x="0" y="-1e+09" width="5" height="2e+09"/></g>'
          b'</g></svg>')
    root = ET.fromstring(portable_svg(qt, 200, 100))
    assert (root.get("width"), root.get("height")) == ("52.92mm", "26.46mm")
    rects = list(root.iter(f"{SVG}rect"))
    assert {k: rects[0].get(k) for k in ("x", "y", "width", "height")} == {"x": "10", "y": "40", "width": "100",
                                                                           "height": "50"}
    assert rects[1].get("y") == "-100" and rects[1].get("height") == "300"  # a band: kept to around the canvas
    (path,) = root.iter(f"{SVG}path")
    assert path.get("d") == "M10,90 L110,40 Z " and path.get("vector-effect") is None
    (text,) = root.iter(f"{SVG}text")
    parent = next(g for g in root.iter(f"{SVG}g") if text in list(g))
    assert parent.get("transform") == "matrix(100,0,0,-50,10,90)"  # text keeps its transform (every renderer has it)
    assert text.get("font-family") == "Sans Serif, sans-serif"
