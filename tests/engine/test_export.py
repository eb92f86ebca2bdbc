"""The results formats: CSV and Markdown from run records (no Qt), and atomic writes."""

from __future__ import annotations

import csv
import io
import os

import pytest

from concgui.engine.compare import RunRecord
from concgui.engine.export import (CSV_FIELDS, ExportError, results_csv, results_document, results_markdown,
                                   write_json, write_text)


def _record(run_id: int, mode: str, wall: float, speedup: float | None, ok: bool | None, workers: int = 1,
            **kw) -> RunRecord:
    base = dict(run_id=run_id, workload="cpu-python", mode=mode, workers=workers, tasks=24, size=300_000,
                start_method="forkserver" if mode == "processes" else None, chunk_size=3, wall_s=wall,
                cpu_s=wall * workers, speedup=speedup, efficiency=None if speedup is None else speedup / workers,
                results_ok=ok, status="done", digest="abc123", error=None)
    base.update(kw)
    return RunRecord(**base)


RECORDS = [
    _record(1, "serial", 1.2, 1.0, True, ran_on="this process"),
    _record(2, "threads", 1.25, 0.96, True, workers=2, ran_on="threads of this process"),
    _record(3, "processes", 0.61, 1.967, True, workers=2, ran_on="worker processes"),
]


def test_csv_has_a_header_and_one_row_per_run() -> None:
    text = results_csv(RECORDS)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(CSV_FIELDS)
    assert rows[0][:4] == ["run_id", "workload", "mode", "workers"]
    assert len(rows) == 1 + len(RECORDS)
    by_name = [dict(zip(rows[0], r)) for r in rows[1:]]
    assert [r["mode"] for r in by_name] == ["serial", "threads", "processes"]
    assert by_name[2]["start_method"] == "forkserver"
    assert by_name[0]["start_method"] == ""  # None is an empty cell
    assert float(by_name[2]["speedup"]) == pytest.approx(1.967)  # unrounded
    assert by_name[1]["results_ok"] == "true"
    assert by_name[0]["tasks"] == "24" and by_name[0]["size"] == "300000"


def test_csv_adds_the_gui_columns_and_quotes_awkward_text() -> None:
    rows = [{**RECORDS[0].as_dict(), "ui": {"gui_stall_ms": 12.5, "ran_on": "GUI thread"}},
            {**_record(2, "threads", 0.1, None, None, status="failed",
                       error='boom, "quoted"\nsecond line').as_dict(), "ui": {"gui_stall_ms": 3.0}}]
    parsed = list(csv.DictReader(io.StringIO(results_csv(rows))))
    assert list(parsed[0])[-2:] == ["ui_gui_stall_ms", "ui_ran_on"]
    assert parsed[0]["ui_gui_stall_ms"] == "12.5" and parsed[0]["ui_ran_on"] == "GUI thread"
    assert parsed[1]["ui_ran_on"] == ""
    assert parsed[1]["error"] == 'boom, "quoted"\nsecond line'
    assert parsed[1]["speedup"] == "" and parsed[1]["results_ok"] == ""


def test_csv_of_no_runs_is_just_the_header() -> None:
    assert results_csv([]) == ",".join(CSV_FIELDS) + "\n"


def test_markdown_table() -> None:
    lines = results_markdown(RECORDS).splitlines()
    assert lines[0].startswith("| Run | Workload | Mode | Workers | Ran on |")
    assert set(lines[1]) <= set("|-:")
    assert lines[1].count("|") == lines[0].count("|")
    assert len(lines) == 2 + len(RECORDS)
    assert lines[2] == ("| 1 | cpu-python | serial | 1 | this process | – | 24 × 300,000 | 1.200 | 1.200 | 1.00× "
                        "| 100% | ok | done |")
    assert "| processes | 2 | worker processes | forkserver |" in lines[4]
    assert "1.97×" in lines[4] and "98%" in lines[4]


def test_markdown_tells_a_serial_run_on_the_gui_thread_from_one_elsewhere() -> None:
    gui = _record(4, "serial", 1.3, 1.0, True, ran_on="GUI thread")
    assert "| serial | 1 | GUI thread |" in results_markdown([gui])


def test_markdown_escapes_pipes_and_shows_missing_numbers() -> None:
    r = _record(7, "threads", 0.5, None, False, workload="odd|name")
    line = results_markdown([r]).splitlines()[2]
    assert "odd\\|name" in line
    assert "| – | – | differ |" in line  # speedup, efficiency, results


def test_json_document_round_trips(tmp_path) -> None:
    import json

    path = tmp_path / "r.json"
    write_json(path, results_document(RECORDS))
    doc = json.loads(path.read_text())
    assert [r["mode"] for r in doc["runs"]] == ["serial", "threads", "processes"]
    assert doc["runs"][2]["speedup"] == pytest.approx(1.967)


def test_write_text_is_atomic_and_says_why_it_failed(tmp_path) -> None:
    path = tmp_path / "out.csv"
    write_text(path, "old\n")
    with pytest.raises(ExportError, match="does not exist"):
        write_text(tmp_path / "missing" / "out.csv", "new\n")
    with pytest.raises(ExportError, match="is a folder"):
        write_text(tmp_path, "new\n")
    if os.geteuid() != 0:  # root can write anywhere
        tmp_path.chmod(0o500)
        try:
            with pytest.raises(ExportError, match="permission denied"):
                write_text(path, "new\n")
        finally:
            tmp_path.chmod(0o700)
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temp file left behind
