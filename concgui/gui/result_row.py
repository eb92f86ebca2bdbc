"""One run of the session as the window keeps it: the engine's record, and what the window saw.

Qt-free and frozen. A row is made when its run ends (:meth:`UiStats` without
lateness yet) and replaced by :meth:`ResultRow.measured` once the heartbeat
ticks that waited during the run have been counted; nothing is mutated in
place, so a view that holds a row never sees it change under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from concgui.engine.compare import RunRecord
from concgui.engine.latency import LatenessStats


def _lateness(ui: "UiStats", name: str) -> Any:
    return None if ui.lateness is None else getattr(ui.lateness, name)


@dataclass(frozen=True)
class UiStats:
    """The window's own facts about a run: how it was run, and how the event loop fared meanwhile.

    ``kind`` is the :class:`~concgui.scenarios.StepKind`'s word; ``workers``
    what one worker was ("QThread", "thread", "process", "none"); ``signals``
    how many progress signals the run sent the GUI thread. A flood adds its
    ``peak_backlog`` of queued signals; a flood and its coalesced twin add
    ``drain_ms``, how long after the work ended the GUI thread handled the
    run's last signal (caught up). ``lateness`` is None until measured.
    """

    kind: str = "normal"
    ran_on: str = ""
    workers: str = "none"
    signals: int | None = None
    peak_backlog: int | None = None
    drain_ms: float | None = None
    lateness: LatenessStats | None = None

    # The lateness figures, None until the run is measured (see LatenessStats for each).
    samples = property(lambda self: _lateness(self, "samples"))
    heartbeat_p50_ms = property(lambda self: _lateness(self, "heartbeat_p50_ms"))
    heartbeat_p99_ms = property(lambda self: _lateness(self, "heartbeat_p99_ms"))
    heartbeat_max_ms = property(lambda self: _lateness(self, "heartbeat_max_ms"))
    longest_freeze_ms = property(lambda self: _lateness(self, "longest_freeze_ms"))
    frames_missed = property(lambda self: _lateness(self, "frames_missed"))

    @property
    def gui_stall_ms(self) -> float | None:
        """The worst wait of the event loop during the run: how long the GUI could not react."""
        return None if self.lateness is None else round(self.lateness.longest_freeze_ms, 1)

    def as_dict(self) -> dict[str, Any]:
        """The export's ``ui`` object: every fact known, by the names the JSON and CSV have always used."""
        out: dict[str, Any] = {"kind": self.kind, "ran_on": self.ran_on, "workers": self.workers,
                               "signals": self.signals}
        if self.peak_backlog is not None:
            out["peak_backlog"] = self.peak_backlog
        if self.drain_ms is not None:
            out["drain_ms"] = self.drain_ms
        if self.lateness is not None:
            out.update(self.lateness.as_dict())
            out["frames_missed"] = self.lateness.frames_missed
            out["gui_stall_ms"] = self.gui_stall_ms
        return out


@dataclass(frozen=True)
class ResultRow:
    """A finished run: the engine's record, the window's facts, and the lab's tag if a lab asked for it."""

    record: RunRecord
    ui: UiStats = field(default_factory=UiStats)
    #: Whatever the step that ran it was tagged with (the responsiveness lab's card and label), or None.
    tag: Any = None

    def measured(self, stats: LatenessStats) -> "ResultRow":
        """This row with the lateness its run was measured with."""
        return replace(self, ui=replace(self.ui, lateness=stats))

    def as_dict(self) -> dict[str, Any]:
        return {**self.record.as_dict(), "ui": self.ui.as_dict()}
