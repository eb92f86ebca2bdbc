"""``CONCGUI_REPORT_RUNS=1``: print one line per run start and end on stdout.

For scripts and tests that drive ``concgui gui`` from outside (e.g. to close
or kill the app in the middle of a run and check what it leaves behind): the
lines are ``run-started RUN_ID MODE WORKERS`` and ``run-finished RUN_ID
STATUS``, flushed at once.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concgui.gui.run_session import RunSession

ENV = "CONCGUI_REPORT_RUNS"


def install_if_asked(session: "RunSession") -> bool:
    """Print ``session``'s run starts and ends if ``CONCGUI_REPORT_RUNS=1``."""
    if os.environ.get(ENV) != "1":
        return False

    def started(s, _kind) -> None:
        print(f"run-started {s.run_id} {s.mode} {s.workers}", flush=True)

    def finished(done) -> None:
        print(f"run-finished {done.started.run_id} {done.finished.status.value}", flush=True)

    session.run_started.connect(started)
    session.run_finished.connect(finished)
    sys.stdout.flush()
    return True
