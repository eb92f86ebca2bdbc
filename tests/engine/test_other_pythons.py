"""Other Pythons and subinterpreters: found, described truly, refused in one sentence, and run like any mode.

The Pythons come from pyenv's ``versions/`` (3.10, 3.12 and 3.13 on the
development and CI machines) and from ``$CONCGUI_TEST_PYTHONS`` (paths joined
by ``os.pathsep``): whoever has a free-threaded 3.13t/3.14t adds it there and
the free-threaded cases below run for real. Where a version is not found the
test says so in its skip reason.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from concgui.engine.compare import RunRecord, comparable_groups, make_record
from concgui.engine.config import ConfigError, RunConfig
from concgui.engine.events import RunStarted, RunStatus, TasksFinished, WorkerStarted
from concgui.engine.explain import explain
from concgui.engine.platform_info import collect
from concgui.engine.pythons import TEST_PYTHONS_ENV, PythonError, PythonInfo, discover, probe, pyenv_root, this_python
from concgui.engine.runner import Runner

from tests.helpers import wait_gone

from .test_modes import expected_digest

ROOT = Path(__file__).resolve().parents[2]
SIZE = 5_000
TASKS = 6


def _usable() -> list[PythonInfo]:
    """Every Python the tests may run on other than this one: pyenv's and the ones the tester adds."""
    paths = sorted((pyenv_root() / "versions").glob("*/bin/python3"))
    paths += [Path(p) for p in os.environ.get(TEST_PYTHONS_ENV, "").split(os.pathsep) if p]
    out: dict[str, PythonInfo] = {}
    for p in paths:
        try:
            info = probe(str(p))
        except PythonError:
            continue  # a 3.9 or a broken build: refused, as the bad-input tests check
        if not info.is_this:
            out.setdefault(os.path.realpath(info.executable), info)
    return list(out.values())


OTHERS = _usable()


def _other(minor: int | None = None, *, subinterpreters: bool = False, free_threaded: bool = False) -> PythonInfo:
    for info in OTHERS:
        if ((minor is None or info.version_tuple[:2] == (3, minor))
                and (info.per_interpreter_gil or not subinterpreters) and (info.free_threaded or not free_threaded)):
            return info
    want = " ".join(filter(None, [f"3.{minor}" if minor else "another", "free-threaded" if free_threaded else "",
                                  "with subinterpreters" if subinterpreters else ""]))
    pytest.skip(f"no {want} Python found in {pyenv_root() / 'versions'} or ${TEST_PYTHONS_ENV}")


def _ids(infos: list[PythonInfo]) -> list[str]:
    return [i.version + ("t" if i.free_threaded else "") for i in infos]


@pytest.fixture
def runner():
    r = Runner()
    yield r
    pids = [*(r._pool.pids if r._pool is not None else []), *([r.host_pid] if r.host_pid else [])]
    r.close()
    left = wait_gone(pids, timeout=5)
    assert not left, f"worker hosts of another Python outlived Runner.close(): {left}"


def _fake_python(tmp_path: Path, name: str, body: str) -> str:
    """A script that stands where a Python should be, behaving as ``body`` says."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return str(path)


# --- what a Python says about itself ----------------------------------------------------------


def test_this_python_describes_itself_as_sys_and_sysconfig_do() -> None:
    import sysconfig

    me = this_python()
    assert me.is_this and me.version.startswith(f"{sys.version_info[0]}.{sys.version_info[1]}.")
    assert me.free_threaded is (sysconfig.get_config_var("Py_GIL_DISABLED") == 1)
    assert me.gil_enabled is (getattr(sys, "_is_gil_enabled", lambda: True)())
    assert me.per_interpreter_gil is (sys.version_info >= (3, 12))
    assert me.interpreter_pool is (sys.version_info >= (3, 14))
    assert probe(sys.executable) == me  # the probe (another process of this Python) says the same


def test_a_workers_hello_says_of_its_python_what_the_full_facts_say() -> None:
    # The hello reads them without facts()'s imports (it is on the way to the first task).
    from concgui.engine.python_facts import facts, run_record, this_run_record

    assert this_run_record() == run_record(facts())


@pytest.mark.parametrize("info", OTHERS, ids=_ids(OTHERS))
def test_a_probe_reads_what_each_python_reports_for_itself(info: PythonInfo) -> None:
    """The probe's answer is the interpreter's own ``sysconfig``/``sys`` output, not a guess from its name."""
    script = ("import json, sys, sysconfig; print(json.dumps([sysconfig.get_config_var('Py_GIL_DISABLED'), "
              "getattr(sys, '_is_gil_enabled', lambda: True)(), list(sys.version_info[:3])]))")
    out = subprocess.run([info.executable, "-I", "-c", script], capture_output=True, text=True, timeout=30)
    gil_disabled, gil_on, version = json.loads(out.stdout)
    assert info.free_threaded is (gil_disabled == 1)
    assert info.gil_enabled is bool(gil_on)
    assert info.version == ".".join(map(str, version))
    assert info.per_interpreter_gil is (tuple(version[:2]) >= (3, 12))
    assert (info.subinterpreters is None) is (not info.per_interpreter_gil)


def test_a_free_threaded_build_is_labelled_with_its_gil_state() -> None:
    """As a 3.14t reports itself (``Py_GIL_DISABLED`` 1), with the GIL off, then turned back on."""
    facts = {"executable": "/opt/py/bin/python3.14t", "version": "3.14.0", "implementation": "cpython",
             "free_threaded": True, "gil_enabled": False, "per_interpreter_gil": True, "interpreter_pool": True,
             "subinterpreters": "concurrent.interpreters", "something_newer": 1}
    ft = PythonInfo.from_facts(facts)
    assert ft.label == "Python 3.14.0t (free-threaded, GIL off)"
    assert PythonInfo.from_facts({**facts, "gil_enabled": True}).label == "Python 3.14.0t (free-threaded, GIL on)"
    assert ft.as_json() == {"executable": "/opt/py/bin/python3.14t", "version": "3.14.0", "free_threaded": True,
                            "gil_enabled": False, "per_interpreter_gil": True, "interpreter_pool": True}
    assert ft.run_record() == {"version": "3.14.0", "executable": "/opt/py/bin/python3.14t", "free_threaded": True,
                               "gil_enabled": False}
    assert ft.version_tuple == (3, 14) and not ft.is_this


def test_discovery_lists_this_python_and_pyenvs_once_each() -> None:
    found = discover()
    usable = [f.info for f in found if f.info is not None]
    assert sum(i.is_this for i in usable) == 1
    real = [os.path.realpath(i.executable) for i in usable]
    assert len(real) == len(set(real)), "one interpreter reached by two paths is listed once"
    for info in OTHERS:
        assert os.path.realpath(info.executable) in real
    assert all(f.problem and "\n" not in f.problem for f in found if f.info is None)


# --- bad Pythons: one sentence each -------------------------------------------------------------


def test_each_kind_of_bad_python_gets_one_sentence(tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("not a program")
    cases = {
        str(tmp_path / "nowhere" / "python3"): "no such file",
        str(tmp_path): "is a folder",
        str(plain): "is not executable",
        _fake_python(tmp_path, "notpy", "echo hello\n"): "is not a Python that concgui can read",
        _fake_python(tmp_path, "py39", """\
            echo '{"executable": "/x/python3.9", "version": "3.9.18", "implementation": "cpython",
                   "free_threaded": false, "gil_enabled": true}' | tr -d '\\n'; echo
            """): "is Python 3.9.18; concgui needs Python 3.10 or newer",
        _fake_python(tmp_path, "crashes", "kill -SEGV $$\n"): "crashed while being asked what it is (SIGSEGV)",
        _fake_python(tmp_path, "fails", "echo 'Fatal Python error: init_fs_encoding' >&2; exit 1\n"):
            "failed while being asked what it is (Fatal Python error: init_fs_encoding)",
        "no-such-python-anywhere": "no such program on PATH",
    }
    for path, words in cases.items():
        with pytest.raises(PythonError) as err:
            probe(path)
        assert words in str(err.value) and "\n" not in str(err.value), (path, str(err.value))


def test_a_python_that_hangs_is_stopped_with_everything_it_started(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    hang = _fake_python(tmp_path, "hangs", f"sleep 60 & echo $! > {pidfile}; wait\n")
    with pytest.raises(PythonError, match=r"did not answer within 0\.5 s \(hung\?\)"):
        probe(hang, timeout=0.5)
    assert not wait_gone([int(pidfile.read_text())], timeout=5), "the hung probe's own child was left running"


def test_disabling_the_gil_on_a_normal_build_is_refused_as_python_says_it() -> None:
    normal = this_python()
    assert not normal.free_threaded, "this test needs a normal build (none of these machines has another)"
    with pytest.raises(ConfigError, match="Disabling the GIL is not supported by this build"):
        RunConfig("cpu-python", "threads", 2, 4, SIZE, gil="0").validate()
    with pytest.raises(ConfigError, match="PYTHON_GIL must be 0 or 1"):
        RunConfig("cpu-python", "threads", 2, 4, SIZE, gil="off").validate()



def test_a_normal_313_started_with_the_gil_off_refuses_in_its_own_words() -> None:
    """3.13+ normal builds refuse ``PYTHON_GIL=0`` themselves; the probe passes their sentence on."""
    normal = _other(13)
    assert not normal.free_threaded
    with pytest.raises(PythonError, match="Disabling the GIL is not supported by this build"):
        probe(normal.executable, gil="0")
    assert probe(normal.executable, gil="1").gil_enabled


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="this Python has subinterpreters with their own GIL")
def test_interpreters_mode_on_a_python_without_them_says_to_choose_another() -> None:
    with pytest.raises(ConfigError, match=r"needs Python 3\.12 or newer .* choose another Python"):
        RunConfig("cpu-python", "interpreters", 2, 4, SIZE).validate()


def test_a_start_method_does_not_apply_to_another_python() -> None:
    other = _other()
    with pytest.raises(ConfigError, match="starts each worker as a fresh interpreter"):
        RunConfig("cpu-python", "processes", 2, 4, SIZE, start_method="forkserver",
                  python=other.executable).validate()


@pytest.mark.parametrize("args, words", [
    (["--python", "/nonexistent/python3"], "no such file"),
    (["--python", "/etc"], "is a folder"),
    (["--python", sys.executable, "--gil", "0"], "Disabling the GIL is not supported by this build"),
])
def test_the_cli_refuses_a_bad_python_in_one_line_with_exit_2(args: list[str], words: str) -> None:
    p = subprocess.run([sys.executable, "-m", "concgui", "bench", "--workload", "cpu-python", "--tasks", "4",
                        "--size", "1000", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert words in p.stderr and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert p.stdout == ""  # nothing ran


# --- runs on another Python ------------------------------------------------------------------------


@pytest.mark.parametrize("info", OTHERS, ids=_ids(OTHERS))
def test_every_mode_on_another_python_computes_what_this_one_does(runner: Runner, info: PythonInfo) -> None:
    modes = ["serial", "threads", "processes"] + (["interpreters"] if info.per_interpreter_gil else [])
    expected = expected_digest("cpu-python", SIZE)
    for mode in modes:
        events: list = []
        cfg = RunConfig("cpu-python", mode, 2, TASKS, SIZE, python=info.executable)
        fin = runner.run(cfg, events.append)
        assert fin.status is RunStatus.DONE, (mode, fin.error, fin.details)
        assert fin.digest == expected, mode
        started = events[0]
        assert isinstance(started, RunStarted)
        assert started.python == info.run_record(), "the record names the Python that ran it"
        rec = make_record(started, fin, None)
        assert rec.python["version"] == info.version and rec.interpreter == info.executable
        done = [f for e in events if isinstance(e, TasksFinished) for f in e]
        assert sorted(f.task_id for f in done) == list(range(TASKS))


def test_a_run_on_another_python_runs_in_processes_of_that_python(runner: Runner) -> None:
    import psutil

    other = _other()
    events: list = []
    fin = runner.run(RunConfig("cpu-python", "processes", 2, TASKS, SIZE, python=other.executable), events.append)
    assert fin.status is RunStatus.DONE, (fin.error, fin.details)
    pids = runner._pool.pids
    assert len(pids) == 2 and os.getpid() not in pids
    for pid in pids:
        assert os.path.realpath(psutil.Process(pid).exe()) == os.path.realpath(other.executable)
    assert {e.pid for e in events if isinstance(e, WorkerStarted)} <= set(pids)
    assert all(mods == [] for mods in runner._pool.qt_modules.values()), "a foreign worker imported Qt"


def test_subinterpreters_are_threads_of_one_host_process_each_with_its_own_name(runner: Runner) -> None:
    other = _other(subinterpreters=True)
    events: list = []
    fin = runner.run(RunConfig("cpu-python", "interpreters", 3, TASKS, SIZE, python=other.executable),
                     events.append)
    assert fin.status is RunStatus.DONE, (fin.error, fin.details)
    (pid,) = runner._pool.pids
    workers = {f.worker for e in events if isinstance(e, TasksFinished) for f in e}
    assert workers <= {f"interp {k} · pid {pid}" for k in (1, 2, 3)} and len(workers) >= 2
    assert make_record(events[0], fin, None).ran_on == "subinterpreters of a worker host process"


def test_a_cancelled_run_on_another_python_leaves_no_host_behind(runner: Runner) -> None:
    import threading

    other = _other(subinterpreters=True)
    cfg = RunConfig("cpu-python", "interpreters", 2, 400, 2_000_000, python=other.executable)
    cancel = threading.Event()
    pids: list[int] = []

    def on_event(ev) -> None:
        if isinstance(ev, WorkerStarted) and not cancel.is_set():
            pids.extend(runner._pool.pids)
            cancel.set()

    fin = runner.run(cfg, on_event, cancel)
    assert fin.status is RunStatus.CANCELLED
    assert pids and not wait_gone(pids, timeout=5), "the subinterpreter host outlived its cancelled run"


# --- what the words and the groups say --------------------------------------------------------------


def _rec(run_id: int, mode: str, wall: float, python: dict | None, workers: int = 2, **kw) -> RunRecord:
    base = dict(run_id=run_id, workload="cpu-python", mode=mode, workers=1 if mode == "serial" else workers,
                tasks=8, size=3_000_000, start_method=None, chunk_size=1, wall_s=wall, cpu_s=wall * workers,
                speedup=None, efficiency=None, results_ok=True, status="done", digest="d", error=None,
                python=python)
    base.update(kw)
    return RunRecord(**base)


PY313 = {"version": "3.13.0", "executable": "/py/3.13/bin/python3", "free_threaded": False, "gil_enabled": True}


def test_runs_on_two_pythons_never_share_a_baseline() -> None:
    here = this_python().run_record()
    recs = [_rec(1, "serial", 1.0, here), _rec(2, "serial", 1.2, PY313), _rec(3, "threads", 1.0, here),
            _rec(4, "interpreters", 0.6, PY313)]
    groups = comparable_groups(recs)
    assert [[r.run_id for r in g] for g in groups] == [[1, 3], [2, 4]]


def test_the_interpreters_explanation_comes_from_the_run() -> None:
    serial = _rec(1, "serial", 1.6, PY313)
    interp = _rec(2, "interpreters", 0.85, PY313, speedup=1.88, efficiency=0.94,
                  ran_on="subinterpreters of a worker host process",
                  split={"pool_start_s": 0.094})
    text = explain([serial, interp], collect())
    assert "of Python 3.13.0" in text  # the baseline names the Python it ran on
    assert "Subinterpreters: 1.88× with 2 subinterpreters in one process" in text
    assert "own GIL" in text and "pickled" in text  # what is shared, and what is copied
    assert "NumPy" in text  # which extensions do not load
    assert "the private _interpreters module" in text  # the engine used on 3.13, said so
    assert "took 94 ms, which is not part of the wall time" in text
    on_312 = {**PY313, "version": "3.12.1"}
    assert "_xxsubinterpreters" in explain([_rec(1, "serial", 1.6, on_312), _rec(2, "interpreters", 0.85, on_312,
                                                                               speedup=1.88)], collect())


def test_every_export_names_the_python_of_each_run() -> None:
    import csv
    import io

    from concgui.engine.export import results_csv, results_markdown

    here = this_python().run_record()
    recs = [_rec(1, "serial", 1.0, here, ran_on="this process"),
            _rec(2, "serial", 1.2, PY313, ran_on="worker host process")]
    rows = list(csv.DictReader(io.StringIO(results_csv(recs))))
    assert [r["python_version"] for r in rows] == [here["version"], "3.13.0"]
    assert rows[1]["python_executable"] == PY313["executable"] and rows[1]["python_gil_enabled"] == "true"
    md = results_markdown(recs)
    assert "| worker host process · Python 3.13.0 |" in md
    assert "| this process |" in md  # this Python's runs say nothing more


# --- concgui interpreters -----------------------------------------------------------------------------


def test_the_interpreters_command_lists_each_python_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "pythons.json"
    bad = _fake_python(tmp_path, "notpy", "echo hello\n")
    env = {**os.environ, TEST_PYTHONS_ENV: bad}  # a bad found candidate is listed as skipped, not fatal
    p = subprocess.run([sys.executable, "-m", "concgui", "interpreters", "--json", str(out)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["version", "build", "GIL", "now", "subinterpreters", "InterpreterPool", "executable"]
    me = this_python()
    assert any(ln.startswith(f"{me.version} *") for ln in lines) and "* the Python running concgui" in lines
    assert f"skipped: {bad} is not a Python that concgui can read (it printed something else)" in lines
    doc = json.loads(out.read_text())
    assert all(set(d) == {"executable", "version", "free_threaded", "gil_enabled", "per_interpreter_gil",
                          "interpreter_pool"} for d in doc)
    for info in [me, *OTHERS]:
        assert info.as_json() in doc
        shown = info.version + ("t" if info.free_threaded else "")
        assert any(ln.split()[0] == shown and ln.endswith(info.executable) for ln in lines), (shown, lines)


def test_the_interpreters_command_refuses_a_bad_path_it_was_given(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "concgui", "interpreters", str(tmp_path)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.strip().endswith("is a folder, not a Python executable") and "\n" not in p.stderr.strip()


def test_the_trace_of_a_subinterpreter_run_names_its_host_and_python(runner: Runner) -> None:
    from concgui.engine.trace import TraceRecorder, trace_document

    other = _other(subinterpreters=True)
    rec = TraceRecorder()
    fin = runner.run(RunConfig("cpu-python", "interpreters", 2, TASKS, SIZE, python=other.executable), rec)
    assert fin.status is RunStatus.DONE
    doc = trace_document(rec.runs, rec.spans, rec.workers, rec.ends)
    events = doc["traceEvents"]
    (pid,) = runner._pool.pids
    names = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert names[pid] == f"subinterpreter host (Python {other.version}) {pid}"
    threads = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name" and e["pid"] == pid}
    assert threads <= {f"interp {k} · pid {pid}" for k in (1, 2)} and threads
    assert len([e for e in events if e["ph"] == "X" and e["pid"] == pid]) == TASKS  # one bar per task
