"""The Python box: this interpreter first, then every other one found on the machine.

Finding them means starting each candidate once (:func:`concgui.engine.pythons.discover`,
~20-50 ms apiece, up to a probe's timeout for a hung one), so it happens on a
plain thread that starts when the window first shows, never on the GUI thread;
the box fills in when it is done. Until then (and on a machine with one
Python) it holds just this one. A remembered choice is probed with the rest,
and shown if it still works.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QComboBox, QWidget

from concgui.engine.config import GIL_SWITCHES
from concgui.engine.pythons import Found, PythonError, PythonInfo, discover, probe, this_python

log = logging.getLogger(__name__)

#: How often the box looks whether the search is done (only while it runs: a second or less).
POLL_MS = 50
#: How long closing the window waits for a discovery still under way (each probe has its own timeout).
JOIN_S = 12.0


def item_text(info: PythonInfo, this: bool) -> str:
    """What the box shows for one interpreter: short enough for the box at 1366 px (the tooltip says more)."""
    text = f"{'This Python' if this else 'Python'} {info.version}"
    return text + ("t (free-threaded)" if info.free_threaded else "")


def item_tooltip(info: PythonInfo) -> str:
    """The executable, and what it can do."""
    can = ["free-threaded build, GIL " + ("on" if info.gil_enabled else "off") if info.free_threaded
           else "normal build (GIL)"]
    can.append("subinterpreters with their own GIL" if info.per_interpreter_gil else "no subinterpreters")
    return f"{info.executable}\n{'; '.join(can)}"


class _Search:
    """One search for Pythons on a plain thread, holding no Qt object at all.

    The box looks at :attr:`done` on a short timer instead of being sent a
    signal from the thread: a Qt signal emitted from a non-Qt thread (and that
    thread's end) crashed the window's teardown now and then.
    """

    def __init__(self, extra: list[str]) -> None:
        self.done = threading.Event()
        self.result: list[Found] = []
        self.thread = threading.Thread(target=self._run, args=(extra,), name="python-discovery", daemon=True)
        self.thread.start()

    def _run(self, extra: list[str]) -> None:
        try:
            self.result = discover(extra)
            # A run's check asks again by the executable the box keeps (and, with the GIL box set, with
            # PYTHON_GIL): ask now, off the GUI thread, so that check only reads the answers.
            for f in self.result:
                if f.info is None:
                    continue
                for gil in (None, *(GIL_SWITCHES if f.info.free_threaded else ())):
                    try:
                        probe(f.info.executable, gil=gil)
                    except PythonError:
                        pass  # the run's own check says it in a sentence
        except Exception:  # never let a strange candidate take the window down: keep this one
            log.exception("looking for other Pythons failed")
        finally:
            self.done.set()


class PythonChooser(QComboBox):
    """Which interpreter the runs use: :meth:`info` is its :class:`PythonInfo`.

    The items carry executables (plain strings), the facts stay in a dict:
    Python objects kept inside Qt's item model outlive Python's view of them
    in ways that crashed the window's teardown.

    ``pythons_listed`` says the box is complete.
    """

    pythons_listed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.this = this_python()
        self._infos: dict[str, PythonInfo] = {self.this.executable: self.this}
        self.addItem(item_text(self.this, True), self.this.executable)
        self.setItemData(0, item_tooltip(self.this), Qt.ItemDataRole.ToolTipRole)
        self.setToolTip("The Python the runs use. Another one runs them in worker processes of its own; the "
                        "window itself always stays on this one")
        self.problems: list[Found] = []
        self.listed = False
        self._wanted: str | None = None  # a remembered executable to select once it is listed
        self._search: _Search | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._on_poll_timeout)

    def info(self) -> PythonInfo:
        return self._infos.get(self.currentData() or "", self.this)

    def add(self, info: PythonInfo) -> None:
        """List ``info`` (found, or given by a test)."""
        self._infos[info.executable] = info
        self.addItem(item_text(info, info.is_this), info.executable)
        self.setItemData(self.count() - 1, item_tooltip(info), Qt.ItemDataRole.ToolTipRole)

    def executable(self) -> str | None:
        """The chosen interpreter's path, or None for this one (what a RunConfig's ``python`` takes)."""
        info = self.info()
        return None if info.is_this else info.executable

    def others(self) -> list[PythonInfo]:
        return [self._infos[self.itemData(i)] for i in range(1, self.count())]

    def start(self, remembered: str | None = None) -> None:
        """Look for the other Pythons, off the GUI thread (once per window)."""
        if self._search is not None:
            return
        self._wanted = remembered
        self._search = _Search([remembered] if remembered else [])
        self._poll.start()

    def choose(self, executable: str | None) -> bool:
        """Select the interpreter at ``executable`` (None: this one); False if it is not (yet) listed."""
        for i in range(self.count()):
            if (executable is None and i == 0) or (executable is not None and self.itemData(i) == executable):
                self.setCurrentIndex(i)
                return True
        if executable is not None and not self.listed:
            self._wanted = executable
        return False

    def shutdown(self) -> None:
        """Wait for a discovery still under way (the window is closing)."""
        self._poll.stop()
        if self._search is not None:
            self._search.thread.join(JOIN_S)

    @Slot()
    def _on_poll_timeout(self) -> None:
        if self._search is None or not self._search.done.is_set():
            return
        self._poll.stop()
        self._show(self._search.result)

    def _show(self, found: list[Found]) -> None:
        self.problems = [f for f in found if f.info is None]
        for f in found:
            if f.info is None or f.info.is_this:
                continue
            self.add(f.info)
        self.listed = True
        if self._wanted is not None:
            self.choose(self._wanted)
            self._wanted = None
        self.pythons_listed.emit()
