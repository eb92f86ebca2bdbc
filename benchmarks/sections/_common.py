"""Helpers shared by the sections: interleaved repetitions, medians, formatting."""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[2]


def cores() -> int:
    return os.cpu_count() or 1


def interleave(contenders: dict[str, Callable[[], float]], reps: int) -> dict[str, list[float]]:
    """Run each contender ``reps`` times, interleaved (A B C, B C A, C A B, ...).

    Each contender returns the seconds it measured. Interleaving spreads slow
    phases of a busy machine over all contenders instead of one of them, and
    rotating the order removes any advantage of always running first.
    """
    names = list(contenders)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(reps):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            times[name].append(contenders[name]())
    return times


def on_fresh_processes(start: Callable[[], None], timed: Callable[[], float]) -> Callable[[], float]:
    """A contender that first starts (and warms) new worker processes, untimed, then times one run on them.

    Why: the same pure-Python loop runs up to ~3 % faster or slower in one
    process than in another (where its objects land in memory; 8 processes
    from one fork server, one at a time: 218 to 232 ms for the same 64 tasks).
    A pool keeps its processes, so a benchmark that reuses one pool per
    contender compares the same two draws of that luck in every pair, and
    its pairs agree with each other on a bias. New processes for every
    repetition put a fresh draw on both sides of each pair.
    """

    def run() -> float:
        start()
        return timed()

    return run


class RenewedExecutor:
    """A ``ProcessPoolExecutor`` that :meth:`renew` replaces with a new, warmed one (see :func:`on_fresh_processes`)."""

    def __init__(self, workers: int, start_method: str, warm: Callable[[Any], object]) -> None:
        self._workers, self._method, self._warm = workers, start_method, warm
        self.ex: Any = None

    def renew(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.close()
        self.ex = ProcessPoolExecutor(self._workers, mp_context=multiprocessing.get_context(self._method))
        self._warm(self.ex)

    def close(self) -> None:
        if self.ex is not None:
            self.ex.shutdown(wait=True)
            self.ex = None

    def __enter__(self) -> "RenewedExecutor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def paired_ratio(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """Median, min and max of a[i] / b[i] (each pair measured side by side)."""
    rs = [x / y for x, y in zip(a, b)]
    return statistics.median(rs), min(rs), max(rs)


def ms(s: float) -> str:
    return f"{s * 1000:.3g} ms" if s < 1 else f"{s:.2f} s"


def child_env() -> dict[str, str]:
    """Environment for a child ``python`` that must import ``benchmarks``."""
    path = os.environ.get("PYTHONPATH")
    return dict(os.environ, PYTHONPATH=str(ROOT) + (os.pathsep + path if path else ""))


def python() -> str:
    return sys.executable


def qt_child(report, section: str, what: str, module: str, quick: bool, timeout: int,
             qpa: str | None = None) -> dict | None:
    """Run ``module.child(quick)`` in a fresh interpreter with Qt offscreen; its JSON, or None (row added).

    The Qt sections run in a child so that this process stays Qt-free and a
    missing display or Qt install costs one "skipped" row, not the whole run.
    ``qpa``: the child's QT_QPA_PLATFORM (e.g. an offscreen screen of a given size).
    """
    import importlib.util
    import json
    import subprocess

    if importlib.util.find_spec("PySide6") is None or importlib.util.find_spec("pyqtgraph") is None:
        report.add(section, what, "skipped: PySide6 or pyqtgraph not installed")
        return None
    env = child_env()
    env["QT_QPA_PLATFORM"] = qpa or os.environ.get("CONCGUI_BENCH_QPA", "offscreen")
    code = f"from {module} import child; child({quick!r})"
    try:
        p = subprocess.run([python(), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        report.add(section, what, f"skipped: the Qt child did not finish in {timeout} s")
        return None
    lines = [ln for ln in p.stdout.strip().splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        err = p.stderr.strip().splitlines()
        if "Traceback (most recent call last):" in err:  # our code broke: a failure, never a quiet skip
            last = next((ln for ln in reversed(err) if ln and not ln[0].isspace() and "Error" in ln), err[-1])
            report.add(section, what, f"failed: {last[:200]}")
            return None
        why = (err or [f"exit code {p.returncode}"])[-1][:200]
        report.add(section, what, f"skipped: Qt could not start here ({why})")
        return None
    got = json.loads(lines[-1])
    if "skip" in got:
        report.add(section, what, f"skipped: {got['skip']}")
        return None
    return got


def qt_wait(ms: int) -> None:
    """Let a Qt child's event loop run for ``ms`` (its timers, paints and queued signals)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def qt_app_or_skip():  # -> QApplication | None
    """In a Qt child: the QApplication (started with the GUI's safe start method), or None after
    printing the ``{"skip": why}`` line that :func:`qt_child` turns into a "skipped" row."""
    import json

    try:
        from PySide6.QtWidgets import QApplication
    except ImportError as exc:
        print(json.dumps({"skip": f"Qt not importable ({exc})"}))
        return None
    from concgui.gui.app import use_safe_start_method

    use_safe_start_method()
    return QApplication.instance() or QApplication([])


def run_window_steps(window, steps: list, settle_ms: int = 400) -> list:
    """Drive a MainWindow through ``steps`` (as ``run_steps``), wait for its batch, return its rows."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    window.session.batch_done.connect(loop.quit)
    assert window.session.run_steps("bench", steps)
    loop.exec()
    window.session.batch_done.disconnect(loop.quit)
    rows = window.session.results.rows[-len(steps):]
    qt_wait(settle_ms)
    return rows
