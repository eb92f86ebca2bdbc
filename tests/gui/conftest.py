"""GUI test fixtures: a main window that is always shut down."""

from __future__ import annotations

import gc
import glob
import os
import re
import threading
import time

import pytest

pytest.importorskip("PySide6")

from concgui.gui.gc_pinning import GuiThreadCollector  # noqa: E402
from concgui.gui.main_window import MainWindow  # noqa: E402


@pytest.fixture(autouse=True)
def _collect_garbage_like_the_app(qapp):
    """Collect cycles on the GUI thread only, as the app does, and once more after each test.

    Left to the automatic collector, a window from an earlier test may be
    destroyed on whichever thread allocates next, or in the middle of a later
    test next to its running threads (we saw a segfault that way). After the
    test, no worker thread runs, so that is a safe moment to collect.
    """
    collector = GuiThreadCollector()
    yield
    collector.stop()
    gc.collect()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Every GUI test reads and writes its own settings file, never the user's."""
    folder = tmp_path / "settings"
    folder.mkdir()
    monkeypatch.setenv("CONCGUI_SETTINGS_DIR", str(folder))
    yield folder
    from concgui.gui.theme import reset_theme

    reset_theme()  # a test that chose a theme must not leave the palette to the next one


def quick_and_quiet(w: MainWindow) -> MainWindow:
    """One repeat per mode (a test checks behaviour, not timings) and no busy-machine check (a loaded CI
    box would make Compare wait for "Run anyway"); tests of those two set them back."""
    w.controls.repeats.setValue(1)
    w.scaling.repeats.setValue(1)
    w.other_load = lambda: None
    return w


@pytest.fixture
def window(qtbot):
    w = quick_and_quiet(MainWindow())
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()


# --- QThreads left running ----------------------------------------------------------------

#: OS thread names of this app's QThreads (Qt names each after its objectName, else its class):
#: the run driver and lab runner ("concgui-..."), thread-run workers ("thread-N"), a bare QThread.
_QTHREAD_NAMES = re.compile(r"concgui-.*|thread-\d+|QThread|_?[A-Za-z]*Thread")
_QTHREAD_GRACE_S = 3.0


def _qthreads_by_name() -> dict[int, str]:
    """Native id -> name of this process's threads that look like our QThreads (Linux; else empty).

    Not the Python helper threads a library keeps for the process's life (Dask's callback thread): a
    thread started from a QThread inherits its OS name, so Dask's, started from the run driver's thread,
    reads "concgui-run-dri" too.
    """
    from tests.conftest import _is_helper_thread

    helpers = {t.native_id for t in threading.enumerate() if _is_helper_thread(t)}
    out = {}
    for path in glob.glob(f"/proc/{os.getpid()}/task/*/comm"):
        try:
            with open(path) as f:
                name = f.read().strip()
        except OSError:
            continue  # ended meanwhile
        tid = int(path.split("/")[-2])
        if _QTHREAD_NAMES.fullmatch(name) and tid not in helpers:
            out[tid] = name
    return out


@pytest.fixture(autouse=True)
def no_running_qthreads(request):
    """Fail a GUI test that leaves one of its QThreads running (destroying one aborts the app).

    QThreads are not Python threads, so the root leak check cannot see them; the
    OS can, by the names Qt gives them. Runs after the ``window`` fixture has
    shut its window down.
    """
    if request.node.get_closest_marker("allow_leaks"):
        yield
        return
    before = _qthreads_by_name()
    yield
    deadline = time.monotonic() + _QTHREAD_GRACE_S
    while True:
        left = {tid: name for tid, name in _qthreads_by_name().items() if tid not in before}
        if not left:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.02)  # polling interval of a deadline loop
    pytest.fail(f"QThreads still running {_QTHREAD_GRACE_S:.0f} s after the test: "
                + ", ".join(f"{name!r} (native id {tid})" for tid, name in sorted(left.items())), pytrace=False)
