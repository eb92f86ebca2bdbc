"""A CPU plot stops drawing while it is not on screen, and starts again when it is.

Without a ``hideEvent`` override: with one, the garbage collector crashed now
and then in the window's teardown (PySide6 6.11.3), on that very function,
freed while the class still held it. A tick while hidden stops the clock instead.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from concgui.engine.telemetry import CpuSampler
from concgui.gui.cpu_plot import CpuPlot


def test_a_plot_on_a_hidden_tab_stops_its_clock_and_starts_again_when_shown(qtbot) -> None:
    with CpuSampler() as sampler:
        tabs = QTabWidget()
        qtbot.addWidget(tabs)
        plot = CpuPlot(sampler)
        tabs.addTab(plot, "CPU")
        tabs.addTab(QWidget(), "other")
        tabs.show()
        plot.start()
        qtbot.waitUntil(lambda: plot.clock_running)
        tabs.setCurrentIndex(1)
        qtbot.waitUntil(lambda: not plot.clock_running, timeout=3000)  # its next tick saw it hidden
        ticks = plot.ticks
        tabs.setCurrentIndex(0)
        qtbot.waitUntil(lambda: plot.clock_running and plot.ticks > ticks, timeout=3000)
        plot.stop()
