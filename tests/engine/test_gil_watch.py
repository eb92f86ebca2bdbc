"""A free-threaded build that turns its GIL back on is noticed in the worker and said in every record.

No free-threaded build can be installed on these machines, so the warning
CPython gives (Python/import.c, 3.13t and 3.14t) is raised here by hand, in
a real worker loop running in this process; everything from there to the
explanation is the code a 3.14t run goes through.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import replace
from multiprocessing import Pipe

import pytest

from concgui.engine import worker as worker_module
from concgui.engine.compare import make_record
from concgui.engine.events import RunFinished, RunStarted, RunStatus
from concgui.engine.explain import explain
from concgui.engine.gil_watch import GilWatch, is_gil_warning
from concgui.engine.host import process_main
from concgui.engine.messages import Hello, Job, JobDone, JobFailed
from concgui.engine.platform_info import collect
from concgui.engine.repeats import combine
from concgui.engine.workloads import get_workload

#: What CPython 3.13t says when an extension without Py_mod_gil is imported.
CPYTHON_SAYS = ("The global interpreter lock (GIL) has been enabled to load module 'legacy_ext', which has not "
                "declared that it can run safely without the GIL. To override this behavior and keep the GIL "
                "disabled (at your own risk), run with PYTHON_GIL=0 or -Xgil=0.")


@pytest.fixture
def shown(monkeypatch) -> list[str]:
    """Every warning that reached the usual ``warnings.showwarning``."""
    seen: list[str] = []
    monkeypatch.setattr(warnings, "showwarning", lambda message, *a, **k: seen.append(str(message)))
    return seen


def test_the_watch_keeps_the_gil_warning_and_passes_every_warning_on(shown) -> None:
    watch = GilWatch(is_on=lambda: False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.warn(CPYTHON_SAYS, RuntimeWarning, stacklevel=1)
            warnings.warn("something else entirely", RuntimeWarning, stacklevel=1)
            warnings.warn("the GIL, but only deprecated", DeprecationWarning, stacklevel=1)
    finally:
        watch.close()
    assert watch.take() == (CPYTHON_SAYS,)
    assert watch.take() == ()  # each note is sent once
    assert shown == [CPYTHON_SAYS, "something else entirely", "the GIL, but only deprecated"]
    assert warnings.showwarning is not watch._showwarning  # closing gave it back
    assert is_gil_warning(RuntimeWarning, CPYTHON_SAYS) and not is_gil_warning(UserWarning, CPYTHON_SAYS)


def test_the_gil_coming_back_without_a_warning_is_noticed_all_the_same(shown) -> None:
    state = {"on": False}
    watch = GilWatch(is_on=lambda: state["on"])
    try:
        assert watch.take() == ()
        state["on"] = True  # e.g. the warning was filtered out with "ignore"
        (note,) = watch.take()
        assert "turned back on" in note
        assert watch.take() == ()  # on, and it was on: nothing new
    finally:
        watch.close()


def test_a_normal_build_never_has_anything_to_say(shown) -> None:
    watch = GilWatch()  # this interpreter: its GIL is on and stays on
    try:
        assert watch.take() == ()
    finally:
        watch.close()


def test_a_worker_sends_the_warning_with_the_job_it_came_in(monkeypatch, shown) -> None:
    """The worker loop every pool worker and host runs, fed one job whose task imports a 'legacy' module."""
    real = get_workload("cpu-python")

    def task(*args):
        warnings.warn(CPYTHON_SAYS, RuntimeWarning, stacklevel=1)  # what such an import does
        return real.func(*args)

    monkeypatch.setattr(worker_module, "get_workload", lambda name: replace(real, func=task))
    parent, child = Pipe()
    t = threading.Thread(target=process_main, args=(child,), kwargs={"own_process": False}, name="worker-loop")
    t.start()
    try:
        assert isinstance(parent.recv(), Hello)
        parent.send(tuple(Job(1, "cpu-python", 100, {}, 0, 3)))
        replies = []
        while not replies or not isinstance(replies[-1], (JobDone, JobFailed)):
            assert parent.poll(10), f"the worker loop went quiet after {replies}"
            replies.append(parent.recv())
        reply = replies[-1]
        assert isinstance(reply, JobDone), reply
        assert reply.tasks == 3
        assert reply.gil_notes == (CPYTHON_SAYS,)  # once, though three tasks warned
    finally:
        parent.send(None)
        t.join(10)
    assert not t.is_alive()


def test_a_run_whose_gil_came_back_says_so_in_its_record_and_explanation() -> None:
    py = {"version": "3.14.0", "executable": "/opt/py/bin/python3.14t", "free_threaded": True,
          "gil_enabled": False}
    started = [RunStarted(i, 0.0, "cpu-python", mode, n, 8, 100_000, None, 1, python=py)
               for i, (mode, n) in enumerate([("serial", 1), ("threads", 2)], 1)]
    fins = [RunFinished(1, 1.0, RunStatus.DONE, 1.0, 1.0, 8, "d"),
            RunFinished(2, 2.0, RunStatus.DONE, 1.02, 1.0, 8, "d", gil_notes=(CPYTHON_SAYS,))]
    serial = make_record(started[0], fins[0], None)
    threads = make_record(started[1], fins[1], serial)
    assert threads.gil_notes == (CPYTHON_SAYS,) and serial.gil_notes == ()
    assert combine([threads, replace(threads, gil_notes=())]).gil_notes == (CPYTHON_SAYS,)  # a repeat keeps it
    text = explain([serial, threads], collect())
    assert "turned the GIL back on during the run, so this was not a run without the GIL" in text
    assert "legacy_ext" in text
