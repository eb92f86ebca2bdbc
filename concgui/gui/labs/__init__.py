"""The Labs tab: each synchronization/IPC lab of :mod:`concgui.labs` with a live view.

A lab page shows the lab's inputs, Run and Cancel, a live view fed by the
lab's own events, the result summary and explanation, and the source of the
functions it runs. Labs run off the GUI thread
(:mod:`concgui.gui.labs.lab_runner`).
"""

from concgui.gui.labs.labs_view import LabsView

__all__ = ["LabsView"]
