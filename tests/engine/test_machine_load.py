"""The look at the machine taken around every run: cheap, and it counts our own processes as ours.

Listing our descendants scans all of /proc, so it is done at most every
``LIST_EVERY_S``; a caller that has just started processes names them.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psutil
import pytest

from concgui.engine import machine_load


@pytest.fixture
def child():
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield p
    p.kill()
    p.wait()


def test_a_reading_has_this_process_and_the_pids_it_is_told_of(child) -> None:
    machine_load.read()  # listed now: the child below is newer than the listing
    reading = machine_load.read(known=[child.pid])
    assert os.getpid() in reading.ours
    assert child.pid in reading.ours


def test_a_new_child_is_found_by_the_next_listing(child, monkeypatch) -> None:
    monkeypatch.setattr(machine_load, "LIST_EVERY_S", 0.0)  # list at every reading
    assert child.pid in machine_load.read().ours


def test_descendants_are_listed_at_most_once_per_interval(monkeypatch) -> None:
    calls = []
    children = psutil.Process.children

    def counting(self, *args, **kwargs):
        calls.append(1)
        return children(self, *args, **kwargs)

    monkeypatch.setattr(machine_load, "_TREE", machine_load._Tree())
    monkeypatch.setattr(psutil.Process, "children", counting)
    for _ in range(20):
        machine_load.read()
    assert len(calls) == 1


def test_a_process_that_ended_is_dropped_not_an_error(monkeypatch) -> None:
    monkeypatch.setattr(machine_load, "_TREE", machine_load._Tree())
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    reading = machine_load.read(known=[p.pid])
    assert p.pid not in reading.ours and os.getpid() in reading.ours
