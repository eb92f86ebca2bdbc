"""Facts about the running interpreter and machine, read, never assumed.

Every statement the app makes about the GIL, the switch interval or start
methods comes from here, so it is true for the interpreter that is running.
"""

from __future__ import annotations

import os
import platform
import sys
import sysconfig
from dataclasses import asdict, dataclass

import psutil

from concgui.engine import startmethods


def gil_enabled() -> bool:
    """Whether the GIL is on right now (always True before 3.13)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


def free_threaded_build() -> bool:
    """Whether this build *can* run without the GIL (``Py_GIL_DISABLED`` is 1)."""
    return sysconfig.get_config_var("Py_GIL_DISABLED") == 1


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
