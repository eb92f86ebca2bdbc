"""Lessons: predict, run, then see measured against predicted, step by step.

A lesson is a JSON data file (the built-in ones ship in ``concgui/lessons/data``
and load with :mod:`importlib.resources`; people can write their own, see
``docs/lessons.md``). Each step sets up a run or a lab, asks for a prediction,
runs it, and reveals what was measured beside what the lesson expects *on this
machine*: the expectation is computed from the running interpreter and the
core count (:mod:`concgui.lessons.expect`), and the reveal is assembled from
the measurement (:mod:`concgui.lessons.reveal`), never from canned text.

The window's lesson panel and ``concgui lesson`` read the same files and the
same rules. Nothing here imports Qt.
"""
