"""Run-band and freeze labels never overlap: they stack on a few heights, or hide where none is free."""

from __future__ import annotations

from concgui.engine.clock import now
from concgui.gui.cpu_plot import core_color


def _visible_label_rects(widget, bands):
    """Each shown label's rectangle in the plot's pixels (the labels ignore the view's scaling)."""
    view = widget.viewportTransform()
    return [band.text.deviceTransform(view).mapRect(band.text.boundingRect())
            for band in bands.values() if band.text is not None and band.text.isVisible()]


def test_many_short_runs_label_without_overlapping(qtbot, window):
    cpu = window.cpu_plot
    t = now()
    names = ["serial", "threads", "processes"] * 4
    for i, name in enumerate(names):  # twelve 0.3 s runs side by side, as a repeated Compare makes
        cpu.mark_run_started(1000 + i, name, name, t - 6 + 0.3 * i)
        cpu.mark_run_finished(1000 + i, t - 6 + 0.3 * i + 0.28)
    cpu.refresh()
    rects = _visible_label_rects(cpu.plot_widget, cpu.runs.bands)
    assert rects, "some labels show"
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b), (a, b)


def test_adjacent_freezes_label_without_overlapping(qtbot, window):
    lat = window.lateness_plot
    rec = window.session.heartbeat.recorder
    t = now()
    for k in range(6):  # six 0.8 s freezes, 0.1 s apart: their labels are wider than the gaps
        rec.record(t - 6 + 0.9 * k, 0.8)
    lat.refresh(t)
    rects = _visible_label_rects(lat.plot_widget, lat._freezes)
    assert rects
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b), (a, b)


def test_the_cpu_plots_legend_sits_in_its_header_not_over_the_data(window):
    plot = window.cpu_plot
    assert plot.plot.legend is None  # nothing drawn over the curves
    text = plot.legend_label.text()
    assert all(f"&nbsp;{i}" in text for i in range(plot.cores))
    assert all(core_color(i, plot.cores).name() in text for i in range(plot.cores))
    assert plot.legend_label.y() < plot.plot_widget.y()  # above the plot
    assert plot.legend_label.x() > plot.title.geometry().right()  # beside the title, not over it
    assert plot.title.width() >= plot.title.fontMetrics().horizontalAdvance(plot.title.text())
