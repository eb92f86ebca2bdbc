"""Measure a developer's function in a fresh process, before any run (stdlib only).

Run as ``python -m concgui.engine.function_probe REQUEST.json OUT.pickle`` by
:func:`concgui.engine.function_profile.profile`. A fresh process, so that the
import time is the one every worker pays, a crash or a hang costs only this
process, and the app never imports code it was only asked to look at. It:

1. imports the module (timed) and finds the function;
2. makes the items: the ``inputs`` callable's, a JSON list's, or ``range(N)``,
   and pickles each one (timed: a process pool sends them so);
3. calls the function on a few items spread over the list, one at a time:
   wall and CPU time per call, the pickle of each result (size and time), and
   one item twice, to see whether the same input gives the same result;
4. runs the same calls on one thread, then on **two threads at once**
   (three times, the quickest of each): their speedup over one thread, and
   each thread's CPU share, say how much of its time the function runs
   without the GIL (a thread's own CPU clock is the one the lane probe reads
   from outside);
5. notes what the calls printed and which files they opened for writing (an
   audit hook), and the process's peak memory.

It writes one pickle: ``{"report": {...}, "items": [bytes, ...]}``, or
``{"error": line, "details": traceback}``.
"""

from __future__ import annotations

import importlib
import io
import json
import math
import os
import pickle
import re
import statistics
import sys
import threading
import time
import traceback
from typing import Any, Callable

PICKLE_PROTOCOL = 4  # as concgui.engine.user_function (not imported: this must run before anything of ours loads)
#: Profile calls take about this long in all (the two-thread test as much again), however fast the function.
BUDGET_S = 0.6
#: ...on at most this many distinct items, spread over the list.
SAMPLE_ITEMS = 8
#: Tiny calls are repeated until the two-thread test has at least this much work per thread...
PAIR_MIN_S = 0.1
#: ...and the test (one thread, then two) is run this many times: the quickest of each counts.
PAIR_ROUNDS = 3
#: ...but never more calls than this (a call of a few ns).
MAX_PAIR_CALLS = 2_000_000


class ProbeError(Exception):
    """What is wrong, in one line the CLI prints and the window shows; ``details``: a traceback."""

    def __init__(self, line: str, details: str | None = None) -> None:
        super().__init__(line)
        self.details = details


def _last_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _find(module: str, name: str, what: str) -> Callable[..., Any]:
    try:
        obj: Any = importlib.import_module(module)
    except BaseException as exc:  # an import may raise anything, SystemExit included
        raise ProbeError(f"cannot import {module}: {_last_line(exc)}",
                         "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))) from None
    for part in name.split("."):
        if not hasattr(obj, part):
            raise ProbeError(f"{module} has no {what} {name!r}")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ProbeError(f"{module}.{name} is a {type(obj).__name__}, not a function: the {what} must be callable")
    return obj


def _pickle_problem(obj: Any, what: str) -> str | None:
    """Why ``obj`` cannot be pickled (None if it can), naming the object as a person would see it.

    ``what`` says what it is: "the function 'square'", "the result of item 3".
    """
    try:
        pickle.dumps(obj, PICKLE_PROTOCOL)
        return None
    except Exception as exc:  # PicklingError, TypeError, AttributeError: all mean "cannot be sent"
        name = getattr(obj, "__qualname__", None)
        if isinstance(name, str) and "<lambda>" in name:
            return (f"{what} is a lambda, which pickle cannot send (it sends a function by its name, and a lambda "
                    "has none): define it with def at the top level of its module")
        if isinstance(name, str) and "<locals>" in name:
            return (f"{what} ({name}) is defined inside another function, which pickle cannot send (it sends a "
                    "function by its name): define it with def at the top level of its module")
        line = re.sub(r" at 0x[0-9a-fA-F]+", "", _last_line(exc))  # an address says nothing to a person
        return f"{what} (a {type(obj).__name__}) cannot be pickled ({line})"


class _Watch:
    """What the function's calls print (counted, not shown) and the files they open for writing."""

    def __init__(self) -> None:
        self.on = False
        self.printed = 0
        self.written: list[str] = []
        self._out = io.StringIO()
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        if not self.on or event != "open" or len(args) < 3:
            return
        path, mode, flags = args[0], args[1], args[2]
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR))
        if writes and isinstance(path, (str, bytes)) and len(self.written) < 20:
            p = os.fsdecode(path)
            if p not in self.written:
                self.written.append(p)

    def __enter__(self) -> "_Watch":
        self._saved = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = self._out
        self.on = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.on = False
        sys.stdout, sys.stderr = self._saved
        self.printed += len(self._out.getvalue())
        self._out = io.StringIO()


def _items(req: dict, watch: _Watch) -> tuple[list, float, str]:
    """The items, the seconds making them took, and where they came from (words)."""
    tasks = req.get("tasks")
    t0 = time.perf_counter()
    if req.get("inputs"):
        module, _, name = req["inputs"].rpartition(":")
        make = _find(module, name, "inputs function")
        try:
            with watch:
                items = list(make())
        except Exception as exc:
            raise ProbeError(f"the inputs function {req['inputs']} raised {_last_line(exc)}",
                             "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))) from None
        source = f"{req['inputs']}()"
    elif req.get("items_file"):
        path = req["items_file"]
        try:
            with open(path, encoding="utf-8") as f:
                items = json.load(f)
        except (OSError, ValueError) as exc:
            raise ProbeError(f"cannot read the items in {path}: {_last_line(exc)}") from None
        if not isinstance(items, list):
            raise ProbeError(f"{path} must hold a JSON list of items, not a {type(items).__name__}")
        source = os.path.basename(path)
    else:
        items = list(range(tasks or 16))
        return items, time.perf_counter() - t0, f"range({len(items)})"
    if tasks is not None:
        if tasks > len(items):
            raise ProbeError(f"--tasks {tasks:,} asks for more items than {source} gives ({len(items):,})")
        items = items[:tasks]
    if not items:
        raise ProbeError(f"{source} gives no items: there is nothing to run")
    return items, time.perf_counter() - t0, source


def _call(fn: Callable[[Any], Any], item: Any, index: int, watch: _Watch) -> tuple[Any, float, float]:
    """One call: (result, wall s, CPU s); a raise becomes a ProbeError with its traceback."""
    try:
        with watch:
            c0, t0 = time.thread_time(), time.perf_counter()
            result = fn(item)
            t1, c1 = time.perf_counter(), time.thread_time()
    except Exception as exc:
        raise ProbeError(f"the function raised on item {index} ({_short(item)}): {_last_line(exc)}",
                         "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))) from None
    return result, t1 - t0, c1 - c0


def _short(item: Any) -> str:
    text = repr(item)
    return text if len(text) <= 40 else text[:37] + "..."


def _pair(fn: Callable[[Any], Any], calls: list, watch: _Watch) -> tuple[float, list[float]]:
    """Run ``calls`` (items) on two threads at once, each all of them: (wall s, each thread's CPU s)."""
    cpu = [0.0, 0.0]
    errors: list[BaseException] = []
    go = threading.Barrier(3)

    def work(k: int) -> None:
        go.wait()
        c0 = time.thread_time()
        try:
            for item in calls:
                fn(item)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        cpu[k] = time.thread_time() - c0

    threads = [threading.Thread(target=work, args=(k,), name=f"profile-{k + 1}") for k in range(2)]
    with watch:
        for t in threads:
            t.start()
        go.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    if errors:
        exc = errors[0]
        raise ProbeError(f"the function raised when two threads called it at once: {_last_line(exc)}",
                         "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    return wall, cpu


def _peak_mb() -> float | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere


def measure(req: dict) -> tuple[dict, list[bytes]]:
    """Everything the prediction needs, and the items (pickled); raises ProbeError with the user's problem."""
    watch = _Watch()
    folder = req.get("path")
    if folder:
        sys.path.insert(0, folder)
    module, _, name = req["target"].rpartition(":")
    mem0 = _peak_mb()
    t0 = time.perf_counter()
    with watch:
        fn = _find(module, name, "function")
    import_s = time.perf_counter() - t0
    printed_at_import = watch.printed
    items, items_s, source = _items(req, watch)
    problems = {"function": _pickle_problem(fn, f"the function {name!r}")}
    t0 = time.perf_counter()
    pickled = []
    for i, item in enumerate(items):
        try:
            pickled.append(pickle.dumps(item, PICKLE_PROTOCOL))
        except Exception as exc:
            raise ProbeError(f"item {i} ({_short(item)}) cannot be pickled ({_last_line(exc)}): concgui hands "
                             "every item to its workers as a pickle, in every mode") from None
    item_pickle_s = (time.perf_counter() - t0) / len(items)
    t0 = time.perf_counter()
    for b in pickled[:SAMPLE_ITEMS]:
        pickle.loads(b)
    item_unpickle_s = (time.perf_counter() - t0) / min(len(pickled), SAMPLE_ITEMS)
    # Calls: items spread over the list, until the budget is spent (at least one call; a first call may be slow).
    spots = sorted({round(k * (len(items) - 1) / max(1, SAMPLE_ITEMS - 1)) for k in range(SAMPLE_ITEMS)})
    walls, cpus, sizes, dumps, loads = [], [], [], [], []
    first, first_wall, _ = _call(fn, items[spots[0]], spots[0], watch)  # warms caches: not counted
    spent = first_wall
    deterministic = True
    result_problem = None
    for k, i in enumerate(spots):
        result, wall, cpu = _call(fn, items[i], i, watch)
        walls.append(wall)
        cpus.append(min(cpu, wall) if wall > 0 else cpu)
        spent += wall
        try:
            t0 = time.perf_counter()
            data = pickle.dumps(result, PICKLE_PROTOCOL)
            dumps.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pickle.loads(data)
            loads.append(time.perf_counter() - t0)
            sizes.append(len(data))
            if k == 0:
                deterministic = data == pickle.dumps(first, PICKLE_PROTOCOL)
        except Exception:
            result_problem = result_problem or _pickle_problem(result, f"the result of item {i}")
        if spent >= BUDGET_S and walls:
            break
    sampled = [items[i] for i in spots[:len(walls)]]
    # Two threads at once, each on the sampled items (repeated until each has PAIR_MIN_S of work).
    per_call = max(statistics.median(walls), 1e-9)
    n_calls = max(1, min(MAX_PAIR_CALLS, math.ceil(PAIR_MIN_S / per_call)))
    calls = (sampled * math.ceil(n_calls / len(sampled)))[:n_calls]
    # One thread on the calls, timed as a whole (no clock read per call), then two threads at once, each on
    # all of them; PAIR_ROUNDS times, keeping the quickest of each: other work on the machine only ever slows
    # a timing down, and on a busy 2-core machine it would pass for the GIL.
    best_alone, best_pair, pair_cpu = float("inf"), float("inf"), [0.0, 0.0]
    for _ in range(PAIR_ROUNDS):
        with watch:
            t0 = time.perf_counter()
            for item in calls:
                fn(item)
            best_alone = min(best_alone, time.perf_counter() - t0)
        round_wall, round_cpu = _pair(fn, calls, watch)
        if round_wall < best_pair:
            best_pair, pair_cpu = round_wall, round_cpu
    alone, pair_wall = best_alone, best_pair
    mem1 = _peak_mb()
    problems["result"] = result_problem
    report = {
        "target": req["target"],
        "path": folder,
        "items": len(items),
        "items_from": source,
        "items_s": items_s,
        "import_s": import_s,
        "calls": len(walls),
        "task_wall_s": statistics.median(walls),
        "task_wall_mean_s": statistics.fmean(walls),
        "task_wall_max_s": max(walls),
        "task_cpu_s": statistics.median(cpus),
        "item_bytes": statistics.median(len(b) for b in pickled[:1000]),
        "item_pickle_s": item_pickle_s,
        "item_unpickle_s": item_unpickle_s,
        "result_bytes": statistics.median(sizes) if sizes else None,
        "result_pickle_s": statistics.median(dumps) if dumps else None,
        "result_unpickle_s": statistics.median(loads) if loads else None,
        "two_threads_speedup": (2 * alone / pair_wall) if pair_wall > 0 else None,
        "two_threads_cores": sum(pair_cpu) / pair_wall if pair_wall > 0 else None,
        "thread_cpu_share": statistics.fmean(pair_cpu) / pair_wall if pair_wall > 0 else None,
        "pair_calls": len(calls),
        "deterministic": deterministic,
        "printed_chars": watch.printed,
        "printed_at_import": printed_at_import,
        "files_written": watch.written,
        "memory_mb": mem1,
        "memory_before_import_mb": mem0,
        "problems": {k: v for k, v in problems.items() if v},
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
    }
    return report, pickled


def main(argv: list[str]) -> int:
    req_path, out_path = argv[0], argv[1]
    with open(req_path, encoding="utf-8") as f:
        req = json.load(f)
    out: dict[str, Any]
    try:
        report, items = measure(req)
        out = {"report": report, "items": items}
    except ProbeError as exc:
        out = {"error": str(exc), "details": exc.details}
    except BaseException as exc:  # noqa: BLE001 - a developer's code may raise anything; it is reported, not ours
        out = {"error": f"profiling stopped: {_last_line(exc)}",
               "details": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))}
    with open(out_path, "wb") as f:
        pickle.dump(out, f, PICKLE_PROTOCOL)
    sys.stdout.flush()
    os._exit(0)  # the developer's threads or atexit hooks must not keep this process (or its answer) waiting


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
