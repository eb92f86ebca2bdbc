"""The lessons concgui ships (``concgui/lessons/data/*.json``) and lessons people write themselves."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from concgui.lessons.format import Lesson, LessonError, parse_lesson

#: The built-in lessons, in teaching order (each file's ``id`` is its name).
ORDER = ("gil", "io", "frozen-window", "race", "sync", "ipc")


def _data() -> Any:  # a Traversable (importlib.resources.abc from 3.11)
    return resources.files("concgui.lessons").joinpath("data")


@lru_cache(maxsize=1)
def built_in() -> tuple[Lesson, ...]:
    """Every shipped lesson, checked, in teaching order."""
    found = {}
    for res in _data().iterdir():
        if res.name.endswith(".json"):
            lesson = parse_lesson(json.loads(res.read_text(encoding="utf-8")), f"lesson {res.name}")
            if f"{lesson.id}.json" != res.name:
                raise LessonError(f"lesson {res.name}: id {lesson.id!r} does not match its file name")
            found[lesson.id] = lesson
    ordered = [found.pop(i) for i in ORDER if i in found]
    return tuple(ordered + sorted(found.values(), key=lambda lesson: lesson.id))


def find(lesson_id: str) -> Lesson:
    """The built-in lesson ``lesson_id``; :class:`LessonError` naming the ones there are."""
    for lesson in built_in():
        if lesson.id == lesson_id:
            return lesson
    raise LessonError(f"unknown lesson {lesson_id!r}; choose one of: {', '.join(x.id for x in built_in())} "
                      "(or give a lesson file: FILE.json)")


def load_file(path: str | Path) -> Lesson:
    """A lesson someone wrote, from ``path``; :class:`LessonError` for a missing or malformed file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LessonError(f"{p}: no such lesson file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(f"{p}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LessonError(f"{p}: not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    return parse_lesson(data, str(p))


def resolve(name: str) -> Lesson:
    """A built-in lesson by id, or a lesson file by path (anything ending in .json)."""
    return load_file(name) if name.endswith(".json") else find(name)
