"""The headless engine: workloads, executors, events, telemetry.

Nothing in this package may import Qt (PySide6, shiboken6, pyqtgraph): the CLI,
benchmarks and worker processes use it on machines without a display, and a
worker process that imported Qt would pay ~0.4 s and ~85 MB at start. A test
imports this package in a fresh interpreter and checks ``sys.modules``.
"""
