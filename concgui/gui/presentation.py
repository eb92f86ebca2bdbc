"""Presentation mode: how large the window draws, for a teacher projecting it (View › Presentation).

:class:`Presentation` is the state, and nothing else: a *zoom* from 1.0 to 2.0
and whether the window is *presenting* (full screen, with the readout strip).
It scales the application font itself, before it says so, so that every view
that observes :attr:`Presentation.zoom_changed` finds the new font already in
place when it re-fits its own pens, markers and fixed sizes. The window is
the one that goes full screen on :attr:`Presentation.presenting_changed`.

Nothing here runs per frame: a zoom change is a person's action, and each
view re-applies its sizes once.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Signal
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import QApplication

MIN_ZOOM, MAX_ZOOM = 1.0, 2.0
ZOOM_STEP = 0.25
#: The zoom Presentation applies when none was chosen (``--zoom``, or Zoom in before it).
PRESENT_ZOOM = 1.5
#: The presentation layout's size at zoom 1.0 (the stage: readouts, plots, comparison, progress). A screen
#: holds it at zoom min(width / 900, height / 512): 1.5 on a 1366×768 projector, 2.0 from 1800×1024.
STAGE_PX = (900, 512)


def fit_zoom(width: int, height: int) -> float:
    """The largest zoom step (1.0, 1.25, …, 2.0) at which the stage fits a ``width`` × ``height`` screen."""
    fits = min(width / STAGE_PX[0], height / STAGE_PX[1])
    return max(MIN_ZOOM, min(MAX_ZOOM, int(fits / ZOOM_STEP) * ZOOM_STEP))


def clamp_zoom(zoom: float) -> float:
    """``zoom`` within 1.0–2.0, to two decimals (a NaN is 1.0)."""
    if zoom != zoom:  # NaN
        return MIN_ZOOM
    return round(min(MAX_ZOOM, max(MIN_ZOOM, float(zoom))), 2)


def scaled(size: float, zoom: float) -> int:
    """A size in pixels (a pen's width, a marker's, a fixed widget size) at ``zoom``, at least 1."""
    return max(1, round(size * zoom))


def zoomed_font(base: QFont, zoom: float) -> QFont:
    """``base`` (a font at zoom 1.0) at ``zoom``: point size (or pixel size) times the zoom."""
    f = QFont(base)
    if base.pointSizeF() > 0:
        f.setPointSizeF(base.pointSizeF() * zoom)
    elif base.pixelSize() > 0:
        f.setPixelSize(scaled(base.pixelSize(), zoom))
    return f


class Presentation(QObject):
    """The window's zoom (1.0–2.0) and presentation mode; views observe it, the View menu drives it.

    With ``scale_app_font`` (the window's), a zoom change sets the application
    font to the one it found at 1.0 times the zoom, and delivers the font change
    to every widget before :attr:`zoom_changed` is emitted.
    """

    #: The zoom changed (1.0–2.0): fonts are scaled already; re-fit pens, markers and sizes.
    zoom_changed = Signal(float)
    #: Presentation mode was entered (True) or left (False).
    presenting_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, scale_app_font: bool = True) -> None:
        super().__init__(parent)
        self._zoom = MIN_ZOOM
        self._presenting = False
        self._scale_app_font = scale_app_font
        self._base_font: QFont | None = None  # the application font at zoom 1.0
        #: The most the screen holds (see :func:`fit_zoom`); the window sets it from its screen.
        self.max_zoom = MAX_ZOOM

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def presenting(self) -> bool:
        return self._presenting

    def fit_screen(self, width: int, height: int) -> float:
        """Never zoom past what a ``width`` × ``height`` screen holds (a zoom above it comes down to it)."""
        self.max_zoom = fit_zoom(width, height)
        if self._zoom > self.max_zoom:
            self.set_zoom(self.max_zoom)
        return self.max_zoom

    def set_zoom(self, zoom: float) -> float:
        """Draw at ``zoom`` (clamped to 1.0–2.0 and to the screen); returns the zoom now in effect."""
        zoom = min(clamp_zoom(zoom), self.max_zoom)
        if zoom != self._zoom:
            self._zoom = zoom
            self._apply_app_font()
            self.zoom_changed.emit(zoom)
        return zoom

    def zoom_in(self) -> float:
        return self.set_zoom(self._zoom + ZOOM_STEP)

    def zoom_out(self) -> float:
        return self.set_zoom(self._zoom - ZOOM_STEP)

    def actual_size(self) -> float:
        return self.set_zoom(MIN_ZOOM)

    def asked(self, zoom: float | None = None) -> float:
        """The zoom presentation mode would be entered at for ``zoom``: it, else the zoom chosen already, else 1.5
        (before the screen's limit)."""
        return zoom if zoom is not None else self._zoom if self._zoom != MIN_ZOOM else PRESENT_ZOOM

    def set_presenting(self, on: bool, zoom: float | None = None) -> None:
        """Enter presentation mode at :meth:`asked` ``(zoom)``, at most :attr:`max_zoom`, or leave it (1.0)."""
        on = bool(on)
        if on:
            self.set_zoom(self.asked(zoom))
        if on != self._presenting:
            self._presenting = on
            if not on:
                self.set_zoom(MIN_ZOOM)
            self.presenting_changed.emit(on)

    def toggle_presenting(self) -> None:
        self.set_presenting(not self._presenting)

    def restore(self) -> None:
        """Leave presentation mode and give the application its own font back (the window closes)."""
        self.set_presenting(False)
        self.set_zoom(MIN_ZOOM)

    def _apply_app_font(self) -> None:
        if not self._scale_app_font:
            return
        app = QGuiApplication.instance()
        if not isinstance(app, QGuiApplication):
            return
        if self._base_font is None:
            self._base_font = QGuiApplication.font()
        if self._zoom == MIN_ZOOM:
            QGuiApplication.setFont(self._base_font)
            self._base_font = None  # a later zoom measures the font of that moment (a theme may change it)
        else:
            QGuiApplication.setFont(zoomed_font(self._base_font, self._zoom))
        # Qt posts the change to each widget: deliver it now, so observers measure the new font.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationFontChange)
        # A widget under a style sheet keeps the font it was polished with (the window has one): set each
        # sheet again, and its widgets take the new font. Once per zoom change, never per frame.
        if isinstance(app, QApplication):
            for w in app.allWidgets():
                sheet = w.styleSheet()
                if sheet:
                    w.setStyleSheet(sheet)
