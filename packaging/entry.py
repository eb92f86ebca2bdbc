"""PyInstaller's entry script for the frozen app (see concgui.spec).

It must stay tiny: every process of the frozen app runs it, the process
pool's workers and the fork server included. ``concgui.__main__.main`` calls
``multiprocessing.freeze_support()`` before importing anything else, so a
worker re-launched from the frozen binary becomes a worker and never opens
a window.
"""

import sys

from concgui.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
