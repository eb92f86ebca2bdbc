"""Lesson files: the shipped ones load, and a mistake in one someone wrote is one sentence naming where."""

from __future__ import annotations

import copy
import json

import pytest

from concgui.lessons.catalog import ORDER, built_in, find, load_file, resolve
from concgui.lessons.expect import RULES
from concgui.lessons.format import LOOK_TARGETS, LabSetup, LessonError, RunSetup, parse_lesson

#: The topics the issue asks the built-in lessons to cover, by the lessons that cover them.
TOPICS = {"gil": "GIL", "io": "I/O", "frozen-window": "frozen window", "race": "race", "sync": "deadlock",
          "ipc": "IPC"}

GOOD = {
    "id": "mine",
    "title": "My lesson",
    "summary": "one step",
    "steps": [{
        "title": "Waits",
        "set": {"run": {"workload": "io-sleep", "tasks": 4, "size": 10, "modes": ["serial", "threads"],
                        "workers": 4}},
        "ask": {"text": "{tasks} waits on {workers} threads on {cores} cores: how much faster?", "answer": "number",
                "unit": "×"},
        "measure": {"metric": "speedup", "mode": "threads"},
        "expect": {"between": [1.5, None], "why": "the waits overlap"},
        "look_at": {"target": "timeline", "text": "The lanes wait together."},
        "try_next": "More threads.",
    }],
}


def test_six_lessons_ship_in_teaching_order_and_cover_the_topics() -> None:
    lessons = built_in()
    assert [lesson.id for lesson in lessons] == list(ORDER)
    assert len(lessons) >= 6
    for lesson_id, words in TOPICS.items():
        assert words.lower() in find(lesson_id).title.lower()


def test_every_built_in_step_asks_measures_expects_and_points_somewhere() -> None:
    for lesson in built_in():
        assert lesson.steps, lesson.id
        for step in lesson.steps:
            assert step.question.text and step.try_next and step.look_at.text
            assert step.look_at.target in LOOK_TARGETS
            assert step.expect.rule in RULES, (lesson.id, step.title)  # computed for the machine, not written
            assert isinstance(step.setup, (RunSetup, LabSetup))


def test_a_written_lesson_loads_from_a_file(tmp_path) -> None:
    f = tmp_path / "mine.json"
    f.write_text(json.dumps(GOOD))
    lesson = resolve(str(f))
    assert lesson.id == "mine" and lesson.steps[0].expect.between == (1.5, None)
    assert lesson.summary_dict() == {"id": "mine", "title": "My lesson", "summary": "one step", "steps": 1,
                                     "step_titles": ["Waits"]}


def _broken(path: tuple, value) -> dict:
    data = copy.deepcopy(GOOD)
    obj = data
    for key in path[:-1]:
        obj = obj[key]
    if value is KeyError:
        del obj[path[-1]]
    else:
        obj[path[-1]] = value
    return data


@pytest.mark.parametrize(("path", "value", "words"), [
    (("steps", 0, "ask", "text"), "how fast with {gpus}?", "unknown field {gpus}"),
    (("steps", 0, "ask", "text"), "a lone { brace", "brace"),
    (("steps", 0, "expect"), "no-such-rule", "unknown rule 'no-such-rule'"),
    (("steps", 0, "expect"), "frozen", "judges freeze-ms, not speedup"),
    (("steps", 0, "set", "run", "modes"), ["threads", "serial"], "the first mode must be serial"),
    (("steps", 0, "set", "run", "workload"), "cpu-quantum", "unknown workload 'cpu-quantum'"),
    (("steps", 0, "set", "run", "tasks"), 0, "tasks"),
    (("steps", 0, "measure"), {"metric": "speedup", "mode": "processes"}, "speedup needs mode"),
    (("steps", 0, "measure"), "deadlock", "answered with a choice"),
    (("steps", 0, "look_at", "target"), "the-moon", "look_at.target"),
    (("steps", 0, "colour"), "blue", "colour: unknown key"),
    (("steps", 0, "ask", "answer"), "essay", "choose number or choice"),
    (("steps", 0, "expect", "between"), [3, 1], "low 3 is above high 1"),
    (("steps", 0, "try_next"), KeyError, "try_next: missing"),
    (("format",), 9, "reads format 1, not 9"),
    (("steps",), [], "at least one step"),
])
def test_a_mistake_is_one_sentence_naming_the_step_and_the_field(path, value, words) -> None:
    with pytest.raises(LessonError) as err:
        parse_lesson(_broken(path, value), "mine.json")
    text = str(err.value)
    assert words in text
    assert text.startswith("mine.json: ") and "\n" not in text
    if path[0] == "steps" and len(path) > 2:
        assert "step 1, " in text


def test_a_lab_step_is_checked_by_the_lab_itself() -> None:
    data = copy.deepcopy(GOOD)
    data["steps"][0].update({"set": {"lab": "semaphore", "params": {"permits": 0}}, "measure": "max-concurrency",
                             "expect": "permits-cap"})
    with pytest.raises(LessonError, match=r"step 1, set.params: .*permits"):
        parse_lesson(data, "mine.json")
    data["steps"][0]["set"] = {"lab": "semaphore", "params": {"permits": 2, "colour": 1}}
    with pytest.raises(LessonError, match="set.params"):
        parse_lesson(data, "mine.json")


def test_missing_unreadable_and_non_json_files_say_so(tmp_path) -> None:
    with pytest.raises(LessonError, match="no such lesson file"):
        load_file(tmp_path / "gone.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{ nope")
    with pytest.raises(LessonError, match=r"not JSON: .* line 1"):
        load_file(bad)
    with pytest.raises(LessonError, match="unknown lesson 'nope'; choose one of: gil, io"):
        find("nope")


def test_a_text_may_differ_with_the_gil_and_both_are_checked() -> None:
    data = copy.deepcopy(GOOD)
    data["steps"][0]["try_next"] = {"gil-on": "Try processes.", "gil-off": "Try more threads on {cores} cores."}
    assert parse_lesson(data, "mine.json").steps[0].try_next.off.endswith("{cores} cores.")
    data["steps"][0]["try_next"] = {"gil-on": "Fine.", "gil-off": "A {typo}."}
    with pytest.raises(LessonError, match=r"try_next.gil-off: unknown field \{typo\}"):
        parse_lesson(data, "mine.json")
    data["steps"][0]["try_next"] = {"on": "x"}
    with pytest.raises(LessonError, match="gil-on"):
        parse_lesson(data, "mine.json")
