"""The readout strip: four large tiles to read from the back of a room (presentation mode).

**Speedup** (the best non-serial speedup of the comparison shown), **Cores busy**
(live), **Heartbeat** (the GUI thread's lateness now, in its colour) and
**Verdict** (:meth:`~concgui.engine.verdict.Verdict.headline`, the verdict's own
words). The window feeds it: the comparison it shows, and, from the heartbeat
job that already updates the status bar's lag readout (twice a second), the
live numbers.

Cheap by design, like every live readout of the window (see
:mod:`concgui.gui.live_widgets`): :class:`ReadoutStrip` is not a widget
subclass (Qt never calls into Python to paint or lay it out), a label's text
is set only when it changes, and the live values have fixed sizes and opaque
backgrounds, so a new value repaints that label alone.

Each tile has a stable object name (:data:`TILE_NAMES`), so a lesson can point
at one: :meth:`ReadoutStrip.set_highlighted`.
"""

from __future__ import annotations

import html
from typing import Sequence

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFont, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from concgui.engine.compare import RunRecord
from concgui.engine.verdict import verdict
from concgui.gui.heartbeat import lateness_color
from concgui.gui.theme import ink

SPEEDUP, CORES, HEARTBEAT, VERDICT = "readout-speedup", "readout-cores", "readout-heartbeat", "readout-verdict"
TILE_NAMES = (SPEEDUP, CORES, HEARTBEAT, VERDICT)
#: Shown before there is anything to show.
NONE = "—"
#: The big figures, in application fonts (the application font is zoomed already).
FIGURE_SCALE = 2.0
STYLE = ("QFrame[readout=\"tile\"] { border: 1px solid palette(midlight); border-radius: 8px;"
         " background: palette(base); }"
         " QFrame[readout=\"tile\"][highlighted=\"true\"] { border: 3px solid palette(highlight); }"
         " QLabel[readout=\"caption\"] { color: palette(dark); }")

TIPS = {
    SPEEDUP: "The best speedup of a threads, processes or other non-serial run in the comparison shown: "
             "the serial run's wall time ÷ its wall time (medians, with repeats).",
    CORES: "Cores busy now: the sum of every core's CPU % divided by 100, over the last half second.",
    HEARTBEAT: "How late the window's event loop is right now (the worst heartbeat tick of the last half "
               "second): green on time, amber a visible stutter, red sluggish.",
    VERDICT: "The verdict on the comparison shown (Help › How verdicts are called).",
}


def best_speedup(records: Sequence[RunRecord]) -> RunRecord | None:
    """The non-serial run with the highest speedup (None: none has one, e.g. no serial baseline)."""
    rated = [r for r in records if r.mode != "serial" and r.speedup is not None and r.status == "done"]
    return max(rated, key=lambda r: r.speedup or 0.0) if rated else None


def lateness_text(late_s: float) -> str:
    ms = late_s * 1000
    return f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.0f} s"


class ReadoutStrip(QObject):
    """Four tiles in :attr:`widget` (hidden until the window presents); the tiles are
    :attr:`speedup_tile`, :attr:`cores_tile`, :attr:`heartbeat_tile` and :attr:`verdict_tile`."""

    def __init__(self, cores: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.n_cores = cores
        self.widget = QWidget()
        self.widget.setObjectName("readout-strip")
        self.widget.setStyleSheet(STYLE)
        self.widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        lay = QHBoxLayout(self.widget)
        lay.setContentsMargins(0, 0, 0, 4)
        self._figure_pt = 0.0
        self._parts: dict[QLabel, tuple[str, str]] = {}  # what each value label shows: (figure, tail)
        self._late_color: str | None = None
        self.tiles: dict[str, QFrame] = {}
        self.values: dict[str, QLabel] = {}
        for name, caption, stretch in ((SPEEDUP, "Speedup", 2), (CORES, "Cores busy", 2),
                                       (HEARTBEAT, "Heartbeat", 2), (VERDICT, "Verdict", 5)):
            tile, value = self._tile(name, caption)
            lay.addWidget(tile, stretch)
            self.tiles[name], self.values[name] = tile, value
        self.speedup_tile, self.cores_tile = self.tiles[SPEEDUP], self.tiles[CORES]
        self.heartbeat_tile, self.verdict_tile = self.tiles[HEARTBEAT], self.tiles[VERDICT]
        self.speedup_value, self.cores_value = self.values[SPEEDUP], self.values[CORES]
        self.heartbeat_value, self.verdict_value = self.values[HEARTBEAT], self.values[VERDICT]
        self.verdict_value.setWordWrap(True)
        self.verdict_value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.speedup_value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.speedup_value.setMinimumWidth(1)
        self.widget.hide()
        self.set_zoom(1.0)
        self.clear()
        self.set_live(None, None)

    def _tile(self, name: str, caption: str) -> tuple[QFrame, QLabel]:
        tile = QFrame()
        tile.setObjectName(name)
        tile.setProperty("readout", "tile")
        tile.setToolTip(TIPS[name])
        cap = QLabel(caption)
        cap.setProperty("readout", "caption")
        value = QLabel()
        value.setObjectName(f"{name}-value")
        value.setTextFormat(Qt.TextFormat.RichText)
        value.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        value.setAutoFillBackground(True)  # opaque: a new value repaints this label alone
        value.setBackgroundRole(QPalette.ColorRole.Base)
        col = QVBoxLayout(tile)
        col.setContentsMargins(10, 4, 10, 6)
        col.setSpacing(0)
        col.addWidget(cap)
        col.addWidget(value, 1)
        return tile, value

    # -- what the window feeds it ----------------------------------------------------------

    @property
    def shown(self) -> bool:
        return not self.widget.isHidden()

    def set_shown(self, on: bool) -> None:
        self.widget.setVisible(on)

    def show_records(self, records: Sequence[RunRecord], names: Sequence[str] | None = None) -> None:
        """The comparison the window shows: its best speedup, and its verdict in the verdict's words."""
        records = list(records)
        if not records:
            self.clear()
            return
        best = best_speedup(records)
        self._set(self.speedup_value, (NONE, "") if best is None else (f"{best.speedup:.1f}×", f" {best.mode}"))
        self._set(self.verdict_value, ("", verdict(records, names).headline()))

    def clear(self) -> None:
        self._set(self.speedup_value, (NONE, ""))
        self._set(self.verdict_value, ("", NONE))

    def set_live(self, late_s: float | None, busy: float | None) -> None:
        """The GUI thread's lateness now (seconds) and the cores busy now (None: not measured yet)."""
        self._set(self.cores_value, (NONE, "") if busy is None else (f"{busy:.1f}", f" of {self.n_cores}"))
        self._set(self.heartbeat_value, (NONE if late_s is None else lateness_text(late_s), ""))
        color = lateness_color(late_s or 0.0)
        if color != self._late_color:
            self._late_color = color
            self._ink_heartbeat()

    def restyle(self) -> None:
        """The theme changed: the heartbeat's colour, made readable on the new tiles."""
        self._ink_heartbeat()

    def set_highlighted(self, name: str, on: bool = True) -> None:
        """Mark one tile (by its object name, :data:`TILE_NAMES`) with a thick border, for a lesson."""
        tile = self.tiles[name]
        if bool(tile.property("highlighted")) != on:
            tile.setProperty("highlighted", on)
            tile.style().unpolish(tile)
            tile.style().polish(tile)

    def highlighted(self) -> list[str]:
        return [n for n, t in self.tiles.items() if t.property("highlighted")]

    # -- sizes -----------------------------------------------------------------------------------

    def set_zoom(self, _zoom: float) -> None:
        """Re-fit to the application font (scaled already by the zoom): the figures' size, the live labels'."""
        app_font = QGuiApplication.font()
        self._figure_pt = app_font.pointSizeF() * FIGURE_SCALE if app_font.pointSizeF() > 0 else 0.0
        bold = QFont(app_font)
        bold.setBold(True)
        self.verdict_value.setFont(bold)
        digits = "8" * len(str(self.n_cores))
        for label, widest in ((self.cores_value, (f"{digits}.8", f" of {digits}")),
                              (self.heartbeat_value, ("88888 ms", ""))):
            label.setMinimumSize(0, 0)
            label.setMaximumSize(16_777_215, 16_777_215)
            label.setText(self._render(widest))
            label.setFixedSize(label.sizeHint())
        self.speedup_value.setMinimumHeight(self.cores_value.height())
        # Room for the widest speedup and mode ("88.8× interpreters"): the verdict, which wraps, yields instead.
        probe = QLabel(self._render(("88.8×", " interpreters")))
        probe.setFont(self.speedup_value.font())
        self.speedup_value.setMinimumWidth(probe.sizeHint().width())
        for label, parts in list(self._parts.items()):
            label.setText(self._render(parts))

    def _render(self, parts: tuple[str, str]) -> str:
        figure, tail = parts
        if not figure:
            return html.escape(tail)
        size = f"font-size:{self._figure_pt:.1f}pt" if self._figure_pt > 0 else "font-size:xx-large"
        return f"<b style='{size}'>{html.escape(figure)}</b>{html.escape(tail)}"

    def _set(self, label: QLabel, parts: tuple[str, str]) -> None:
        """Show (figure, tail) on ``label``: only when it differs from what it shows."""
        if self._parts.get(label) != parts:
            self._parts[label] = parts
            label.setText(self._render(parts))

    def _ink_heartbeat(self) -> None:
        if self._late_color is None:
            return
        sheet = f"color: {ink(self._late_color).name()};"
        if self.heartbeat_value.styleSheet() != sheet:
            self.heartbeat_value.setStyleSheet(sheet)

    def text_of(self, name: str) -> str:
        """What a tile's value says, as plain text (for tests and lessons)."""
        return "".join(self._parts.get(self.values[name], ("", "")))
