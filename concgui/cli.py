"""The command line: ``concgui [gui|bench|lab|lesson|info|interpreters]``.

Only the ``gui`` command imports Qt, and only after its arguments are checked,
so ``bench``, ``lab`` and ``info`` run on machines with no display and start fast.
User mistakes end with exit code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import contextlib
import sys
import threading
from typing import Any, Iterable, Sequence

from concgui import __version__

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a tool its reader left
#: ``bench --python this``: the Python running concgui, beside others in one comparison.
THIS_PYTHON = "this"
#: ``--gil`` values (as engine.config.GIL_SWITCHES, spelled here so the parser needs no engine import).
GIL_SWITCHES_WORDS = ("0", "1")
#: ``gui --zoom`` limits (as gui.presentation's MIN_ZOOM and MAX_ZOOM, spelled here so the check needs no Qt).
ZOOM_RANGE = (1.0, 2.0)


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
    from concgui.engine.config import COMPARE_MODES, GIL_SWITCHES
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
    g.add_argument("--lesson", metavar="ID", help="open the lesson panel with a lesson (see: concgui lesson --list) "
                                                  "or a lesson file, FILE.json")
    g.add_argument("--step", type=int, default=1, metavar="N", help="with --lesson: show step N (from 1)")
    g.add_argument("--answer", metavar="TEXT", default=None,
                   help="with --lesson: the prediction(s) for the step, e.g. 1.5 or \"1, 1.5, 2\" (--autorun then "
                        "runs the step and reveals it)")
    g.add_argument("--allow-functions", action="store_true",
                   help="let a scenario file import and run the functions it names (else the window asks first, "
                        "and --autorun refuses)")
    g.add_argument("--zoom", metavar="F", default=None,
                   help=f"open in presentation mode (full screen, larger text and lines, the readout strip) at "
                        f"zoom F, from {ZOOM_RANGE[0]:g} to {ZOOM_RANGE[1]:g}")

    workloads = "; ".join(f"{w.name}: {w.summary}" for w in CATALOG.values())
    b = sub.add_parser("bench", help="run workloads headless and print a comparison table",
                       description=f"Workloads: {workloads}.")
    b.add_argument("--workload", default="cpu-python", help=f"one of: {', '.join(CATALOG)}")
    b.add_argument("--modes", type=_str_list, default=list(COMPARE_MODES),
                   help="comma-separated: serial,threads,processes (the default), and interpreters "
                        "(subinterpreters with their own GIL; Python 3.12+)")
    b.add_argument("--python", metavar="PATH", action="append", default=None,
                   help="run on this Python (3.10+) instead of the one running concgui, in worker processes "
                        "of its own (see: concgui interpreters); give it more than once to compare Pythons "
                        f"side by side ('{THIS_PYTHON}' is the one running concgui)")
    b.add_argument("--gil", choices=GIL_SWITCHES, default=None,
                   help="PYTHON_GIL for the workers: 0 runs a free-threaded build without its GIL, 1 with it")
    b.add_argument("--workers", type=_int_list, default=None,
                   help="comma-separated counts, e.g. 1,2,4 (default: cores)")
    b.add_argument("--tasks", type=int, default=None, help="number of tasks (default: the workload's)")
    b.add_argument("--size", type=int, default=None, help="size of each task, in the workload's unit")
    b.add_argument("--start-method", default=None,
                   help="process start method (default: forkserver on Linux, else spawn)")
    b.add_argument("--chunk-size", type=int, default=None, help="tasks per process-pool message (default: automatic)")
    b.add_argument("--threads-per-worker", type=int, default=None, metavar="N",
                   help="dask mode: threads in each Dask worker process (default 1; --workers counts the processes)")
    b.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                   help="dask mode: run on this Dask scheduler (default: a LocalCluster on 127.0.0.1 for the run)")
    b.add_argument("--repeats", type=int, default=None,
                   help="run every mode this many times, interleaved (S T P S T P …), and report the median "
                        "± spread (default 3)")
    b.add_argument("--task-timeout", type=float, default=None, metavar="S",
                   help="stop a run when no task has finished for S seconds (a call that never returns); serial "
                        "and threads runs then go to a worker host, which can be stopped inside a call")
    b.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    b.add_argument("--trace", metavar="FILE.json",
                   help="also write the timeline (tasks per worker, CPU, GIL lanes) as Chrome Trace Event JSON, "
                        "for ui.perfetto.dev or chrome://tracing")
    f = b.add_argument_group("your own function", "measure func(item) -> result, predict how to run it, then "
                             "run every mode to check (see README: Your own code)")
    f.add_argument("--function", metavar="MODULE:FUNC", default=None,
                   help="run your function instead of a workload: it is profiled in a fresh process first")
    f.add_argument("--path", metavar="DIR", default=None,
                   help="the folder to import MODULE from (default: the current folder)")
    f.add_argument("--inputs", metavar="MODULE:FUNC", default=None,
                   help="a callable that returns the items (default: range(--tasks))")
    f.add_argument("--items", metavar="FILE.json", default=None, help="a JSON list of the items")
    f.add_argument("--recommend", action="store_true",
                   help="profile and print the recommendation only, without running every mode")
    b.add_argument("--scale", action="store_true",
                   help="scaling: serial, then threads and processes with 1, 2, 4, … 2 × cores workers (or "
                        "--workers); prints speedup per worker count and the Amdahl fit (serial fraction)")

    _add_lab_parser(sub)
    les = sub.add_parser("lesson", help="list the lessons, or run one headless: each step measured against what "
                                        "this machine should give",
                         description="Run a lesson's steps without a window. Each step records what it measured, "
                                     "the range the lesson expects on this machine (from its cores and its "
                                     "Python's GIL), and whether the measurement held.")
    les.add_argument("lesson", nargs="?", metavar="ID", help="a lesson's id (see --list) or a lesson file, FILE.json")
    les.add_argument("--list", action="store_true", help="list every lesson with its id, title and steps")
    les.add_argument("--json", metavar="FILE", help="also write the list, or each step's measured value, "
                                                    "expected range and holds, as JSON")
    les.add_argument("--csv", metavar="FILE", help="also write an answer sheet: each step's question, what was "
                                                   "measured and expected, a column for the class's answers")
    sub.add_parser("info", help="what this interpreter and machine can do")
    i = sub.add_parser("interpreters", help="list the Pythons on this machine and what each can do",
                       description="Looks on PATH (python3, python3.X, python3.Xt), in pyenv, in uv's Pythons, "
                                   "the Windows py launcher and $CONCGUI_TEST_PYTHONS, and asks each one what "
                                   "it is (once, with a timeout).")
    i.add_argument("paths", nargs="*", metavar="PATH", help="more Pythons to look at")
    i.add_argument("--json", metavar="FILE", help="also write the list as JSON")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
        command = args.command or "gui"
        if command == "info":
            return cmd_info()
        if command == "interpreters":
            return cmd_interpreters(args)
        if command == "bench":
            return cmd_bench(args)
        if command == "lab":
            return cmd_lab(args)
        if command == "lesson":
            return cmd_lesson(args)
        return cmd_gui(args if args.command else build_parser().parse_args(["gui", *argv]))
    except UsageError as exc:
        print(f"concgui: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("concgui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``concgui bench | head``): stop quietly, as Unix tools do, and keep
        # Python from writing a traceback while it flushes stdout at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


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
        ("Dask", _dask_words()),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    return 0


def _dask_words() -> str:
    """Whether the dask mode can run here, without importing Dask (a second's import for one line)."""
    from importlib.metadata import PackageNotFoundError, version

    from concgui.engine.dask_cluster import INSTALL_COMMAND, available

    if not available():
        return f"not installed: the dask mode needs {INSTALL_COMMAND}"
    try:
        return f"distributed {version('distributed')}: the dask mode starts a LocalCluster on 127.0.0.1"
    except PackageNotFoundError:
        return "distributed (importable): the dask mode starts a LocalCluster on 127.0.0.1"


# --- interpreters --------------------------------------------------------------


def cmd_interpreters(args: argparse.Namespace) -> int:
    """Every Python found, probed once: version, build, GIL now, subinterpreters, InterpreterPoolExecutor.

    A path the user named that cannot be used is their input: one line, exit 2.
    Found candidates that cannot be used are listed with the reason.
    """
    from concgui.engine.export import ExportError, write_json
    from concgui.engine.pythons import PythonError, discover, probe

    _check_output(args.json)
    for path in args.paths:
        try:
            probe(path)
        except PythonError as exc:
            raise UsageError(str(exc)) from None
    found = discover(args.paths)
    usable = [f.info for f in found if f.info is not None]

    def yes(v: bool) -> str:
        return "yes" if v else "no"

    rows = [(i.version + ("t" if i.free_threaded else "") + (" *" if i.is_this else ""),
             "free-threaded" if i.free_threaded else "normal", "off" if not i.gil_enabled else "on",
             yes(i.per_interpreter_gil), yes(i.interpreter_pool), i.executable) for i in usable]
    head = ("version", "build", "GIL now", "subinterpreters", "InterpreterPool", "executable")
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    for r in [head, tuple("-" * w for w in widths), *rows]:
        print("  ".join(f"{c:<{w}}" for c, w in zip(r, widths)).rstrip())
    if any(i.is_this for i in usable):
        print("* the Python running concgui")
    for f in found:
        if f.info is None:
            print(f"skipped: {f.problem}")
    if args.json:
        try:
            write_json(args.json, [i.as_json() for i in usable])
        except ExportError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {args.json}")
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


def _validated(configs: Iterable) -> list:
    """Each RunConfig checked by :meth:`RunConfig.validate`, the one judge of run settings.

    The CLI adds no limits of its own, so a command line, a scenario file and
    the window accept exactly the same runs; what validate refuses is the
    user's to fix: one line, exit code 2. Each Python's runs together (in the
    order the Pythons were asked), each sorted serial first (its baseline),
    then threads and processes; each mode keeps the order it was asked in. The
    same run asked twice (``--python this`` and this Python's own path) runs once.
    """
    from concgui.engine.config import MODES, ConfigError

    out = []
    for cfg in configs:
        try:
            v = cfg.validate()
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        if v not in out:
            out.append(v)
    pythons = list(dict.fromkeys(c.python for c in out))  # each Python's runs together, in the order asked
    return sorted(out, key=lambda c: (pythons.index(c.python), MODES.index(c.mode)))


def _bench_tasks(args: argparse.Namespace) -> int | None:
    """``--tasks``, or the workload's own count (None for an unknown workload: validate names it)."""
    from concgui.engine.workloads import CATALOG

    if args.tasks is not None:
        return args.tasks
    w = CATALOG.get(args.workload)
    return None if w is None else w.default_tasks


def plan_bench(args: argparse.Namespace) -> list:
    """The validated RunConfigs of a bench, serial first (it is the baseline)."""
    import os

    from concgui.engine.config import POOL_MODES, RunConfig

    modes = list(dict.fromkeys(args.modes))
    if not modes:
        raise UsageError("--modes needs at least one mode")
    tasks = _bench_tasks(args)
    if getattr(args, "scale", False):
        return _plan_scale(args, modes, tasks)
    workers = list(dict.fromkeys(args.workers or [os.cpu_count() or 1]))
    gil = getattr(args, "gil", None)
    pythons = [None if p == THIS_PYTHON else p for p in dict.fromkeys(getattr(args, "python", None) or [None])]
    function = getattr(args, "function_ref", None)
    tpw = getattr(args, "threads_per_worker", None)
    dask = {"threads_per_worker": 1 if tpw is None else tpw,
            "scheduler": getattr(args, "scheduler", None)}
    for flag, key in (("--threads-per-worker", "threads_per_worker"), ("--scheduler", "scheduler")):
        if getattr(args, key, None) is not None and "dask" not in modes:
            raise UsageError(f"{flag} only applies to the dask mode")
    asked = [RunConfig(args.workload, mode, n, tasks, args.size, args.start_method if mode == "processes" else None,
                       args.chunk_size if mode in POOL_MODES or mode == "dask" else None, python=python, gil=gil,
                       function=function, task_timeout_s=getattr(args, "task_timeout", None),
                       **(dask if mode == "dask" else {}))
             for python in pythons for mode in modes for n in ([1] if mode == "serial" else workers)]
    if len(pythons) > 1 and "interpreters" in modes:
        asked = _drop_interpreters_where_none(asked, args)
    plan = _validated(asked)
    if args.workers and modes == ["serial"]:
        # A serial run ignores --workers, but a typo should not pass silently: check the counts
        # as a threads run would take them.
        _validated(RunConfig(args.workload, "threads", n, tasks, args.size, function=function) for n in workers)
    if args.start_method and "processes" not in modes:
        raise UsageError("--start-method only applies to the processes mode")
    return plan


def _drop_interpreters_where_none(asked: list, args: argparse.Namespace) -> list:
    """Across Pythons, the interpreters mode runs on those that have it; the others are named, not refused.

    Refused only if no Python asked for has subinterpreters (validate says why).
    """
    from concgui.engine.config import ConfigError

    keep, skipped = [], []
    for cfg in asked:
        if cfg.mode == "interpreters":
            try:
                cfg.validate()
            except ConfigError as exc:
                skipped.append((cfg, exc))
                continue
        keep.append(cfg)
    if skipped and not any(c.mode == "interpreters" for c in keep):
        raise UsageError(str(skipped[0][1]))
    args.notes = list(dict.fromkeys(f"interpreters skipped on {c.python or sys.executable}: it has no "
                                    "subinterpreters with their own GIL (Python 3.12 or newer)" for c, _ in skipped))
    return keep


def _plan_scale(args: argparse.Namespace, modes: list[str], tasks: int | None) -> list:
    """``--scale``: serial, then each parallel mode of ``--modes`` × 1, 2, 4, … 2 × cores workers."""
    import os
    from dataclasses import replace

    from concgui.engine.scaling import plan, worker_counts

    parallel = [m for m in modes if m != "serial"]
    if not parallel:
        raise UsageError("--scale needs threads or processes in --modes")
    counts = list(dict.fromkeys(args.workers)) if args.workers else worker_counts(os.cpu_count() or 1)
    runs = plan(args.workload, tasks, args.size, os.cpu_count() or 1, parallel, args.start_method, counts)
    out = _validated(replace(cfg, chunk_size=args.chunk_size) if cfg.mode == "processes" else cfg for cfg in runs)
    if args.start_method and "processes" not in parallel:
        raise UsageError("--start-method only applies to the processes mode")
    return out


def _repeats(args: argparse.Namespace) -> int:
    from concgui.engine.repeats import DEFAULT_REPEATS, MAX_REPEATS

    n = DEFAULT_REPEATS if args.repeats is None else args.repeats
    if not 1 <= n <= MAX_REPEATS:
        raise UsageError(f"--repeats must be between 1 and {MAX_REPEATS}, not {n:,}")
    return n


def cmd_bench(args: argparse.Namespace) -> int:
    from concgui.engine.compare import make_record
    from concgui.engine.config import POOL_MODES
    from concgui.engine.events import RunStarted
    from concgui.engine.export import ExportError, results_document, write_json
    from concgui.engine.repeats import interleave, summarize
    from concgui.engine.runner import Runner
    from concgui.engine.startmethods import FORK_WARNING
    from concgui.engine.compare import spans_pythons
    from concgui.engine.verdict import names_of, verdict

    _check_output(args.json)  # before any work, the profile's included
    _check_output(getattr(args, "trace", None))
    fn = _profile_function(args)
    if fn is not None and args.recommend:
        return _recommend_only(args, fn)
    plan = plan_bench(args)
    repeats = _repeats(args)
    if any(c.start_method == "fork" for c in plan):
        print(f"concgui: warning: {FORK_WARNING}", file=sys.stderr)

    order = interleave(plan, repeats)
    samples: list = []  # (config index, record) of every run, in the order run
    cancel = threading.Event()
    live = sys.stderr.isatty()
    with contextlib.ExitStack() as stack:
        tracing = _Tracing(stack) if getattr(args, "trace", None) else None
        runner = stack.enter_context(Runner())
        for cfg in {(c.mode, c.workers, c.start_method): c for c in plan if c.mode in POOL_MODES}.values():
            runner.warm_up(cfg, cancel)  # the pool's first run costs what later ones don't: not round one's
        for k, (rnd, i, cfg) in enumerate(order, start=1):
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
            samples.append((i, make_record(started[0], fin, None)))
            if live:
                print(f"\r  run {k}/{len(order)} (repeat {rnd + 1} of {repeats}): {cfg.mode} ×{cfg.workers} "
                      f"{fin.wall_s:.3f} s   ", end="", file=sys.stderr, flush=True)
            if fin.error:
                print(f"  error: {fin.error}", file=sys.stderr)
                if fn is not None and fin.details and not fn.traceback_shown:  # your code: where it failed, once
                    fn.traceback_shown = True
                    print(fin.details.rstrip(), file=sys.stderr)
        if live:
            print("\r" + " " * 72 + "\r", end="", file=sys.stderr, flush=True)
        if tracing is not None:
            try:
                tracing.write(args.trace)
            except ExportError as exc:
                raise UsageError(str(exc)) from None
            print(f"wrote {args.trace} ({tracing.recorder.tasks:,} tasks; open it in ui.perfetto.dev "
                  "or chrome://tracing)")
    if fn is not None:
        samples = _deterministic_or_counts(samples, plan, fn)
    records = summarize(samples)
    if fn is not None:
        _say_if_nondeterministic(fn)
    for note in getattr(args, "notes", []):
        print(note)
    several = spans_pythons(records)
    if not several:
        for line in _pythons_line(records):
            print(line)
    table = _Table(records)
    table.header()
    shown: str | None = None
    for rec in records:
        if several and rec.interpreter != shown:
            shown = rec.interpreter
            print(_python_heading(rec.python))
        table.row(rec)
    v = verdict(records, names_of(records))
    print()
    print(v.sentence())
    for name, rec in zip(names_of(records), records):
        if rec.gil_notes:
            from concgui.engine.explain import gil_back_on

            print(f"note: {name}: {gil_back_on(rec)}")
        if rec.mode == "dask" and rec.status == "done":
            from concgui.engine.explain import dask_note

            import os

            beside = [r for r in records if r.interpreter == rec.interpreter]
            print(f"note: {name}: {dask_note(rec, beside, os.cpu_count())}")
    if several:
        from concgui.engine.explain import across_pythons
        from concgui.engine.platform_info import collect

        from concgui.engine.compare import python_groups

        done = [r for r in records if r.status == "done"]
        for line in across_pythons(python_groups(done), collect()):
            print(line)
    doc = results_document(records)
    doc["repeats"] = repeats
    if fn is not None:
        _function_after(fn, records, doc)
    doc["verdict"] = v.as_export()
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


@dataclasses.dataclass
class _Function:
    """A bench of the developer's function: its profile, the recommendation, and what became of it."""

    prep: Any  # function_profile.Prepared (imported only when a function is benched)
    rec: Any  # recommend.Recommendation
    nondeterministic: bool = False
    traceback_shown: bool = False  # the first failed run's traceback was printed


def _profile_function(args: argparse.Namespace) -> "_Function | None":
    """``--function``: check it, profile it in a fresh process, print the profile and the recommendation."""
    import os

    from concgui.engine.config import RunConfig
    from concgui.engine.function_profile import PROFILE_CALLS, PROFILE_TIMEOUT_S, FunctionError, FunctionRef, profile
    from concgui.engine.function_report import profile_lines, recommendation_lines
    from concgui.engine.recommend import recommend_here

    extra = [flag for flag, v in (("--path", args.path), ("--inputs", args.inputs), ("--items", args.items),
                                  ("--recommend", args.recommend)) if v]
    if args.function is None:
        if extra:
            raise UsageError(f"{extra[0]} only applies with --function MODULE:FUNC")
        return None
    if args.workload != "cpu-python" and args.workload != "function":
        raise UsageError("give either --workload or --function, not both")
    if args.size is not None:
        raise UsageError("--size does not apply to your function: each task is one call on one item")
    if getattr(args, "scale", False):
        raise UsageError("--scale does not take --function yet: give --workers 1,2,4 instead")
    if args.task_timeout is not None:  # checked before the profile, which it bounds
        _validated([RunConfig(task_timeout_s=args.task_timeout)])
    try:
        ref = FunctionRef(args.function, args.path, args.inputs, args.items).checked()
        live = sys.stderr.isatty()  # a progress word for a person, erased after; never in a log or a pipe
        if live:
            print(f"\r  profiling {ref.target} in a fresh process …", end="", file=sys.stderr, flush=True)
        limit = PROFILE_TIMEOUT_S if args.task_timeout is None else PROFILE_CALLS * args.task_timeout + 5
        try:
            prep = profile(ref, args.tasks, timeout_s=limit)
        finally:
            if live:
                print("\r" + " " * 72 + "\r", end="", file=sys.stderr, flush=True)
    except FunctionError as exc:
        raise UsageError(str(exc)) from None
    args.function_ref, args.workload, args.tasks = ref, ref.workload, prep.profile.items
    target = _runs_python(args)
    if args.modes == list(_default_modes()):
        args.modes = _function_modes(target)
    workers = (args.workers or [os.cpu_count() or 1])[-1]
    rec = recommend_here(prep.profile, [m for m in args.modes if m != "serial"], workers, prep.profile.items,
                         target)
    for line in profile_lines(prep.profile):
        print(line)
    if target is not None:
        print(f"  note: the profile ran on this Python ({sys.version.split()[0]}); the runs use {target.label}, "
              "whose speed may differ")
    print()
    for line in recommendation_lines(rec):
        print(line)
    print()
    return _Function(prep, rec, nondeterministic=not prep.profile.deterministic)


def _runs_python(args: argparse.Namespace):
    """The one other Python the runs use (its PythonInfo), or None (this one, or several)."""
    from concgui.engine.pythons import PythonError, probe

    others = [p for p in dict.fromkeys(getattr(args, "python", None) or []) if p != THIS_PYTHON]
    if len(others) != 1 or len(args.python or []) != 1:
        return None
    try:
        info = probe(others[0])
    except PythonError as exc:
        raise UsageError(str(exc)) from None
    return None if info.is_this else info


def _default_modes() -> tuple[str, ...]:
    from concgui.engine.config import COMPARE_MODES

    return COMPARE_MODES


def _function_modes(target=None) -> list[str]:
    """Every mode the runs' Python has: the interpreters mode too where it has subinterpreters with their own GIL."""
    from concgui.engine.pythons import this_python

    return list(_default_modes()) + (["interpreters"] if (target or this_python()).per_interpreter_gil else [])


def _recommend_only(args: argparse.Namespace, fn: _Function) -> int:
    from concgui.engine.export import ExportError, write_json

    if args.json:
        try:
            write_json(args.json, {"runs": [], "profile": fn.prep.profile.as_dict(),
                                   "recommendation": fn.rec.as_export()})
        except ExportError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {args.json}")
    return 0


def _deterministic_or_counts(samples: list, plan: list, fn: _Function) -> list:
    """Two serial runs whose results differ mark the function non-deterministic (then only counts compare)."""
    from dataclasses import replace

    serial = {i for i, c in enumerate(plan) if c.mode == "serial"}
    digests = {rec.digest for i, rec in samples if i in serial and rec.digest is not None}
    if len(digests) > 1:
        fn.nondeterministic = True
    if not fn.nondeterministic:
        return samples
    # Each run's digest stands for its count of results alone, so repeats and modes compare by count.
    return [(i, replace(rec, digest=None if rec.digest is None else f"count {rec.tasks}")) for i, rec in samples]


def _say_if_nondeterministic(fn: _Function) -> None:
    if fn.nondeterministic:
        print("note: your function gave different results for the same items (two serial runs, or one item "
              "called twice): it is not deterministic, so results are compared by their count only")


def _function_after(fn: _Function, records: list, doc: dict) -> None:
    """Predicted beside measured (printed), and the profile, recommendation and check in the JSON."""
    import os

    from concgui.engine.function_report import check_lines
    from concgui.engine.recommend import check

    checks = check(fn.rec, records, fn.prep.profile, os.cpu_count() or 1)
    lines = check_lines(checks, fn.rec, records)
    if lines:
        print()
        for line in lines:
            print(line)
    doc["profile"] = fn.prep.profile.as_dict()
    doc["recommendation"] = fn.rec.as_export()
    doc["prediction_check"] = [dataclasses.asdict(c) for c in checks]
    doc["nondeterministic"] = fn.nondeterministic


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


def _python_words(py: dict | None) -> str:
    """A run's Python in one line of the CLI's: ``Python 3.13.0t, GIL off: /path/python3.13t``."""
    from concgui.engine.compare import python_tag

    py = py or {}
    return f"Python {python_tag(py)}, GIL {'on' if py.get('gil_enabled', True) else 'off'}: {py.get('executable')}"


def _pythons_line(records: list) -> list[str]:
    """Which Python ran the table's runs, when it is not the one running concgui (every record names it)."""
    seen = {r.interpreter: r.python for r in records if r.python is not None}
    if all(exe == sys.executable for exe in seen):
        return []
    return [f"on {_python_words(py)}" for py in seen.values()]


def _python_heading(py: dict | None) -> str:
    """The line above one Python's rows in a table across Pythons."""
    this = " (the Python running concgui)" if (py or {}).get("executable") == sys.executable else ""
    return _python_words(py) + this


class _Table:
    COLS = [("workload", 10), ("mode", 12), ("workers", 7), ("start", 10), ("wall s (median ± spread)", 24),
            ("CPU s", 8), ("speedup", 7), ("effic.", 6), ("others", 6), ("results", 9), ("status", 9)]

    def __init__(self, records: Sequence = ()) -> None:
        from concgui.engine.workloads import workload_label

        self.label = workload_label
        wide = max((len(workload_label(r.workload)) for r in records), default=0)
        self.COLS = [("workload", max(10, wide)), *self.COLS[1:]]

    def header(self) -> None:
        print("  ".join(f"{n:<{w}}" if i < 4 else f"{n:>{w}}" for i, (n, w) in enumerate(self.COLS)))
        print("  ".join("-" * w for _, w in self.COLS))

    def row(self, r) -> None:
        def num(v, fmt):
            return "-" if v is None else format(v, fmt)

        check = "n/a" if r.results_ok is None else ("ok" if r.results_ok else "MISMATCH")
        wall = num(r.wall_s, ".3f")
        if r.spread is not None:
            wall += f" ± {r.spread:.0%} (×{len(r.samples_wall_s)})"
        from concgui.engine.compare import workers_count

        workers = workers_count(r.workers, r.threads_per_worker)
        cells = [self.label(r.workload), r.mode, workers, r.start_method or "-", wall,
                 num(r.cpu_s, ".3f"), num(r.speedup, ".2f") + ("×" if r.speedup is not None else ""),
                 num(r.efficiency, ".0%"), num(r.other_load_cores, ".1f"), check, r.status]
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


def _size_text(n: int) -> str:
    """``n`` bytes as :func:`_byte_size` reads it back: 1K, 64M, or a plain number."""
    for suffix, unit in (("G", 1024**3), ("M", 1024**2), ("K", 1024)):
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)


#: What ``concgui lab -h`` says each lab does.
_LAB_HELP = {
    "race": "N workers add 1 to a shared counter M times, without and with a lock",
    "semaphore": "K permits guard a resource that N threads use",
    "condition": "producers and consumers share a bounded buffer",
    "deadlock": "two threads take two locks in opposite order; then the fix",
    "ipc": "move payloads from a child process: Queue, Pipe, shared memory",
    "subclass": "Thread/Process subclasses beside concurrent.futures pools",
}
#: How the command line reads each kind of lab parameter.
_LAB_TYPES = {"int": int, "float": float, "bytes": _byte_size, "multi": _str_list}


def _lab_option_help(p) -> str:
    """A lab parameter's help, with its default as the command line spells it."""
    if p.default is None or p.kind == "bool":
        return p.help
    value = p.cli.from_param(p.default) if p.cli else p.default
    if p.kind == "bytes":
        return f"{p.help} (default {_size_text(value)})"
    if p.kind in ("choice", "multi"):
        return f"{p.help} (default: {value if isinstance(value, str) else ','.join(value)})"
    return f"{p.help} (default {value:g})" if isinstance(value, float) else f"{p.help} (default {value})"


class _LabParser(_Parser):
    """``concgui lab NAME``: its options are made from the lab's Params, when this lab is parsed.

    Each option comes from the field's :class:`concgui.labs.common.Param`, so
    the command line offers what the lab checks and the window shows, with
    the same defaults. Made on first use, not with the parser, so that
    ``bench``, ``info`` and ``gui`` do not import all six labs (~0.1 s) to build
    options they never read. Every option defaults to None: the lab's own
    default applies.
    """

    def __init__(self, *args, lab: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lab = lab
        self._described = False

    def _describe(self) -> None:
        from concgui import labs
        from concgui.labs.common import described

        if self._described:
            return
        self._described = True
        for p in described(labs.params_class(self.lab)):
            flag = p.option or "--" + p.name.replace("_", "-")
            if p.kind == "bool":  # the flag flips the default
                self.add_argument(flag, dest=p.name, action="store_false" if p.default else "store_true",
                                  default=None, help=p.help)
                continue
            kwargs: dict = {"type": _LAB_TYPES.get(p.kind)}
            if p.kind == "choice" and not callable(p.choices):
                kwargs["choices"] = p.values  # the machine's start methods are the lab's to check
            else:
                kwargs["metavar"] = flag[2:].replace("-", "_").upper()
            self.add_argument(flag, dest=p.name, help=_lab_option_help(p), **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        self._describe()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._describe()
        return super().format_help()


def _add_lab_parser(sub: argparse._SubParsersAction) -> None:
    """``concgui lab NAME [options]``: one sub-command per lab, its options from the lab's Params."""
    from concgui import labs

    lab = sub.add_parser("lab", help="run a synchronization or IPC lab headless and print what it measured",
                         description=f"Run a lab headless: {', '.join(labs.LABS)}.")
    names = lab.add_subparsers(dest="lab", parser_class=_LabParser, metavar="LAB")
    names.required = True
    for name in labs.LABS:
        q = names.add_parser(name, help=_LAB_HELP[name], description=_LAB_HELP[name], lab=name)
        q.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
        q.add_argument("--explain", action="store_true", help="also print the explanation")
        q.add_argument("--python", metavar="PATH", default=None,
                       help="run the lab on this Python (3.10+), e.g. a free-threaded 3.14t (see: concgui "
                            "interpreters)")
        q.add_argument("--gil", choices=GIL_SWITCHES_WORDS, default=None,
                       help="PYTHON_GIL for that Python: 0 runs a free-threaded build without its GIL")


def lab_params(args: argparse.Namespace):
    """The lab's Params from the command line (UsageError for values it refuses)."""
    from concgui import labs
    from concgui.engine.config import ConfigError
    from concgui.labs.common import described

    params_class = labs.params_class(args.lab)
    kwargs = {}
    for p in described(params_class):
        value = getattr(args, p.name, None)
        if value is not None:
            kwargs[p.name] = p.cli.to_param(value) if p.cli else tuple(value) if p.kind == "multi" else value
    try:
        return params_class(**kwargs)
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
    if getattr(args, "python", None) or getattr(args, "gil", None):
        return _lab_elsewhere(args, params)
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


def _lab_elsewhere(args: argparse.Namespace, params) -> int:
    """``lab NAME --python PATH``: the lab runs on that Python, which writes its own summary and explanation."""
    from concgui.engine.config import ConfigError, RunConfig
    from concgui.engine.export import ExportError, write_json
    from concgui.labs.elsewhere import ElsewhereError, run_elsewhere

    try:  # the one judge of a Python and a GIL switch: the same sentences as bench --python
        target = RunConfig("cpu-python", "threads", 1, 1, 1, python=args.python or sys.executable,
                           gil=args.gil).validate().python or sys.executable
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        report = run_elsewhere(target, args.lab, params, args.gil)
    except ElsewhereError as exc:
        raise UsageError(str(exc)) from None
    py = report["python"]
    print(f"{report['title']} on {_python_words(py)}", flush=True)
    for line in report["summary"]:
        print(f"  {line}")
    if args.explain:
        print()
        print(report["explanation"])
    if args.json:
        result = dict(report["result"])
        doc = {"concgui": __version__, "lab": args.lab, "python": f"{py['implementation']} {py['version']}",
               "gil_enabled": py["gil_enabled"], "interpreter": {k: py[k] for k in
                                                                  ("executable", "version", "free_threaded")},
               "params": result.pop("params", None), "result": result, "explanation": report["explanation"]}
        try:
            write_json(args.json, doc)
        except ExportError as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {args.json}")
    if report.get("error"):
        print(f"concgui: error: {report['error']}", file=sys.stderr)
    return 0 if report["status"] == "done" else 1


# --- lesson --------------------------------------------------------------------


def cmd_lesson(args: argparse.Namespace) -> int:
    from concgui.engine.export import ExportError, write_json
    from concgui.lessons.catalog import built_in, resolve
    from concgui.lessons.format import LessonError

    if args.list == (args.lesson is not None):
        raise UsageError("give a lesson's id (or FILE.json), or --list")
    if args.csv and args.list:
        raise UsageError("--csv writes one lesson's answer sheet; give a lesson's id")
    _check_output(args.json)
    _check_output(args.csv)
    try:
        lessons = built_in() if args.list else (resolve(args.lesson),)
    except LessonError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.list:
            for lesson in lessons:
                print(f"{lesson.id:<14} {len(lesson.steps)} steps  {lesson.title}")
            if args.json:
                write_json(args.json, {"concgui": __version__, "lessons": [x.summary_dict() for x in lessons]})
                print(f"wrote {args.json}")
            return 0
        return _run_lesson(lessons[0], args)
    except ExportError as exc:
        raise UsageError(str(exc)) from None


def _run_lesson(lesson, args: argparse.Namespace) -> int:
    from concgui.engine.export import write_json
    from concgui.lessons.answers import write_csv
    from concgui.lessons.facts import Facts
    from concgui.lessons.headless import lesson_document, run_lesson
    from concgui.lessons.reveal import expected_words, value_words

    facts = Facts.here()
    print(f"{lesson.title} ({len(lesson.steps)} steps) on {facts.python}, GIL {'on' if facts.gil_enabled else 'off'}, "
          f"{facts.cores} cores", flush=True)

    def show(r) -> None:
        print(f"\n{r.number}. {r.step.title}\n   {r.question}")
        if r.error:
            print(f"   could not measure it: {r.error}")
            return
        mark = "holds" if r.holds else "does not hold here"
        print(f"   measured {value_words(r.measured.value, r.step.question)}; expected "
              f"{expected_words(r.expected, r.step.question)}: {mark}")
        print(f"   {r.measured.words}")
        if not r.holds:
            print(f"   {r.reveal.headline}")

    results = run_lesson(lesson, facts, on_step=show)
    held = sum(1 for r in results if r.holds)
    print(f"\n{held} of {len(lesson.steps)} steps held on this machine.")
    if args.json:
        write_json(args.json, lesson_document(lesson, results, facts))
        print(f"wrote {args.json}")
    if args.csv:
        write_csv(args.csv, lesson.id, [r.sheet_row() for r in results])
        print(f"wrote {args.csv}")
    failed = [r for r in results if r.error]
    for r in failed:
        print(f"concgui: error: step {r.number}: {one_line(r.error or '')}", file=sys.stderr)
    return 1 if failed or len(results) < len(lesson.steps) else 0


# --- gui -----------------------------------------------------------------------


def _zoom(text: str) -> float:
    """``--zoom``'s value as a number within :data:`ZOOM_RANGE`; else a UsageError saying what to give."""
    lo, hi = ZOOM_RANGE
    try:
        zoom = float(text)
    except ValueError:
        raise UsageError(f"--zoom must be a number from {lo:g} to {hi:g}, not {text!r}") from None
    if not lo <= zoom <= hi:  # NaN and infinities fail this too
        raise UsageError(f"--zoom must be from {lo:g} to {hi:g}, not {text}")
    return zoom


def _gui_lesson(args: argparse.Namespace):
    """``gui --lesson ID --step N --answer TEXT``, checked before Qt loads; None without --lesson."""
    lesson_id = getattr(args, "lesson", None)
    if lesson_id is None:
        if args.answer is not None or args.step != 1:
            raise UsageError("--step and --answer go with --lesson")
        return None
    if args.scenario is not None or args.scenario_file is not None:
        raise UsageError("use --lesson or a scenario, not both")
    from concgui.lessons.answers import split_answers
    from concgui.lessons.catalog import resolve
    from concgui.lessons.format import LessonError
    from concgui.lessons.reveal import parse_prediction

    try:
        lesson = resolve(lesson_id)
    except LessonError as exc:
        raise UsageError(str(exc)) from None
    if not 1 <= args.step <= len(lesson.steps):
        raise UsageError(f"--step must be from 1 to {len(lesson.steps)} for lesson {lesson.id}, not {args.step}")
    question = lesson.steps[args.step - 1].question
    answers = split_answers(args.answer or "")
    if args.answer is not None and (not answers or any(parse_prediction(a, question) is None for a in answers)):
        want = "a number" if not question.choices else "one of: " + ", ".join(question.choices)
        raise UsageError(f"--answer for step {args.step} of {lesson.id} must be {want}, not {args.answer!r}")
    if args.autorun and args.answer is None:
        raise UsageError("a lesson's step runs after a prediction: give --answer with --autorun")
    return lesson


def cmd_gui(args: argparse.Namespace) -> int:
    if args.scenario is not None and args.scenario_file is not None:
        raise UsageError("use --scenario or --scenario-file, not both")
    if args.scenario_file is not None:
        from concgui.scenario_file import ScenarioFileError, functions_named, load_scenario_file

        try:
            args.scenario_object = load_scenario_file(args.scenario_file)
        except ScenarioFileError as exc:
            raise UsageError(str(exc)) from None
        named = functions_named(args.scenario_object)
        if named and not args.allow_functions and (args.autorun or args.quit_when_done):
            raise UsageError(f"{args.scenario_file} runs your code ({', '.join(r.target for r in named)}, from "
                             f"{named[0].path}): concgui imports only code you name; add --allow-functions")
    if args.scenario is not None:
        from concgui.scenarios import SCENARIOS

        if args.scenario not in SCENARIOS:
            raise UsageError(f"unknown scenario {args.scenario!r}; choose one of: {', '.join(SCENARIOS)}")
    _check_output(args.export)
    if getattr(args, "zoom", None) is not None:
        args.zoom = _zoom(args.zoom)
    args.lesson_object = _gui_lesson(args)
    from concgui.gui.app import main as gui_main  # Qt is imported only here

    return gui_main(args)
