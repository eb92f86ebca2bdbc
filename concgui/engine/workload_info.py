"""Each workload explained: what it does, what it does with the GIL and why, and its real source.

The words come from the workload's catalog entry
(:class:`concgui.engine.workloads.Workload`), which owns them like every other
fact about it. The source is read with :func:`inspect.getsource` from the
module that runs, so what you read is exactly what the workers execute.
Qt-free (the GUI's Workload panel and any text output use it).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from concgui.engine.workloads import get_workload


@dataclass(frozen=True)
class WorkloadInfo:
    name: str
    what: str  # the task function's docstring
    gil: str  # "holds the GIL", "releases the GIL" or "I/O"
    why: str
    source: str
    function: str  # module.qualname of the task function


def describe(name: str) -> WorkloadInfo:
    """What workload ``name`` does, its GIL behaviour and why, and its task function's source."""
    w = get_workload(name)
    func = w.func
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        source = f"# The source of {func.__qualname__} is not available in this build.\n"
    return WorkloadInfo(
        name=w.name,
        what=inspect.cleandoc(func.__doc__ or w.summary),
        gil=w.badge,
        why=w.why,
        source=source,
        function=f"{func.__module__}.{func.__qualname__}",
    )
