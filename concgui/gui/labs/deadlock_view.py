"""Deadlock lab, live: each phase's wait-for graph (who holds, who waits), the cycle, then the fix.

Two diagrams side by side, one per phase. Locks sit in the middle, threads on
either side; a solid arrow lock → thread means "held by", a dashed arrow
thread → lock means "waits for". When the lab's detector reports a cycle,
the broken phase's diagram freezes on that moment and draws the cycle in red,
so it stays visible after the timeouts have broken it.

A diagram's title and status are word-wrapped labels above and below the
drawing, never text painted into a fixed strip: they take the height their
text needs at the diagram's width, and the drawing gets what is left.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSpacerItem, QVBoxLayout, QWidget

from concgui.labs import deadlock
from concgui.labs.deadlock import ms_text
from concgui.gui.labs.plots import BAD, GOOD, MUTED, WARN, LiveView, ok_mark, readout_label
from concgui.gui.theme import GRAPHIC_CONTRAST, is_dark, readable

THREADS = ("thread-A", "thread-B")
LOCKS = ("L1", "L2")
HOLD_COLOR = GOOD
WAIT_COLOR = "#ef6c00"
CYCLE_COLOR = BAD
#: The nodes' fill and edge, on a light and on a dark background.
NODE_COLORS = {
    False: {"thread": "#e3f2fd", "lock": "#fff8e1", "idle": "#f5f5f5", "edge": "#546e7a"},
    True: {"thread": "#1c3247", "lock": "#3b3220", "idle": "#2a2c30", "edge": "#90a4ae"},
}
#: The least room for the drawing itself (nodes and arrows), between the title and the status.
DRAWING_MIN_W, DRAWING_MIN_H = 300, 150


def cycle_text(cycle: tuple[deadlock.WaitEdge, ...]) -> str:
    """thread-A → L2 (held by thread-B) → L1 (held by thread-A)."""
    parts = [cycle[0].thread]
    for i, e in enumerate(cycle):
        parts.append(f"{e.waits_for} (held by {cycle[(i + 1) % len(cycle)].thread})")
    return " → ".join(parts)


class PhaseState:
    """What one phase's diagram shows."""

    def __init__(self, variant: str) -> None:
        self.variant = variant
        self.started = False
        self.holder: dict[str, str] = {}  # lock -> thread
        self.waiting: dict[str, str] = {}  # thread -> lock
        self.cycle: tuple[deadlock.WaitEdge, ...] | None = None
        self.detected_ms: float | None = None
        # A transfer is done when a thread releases its *second* lock (it only had it if it got both).
        self.second = ({"thread-A": "L2", "thread-B": "L1"} if variant == deadlock.BROKEN
                       else {"thread-A": "L2", "thread-B": "L2"})
        self.done: dict[str, int] = {}
        self.gave_up_threads: set[str] = set()
        self.gave_up: list[str] = []
        self.t0 = 0.0
        self.outcome: deadlock.PhaseOutcome | None = None

    def freeze_on(self, cycle: tuple[deadlock.WaitEdge, ...]) -> None:
        self.cycle = cycle
        self.holder = {h: e.thread for e in cycle for h in e.holds}
        self.waiting = {e.thread: e.waits_for for e in cycle}


class WaitForDiagram(QWidget):
    """Draws a :class:`PhaseState`: two threads, two locks, hold and wait arrows."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.state = PhaseState(title)
        self.status_color: str | None = None  # None: the palette's text colour
        self.title_label = self._text_label(bold=True)
        self.status_label = self._text_label()
        self.title_label.setObjectName("deadlock-diagram-title")
        self.status_label.setObjectName("deadlock-diagram-status")
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.setSpacing(2)
        lay.addWidget(self.title_label)
        # Never shrunk below its size: long texts make the diagram taller (its card scrolls), not the drawing flat.
        self._drawing = QSpacerItem(DRAWING_MIN_W, DRAWING_MIN_H, QSizePolicy.Policy.MinimumExpanding,
                                    QSizePolicy.Policy.MinimumExpanding)
        lay.addItem(self._drawing)
        lay.addWidget(self.status_label)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.title = title

    @staticmethod
    def _text_label(bold: bool = False) -> QLabel:
        label = QLabel()
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Its height follows its text at its width (heightForWidth), not a guess made for another width.
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        if bold:
            f = label.font()
            f.setBold(True)
            label.setFont(f)
        return label

    @property
    def title(self) -> str:
        return self.title_label.text()

    @title.setter
    def title(self, text: str) -> None:
        self.title_label.setText(text)

    @property
    def status(self) -> str:
        return self.status_label.text()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(420, 300).expandedTo(self.layout().sizeHint())

    def set_state(self, state: PhaseState, status: str, color: str | None = None) -> None:
        self.state = state
        self.status_color = color
        self.status_label.setText(status)
        self.status_label.setVisible(bool(status))
        self._ink_labels()
        self.update()

    def _ink_labels(self) -> None:
        """The title and status in colours that read on the diagram's background. Set as a style sheet,
        not a palette: under the window's style sheet a label's own palette colour is not what it draws."""
        bg = self.background()
        for label, color in ((self.title_label, None), (self.status_label, self.status_color)):
            sheet = f"color: {self.text_on(color, bg).name()};"
            if label.styleSheet() != sheet:
                label.setStyleSheet(sheet)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._ink_labels()

    # -- colours (from the palette when painted, so that they follow the theme) -------------
    def background(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Base)

    def text_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Text)

    def line_color(self, color: str) -> QColor:
        return readable(color, self.background(), GRAPHIC_CONTRAST)

    def text_on(self, color: str | QColor | None, fill: QColor) -> QColor:
        """``color`` (None: the palette's text) readable on ``fill``."""
        return readable(self.text_color() if color is None else color, fill)

    def node_colors(self) -> dict[str, QColor]:
        return {k: QColor(v) for k, v in NODE_COLORS[is_dark(self.background())].items()}

    # -- geometry ------------------------------------------------------------------------
    def drawing_rect(self) -> QRectF:
        """Where the nodes and arrows go: between the title and the status."""
        r = QRectF(self._drawing.geometry())
        return QRectF(0, r.top(), self.width(), r.height())

    def _nodes(self) -> dict[str, QRectF]:
        area = self.drawing_rect()
        w = area.width()
        top, bottom = area.top(), area.bottom()
        mid = (top + bottom) / 2
        tw, th = min(120.0, w * 0.28), 44.0
        lw, lh = 64.0, 38.0
        return {
            "thread-A": QRectF(12, mid - th / 2, tw, th),
            "thread-B": QRectF(w - 12 - tw, mid - th / 2, tw, th),
            "L1": QRectF(w / 2 - lw / 2, top + 6, lw, lh),
            "L2": QRectF(w / 2 - lw / 2, bottom - lh - 6, lw, lh),
        }

    @staticmethod
    def _edge_point(r: QRectF, toward: QPointF) -> QPointF:
        """Where the line from ``r``'s centre to ``toward`` leaves ``r``."""
        c = r.center()
        dx, dy = toward.x() - c.x(), toward.y() - c.y()
        if dx == 0 and dy == 0:
            return c
        sx = (r.width() / 2) / abs(dx) if dx else math.inf
        sy = (r.height() / 2) / abs(dy) if dy else math.inf
        s = min(sx, sy)
        return QPointF(c.x() + dx * s, c.y() + dy * s)

    def _arrow(self, p: QPainter, a: QRectF, b: QRectF, base_color: str, dashed: bool, width: float,
               label: str, bend: float) -> None:
        color = self.line_color(base_color)
        ca, cb = a.center(), b.center()
        # A gentle curve so that a hold and a wait between the same pair do not overlap.
        mx, my = (ca.x() + cb.x()) / 2, (ca.y() + cb.y()) / 2
        nx, ny = -(cb.y() - ca.y()), cb.x() - ca.x()
        norm = math.hypot(nx, ny) or 1.0
        ctrl = QPointF(mx + nx / norm * bend, my + ny / norm * bend)
        start, end = self._edge_point(a, ctrl), self._edge_point(b, ctrl)
        path = QPainterPath(start)
        path.quadTo(ctrl, end)
        pen = QPen(color, width)
        pen.setStyle(Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(path)
        # Arrow head along the curve's last tangent.
        ang = math.atan2(end.y() - ctrl.y(), end.x() - ctrl.x())
        size = 9.0 + width
        head = QPolygonF([end, QPointF(end.x() - size * math.cos(ang - 0.4), end.y() - size * math.sin(ang - 0.4)),
                          QPointF(end.x() - size * math.cos(ang + 0.4), end.y() - size * math.sin(ang + 0.4))])
        p.setPen(QPen(color, 1))
        p.setBrush(QBrush(color))
        p.drawPolygon(head)
        if label:
            pos = path.pointAtPercent(0.5)
            f = QFont(self.font())
            f.setPointSizeF(f.pointSizeF() * 0.9)
            p.setFont(f)
            fm = p.fontMetrics()
            rect = QRectF(pos.x() - fm.horizontalAdvance(label) / 2 - 3, pos.y() - fm.height() / 2,
                          fm.horizontalAdvance(label) + 6, fm.height())
            box = self.background()
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(box.red(), box.green(), box.blue(), 225))
            p.drawRoundedRect(rect, 3, 3)
            p.setPen(self.text_on(color.darker(115) if not is_dark(box) else color, box))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)

    def paintEvent(self, event: Any) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bg = self.background()
        p.fillRect(self.rect(), bg)
        colors = self.node_colors()
        s = self.state
        f = QFont(self.font())
        f.setBold(True)
        nodes = self._nodes()
        in_cycle_holds = {(h, e.thread) for e in (s.cycle or ()) for h in e.holds}
        in_cycle_waits = {(e.thread, e.waits_for) for e in (s.cycle or ())}
        for lock, thread in sorted(s.holder.items()):
            hot = (lock, thread) in in_cycle_holds
            self._arrow(p, nodes[lock], nodes[thread], CYCLE_COLOR if hot else HOLD_COLOR, False,
                        3.0 if hot else 2.2, "held by", 18 if lock == "L1" else -18)
        for thread, lock in sorted(s.waiting.items()):
            hot = (thread, lock) in in_cycle_waits
            self._arrow(p, nodes[thread], nodes[lock], CYCLE_COLOR if hot else WAIT_COLOR, True,
                        3.0 if hot else 2.2, "waits for", 18 if lock == "L1" else -18)
        for name, r in nodes.items():
            is_thread = name.startswith("thread")
            hot = s.cycle is not None and (name in s.waiting or name in s.holder)
            border = self.line_color(CYCLE_COLOR) if hot else colors["edge"]
            fill = colors["thread"] if is_thread else colors["lock"]
            if not s.started:
                fill, border = colors["idle"], QColor(MUTED)
            p.setPen(QPen(border, 2.0))
            p.setBrush(fill)
            if is_thread:
                p.drawRoundedRect(r, 14, 14)
            else:
                p.drawRect(r)
            f.setBold(True)
            p.setFont(f)
            p.setPen(self.text_on(None, fill))
            label = name.replace("thread-", "thread ")
            if is_thread and (s.done.get(name) or name in s.gave_up_threads):
                note = "gave up" if name in s.gave_up_threads else f"{s.done[name]} done ✓"
                p.drawText(r.adjusted(0, 2, 0, -r.height() / 2), Qt.AlignmentFlag.AlignCenter, label)
                small = QFont(self.font())
                small.setPointSizeF(small.pointSizeF() * 0.9)
                p.setFont(small)
                p.setPen(self.text_on(BAD if name in s.gave_up_threads else GOOD, fill))
                p.drawText(r.adjusted(0, r.height() / 2, 0, -2), Qt.AlignmentFlag.AlignCenter, note)
            else:
                p.drawText(r, Qt.AlignmentFlag.AlignCenter, label)
        p.end()


class DeadlockView(LiveView):
    def __init__(self) -> None:
        super().__init__()
        self.broken_diagram = WaitForDiagram("1. Opposite order: A takes L1 then L2, B takes L2 then L1")
        self.fixed_diagram = WaitForDiagram("2. The fix, one global order: both take L1 before L2")
        self.readout = readout_label()
        row = QHBoxLayout()
        row.addWidget(self.broken_diagram, 1)
        row.addWidget(self.fixed_diagram, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row, 1)
        lay.addWidget(self.readout)
        self.cycle_text = ""
        self.begin(deadlock.DeadlockParams())

    def _align_titles(self) -> None:
        """Both titles as tall as the taller one, so that the two drawings sit level side by side."""
        labels = [d.title_label for d in (self.broken_diagram, self.fixed_diagram)]
        m = self.broken_diagram.layout().contentsMargins()
        h = max(label.heightForWidth(max(1, d.width() - m.left() - m.right()))
                for label, d in zip(labels, (self.broken_diagram, self.fixed_diagram)))
        for label in labels:
            if label.minimumHeight() != h:
                label.setMinimumHeight(h)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._align_titles()

    def begin(self, params: Any) -> None:
        self.params = params
        self.phases = {deadlock.BROKEN: PhaseState(deadlock.BROKEN), deadlock.FIXED: PhaseState(deadlock.FIXED)}
        self.current: str | None = None
        self.cycle_text = ""
        self.fixed_completed = False
        self.readout.setText("Each thread needs both locks. Press Run: the first run deadlocks (and recovers by "
                             "timeout); the second takes the locks in one order and cannot deadlock."
                             + ("" if params.run_fix else " (The fix is switched off.)"))
        self._refresh()

    def apply(self, events: list[Any]) -> None:
        for ev in events:
            if isinstance(ev, deadlock.PhaseStarted):
                self.current = ev.variant
                st = self.phases[ev.variant]
                st.started, st.t0 = True, ev.t
                continue
            st = self.phases.get(self.current or "")
            if st is None:
                continue
            if isinstance(ev, deadlock.DeadlockDetected):
                st.freeze_on(ev.cycle)
                self.cycle_text = cycle_text(ev.cycle)
                st.detected_ms = (ev.t - st.t0) * 1000
            elif isinstance(ev, deadlock.LockReleased) and st.second.get(ev.thread) == ev.lock:
                st.done[ev.thread] = st.done.get(ev.thread, 0) + 1
            elif isinstance(ev, deadlock.LockTimedOut):
                st.gave_up_threads.add(ev.thread)
                st.gave_up.append(f"{ev.thread} gave up waiting for {ev.lock} after "
                                  f"{ms_text((ev.t - st.t0) * 1000)} and released "
                                  f"{', '.join(ev.holding) or 'nothing'}")
            if st.cycle is not None:
                continue  # frozen on the cycle: keep it on screen
            if isinstance(ev, deadlock.LockWaiting):
                st.waiting[ev.thread] = ev.lock
            elif isinstance(ev, deadlock.LockAcquired):
                st.waiting.pop(ev.thread, None)
                st.holder[ev.lock] = ev.thread
            elif isinstance(ev, deadlock.LockTimedOut):
                st.waiting.pop(ev.thread, None)
            elif isinstance(ev, deadlock.LockReleased):
                if st.holder.get(ev.lock) == ev.thread:
                    del st.holder[ev.lock]
        self._refresh()

    def finish(self, result: Any | None) -> None:
        self.current = None
        if result is not None:
            if result.broken is not None:
                self.phases[deadlock.BROKEN].outcome = result.broken
                if result.broken.deadlock and not self.cycle_text:
                    self.phases[deadlock.BROKEN].freeze_on(result.broken.deadlock)
                    self.cycle_text = cycle_text(result.broken.deadlock)
            if result.fixed is not None:
                f = self.phases[deadlock.FIXED]
                f.outcome = result.fixed
                f.holder.clear()
                f.waiting.clear()
                self.fixed_completed = result.fixed.completed
        self._refresh()
        if result is None:
            return
        parts = []
        if self.cycle_text:
            parts.append(f"<span style='color:{BAD}'><b>Deadlock detected</b>: {self.cycle_text}</span>")
        elif result.broken is not None:
            parts.append("No deadlock was seen in the opposite-order run.")
        if result.fixed is not None:
            f = result.fixed
            parts.append(f"<span style='color:{GOOD if f.completed else WARN}'><b>Fixed</b>: "
                         + (f"both threads finished all {f.transfers} transfers in {f.wall_s:.2f} s, no timeout"
                            if f.completed else "not completed") + f"</span> {ok_mark(f.completed)}")
        if result.status.value != "done":
            parts.append(f"<b>{result.status.value}</b>")
        self.readout.setText("<br>".join(parts))

    def _refresh(self) -> None:
        b = self.phases[deadlock.BROKEN]
        if not b.started:
            bs, bc = "Not run yet.", MUTED
        elif b.cycle is not None:
            seen = f" after {ms_text(b.detected_ms)}" if b.detected_ms is not None else ""
            bs = f"DEADLOCK{seen}: " + self.cycle_text
            if b.gave_up:
                bs += "\n" + "; ".join(b.gave_up) + ": the cycle is broken."
            bc = BAD
        elif b.outcome is not None:
            bs, bc = "No deadlock this time.", None
        else:
            bs, bc = "Running…", None
        self.broken_diagram.set_state(b, bs, bc)
        f = self.phases[deadlock.FIXED]
        total = self.params.rounds * 2
        if not self.params.run_fix:
            fs, fc = "Switched off.", MUTED
        elif not f.started:
            fs, fc = "Runs after the first one.", MUTED
        elif f.outcome is not None:
            o = f.outcome
            each = f" ({self.params.rounds} per thread, 2 threads)"
            fs = (f"Completed: {o.transfers} of {total} transfers{each} in {o.wall_s:.2f} s, no timeout ✓"
                  if o.completed else f"Not completed ({o.transfers} of {total} transfers{each}).")
            fc = GOOD if o.completed else WARN
        else:
            fs, fc = f"Running… {sum(f.done.values())} of {total} transfers done", None
        self.fixed_diagram.set_state(f, fs, fc)
