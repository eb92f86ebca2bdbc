"""A developer's function: what to run (:class:`FunctionRef`), its profile, and its items.

The parent's half of "your own code" (the workers' half is
:mod:`concgui.engine.user_function`). :func:`profile` measures the function
in a fresh process (:mod:`concgui.engine.function_probe`) and keeps what it
found, items included, for the runs that follow: the runs of a function take
their items from here (:func:`run_context`), so the process that asks never
has to import the developer's module unless it runs the tasks itself.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from concgui.engine.errors import ConfigError
from concgui.engine.user_function import PICKLE_PROTOCOL, workload_name

log = logging.getLogger(__name__)

#: How long a profile may take before it is stopped (a function that never returns).
PROFILE_TIMEOUT_S = 120.0
#: At most about this many calls' time a profile takes (a slow call: one to warm up, one timed, three rounds of
#: one thread then two): with a task timeout of S seconds, a profile gets PROFILE_CALLS × S (+ 5 s to import).
PROFILE_CALLS = 10
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class FunctionError(ConfigError):
    """The developer's function cannot be run as asked: one line (``details``: a traceback, if any)."""

    def __init__(self, line: str, details: str | None = None) -> None:
        super().__init__(line)
        self.details = details


@dataclass(frozen=True)
class FunctionRef:
    """Which function to run, and on what: ``func(item) -> result`` for each item.

    ``path`` is the folder put first on ``sys.path`` in every process that
    imports it (the current folder, resolved, when the CLI is not told). The
    items come from ``inputs`` (``MODULE:NAME`` of a callable that returns an
    iterable), from ``items_file`` (a JSON list), or are ``range(tasks)``.
    """

    target: str  # "MODULE:NAME"
    path: str | None = None
    inputs: str | None = None
    items_file: str | None = None

    @property
    def module(self) -> str:
        return self.target.rpartition(":")[0]

    @property
    def name(self) -> str:
        return self.target.rpartition(":")[2]

    @property
    def workload(self) -> str:
        """The workload name its runs carry: ``function:MODULE:NAME``."""
        return workload_name(self.module, self.name)

    @property
    def given_items(self) -> bool:
        """Whether the items are the developer's (else ``range(tasks)``)."""
        return bool(self.inputs or self.items_file)

    def checked(self) -> "FunctionRef":
        """This reference with its paths made absolute, or FunctionError saying what is wrong with it."""
        target = _check_target(self.target, "your function")
        inputs = _check_target(self.inputs, "the inputs function") if self.inputs else None
        if inputs and self.items_file:
            raise FunctionError("give the items one way, an inputs function or a JSON file of items, not both")
        path = os.path.abspath(self.path or os.getcwd())
        if not os.path.isdir(path):
            raise FunctionError(f"the folder to import your module from, {self.path}, does not exist")
        items_file = None
        if self.items_file:
            items_file = os.path.abspath(self.items_file)
            if not os.path.isfile(items_file):
                raise FunctionError(f"the items file {self.items_file} does not exist")
        return FunctionRef(target, path, inputs, items_file)


def _check_target(text: str | None, what: str) -> str:
    """``MODULE:NAME`` checked (words the window and the command line both use: no flag names)."""
    module, sep, name = (text or "").strip().rpartition(":")
    if not sep or not _DOTTED.match(module) or not _DOTTED.match(name):
        raise FunctionError(f"{what} is named as MODULE:FUNCTION (e.g. mytasks:work), not {text!r}")
    return f"{module}:{name}"


@dataclass(frozen=True)
class Profile:
    """What :mod:`concgui.engine.function_probe` measured, in a fresh process of this Python."""

    target: str
    path: str | None
    items: int
    items_from: str
    import_s: float
    calls: int
    task_wall_s: float  # the median call
    task_wall_max_s: float
    task_cpu_s: float
    item_bytes: float
    item_pickle_s: float
    item_unpickle_s: float
    result_bytes: float | None
    result_pickle_s: float | None
    result_unpickle_s: float | None
    two_threads_speedup: float | None  # two threads on the same calls at once, against one thread
    two_threads_cores: float | None  # the cores' worth of CPU the two threads used together
    thread_cpu_share: float | None  # each thread's CPU time over the pair's wall time (mean)
    deterministic: bool  # one item called twice gave the same pickle
    printed_chars: int
    printed_at_import: int
    files_written: tuple[str, ...]
    memory_mb: float | None
    memory_before_import_mb: float | None
    problems: dict[str, str] = field(default_factory=dict)  # "function"/"result" -> why it cannot be pickled
    items_s: float = 0.0
    pair_calls: int = 0

    @classmethod
    def from_report(cls, report: dict[str, Any]) -> "Profile":
        names = set(cls.__dataclass_fields__)
        kept = {k: v for k, v in report.items() if k in names}
        kept["files_written"] = tuple(kept.get("files_written", ()))
        return cls(**kept)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["files_written"] = list(self.files_written)
        return d

    @property
    def gil_free_share(self) -> float | None:
        """How much of a call runs without the GIL, from the two-thread test (Amdahl: S₂ = 2 / (1 + held))."""
        s = self.two_threads_speedup
        if s is None:
            return None
        return min(1.0, max(0.0, 2.0 - 2.0 / max(s, 1e-9)))

    @property
    def waits(self) -> bool:
        """Whether a call mostly waits (sleep, socket, disk): its threads use little CPU."""
        share = self.thread_cpu_share
        return share is not None and share < 0.3 and self.task_cpu_s < 0.3 * self.task_wall_s


@dataclass(frozen=True)
class Prepared:
    """A profiled function: its profile and its items, each pickled (the runs' inputs)."""

    ref: FunctionRef
    profile: Profile
    items: list[bytes]


_prepared: dict[FunctionRef, Prepared] = {}
_lock = threading.Lock()


def profile(ref: FunctionRef, tasks: int | None = None, cancel: threading.Event | None = None,
            timeout_s: float = PROFILE_TIMEOUT_S) -> Prepared:
    """Measure ``ref`` in a fresh process and keep the result for its runs; FunctionError for the user's problem.

    ``tasks``: how many items (the first ``tasks`` of the developer's, or ``range(tasks)``).
    """
    ref = ref.checked()
    req = {"target": ref.target, "path": ref.path, "inputs": ref.inputs, "items_file": ref.items_file,
           "tasks": tasks}
    from concgui.engine.foreign_host import boot_command

    with tempfile.TemporaryDirectory(prefix="concgui-profile-") as tmp:
        req_path, out_path = os.path.join(tmp, "request.json"), os.path.join(tmp, "out.pickle")
        import json

        with open(req_path, "w", encoding="utf-8") as f:
            json.dump(req, f)
        cmd = boot_command(sys.executable, "concgui.engine.function_probe:main", req_path, out_path)
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ref.path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while proc.poll() is None:
                if cancel is not None and cancel.is_set():
                    raise FunctionError("profiling cancelled")
                if time.monotonic() - t0 > timeout_s:
                    raise FunctionError(f"the function did not return within {timeout_s:g} s while being "
                                        "profiled (a call that never returns?)")
                try:
                    proc.wait(timeout=0.05)
                except subprocess.TimeoutExpired:
                    pass
            output = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
        finally:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        try:
            with open(out_path, "rb") as f:
                out = pickle.load(f)
        except (OSError, EOFError, pickle.UnpicklingError):
            how = f"exit code {proc.returncode}" if proc.returncode >= 0 else f"signal {-proc.returncode}"
            tail = output.strip().splitlines()[-1:] or [""]
            raise FunctionError(f"the process profiling {ref.target} died ({how}) {tail[0]}".strip(),
                                output or None) from None
    if "error" in out:
        raise FunctionError(out["error"], out.get("details"))
    prof = Profile.from_report(out["report"])
    prep = Prepared(ref, prof, out["items"])
    with _lock:
        _prepared[ref] = prep
    log.info("profiled %s: %d items, %.3g ms a call", ref.target, prof.items, prof.task_wall_s * 1e3)
    return prep


def prepared(ref: FunctionRef) -> Prepared | None:
    """The last profile of ``ref`` in this process (None: not profiled yet)."""
    with _lock:
        return _prepared.get(ref.checked())


def module_file(ref: FunctionRef) -> str | None:
    """The file ``ref``'s module is in, if it is in ``ref.path`` (else None: it comes from the Python path)."""
    base = os.path.join(ref.path or os.getcwd(), *ref.module.split("."))
    return next((p for p in (base + ".py", os.path.join(base, "__init__.py")) if os.path.isfile(p)), None)


def module_version(ref: FunctionRef) -> int:
    """When the module's file last changed (ns; 0 if unknown): warm workers re-import an edited module."""
    path = module_file(ref)
    try:
        return os.stat(path).st_mtime_ns if path else 0
    except OSError:
        return 0


def function_source(ref: FunctionRef) -> str:
    """The function's source, read from its file without importing it (the window shows it before any run)."""
    import ast

    ref = ref.checked()
    path = module_file(ref)
    if path is None:
        return f"# {ref.module}.py is not in {ref.path}: it will be imported from the Python path, if it is there.\n"
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError) as exc:
        return f"# Cannot read {path}: {exc}\n"
    node: ast.AST = tree
    for part in ref.name.split("."):
        found: ast.stmt | None = None
        for child in getattr(node, "body", []):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child.name == part:
                found = child
            elif isinstance(child, ast.Assign) and any(isinstance(t, ast.Name) and t.id == part
                                                       for t in child.targets):
                found = child
        if found is None:
            return f"# {path} defines no {ref.name} at its top level.\n"
        node = found
    return (ast.get_source_segment(text, node, padded=True) or "") + "\n"


def profile_of(workload: str) -> Profile | None:
    """The latest profile of the function whose runs carry ``workload`` (``function:MODULE:NAME``), if any."""
    with _lock:
        found = [p for ref, p in _prepared.items() if ref.workload == workload]
    return found[-1].profile if found else None


def items_for(ref: FunctionRef, tasks: int) -> list[bytes]:
    """The pickled inputs of a run of ``tasks`` tasks: the first ``tasks`` of the developer's items, or range."""
    if not ref.given_items:
        return [pickle.dumps(i, PICKLE_PROTOCOL) for i in range(tasks)]
    prep = prepared(ref) or profile(ref)
    if tasks > len(prep.items):
        raise FunctionError(f"{tasks:,} tasks asks for more items than {prep.profile.items_from} gives "
                            f"({len(prep.items):,})")
    return prep.items[:tasks]


@contextmanager
def run_context(ref: FunctionRef, tasks: int, here: bool) -> Iterator[dict[str, Any]]:
    """A run's ``ctx`` for the function's tasks (see :mod:`concgui.engine.user_function`).

    ``here``: the tasks run in this process, which then unpickles the items
    (before the clock starts) and keeps the results as they are.
    """
    ref = ref.checked()
    items: list[Any] = items_for(ref, tasks)
    if here:
        if ref.path and ref.path not in sys.path:
            sys.path.insert(0, ref.path)
        items = [pickle.loads(b) for b in items]
        from concgui.engine.user_function import resolve

        # The import, before the run's clock starts (as a pool's warm-up).
        resolve(ref.path, ref.module, ref.name, module_version(ref))
    prep = prepared(ref)
    yield {"function": (ref.path, ref.module, ref.name, module_version(ref)), "items": items, "first": 0,
           "pickled": not here,
           "task_s": prep.profile.task_wall_s if prep is not None else None}
