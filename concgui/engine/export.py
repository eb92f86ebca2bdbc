"""The results file format, shared by `concgui bench --json` and the GUI's export.

Top level: ``concgui`` (version), ``python``, ``gil_enabled``, ``cpus``, and
``runs``: one object per run (see :class:`~concgui.engine.compare.RunRecord`);
callers may add per-run fields (the GUI adds ``ui``).
"""

from __future__ import annotations

import json
import os
from typing import Any, Iterable

from concgui import __version__
from concgui.engine.compare import RunRecord
from concgui.engine.platform_info import collect


class ExportError(OSError):
    """A results file could not be written; the message is meant for the user."""


def results_document(records: Iterable[RunRecord | dict[str, Any]]) -> dict[str, Any]:
    info = collect()
    return {
        "concgui": __version__,
        "python": f"{info.implementation} {info.python}",
        "gil_enabled": info.gil_enabled,
        "cpus": info.logical_cores,
        "physical_cores": info.physical_cores,
        "switch_interval_s": info.switch_interval_s,
        "runs": [r.as_dict() if isinstance(r, RunRecord) else r for r in records],
    }


def check_writable(path: str | os.PathLike[str]) -> None:
    """Fail early, before any run, if ``path`` cannot be written."""
    p = os.fspath(path)
    if os.path.isdir(p):
        raise ExportError(f"cannot write {p}: it is a folder")
    parent = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(parent):
        raise ExportError(f"cannot write {p}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (os.path.exists(p) and not os.access(p, os.W_OK)):
        raise ExportError(f"cannot write {p}: permission denied")


def write_json(path: str | os.PathLike[str], doc: dict[str, Any]) -> None:
    """Write ``doc`` atomically (temp file + rename), so a failed write keeps the old file."""
    p = os.fspath(path)
    check_writable(p)
    tmp = f"{p}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, p)
    except OSError as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise ExportError(f"cannot write {p}: {exc.strerror or exc}") from None
