"""Worker hosts started as a command: any Python (3.10 or newer), and subinterpreter hosts.

``multiprocessing`` can only start children of the Python that runs it. To
run the same tasks on another interpreter (pyenv's 3.13, a free-threaded
3.14t), concgui starts that interpreter itself, with the folder that holds
the ``concgui`` package first on its path and nothing else of ours: the
worker side (:mod:`concgui.engine.host` and what it imports) is stdlib-only.
Each worker talks over one end of a ``socket.socketpair`` handed to the child
(``pass_fds``), wrapped in the same :class:`multiprocessing.connection.Connection`
a pool worker uses, so the pool, the messages and the events are the ones
every other run uses.

A *subinterpreter host* is one such process with ``--interpreters``: each of
its sockets is served by its own subinterpreter (its own GIL), each driven by
a thread of that one process (:mod:`concgui.engine.subinterpreters`).

Both halves live here: :func:`launch` (the parent's) and :func:`main` (the
child's). POSIX only for now: Windows cannot hand a child a socket this way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path

import concgui

#: The folder that holds the ``concgui`` package: the only thing of ours a foreign Python needs.
PACKAGE_ROOT = str(Path(concgui.__file__).resolve().parent.parent)

def boot_command(executable: str, entry: str, *args: str) -> list[str]:
    """The command that starts ``executable`` with only our package on its path and calls ``entry``
    (``"module:function"``) with the remaining arguments, ``*args``."""
    module, func = entry.split(":")
    code = ("import sys; sys.path[:] = [p for p in sys.path if p]; sys.path.insert(0, sys.argv[1]); "
            f"from {module} import {func}; {func}(sys.argv[2:])")
    return [executable, "-s", "-c", code, PACKAGE_ROOT, *args]


class HostChild:
    """A started host process, with the parts of :class:`multiprocessing.Process` the pool uses.

    ``sentinel`` is a pidfd where Linux has one (readable when the process
    ends, so the pool sees a crash at once, as with its own workers), else
    None (the pool then notices at its next poll).
    """

    def __init__(self, popen: subprocess.Popen) -> None:
        self._popen = popen
        self.pid: int | None = popen.pid
        self.sentinel: int | None = None
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                self.sentinel = pidfd_open(popen.pid)
            except OSError:
                self.sentinel = None

    @property
    def exitcode(self) -> int | None:
        return self._popen.poll()

    def terminate(self) -> None:
        if self._popen.poll() is None:
            self._popen.terminate()

    def kill(self) -> None:
        if self._popen.poll() is None:
            self._popen.kill()

    def join(self, timeout: float | None = None) -> None:
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        if self.sentinel is not None:
            os.close(self.sentinel)
            self.sentinel = None


def launch(executable: str, workers: int, interpreters: bool = False,
           gil: str | None = None) -> tuple[HostChild, list[Connection]]:
    """Start a host of ``executable`` serving ``workers`` connections (subinterpreters if ``interpreters``).

    A plain host serves exactly one connection; start one per worker for a
    process pool. ``gil`` sets ``PYTHON_GIL`` for it (a free-threaded build's switch).
    """
    if os.name != "posix":
        raise OSError("running on another Python needs Linux or macOS for now")
    if not interpreters and workers != 1:
        raise ValueError("a plain host serves one connection")
    pairs = [socket.socketpair() for _ in range(workers)]
    fds = [child.fileno() for _, child in pairs]
    from concgui.engine.pythons import child_env

    env = child_env(gil)
    args = boot_command(executable, "concgui.engine.foreign_host:main", ",".join(map(str, fds)),
                        *(["--interpreters"] if interpreters else []))
    try:
        popen = subprocess.Popen(args, pass_fds=fds, env=env, stdin=subprocess.DEVNULL, cwd=PACKAGE_ROOT,
                                 start_new_session=False)
    except BaseException:
        for parent, child in pairs:
            parent.close()
            child.close()
        raise
    conns = []
    for parent, child in pairs:
        child.close()  # the child's end now lives only in the child: its exit closes it
        conns.append(Connection(parent.detach()))
    return HostChild(popen), conns


def main(argv: list[str]) -> None:
    """The child's side: serve the connections named by their file descriptors, then exit."""
    from concgui.engine.host import process_main, watch_parent

    fds = [int(x) for x in argv[0].split(",")]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us (see worker.ignore_sigint)
    if "--interpreters" in argv[1:]:
        from concgui.engine.subinterpreters import serve

        watch_parent()
        sys.exit(serve(fds, PACKAGE_ROOT))
    process_main(Connection(fds[0]))
