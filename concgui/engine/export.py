"""The results file format, shared by `concgui bench --json` and the GUI's export.

Top level: ``concgui`` (version), ``python``, ``gil_enabled``, ``cpus``, and
``runs``: one object per run (see :class:`~concgui.engine.compare.RunRecord`;
``samples_wall_s`` is a list, ``split`` an object of seconds or null, see
:mod:`~concgui.engine.time_split`); callers may add per-run fields (the GUI
adds ``ui``).

The same runs as CSV (:func:`results_csv`) and as a Markdown table
(:func:`results_markdown`), for the GUI's export and clipboard; both say,
as the JSON does, where and when they were measured (the CSV in columns on
every row, the Markdown in a line under the table).
"""

from __future__ import annotations

import csv
import io
import sys
import json
import os
from dataclasses import fields
from typing import Any, Iterable

from concgui import __version__
from concgui.engine.compare import RunRecord
from concgui.engine.platform_info import collect
from concgui.engine.time_split import KEYS


class ExportError(OSError):
    """A results file could not be written; the message is meant for the user."""


SPREAD_MEASURE = "half the range of a run's repeats (samples_wall_s), relative to their median (wall_s)"


def exported_at() -> str:
    """Now, in UTC, to the second (ISO 8601)."""
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def load_average() -> list[float] | None:
    """The OS load average (1, 5, 15 min), or None where the OS has none."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def machine_line() -> str:
    """One line saying where and when results were measured: concgui, Python, GIL, OS, cores, date, load."""
    info = collect()
    load = load_average()
    gil = "GIL on" if info.gil_enabled else "GIL off"
    return (f"concgui {__version__} · {info.implementation} {info.python} ({gil}) · {info.os} · "
            f"{info.logical_cores} logical cores · {exported_at()}" +
            (f" · load average {load[0]:g}" if load else ""))


def results_document(records: Iterable[RunRecord | dict[str, Any]]) -> dict[str, Any]:
    info = collect()
    return {
        "concgui": __version__,
        "python": f"{info.implementation} {info.python}",
        "gil_enabled": info.gil_enabled,
        "cpus": info.logical_cores,
        "physical_cores": info.physical_cores,
        "switch_interval_s": info.switch_interval_s,
        "os": info.os,
        "date": exported_at(),
        #: The machine's load when exported (1, 5 and 15 min); each run has its own ``other_load_cores``.
        "load_average": load_average(),
        #: What each run's ``spread`` measures (see concgui.engine.repeats).
        "spread_measure": SPREAD_MEASURE,
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
    """Write ``doc`` as indented JSON, atomically (see :func:`write_bytes`)."""
    write_text(path, json.dumps(doc, indent=2) + "\n")


# -- CSV and Markdown (the GUI's File menu and clipboard) -----------------------------

#: CSV columns: every RunRecord field, in order, but ``split``: its parts follow as ``split_<key>``
#: columns (only the keys some run has; see :mod:`~concgui.engine.time_split`), then the GUI's
#: per-run facts as ``ui_<name>``, then where and when (:data:`CSV_MACHINE_FIELDS`).
#: ``samples_wall_s`` is one cell, the samples joined by ``;``.
CSV_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RunRecord) if f.name not in ("split", "python"))
#: The record's ``python`` (the interpreter that ran it), as ``python_<key>`` columns after :data:`CSV_FIELDS`.
CSV_PYTHON_KEYS: tuple[str, ...] = ("version", "executable", "free_threaded", "gil_enabled")
#: The last CSV columns: the machine, the Python, the date and the load, the same on every row (as
#: columns, not comment lines, so that every CSV reader takes the file as it is). The JSON's
#: ``concgui``, ``python``, ``gil_enabled``, ``os``, ``cpus``, ``date`` and ``load_average[0]``.
CSV_MACHINE_FIELDS: tuple[str, ...] = ("concgui_version", "python", "gil_enabled", "os", "logical_cores",
                                       "exported_at", "load_average_1m")


def machine_facts() -> dict[str, Any]:
    """Where and when results are exported, as :data:`CSV_MACHINE_FIELDS` (load: None where the OS has none)."""
    info = collect()
    load = load_average()
    return {"concgui_version": __version__, "python": f"{info.implementation} {info.python}",
            "gil_enabled": info.gil_enabled, "os": info.os, "logical_cores": info.logical_cores,
            "exported_at": exported_at(), "load_average_1m": load[0] if load else None}


def _as_dict(r: RunRecord | dict[str, Any]) -> dict[str, Any]:
    return r.as_dict() if isinstance(r, RunRecord) else dict(r)


def _keys(rows: list[dict[str, Any]], column: str, order: tuple[str, ...] = ()) -> list[str]:
    """The keys of every row's ``column`` dict: those in ``order`` first, the rest as they first appear."""
    seen: list[str] = []
    for row in rows:
        for key in row.get(column) or {}:
            if key not in seen:
                seen.append(key)
    return [k for k in order if k in seen] + [k for k in seen if k not in order]


def results_csv(records: Iterable[RunRecord | dict[str, Any]]) -> str:
    """The runs as CSV text: a header row, then one row per run (numbers unrounded).

    Every row ends with where and when the runs were exported (:data:`CSV_MACHINE_FIELDS`).
    """
    rows = [_as_dict(r) for r in records]
    split_keys = _keys(rows, "split", KEYS)
    ui_keys = _keys(rows, "ui")
    machine = machine_facts()
    tail = [_csv_cell(machine[k]) for k in CSV_MACHINE_FIELDS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_FIELDS, *(f"python_{k}" for k in CSV_PYTHON_KEYS), *(f"split_{k}" for k in split_keys),
                     *(f"ui_{k}" for k in ui_keys), *CSV_MACHINE_FIELDS])
    for row in rows:
        split, ui, py = row.get("split") or {}, row.get("ui") or {}, row.get("python") or {}
        writer.writerow([_csv_cell(row.get(k)) for k in CSV_FIELDS] + [_csv_cell(py.get(k)) for k in CSV_PYTHON_KEYS]
                        + [_csv_cell(split.get(k)) for k in split_keys] + [_csv_cell(ui.get(k)) for k in ui_keys]
                        + tail)
    return out.getvalue()


def _ran_on(r: dict[str, Any]) -> str:
    """Where a run ran, naming its Python when that was not the one exporting (a run on pyenv's 3.13, say)."""
    where = r.get("ran_on") or "–"
    py = r.get("python") or {}
    if py.get("executable") in (None, sys.executable):
        return where
    return f"{where} · Python {py.get('version')}{'t' if py.get('free_threaded') else ''}"


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return ";".join(str(_csv_cell(x)) for x in v)
    return v


#: Markdown columns: (header, cell text).
_MD_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("Run", lambda r: str(r["run_id"])),
    ("Workload", lambda r: r["workload"]),
    ("Mode", lambda r: r["mode"]),
    ("Workers", lambda r: str(r["workers"])),
    # Where it ran tells a serial run on a GUI thread from one in a worker host (the mode alone does not).
    ("Ran on", lambda r: _ran_on(r)),
    ("Start method", lambda r: r.get("start_method") or "–"),
    ("Tasks × size", lambda r: f"{r['tasks']:,} × {r['size']:,}"),
    ("Wall s", lambda r: _wall(r)),
    ("CPU s", lambda r: _fmt(r.get("cpu_s"), ".3f")),
    ("Speedup", lambda r: _fmt(r.get("speedup"), ".2f", "×")),
    ("Efficiency", lambda r: _fmt(r.get("efficiency"), ".0%")),
    ("Results", lambda r: {True: "ok", False: "differ"}.get(r.get("results_ok"), "–")),
    ("Status", lambda r: r.get("status") or "–"),
)


def _fmt(v: float | None, spec: str, suffix: str = "") -> str:
    return "–" if v is None else f"{v:{spec}}{suffix}"


def _wall(r: dict[str, Any]) -> str:
    """The median wall time, and its spread when there were repeats ("1.200 ±3%")."""
    spread = r.get("spread")
    return _fmt(r.get("wall_s"), ".3f") + ("" if spread is None else f" ±{spread:.0%}")


def _md_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def results_markdown(records: Iterable[RunRecord | dict[str, Any]]) -> str:
    """The runs as a GitHub-flavoured Markdown table (numbers right-aligned)."""
    rows = [_as_dict(r) for r in records]
    numeric = {"Run", "Workers", "Tasks × size", "Wall s", "CPU s", "Speedup", "Efficiency"}
    lines = ["| " + " | ".join(h for h, _ in _MD_COLUMNS) + " |",
             "|" + "|".join("---:" if h in numeric else "---" for h, _ in _MD_COLUMNS) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(cell(row)) for _, cell in _MD_COLUMNS) + " |")
    lines += ["", f"*Measured with {machine_line()}.*"]
    return "\n".join(lines) + "\n"


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` atomically (temp file + rename), so a failed write keeps the old file.

    Raises :class:`ExportError` with a message meant for the user.
    """
    p = os.fspath(path)
    check_writable(p)
    tmp = f"{p}.tmp-{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    except OSError as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise ExportError(f"cannot write {p}: {exc.strerror or exc}") from None


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` as UTF-8, atomically (see :func:`write_bytes`)."""
    write_bytes(path, text.encode("utf-8"))


def bench_command(r: RunRecord) -> str:
    """The terminal command that runs ``r``'s tasks the same way (``concgui bench``), for a shell.

    A run on the GUI thread or the window's QThreads is, for the terminal, a
    serial or threads run of this process: the same engine loop. A run of a
    developer's function is ``bench --function`` (with ``--path`` where this
    session profiled it).
    """
    import shlex

    from concgui.engine.user_function import split_name

    mine = split_name(r.workload)
    if mine is not None:  # a developer's function: named, with its folder where this session profiled it
        from concgui.engine.function_profile import profile_of

        prof = profile_of(r.workload)
        args = ["concgui", "bench", "--function", ":".join(mine)]
        args += ["--path", prof.path] if prof is not None and prof.path else []
        args += ["--modes", r.mode, "--tasks", str(r.tasks)]
    else:
        args = ["concgui", "bench", "--workload", r.workload, "--modes", r.mode, "--tasks", str(r.tasks),
                "--size", str(r.size)]
    if r.mode != "serial":
        args += ["--workers", str(r.workers)]
    if r.mode == "processes" and r.start_method:
        args += ["--start-method", r.start_method]
        args += ["--chunk-size", str(r.chunk_size)]
    repeats = len(r.samples_wall_s)
    if repeats > 1:
        args += ["--repeats", str(repeats)]
    return shlex.join(args)
