"""Qt's own messages go to stdlib :mod:`logging` (logger ``"qt"``), like the app's other diagnostics.

Qt reports what it recovers from (a font it lacks, a widget used from the
wrong thread, a bad style sheet) with qDebug / qInfo / qWarning / qCritical,
which by default it prints straight to stderr. :func:`install` hands each one
to the ``qt`` logger at the matching level instead, so it is filtered,
formatted and captured (by a test's ``caplog`` too) like any other log record.

A message handler installed before ours (pytest-qt's, which fails a test on a
Qt warning) still receives every message; :func:`uninstall` puts it back.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("qt")

#: Qt's message types as logging levels (a qFatal is logged before Qt aborts).
LEVELS: dict[QtMsgType, int] = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

MessageHandler = Callable[[QtMsgType, QMessageLogContext, str], Any]

_previous: MessageHandler | None = None


def _handle(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
    level = LEVELS.get(mode, logging.WARNING)
    if log.isEnabledFor(level):
        category = context.category if context is not None else None
        # As Qt's default output: "category: message", the default category left out.
        if category and category != "default":
            log.log(level, "%s: %s", category, message, extra={"qt_category": category})
        else:
            log.log(level, "%s", message, extra={"qt_category": category})
    if _previous is not None:
        _previous(mode, context, message)


def install() -> None:
    """Route Qt's messages to the ``qt`` logger, from now on (any thread). Idempotent."""
    global _previous
    previous = qInstallMessageHandler(_handle)
    if previous is _handle:
        return  # already ours: keep the handler we chain to
    _previous = previous


def uninstall() -> None:
    """Give Qt back the handler it had before :func:`install` (if ours is still the one installed)."""
    global _previous
    current = qInstallMessageHandler(_previous)
    if current is not _handle:
        qInstallMessageHandler(current)  # someone installed theirs after ours: leave it
        return
    _previous = None
