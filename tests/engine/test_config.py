"""RunConfig.validate: bad input is a ConfigError with a usable sentence, never a crash."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from concgui.engine import startmethods
from concgui.engine.config import (
    CHUNK_TARGET_S,
    MAX_TASKS,
    MAX_THREADS,
    COMPARE_MODES,
    MODES,
    POOL_MODES,
    ConfigError,
    RunConfig,
    auto_chunk_size,
    max_processes,
)
from concgui.engine.workloads import CATALOG, get_workload


def test_defaults_are_filled_in() -> None:
    v = RunConfig().validate()
    w = get_workload(v.workload)
    assert v.size == w.default_size
    assert v.workers == 1
    assert v.start_method is None
    assert v.chunk_size == 1


@pytest.mark.parametrize("workload", list(CATALOG))
def test_every_workload_validates_with_defaults(workload: str) -> None:
    for mode in COMPARE_MODES:
        v = RunConfig(workload, mode, 2).validate()
        assert v.size == CATALOG[workload].default_size
        assert 1 <= v.size <= CATALOG[workload].max_size


def test_processes_defaults() -> None:
    v = RunConfig("cpu-python", "processes", 2, tasks=16).validate()
    assert v.start_method == startmethods.default()
    assert v.start_method in startmethods.available()
    assert v.chunk_size >= 1
    assert v.workers == 2


def test_validate_returns_a_copy_and_is_idempotent() -> None:
    cfg = RunConfig("io-sleep", "threads", 3, tasks=5)
    v = cfg.validate()
    assert cfg.size is None  # the original is untouched (frozen)
    assert v.validate() == v


def test_serial_always_uses_one_worker() -> None:
    assert RunConfig("cpu-python", "serial", 4).validate().workers == 1


def test_explicit_start_method_and_chunk_are_kept() -> None:
    method = startmethods.available()[0]
    v = RunConfig("cpu-python", "processes", 2, tasks=10, start_method=method, chunk_size=3).validate()
    assert v.start_method == method
    assert v.chunk_size == 3


BAD = [
    pytest.param(dict(mode="threads", workers=0), "workers", id="workers-0-threads"),
    pytest.param(dict(mode="processes", workers=0), "workers", id="workers-0-processes"),
    pytest.param(dict(mode="threads", workers=-1), "workers", id="workers-neg-threads"),
    pytest.param(dict(mode="processes", workers=-1), "workers", id="workers-neg-processes"),
    pytest.param(dict(mode="threads", workers=MAX_THREADS + 1), "workers", id="workers-huge-threads"),
    pytest.param(dict(mode="processes", workers=max_processes() + 1), "workers", id="workers-huge-processes"),
    pytest.param(dict(mode="threads", workers=100_000), "workers", id="workers-100000"),
    pytest.param(dict(tasks=0), "tasks", id="tasks-0"),
    pytest.param(dict(tasks=-5), "tasks", id="tasks-neg"),
    pytest.param(dict(tasks=MAX_TASKS + 1), "tasks", id="tasks-huge"),
    pytest.param(dict(size=0), "size", id="size-0"),
    pytest.param(dict(size=-1), "size", id="size-neg"),
    pytest.param(dict(size=CATALOG["cpu-python"].max_size + 1), "size", id="size-huge"),
    pytest.param(dict(workload="io-file", size=CATALOG["io-file"].max_size + 1), "size", id="size-huge-io-file"),
    pytest.param(dict(workload="nope"), "workload", id="unknown-workload"),
    pytest.param(dict(workload=""), "workload", id="empty-workload"),
    pytest.param(dict(mode="fibers"), "mode", id="unknown-mode"),
    pytest.param(dict(mode="threads", workers="2"), "workers", id="workers-str"),
    pytest.param(dict(mode="threads", workers=2.0), "workers", id="workers-float"),
    pytest.param(dict(mode="threads", workers=True), "workers", id="workers-bool"),
    pytest.param(dict(tasks=None), "tasks", id="tasks-none"),
    pytest.param(dict(tasks=1.5), "tasks", id="tasks-float"),
    pytest.param(dict(size="abc"), "size", id="size-str"),
    pytest.param(dict(mode="threads", start_method="spawn"), "start method", id="start-method-threads"),
    pytest.param(dict(mode="serial", start_method="fork"), "start method", id="start-method-serial"),
    pytest.param(dict(mode="processes", start_method="teleport"), "start method", id="start-method-unknown"),
    pytest.param(dict(mode="processes", chunk_size=0), "chunk", id="chunk-0"),
    pytest.param(dict(mode="processes", chunk_size="4"), "chunk", id="chunk-str"),
]


@pytest.mark.parametrize("kwargs, word", BAD)
def test_bad_input_is_a_config_error(kwargs: dict, word: str) -> None:
    with pytest.raises(ConfigError) as info:
        RunConfig(**kwargs).validate()
    msg = str(info.value)
    assert word in msg, msg
    assert "\n" not in msg and msg.strip() == msg and len(msg) < 300, msg


def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_limits_are_inclusive() -> None:
    RunConfig("cpu-python", "threads", MAX_THREADS, tasks=1, size=1).validate()
    RunConfig("cpu-python", "processes", max_processes(), tasks=1, size=1).validate()
    for name in CATALOG:
        RunConfig(name, "serial", tasks=MAX_TASKS, size=CATALOG[name].max_size).validate()


def test_every_workload_has_a_size_limit() -> None:
    for w in CATALOG.values():
        assert type(w.max_size) is int and 1 <= w.default_size <= w.max_size


# --- chunking ----------------------------------------------------------------


def test_auto_chunk_examples() -> None:
    # Tasks already >= 20 ms: one per chunk.
    assert auto_chunk_size(0.05, 100, 2) == 1
    # 1 ms tasks, plenty of them: 20 per chunk (20 ms), still >= 4 chunks per worker.
    assert auto_chunk_size(0.001, 1000, 2) == 20
    # Few tasks: balance wins over the 20 ms target.
    assert auto_chunk_size(1e-6, 16, 2) == 2
    assert auto_chunk_size(1e-6, 3, 8) == 1
    # Free tasks do not make a zero or infinite chunk.
    assert auto_chunk_size(0.0, 100, 1) >= 1


@given(
    task_s=st.floats(min_value=1e-9, max_value=10.0, allow_nan=False),
    tasks=st.integers(min_value=1, max_value=MAX_TASKS),
    workers=st.integers(min_value=1, max_value=64),
)
def test_auto_chunk_property(task_s: float, tasks: int, workers: int) -> None:
    chunk = auto_chunk_size(task_s, tasks, workers)
    assert chunk >= 1
    chunks = math.ceil(tasks / chunk)
    # >= 4 chunks per worker whenever there are that many tasks.
    assert chunks >= min(tasks, 4 * workers)
    # >= ~20 ms of work per chunk, unless a bigger chunk would break the balance rule.
    enough_work = chunk * task_s >= CHUNK_TARGET_S * (1 - 1e-9)
    balance_bound = tasks // (chunk + 1) < 4 * workers
    assert enough_work or balance_bound
    # ... and not (much) more than the target: one task less would be under it.
    assert (chunk - 1) * task_s < CHUNK_TARGET_S * (1 + 1e-9)


@pytest.mark.parametrize("workload", list(CATALOG))
def test_validate_uses_auto_chunk(workload: str) -> None:
    w = get_workload(workload)
    v = RunConfig(workload, "processes", 2, tasks=10_000).validate()
    assert v.chunk_size == auto_chunk_size(w.estimate_task_s(v.size), 10_000, 2)
    assert v.chunk_size * w.estimate_task_s(v.size) >= CHUNK_TARGET_S * (1 - 1e-9) or v.chunk_size == 10_000 // 8


# --- any input: a valid config or a ConfigError --------------------------------

_ints = st.one_of(
    st.integers(min_value=-3, max_value=300),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, MAX_THREADS, MAX_THREADS + 1, max_processes(), max_processes() + 1, MAX_TASKS,
                     MAX_TASKS + 1] + [w.max_size + d for w in CATALOG.values() for d in (0, 1)]),
)
_anything = st.one_of(_ints, st.none(), st.booleans(), st.floats(allow_nan=True), st.text(max_size=5))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    workload=st.one_of(st.sampled_from(list(CATALOG)), st.text(max_size=8)),
    mode=st.one_of(st.sampled_from(MODES), st.text(max_size=8)),
    workers=st.one_of(_ints, _anything),
    tasks=st.one_of(_ints, _anything),
    size=st.one_of(_ints, st.none(), _anything),
    start_method=st.one_of(st.none(), st.sampled_from(["fork", "spawn", "forkserver", "nope", ""])),
    chunk_size=st.one_of(st.none(), _ints),
)
def test_any_input_is_valid_or_config_error(workload, mode, workers, tasks, size, start_method, chunk_size) -> None:
    cfg = RunConfig(workload, mode, workers, tasks, size, start_method, chunk_size)
    try:
        v = cfg.validate()
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    # Valid: complete and within limits.
    assert v.workload in CATALOG and v.mode in MODES
    assert type(v.workers) is int and 1 <= v.workers
    assert v.workers <= (max_processes() if v.mode in POOL_MODES else MAX_THREADS)
    assert type(v.tasks) is int and 1 <= v.tasks <= MAX_TASKS
    assert type(v.size) is int and 1 <= v.size <= CATALOG[v.workload].max_size
    assert type(v.chunk_size) is int and v.chunk_size >= 1
    if v.mode == "processes":
        assert v.start_method in startmethods.available()
    elif v.mode == "interpreters":  # chunks, like processes, but no start method: one host process
        assert v.start_method is None
    else:
        assert v.start_method is None
        assert v.chunk_size == 1
    if v.mode == "serial":
        assert v.workers == 1
