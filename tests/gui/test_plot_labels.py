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


def _small(qtbot, window):
    """The window as a 1366×768 screen gives it."""
    window.resize(1284, 706)
    qtbot.waitUntil(lambda: window.width() <= 1300)
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()


def test_freeze_labels_keep_clear_of_the_threshold_labels_and_inside_the_plot(qtbot, window):
    _small(qtbot, window)
    lat = window.lateness_plot
    rec = window.session.heartbeat.recorder
    t = now()
    left = lat.plot.vb.viewRange()[0][0]
    for k in range(3):  # freezes at the left edge, where "1 frame" and "sluggish" are written
        rec.record(t + left + 1.2 + 1.2 * k, 1.0)
    lat.refresh(t)
    lat.plot_widget.grab()  # painted: the threshold labels follow the new range when painted
    view = lat.plot_widget.viewportTransform()
    marks = [item.deviceTransform(view).mapRect(item.boundingRect()) for item in lat._threshold_labels
             if item.isVisible()]
    assert marks, "at least one threshold is named"
    assert not any(a.intersects(b) for i, a in enumerate(marks) for b in marks[i + 1:]), marks
    rects = _visible_label_rects(lat.plot_widget, lat._freezes)
    assert rects, "a label shows"
    plot_rect = lat.plot.vb.mapRectToScene(lat.plot.vb.boundingRect())
    for r in rects:
        assert not any(r.intersects(m) for m in marks), (r, marks)
        assert r.left() >= plot_rect.left() - 1 and r.right() <= plot_rect.right() + 1, (r, plot_rect)


def test_a_run_label_at_the_left_edge_is_moved_inside_the_plot(qtbot, window):
    _small(qtbot, window)
    cpu = window.cpu_plot
    t = now()
    left = cpu.plot.vb.viewRange()[0][0]  # the band starts before the plot's left edge
    cpu.mark_run_started(2000, "processes + signal flood", "flood", t + left - 0.5)
    cpu.mark_run_finished(2000, t + left + 0.4)
    cpu.refresh()
    (r,) = _visible_label_rects(cpu.plot_widget, {k: b for k, b in cpu.runs.bands.items() if k == 2000})
    plot_rect = cpu.plot.vb.mapRectToScene(cpu.plot.vb.boundingRect())
    assert r.left() >= plot_rect.left() - 1


def test_plot_headers_fit_a_small_screen_without_overlap(qtbot, window):
    _small(qtbot, window)
    cpu, tl = window.cpu_plot, window.timeline
    tl.share_label.setText("last run (processes × 2): <b style='font-size:large'>1.81</b> cores together")
    tl._fit_header()
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    assert cpu.legend_label.geometry().right() < cpu.busy_label.x()
    assert cpu.busy_label.geometry().right() < cpu.tree_label.x()
    assert cpu.tree_label.geometry().right() <= cpu.width()
    assert tl.title.width() >= tl.title.fontMetrics().horizontalAdvance(tl.title.text())
    shown = [w for w in (tl.title, tl.legend, tl.share_label) if w.isVisible()]
    for a, b in zip(shown, shown[1:]):
        assert a.geometry().right() < b.x(), (a.geometry(), b.geometry())
    if tl.legend.isVisible():  # whole, or not at all
        assert tl.legend.width() >= tl.legend.sizeHint().width()
