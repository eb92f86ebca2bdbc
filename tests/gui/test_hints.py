"""The "what to look for" text follows the workload, the mode and the interpreter."""

from dataclasses import replace

from concgui.engine.platform_info import collect
from concgui.gui.hints import hint_lines


def test_pure_python_threads_hint_quotes_this_interpreters_switch_interval():
    info = replace(collect(), gil_enabled=True, switch_interval_s=0.002)
    text = " ".join(hint_lines("cpu-python", "threads", 4, info))
    assert "2 ms" in text and "Cores busy ≈ 1" in text


def test_without_the_gil_pure_python_threads_are_parallel():
    info = replace(collect(), gil_enabled=False, logical_cores=8)
    text = " ".join(hint_lines("cpu-python", "threads", 4, info))
    assert "without the GIL" in text and "4 core(s)" in text


def test_processes_and_gui_thread_hints():
    info = replace(collect(), logical_cores=2)
    assert "near 2" in " ".join(hint_lines("cpu-hash", "processes", 4, info))
    assert "only take turns" in " ".join(hint_lines("cpu-python", "processes", 4, info))
    assert "freeze" in " ".join(hint_lines("io-sleep", "gui-thread", 1, info))
