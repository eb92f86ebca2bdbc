"""The results formats: CSV and Markdown from run records (no Qt), and atomic writes."""

from __future__ import annotations

import csv
import io
import os

import pytest

from concgui.engine.compare import RunRecord
from concgui.engine import export
from concgui.engine.export import (CSV_FIELDS, CSV_MACHINE_FIELDS, CSV_PYTHON_KEYS, ExportError, results_csv,
                                   results_document, results_markdown, write_json, write_text)

#: The interpreter that ran each record, flattened.
PY_COLUMNS = [f"python_{k}" for k in CSV_PYTHON_KEYS]


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
    assert rows[0] == [*CSV_FIELDS, *PY_COLUMNS, *CSV_MACHINE_FIELDS]  # the record's own columns first
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
    assert list(parsed[0])[-2 - len(CSV_MACHINE_FIELDS):-len(CSV_MACHINE_FIELDS)] == ["ui_gui_stall_ms",
                                                                                     "ui_ran_on"]
    assert parsed[0]["ui_gui_stall_ms"] == "12.5" and parsed[0]["ui_ran_on"] == "GUI thread"
    assert parsed[1]["ui_ran_on"] == ""
    assert parsed[1]["error"] == 'boom, "quoted"\nsecond line'
    assert parsed[1]["speedup"] == "" and parsed[1]["results_ok"] == ""


def test_csv_of_no_runs_is_just_the_header() -> None:
    assert results_csv([]) == ",".join((*CSV_FIELDS, *PY_COLUMNS, *CSV_MACHINE_FIELDS)) + "\n"


def test_every_csv_row_says_where_and_when_it_was_measured(monkeypatch) -> None:
    monkeypatch.setattr(export, "load_average", lambda: [1.25, 0.5, 0.25])
    text = results_csv(RECORDS)
    assert not any(line.startswith("#") for line in text.splitlines())  # no comment lines: plain CSV
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert list(parsed[0])[-len(CSV_MACHINE_FIELDS):] == list(CSV_MACHINE_FIELDS)
    doc = results_document(RECORDS)  # the same facts as the JSON
    for row in parsed:
        assert row["python"] == doc["python"] and row["os"] == doc["os"]
        assert row["gil_enabled"] == ("true" if doc["gil_enabled"] else "false")
        assert int(row["logical_cores"]) == doc["cpus"] and row["concgui_version"] == doc["concgui"]
        assert row["exported_at"].endswith("+00:00") and row["load_average_1m"] == "1.25"
    assert len({row["exported_at"] for row in parsed}) == 1  # one export, one date
    assert [r["mode"] for r in parsed] == ["serial", "threads", "processes"]  # the runs' own cells unchanged


def test_csv_load_is_empty_where_the_os_has_none(monkeypatch) -> None:
    monkeypatch.setattr(export, "load_average", lambda: None)
    (row,) = csv.DictReader(io.StringIO(results_csv(RECORDS[:1])))
    assert row["load_average_1m"] == ""


SPLIT = {"pool_start_s": 0.031, "dispatch_s": 0.002, "compute_s": 0.55, "cpu_wait_s": 0.04, "between_s": 0.003,
         "tail_s": 0.015}
REPEATED = [
    _record(1, "serial", 1.2, 1.0, True, samples_wall_s=(1.25, 1.2, 1.19), spread=0.0208),
    _record(3, "processes", 0.61, 1.967, True, workers=2, samples_wall_s=(0.61, 0.6, 0.66), spread=0.0492,
            split=SPLIT),
]


def test_csv_joins_the_samples_into_one_cell_and_spreads_the_split_into_columns() -> None:
    parsed = list(csv.DictReader(io.StringIO(results_csv(REPEATED))))
    header = list(parsed[0])
    assert "split" not in header and "samples_wall_s" in header
    split_cols = [h for h in header if h.startswith("split_")]
    # In the split's own order, right after the record's fields.
    assert split_cols == [f"split_{k}" for k in SPLIT]
    assert header[:len(CSV_FIELDS)] == list(CSV_FIELDS)
    assert parsed[0]["samples_wall_s"] == "1.25;1.2;1.19"
    assert [float(x) for x in parsed[1]["samples_wall_s"].split(";")] == [0.61, 0.6, 0.66]
    assert float(parsed[1]["split_compute_s"]) == pytest.approx(0.55)
    assert float(parsed[1]["spread"]) == pytest.approx(0.0492)
    assert parsed[0]["split_compute_s"] == ""  # a run without a split has empty cells


def test_csv_has_only_the_split_columns_some_run_has() -> None:
    assert not any(h.startswith("split_") for h in results_csv(RECORDS).splitlines()[0].split(","))
    partial = _record(5, "processes", 0.5, None, None, split={"compute_s": 0.4, "tail_s": 0.1, "extra_s": 0.0})
    header = results_csv([partial]).splitlines()[0].split(",")
    assert [h for h in header if h.startswith("split_")] == ["split_compute_s", "split_tail_s", "split_extra_s"]


def test_csv_split_columns_come_before_the_gui_columns() -> None:
    rows = [{**REPEATED[1].as_dict(), "ui": {"gui_stall_ms": 1.0}}]
    header = results_csv(rows).splitlines()[0].split(",")[:-len(CSV_MACHINE_FIELDS)]
    assert header[-1] == "ui_gui_stall_ms" and header[-2] == "split_tail_s"


def test_markdown_shows_the_spread_of_repeated_runs() -> None:
    lines = results_markdown(REPEATED).splitlines()
    assert "| 1.200 ±2% |" in lines[2] and "| 0.610 ±5% |" in lines[3]
    assert "| 1.200 |" in results_markdown(RECORDS).splitlines()[2]  # one sample: no ±


def test_markdown_table() -> None:
    lines = results_markdown(RECORDS).splitlines()
    assert lines[0].startswith("| Run | Workload | Mode | Workers | Ran on |")
    assert set(lines[1]) <= set("|-:")
    assert lines[1].count("|") == lines[0].count("|")
    assert len(lines) == 2 + len(RECORDS) + 2  # the table, a blank line, and where and when it was measured
    assert lines[-1].startswith("*Measured with concgui") and "logical cores" in lines[-1]
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
    assert doc["runs"][2]["split"] is None
    assert "half the range" in doc["spread_measure"]  # the export says what its spreads measure
    assert doc["date"].endswith("+00:00") and doc["os"] and "load_average" in doc


def test_json_keeps_the_samples_and_the_split_as_they_are(tmp_path) -> None:
    import json

    path = tmp_path / "r.json"
    write_json(path, results_document(REPEATED))
    run = json.loads(path.read_text())["runs"][1]
    assert run["samples_wall_s"] == [0.61, 0.6, 0.66]
    assert run["split"] == SPLIT
    assert run["spread"] == pytest.approx(0.0492)


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


def test_a_record_becomes_the_terminal_command_that_runs_it_again() -> None:
    import shlex
    from dataclasses import replace

    from concgui.cli import build_parser, plan_bench
    from concgui.engine.export import bench_command

    rec = replace(RECORDS[2], samples_wall_s=(0.6, 0.61, 0.62))
    cmd = bench_command(rec)
    assert cmd.startswith("concgui bench --workload cpu-python --modes processes")
    args = build_parser().parse_args(shlex.split(cmd)[1:])
    (cfg,) = plan_bench(args)
    assert (cfg.workload, cfg.mode, cfg.workers, cfg.tasks, cfg.size, cfg.start_method, cfg.chunk_size) == (
        rec.workload, rec.mode, rec.workers, rec.tasks, rec.size, rec.start_method, rec.chunk_size)
    assert args.repeats == 3
    serial = bench_command(RECORDS[0])
    assert "--workers" not in serial and "--repeats" not in serial
