"""Settings: typed values survive a new wrapper, bad values read as defaults, the window remembers."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from concgui.gui import settings as settings_mod
from concgui.gui.main_window import MainWindow
from concgui.gui.settings import Settings


def test_tests_never_touch_the_users_settings(isolated_settings) -> None:
    s = Settings()
    assert s.file_name.startswith(str(isolated_settings))


def test_round_trip_through_a_new_wrapper(isolated_settings) -> None:
    s = Settings()
    assert (s.theme, s.workers, s.workload, s.geometry) == ("system", None, None, None)
    s.geometry, s.window_state = b"\x01\x02geo\x00", b"state\xff"
    s.workload, s.mode, s.start_method = "cpu-hash", "processes", "spawn"
    s.workers, s.tasks, s.size = 3, 48, 65_536
    s.theme, s.export_dir = "dark", str(isolated_settings)
    assert s.sync()

    t = Settings()  # a fresh QSettings on the same file, as in a new session
    assert t.geometry == b"\x01\x02geo\x00" and t.window_state == b"state\xff"
    assert (t.workload, t.mode, t.start_method) == ("cpu-hash", "processes", "spawn")
    assert (t.workers, t.tasks, t.size) == (3, 48, 65_536)
    assert isinstance(t.workers, int)
    assert t.theme == "dark" and t.export_dir == str(isolated_settings)

    t.workers = None  # None forgets the value
    assert Settings().workers is None


def test_bad_values_read_as_defaults(isolated_settings) -> None:
    raw = QSettings(str(isolated_settings / "concgui.ini"), QSettings.Format.IniFormat)
    raw.setValue("view/theme", "purple")
    raw.setValue("run/workers", "many")
    raw.setValue("run/tasks", -4)
    raw.setValue("window/geometry", "not bytes")
    raw.sync()
    s = Settings()
    assert (s.theme, s.workers, s.tasks, s.geometry) == ("system", None, None, None)
    with pytest.raises(ValueError):
        s.theme = "purple"
    with pytest.raises(ValueError):
        s.workers = 0


def test_explicit_path_wins_over_the_environment(tmp_path) -> None:
    path = tmp_path / "elsewhere.ini"
    s = Settings(str(path))
    s.tasks = 5
    s.sync()
    assert path.exists()
    assert Settings().tasks is None


def test_window_saves_on_close_and_restores_on_open(qtbot) -> None:
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    c = w.controls
    c.workload.setCurrentIndex(c.workload.findData("cpu-hash"))
    c.tasks.setValue(17)
    c.size.setValue(12_345)
    c.mode.setCurrentIndex(c.mode.findData("processes"))
    c.workers.setValue(3)
    c.start_method.setCurrentIndex(c.start_method.findData("spawn"))
    default_height = w.height()
    w.resize(w.width(), default_height - 40)  # the offscreen screen is 800 × 600: only the height is free
    saved_height = w.height()
    assert saved_height != default_height
    w.close()
    assert not w.isVisible()

    s = Settings()
    assert (s.workload, s.tasks, s.size, s.mode, s.workers, s.start_method) == (
        "cpu-hash", 17, 12_345, "processes", 3, "spawn")
    assert s.geometry

    w2 = MainWindow()
    qtbot.addWidget(w2)
    try:
        c2 = w2.controls
        assert c2.workload.currentData() == "cpu-hash"
        assert (c2.tasks.value(), c2.size.value(), c2.workers.value()) == (17, 12_345, 3)
        assert c2.gui_mode() == "processes" and c2.start_method.currentData() == "spawn"
        # The saved height comes back, as far as the screen allows (see the clamp test below).
        fits = max(w2.screen().availableGeometry().height(), w2.minimumSizeHint().height())
        assert w2.height() == min(saved_height, fits)
    finally:
        w2.shutdown()


def test_a_size_saved_on_a_larger_screen_is_clamped_to_this_one(qtbot) -> None:
    big = MainWindow()
    qtbot.addWidget(big)
    big.setMinimumSize(0, 0)
    big.resize(4000, 3000)  # as if saved on a 4K screen (offscreen is 800 × 600)
    big.move(5000, 4000)
    big.close()
    w = MainWindow()
    qtbot.addWidget(w)
    try:
        avail = w.screen().availableGeometry()
        assert w.width() <= max(avail.width(), w.minimumSizeHint().width())
        assert w.height() <= max(avail.height(), w.minimumSizeHint().height())
        assert avail.left() <= w.x() <= avail.right() and avail.top() <= w.y() <= avail.bottom()
    finally:
        w.shutdown()


def test_the_window_never_needs_more_than_1280_by_720_after_a_compare(qtbot, window) -> None:
    from ._util import SMALL, configure, run_batch

    configure(window, **SMALL)
    assert run_batch(qtbot, window, window.start_compare).ok
    qtbot.waitUntil(lambda: bool(window.comparison.records))  # the comparison card shows its new contents
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint


def test_a_stale_workload_keeps_the_defaults(qtbot) -> None:
    s = Settings()
    s.workload, s.tasks = "no-such-workload", 3
    s.sync()
    w = MainWindow()
    qtbot.addWidget(w)
    try:
        assert w.controls.workload.currentIndex() == 0
        assert w.controls.tasks.value() != 3
    finally:
        w.shutdown()


def test_settings_module_reads_the_env_dir(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv(settings_mod.ENV_DIR, str(tmp_path))
    assert settings_mod.settings_path() == str(tmp_path / "concgui.ini")
    monkeypatch.delenv(settings_mod.ENV_DIR)
    assert settings_mod.settings_path() is None


def test_on_a_1366_by_768_screen_every_panel_stays_usable(qtbot, window) -> None:
    window.resize(1284, 706)  # what the window opens at on a 1366 × 768 screen
    qtbot.waitUntil(lambda: window.height() == 706)
    assert window.timeline.height() >= 120  # a few lanes to read
    table = window.results_table
    assert table.viewport().height() >= 4 * table.verticalHeader().defaultSectionSize()  # 4 rows to compare


def test_the_settings_panel_never_clips_its_content(qtbot, window) -> None:
    from concgui.engine.workloads import CATALOG

    window.resize(1284, 706)
    scroll, c = window.settings_scroll, window.controls
    for name in CATALOG:  # each workload's badge and summary
        c.workload.setCurrentIndex(c.workload.findData(name))
        qtbot.waitUntil(lambda: scroll.widget().width() <= scroll.viewport().width())
        assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width(), name
        assert c.badge.width() >= c.badge.sizeHint().width(), name  # the whole badge shows


def test_reset_to_defaults_and_reset_layout(qtbot, window) -> None:
    c = window.controls
    qtbot.waitUntil(lambda: bool(window._splitters))
    first = [sizes for _, sizes in window._splitters]
    c.workload.setCurrentIndex(c.workload.findData("io-sleep"))
    c.tasks.setValue(999)
    c.repeats.setValue(7)
    c.mode.setCurrentIndex(c.mode.findData("processes"))
    window._splitters[2][0].setSizes([100, 400, 100])
    window.reset_settings()
    from concgui.engine.workloads import CATALOG

    assert c.workload.currentData() == "cpu-python" and c.tasks.value() == CATALOG["cpu-python"].default_tasks
    assert c.repeats.value() == 3 and c.gui_mode() == "threads" and c.workers.value() == c.cores
    window.reset_layout()
    assert [sp.sizes() for sp, _ in window._splitters][2] == first[2]


def test_remembered_settings_that_would_run_for_hours_are_not_restored_silently(qtbot) -> None:
    s = Settings()
    s.workload, s.tasks, s.size, s.mode, s.workers = "io-sleep", 999_999, 60_000, "threads", 2
    s.sync()
    w = MainWindow()
    qtbot.addWidget(w)
    try:
        c = w.controls
        assert c.tasks.value() != 999_999
        assert "would run for about" in c.message.text() and "defaults are shown" in c.message.text()
    finally:
        w.shutdown()
