"""The one settings wrapper: typed accessors over ``QSettings``, kept between sessions.

Everything concgui remembers lives here, each value with its type and a
default, so no other module spells a settings key or converts a string::

    s = Settings()
    s.theme = "dark"
    s.workers          # int | None: None until a value was saved

Where the file is: an INI file in Qt's per-user config folder
(``~/.config/concgui/concgui.ini`` on Linux), or ``concgui.ini`` inside the folder
named by the ``CONCGUI_SETTINGS_DIR`` environment variable when that is set (the
tests point it at a temporary folder, so they never touch a user's settings), or
the ``path`` given to the constructor.

A value that is missing, of the wrong type or out of range reads as the
default: a hand-edited or old file can never break the window.

:func:`restore_window` and :func:`save_window` carry a main window's geometry,
layout and run settings to and from the file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from concgui.engine.repeats import MAX_REPEATS

if TYPE_CHECKING:
    from concgui.gui.controls import ControlsPanel

ENV_DIR = "CONCGUI_SETTINGS_DIR"
ORGANIZATION = "concgui"
APPLICATION = "concgui"
THEMES = ("system", "light", "dark")

T = TypeVar("T")


def settings_path() -> str | None:
    """The file named by ``CONCGUI_SETTINGS_DIR``, or None for Qt's per-user default."""
    folder = os.environ.get(ENV_DIR)
    return os.path.join(folder, "concgui.ini") if folder else None


class _Field(Generic[T]):
    """A typed, defaulted value stored under ``key``; ``convert`` returns None for a bad value."""

    def __init__(self, key: str, convert: Callable[[Any], T | None], default: T) -> None:
        self.key, self.convert, self.default = key, convert, default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: "Settings | None", owner: type) -> T:
        if obj is None:
            return self  # type: ignore[return-value]  # class access: the field itself
        raw = obj.qsettings.value(self.key)
        if raw is None:
            return self.default
        try:
            value = self.convert(raw)
        except (TypeError, ValueError, OverflowError):
            value = None
        return self.default if value is None else value

    def __set__(self, obj: "Settings", value: T) -> None:
        if value is None:
            obj.qsettings.remove(self.key)
            return
        if self.convert(value) is None:
            raise ValueError(f"bad value for setting {self.name}: {value!r}")
        obj.qsettings.setValue(self.key, QByteArray(value) if isinstance(value, bytes) else value)


def _to_int(lo: int, hi: int) -> Callable[[Any], int | None]:
    def convert(raw: Any) -> int | None:
        if isinstance(raw, bool):
            return None
        v = int(raw)
        return v if lo <= v <= hi else None
    return convert


def _to_str(choices: tuple[str, ...] | None = None) -> Callable[[Any], str | None]:
    def convert(raw: Any) -> str | None:
        if not isinstance(raw, str) or not raw:
            return None
        return raw if choices is None or raw in choices else None
    return convert


def _to_bytes(raw: Any) -> bytes | None:
    if isinstance(raw, QByteArray):
        return bytes(raw.data()) or None
    if isinstance(raw, (bytes, bytearray)):
        return bytes(raw) or None
    return None


_INT_MAX = 2**31 - 1


class Settings:
    """Typed, persistent settings. Each attribute reads its default until a value is saved."""

    geometry = _Field("window/geometry", _to_bytes, None)  # QWidget.saveGeometry()
    window_state = _Field("window/state", _to_bytes, None)  # QMainWindow.saveState()
    workload = _Field("run/workload", _to_str(), None)
    mode = _Field("run/mode", _to_str(), None)  # a GUI mode: gui-thread, threads, processes
    workers = _Field("run/workers", _to_int(1, _INT_MAX), None)
    tasks = _Field("run/tasks", _to_int(0, _INT_MAX), None)
    size = _Field("run/size", _to_int(0, _INT_MAX), None)
    start_method = _Field("run/start_method", _to_str(), None)
    python = _Field("run/python", _to_str(), None)  # another Python's executable (None: the one running concgui)
    repeats = _Field("run/repeats", _to_int(1, MAX_REPEATS), None)  # Compare and Scale: runs per mode
    function = _Field("run/function", _to_str(), None)  # "Your function…": MODULE:FUNC as typed
    function_folder = _Field("run/function_folder", _to_str(), None)  # ...and the folder it is imported from
    theme = _Field("view/theme", _to_str(THEMES), "system")
    lesson = _Field("lesson/id", _to_str(), None)  # the built-in lesson the panel showed last
    lesson_step = _Field("lesson/step", _to_int(0, 1000), None)  # ...and its step (from 0)
    export_dir = _Field("export/last_dir", _to_str(), None)  # where the last export went

    def __init__(self, path: str | None = None) -> None:
        path = path or settings_path()
        if path is not None:
            self.qsettings = QSettings(path, QSettings.Format.IniFormat)
        else:
            self.qsettings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                                       ORGANIZATION, APPLICATION)

    @property
    def file_name(self) -> str:
        return self.qsettings.fileName()

    def sync(self) -> bool:
        """Write to disk now; False if the file could not be written."""
        self.qsettings.sync()
        return self.qsettings.status() == QSettings.Status.NoError

    def clear(self) -> None:
        self.qsettings.clear()


# -- a main window's settings ---------------------------------------------------------


def save_window(window: QMainWindow, controls: "ControlsPanel", settings: Settings) -> None:
    """Remember the window's geometry and layout, and the run settings shown in ``controls``."""
    settings.geometry = bytes(window.saveGeometry().data())
    settings.window_state = bytes(window.saveState().data())
    c = controls
    settings.workload = c.workload.currentData()
    settings.mode = c.gui_mode()
    settings.workers = c.workers.value()
    settings.tasks = c.tasks.value()
    settings.size = c.size.value()
    settings.start_method = c.start_method.currentData()
    settings.python = c.python.executable()  # None: this one (nothing remembered)
    settings.repeats = c.repeats.value()
    settings.function = c.function_edit.text().strip() or None
    settings.function_folder = c.function_folder
    settings.sync()


def clamp_to_screen(window: QMainWindow) -> None:
    """Keep a restored window inside the screen it opens on: a size saved on a larger screen, or a
    position on a screen that is gone, would put buttons and charts out of reach."""
    screen = window.screen()
    if screen is None:
        return
    avail = screen.availableGeometry()
    w, h = min(window.width(), avail.width()), min(window.height(), avail.height())
    if (w, h) != (window.width(), window.height()):
        window.resize(w, h)
    x = min(max(window.x(), avail.left()), avail.right() - w + 1)
    y = min(max(window.y(), avail.top()), avail.bottom() - h + 1)
    if (x, y) != (window.x(), window.y()):
        window.move(x, y)


def restore_window(window: QMainWindow, controls: "ControlsPanel", settings: Settings) -> None:
    """Show the remembered geometry, layout and run settings (whatever of them is valid)."""
    from concgui.engine.config import RunConfig
    from concgui.engine.workloads import CATALOG, FUNCTION
    from concgui.gui.run_words import GUI_MODES

    if settings.geometry:
        window.restoreGeometry(QByteArray(settings.geometry))
        clamp_to_screen(window)
    if settings.window_state:
        window.restoreState(QByteArray(settings.window_state))
    c = controls
    if settings.repeats is not None:
        c.repeats.setValue(settings.repeats)
    workload = settings.workload
    folder = settings.function_folder
    if settings.function or (folder and os.path.isdir(folder)):  # shown, not imported: nothing runs until asked
        c.function_edit.setText(settings.function or "")
        if folder and os.path.isdir(folder):
            c.set_function_folder(folder)
    mode = settings.mode if settings.mode in dict(GUI_MODES) else c.gui_mode()
    if workload == FUNCTION.name:
        c.set_function(c.function_edit.text())
        c.mode.setCurrentIndex(c.mode.findData(mode))
        c.tasks.setValue(settings.tasks or FUNCTION.default_tasks)
        if settings.workers:
            c.workers.setValue(settings.workers)
        return
    if workload not in CATALOG:
        return  # nothing saved yet (or a workload that no longer exists): keep the defaults
    start = settings.start_method
    if c.start_method.findData(start) < 0:
        start = None
    # A processes config carries every field; apply() shows it in the chosen GUI mode.
    cfg = RunConfig(workload, "processes", settings.workers or c.workers.value(),
                    settings.tasks if settings.tasks is not None else CATALOG[workload].default_tasks,
                    settings.size, start)
    from concgui.engine.estimate import serial_seconds

    hours = serial_seconds(cfg) / 3600
    if hours > RESTORE_MAX_HOURS:
        # A typo remembered (999,999 tasks of a minute) must not wait behind the next Compare click.
        c.show_message(f"The remembered settings ({cfg.tasks:,} × {cfg.size or 0:,} {CATALOG[workload].size_unit} "
                       f"of {workload}) would run for about {hours:,.0f} hours one after the other, so the "
                       "defaults are shown instead.", error=False)
        return
    c.apply(cfg, gui_mode=mode)


#: Remembered settings that would run longer than this (serially) are not restored silently.
RESTORE_MAX_HOURS = 1.0
