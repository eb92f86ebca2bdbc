"""What makes the main window a desktop app: remembered settings, themes, exports.

Kept out of :mod:`concgui.gui.main_window` so the window only calls two
functions: :func:`install` once it is built, :func:`save` when it closes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from concgui.gui.export_actions import ExportActions
from concgui.gui.settings import Settings, restore_window, save_window
from concgui.gui.theme import ThemeManager, add_theme_menu

if TYPE_CHECKING:
    from concgui.gui.main_window import MainWindow


def _menu(window: "MainWindow", title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        menu = action.menu()
        if menu is not None and action.text().replace("&", "") == title:
            return menu
    return None


def install(window: "MainWindow", settings: Settings | None = None) -> None:
    """Give ``window`` its settings (restored now), theme (View menu) and File menu exports.

    Sets ``window.settings``, ``window.theme`` and ``window.exports``.
    """
    s = settings if settings is not None else Settings()
    window.settings = s
    restore_window(window, s)
    window.theme = ThemeManager(window, s.theme)

    def remember_theme(choice: str) -> None:
        s.theme = choice
        s.sync()

    add_theme_menu(window, window.theme, remember_theme)
    window.exports = ExportActions(window, s)
    file_menu = _menu(window, "File")
    if file_menu is not None:
        window.exports.install(file_menu, after=getattr(window, "export_action", None))


def save(window: "MainWindow") -> None:
    """Remember the window's geometry, layout and run settings (on close)."""
    s = getattr(window, "settings", None)
    if isinstance(s, Settings):
        save_window(window, s)
