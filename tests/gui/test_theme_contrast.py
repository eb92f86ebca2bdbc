"""Every text reads in both themes (WCAG AA: a contrast ratio of at least 4.5:1), and the lab plots follow the
theme, also when it changes while the window is open."""

from __future__ import annotations

import re

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QPushButton

from concgui.gui.labs.plots import BAD, GOOD, MUTED, PALETTE, WARN, LabPlot
from concgui.gui.responsiveness_lab import MARK_COLORS, WRONG_COLOR
from concgui.gui.theme import GRAPHIC_CONTRAST, TEXT_CONTRAST, contrast, is_dark

R = QPalette.ColorRole
LABS = ("race", "semaphore", "condition", "deadlock", "ipc", "subclass")
HEX = re.compile(r"(?<![\w-])color\s*:\s*(#[0-9a-fA-F]{6})")


def wcag_ratio(fg: QColor, bg: QColor) -> float:
    """The WCAG contrast ratio, from the relative luminance formula (written out here, not the app's)."""
    def lum(c: QColor) -> float:
        def ch(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c.red()) + 0.7152 * ch(c.green()) + 0.0722 * ch(c.blue())
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def lab_plots(window) -> dict[str, list[LabPlot]]:
    return {name: window.labs.page(name).findChildren(LabPlot) for name in LABS}


def colors_in(html: str) -> list[QColor]:
    return [QColor(c) for c in HEX.findall(html)]


def contrast_pairs(window) -> dict[str, float]:
    """Every (text, background) pair checked, by name, with its contrast ratio."""
    pal = window.palette()
    window_bg, base, button = pal.color(R.Window), pal.color(R.Base), pal.color(R.Button)
    pairs = {
        "WindowText on Window": wcag_ratio(pal.color(R.WindowText), window_bg),
        "Text on Base": wcag_ratio(pal.color(R.Text), base),
        "ButtonText on Button": wcag_ratio(pal.color(R.ButtonText), button),
    }
    for lab, plots in lab_plots(window).items():
        for i, w in enumerate(plots):
            bg = w.backgroundBrush().color()
            p = w.getPlotItem()
            where = f"{lab} plot {i}"
            pairs[f"{where}: text"] = wcag_ratio(w.text_color, bg)
            pairs[f"{where}: title"] = wcag_ratio(QColor(p.titleLabel.opts["color"]), bg)
            for side in ("left", "bottom"):
                ax = p.getAxis(side)
                pairs[f"{where}: {side} ticks"] = wcag_ratio(ax.textPen().color(), bg)
                if ax.labelText:
                    pairs[f"{where}: {side} label"] = wcag_ratio(QColor(ax.labelStyle["color"]), bg)
            for line, _color in w.limit_lines:
                pairs[f"{where}: limit label"] = wcag_ratio(line.label.color, bg)
            for item in p.items:
                if isinstance(item, pg.TextItem) and not getattr(item, "drawn_on_fill", False):
                    pairs[f"{where}: text item {item.toPlainText()!r}"] = wcag_ratio(item.color, bg)
            if p.legend is not None:
                pairs[f"{where}: legend"] = wcag_ratio(QColor(p.legend.opts["labelTextColor"]), bg)
    # The readouts under the plots: the lab's colours of meaning, and the series' colours as text.
    page = window.labs.page("ipc")
    for c in colors_in(page.view.readout.text()):
        for bg_name, bg in (("Window", window_bg), ("Base", base)):
            pairs[f"readout {c.name()} on {bg_name}"] = wcag_ratio(c, bg)
    # The deadlock diagram: its texts on its background and on its nodes.
    diagram = window.labs.page("deadlock").view.broken_diagram
    dbg = diagram.background()
    for name, c in (("text", None), ("good", GOOD), ("bad", BAD), ("warn", WARN), ("muted", MUTED)):
        pairs[f"deadlock {name}"] = wcag_ratio(diagram.text_on(c, dbg), dbg)
    for node, fill in diagram.node_colors().items():
        if node != "edge":
            pairs[f"deadlock text on {node} node"] = wcag_ratio(diagram.text_on(None, fill), fill)
            pairs[f"deadlock bad on {node} node"] = wcag_ratio(diagram.text_on(BAD, fill), fill)
    # The lab page's status line, in each of its colours.
    status = window.labs.page("race").status
    for c in (BAD, WARN, GOOD):
        status.set_ink(c)
        pairs[f"lab status {c}"] = wcag_ratio(status.palette().color(R.WindowText), window_bg)
    status.set_ink(None)
    # The code's highlighting.
    source = window.labs.page("race").source
    for c in source.highlighter.colors:
        pairs[f"code {c.name()}"] = wcag_ratio(c, source.palette().color(R.Base))
    # Responsiveness lab: the wrong-way and right-way buttons' texts on the button, and the result lines.
    for b in window.responsiveness.findChildren(QPushButton):
        for c in colors_in(b.styleSheet()):
            pairs[f"button {b.text()!r}"] = wcag_ratio(c, button)
    # The lateness readout and the status bar's GUI lag, in each colour lateness can take.
    for label in (window.lateness_plot.stats_label, window.lag_label):
        for c in colors_in(label.text()):
            pairs[f"lateness readout {c.name()} on Window"] = wcag_ratio(c, window_bg)
    pair = window.responsiveness.p_gui
    for c in colors_in(pair.results.text()):
        for bg_name, bg in (("Window", window_bg), ("Base", base)):
            pairs[f"result line {c.name()} on {bg_name}"] = wcag_ratio(c, bg)
    # The notes over plots that stand still during a run (the GIL pace), and the CPU sketch's note.
    for note in (window.timeline._paused_note, window.lateness_plot._paused_note):
        note.set_shown(True)
        for c in colors_in(note.label.styleSheet()):
            pairs[f"paused note {c.name()} on Window"] = wcag_ratio(c, window_bg)
        note.set_shown(False)
    sketch = window.cpu_plot.sketch
    sketch.show()
    pairs["CPU sketch note on Base"] = wcag_ratio(sketch.note_color, base)
    sketch.hide()
    return pairs


def fill_texts(window) -> None:
    """Put every kind of coloured text on screen: result lines, readouts in the series' colours."""
    pair = window.responsiveness.p_gui
    for mark in (*MARK_COLORS, "✗"):
        pair.show_result(f"tag {mark}", mark, "measured", "numbers")
    spans = " ".join(f"<span style='color:{c}'>x</span>" for c in (GOOD, BAD, WARN, MUTED, *PALETTE))
    window.labs.page("ipc").view.readout.setText(spans)
    from concgui.gui.heartbeat import lateness_color

    lateness = " ".join(f"<b style='color:{lateness_color(s)}'>x</b>" for s in (0.005, 0.05, 0.5))
    window.lateness_plot.stats_label.setText(lateness)
    window.lag_label.setText(lateness)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_reaches_wcag_aa(window, theme) -> None:
    fill_texts(window)  # in the theme the window started in: the texts must follow the switch
    window.theme_actions[theme].trigger()
    assert window.theme.effective == theme
    pairs = contrast_pairs(window)
    assert len(pairs) > 100
    assert any(k.startswith("button ") for k in pairs) and any(k.startswith("result line") for k in pairs)
    low = {k: round(v, 2) for k, v in pairs.items() if v < TEXT_CONTRAST}
    assert not low, f"below {TEXT_CONTRAST}:1 in the {theme} theme: {low}"
    # The app's own formula agrees with the one written out here.
    pal = window.palette()
    assert contrast(pal.color(R.Text), pal.color(R.Base)) == pytest.approx(pairs["Text on Base"])


def test_the_wrong_and_right_ways_stay_red_and_green(window) -> None:
    for theme in ("light", "dark"):
        window.theme_actions[theme].trigger()
        wrong, right = window.responsiveness._buttons[0], window.responsiveness._buttons[1]
        (red,), (green,) = colors_in(wrong.styleSheet()), colors_in(right.styleSheet())
        assert red.hslHueF() < 0.05 or red.hslHueF() > 0.95, red.name()
        assert 0.25 < green.hslHueF() < 0.45, green.name()
    assert colors_in(window.responsiveness._buttons[0].styleSheet())[0] != QColor(WRONG_COLOR)  # lightened


def test_lab_plots_follow_the_theme_while_the_window_is_open(window) -> None:
    window.labs.page("race")  # built before the switch
    window.theme_actions["dark"].trigger()
    window.labs.page("semaphore")  # built after it
    base = window.palette().color(R.Base)
    assert is_dark(base)
    for lab, plots in lab_plots(window).items():
        assert plots or lab == "deadlock", lab  # the deadlock lab draws its diagrams itself
        for w in plots:
            assert w.backgroundBrush().color() == base, (lab, w.backgroundBrush().color().name())
            for item in w.getPlotItem().listDataItems():  # the series' lines stand out from it
                if not isinstance(item, pg.PlotDataItem):
                    continue  # bars: edged in the background colour on purpose
                c = pg.mkPen(item.opts["pen"]).color()
                assert contrast(c, base) >= GRAPHIC_CONTRAST, (lab, c.name())
    assert window.labs.page("deadlock").view.broken_diagram.background() == base

    window.theme_actions["light"].trigger()
    base = window.palette().color(R.Base)
    assert not is_dark(base)
    for plots in lab_plots(window).values():
        for w in plots:
            assert w.backgroundBrush().color() == base

