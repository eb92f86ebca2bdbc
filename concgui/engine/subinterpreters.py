"""The ``interpreters`` mode's host side: N subinterpreters, each with its own GIL, in one process.

Runs inside a subinterpreter host (:mod:`concgui.engine.foreign_host`). Each
connection the parent handed over is served by a fresh subinterpreter running
:func:`concgui.engine.host.process_main`, exactly a pool worker's loop, driven
by one thread of this process. Their GILs are their own, so pure-Python
tasks run in parallel here, as they would in processes; what they share is
the process (its memory, its file descriptors, its pid), what crosses
between them is pickled, as between processes.

Which engine drives them depends on the Python: ``concurrent.interpreters``
(public, 3.14+), else the private ``_interpreters`` (3.13) or
``_xxsubinterpreters`` (3.12), whose interfaces may change in any release.
Extension modules that do not declare subinterpreter support (NumPy, for
one, so far) refuse to import in them: a task that needs one fails with that
module's own ``ImportError`` line.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, Callable

from concgui.engine.python_facts import subinterpreters_module

#: Exit code of a host whose subinterpreter could not start or failed outside a task.
EXIT_INTERPRETER_FAILED = 4


def _runner(module: str) -> Callable[[str], Any]:
    """A function that runs ``code`` in a new subinterpreter with its own GIL, then destroys it.

    It returns None when the code ran to its end, else a description of
    what it raised.
    """
    if module == "concurrent.interpreters":
        from concurrent import interpreters  # type: ignore[attr-defined]

        def run(code: str) -> Any:
            interp = interpreters.create()
            try:
                interp.exec(code)
            except Exception as exc:  # ExecutionFailed: the subinterpreter's own error, as text
                return str(exc)
            finally:
                interp.close()
            return None

        return run
    mod: Any = __import__(module)

    def run_private(code: str) -> Any:
        # Both private modules make an "isolated" interpreter by default: its own GIL, no legacy
        # extensions (3.12: create(isolated=True); 3.13: create(config="isolated")).
        iid = mod.create()
        try:
            if hasattr(mod, "exec"):  # 3.13: returns None, or a snapshot of what was raised
                return mod.exec(iid, code)
            try:
                mod.run_string(iid, code)  # 3.12: raises RunFailedError
            except Exception as exc:
                return str(exc)
            return None
        finally:
            mod.destroy(iid)

    return run_private


def serve(fds: list[int], package_root: str) -> int:
    """Serve each connection in ``fds`` from its own subinterpreter until the parent stops them all.

    Returns the host's exit code: 0, or :data:`EXIT_INTERPRETER_FAILED`
    (with the reason on stderr) if any subinterpreter failed outside a task.
    """
    module = subinterpreters_module()
    if module is None:
        print(f"concgui: Python {sys.version.split()[0]} has no subinterpreters with their own GIL "
              "(3.12 or newer needed)", file=sys.stderr)
        return EXIT_INTERPRETER_FAILED
    run = _runner(module)
    pid = os.getpid()
    failed: list[str] = []

    def drive(k: int, fd: int) -> None:
        code = (f"import sys\nsys.path.insert(0, {package_root!r})\n"
                "from multiprocessing.connection import Connection\n"
                "from concgui.engine.host import process_main\n"
                f"process_main(Connection({fd}), worker={f'interp {k} · pid {pid}'!r}, own_process=False)\n")
        why = run(code)
        if why is not None:
            failed.append(f"subinterpreter {k}: {why}")
            print(f"concgui: subinterpreter {k} failed: {why}", file=sys.stderr)
            os._exit(EXIT_INTERPRETER_FAILED)  # the parent sees the host end and reports it

    threads = [threading.Thread(target=drive, args=(k, fd), name=f"interp-{k}") for k, fd in enumerate(fds, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return EXIT_INTERPRETER_FAILED if failed else 0
