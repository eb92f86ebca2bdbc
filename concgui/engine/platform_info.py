"""Facts about the running interpreter and machine, read, never assumed.

Every statement the app makes about the GIL, the switch interval or start
methods comes from here, so it is true for the interpreter that is running.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import asdict, dataclass

import psutil

from concgui.engine import startmethods
from concgui.engine.python_facts import free_threaded_build, gil_enabled

__all__ = ["PlatformInfo", "collect", "free_threaded_build", "gil_enabled"]


@dataclass(frozen=True)
class PlatformInfo:
    python: str
    implementation: str
    executable: str
    gil_enabled: bool
    free_threaded_build: bool
    logical_cores: int
    physical_cores: int | None
    start_methods: list[str]
    default_start_method: str
    switch_interval_s: float
    os: str

    def as_dict(self) -> dict:
        return asdict(self)


def collect() -> PlatformInfo:
    return PlatformInfo(
        python=platform.python_version(),
        implementation=platform.python_implementation(),
        executable=sys.executable,
        gil_enabled=gil_enabled(),
        free_threaded_build=free_threaded_build(),
        logical_cores=os.cpu_count() or 1,
        physical_cores=psutil.cpu_count(logical=False),
        start_methods=startmethods.available(),
        default_start_method=startmethods.default(),
        switch_interval_s=sys.getswitchinterval(),
        os=f"{platform.system()} {platform.release()}",
    )
