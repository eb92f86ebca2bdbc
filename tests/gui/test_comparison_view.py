"""The comparison card: whiskers and spreads on the bars, the verdict's line, and where the time went."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from concgui.engine.compare import RunRecord
from concgui.engine.repeats import spread, with_speedups
from concgui.engine.time_split import DESCRIPTIONS, LABELS, PARTS, POOL_START
from concgui.gui.comparison_view import PART_COLORS, ComparisonView, verdict_line, wall_label
from concgui.gui.theme import contrast, dark_palette, is_dark
from concgui.engine.verdict import verdict


def _split(**parts: float) -> dict[str, float]:
    return {POOL_START: 0.0, **dict.fromkeys(PARTS, 0.0), **parts}


def _record(run_id: int, mode: str, workers: int, walls: list[float], split: dict[str, float] | None = None,
            ran_on: str = "worker processes") -> RunRecord:
    walls_sorted = sorted(walls)
    median = walls_sorted[len(walls) // 2]
    return RunRecord(run_id=run_id, workload="cpu-python", mode=mode, workers=workers, tasks=16, size=300_000,
                     start_method="forkserver" if mode == "processes" else None, chunk_size=1, wall_s=median,
                     cpu_s=median, speedup=None, efficiency=None, results_ok=None, status="done", digest="d",
                     ran_on=ran_on, samples_wall_s=tuple(walls), spread=spread(walls), split=split)


SERIAL = _record(1, "serial", 1, [0.66, 0.65, 0.70], _split(compute_s=0.64, cpu_wait_s=0.01, between_s=0.01),
                 ran_on="worker host process")
THREADS = _record(2, "threads", 2, [0.85, 0.83, 0.86],
                  _split(dispatch_s=0.01, compute_s=0.42, cpu_wait_s=0.40, tail_s=0.02),
                  ran_on="threads of a worker host process")
PROCESSES = _record(3, "processes", 2, [0.36, 0.37, 0.39],
                    _split(pool_start_s=0.09, compute_s=0.35, cpu_wait_s=0.01, between_s=0.004, tail_s=0.006))


@pytest.fixture
def view(qtbot) -> ComparisonView:
    v = ComparisonView()
    qtbot.addWidget(v)
    v.resize(360, 460)
    return v


def test_split_records_get_one_stacked_bar_each_with_a_tooltip_per_part(view) -> None:
    records = with_speedups([SERIAL, THREADS, PROCESSES])
    view.show_records(records, "why")
    assert not view.split_box.isHidden()
    for row, r in enumerate(records):
        assert r.split is not None
        drawn = [(key, item) for i, key, item in view.parts if i == row]
        # Every non-zero part, once, in the stacking order; they tile 0..wall with no gap.
        assert [k for k, _ in drawn if k != POOL_START] == [k for k in PARTS if r.split[k] > 0]
        x = 0.0
        for key, item in drawn:
            rect = item.rect()
            if key == POOL_START:  # before the clock started: left of zero
                assert rect.right() == pytest.approx(0.0) and rect.width() == pytest.approx(r.split[key])
                continue
            assert rect.left() == pytest.approx(x) and rect.width() == pytest.approx(r.split[key])
            assert row - 0.5 < rect.top() < rect.bottom() < row + 0.5  # inside its own row
            x = rect.right()
            tip = item.toolTip()
            assert tip.startswith(LABELS[key]) and DESCRIPTIONS[key] in tip
            assert item.brush().color() == QColor(PART_COLORS[key])
    assert any(key == POOL_START for _, key, _ in view.parts)  # the cold processes pool shows its start
    ticks = view.split_plot.getAxis("left")._tickLevels[0]
    assert [t for _, t in ticks] == ["serial", "threads ×2", "processes ×2"]


def test_the_legend_sits_outside_the_plot_and_lists_only_the_parts_drawn(view) -> None:
    view.show_records([SERIAL], "")
    shown = [k for k, label in view.legend.items() if not label.isHidden()]
    assert shown == ["compute_s", "cpu_wait_s", "between_s"]
    for key in shown:
        label = view.legend[key]
        assert LABELS[key] in label.text() and label.toolTip() == DESCRIPTIONS[key]
        assert not view.split_chart.isAncestorOf(label)  # a widget below the plot: it covers no bar


def test_runs_without_a_split_hide_the_section(view) -> None:
    view.show_records([_record(1, "serial", 1, [0.5])], "")
    assert view.split_box.isHidden() and view.parts == []
    view.show_records([], "")
    assert view.split_box.isHidden() and view.verdict.isHidden()


def test_repeated_runs_get_a_whisker_from_fastest_to_slowest_and_a_spread_label(view) -> None:
    records = with_speedups([SERIAL, THREADS, PROCESSES])
    view.show_records(records, "")
    w = view.whiskers
    assert w is not None
    assert list(w.opts["x"]) == [0, 1, 2]
    for i, r in enumerate(records):
        assert w.opts["y"][i] + w.opts["top"][i] == pytest.approx(max(r.samples_wall_s))
        assert w.opts["y"][i] - w.opts["bottom"][i] == pytest.approx(min(r.samples_wall_s))
    assert wall_label(records[2]) == "0.37 s ±4%"
    texts = [item.textItem.toPlainText() for item in view._items if hasattr(item, "textItem")]
    assert any(t.startswith("0.37 s ±4%") for t in texts)
    # The label sits on top of the whisker, not inside it.
    label = next(item for item in view._items if hasattr(item, "textItem") and "0.66 s" in item.textItem.toPlainText())
    assert label.pos().y() == pytest.approx(0.70)


def test_a_single_sample_has_no_whisker_and_no_spread(view) -> None:
    one = _record(1, "serial", 1, [0.5])
    view.show_records([one], "")
    assert view.whiskers is None and wall_label(one) == "0.50 s"


def test_the_verdict_line_is_plain_when_clear_and_amber_when_too_close(view) -> None:
    clear = with_speedups([SERIAL, PROCESSES])
    view.show_records(clear, "")
    assert view.verdict.text() == "Clear winner: processes ×2." and not view.verdict.isHidden()
    assert view.verdict.styleSheet() == "" and view.verdict.font().bold()
    assert view.verdict.toolTip() == verdict(clear).sentence()  # the long form, with the rule

    close = with_speedups([SERIAL, _record(3, "processes", 2, [0.67, 0.70, 0.64])])
    view.show_records(close, "")
    assert view.verdict.text().startswith("Too close to call: ")
    assert "color:" in view.verdict.styleSheet() and not view.verdict.font().bold()
    assert verdict_line(verdict(close)) == view.verdict.text()


def test_a_busy_machine_gets_no_verdict_and_the_line_says_why(view) -> None:
    """Every mode finished, but other programs used a core: the headline must not say "Only serial finished"."""
    from dataclasses import replace

    busy = with_speedups([replace(r, other_load_cores=1.0) for r in (SERIAL, THREADS, PROCESSES)])
    view.show_records(busy, "")
    assert view.verdict.text() == "No verdict: other programs used up to 1.0 cores during these runs."
    assert view.verdict.toolTip() == verdict(busy).sentence() and "quiet machine" in view.verdict.toolTip()


def test_the_dark_theme_redraws_whiskers_and_outlines_in_its_colours(view) -> None:
    view.show_records(with_speedups([SERIAL, THREADS, PROCESSES]), "")
    QApplication.instance().setPalette(dark_palette())  # the conftest resets the theme afterwards
    QApplication.processEvents()
    bg = view.palette().color(view.palette().ColorRole.Base)
    assert is_dark(bg)
    assert view.whiskers is not None and contrast(view.whiskers.opts["pen"].color(), bg) >= 7
    assert view.parts and all(item.pen().color() == bg for _, _, item in view.parts)


# The offscreen plugin cannot raise the tooltip's window, and says so; the tooltip itself works.
@pytest.mark.qt_log_ignore(r"^This plugin does not support raise\(\)$")
def test_hovering_a_part_shows_its_tooltip(view, qtbot) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QToolTip

    view.show_records(with_speedups([SERIAL, THREADS]), "")
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()  # the plot's ranges settle once it is laid out
    row, key, item = next(p for p in view.parts if p[:2] == (1, "cpu_wait_s"))  # the threads' wide one
    chart = view.split_chart
    at = chart.mapFromScene(item.mapToScene(item.rect().center()))
    QApplication.sendEvent(chart.viewport(), QHelpEvent(QEvent.Type.ToolTip, at,
                                                        chart.viewport().mapToGlobal(at)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=2000)
    assert QToolTip.text() == item.toolTip()
    assert QToolTip.text().startswith("in task, off CPU: 400.0 ms per worker, 47% of the wall time.")
    QToolTip.hideText()


def _drawn_tick_texts(view: ComparisonView) -> list[str]:
    """The bar names pyqtgraph really draws under the bars (it drops one that reaches past the axis)."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = view.plot.getAxis("bottom").generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in texts]


@pytest.mark.parametrize("width", [240, 360, 700])
def test_every_bar_is_named_however_narrow_the_card(view, qtbot, width) -> None:
    view.resize(width, 460)
    view.show_records(with_speedups([SERIAL, THREADS, PROCESSES]), "")
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()  # the plot's size settles once it is laid out
    drawn = _drawn_tick_texts(view)
    assert [t.replace("\n", " ") for t in drawn] == ["serial", "threads ×2", "processes ×2"]
    if width >= 360:
        assert all("\n" not in t for t in drawn)  # on one line where there is room
    left, right = view.plot.getAxis("bottom").range
    assert left <= -0.6 and right >= 2.6  # never less room than before around the bars


def test_a_chart_too_short_for_its_axis_title_drops_it_rather_than_cut_it(view, qtbot) -> None:
    view.show()
    qtbot.waitExposed(view)
    chart = view.chart
    chart.setFixedHeight(70)  # a view box shorter than the title is long, as at 1366×768
    qtbot.waitUntil(lambda: not view.axis_title_shown, timeout=2000)
    assert not view.plot.getAxis("left").label.isVisible()
    chart.setFixedHeight(400)
    qtbot.waitUntil(lambda: view.axis_title_shown, timeout=2000)
    assert view.plot.getAxis("left").label.isVisible()


@pytest.mark.parametrize("width", [360, 480])  # 360: the card at 1366 × 768
def test_seven_bars_across_two_pythons_never_run_into_each_other(view, qtbot, width) -> None:
    from dataclasses import replace

    from PySide6.QtGui import QFontMetrics

    here = {"version": "3.11.7", "executable": "/a/python3", "free_threaded": False, "gil_enabled": True}
    there = {**here, "version": "3.13.0", "executable": "/b/python3"}
    interp = replace(PROCESSES, run_id=7, mode="interpreters", ran_on="subinterpreters of a worker host process")
    runs = [replace(r, python=here) for r in (SERIAL, THREADS, PROCESSES)]
    runs += [replace(r, run_id=r.run_id + 3, python=there) for r in (SERIAL, THREADS, PROCESSES)]
    view.resize(width, 460)
    view.show_records(with_speedups([*runs, replace(interp, python=there)]), "")
    split_rows = len([r for r in view.records if r.split])
    view.show()
    qtbot.waitExposed(view)
    QApplication.processEvents()
    drawn = _drawn_tick_texts(view)
    assert len(drawn) == 7 and drawn[0].replace("\n", " ") == "serial · 3.11"
    axis = view.plot.getAxis("bottom")
    fm = QFontMetrics(axis.style.get("tickFont") or view.chart.font())
    left, right = axis.range
    spacing = view.plot.vb.width() / (right - left)
    widths = [max(fm.horizontalAdvance(line) for line in t.split("\n")) for t in drawn]
    assert all((a + b) / 2 <= spacing for a, b in zip(widths, widths[1:])), (drawn, widths, spacing)
    # Nor do the times and speedups over the bars (the spread left to the whiskers, so "0.66 s" over "1.00×").
    import pyqtgraph as pg

    labels = [item.toPlainText() for item in view._items if isinstance(item, pg.TextItem)]
    assert len(labels) == 7 and not any("±" in text for text in labels) and view.whiskers is not None
    bold = QFontMetrics(view._bold)
    inked = [max(bold.horizontalAdvance(line) for line in text.split("\n")) for text in labels]
    assert all((a + b) / 2 <= spacing for a, b in zip(inked, inked[1:])), (labels, inked, spacing)
    # And "Where the time went" gives each of the seven a line of its own.
    line = QFontMetrics(view.split_plot.getAxis("left").style.get("tickFont") or view.font()).lineSpacing()
    assert split_rows == 7 and view.split_plot.vb.height() / split_rows >= line - 1
