"""The dask mode's cluster: started for a run (or an existing one reached), fed chunks, closed.

A run in the dask mode either starts a ``LocalCluster`` of ``workers``
processes × ``threads`` threads in a cluster host (:mod:`concgui.engine.dask_host`,
so the scheduler does not share the app's GIL), or connects to the scheduler
the user named. Either way one Dask ``Client`` submits the
run's tasks in chunks (:func:`~concgui.engine.dask_task.run_dask_chunk`, the
loop every mode runs), each chunk one Dask task; the events measured in the
workers come back with each chunk's results and are emitted here, in the
order the chunks finish. The client lives in the process that runs the
Runner (the terminal's ``concgui bench``), or, for the window, in its worker
host (:func:`~concgui.engine.host.process_main`), which relays those events as
a pool's workers do: a client's thread and messages would otherwise take the
window's GIL.

Cluster start (host, scheduler, workers, the client, and one warm-up call on
every worker that imports the engine there) is timed apart from the run, as a
pool's start is. A cluster the app started lives for one run: it is closed
when the run ends, however it ends. Cancel cancels the futures not yet done
and then closes that cluster, which also stops a chunk already running (Dask
itself cannot interrupt a running task: on a scheduler the user named, a
running chunk finishes on its own). Only Dask's own modules are imported
here, and only when a run needs them: without the ``dask`` extra the mode is
refused in one sentence that names the install command.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import traceback
from typing import Any, Callable

import psutil

from concgui.engine import machine_load
from concgui.engine.clock import now
from concgui.engine.errors import ConfigError
from concgui.engine.events import Event
from concgui.engine.pool import PoolOutcome

#: What installs the dask mode's dependencies; the window and the CLI show it where the mode is refused.
INSTALL_COMMAND = 'pip install "concgui[dask]"'
START_TIMEOUT_S = 60.0
POLL_S = 0.05  # how often a waiting run checks for cancel (as the pool does)
WAIT_POLL_S = 0.02  # how often closing looks whether the workers are gone
#: The warm-up chunk's run id: no run has it (the Runner counts from 1, its own warm-ups below 0).
WARM_RUN_ID = 0
#: The schemes a scheduler address may use.
SCHEMES = ("tcp://", "tls://")


def available() -> bool:
    """True when ``dask.distributed`` can be imported (the ``dask`` extra is installed)."""
    return importlib.util.find_spec("distributed") is not None


def missing_sentence() -> str:
    return ("the dask mode needs Dask's distributed scheduler, which is not installed; install it with "
            f"{INSTALL_COMMAND}")


def check_scheduler(address: str) -> str:
    """``address`` as given if it reads ``tcp://HOST:PORT`` (or ``tls://``), else :class:`ConfigError`."""
    if not isinstance(address, str) or not address.strip():
        raise ConfigError(f"a scheduler address reads tcp://HOST:PORT, not {address!r}")
    text = address.strip()
    scheme = next((s for s in SCHEMES if text.startswith(s)), None)
    rest = text[len(scheme):] if scheme else ""
    host, _, port = rest.rpartition(":")
    if scheme is None or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"a scheduler address reads tcp://HOST:PORT (for example tcp://127.0.0.1:8786), "
                          f"not {address!r}")
    return text


def _running(p: psutil.Process) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _on_this_machine(address: str) -> bool:
    host = address.split("://", 1)[-1].rpartition(":")[0].strip("[]")
    return host in ("127.0.0.1", "localhost", "::1")


def _reachable(address: str, timeout: float = 5.0) -> None:
    """RuntimeError in one sentence when nothing listens at ``address`` (a Client would retry for its whole
    timeout, and leave its event loop thread behind when it gives up)."""
    import socket

    rest = address.split("://", 1)[1]
    host, _, port = rest.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise RuntimeError(f"no Dask scheduler answered at {address} ({exc.strerror or exc})") from None


class DaskCluster:
    """One run's cluster: a LocalCluster in a cluster host (``scheduler=None``) or the one at ``scheduler``."""

    def __init__(self, workers: int, threads: int, scheduler: str | None = None) -> None:
        self.workers = workers
        self.threads = threads
        self.scheduler = scheduler
        self.address: str | None = scheduler
        self.dashboard: str | None = None
        self.worker_pids: list[int] = []
        self.qt_modules: dict[int, list[str]] = {}  # worker pid -> Qt modules it has loaded (must be [])
        self.python_record: dict[str, Any] | None = None
        self.alive = False
        self._host: subprocess.Popen | None = None
        self._log: Any = None
        self._client: Any = None
        self._ps: dict[int, psutil.Process] = {}

    @property
    def started_here(self) -> bool:
        """True for a LocalCluster this app started (and closes); False for a scheduler the user named."""
        return self.scheduler is None

    @property
    def pids(self) -> list[int]:
        """The cluster's processes on this machine that the app started: its host and the workers."""
        host = [self._host.pid] if self._host is not None else []
        return host + self.worker_pids

    # -- start ------------------------------------------------------------------

    def start(self, timeout: float = START_TIMEOUT_S) -> None:
        """Start (or reach) the cluster, connect, warm every worker; RuntimeError if that fails."""
        if not available():
            raise RuntimeError(missing_sentence())
        try:
            if self.scheduler is None:
                self.address = self._start_host(timeout)
            self._connect(timeout)
        except BaseException:
            self.close()
            raise
        self.alive = True

    def _start_host(self, timeout: float) -> str:
        self._log = tempfile.TemporaryFile()
        self._host = subprocess.Popen([sys.executable, "-m", "concgui.engine.dask_host", str(self.workers),
                                       str(self.threads)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=self._log)
        lines: queue.Queue = queue.Queue()
        out = self._host.stdout
        assert out is not None
        threading.Thread(target=lambda: lines.put(out.readline()), name="dask-host-hello", daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"the Dask cluster did not start in {timeout:.0f} s") from None
        try:
            hello = json.loads(line)
        except ValueError:
            raise RuntimeError(f"the Dask cluster could not start ({self._log_tail() or 'no answer'})") from None
        if "error" in hello:
            raise RuntimeError(f"the Dask cluster could not start: {hello['error']}")
        self.dashboard = hello.get("dashboard")
        return str(hello["address"])

    def _connect(self, timeout: float) -> None:
        if self.scheduler is not None:
            _reachable(self.scheduler)
        from distributed import Client

        from concgui.engine.dask_task import run_dask_chunk, warm
        from concgui.engine.python_facts import facts, run_record

        try:
            self._client = Client(self.address, timeout=timeout, set_as_default=False)
        except OSError as exc:
            raise RuntimeError(f"no Dask scheduler answered at {self.address} ({exc})") from None
        if self.scheduler is None:
            # Every worker up before the clock starts: LocalCluster returns once they are, but say so.
            self._client.wait_for_workers(self.workers, timeout=timeout)
        elif self.dashboard is None:
            self.dashboard = self._client.dashboard_link if "dashboard" in self._services() else None
        # Workers elsewhere have pids of their machine: only this machine's are watched (CPU time, lanes).
        every = self._client.run(os.getpid)
        pids = {a: p for a, p in every.items() if _on_this_machine(a)}
        mods = self._client.run(warm)
        # One tiny chunk through each worker, as a run sends them: the client's connection to every worker (a
        # gather opens it) and the chunk function's first unpickling are part of the start, not of the run.
        self._client.gather([self._client.submit(run_dask_chunk, WARM_RUN_ID, "cpu-python", 1, {}, 0, 1, pure=False,
                                                 workers=[address]) for address in every])
        self.worker_pids = sorted(set(pids.values()))
        self.qt_modules = {pids[a]: m for a, m in mods.items() if a in pids}
        self.python_record = next(iter(self._client.run(lambda: run_record(facts())).values()), None)

    def _services(self) -> dict:
        try:
            return dict(self._client.scheduler_info().get("services", {}))
        except Exception:  # noqa: BLE001  (a link is a nicety; its absence is not an error)
            return {}

    def _log_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = [ln for ln in self._log.read().decode(errors="replace").splitlines() if ln.strip()]
        return lines[-1].strip() if lines else ""

    # -- running ----------------------------------------------------------------

    def run(self, run_id: int, workload: str, size: int, ctx: dict[str, Any], tasks: int, chunk: int,
            emit: Callable[[Event], None], cancel: threading.Event,
            forward: Callable[[list[Event], list], None] | None = None) -> PoolOutcome:
        """Run tasks ``0..tasks-1`` as chunks of ``chunk`` on the cluster; events go to ``emit`` on this thread.

        ``forward`` (a worker host relaying the run): each chunk's events and
        results go to it as they are, instead of to ``emit`` and the outcome.
        """
        from concgui.engine.dask_task import run_dask_chunk

        out = PoolOutcome()
        if forward is None:  # this process files them itself
            def forward(events: list[Event], results: list) -> None:
                for ev in events:
                    emit(ev)
                out.results.update(results)
        client = self._client
        done: queue.Queue = queue.Queue()
        items = ctx.get("items")  # a developer's own inputs: each chunk carries its own
        futures = []
        for s in range(0, tasks, chunk):
            e = min(s + chunk, tasks)
            job_ctx = ctx if items is None else {**ctx, "items": items[s:e], "first": s}
            f = client.submit(run_dask_chunk, run_id, workload, size, job_ctx, s, e, pure=False,
                              key=f"concgui-run{run_id}-{s}-{os.getpid()}-{id(out)}")
            f.add_done_callback(done.put)  # called on Dask's thread: one queue put, read below
            futures.append(f)
        remaining = len(futures)
        try:
            while remaining:
                if cancel.is_set():
                    out.cancelled = True
                    return out
                try:
                    ready = [done.get(timeout=POLL_S)]
                except queue.Empty:
                    continue
                while True:  # whatever else finished meanwhile: fetched in one gather
                    try:
                        ready.append(done.get_nowait())
                    except queue.Empty:
                        break
                remaining -= len(ready)
                if self._file(ready, out, forward):
                    return out
        finally:
            if remaining:
                client.cancel(futures)
        return out

    def _file(self, ready: list, out: PoolOutcome, forward: Callable[[list[Event], list], None]) -> bool:
        """File finished futures' events and results; True when the run must stop (an error)."""
        from concgui.engine.worker import error_line, format_error

        failed = [f for f in ready if f.status != "finished"]
        if failed:
            f = failed[0]
            if f.status == "cancelled":
                out.error = "the Dask scheduler cancelled a task (its worker left, or another client cancelled it)"
            else:
                exc = f.exception()
                out.error = error_line(exc)
                out.details = "".join(traceback.format_exception(type(exc), exc, f.traceback()))
            return True
        try:
            values = self._client.gather(ready)
        except Exception as exc:  # noqa: BLE001  (a lost worker, a broken connection)
            out.error, out.details = error_line(exc), format_error(exc)
            return True
        for events, results, error, details in values:
            forward(list(events), list(results))
            if error:
                out.error, out.details = error, details
                return True
        return False

    def cpu_seconds(self) -> float:
        """CPU (user + system) used so far by the cluster's processes on this machine (host and workers)."""
        return machine_load.cpu_seconds(self.pids, self._ps)

    # -- stop -------------------------------------------------------------------

    def close(self, timeout: float = 10.0) -> None:
        """Disconnect, and stop the cluster host if this app started it (its workers exit with it)."""
        self.alive = False
        self._disconnect(min(timeout, 2.0))
        host, self._host = self._host, None
        if host is not None:
            deadline = now() + timeout
            try:
                if host.stdin is not None:
                    host.stdin.close()  # the host closes its cluster and exits
                host.wait(max(0.1, deadline - now()))
            except (OSError, subprocess.TimeoutExpired):
                host.kill()
                host.wait()
            finally:
                if host.stdout is not None:
                    host.stdout.close()
            self._wait_workers(max(0.5, deadline - now()))
        if self._log is not None:
            self._log.close()
            self._log = None

    def terminate(self) -> None:
        """Stop now: the workers and host this app started are killed, mid-task too (a cancel, a closing window).

        A LocalCluster's graceful close waits for the chunks running (~1 s
        measured, with 0.4 s tasks); a cancelled run has nothing to wait for.
        A scheduler the user named is only disconnected from.
        """
        self._disconnect(1.0)  # while the scheduler still answers: a client without one waits out its timeout
        self.kill()
        self.close(timeout=2.0)

    def record(self, start_s: float) -> dict[str, Any]:
        """What a run's record says of this cluster (``RunStarted.cluster``), its start having taken ``start_s``."""
        return {"scheduler": self.address, "dashboard": self.dashboard, "started_here": self.started_here,
                "start_s": round(start_s, 6)}

    def kill(self) -> None:
        """Kill the processes of a cluster this app started, at once: its owner is going (a hosted run's cancel)."""
        if self._host is not None:
            for pid in [*self.worker_pids, self._host.pid]:
                try:
                    psutil.Process(pid).kill()
                except psutil.Error:
                    pass

    def _disconnect(self, timeout: float) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close(timeout=timeout)
            except Exception:  # noqa: BLE001  (closing is best effort; the host goes regardless)
                pass

    def _wait_workers(self, timeout: float) -> None:
        """Wait for the worker processes to exit (they watch their host); kill any still there.

        They are the host's children, not ours: once it is gone, an exited one
        may stay a zombie until the system reaps it, and a zombie runs nothing.
        """
        procs = []
        for pid in self.worker_pids:
            try:
                procs.append(psutil.Process(pid))
            except psutil.Error:
                pass
        deadline = now() + timeout
        while True:
            alive = [p for p in procs if _running(p)]
            if not alive or now() >= deadline:
                break
            psutil.wait_procs(alive, timeout=WAIT_POLL_S)
        for p in alive:
            try:
                p.kill()
            except psutil.Error:
                pass
        self.worker_pids = []
