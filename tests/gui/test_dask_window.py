"""The dask mode in the window: its Mode-box entry and fields, the dashboard link, its names and colours, a real
run and a Compare on a LocalCluster (each starts one: ~3 s), and the entry without Dask installed."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from concgui.engine import dask_cluster
from concgui.engine.compare import RunRecord
from concgui.engine.config import MAX_DASK_THREADS, RunConfig
from concgui.engine.events import RunStarted
from concgui.gui.cluster_link import LINK_TEXT, ClusterLink, cluster_html
from concgui.gui.comparison_view import run_name
from concgui.gui.cpu_plot import MODE_COLORS
from concgui.gui.main_window import MainWindow
from concgui.gui.run_words import GUI_MODES, MODE_NAMES, GuiMode, progress_title, short_ran_on, workers_word
from concgui.gui.timeline_plot import lane_color, lane_order
from concgui.scenario_file import scenario_from_document
from concgui.scenarios import StepKind

from ._util import configure, run_batch

#: Small: the cluster's start (outside the wall time) is most of each run's seconds.
DASK_RUN = dict(workload="cpu-python", tasks=8, size=60_000, mode="dask", workers=2)
LANE = re.compile(r"dask .+·t\d+")
needs_dask = pytest.mark.skipif(not dask_cluster.available(), reason=dask_cluster.missing_sentence())


def _started(**kw) -> RunStarted:
    values = dict(run_id=3, t=0.0, workload="cpu-python", mode="dask", workers=2, tasks=16, size=1000,
                  start_method=None, chunk_size=1, threads_per_worker=2,
                  cluster={"scheduler": "tcp://127.0.0.1:40001", "dashboard": "http://127.0.0.1:8787/status",
                           "started_here": True, "start_s": 2.5})
    values.update(kw)
    return RunStarted(**values)


# -- words, colours, lanes (no window) ------------------------------------------------------------------

def test_the_dask_mode_is_named_and_coloured_everywhere_a_mode_is():
    assert (GuiMode.DASK.value, "Dask cluster (LocalCluster or scheduler)") in GUI_MODES
    assert MODE_NAMES["dask"] == "dask" and short_ran_on("Dask cluster workers") == "Dask cluster"
    assert workers_word(_started()) == "Dask worker"
    others = {c.lower() for k, c in MODE_COLORS.items() if k != "dask"}
    assert MODE_COLORS["dask"].lower() not in others
    assert progress_title(_started(), StepKind.NORMAL) == \
        "Running 16 × cpu-python: Dask cluster, 2 workers × 2 threads"
    assert progress_title(_started(workers=1, threads_per_worker=1, chunk_size=4), StepKind.NORMAL).endswith(
        ": Dask cluster, 1 worker × 1 thread, chunks of 4 tasks")
    named = _started(cluster={"scheduler": "tcp://10.0.0.5:8786", "dashboard": None, "started_here": False})
    assert "Dask scheduler tcp://10.0.0.5:8786, 2 workers × 2 threads" in progress_title(named, StepKind.NORMAL)
    # A lane per Dask worker thread, in the mode's colour, after the other modes' and by worker, then thread.
    assert lane_color("dask 0·t1").name() == MODE_COLORS["dask"]
    names = ["dask 10·t1", "dask 2·t2", "thread-1", "dask 2·t1", "pid 7"]
    assert sorted(names, key=lane_order) == ["thread-1", "pid 7", "dask 2·t1", "dask 2·t2", "dask 10·t1"]
    record = RunRecord(run_id=1, workload="cpu-python", mode="dask", workers=2, tasks=16, size=1000,
                       start_method=None, chunk_size=1, wall_s=1.0, cpu_s=2.0, speedup=None, efficiency=None,
                       results_ok=None, digest="x", status="done", ran_on="Dask cluster workers",
                       threads_per_worker=2)
    assert run_name(record) == "dask 2×2"


def test_the_link_names_the_dashboard_and_scheduler_while_the_cluster_runs(qtbot):
    cluster = _started().cluster
    assert cluster_html(cluster, running=True) == (
        f'<a href="http://127.0.0.1:8787/status">{LINK_TEXT}</a> (tcp://127.0.0.1:40001)')
    assert "href" not in cluster_html(cluster, running=False)  # started for the run: closed with it
    assert "href" in cluster_html(dict(cluster, started_here=False), running=False)  # the user's: still there
    link = ClusterLink()
    qtbot.addWidget(link)
    assert link.isHidden() and link.openExternalLinks() and link.textFormat() == Qt.TextFormat.RichText
    link.begin(_started())
    assert not link.isHidden() and link.url == "http://127.0.0.1:8787/status"
    link.end()
    assert link.url is None and "closed" in link.text()
    link.begin(_started(mode="threads", cluster=None))
    assert link.isHidden()


# -- the Mode box and its fields ------------------------------------------------------------------------

def test_the_dask_fields_show_only_in_the_dask_mode_and_say_what_they_mean(window):
    c = window.controls
    dask_fields = (c.threads_label, c.threads_per_worker, c.scheduler_label, c.scheduler)
    configure(window, **DASK_RUN | {"mode": "processes"})
    assert all(w.isHidden() for w in dask_fields)
    assert "Dask" not in c.workers.toolTip()
    configure(window, **DASK_RUN)
    assert not any(w.isHidden() for w in dask_fields)
    assert "Dask worker processes" in c.workers.toolTip()
    assert c.threads_per_worker.minimum() == 1 and c.threads_per_worker.maximum() == MAX_DASK_THREADS
    assert c.threads_per_worker.value() == 1
    assert c.scheduler.placeholderText() == "empty: start a LocalCluster on 127.0.0.1"
    hint = c.mode_hint.text()
    if dask_cluster.available():
        assert "127.0.0.1" in hint and "millisecond per task" in hint and "chunks" in hint
        assert "Dask" in window.hint.text() and "(and dask" in window.hint.text()
    configure(window, **DASK_RUN | {"mode": "threads"})
    assert all(w.isHidden() for w in dask_fields)


def test_the_config_carries_threads_and_scheduler_in_the_dask_mode_only(window):
    c = window.controls
    configure(window, **DASK_RUN)
    c.threads_per_worker.setValue(3)
    c.scheduler.setText("  tcp://10.0.0.5:8786 ")
    cfg = c.config()
    assert (cfg.mode, cfg.workers, cfg.threads_per_worker, cfg.scheduler) == ("dask", 2, 3, "tcp://10.0.0.5:8786")
    assert cfg.where is None and cfg.python is None and cfg.start_method is None
    c.scheduler.setText("   ")
    assert c.config().scheduler is None  # empty: a LocalCluster of the run's own
    configure(window, **DASK_RUN | {"mode": "processes"})
    cfg = c.config()
    assert (cfg.threads_per_worker, cfg.scheduler) == (1, None)
    # Shown back from a config and from a scenario file.
    c.apply(RunConfig("cpu-python", "dask", 2, 16, threads_per_worker=2, scheduler="tcp://127.0.0.1:8786"))
    assert c.gui_mode() == "dask" and c.threads_per_worker.value() == 2
    assert c.scheduler.text() == "tcp://127.0.0.1:8786" and not c.scheduler.isHidden()
    scenario = scenario_from_document({"name": "dask", "runs": [
        {"workload": "cpu-python", "mode": "dask", "workers": 2, "threads_per_worker": 4, "tasks": 16}]})
    c.scheduler.clear()
    window.load_scenario(scenario)
    assert c.gui_mode() == "dask" and c.threads_per_worker.value() == 4 and c.workers.value() == 2


@needs_dask
def test_a_bad_scheduler_is_refused_in_one_sentence_in_the_window(window):
    configure(window, **DASK_RUN)
    window.controls.scheduler.setText("nonsense")
    assert not window.start_run()
    message = window.controls.message.text()
    assert message.startswith("Cannot run: a scheduler address reads tcp://HOST:PORT")
    assert "'nonsense'" in message and "\n" not in message and not window.controls.message.isHidden()
    assert not window.session.results.rows


def test_without_dask_the_entry_is_disabled_and_names_the_install_command(qtbot, monkeypatch):
    from tests.gui.conftest import quick_and_quiet

    monkeypatch.setattr(dask_cluster, "available", lambda: False)
    w = quick_and_quiet(MainWindow())
    qtbot.addWidget(w)
    w.show()
    try:
        c = w.controls
        i = c.mode.findData("dask")
        item = c.mode.model().item(i)
        assert i >= 0 and not item.flags() & Qt.ItemFlag.ItemIsEnabled and not c.mode_enabled("dask")
        assert dask_cluster.INSTALL_COMMAND in item.toolTip()
        assert c.mode_enabled("processes")
        # A scenario may still name the mode: the hint and the refusal both give the command.
        c.apply(RunConfig("cpu-python", "dask", 2, 8, size=60_000, threads_per_worker=2))
        assert c.gui_mode() == "dask"
        assert dask_cluster.INSTALL_COMMAND.replace('"', "&quot;") in c.mode_hint.text() or \
            dask_cluster.INSTALL_COMMAND in c.mode_hint.text()
        assert "not installed" in w.hint.text()
        assert not w.start_run()
        assert dask_cluster.INSTALL_COMMAND in c.message.text() and not w.session.results.rows
    finally:
        w.shutdown()


# -- real runs on a LocalCluster ------------------------------------------------------------------------

def _link_states(window: MainWindow) -> list[tuple[str, bool, str | None]]:
    """(mode, link shown, its url) as each run starts, once the window has shown the run (it connected first)."""
    seen: list[tuple[str, bool, str | None]] = []
    link = window.progress.cluster_link
    window.session.run_started.connect(
        lambda started, _kind: seen.append((started.mode, link.isVisibleTo(window), link.url)))
    return seen


@needs_dask
def test_a_dask_run_in_the_window_has_a_lane_per_worker_thread_and_a_dashboard_link(qtbot, window):
    configure(window, **DASK_RUN)
    seen = _link_states(window)
    assert run_batch(qtbot, window, window.start_run).ok
    [(mode, shown, url)] = seen
    assert mode == "dask" and shown and url is not None and url.startswith("http://")
    link = window.progress.cluster_link
    assert link.openExternalLinks()
    [row] = window.session.results.rows
    r = row.record
    assert (r.mode, r.status, r.ran_on, r.threads_per_worker) == ("dask", "done", "Dask cluster workers", 1)
    assert r.cluster is not None and r.cluster["started_here"] and r.cluster["scheduler"].startswith("tcp://127.")
    results = window.session.results
    assert results.text(0, "Mode") == "dask" and results.text(0, "Ran on") == "Dask cluster"
    assert results.text(0, "Status") == "done"
    assert row.ui.workers == "Dask worker"
    # A lane per Dask worker thread: 2 workers × 1 thread.
    lanes = set(window.timeline.store.lanes)
    assert lanes and all(LANE.fullmatch(name) for name in lanes) and len(lanes) <= 2
    assert sorted(s[2] for s in window.timeline.store.spans()) == list(range(DASK_RUN["tasks"]))
    window.cpu_plot.refresh()
    qtbot.waitUntil(lambda: lanes <= set(window.timeline.lanes_shown), timeout=5000)
    title = window.progress.title.text()
    assert title.startswith("Done: 8 × cpu-python: Dask cluster, 2 workers × 1 thread")
    # The cluster was the run's own: closed with it, and the link with it.
    assert not link.isHidden() and link.url is None and "closed" in link.text()


@needs_dask
def test_compare_with_the_mode_box_on_dask_runs_four_modes(qtbot, window):
    configure(window, **DASK_RUN | {"mode": "processes"})
    assert [cfg.mode for cfg in window.controls.compare_configs()] == ["serial", "threads", "processes"]
    configure(window, **DASK_RUN)
    seen = _link_states(window)
    assert run_batch(qtbot, window, window.start_compare).ok
    records = window.session.results.records
    assert [r.mode for r in records] == ["serial", "threads", "processes", "dask"]
    assert all(r.status == "done" and r.results_ok for r in records[1:]) and len({r.digest for r in records}) == 1
    # The link only for the dask run (the modes before it have no cluster).
    assert [(mode, shown) for mode, shown, _ in seen] == [
        ("serial", False), ("threads", False), ("processes", False), ("dask", True)]
    assert window.comparison.records == records
    assert window.comparison._names[-1] == "dask ×2"
    assert "\n\nDask: " in window.comparison.text.toPlainText()  # its own paragraph, whoever won


@needs_dask
def test_closing_the_window_mid_dask_run_leaves_no_dask_process(qtbot):
    """The client is the worker host's: closing the window cancels the run, which stops the host, which kills
    the cluster it started; nothing of it is left (the leak check after every test counts the processes)."""
    import psutil

    from tests.helpers import is_mp_helper

    from ._util import record_progress

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    configure(w, workload="cpu-python", tasks=400, size=60_000, mode="dask", workers=2)
    seen = record_progress(w)
    assert w.start_run()
    qtbot.waitUntil(lambda: any(s.done > 0 for s in seen), timeout=60_000)
    ours = [k for k in psutil.Process().children(recursive=True) if not is_mp_helper(k)]  # the run's, not Python's
    assert any("dask_host" in " ".join(k.cmdline()) for k in ours)  # a cluster, started by the worker host
    w.shutdown()
    gone, alive = psutil.wait_procs(ours, timeout=3.0)
    assert not alive, [k.cmdline() for k in alive]
