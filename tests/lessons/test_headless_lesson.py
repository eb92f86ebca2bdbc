"""``concgui lesson`` without a window: every step run, measured, expected for this machine and judged."""

from __future__ import annotations

import json
import time

from concgui.lessons.catalog import find, load_file
from concgui.lessons.facts import Facts
from concgui.lessons.headless import lesson_document, run_lesson
from concgui.lessons.loop_stand_in import longest_freeze_ms


def test_the_sync_lesson_runs_every_step_and_its_exact_claims_hold() -> None:
    lesson = find("sync")
    seen = []
    results = run_lesson(lesson, on_step=seen.append)
    assert seen == results and [r.number for r in results] == [1, 2, 3, 4]
    assert [r.measured.value for r in results if r.measured] == [3, 5, "deadlock", "completes"]
    assert all(r.holds for r in results)
    doc = lesson_document(lesson, results, Facts.here())
    json.dumps(doc)  # plain JSON
    assert doc["all_hold"] is True
    first = doc["steps"][0]
    assert first["expected"]["low"] == first["expected"]["high"] == 3 and first["holds"] is True
    assert "8 workers each wanting a permit" in first["reveal"]["why"]


def test_the_stand_in_loop_cannot_tick_while_its_own_thread_runs_the_work() -> None:
    blocked = longest_freeze_ms(lambda: time.sleep(0.3), on_loop_thread=True)
    beside = longest_freeze_ms(lambda: time.sleep(0.3), on_loop_thread=False)
    assert blocked >= 290
    assert beside < 150  # it kept ticking through the same 300 ms


def test_a_written_lesson_measures_a_freeze_in_and_beside_the_loop(tmp_path) -> None:
    def run(placement: str, modes: list[str], expect: str) -> dict:
        return {"title": placement, "set": {"run": {"workload": "io-sleep", "tasks": 4, "size": 100, "modes": modes,
                                                    "workers": 1, "placement": placement}},
                "ask": {"text": "How long a freeze?", "answer": "number", "unit": "ms"}, "measure": "freeze-ms",
                "expect": expect, "look_at": {"target": "heartbeat", "text": "The dot."}, "try_next": "Again."}

    f = tmp_path / "loop.json"
    f.write_text(json.dumps({"id": "loop", "title": "Loop", "summary": "", "steps": [
        run("window-thread", ["serial"], "frozen"), run("worker-thread", ["serial", "threads"], "shared-gil-loop")]}))
    frozen, beside = run_lesson(load_file(f))
    wall_ms = 400  # 4 waits of 100 ms, one after the other, in both runs
    assert frozen.measured is not None and frozen.measured.value >= wall_ms * 0.9 and frozen.holds
    assert beside.measured is not None and beside.measured.value < wall_ms / 2
