"""Themes: View > Theme switches light/dark, re-styles the plots and is remembered."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from concgui.gui.main_window import MainWindow
from concgui.gui.settings import Settings
from concgui.gui.theme import contrast, is_dark, readable


def _plot_bg(plot_widget) -> QColor:
    return plot_widget.backgroundBrush().color()


def test_theme_switch_changes_the_plot_background(window) -> None:
    actions = window.theme_actions
    assert window.theme.choice == "system" and actions["system"].isChecked()
    actions["dark"].trigger()
    assert window.theme.effective == "dark"
    assert is_dark(QApplication.instance().palette().color(QPalette.ColorRole.Window))
    for pw in (window.cpu_plot.plot_widget, window.comparison.chart):
        bg = _plot_bg(pw)
        assert is_dark(bg), bg.name()
        fg = pw.getPlotItem().getAxis("left").textPen().color()
        assert contrast(fg, bg) >= 7
    legend = window.cpu_plot.plot.legend
    if legend is not None:
        assert is_dark(legend.brush().color())
    # The placeholder text on the empty chart still reads on the dark background.
    text = window.comparison.placeholder
    assert contrast(text.color, _plot_bg(window.comparison.chart)) >= 3

    actions["light"].trigger()
    assert window.theme.effective == "light"
    assert not is_dark(_plot_bg(window.cpu_plot.plot_widget))
    assert not is_dark(_plot_bg(window.comparison.chart))


def test_theme_choice_is_remembered(qtbot) -> None:
    w = MainWindow()
    qtbot.addWidget(w)
    try:
        w.theme_actions["dark"].trigger()
        assert Settings().theme == "dark"
    finally:
        w.shutdown()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    try:
        assert w2.theme.choice == "dark" and w2.theme_actions["dark"].isChecked()
        assert is_dark(_plot_bg(w2.cpu_plot.plot_widget))
    finally:
        w2.shutdown()


def test_system_follows_the_platform(window) -> None:
    window.theme_actions["dark"].trigger()
    window.theme_actions["system"].trigger()
    # The offscreen platform is light and says nothing about dark mode.
    assert window.theme.effective == "light"
    assert not is_dark(_plot_bg(window.cpu_plot.plot_widget))


def test_readable_keeps_hue_and_reaches_contrast() -> None:
    dark_bg, light_bg = QColor("#1e1f22"), QColor("#ffffff")
    green = QColor("#1d6b1d")
    out = readable(green, dark_bg)
    assert contrast(out, dark_bg) >= 3.5
    assert abs(out.hslHueF() - green.hslHueF()) < 0.02
    assert readable(green, light_bg) == green  # already fine
    assert contrast(readable("#ffff66", light_bg), light_bg) >= 3.5
