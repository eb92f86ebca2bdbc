"""The command line: ``concgui [gui|bench|info]``.

Only the ``gui`` command imports Qt, and only after its arguments are checked,
so ``bench`` and ``info`` run on machines with no display and start fast.
User mistakes end with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Callable, Sequence

from concgui import __version__

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, not usage + message
        raise UsageError(message)


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
    g.add_argument("--autorun", action="store_true", help="start the scenario at once")
    g.add_argument("--export", metavar="FILE.json", help="write the results as JSON after the run")
    g.add_argument("--screenshot", metavar="FILE.png", help="save a picture of the window after the run")
    g.add_argument("--quit-when-done", action="store_true", help="quit after the scenario (exit 1 if a run failed)")

    workloads = "; ".join(f"{w.name}: {w.summary}" for w in CATALOG.values())
    b = sub.add_parser("bench", help="run workloads headless and print a comparison table",
                       description=f"Workloads: {workloads}.")
    b.add_argument("--workload", default="cpu-python", help=f"one of: {', '.join(CATALOG)}")
    b.add_argument("--modes", type=_str_list, default=list(MODES), help="comma-separated: serial,threads,processes")
    b.add_argument("--workers", type=_int_list, default=None, help="comma-separated counts, e.g. 1,2,4 (default: cores)")
    b.add_argument("--tasks", type=int, default=None, help="number of tasks (default: the workload's)")
    b.add_argument("--size", type=int, default=None, help="size of each task, in the workload's unit")
    b.add_argument("--start-method", default=None, help="process start method (default: forkserver on Linux, else spawn)")
    b.add_argument("--chunk-size", type=int, default=None, help="tasks per process-pool message (default: automatic)")
    b.add_argument("--json", metavar="FILE", help="also write the results as JSON")

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
        return cmd_gui(args if args.command else build_parser().parse_args(["gui", *argv]))
    except UsageError as exc:
        print(f"concgui: error: {exc}", file=sys.stderr)
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


def cmd_bench(args: argparse.Namespace) -> int:
    from concgui.engine.compare import find_baseline, make_record
    from concgui.engine.events import RunStarted
    from concgui.engine.export import ExportError, check_writable, results_document, write_json
    from concgui.engine.runner import Runner
    from concgui.engine.startmethods import FORK_WARNING

    plan = plan_bench(args)
    if args.json:
        try:
            check_writable(args.json)
        except ExportError as exc:
            raise UsageError(str(exc)) from None
    if any(c.start_method == "fork" for c in plan):
        print(f"concgui: warning: {FORK_WARNING}", file=sys.stderr)

    records = []
    table = _Table()
    table.header()
    cancel = threading.Event()
    with Runner() as runner:
        for cfg in plan:
            started: list[RunStarted] = []
            on_event: Callable = lambda ev: started.append(ev) if isinstance(ev, RunStarted) else None
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
    if args.json:
        try:
            write_json(args.json, results_document(records))
        except ExportError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {args.json}")
    return 0 if all(r.status == "done" for r in records) else 1


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


# --- gui -----------------------------------------------------------------------


def cmd_gui(args: argparse.Namespace) -> int:
    if args.scenario is not None:
        from concgui.scenarios import SCENARIOS

        if args.scenario not in SCENARIOS:
            raise UsageError(f"unknown scenario {args.scenario!r}; choose one of: {', '.join(SCENARIOS)}")
    if args.export:
        from concgui.engine.export import ExportError, check_writable

        try:
            check_writable(args.export)
        except ExportError as exc:
            raise UsageError(str(exc)) from None
    from concgui.gui.app import main as gui_main  # Qt is imported only here

    return gui_main(args)
