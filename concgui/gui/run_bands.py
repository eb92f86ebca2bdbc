"""Each run of the session as a band on a CPU plot and its lateness plot (they share a time axis).

The main tab and the Responsiveness lab each have such a pair; both follow
the session the same way, so a run's band has the same name, colour and edges
on every tab.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from concgui.engine.events import RunStarted
from concgui.gui.run_session import Repeat
from concgui.gui.run_words import display_key, mode_name
from concgui.scenarios import StepKind

if TYPE_CHECKING:
    from concgui.gui.cpu_plot import CpuPlot
    from concgui.gui.lateness_plot import LatenessPlot
    from concgui.gui.run_session import RunDone, RunSession


def follow_runs(session: "RunSession", cpu_plot: "CpuPlot", lateness_plot: "LatenessPlot") -> None:
    """Mark every run of ``session`` on ``cpu_plot`` and ``lateness_plot`` from now on."""

    def started(s: RunStarted, kind: StepKind) -> None:
        key = display_key(s.mode, kind)
        # A repeated comparison names its bands once, in its first round: their colours say the rest.
        b = session.batch
        tag = b.next_tag if b is not None else None
        label = "" if isinstance(tag, Repeat) and tag.round > 0 else mode_name(key)
        cpu_plot.mark_run_started(s.run_id, label, key, s.t)
        lateness_plot.mark_run_started(s.run_id, key, s.t)

    def finished(done: "RunDone") -> None:
        cpu_plot.mark_run_finished(done.started.run_id, done.finished.t)
        # A flood's lateness lasts until the window has handled its last queued signal.
        lateness_plot.mark_run_finished(done.started.run_id, max(done.finished.t, done.t_end))

    session.run_started.connect(started)
    session.run_finished.connect(finished)
