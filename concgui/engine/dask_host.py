"""The cluster host: one process of this Python that starts a Dask ``LocalCluster`` and keeps it.

Why a process of its own: a ``LocalCluster`` runs its scheduler and its
workers' nannies on an event loop *in the process that starts it*. Started
from the window, every task's scheduling would take the window's GIL, the
very thing this app shows getting in the way. Here the scheduler and
nannies live in this host; the app only runs a Dask ``Client`` (one thread,
woken per message), and the window not even that: its worker host does.

Protocol: started as ``python -m concgui.engine.dask_host WORKERS THREADS``,
it prints one JSON line, ``{"address", "dashboard"}`` (or ``{"error"}``), then
reads its stdin until end of file. The app closes that pipe to stop it, and a
killed app closes it too (the OS does), so the host then closes its cluster
and exits. Its worker processes exit by themselves when the host does
(Dask's workers watch their parent), so nothing is left running.

Everything binds to 127.0.0.1: the cluster serves this machine only.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys

CLOSE_TIMEOUT_S = 5.0
#: The Dask settings this host changes from Dask's defaults, and to what (see :func:`main`).
CHANGED_SETTINGS = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s"}


def main(argv: list[str]) -> None:
    from concgui.engine.host import watch_parent
    from concgui.engine.worker import error_line, ignore_sigint

    ignore_sigint()
    watch_parent()
    workers, threads = int(argv[0]), int(argv[1])
    try:
        import dask
        from distributed import LocalCluster

        # Two settings differ from Dask's defaults, each measured here on 2 cores (the workers get them from here):
        # - the statistical profiler samples every worker thread's stack every 10 ms, taking the worker's GIL each
        #   time: ~15 % of the CPU work. Off (the dashboard's Profile tab is then empty);
        # - the event-loop health check ticks every 20 ms in the scheduler, every nanny and every worker, only to
        #   time how late the loop runs: 0.14 of a core on an idle cluster of 2, 0.06 at a tick a second.
        dask.config.set(CHANGED_SETTINGS)
        dashboard = "127.0.0.1:0" if importlib.util.find_spec("bokeh") is not None else None
        cluster = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True, host="127.0.0.1",
                               dashboard_address=dashboard, silence_logs=logging.ERROR)
    except Exception as exc:  # noqa: BLE001  (reported to the app in its own words)
        print(json.dumps({"error": error_line(exc)}), flush=True)
        os._exit(1)
    link = cluster.dashboard_link if dashboard is not None else None
    print(json.dumps({"address": cluster.scheduler_address, "dashboard": link or None}), flush=True)
    try:
        sys.stdin.buffer.read()  # until the app closes the pipe, or dies
    finally:
        try:
            cluster.close(timeout=CLOSE_TIMEOUT_S)
        finally:
            os._exit(0)  # no interpreter teardown: the cluster's threads would only slow it


if __name__ == "__main__":
    main(sys.argv[1:])
