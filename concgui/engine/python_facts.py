"""What an interpreter is and can do, read from the interpreter itself.

This one module is both imported (facts about the Python that runs concgui,
and about a worker host's) and *run as a script* by another interpreter,
``python -s -c <this file's source>``, to probe it
(:mod:`concgui.engine.pythons`). So it imports nothing but the standard
library, keeps to syntax any Python 3 reads (no ``from __future__`` import,
annotations as strings), and prints its facts as one line of JSON when run.
A Python too old for concgui (3.6 even) still answers, so it can be told why
it is refused.
"""

import sys
import sysconfig


def subinterpreters_module() -> "str | None":
    """The module this Python drives subinterpreters with, each with its own GIL; None where there is none.

    ``concurrent.interpreters`` is public from 3.14; 3.13 has the same engine as
    the private ``_interpreters``, 3.12 as ``_xxsubinterpreters``. Before 3.12
    all interpreters of a process share one GIL.
    """
    if sys.version_info < (3, 12):
        return None
    for name in ("concurrent.interpreters", "_interpreters", "_xxsubinterpreters"):
        try:
            __import__(name)
        except ImportError:
            continue
        return name
    return None


def gil_enabled() -> bool:
    """Whether the GIL is on right now (always True before 3.13)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


def free_threaded_build() -> bool:
    """Whether this build *can* run without the GIL (``Py_GIL_DISABLED`` is 1)."""
    return sysconfig.get_config_var("Py_GIL_DISABLED") == 1


def facts() -> dict:
    """This interpreter, as the ``python`` of a run record and ``concgui interpreters --json`` spell it."""
    try:
        import concurrent.futures as futures

        pool = hasattr(futures, "InterpreterPoolExecutor")
    except ImportError:  # a stripped-down build
        pool = False
    module = subinterpreters_module()
    return {
        **this_run_record(),
        "implementation": sys.implementation.name,
        "per_interpreter_gil": module is not None,
        "interpreter_pool": pool,
        "subinterpreters": module,
    }


def run_record(f: dict) -> dict:
    """The four facts every run record carries about the Python that ran it."""
    return {k: f[k] for k in ("version", "executable", "free_threaded", "gil_enabled")}


def this_run_record() -> dict:
    """:func:`run_record` of this Python, without the imports :func:`facts` makes.

    A worker says it in its hello, on the way to its first task: importing
    ``concurrent.futures`` (and a subinterpreters module) cost each new worker ~4 ms.
    """
    v = sys.version_info
    return {
        "version": "%d.%d.%d" % (v[0], v[1], v[2]) + ("" if v[3] == "final" else "%s%d" % (v[3][0], v[4])),
        "executable": sys.executable,
        "free_threaded": free_threaded_build(),
        "gil_enabled": gil_enabled(),
    }


if __name__ == "__main__":
    import json  # here, not at the top: a worker imports this module on its way to its first task

    print(json.dumps(facts()))
