"""``your-function``: a developer's function through concgui, against the same function on a bare executor.

The functions are the README's examples (``docs/examples/mytasks.py``): SHA-256
over 8 MB buffers (releases the GIL) and a pure-Python loop (holds it). Each
runs on concgui's :class:`Runner` as ``bench --function`` runs it (items
pickled, results compared by their pickles) and on a warm bare
``ThreadPoolExecutor.map`` / ``ProcessPoolExecutor.map`` (the chunk size
concgui chose), interleaved; each ratio is the median of side-by-side pairs.
The rows also say what the profile took and how its prediction compared with
the measured speedup: a claim the README makes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from benchmarks.report import Report
from benchmarks.sections._common import cores, interleave, median, ms, paired_ratio

TARGET = 1.05
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CASES = (("sha", "threads", 32), ("loop", "processes", 16))


def your_function(report: Report, quick: bool = False) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    from concgui.engine import startmethods
    from concgui.engine.config import RunConfig
    from concgui.engine.function_profile import FunctionRef, profile
    from concgui.engine.recommend import recommend_here
    from concgui.engine.runner import Runner

    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    import mytasks  # noqa: E402  (the bare executors import it as a user would)

    workers = cores()
    reps = 3 if quick else 7
    method = startmethods.default()
    with Runner() as runner:
        for name, mode, tasks in CASES:
            ref = FunctionRef(f"mytasks:{name}", str(EXAMPLES))
            t0 = time.perf_counter()
            prep = profile(ref, tasks)
            took = time.perf_counter() - t0
            rec = recommend_here(prep.profile, ["threads", "processes"], workers, tasks)
            cfg = RunConfig("function", mode, workers, tasks, function=ref).validate()
            serial = RunConfig("function", "serial", 1, tasks, function=ref).validate()
            func = getattr(mytasks, name)
            items = list(range(tasks))
            if mode == "threads":
                bare_pool = ThreadPoolExecutor(workers)
            else:
                bare_pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))

            def ours(c: RunConfig = cfg) -> float:
                t = time.perf_counter()
                fin = runner.run(c)
                assert fin.status.value == "done", fin.error
                return time.perf_counter() - t

            def bare(pool=bare_pool, f=func, chunk=cfg.chunk_size or 1) -> float:
                t = time.perf_counter()
                list(pool.map(f, items, chunksize=chunk) if mode == "processes" else pool.map(f, items))
                return time.perf_counter() - t

            try:
                runner.warm_up(cfg)
                bare()  # both warm: pool start and the module's import are not timed
                times = interleave({"concgui": ours, "bare": bare, "serial": lambda: ours(serial)}, reps)
            finally:
                bare_pool.shutdown()
            c, b = times["concgui"], times["bare"]
            r, lo, hi = paired_ratio(c, b)
            report.add("your-function", f"{name} ({tasks} calls) on {mode} ×{workers}: concgui / bare executor",
                       f"{r:.3f}× (concgui {ms(median(c))} vs bare {ms(median(b))}; pairs {lo:.3f}–{hi:.3f})",
                       f"≤ {TARGET}×", r <= TARGET, value=r,
                       note="bare: ThreadPoolExecutor.map" if mode == "threads" else
                       f"bare: ProcessPoolExecutor.map, chunksize {cfg.chunk_size}, {method}")
            measured = median(times["serial"]) / median(c)
            predicted = rec.predicted_speedup.get(mode)
            report.add("your-function", f"{name}: predicted against measured speedup on {mode}",
                       f"predicted {predicted:.2f}×, measured {measured:.2f}× (recommended: {rec.mode})",
                       "info", None, value=measured,
                       note=f"profile took {ms(took)} in a fresh process ({prep.profile.calls} calls, two-thread "
                            f"test {prep.profile.two_threads_speedup or 0:.2f}×)")
