"""``concgui lesson``: the list, a lesson run headless with its JSON and answer sheet, and bad input."""

from __future__ import annotations

import csv
import json

import pytest

from tests.test_cli import concgui


def test_the_list_shows_every_lesson_with_its_id_title_and_steps(tmp_path) -> None:
    out = tmp_path / "lessons.json"
    p = concgui("lesson", "--list", "--json", str(out))
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    ids = [x["id"] for x in doc["lessons"]]
    assert len(ids) >= 6 and ids[:3] == ["gil", "io", "frozen-window"]
    for x in doc["lessons"]:
        assert x["title"] and x["steps"] == len(x["step_titles"]) >= 2
        assert x["id"] in p.stdout and x["title"] in p.stdout


def test_a_lesson_runs_headless_and_writes_each_step_measured_expected_and_holds(tmp_path) -> None:
    out, sheet = tmp_path / "race.json", tmp_path / "race.csv"
    p = concgui("lesson", "race", "--json", str(out), "--csv", str(sheet), timeout=120)
    assert p.returncode == 0, p.stderr
    doc = json.loads(out.read_text())
    assert doc["lesson"] == "race" and doc["facts"]["cores"] >= 1
    steps = doc["steps"]
    assert [s["step"] for s in steps] == [1, 2, 3]
    for s in steps:
        assert {"measured", "expected", "holds", "reveal", "question"} <= set(s)
        assert isinstance(s["measured"], int) and s["holds"] in (True, False)
    assert steps[1]["measured"] == 0 and steps[1]["holds"] is True  # with a lock: nothing lost, anywhere
    assert "steps held on this machine" in p.stdout
    rows = list(csv.DictReader(sheet.open()))
    assert [r["step"] for r in rows] == ["1", "2", "3"] and all(r["answers"] == "" for r in rows)


@pytest.mark.parametrize(("args", "words"), [
    (("lesson",), "give a lesson's id"),
    (("lesson", "gil", "--list"), "give a lesson's id"),
    (("lesson", "nope"), "unknown lesson 'nope'"),
    (("lesson", "missing.json"), "no such lesson file"),
    (("lesson", "--list", "--csv", "x.csv"), "--csv writes one lesson's answer sheet"),
    (("lesson", "gil", "--json", "/no/such/dir/x.json"), "x.json"),
    (("gui", "--lesson", "nope"), "unknown lesson 'nope'"),
    (("gui", "--lesson", "gil", "--step", "7"), "--step must be from 1 to 3"),
    (("gui", "--lesson", "sync", "--step", "3", "--answer", "2"), "must be one of: deadlock, completes"),
    (("gui", "--lesson", "gil", "--autorun"), "give --answer with --autorun"),
    (("gui", "--answer", "2"), "--step and --answer go with --lesson"),
    (("gui", "--lesson", "gil", "--scenario", "compare"), "not both"),
])
def test_bad_input_is_one_line_and_exit_2(args, words) -> None:
    p = concgui(*args)
    assert p.returncode == 2, (p.stdout, p.stderr)
    assert words in p.stderr
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr


def test_a_malformed_lesson_file_is_one_line_naming_the_step(tmp_path) -> None:
    f = tmp_path / "mine.json"
    f.write_text(json.dumps({"id": "mine", "title": "t", "summary": "", "steps": [{"title": "x"}]}))
    p = concgui("lesson", str(f))
    assert p.returncode == 2 and "step 1, set: missing" in p.stderr and p.stderr.count("\n") == 1
