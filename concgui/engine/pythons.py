"""The Pythons on this machine: found, probed once each, and described by themselves.

Where to look: ``PATH`` (``python3``, ``python3.X``, ``python3.Xt``), pyenv
(``$PYENV_ROOT`` or ``~/.pyenv``, then ``versions/*``), uv-managed Pythons,
the Windows ``py`` launcher, ``$CONCGUI_TEST_PYTHONS`` (paths separated by
``os.pathsep``, so anyone with a free-threaded build can add it to a test run)
and any path the user names. Each candidate is asked about itself by running
:mod:`concgui.engine.python_facts` in it, with a clean environment and a
timeout: never assumed from a file name, because ``python3`` may be anything
and a build's GIL state is only known by asking it.

Bad candidates get one sentence each (:class:`PythonError`, a
:class:`~concgui.engine.errors.ConfigError`): not there, not a Python, too
old, crashed, hung.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable

from concgui.engine.errors import ConfigError
from concgui.engine.python_facts import facts as _own_facts

log = logging.getLogger(__name__)

#: The oldest Python concgui's worker side runs on.
MIN_VERSION = (3, 10)
#: How long a probe may take: a cold start of a Python is ~20-50 ms, a slow disk a few hundred.
PROBE_TIMEOUT_S = 10.0
TEST_PYTHONS_ENV = "CONCGUI_TEST_PYTHONS"


class PythonError(ConfigError):
    """A Python that concgui cannot use, in one sentence."""


@dataclass(frozen=True)
class PythonInfo:
    """One interpreter, as it described itself (see :func:`concgui.engine.python_facts.facts`)."""

    executable: str
    version: str
    implementation: str = "cpython"
    free_threaded: bool = False
    gil_enabled: bool = True
    per_interpreter_gil: bool = False
    interpreter_pool: bool = False
    #: The module it drives subinterpreters with (None: it has none with their own GIL).
    subinterpreters: str | None = None

    @classmethod
    def from_facts(cls, f: dict) -> "PythonInfo":
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in f.items() if k in names})

    @property
    def version_tuple(self) -> tuple[int, ...]:
        digits = []
        for part in self.version.split(".")[:2]:
            digits.append(int("".join(c for c in part if c.isdigit()) or 0))
        return tuple(digits)

    @property
    def label(self) -> str:
        """``Python 3.13.0`` or ``Python 3.13.0t (free-threaded, GIL off)``: what a chooser and a table show."""
        if not self.free_threaded:
            return f"Python {self.version}"
        return f"Python {self.version}t (free-threaded, GIL {'on' if self.gil_enabled else 'off'})"

    @property
    def is_this(self) -> bool:
        """Whether this is the interpreter concgui itself runs on."""
        return _same_file(self.executable, sys.executable)

    def as_json(self) -> dict:
        """The ``concgui interpreters --json`` entry."""
        d = asdict(self)
        return {k: d[k] for k in ("executable", "version", "free_threaded", "gil_enabled", "per_interpreter_gil",
                                  "interpreter_pool")}

    def run_record(self) -> dict:
        """What every run record carries as ``python``."""
        return {"version": self.version, "executable": self.executable, "free_threaded": self.free_threaded,
                "gil_enabled": self.gil_enabled}


def this_python() -> PythonInfo:
    """The interpreter concgui runs on (no probe: it is asked directly)."""
    return PythonInfo.from_facts(_own_facts())


def _probe_source() -> str:
    return resources.files("concgui.engine").joinpath("python_facts.py").read_text(encoding="utf-8")


#: Each probe's answer: its facts, or the sentence why it cannot be used (a 3.9 is not asked again either).
_cache: dict[tuple[str, float, str | None], PythonInfo | PythonError] = {}
_cache_lock = threading.Lock()


def probe(path: str, timeout: float = PROBE_TIMEOUT_S, gil: str | None = None) -> PythonInfo:
    """Ask the Python at ``path`` what it is; raise :class:`PythonError` with one sentence if it cannot be used.

    ``gil`` (``"0"`` or ``"1"``) probes it with ``PYTHON_GIL`` set, as a run
    with that switch would start it. Answers are kept per file and its
    modification time, so a chooser or a plan may ask as often as it likes.
    """
    exe = _resolve(path)
    try:
        key = (exe, os.stat(exe).st_mtime, gil)
    except OSError as exc:
        raise PythonError(f"{path}: {exc.strerror or exc}") from None
    with _cache_lock:
        hit = _cache.get(key)
    if isinstance(hit, PythonError):
        raise PythonError(str(hit))
    if hit is not None:
        return hit
    try:
        info = _probe_uncached(exe, path, timeout, gil)
    except PythonError as exc:
        if "did not answer" not in str(exc):  # a hang may be a busy machine: ask again next time
            with _cache_lock:
                _cache[key] = exc
        raise
    with _cache_lock:
        _cache[key] = info
    return info


def _resolve(path: str) -> str:
    """``path`` as an executable file, or a sentence why not (a bare name is looked up on PATH)."""
    p = os.path.expanduser(path)
    if os.sep not in p and (os.altsep is None or os.altsep not in p):
        found = shutil.which(p)
        if found is None:
            raise PythonError(f"{path}: no such program on PATH")
        p = found
    if not os.path.exists(p):
        raise PythonError(f"{path}: no such file")
    if os.path.isdir(p):
        raise PythonError(f"{path} is a folder, not a Python executable")
    if not os.access(p, os.X_OK):
        raise PythonError(f"{path} is not executable")
    return os.path.abspath(p)


def _probe_uncached(exe: str, shown: str, timeout: float, gil: str | None) -> PythonInfo:
    env = child_env(gil)
    try:
        # Its own session, so a hung candidate is stopped with all it started (a wrapper script's children too).
        # -s and a cleaned environment, not -I: -I would also ignore PYTHON_GIL. Run from the file system's
        # root, so no module in the current folder can stand in for a standard one.
        proc = subprocess.Popen([exe, "-s", "-c", _probe_source()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, text=True, env=env, cwd=os.path.abspath(os.sep),
                                start_new_session=os.name == "posix")
    except OSError as exc:
        raise PythonError(f"{shown} could not be started: {exc.strerror or exc}") from None
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(proc)
        raise PythonError(f"{shown} did not answer within {timeout:g} s (hung?)") from None
    if proc.returncode != 0:
        raise PythonError(f"{shown}: {_why_failed(proc.returncode, stderr, gil)}")
    try:
        f = json.loads(stdout.strip().splitlines()[-1])
        info = PythonInfo.from_facts(f)
    except (ValueError, IndexError, TypeError, KeyError):
        raise PythonError(f"{shown} is not a Python that concgui can read (it printed something else)") from None
    if info.version_tuple < MIN_VERSION:
        raise PythonError(f"{shown} is Python {info.version}; concgui needs Python "
                          f"{'.'.join(map(str, MIN_VERSION))} or newer")
    return info


def _kill_tree(proc: subprocess.Popen) -> None:
    """Stop a probe and everything it started, and reap it."""
    if os.name == "posix":
        import signal

        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
    proc.kill()
    proc.communicate()


def _why_failed(code: int, stderr: str, gil: str | None) -> str:
    lines = [ln.strip() for ln in stderr.strip().splitlines() if ln.strip()]
    if gil == "0" and any("not supported by this build" in ln for ln in lines):
        return "Disabling the GIL is not supported by this build (PYTHON_GIL=0 needs a free-threaded Python)"
    if code < 0:
        import signal

        try:
            sig = signal.Signals(-code).name
        except ValueError:
            sig = f"signal {-code}"
        return f"crashed while being asked what it is ({sig})"
    if any("SyntaxError" in ln for ln in lines):
        return "is not a Python 3 that concgui can read (too old?)"
    last = lines[-1] if lines else f"exit code {code}"
    return f"failed while being asked what it is ({last})"


def child_env(gil: str | None = None) -> dict[str, str]:
    """The environment for another Python: ours without what would make it load our packages or settings,
    and ``PYTHON_GIL`` set to ``gil`` when given (a free-threaded build's switch)."""
    drop = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHON_GIL", "VIRTUAL_ENV", "PYTHONSAFEPATH"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if gil is not None:
        env["PYTHON_GIL"] = gil
    return env


# --- finding candidates -------------------------------------------------------------------------


def candidates(extra: Iterable[str] = ()) -> list[str]:
    """Paths worth probing, in the order a list should show them: this one, the user's, then found ones."""
    extra = list(extra)
    found: list[str] = [sys.executable, *extra]
    found += [p for p in os.environ.get(TEST_PYTHONS_ENV, "").split(os.pathsep) if p]
    found += _on_path()
    found += _pyenv()
    found += _uv()
    found += _py_launcher()
    shims = str(pyenv_root() / "shims") + os.sep  # pyenv's shims pick a version by folder: its versions are listed
    out: list[str] = []
    seen: set[str] = set()
    for p in found:
        key = os.path.realpath(os.path.expanduser(p))
        if key.startswith(shims) and p not in extra:
            continue
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _on_path() -> list[str]:
    names = ["python3"] + [f"python3.{m}{t}" for m in range(10, 20) for t in ("", "t")]
    return [p for p in (shutil.which(n) for n in names) if p]


def pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def _pyenv() -> list[str]:
    exe = "python.exe" if sys.platform == "win32" else "bin/python3"
    return sorted(glob.glob(str(pyenv_root() / "versions" / "*" / exe)))


def _uv() -> list[str]:
    base = os.environ.get("UV_PYTHON_INSTALL_DIR") or str(Path.home() / ".local" / "share" / "uv" / "python")
    exe = "python.exe" if sys.platform == "win32" else "bin/python3"
    return sorted(glob.glob(os.path.join(base, "*", exe)))


def _py_launcher() -> list[str]:
    if sys.platform != "win32" or shutil.which("py") is None:
        return []
    try:
        out = subprocess.run(["py", "-0p"], capture_output=True, text=True, timeout=PROBE_TIMEOUT_S).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [ln.split()[-1] for ln in out.splitlines() if ln.strip().lower().endswith(".exe")]


@dataclass(frozen=True)
class Found:
    """A candidate and what probing it gave: its facts, or why it cannot be used."""

    path: str
    info: PythonInfo | None
    problem: str | None = None


def discover(extra: Iterable[str] = (), timeout: float = PROBE_TIMEOUT_S) -> list[Found]:
    """Every candidate, probed once (in parallel), the same interpreter reached by two paths listed once."""
    paths = candidates(extra)

    def one(path: str) -> Found:
        try:
            return Found(path, probe(path, timeout))
        except PythonError as exc:
            return Found(path, None, str(exc))

    with ThreadPoolExecutor(max_workers=min(8, max(1, len(paths)))) as ex:
        results = list(ex.map(one, paths))
    out: list[Found] = []
    seen: set[str] = set()
    for r in results:
        key = os.path.realpath(r.info.executable) if r.info else os.path.realpath(r.path)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)
