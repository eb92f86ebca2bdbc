"""Your own function: profiled in a fresh process, run in every mode, results checked against serial.

The module each test uses is written to a temporary folder under a name of
its own, so no test sees another's import.
"""

from __future__ import annotations

import itertools
import pickle
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.function_profile import FunctionError, FunctionRef, Profile, profile, run_context
from concgui.engine.recommend import check, recommend
from concgui.engine.repeats import summarize
from concgui.engine.compare import make_record
from concgui.engine.events import RunStarted
from concgui.engine.runner import Runner
from concgui.engine.user_function import Pickled, as_pickle, split_name, workload_name

_names = itertools.count()

MODULE = '''
import dataclasses, hashlib

@dataclasses.dataclass
class Point:  # a result only this module can unpickle
    x: int
    label: str

def work(item):
    n = item["n"] if isinstance(item, dict) else item
    return Point(n * n, hashlib.sha256(str(n).encode()).hexdigest()[:8])

def items():
    return ({"n": n} for n in range(10))

def tiny(i):
    return i + 1

square = lambda x: x * x

def local_maker():
    def inner(x):
        return x
    return inner

inner = local_maker()

def raises(i):
    if i == 2:
        raise ValueError("two is not allowed")
    return i

NOT_CALLABLE = 42

def chatty(i):
    print("working on", i)
    return i

def unpicklable_result(i):
    return (lambda: i)
'''


@pytest.fixture
def mod(tmp_path: Path) -> str:
    """A fresh module of the functions above, in ``tmp_path``: its name."""
    name = f"cg_user_fn_{next(_names)}_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MODULE))
    yield name
    sys.modules.pop(name, None)
    while str(tmp_path) in sys.path:
        sys.path.remove(str(tmp_path))


def ref(mod: str, tmp_path: Path, func: str = "work", **kw) -> FunctionRef:
    return FunctionRef(f"{mod}:{func}", str(tmp_path), **kw)


# --- naming -----------------------------------------------------------------------


def test_a_function_workload_is_named_by_its_module_and_function() -> None:
    assert workload_name("pkg.tasks", "work") == "function:pkg.tasks:work"
    assert split_name("function:pkg.tasks:work") == ("pkg.tasks", "work")
    assert split_name("cpu-python") is None


@pytest.mark.parametrize("target", ["work", "mod:", ":work", "mod:wo rk", "1mod:work", ""])
def test_a_target_must_be_module_colon_function(target: str) -> None:
    with pytest.raises(FunctionError, match="MODULE:FUNCTION"):
        FunctionRef(target).checked()


def test_items_come_one_way_and_paths_must_exist(tmp_path: Path) -> None:
    with pytest.raises(FunctionError, match="not both"):
        FunctionRef("m:f", str(tmp_path), inputs="m:g", items_file=str(tmp_path)).checked()
    with pytest.raises(FunctionError, match="the folder to import your module from, .* does not exist"):
        FunctionRef("m:f", str(tmp_path / "nope")).checked()
    with pytest.raises(FunctionError, match="the items file .* does not exist"):
        FunctionRef("m:f", str(tmp_path), items_file=str(tmp_path / "items.json")).checked()


def test_a_function_run_needs_its_function() -> None:
    with pytest.raises(ConfigError, match="--function"):
        RunConfig("function:m:f").validate()


# --- the profile ----------------------------------------------------------------------


def test_the_profile_measures_in_a_fresh_process_and_hands_over_the_items(mod: str, tmp_path: Path) -> None:
    prep = profile(ref(mod, tmp_path, inputs=f"{mod}:items"))
    p = prep.profile
    assert mod not in sys.modules  # the profile imported it elsewhere
    assert p.items == 10 and p.items_from == f"{mod}:items()"
    assert [pickle.loads(b) for b in prep.items] == [{"n": n} for n in range(10)]
    assert 1 <= p.calls <= 10 and p.task_wall_s > 0 and p.import_s > 0
    assert p.result_bytes and p.result_bytes > 0 and p.item_bytes > 0
    assert p.two_threads_speedup is not None and p.thread_cpu_share is not None
    assert p.deterministic and not p.problems and not p.printed_chars and not p.files_written
    assert p.memory_mb is None or p.memory_mb > 5


def test_tasks_take_the_first_items_and_no_more_than_there_are(mod: str, tmp_path: Path) -> None:
    assert profile(ref(mod, tmp_path, inputs=f"{mod}:items"), tasks=4).profile.items == 4
    with pytest.raises(FunctionError, match="more items than"):
        profile(ref(mod, tmp_path, inputs=f"{mod}:items"), tasks=11)
    assert profile(ref(mod, tmp_path, "tiny"), tasks=5).profile.items_from == "range(5)"


def test_items_from_a_json_list(mod: str, tmp_path: Path) -> None:
    (tmp_path / "items.json").write_text('[1, 2, 3]')
    assert profile(ref(mod, tmp_path, "tiny", items_file=str(tmp_path / "items.json"))).profile.items == 3
    (tmp_path / "bad.json").write_text('{"a": 1}')
    with pytest.raises(FunctionError, match="JSON list"):
        profile(ref(mod, tmp_path, "tiny", items_file=str(tmp_path / "bad.json")))


@pytest.mark.parametrize("func, words", [
    ("missing", "has no function 'missing'"),
    ("NOT_CALLABLE", "is a int, not a function"),
    ("raises", "raised on item 2 (2): ValueError: two is not allowed"),
])
def test_what_is_wrong_with_the_function_is_one_line(mod: str, tmp_path: Path, func: str, words: str) -> None:
    with pytest.raises(FunctionError) as err:
        profile(ref(mod, tmp_path, func), tasks=5)
    assert words in str(err.value) and "\n" not in str(err.value)
    if func == "raises":  # the traceback, for Details
        assert err.value.details and "two is not allowed" in err.value.details and "line" in err.value.details


def test_a_module_that_does_not_import_says_why(tmp_path: Path) -> None:
    (tmp_path / "cg_broken_mod.py").write_text("import no_such_module_here\n")
    with pytest.raises(FunctionError, match="cannot import cg_broken_mod: ModuleNotFoundError: No module named"):
        profile(FunctionRef("cg_broken_mod:f", str(tmp_path)))


@pytest.mark.parametrize("func, words", [("square", "the function 'square' is a lambda, which pickle cannot send"),
                                         ("inner", "(local_maker.<locals>.inner) is defined inside another"),
                                         ("unpicklable_result", "the result of item 0")])
def test_what_a_process_cannot_be_sent_is_named_and_refused_there(mod: str, tmp_path: Path, func: str,
                                                                  words: str) -> None:
    r = ref(mod, tmp_path, func)
    prep = profile(r, tasks=4)
    assert words in " ".join(prep.profile.problems.values())
    RunConfig("function", "threads", 2, 4, function=r).validate()  # threads need no pickles
    for mode in ("processes", "interpreters"):
        with pytest.raises(ConfigError, match=f"the {mode} mode sends your function and its results"):
            RunConfig("function", mode, 2, 4, function=r).validate()


def test_prints_are_noted_not_shown(mod: str, tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    p = profile(ref(mod, tmp_path, "chatty"), tasks=3).profile
    assert p.printed_chars >= len("working on 0\n")
    assert "working on" not in capfd.readouterr().out


def test_a_call_that_never_returns_is_stopped(tmp_path: Path) -> None:
    (tmp_path / "cg_hangs.py").write_text("import time\ndef f(i):\n    time.sleep(60)\n")
    with pytest.raises(FunctionError, match="did not return within 1 s"):
        profile(FunctionRef("cg_hangs:f", str(tmp_path)), tasks=2, timeout_s=1.0)


# --- runs ---------------------------------------------------------------------------------


def _run_all(r: FunctionRef, tasks: int, modes=("serial", "threads", "processes"), where="here"):
    out = []
    with Runner() as runner:
        for i, mode in enumerate(modes):
            started: list = []
            cfg = RunConfig("function", mode, 1 if mode == "serial" else 2, tasks, function=r,
                            where=where if mode in ("serial", "threads") else None)
            fin = runner.run(cfg, lambda ev: started.append(ev) if isinstance(ev, RunStarted) else None)
            out.append((i, make_record(started[0], fin, None)))
    return summarize(out)


def test_every_mode_gives_the_serial_results(mod: str, tmp_path: Path) -> None:
    r = ref(mod, tmp_path, inputs=f"{mod}:items")
    profile(r)
    records = _run_all(r, 10)
    assert [x.status for x in records] == ["done"] * 3
    assert [x.results_ok for x in records] == [True, True, True]
    assert records[0].workload == f"function:{mod}:work"


def test_a_process_run_never_imports_the_function_here(mod: str, tmp_path: Path) -> None:
    """The window's runs: in worker hosts and pools. Their results come back as pickles, digested as they are."""
    r = ref(mod, tmp_path, inputs=f"{mod}:items")
    profile(r)
    records = _run_all(r, 10, where="host")
    assert all(x.results_ok for x in records[1:])
    assert mod not in sys.modules


def test_results_are_compared_by_their_pickles(mod: str, tmp_path: Path) -> None:
    r = ref(mod, tmp_path, "tiny")
    with run_context(r, 3, here=True) as ctx:
        assert ctx["items"] == [0, 1, 2] and not ctx["pickled"]
    with run_context(r, 3, here=False) as ctx:
        assert ctx["items"] == [pickle.dumps(i, 4) for i in range(3)] and ctx["pickled"]
    assert as_pickle(Pickled(b"abc")) == b"abc" and as_pickle(7) == pickle.dumps(7, 4)


def test_a_run_that_raises_fails_with_the_first_traceback(mod: str, tmp_path: Path) -> None:
    r = ref(mod, tmp_path, "raises")
    with Runner() as runner:
        fin = runner.run(RunConfig("function", "processes", 2, 5, function=r))
    assert fin.status.value == "failed" and "two is not allowed" in (fin.error or "")
    assert "Traceback" in (fin.details or "")


# --- prediction and recommendation -----------------------------------------------------------


def fake_profile(**kw) -> Profile:
    base = dict(target="m:f", path=None, items=32, items_from="range(32)", import_s=0.01, calls=8,
                task_wall_s=0.02, task_wall_max_s=0.021, task_cpu_s=0.02, item_bytes=5, item_pickle_s=1e-6,
                item_unpickle_s=1e-6, result_bytes=20, result_pickle_s=1e-6, result_unpickle_s=1e-6,
                two_threads_speedup=1.0, two_threads_cores=1.0, thread_cpu_share=0.5, deterministic=True,
                printed_chars=0, printed_at_import=0, files_written=(), memory_mb=30.0,
                memory_before_import_mb=20.0)
    return Profile(**{**base, **kw})


def test_a_function_that_releases_the_gil_is_recommended_threads() -> None:
    p = fake_profile(two_threads_speedup=1.9, two_threads_cores=1.9, thread_cpu_share=0.95)
    rec = recommend(p, ["threads", "processes"], 2, 2, 32)
    assert rec.mode == "threads" and rec.chunk_size is None
    assert "releases the GIL 95% of the time" in rec.reasons[1] or "releases the GIL 95%" in " ".join(rec.reasons)
    assert rec.predicted_speedup["threads"] == pytest.approx(1.9, abs=0.01)


def test_pure_python_is_recommended_processes_with_a_chunk_when_tasks_are_tiny() -> None:
    rec = recommend(fake_profile(), ["threads", "processes"], 2, 2, 32)
    assert rec.mode == "processes" and "holds the GIL" in " ".join(rec.reasons)
    assert rec.predicted_speedup["threads"] == pytest.approx(1.0)
    tiny = recommend(fake_profile(task_wall_s=1e-4, items=100_000), ["threads", "processes"], 2, 2, 100_000)
    assert tiny.mode == "processes" and tiny.chunk_size == 200  # ~20 ms of work a message


def test_big_results_make_processes_lose() -> None:
    p = fake_profile(result_bytes=40e6, result_pickle_s=0.006, result_unpickle_s=0.006)
    rec = recommend(p, ["processes"], 2, 2, 32)
    pred = rec.predictions[1]
    assert pred.speedup is not None and pred.speedup < 1.0
    assert "receives each result (5 bytes and 40.0 MB" in pred.reason and "processes lose" in pred.reason
    mid = recommend(fake_profile(result_bytes=4e6, result_pickle_s=0.004, result_unpickle_s=0.001), ["processes"],
                    2, 2, 32).predictions[1]
    assert mid.speedup is not None and mid.speedup < 1.8 and "each result pickles to 4.0 MB" in mid.reason


def test_waiting_calls_overlap_on_more_threads_than_cores() -> None:
    p = fake_profile(two_threads_speedup=2.0, two_threads_cores=0.0, thread_cpu_share=0.0, task_cpu_s=0.0)
    rec = recommend(p, ["threads"], 8, 2, 32)
    assert rec.mode == "threads" and rec.predicted_speedup["threads"] == pytest.approx(8.0)
    assert "mostly waits" in rec.reasons[0]


def test_interpreters_are_predicted_only_where_this_python_has_them() -> None:
    rec = recommend(fake_profile(), ["interpreters"], 2, 2, 32, interpreters_why="needs Python 3.12+")
    assert rec.predicted_speedup["interpreters"] is None and rec.mode == "serial"
    assert "no way is predicted" in rec.reasons[0]


def test_the_check_says_where_the_prediction_missed() -> None:
    rec = recommend(fake_profile(), ["threads", "processes"], 2, 2, 32)
    serial = make_fake_record("serial", 1, 1.0)
    good = make_fake_record("processes", 2, 0.52)
    slow_threads = replace(make_fake_record("threads", 2, 0.6), other_load_cores=1.2)
    checks = {c.mode: c for c in check(rec, summarize(enumerate([serial, slow_threads, good])), fake_profile(), 2)}
    assert checks["processes"].holds is True and checks["processes"].why_missed is None
    assert checks["threads"].holds is False and "rest of the machine" in (checks["threads"].why_missed or "")


def make_fake_record(mode: str, workers: int, wall: float):
    from concgui.engine.compare import RunRecord

    return RunRecord(1, "function:m:f", mode, workers, 32, 1, None, 1, wall, wall, None, None, None, "done",
                     "d", samples_wall_s=(wall,))


def test_the_explanation_predicts_from_the_profile_or_says_it_has_none(mod: str, tmp_path: Path) -> None:
    from concgui.engine.explain import explain
    from concgui.engine.platform_info import collect

    def records(workload: str):
        serial, threads = make_fake_record("serial", 1, 1.0), make_fake_record("threads", 2, 0.98)
        return summarize(enumerate([replace(serial, workload=workload), replace(threads, workload=workload)]))

    text = explain(records("function:nobody:profiled_this"), collect())
    assert "Nothing was predicted for it: concgui has not profiled this function" in text
    assert "releases the GIL" not in text  # no textbook answer for code it has not measured
    r = ref(mod, tmp_path, "tiny")
    profile(r, tasks=32)
    text = explain(records(r.workload), collect())
    assert "Serial: 32 calls of " in text and "predicted" in text and "its profile: " in text


@pytest.mark.parametrize("mode", ["serial", "threads", "processes"])
def test_a_call_that_never_returns_is_stopped_by_the_task_timeout(tmp_path: Path, mode: str) -> None:
    (tmp_path / "cg_hangs_late.py").write_text(
        "import time\ndef f(i):\n    if i == 5:\n        time.sleep(3600)\n    time.sleep(0.005)\n    return i\n")
    r = FunctionRef("cg_hangs_late:f", str(tmp_path))
    cfg = RunConfig("function", mode, 1 if mode == "serial" else 2, 8, function=r, task_timeout_s=0.5)
    assert cfg.validate().where in (None, "host")  # threads here could not be stopped inside a call
    with Runner() as runner:
        fin = runner.run(cfg)
        assert fin.status.value == "failed" and "no task finished for 0.5 s (the task timeout)" in (fin.error or "")
        assert runner.run(RunConfig("cpu-python", mode, 2, 4, size=1000)).status.value == "done"  # not sticky
    sys.modules.pop("cg_hangs_late", None)


@pytest.mark.parametrize("bad", [0, -1, "5", True, 10**9])
def test_a_task_timeout_is_a_number_of_seconds(bad) -> None:
    with pytest.raises(ConfigError, match="the task timeout must be a number of seconds"):
        RunConfig(task_timeout_s=bad).validate()


def test_the_terminal_command_of_a_function_run_names_the_function(mod: str, tmp_path: Path) -> None:
    from concgui.engine.export import bench_command

    r = ref(mod, tmp_path, "tiny")
    profile(r, tasks=4)
    rec = replace(make_fake_record("processes", 2, 0.5), workload=r.workload, tasks=4, start_method="spawn")
    cmd = bench_command(rec)
    assert cmd.startswith(f"concgui bench --function {mod}:tiny --path {tmp_path} --modes processes --tasks 4")
    assert "--size" not in cmd and "--workload" not in cmd


def test_an_edited_module_is_imported_again_by_warm_workers(tmp_path: Path) -> None:
    import os

    src = tmp_path / "cg_edited.py"
    src.write_text("def f(i):\n    return 1\n")
    r = FunctionRef("cg_edited:f", str(tmp_path))
    with Runner() as runner:
        for mode in ("serial", "processes"):
            cfg = RunConfig("function", mode, 1 if mode == "serial" else 2, 3, function=r, where="host"
                            if mode == "serial" else None)
            before = runner.run(cfg).digest
            src.write_text("def f(i):\n    return 2\n")
            st = src.stat()
            os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # a later change time, whatever the clock
            assert runner.run(cfg).digest != before  # the same warm host or pool, the new code
            src.write_text("def f(i):\n    return 1\n")
            os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
    sys.modules.pop("cg_edited", None)


def test_a_run_estimate_uses_the_profiled_call_time(mod: str, tmp_path: Path) -> None:
    from concgui.engine.estimate import serial_seconds

    r = ref(mod, tmp_path, "tiny")
    cfg = RunConfig("function", "serial", 1, 1000, function=r)
    prep = profile(r, tasks=4)
    assert serial_seconds(cfg) == pytest.approx(1000 * prep.profile.task_wall_s)


def test_the_recommendation_is_checked_against_the_run_with_its_worker_count() -> None:
    from concgui.engine.function_report import check_lines

    p = fake_profile(two_threads_speedup=1.9, two_threads_cores=1.9, thread_cpu_share=0.95)
    rec = recommend(p, ["threads"], 2, 2, 32)
    runs = summarize(enumerate([make_fake_record("serial", 1, 1.0), make_fake_record("threads", 1, 1.0),
                                make_fake_record("threads", 2, 0.55)]))
    lines = check_lines(check(rec, runs, p, 2), rec, runs)
    assert lines[-1] == "The recommendation held: threads ×2 was measured the fastest (1.82×)."


def test_items_that_cannot_be_pickled_are_named(tmp_path: Path) -> None:
    (tmp_path / "cg_bad_items.py").write_text(
        "import threading\ndef f(x):\n    return 1\ndef items():\n    return [1, threading.Lock()]\n")
    with pytest.raises(FunctionError, match=r"item 1 \(<unlocked _thread.lock object.*\) cannot be pickled"):
        profile(FunctionRef("cg_bad_items:f", str(tmp_path), inputs="cg_bad_items:items"))
