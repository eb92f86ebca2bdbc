"""Panels that must fit their words and rows where the window is small (a 1366×768 projector)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from concgui.engine.latency import LatenessStats
from concgui.gui.live_widgets import first_fitting
from concgui.gui.progress_panel import ProgressPanel


def _row_positions(qtbot, workers: int) -> tuple[set[int], set[int]]:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.resize(860, 160)
    panel.show()
    qtbot.waitExposed(panel)
    panel.prepare(workers)
    qtbot.waitUntil(lambda: len([x for x in panel.findChildren(QLabel) if x.text().startswith("worker ")]) == workers)
    names = [x for x in panel.findChildren(QLabel) if x.text().startswith("worker ")]
    qtbot.waitUntil(lambda: all(x.isVisible() for x in names))
    return {x.mapTo(panel, x.rect().topLeft()).x() for x in names}, {x.mapTo(panel, x.rect().topLeft()).y()
                                                                      for x in names}


def test_four_worker_rows_sit_in_two_columns_of_two(qtbot):
    """A Dask cluster of 2 workers × 2 threads has four rows: in one column the card, two rows tall at
    1366×768, would hide half of them behind a scroll bar."""
    xs, ys = _row_positions(qtbot, 4)
    assert len(xs) == 2 and len(ys) == 2


def test_two_worker_rows_keep_one_column_with_long_bars(qtbot):
    xs, ys = _row_positions(qtbot, 2)
    assert len(xs) == 1 and len(ys) == 2


def test_first_fitting_takes_the_longest_wording_that_fits(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    long, short = "last 10 s: p50 <b>1.0 ms</b> · p99 <b>9.9 ms</b> · max <b>60 ms</b>", "p99 <b>9.9 ms</b>"
    label.setFixedWidth(label.fontMetrics().horizontalAdvance("p99 9.9 ms") + 20)
    assert first_fitting(label, [long, short]) == short
    label.setFixedWidth(2000)
    assert first_fitting(label, [long, short]) == long


def test_the_lateness_readout_keeps_the_runs_freeze_when_narrow(qtbot, window):
    """At 1366×768 the readout's long wording was cut after '| last': a shorter one keeps the freeze's number."""
    plot = window.lateness_plot
    plot.set_last_run(LatenessStats(10, 0.5, 9.5, 61.0, 61.0))
    window.resize(2400, 1000)
    qtbot.waitUntil(lambda: "longest freeze" in plot.readout())
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: "longest freeze" not in plot.readout())
    assert "freeze" in plot.readout() and "61 ms" in plot.readout()
    assert first_fitting(plot.stats_label, [plot.readout(), ""]) == plot.readout()  # it fits, whole


def test_the_lateness_title_drops_its_aside_rather_than_be_cut(qtbot, window):
    """Beside the lesson panel at 1366 pixels the title read "Event-loop lateness (hea"."""
    from concgui.gui.lateness_plot import TITLES

    plot = window.lateness_plot
    window.resize(2400, 1000)
    qtbot.waitUntil(lambda: plot.title.text() == TITLES[0])
    plot.title.parentWidget().resize(560, plot.height())  # the plot as narrow as it is there
    qtbot.waitUntil(lambda: plot.title.text() == TITLES[-1])
    assert first_fitting(plot.title, [plot.title.text(), ""]) == plot.title.text()  # it fits, whole


def test_a_page_asks_no_more_room_than_the_screen_leaves_it(qtbot):
    from PySide6.QtCore import QSize
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    from concgui.gui.page_tabs import PageTabs

    tabs = PageTabs()
    qtbot.addWidget(tabs)
    page = QWidget()
    big = QWidget()
    big.setMinimumSize(900, 500)
    QVBoxLayout(page).addWidget(big)
    tabs.add_page(page, "big")
    holder = tabs.widget(0)
    tabs.fit(1.0)
    assert holder.minimumWidth() >= 900 and holder.minimumHeight() >= 500  # as without its scroll area
    tabs.fit(1.0, QSize(600, 700))
    assert (holder.minimumWidth(), holder.minimumHeight()) == (600, page.minimumSizeHint().height())  # it scrolls
    tabs.fit(1.5, QSize(600, 700))
    assert (holder.minimumWidth(), holder.minimumHeight()) == (0, 0)  # zoomed: it always may


def test_opening_a_lesson_keeps_the_window_on_its_screen(qtbot, window):
    # Beside the lesson panel the pages' minimums made a 1,447-pixel window on a 1366-pixel screen.
    avail = window.screen().availableGeometry()
    qtbot.waitExposed(window)
    window.open_lesson()
    qtbot.waitUntil(lambda: window.lesson_dock.isVisible())
    qtbot.waitUntil(lambda: avail.contains(window.frameGeometry()), timeout=3000)
    window.tabs.setCurrentIndex(window.tabs.count() - 1)  # a lab page, wide as any
    qtbot.waitUntil(lambda: avail.contains(window.frameGeometry()), timeout=3000)
