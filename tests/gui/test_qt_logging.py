"""Qt's messages reach stdlib logging (logger "qt") and still reach the handler installed before ours."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import qCritical, qDebug, qInfo, qWarning

from concgui.gui import qt_logging

TAG = "concgui-qt-logging-test"


@pytest.mark.qt_log_ignore(f"^{TAG}: ")  # the test's own warnings, on purpose
def test_qt_messages_are_logged_at_their_level_and_passed_on(qapp, qtlog, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="qt")
    qt_logging.install()
    qt_logging.install()  # idempotent: each message is still logged and passed on once
    try:
        qDebug(f"{TAG}: debug")
        qInfo(f"{TAG}: info")
        qWarning(f"{TAG}: warning")
        qCritical(f"{TAG}: critical")
    finally:
        qt_logging.uninstall()
    qWarning(f"{TAG}: after")  # the handler before ours (pytest-qt's) is back

    logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "qt"]
    assert logged == [(logging.DEBUG, f"{TAG}: debug"), (logging.INFO, f"{TAG}: info"),
                      (logging.WARNING, f"{TAG}: warning"), (logging.ERROR, f"{TAG}: critical")]
    assert [m.message for m in qtlog.records] == [f"{TAG}: {w}" for w in ("debug", "info", "warning", "critical",
                                                                        "after")]
