"""The Workload panel: what the chosen workload does, what it does with the GIL and why, and its code.

The code is read from the running module (:func:`concgui.engine.workload_info.describe`
uses :func:`inspect.getsource`), so it is exactly what the workers run.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from concgui.engine.function_profile import FunctionRef, function_source
from concgui.engine.workload_info import WorkloadInfo, describe
from concgui.gui.controls import BADGE_STYLE
from concgui.gui.labs.source_view import SourceView


class WorkloadPanel(QWidget):
    """Read-only: the workload's description, GIL behaviour and highlighted source."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: WorkloadInfo | None = None
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.source = SourceView()
        self.source.setMinimumHeight(60)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.text)
        lay.addWidget(self.source, 1)

    def show_function(self, ref: FunctionRef, profile_text: str = "") -> None:
        """Your function: what is known of it (its profile, once made) and its source, read from its file."""
        self.info = None
        fg, bg = BADGE_STYLE["your code"]
        if not ref.target:
            self.text.setText(f"<b>Your function</b> &nbsp;<span style='color:{fg}; background:{bg}'>&nbsp;your "
                              "code&nbsp;</span><p>Name it in the Function box as <code>module:function</code>, "
                              "and choose the folder its module is in. It is called as "
                              "<code>func(item) -&gt; result</code>.</p>")
            self.source.setPlainText("")
            return
        try:
            source = function_source(ref)
        except Exception as exc:  # noqa: BLE001 - a name the boxes cannot use: validate says why on Run
            source = f"# {exc}\n"
        # Lines, not <pre>: a label's minimum width is its longest unbreakable line, and this one must wrap.
        lines = "<br>".join(html.escape(line.strip()) for line in profile_text.splitlines())
        facts = (f"<p style='margin-top:4px'>{lines}</p>" if profile_text else
                 "<p>Not profiled yet: Run or Compare measures it first, in a fresh process.</p>")
        self.text.setText(
            f"<b>{html.escape(ref.target)}</b> &nbsp;<span style='color:{fg}; background:{bg}'>&nbsp;your code"
            f"&nbsp;</span>{facts}<p style='color:gray'>Source, read from its file in "
            f"{html.escape(ref.path or '')} (not imported here):</p>")
        self.source.setPlainText(source)

    def show_workload(self, name: str) -> None:
        if self.info is not None and self.info.name == name:
            return
        info = self.info = describe(name)
        fg, bg = BADGE_STYLE.get(info.gil, BADGE_STYLE["holds the GIL"])
        what = "<br>".join(html.escape(p.replace("\n", " ")) for p in info.what.split("\n\n"))
        self.text.setText(
            f"<b>{html.escape(info.name)}</b> &nbsp;<span style='color:{fg}; background:{bg}'>&nbsp;"
            f"{html.escape(info.gil)}&nbsp;</span><p style='margin-top:4px'>{what}</p>"
            f"<p><b>Why:</b> {html.escape(info.why)}</p>"
            f"<p style='color:gray'>Source of <code>{html.escape(info.function)}</code>, read from the running "
            "module:</p>")
        self.source.setPlainText(info.source)
