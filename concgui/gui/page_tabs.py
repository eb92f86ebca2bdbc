"""The window's tabs, each page in a scroll area of its own.

A zoomed-in window on a small projector cannot always hold a page at its
minimum size; in a scroll area the page scrolls instead of making the window
outgrow the screen. At zoom 1.0 each page keeps its minimum size (:meth:`fit`).
The tab widget speaks of the pages themselves (:meth:`setCurrentWidget`, :meth:`currentWidget`, :meth:`page`), so nobody
needs to know about the scroll areas around them.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFrame, QScrollArea, QTabWidget, QWidget


class PageTabs(QTabWidget):
    def add_page(self, page: QWidget, title: str) -> int:
        holder = QScrollArea()
        holder.setWidget(page)
        holder.setWidgetResizable(True)
        holder.setFrameShape(QFrame.Shape.NoFrame)
        return self.addTab(holder, title)

    def fit(self, zoom: float, room: QSize | None = None) -> None:
        """At zoom 1.0 no page is smaller than its content (as without the scroll areas); zoomed, they scroll.

        ``room``: the most the screen leaves a page (None: no limit). A page
        that needs more scrolls, so that it never makes the window outgrow
        its screen.
        """
        for i in range(self.count()):
            holder = self.widget(i)
            if isinstance(holder, QScrollArea) and holder.widget() is not None:
                want = holder.widget().minimumSizeHint() if zoom == 1.0 else QSize(0, 0)
                holder.setMinimumSize(want if room is None else want.boundedTo(room))

    def page(self, index: int) -> QWidget | None:
        """The page of tab ``index`` (inside its scroll area, if it has one)."""
        w = self.widget(index)
        return w.widget() if isinstance(w, QScrollArea) and w.widget() is not None else w

    def index_of_page(self, page: QWidget) -> int:
        """The tab holding ``page`` or any widget on it; -1 if none does."""
        for i in range(self.count()):
            p = self.page(i)
            if p is page or (p is not None and p.isAncestorOf(page)):
                return i
        return -1

    def setCurrentWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt's name)
        i = self.index_of_page(widget)
        if i >= 0:
            self.setCurrentIndex(i)

    def currentWidget(self) -> QWidget | None:  # noqa: N802 (Qt's name)
        return self.page(self.currentIndex())
