"""Light and dark themes, following the system by default (View > Theme).

Three choices, remembered by :class:`~concgui.gui.settings.Settings`:

- ``system``: the platform's own style and palette. When the desktop says it is
  dark (``QStyleHints.colorScheme()``, Qt 6.5+) but the platform gives no dark
  palette (plain X11, for one), concgui's dark palette stands in; it follows the
  desktop when that changes while the app runs.
- ``light`` / ``dark``: the Fusion style with concgui's palettes, the same on
  every platform.

Plots (pyqtgraph) do not follow the Qt palette by themselves: :func:`style_plot`
sets a plot's background, axes, legend and texts from a palette, and the
:class:`ThemeManager` re-styles every plot of the window on each change.

Every text keeps WCAG AA contrast (:data:`TEXT_CONTRAST`, 4.5:1) on what it is drawn
on, in both themes: a colour that means something (a red for "wrong") is made lighter
or darker, its hue kept, by :func:`readable` and its helpers (:func:`ink` for the
window, :func:`button_ink`, :func:`plot_text_color`); an :class:`InkLabel` does that for
the colours in its rich text, again whenever the theme changes.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QWidget

from concgui.gui.plot_style import axis_pen, plot_zoom

THEMES = ("system", "light", "dark")
THEME_LABELS = {"system": "&System", "light": "&Light", "dark": "&Dark"}
#: Text keeps at least this contrast ratio against what it is drawn on: WCAG AA for normal text.
TEXT_CONTRAST = 4.5
#: Text on plots keeps at least this contrast ratio (WCAG) against the plot background.
MIN_CONTRAST = TEXT_CONTRAST
#: Lines, bars and marks keep at least this contrast against the plot background (WCAG's non-text rule).
GRAPHIC_CONTRAST = 3.0

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup


# -- colours ------------------------------------------------------------------------------


#: The warning colour (an amber-brown), before :func:`ink`/:func:`readable` fit it to a background.
WARN_COLOR = "#8a4b00"


def luminance(c: QColor) -> float:
    """WCAG relative luminance, 0 (black) to 1 (white)."""
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio between two colours, 1 to 21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def is_dark(c: QColor) -> bool:
    return luminance(c) < 0.18


def readable(color: QColor | str, background: QColor | str, minimum: float = MIN_CONTRAST) -> QColor:
    """``color`` with its hue kept, made lighter or darker until it reads on ``background``."""
    c, bg = QColor(color), QColor(background)
    if contrast(c, bg) >= minimum:
        return c
    h, s, lightness, a = c.getHslF()
    h = max(h, 0.0)  # -1 for greys
    step = 0.04 if is_dark(bg) else -0.04
    while 0.0 <= lightness <= 1.0:
        lightness += step
        out = QColor(QColor.fromHslF(h, s, min(1.0, max(0.0, lightness)), a).name())  # 8 bits a channel,
        out.setAlphaF(a)  # as drawn and as written in a style sheet: the contrast holds for what is shown
        if contrast(out, bg) >= minimum:
            return out
    return QColor("white") if is_dark(bg) else QColor("black")


def readable_on(color: QColor | str, backgrounds: Iterable[QColor | str],
                minimum: float = TEXT_CONTRAST) -> QColor:
    """``color`` made readable on each of ``backgrounds`` (all light or all dark: a card on a window)."""
    out, bgs = QColor(color), [QColor(b) for b in backgrounds]
    for _ in range(3):
        for bg in bgs:
            out = readable(out, bg, minimum)
        if all(contrast(out, bg) >= minimum for bg in bgs):
            break
    return out


def on_fill(fill: QColor | str) -> QColor:
    """Black or white, whichever reads better on ``fill`` (text drawn on a bar)."""
    black, white = QColor("black"), QColor("white")
    return black if contrast(black, QColor(fill)) >= contrast(white, QColor(fill)) else white


def dark_palette() -> QPalette:
    """concgui's dark palette (for the Fusion style)."""
    p = QPalette()
    colors = {
        _Role.Window: "#2b2d30", _Role.WindowText: "#e6e6e6", _Role.Base: "#1e1f22",
        _Role.AlternateBase: "#26282b", _Role.ToolTipBase: "#3c3f41", _Role.ToolTipText: "#e6e6e6",
        _Role.PlaceholderText: "#8c9096", _Role.Text: "#e6e6e6", _Role.Button: "#3c3f41",
        _Role.ButtonText: "#e6e6e6", _Role.BrightText: "#ff6b6b", _Role.Light: "#55585c",
        _Role.Midlight: "#45484c", _Role.Mid: "#8c9096", _Role.Dark: "#a4a9af", _Role.Shadow: "#111214",
        _Role.Highlight: "#2f6fbd", _Role.HighlightedText: "#ffffff", _Role.Link: "#7ab7ff",
        _Role.LinkVisited: "#c39bff", _Role.Accent: "#2f6fbd",
    }
    # Mid and Dark are lighter than usual: concgui uses palette(mid) and palette(dark)
    # for secondary text, which must read on the dark window colour.
    for role, value in colors.items():
        p.setColor(role, QColor(value))
    for role in (_Role.WindowText, _Role.Text, _Role.ButtonText):
        p.setColor(_Group.Disabled, role, QColor("#7a7e84"))
    p.setColor(_Group.Disabled, _Role.Base, QColor("#26282b"))
    p.setColor(_Group.Disabled, _Role.Button, QColor("#313336"))
    p.setColor(_Group.Disabled, _Role.Highlight, QColor("#4a4d51"))
    return p


def light_palette() -> QPalette:
    """concgui's light palette (Fusion's own, with readable secondary text)."""
    from PySide6.QtWidgets import QStyleFactory

    style = QStyleFactory.create("Fusion")
    p = QPalette(style.standardPalette()) if style is not None else QPalette()
    p.setColor(_Role.Window, QColor("#f3f3f3"))
    p.setColor(_Role.Base, QColor("#ffffff"))
    p.setColor(_Role.AlternateBase, QColor("#f5f7fa"))
    p.setColor(_Role.PlaceholderText, QColor("#6e7379"))
    p.setColor(_Role.Mid, QColor("#70757b"))  # used for secondary text
    p.setColor(_Role.Dark, QColor("#5f6368"))
    return p


# -- plots ----------------------------------------------------------------------------------


def plot_colors(palette: QPalette) -> tuple[QColor, QColor]:
    """(background, foreground) for a plot drawn in ``palette``."""
    return palette.color(_Role.Base), palette.color(_Role.WindowText)


def style_plot(widget: pg.PlotWidget, palette: QPalette) -> None:
    """Background, axes, legend and texts of one plot, from ``palette``."""
    bg, fg = plot_colors(palette)
    widget.setBackground(bg)
    plot = widget.getPlotItem()
    for side in ("left", "bottom", "right", "top"):
        ax = plot.getAxis(side)
        ax.setPen(axis_pen(fg, plot_zoom(widget)))  # as wide as the zoom made it (presentation mode)
        ax.setTextPen(pg.mkPen(fg))
    legend = plot.legend
    if legend is not None:
        lb = QColor(bg)
        lb.setAlpha(200)
        legend.setBrush(pg.mkBrush(lb))
        legend.setLabelTextColor(fg)
        for _sample, label in legend.items:
            label.setText(label.text, color=fg)
    for item in plot.items + list(plot.vb.addedItems):
        # A text drawn on a bar (``drawn_on_fill``) is made readable on the bar by its owner.
        if isinstance(item, pg.TextItem) and not getattr(item, "drawn_on_fill", False):
            item.setColor(readable(item.color, bg))


def plot_widgets(root: QWidget) -> list[pg.PlotWidget]:
    return list(root.findChildren(pg.PlotWidget))


def style_plots(widgets: Iterable[pg.PlotWidget], palette: QPalette) -> None:
    for w in widgets:
        style_plot(w, palette)


# -- the application's theme ---------------------------------------------------------------


def desktop_scheme() -> str:
    """'dark' or 'light', as the desktop says; when it does not say, judged by the app palette."""
    hints = QGuiApplication.styleHints()
    scheme = hints.colorScheme() if hasattr(hints, "colorScheme") else Qt.ColorScheme.Unknown
    if scheme == Qt.ColorScheme.Dark:
        return "dark"
    if scheme == Qt.ColorScheme.Light:
        return "light"
    app = QGuiApplication.instance()
    pal = app.palette() if isinstance(app, QGuiApplication) else QPalette()
    return "dark" if is_dark(pal.color(_Role.Window)) else "light"


class ThemeManager(QObject):
    """Applies a theme choice to the application and re-styles a window's plots."""

    #: The effective scheme changed: "light" or "dark".
    changed = Signal(str)

    #: The platform's own style, captured once per application.
    _system_style: str | None = None

    def __init__(self, window: QWidget, choice: str = "system") -> None:
        super().__init__(window)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.app, self.window = app, window
        if ThemeManager._system_style is None:
            ThemeManager._system_style = app.style().name()
        self.choice = "system"
        self.effective = desktop_scheme()
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(self._on_style_hints_color_scheme_changed)
        self.set_choice(choice if choice in THEMES else "system")

    def set_choice(self, choice: str) -> None:
        if choice not in THEMES:
            raise ValueError(f"unknown theme {choice!r}; choose one of {THEMES}")
        self.choice = choice
        self.apply()

    def apply(self) -> None:
        """Make the application look as the choice says, then re-style the plots."""
        want = self.choice
        if want == "system":
            # The platform's style and palette (a default QPalette resets to it)...
            self._set_style(ThemeManager._system_style)
            self.app.setPalette(QPalette())
            want = desktop_scheme()
            # ...unless the desktop says dark and the platform has no dark palette (or the reverse).
            if (want == "dark") != is_dark(self.app.palette().color(_Role.Window)):
                self._set_style("Fusion")
                self.app.setPalette(dark_palette() if want == "dark" else light_palette())
        else:
            self._set_style("Fusion")
            self.app.setPalette(dark_palette() if want == "dark" else light_palette())
        self.effective = want
        pal = self.app.palette()
        bg, fg = plot_colors(pal)
        pg.setConfigOptions(background=bg, foreground=fg)  # for plots made from now on
        style_plots(plot_widgets(self.window), pal)
        # Style sheets that say palette(...) resolve when set: set them again.
        for w in [self.window, *self.window.findChildren(QWidget)]:
            sheet = w.styleSheet()
            if sheet and "palette(" in sheet:
                w.setStyleSheet(sheet)
        self.changed.emit(want)

    def _set_style(self, name: str | None) -> None:
        if name and self.app.style().name().lower() != name.lower():
            self.app.setStyle(name)

    @Slot()
    def _on_style_hints_color_scheme_changed(self) -> None:
        if self.choice == "system":
            self.apply()


def add_theme_menu(view: QMenu, manager: ThemeManager,
                   on_chosen: Callable[[str], None] | None = None) -> dict[str, QAction]:
    """Theme > System / Light / Dark in ``view`` (the View menu); returns the actions by theme key."""
    menu = view.addMenu("&Theme")
    group = QActionGroup(menu)
    group.setExclusive(True)
    actions: dict[str, QAction] = {}
    for key in THEMES:
        a = QAction(THEME_LABELS[key], menu)
        a.setCheckable(True)
        a.setChecked(key == manager.choice)
        a.setData(key)
        a.setToolTip("Follow the desktop's light or dark setting" if key == "system" else f"Always {key}")
        group.addAction(a)
        menu.addAction(a)
        actions[key] = a

    def chosen(action: QAction) -> None:
        key = action.data()
        manager.set_choice(key)
        if on_chosen is not None:
            on_chosen(key)

    group.triggered.connect(chosen)
    return actions


def reset_theme() -> None:
    """Give the application back the platform's style and palette (for tests)."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        if ThemeManager._system_style and app.style().name().lower() != ThemeManager._system_style.lower():
            app.setStyle(ThemeManager._system_style)
        app.setPalette(QPalette())
        pg.setConfigOptions(background="k", foreground="d")  # pyqtgraph's defaults


def app_palette() -> QPalette:
    """The application's palette now (a default one when there is no application)."""
    app = QGuiApplication.instance()
    return app.palette() if isinstance(app, QGuiApplication) else QPalette()


def plot_background() -> QColor:
    """The colour plots are drawn on now (the application palette's Base)."""
    return app_palette().color(_Role.Base)


def plot_text_color(color: QColor | str) -> QColor:
    """``color`` made readable on the current plot background (for labels drawn on plots)."""
    return readable(color, plot_background())


def text_backgrounds(palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """What text in the window sits on: the Window colour, or a card's Base."""
    pal = palette if palette is not None else app_palette()
    return pal.color(_Role.Window), pal.color(_Role.Base)


def ink(color: QColor | str, palette: QPalette | None = None) -> QColor:
    """``color`` (a red for "wrong", a green for "right") made readable as text on the window and on cards."""
    return readable_on(color, text_backgrounds(palette))


def button_ink(color: QColor | str, palette: QPalette | None = None) -> QColor:
    """``color`` made readable as a button's text."""
    pal = palette if palette is not None else app_palette()
    return readable_on(color, (pal.color(_Role.Button),))


_HTML_COLOR = re.compile(r"(?<![\w-])(color\s*:\s*)(#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b)")


def ink_html(text: str, palette: QPalette | None = None) -> str:
    """Rich text with each ``color: #rrggbb`` made readable on the window and on cards."""
    bgs = text_backgrounds(palette)
    return _HTML_COLOR.sub(lambda m: m.group(1) + readable_on(m.group(2), bgs).name(), text)


class InkLabel(QLabel):
    """A label whose rich text's colours (``style='color:#...'``) and own text colour (:meth:`set_ink`)
    read on the window and on cards, in either theme: they are worked out again at each theme change.

    :meth:`text` is the text as shown; :meth:`source_text` as given.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = ""
        self._ink: str | None = None
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._source = text
        self._render()

    def source_text(self) -> str:
        return self._source

    def set_ink(self, color: QColor | str | None) -> None:
        """The label's own text colour, made readable (None: the palette's)."""
        self._ink = None if color is None else QColor(color).name()
        self._render()

    def _render(self) -> None:
        pal = app_palette()
        super().setText(ink_html(self._source, pal))
        sheet = "" if self._ink is None else f"color: {ink(self._ink, pal).name()};"
        if self.styleSheet() != sheet:  # a style sheet changes the palette: set it only when it differs
            self.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._render()
