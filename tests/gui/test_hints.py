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


def test_verdicts_say_what_was_measured_not_what_was_meant():
    from concgui.engine.latency import LatenessStats
    from concgui.gui.responsiveness_text import verdict
    from concgui.gui.result_row import UiStats

    def ui(freeze_ms: float, p99_ms: float) -> UiStats:
        return UiStats(lateness=LatenessStats(100, 1.0, p99_ms, freeze_ms, freeze_ms))

    froze, stutter, smooth = ui(511.0, 500.0), ui(60.0, 55.0), ui(3.0, 2.5)
    mark, text = verdict(froze, True, 0.005)
    assert mark == "✗" and "froze" in text and "smooth" not in text
    mark, text = verdict(stutter, True, 0.005)
    assert mark == "⚠" and "the GIL, not a freeze" in text and "11 switch intervals (5 ms)" in text
    mark, text = verdict(stutter, False, 0.005)
    assert mark == "⚠" and "GIL" not in text
    assert verdict(smooth, True, 0.005)[0] == "✓"


def test_no_mode_hint_promises_a_responsive_window():
    from concgui.gui.controls import MODE_HINTS

    for hint in MODE_HINTS.values():
        assert "stays responsive" not in hint
    assert "stutters" in MODE_HINTS["qthreads"] and "worker host" in MODE_HINTS["threads"]
