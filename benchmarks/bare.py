"""Task wrappers for the *bare* executors the benchmarks compare concgui with.

Worker processes of a plain ``ProcessPoolExecutor`` (or joblib) import this
module to unpickle the task, so it imports only the engine's workload catalog:
no Qt, no benchmarks machinery. Each call computes exactly what the engine's
worker computes for the same task id: ``func(size, task_seed(task_id))``.
"""

from __future__ import annotations

from typing import Any, Callable

from concgui.engine.workloads import task_seed


def task(func: Callable[..., Any], size: int, task_id: int) -> Any:
    """One task, as the engine runs it but without events or progress."""
    return func(size, task_seed(task_id))


def chunk(func: Callable[..., Any], size: int, bounds: tuple[int, int]) -> list[Any]:
    """Tasks ``bounds[0]..bounds[1]-1`` in one call (manual chunking for thread pools)."""
    return [func(size, task_seed(i)) for i in range(*bounds)]
