"""The command line: ``concgui [gui|bench|lab|info]``.

Only the ``gui`` command imports Qt, and only after its arguments are checked,
so ``bench``, ``lab`` and ``info`` run on machines with no display and start fast.
User mistakes end with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
from typing import Sequence

from concgui import __version__

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        raise UsageError(message)


#: Characters str.splitlines() breaks at, shown escaped so an error stays on one line.
_LINE_BREAKS = {c: repr(chr(c))[1:-1] for c in (0x0A, 0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}


def one_line(text: str) -> str:
    """``text`` with any line break escaped (a user's argument may contain one)."""
    return text.translate(_LINE_BREAKS)


def _int_list(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected whole numbers separated by commas, not {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def _str_list(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def build_parser() -> argparse.ArgumentParser:
    from concgui.engine.config import MODES
    from concgui.engine.workloads import CATALOG

    p = _Parser(prog="concgui", description="See Python concurrency: serial vs threads vs processes.")
    p.add_argument("--version", action="version", version=f"concgui {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    g = sub.add_parser("gui", help="open the window (the default)")
    g.add_argument("--scenario", help="open with a scenario's settings (e.g. compare)")
    g.add_argument("--scenario-file", metavar="FILE.json",
                   help="open with the runs described in a JSON file (see concgui/scenario_file.py)")
    g.add_argument("--autorun", action="store_true", help="start the scenario at once")
    g.add_argument("--export", metavar="FILE.json", help="write the results as JSON after the run")
    g.add_argument("--screenshot", metavar="FILE.png", help="save a picture of the window after the run")
    g.add_argument("--quit-when-done", action="store_true", help="quit after the scenario (exit 1 if a run failed)")

    workloads = "; ".join(f"{w.name}: {w.summary}" for w in CATALOG.values())
    b = sub.add_parser("bench", help="run workloads headless and print a comparison table",
                       description=f"Workloads: {workloads}.")
    b.add_argument("--workload", default="cpu-python", help=f"one of: {', '.join(CATALOG)}")
    b.add_argument("--modes", type=_str_list, default=list(MODES), help="comma-separated: serial,threads,processes")
    b.add_argument("--workers", type=_int_list, default=None,
                   help="comma-separated counts, e.g. 1,2,4 (default: cores)")
    b.add_argument("--tasks", type=int, default=None, help="number of tasks (default: the workload's)")
    b.add_argument("--size", type=int, default=None, help="size of each task, in the workload's unit")
    b.add_argument("--start-method", default=None,
                   help="process start method (default: forkserver on Linux, else spawn)")
    b.add_argument("--chunk-size", type=int, default=None, help="tasks per process-pool message (default: automatic)")
    b.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    b.add_argument("--trace", metavar="FILE.json",
                   help="also write the timeline (tasks per worker, CPU, GIL lanes) as Chrome Trace Event JSON, "
                        "for ui.perfetto.dev or chrome://tracing")
    b.add_argument("--scale", action="store_true",
                   help="scaling: serial, then threads and processes with 1, 2, 4, … 2 × cores workers (or "
                        "--workers); prints speedup per worker count and the Amdahl fit (serial fraction)")

    _add_lab_parser(sub)
    sub.add_parser("info", help="what this interpreter and machine can do")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        command = args.command or "gui"
        if command == "info":
            return cmd_info()
        if command == "bench":
            return cmd_bench(args)
        if command == "lab":
            return cmd_lab(args)
        return cmd_gui(args if args.command else build_parser().parse_args(["gui", *argv]))
    except UsageError as exc:
        print(f"concgui: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("concgui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


# --- info ----------------------------------------------------------------------


def cmd_info() -> int:
    from concgui.engine.platform_info import collect

    i = collect()
    gil_now = "enabled" if i.gil_enabled else "disabled"
    rows = [
        ("Python", f"{i.implementation} {i.python} ({i.executable})"),
        ("OS", i.os),
        ("GIL", f"{gil_now} now; this build {'can' if i.free_threaded_build else 'cannot'} run without it"),
        ("Switch interval", f"{i.switch_interval_s * 1000:g} ms (sys.getswitchinterval)"),
        ("Cores", f"{i.logical_cores} logical, {i.physical_cores or '?'} physical"),
        ("Start methods", f"{', '.join(i.start_methods)}; concgui uses {i.default_start_method}"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


# --- bench ---------------------------------------------------------------------


def _check_output(path: str | None) -> None:
    """Refuse an unwritable output file before any work is done (exit 2)."""
    if path:
        from concgui.engine.export import ExportError, check_writable

        try:
            check_writable(path)
        except ExportError as exc:
            raise UsageError(str(exc)) from None


def plan_bench(args: argparse.Namespace) -> list:
    """The validated RunConfigs of a bench, serial first (it is the baseline)."""
    import os

    from concgui.engine.config import MAX_THREADS, MODES, ConfigError, RunConfig
    from concgui.engine.workloads import CATALOG

    unknown = [m for m in args.modes if m not in MODES]
    if unknown or not args.modes:
        raise UsageError(f"unknown mode {unknown[0]!r}; choose from: {', '.join(MODES)}" if unknown
                         else "--modes needs at least one mode")
    if args.workload not in CATALOG:
        raise UsageError(f"unknown workload {args.workload!r}; choose one of: {', '.join(CATALOG)}")
    tasks = CATALOG[args.workload].default_tasks if args.tasks is None else args.tasks
    if getattr(args, "scale", False):
        return _plan_scale(args, tasks)
    workers = args.workers or [os.cpu_count() or 1]
    for n in workers:  # checked even when only serial runs: a typo should not pass silently
        if not 1 <= n <= MAX_THREADS:
            raise UsageError(f"workers must be between 1 and {MAX_THREADS}, not {n:,}")
    plan = []
    for mode in sorted(dict.fromkeys(args.modes), key=MODES.index):
        counts = [1] if mode == "serial" else workers
        for n in dict.fromkeys(counts):
            cfg = RunConfig(args.workload, mode, n, tasks, args.size,
                            args.start_method if mode == "processes" else None,
                            args.chunk_size if mode == "processes" else None)
            try:
                plan.append(cfg.validate())
            except ConfigError as exc:
                raise UsageError(str(exc)) from None
    if args.start_method and "processes" not in args.modes:
        raise UsageError("--start-method only applies to the processes mode")
    return plan


def _plan_scale(args: argparse.Namespace, tasks: int) -> list:
    """``--scale``: serial, then each parallel mode of ``--modes`` × 1, 2, 4, … 2 × cores workers."""
    import os

    from concgui.engine.config import MAX_THREADS, ConfigError
    from concgui.engine.scaling import SCALE_MODES, plan, worker_counts

    modes = [m for m in SCALE_MODES if m in args.modes]
    if not modes:
        raise UsageError("--scale needs threads or processes in --modes")
    counts = list(dict.fromkeys(args.workers)) if args.workers else worker_counts(os.cpu_count() or 1)
    for n in counts:
        if not 1 <= n <= MAX_THREADS:
            raise UsageError(f"workers must be between 1 and {MAX_THREADS}, not {n:,}")
    out = []
    for cfg in plan(args.workload, tasks, args.size, os.cpu_count() or 1, modes, args.start_method, counts):
        if cfg.mode == "processes" and args.chunk_size is not None:
            from dataclasses import replace

            cfg = replace(cfg, chunk_size=args.chunk_size)
        try:
            out.append(cfg.validate())
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
    if args.start_method and "processes" not in modes:
        raise UsageError("--start-method only applies to the processes mode")
    return out


def cmd_bench(args: argparse.Namespace) -> int:
    from concgui.engine.compare import find_baseline, make_record
    from concgui.engine.events import RunStarted
    from concgui.engine.export import ExportError, results_document, write_json
    from concgui.engine.runner import Runner
    from concgui.engine.startmethods import FORK_WARNING

    plan = plan_bench(args)
    _check_output(args.json)
    _check_output(getattr(args, "trace", None))
    if any(c.start_method == "fork" for c in plan):
        print(f"concgui: warning: {FORK_WARNING}", file=sys.stderr)

    records = []
    table = _Table()
    table.header()
    cancel = threading.Event()
    with contextlib.ExitStack() as stack:
        tracing = _Tracing(stack) if getattr(args, "trace", None) else None
        runner = stack.enter_context(Runner())
        for cfg in plan:
            started: list[RunStarted] = []

            def on_event(ev, started=started) -> None:
                if isinstance(ev, RunStarted):
                    started.append(ev)
                if tracing is not None:
                    tracing(ev)

            try:
                fin = runner.run(cfg, on_event, cancel)
            except KeyboardInterrupt:
                cancel.set()
                raise
            rec = make_record(started[0], fin, find_baseline(records, started[0]))
            records.append(rec)
            table.row(rec)
            if fin.error:
                print(f"  error: {fin.error}", file=sys.stderr)
        if tracing is not None:
            try:
                tracing.write(args.trace)
            except ExportError as exc:
                raise UsageError(str(exc)) from None
            print(f"wrote {args.trace} ({len(tracing.recorder.spans):,} tasks; open it in ui.perfetto.dev "
                  "or chrome://tracing)")
    doc = results_document(records)
    if getattr(args, "scale", False):
        import os

        from concgui.engine.scaling import analyze, summary_lines

        result = analyze(records, os.cpu_count() or 1)
        if result is not None:
            print()
            for line in summary_lines(result):
                print(line)
            doc["scaling"] = result.as_dict()
    if args.json:
        try:
            write_json(args.json, doc)
        except ExportError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {args.json}")
    return 0 if all(r.status == "done" for r in records) else 1


class _Tracing:
    """What ``bench --trace`` records: every event, CPU per core, and each worker's GIL lane."""

    def __init__(self, stack: contextlib.ExitStack) -> None:
        from concgui.engine.lanes import LaneSampler
        from concgui.engine.telemetry import CpuSampler
        from concgui.engine.trace import TraceRecorder

        self.recorder = TraceRecorder()
        self.cpu = stack.enter_context(CpuSampler())
        self.lanes = stack.enter_context(LaneSampler())

    def __call__(self, ev) -> None:
        self.recorder(ev)
        self.lanes.observe(ev)

    def write(self, path: str) -> None:
        import time

        from concgui.engine.trace import trace_document, write_trace

        time.sleep(0.15)  # the lane probe sends its last readings up to 0.1 s after a run ends
        r = self.recorder
        lanes = {key: self.lanes.series(*key) for key in self.lanes.keys()}
        write_trace(path, trace_document(r.runs, r.spans, r.workers, r.ends, cpu=self.cpu.per_core.snapshot(),
                                         lanes=lanes))


class _Table:
    COLS = [("workload", 10), ("mode", 9), ("workers", 7), ("start", 10), ("wall s", 8), ("CPU s", 8),
            ("speedup", 7), ("effic.", 6), ("results", 9), ("status", 9)]

    def header(self) -> None:
        print("  ".join(f"{n:<{w}}" if i < 4 else f"{n:>{w}}" for i, (n, w) in enumerate(self.COLS)))
        print("  ".join("-" * w for _, w in self.COLS))

    def row(self, r) -> None:
        def num(v, fmt):
            return "-" if v is None else format(v, fmt)

        check = "n/a" if r.results_ok is None else ("ok" if r.results_ok else "MISMATCH")
        cells = [r.workload, r.mode, str(r.workers), r.start_method or "-", num(r.wall_s, ".3f"),
                 num(r.cpu_s, ".3f"), num(r.speedup, ".2f") + ("×" if r.speedup is not None else ""),
                 num(r.efficiency, ".0%"), check, r.status]
        print("  ".join(f"{c:<{w}}" if i < 4 else f"{c:>{w}}" for i, (c, (_, w)) in enumerate(zip(cells, self.COLS))),
              flush=True)


# --- lab -----------------------------------------------------------------------

_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "kb": 1024, "m": 1024**2, "mib": 1024**2, "mb": 1024**2,
               "g": 1024**3, "gib": 1024**3, "gb": 1024**3}


def _byte_size(text: str) -> int:
    """``64M``, ``256MiB``, ``1K`` or ``1024`` (binary units) as a number of bytes."""
    t = text.strip().lower().replace(" ", "")
    num = t.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = t[len(num):]
    try:
        value = float(num)
    except ValueError:
        value = float("nan")
    if unit not in _SIZE_UNITS or not value == value or value < 0 or value > 2**62:
        raise argparse.ArgumentTypeError(f"expected a size such as 1024, 64K or 64M, not {text!r}")
    return int(value * _SIZE_UNITS[unit])


def _add_lab_parser(sub: argparse._SubParsersAction) -> None:
    """``concgui lab NAME [options]``: options default to None, so the lab's own defaults apply."""
    lab = sub.add_parser("lab", help="run a synchronization or IPC lab headless and print what it measured",
                         description="Run a lab headless: race, semaphore, condition, deadlock, ipc, subclass.")
    labs = lab.add_subparsers(dest="lab", parser_class=_Parser, metavar="LAB")
    labs.required = True

    def add(name: str, help: str) -> argparse.ArgumentParser:
        q = labs.add_parser(name, help=help, description=help)
        q.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
        q.add_argument("--explain", action="store_true", help="also print the explanation")
        return q

    def start_method(q: argparse.ArgumentParser) -> None:
        q.add_argument("--start-method", default=None,
                       help="process start method (default: forkserver on Linux, else spawn)")

    q = add("race", "N workers add 1 to a shared counter M times, without and with a lock")
    q.add_argument("--workers", type=int, help="threads / processes (default 4)")
    q.add_argument("--increments", type=int, help="increments per worker (default 1000)")
    q.add_argument("--mode", choices=("threads", "processes", "both"), help="default: both")
    q.add_argument("--no-yield", dest="yield_point", action="store_false", default=None,
                   help="plain counter += 1, no time.sleep(0) between read and write")
    start_method(q)

    q = add("semaphore", "K permits guard a resource that N threads use")
    q.add_argument("--permits", type=int, help="K (default 3)")
    q.add_argument("--workers", type=int, help="N threads (default 8)")
    q.add_argument("--rounds", type=int, help="uses per worker (default 3)")
    q.add_argument("--hold-ms", type=float, help="how long each use holds a permit (default 50)")

    q = add("condition", "producers and consumers share a bounded buffer")
    q.add_argument("--variant", choices=("condition", "queue"), help="threading.Condition or queue.Queue")
    q.add_argument("--capacity", type=int, help="buffer size (default 5)")
    q.add_argument("--items", type=int, help="items in all (default 60)")
    q.add_argument("--producers", type=int, help="default 1")
    q.add_argument("--consumers", type=int, help="default 1")
    q.add_argument("--produce-ms", type=float, help="time to make one item (default 5)")
    q.add_argument("--consume-ms", type=float, help="time to use one item (default 10)")

    q = add("deadlock", "two threads take two locks in opposite order; then the fix")
    q.add_argument("--timeout", type=float, help="seconds an acquire waits before giving up (default 0.5)")
    q.add_argument("--hold-ms", type=float, help="pause between the first and second lock (default 20)")
    q.add_argument("--rounds", type=int, help="transfers per thread in the fixed run (default 5)")
    q.add_argument("--no-fix", dest="run_fix", action="store_false", default=None, help="skip the fixed run")

    q = add("ipc", "move payloads from a child process: Queue, Pipe, shared memory")
    q.add_argument("--methods", type=_str_list, help="comma-separated: queue,pipe,shm (default: all)")
    q.add_argument("--min-size", type=_byte_size, help="smallest payload (default 1K)")
    q.add_argument("--max-size", type=_byte_size, help="largest payload (default 64M)")
    q.add_argument("--factor", type=int, help="each size is this many times the last (default 4)")
    q.add_argument("--repeats", type=int, help="transfers per size up to 4 MiB, median taken (default 3)")
    q.add_argument("--large-repeats", type=int, help="transfers per size above 4 MiB (default 1)")
    start_method(q)

    q = add("subclass", "Thread/Process subclasses beside concurrent.futures pools")
    q.add_argument("--tasks", type=int, help="default 8")
    q.add_argument("--size", type=int, help="cpu-python steps per task (default 300000)")
    q.add_argument("--workers", type=int, help="default 2")
    q.add_argument("--mode", choices=("threads", "processes", "both"), help="default: both")
    start_method(q)


#: CLI option -> (Params field, converter)
_LAB_FIELDS = {
    "workers": ("workers", None), "increments": ("increments", None), "mode": ("mode", None),
    "yield_point": ("yield_point", None), "start_method": ("start_method", None),
    "permits": ("permits", None), "rounds": ("rounds", None), "variant": ("variant", None),
    "capacity": ("capacity", None), "items": ("items", None), "producers": ("producers", None),
    "consumers": ("consumers", None), "timeout": ("timeout_s", None), "run_fix": ("run_fix", None),
    "methods": ("methods", tuple), "min_size": ("min_size", None), "max_size": ("max_size", None),
    "factor": ("factor", None), "repeats": ("repeats", None), "large_repeats": ("large_repeats", None),
    "tasks": ("tasks", None), "size": ("size", None),
}
_MS_FIELDS = {"semaphore": {"hold_ms": "hold_s"}, "deadlock": {"hold_ms": "hold_s"},
              "condition": {"produce_ms": "produce_s", "consume_ms": "consume_s"}}


def lab_params(args: argparse.Namespace):
    """The lab's Params from the command line (UsageError for values it refuses)."""
    from concgui import labs
    from concgui.engine.config import ConfigError

    kwargs = {}
    for opt, value in vars(args).items():
        if value is None or opt in ("command", "lab", "json", "explain"):
            continue
        if opt in _MS_FIELDS.get(args.lab, {}):
            kwargs[_MS_FIELDS[args.lab][opt]] = value / 1000.0
        else:
            field, conv = _LAB_FIELDS[opt]
            kwargs[field] = conv(value) if conv else value
    try:
        return labs.params_class(args.lab)(**kwargs)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def lab_document(name: str, result) -> dict:
    """The JSON a view would show: version and interpreter, the params, the measured result."""
    from concgui import labs
    from concgui.engine.platform_info import collect

    info = collect()
    body = result.as_dict()
    params = body.pop("params")
    module = labs.load(name)
    return {
        "concgui": __version__,
        "lab": name,
        "python": f"{info.implementation} {info.python}",
        "gil_enabled": info.gil_enabled,
        "switch_interval_s": info.switch_interval_s,
        "cpus": info.logical_cores,
        "params": params,
        "result": body,
        "explanation": module.explain(result),
    }


def cmd_lab(args: argparse.Namespace) -> int:
    from concgui import labs
    from concgui.engine.export import ExportError, write_json
    from concgui.engine.startmethods import FORK_WARNING

    params = lab_params(args)
    _check_output(args.json)
    if getattr(params, "start_method", None) == "fork":
        print(f"concgui: warning: {FORK_WARNING}", file=sys.stderr)
    module = labs.load(args.lab)
    print(module.TITLE, flush=True)
    result = module.run(params)
    for line in module.summary(result):
        print(f"  {line}")
    if args.explain:
        print()
        print(module.explain(result))
    if args.json:
        try:
            write_json(args.json, lab_document(args.lab, result))
        except ExportError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {args.json}")
    error = getattr(result, "error", None)
    if error:
        print(f"concgui: error: {error}", file=sys.stderr)
    return 0 if result.status.value == "done" else 1


# --- gui -----------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    if args.scenario is not None and args.scenario_file is not None:
        raise UsageError("use --scenario or --scenario-file, not both")
    if args.scenario_file is not None:
        from concgui.scenario_file import ScenarioFileError, load_scenario_file

        try:
            args.scenario_object = load_scenario_file(args.scenario_file)
        except ScenarioFileError as exc:
            raise UsageError(str(exc)) from None
    if args.scenario is not None:
        from concgui.scenarios import SCENARIOS

        if args.scenario not in SCENARIOS:
            raise UsageError(f"unknown scenario {args.scenario!r}; choose one of: {', '.join(SCENARIOS)}")
    _check_output(args.export)
    from concgui.gui.app import main as gui_main  # Qt is imported only here

    return gui_main(args)
