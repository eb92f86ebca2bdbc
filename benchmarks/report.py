"""Benchmark results: rows of (section, what, measured, target, met) plus the machine."""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field
from importlib import metadata


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description() -> dict:
    import psutil

    versions = {}
    for dist in ("concgui", "PySide6-Essentials", "pyqtgraph", "psutil", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "load_avg_1m_start": _load(),
    }


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


@dataclass
class Row:
    section: str
    what: str
    measured: str
    target: str = ""
    met: bool | None = None
    note: str = ""
    value: float | None = None


@dataclass
class Report:
    machine: dict
    rows: list[Row] = field(default_factory=list)

    def add(self, section: str, what: str, measured: str, target: str = "", met: bool | None = None,
            note: str = "", value: float | None = None) -> None:
        row = Row(section, what, measured, target, met, note, value)
        self.rows.append(row)
        mark = "" if met is None else (" [met]" if met else " [MISSED]")
        print(f"  {what}: {measured}{(' (target ' + target + ')') if target else ''}{mark}", flush=True)

    def as_dict(self) -> dict:
        return {"machine": self.machine, "rows": [asdict(r) for r in self.rows]}

    def markdown(self) -> str:
        m = self.machine
        lines = [
            f"Machine: {m['cpu']}, {m['logical_cores']} logical / {m['physical_cores']} physical cores, "
            f"{m['memory_gib']} GiB, {m['python']}, {m['os']}; "
            + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
            + (f"; load average (1 min) {m.get('load_avg_1m_start')} at start, {m.get('load_avg_1m_end')} at end"
               if m.get("load_avg_1m_start") is not None else ""),
            "",
            "| section | what | measured | target | met |",
            "|---|---|---|---|---|",
        ]
        for r in self.rows:
            met = "" if r.met is None else ("yes" if r.met else "**no**")
            note = f" ({r.note})" if r.note else ""
            lines.append(f"| {r.section} | {r.what} | {r.measured}{note} | {r.target} | {met} |")
        return "\n".join(lines) + "\n"
