"""A lab run on another Python: the race lab on a free-threaded 3.14t, where a bare ``counter += 1`` loses updates.

The labs are standard library only, so any CPython 3.10+ can run one: the
other interpreter is started with the folder that holds the ``concgui``
package first on its path (as :mod:`concgui.engine.foreign_host` does), runs
the lab with the parameters it is given on stdin, and prints one JSON line:
the summary and the explanation it wrote itself (so every sentence about the
GIL is that Python's), the measured result, and its facts. ``lab_main`` is
that child's side.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from concgui.engine.foreign_host import PACKAGE_ROOT, boot_command
from concgui.engine.python_facts import facts
from concgui.engine.pythons import child_env

class ElsewhereError(RuntimeError):
    """The other Python could not run the lab; the message is one line for the user."""


def run_elsewhere(python: str, name: str, params: Any, gil: str | None = None) -> dict[str, Any]:
    """Run lab ``name`` with ``params`` on ``python``; its ``{"summary", "explanation", "result", "python"}``.

    ``gil`` sets ``PYTHON_GIL`` for it. Ctrl+C stops the child with this process.
    """
    from concgui.labs.common import to_jsonable

    request = json.dumps({"lab": name, "params": to_jsonable(params)})
    try:
        proc = subprocess.run(boot_command(python, "concgui.labs.elsewhere:lab_main"), input=request,
                              capture_output=True, text=True, env=child_env(gil), cwd=PACKAGE_ROOT)
    except OSError as exc:
        raise ElsewhereError(f"{python} could not be started: {exc.strerror or exc}") from None
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        last = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
        raise ElsewhereError(f"the {name} lab failed on {python}: {last}")
    return json.loads(lines[-1])


def lab_main(argv: list[str]) -> None:
    """The child's side: read the request from stdin, run the lab, print its report as one JSON line."""
    from concgui import labs
    from concgui.labs.common import to_jsonable

    request = json.loads(sys.stdin.read())
    name = request["lab"]
    module = labs.load(name)
    params = labs.params_class(name)(**{k: tuple(v) if isinstance(v, list) else v
                                        for k, v in request["params"].items()})
    result = module.run(params)
    print(json.dumps({"title": module.TITLE, "summary": module.summary(result), "explanation": module.explain(result),
                      "result": to_jsonable(result.as_dict()), "status": result.status.value,
                      "error": getattr(result, "error", None), "python": facts()}))
