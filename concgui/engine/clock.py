"""One clock for every event, in every thread and process.

``time.perf_counter()`` reads a system-wide monotonic clock on Linux
(CLOCK_MONOTONIC), Windows (QueryPerformanceCounter) and macOS, so timestamps
taken in worker processes line up with the parent's on one timeline.
"""

import time

now = time.perf_counter
