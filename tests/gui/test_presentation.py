"""Presentation mode: F11, the zoom (fonts, pens, the heartbeat dot), the readout strip, ``gui --zoom``."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from concgui.engine.compare import RunRecord
from concgui.engine.repeats import spread, with_speedups
from concgui.engine.verdict import verdict
from concgui.gui.comparison_view import run_names
from concgui.gui.presentation import MAX_ZOOM, MIN_ZOOM, PRESENT_ZOOM, Presentation, clamp_zoom, fit_zoom
from concgui.gui.readout_strip import CORES, HEARTBEAT, NONE, SPEEDUP, TILE_NAMES, VERDICT

from tests.test_cli import concgui


@pytest.fixture
def app_font(qapp):
    """The application font before the test, given back after it (a zoom scales it)."""
    font = QGuiApplication.font()
    yield font
    QGuiApplication.setFont(font)


def _record(run_id: int, mode: str, workers: int, walls: list[float]) -> RunRecord:
    median = sorted(walls)[len(walls) // 2]
    return RunRecord(run_id, "cpu-python", mode, workers, 16, 300_000, "forkserver" if mode == "processes" else None,
                     1, median, median, None, None, None, "done", "d", ran_on="worker processes",
                     samples_wall_s=tuple(walls), spread=spread(walls))


def _compare() -> list[RunRecord]:
    return with_speedups([_record(1, "serial", 1, [0.66, 0.65, 0.70]),
                          _record(2, "threads", 2, [0.85, 0.83, 0.86]),
                          _record(3, "processes", 2, [0.36, 0.37, 0.39])])


def _press_f11(qtbot, window) -> None:
    with qtbot.waitSignal(window.presentation.presenting_changed, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_F11)


def test_f11_toggles_presenting_and_full_screen(qtbot, window, app_font):
    assert not window.presentation.presenting and not window.isFullScreen()
    _press_f11(qtbot, window)
    assert window.presentation.presenting and window.presentation_action.isChecked()
    qtbot.waitUntil(window.isFullScreen, timeout=3000)
    size = window.screen().geometry().size()
    assert window.presentation.zoom == min(PRESENT_ZOOM, fit_zoom(size.width(), size.height()))
    _press_f11(qtbot, window)
    assert not window.presentation.presenting and not window.presentation_action.isChecked()
    qtbot.waitUntil(lambda: not window.isFullScreen(), timeout=3000)
    assert window.presentation.zoom == MIN_ZOOM
    assert QGuiApplication.font().pointSizeF() == pytest.approx(app_font.pointSizeF())


def test_the_zoom_never_outgrows_the_screen_and_says_so(window):
    assert fit_zoom(1366, 768) == 1.5  # the projector the issue names
    assert fit_zoom(1920, 1080) == 2.0
    assert fit_zoom(1280, 720) == 1.25
    assert fit_zoom(800, 600) == 1.0
    size = window.screen().geometry().size()
    most = fit_zoom(size.width(), size.height())
    window.present(True, 2.0)
    assert window.presentation.zoom == most
    if most < 2.0:
        assert f"Zoom 2× would not fit this {size.width()}×{size.height()} screen" in \
            window.statusBar().currentMessage()
    assert not window.zoom_in_action.isEnabled() or most > window.presentation.zoom
    window.present(False)


def test_presenting_leaves_the_stage_to_the_plots(window):
    window.present(True, 1.25)
    assert not window.settings_scroll.isVisible() and not window.results_card.isVisible()
    assert not window.progress._rows_scroll.isVisible()
    window.settings_action.trigger()  # F9: the settings come back on request
    assert window.settings_scroll.isVisible()
    window.present(False)
    assert window.settings_scroll.isVisible() and window.results_card.isVisible()


def test_the_shortcuts_are_listed(window):
    keys = dict(window.shortcuts())
    assert keys["F11"] == "Presentation"
    assert keys["Ctrl+="] == "Zoom in" and keys["Ctrl+-"] == "Zoom out" and keys["Ctrl+0"] == "Actual size"


def test_zoom_scales_the_font_a_plot_pen_and_the_heartbeat_dot(qtbot, window, app_font):
    base_pt = QGuiApplication.font().pointSizeF()
    pen_w = window.cpu_plot.curves[0].opts["pen"].width()
    lag_w = window.lateness_plot.curve.opts["pen"].width()
    dot = window.heartbeat_dot.diameter
    label_pt = window.controls.run_button.font().pointSizeF()
    window.zoom_in_action.trigger()
    with qtbot.waitSignal(window.presentation.zoom_changed) as sig:
        window.zoom_in_action.trigger()
    assert sig.args == [1.5]
    assert QGuiApplication.font().pointSizeF() == pytest.approx(base_pt * 1.5)
    assert window.controls.run_button.font().pointSizeF() == pytest.approx(label_pt * 1.5)  # under a style sheet
    assert window.cpu_plot.curves[0].opts["pen"].width() == round(pen_w * 1.5)
    assert window.lateness_plot.curve.opts["pen"].width() == round(lag_w * 1.5) > lag_w
    assert window.heartbeat_dot.diameter == round(dot * 1.5)
    assert window.heartbeat_dot.label.width() == round(dot * 1.5)
    tick_font = window.cpu_plot.plot.getAxis("left").style["tickFont"]
    assert tick_font is not None and tick_font.pointSizeF() == pytest.approx(base_pt * 1.5)
    assert not window.presentation.presenting  # zooming alone does not go full screen
    window.actual_size_action.trigger()
    assert QGuiApplication.font().pointSizeF() == pytest.approx(base_pt)
    assert window.cpu_plot.curves[0].opts["pen"].width() == pen_w
    assert window.heartbeat_dot.diameter == dot


def test_a_theme_change_keeps_the_zoomed_axis_pens(window, app_font):
    window.presentation.set_zoom(2.0)
    window.theme.set_choice("dark")
    assert window.cpu_plot.plot.getAxis("bottom").pen().width() == 2


def test_zoom_is_clamped_and_stepped(window, app_font):
    p = window.presentation
    assert p.set_zoom(3.0) == MAX_ZOOM and p.zoom == MAX_ZOOM
    assert not window.zoom_in_action.isEnabled()
    assert p.zoom_in() == MAX_ZOOM
    assert p.zoom_out() == 1.75
    assert p.set_zoom(0.2) == MIN_ZOOM and not window.zoom_out_action.isEnabled()
    assert p.zoom_out() == MIN_ZOOM
    assert clamp_zoom(float("nan")) == MIN_ZOOM and clamp_zoom(1.333) == 1.33


def test_presenting_at_a_given_zoom_and_back(qapp, app_font):
    p = Presentation(scale_app_font=False)
    seen: list = []
    p.zoom_changed.connect(lambda z: seen.append(("zoom", z)))
    p.presenting_changed.connect(lambda on: seen.append(("presenting", on)))
    p.set_presenting(True, 1.75)
    p.set_presenting(True)  # already: nothing new
    p.set_presenting(False)
    assert seen == [("zoom", 1.75), ("presenting", True), ("zoom", 1.0), ("presenting", False)]
    assert QGuiApplication.font() == app_font  # not asked to scale it


def test_the_strip_shows_only_while_presenting(qtbot, window, app_font):
    strip = window.readout
    assert not strip.widget.isVisible()
    window.presentation.set_presenting(True)
    qtbot.waitUntil(strip.widget.isVisible, timeout=2000)
    assert [t.objectName() for t in (strip.speedup_tile, strip.cores_tile, strip.heartbeat_tile,
                                     strip.verdict_tile)] == list(TILE_NAMES)
    assert window.findChild(type(strip.speedup_tile), "readout-speedup") is strip.speedup_tile
    window.presentation.set_presenting(False)
    assert not strip.widget.isVisible()


def test_the_strip_shows_the_comparisons_speedup_and_verdict(qtbot, window, app_font):
    strip = window.readout
    assert strip.text_of(SPEEDUP) == NONE and strip.text_of(VERDICT) == NONE
    records = _compare()
    window.show_comparison(records)
    best = max(r.speedup for r in records if r.mode != "serial")
    assert strip.text_of(SPEEDUP) == f"{best:.1f}× processes" == "1.8× processes"
    assert strip.text_of(VERDICT) == verdict(records, run_names(records)).headline()
    assert "processes" in strip.text_of(VERDICT)


def test_the_live_tiles_follow_the_heartbeat_and_the_sampler(qtbot, window, app_font):
    strip = window.readout
    window.presentation.set_presenting(True)
    qtbot.waitUntil(lambda: strip.text_of(CORES).endswith(f" of {window.info.logical_cores}")
                    and strip.text_of(HEARTBEAT).endswith(" ms"), timeout=5000)
    set_texts: list[str] = []
    original = strip.heartbeat_value.setText
    strip.heartbeat_value.setText = lambda text: (set_texts.append(text), original(text))
    strip.set_live(0.012, 1.0)
    strip.set_live(0.012, 1.0)  # the same numbers: the label is not touched again
    assert len(set_texts) == 1 and strip.text_of(HEARTBEAT) == "12 ms" and strip.text_of(CORES) == f"1.0 of " \
        f"{window.info.logical_cores}"
    strip.set_live(0.5, 1.0)
    assert "color:" in strip.heartbeat_value.styleSheet()


def test_a_tile_can_be_highlighted(window):
    strip = window.readout
    strip.set_highlighted(SPEEDUP)
    assert strip.highlighted() == [SPEEDUP]
    strip.set_highlighted(SPEEDUP, False)
    assert strip.highlighted() == []


@pytest.mark.parametrize("value", ["3", "x", "0.5", "nan"])
def test_cli_bad_zoom_exits_2_with_one_line(value: str) -> None:
    p = concgui("gui", "--zoom", value, timeout=30)
    assert p.returncode == 2, f"exit {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("concgui: error: --zoom"), p.stderr


def test_cli_zoom_is_checked_before_qt_is_imported(monkeypatch) -> None:
    import sys

    from concgui import cli

    monkeypatch.delitem(sys.modules, "concgui.gui.app", raising=False)
    assert cli.main(["gui", "--zoom", "2.5"]) == 2
    assert "concgui.gui.app" not in sys.modules


def test_app_opens_presenting_at_the_zoom_given(monkeypatch, app_font) -> None:
    from concgui.gui import app as gui_app

    shown: list = []

    class Args:
        scenario = None
        zoom = 1.75

    real = gui_app.MainWindow

    def spy():
        w = real()
        shown.append(w)
        return w

    monkeypatch.setattr(gui_app, "MainWindow", spy)
    monkeypatch.setattr(gui_app.QApplication, "exec", lambda self: 0)
    assert gui_app.main(Args()) == 0
    w = shown[0]
    assert w.presentation.zoom == MIN_ZOOM  # shut down: the font given back
    assert QGuiApplication.font().pointSizeF() == pytest.approx(app_font.pointSizeF())
