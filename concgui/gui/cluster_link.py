"""The link to a dask run's dashboard: Dask's own live view of its cluster, beside the progress bars.

Shown from the run's :class:`~concgui.engine.events.RunStarted` (its
``cluster``) while the run goes on, and hidden for a run without one. A
LocalCluster concgui started lives for one run, so when that run ends the
link goes with it and the words say the cluster closed; a scheduler the user
named keeps running, and so does its link.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from concgui.engine.events import RunStarted

LINK_TEXT = "Dask dashboard"


def cluster_html(cluster: dict, running: bool) -> str:
    """The words for ``cluster`` (a RunStarted's): a link to its dashboard, and its scheduler's address.

    Short: they share a line with the progress title.
    """
    scheduler = html.escape(str(cluster.get("scheduler") or "?"))
    dashboard = cluster.get("dashboard")
    live = running or not cluster.get("started_here", True)
    if dashboard and live:
        return f"<a href=\"{html.escape(str(dashboard), quote=True)}\">{LINK_TEXT}</a> ({scheduler})"
    if not live:
        return "<span style='color: palette(dark);'>Dask cluster closed</span>"
    return scheduler


class ClusterLink(QLabel):
    """"Dask dashboard · scheduler tcp://…" for the current dask run; hidden for every other run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setOpenExternalLinks(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.cluster: dict | None = None
        self.hide()

    @property
    def url(self) -> str | None:
        """The dashboard this shows a link to now (None: no link)."""
        if self.cluster is None or self.isHidden() or "<a " not in self.text():
            return None
        return self.cluster.get("dashboard")

    def begin(self, started: RunStarted) -> None:
        self.cluster = started.cluster if started.cluster and started.cluster.get("dashboard") else None
        if self.cluster is None:
            self.clear()
            self.hide()
            return
        self.setText(cluster_html(self.cluster, running=True))
        self.setToolTip(f"Dask's own view of the cluster, in a browser: {self.cluster['dashboard']} (the "
                        f"scheduler: {self.cluster.get('scheduler')})")
        self.show()

    def end(self) -> None:
        """The run ended: a cluster started for it has closed."""
        if self.cluster is not None:
            self.setText(cluster_html(self.cluster, running=False))
            if self.cluster.get("started_here", True):
                self.setToolTip(f"concgui started this LocalCluster ({self.cluster.get('scheduler')}) for the run "
                                "and closed it after, with its dashboard")

    def reset(self) -> None:
        self.cluster = None
        self.clear()
        self.hide()
