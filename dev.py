#!/usr/bin/env python3
"""One-command bootstrap for concgui development (standard library only).

Usage::

    python3 dev.py app   [args...]        # run the app (no args: open the GUI)
    python3 dev.py test  [pytest args...] # run the test suite headless
    python3 dev.py bench [args...]        # run benchmarks/run.py
    python3 dev.py setup                  # only create/refresh .venv

Every command first makes sure ``.venv`` exists in the repository (created
with the ``venv`` module, pip included) and that the project is installed
into it in editable mode with the ``test`` extra.  The install is redone only
when needed: a stamp file inside ``.venv`` records a hash of ``pyproject.toml``
(plus the repository path and the interpreter version); when that hash
changes, or the stamp is missing, ``pip install -e ".[test]"`` runs again.

Works with any Python >= 3.10 on Linux, macOS and Windows.
"""

import hashlib
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
PYPROJECT = os.path.join(ROOT, "pyproject.toml")
STAMP = os.path.join(VENV, ".concgui-install-stamp")
MIN_PYTHON = (3, 10)
# pip learned PEP 660 editable installs (needed for hatchling) in 21.3.
MIN_PIP = (21, 3)

USAGE = """\
usage: python3 dev.py COMMAND [args...]

commands:
  app   [args...]          set up .venv, then run: python -m concgui [args...]
  test  [pytest args...]   set up .venv, then run the tests headless (offscreen Qt)
  bench [args...]          set up .venv, then run: python benchmarks/run.py [args...]
  setup                    only create .venv / install dependencies
"""


def say(msg):
    print("dev.py: " + msg, flush=True)


def fail(msg, code=2):
    print("dev.py: error: " + msg, file=sys.stderr, flush=True)
    sys.exit(code)


def venv_python():
    if os.name == "nt":
        return os.path.join(VENV, "Scripts", "python.exe")
    return os.path.join(VENV, "bin", "python")


def venv_missing_hint():
    ver = "%d.%d" % sys.version_info[:2]
    return (
        "Python's venv/ensurepip support is missing; install it "
        "(Debian/Ubuntu: sudo apt install python3-venv  or  python%s-venv) "
        "and run dev.py again." % ver
    )


def venv_works(py):
    """True when the venv's interpreter exists and starts."""
    if not os.path.isfile(py):
        return False
    try:
        return subprocess.call([py, "-c", "import sys"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL) == 0
    except OSError:
        return False


def create_venv():
    try:
        import ensurepip  # noqa: F401  (Debian ships it only in python3-venv)
        import venv  # noqa: F401
    except ImportError:
        fail(venv_missing_hint())
    say("creating .venv (%s)" % VENV)
    proc = subprocess.run([sys.executable, "-m", "venv", VENV],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    if proc.returncode != 0 or not os.path.isfile(venv_python()):
        shutil.rmtree(VENV, ignore_errors=True)
        out = proc.stdout or ""
        sys.stderr.write(out)
        if "ensurepip" in out:
            fail(venv_missing_hint())
        fail("could not create .venv (exit code %d)" % proc.returncode)


def install_hash():
    h = hashlib.sha256()
    with open(PYPROJECT, "rb") as f:
        h.update(f.read())
    h.update(b"\0" + os.path.normcase(ROOT).encode("utf-8", "surrogateescape"))
    try:  # the interpreter .venv was made from ("version = 3.11.7")
        with open(os.path.join(VENV, "pyvenv.cfg"), "rb") as f:
            h.update(b"\0" + b"".join(ln for ln in f if ln.startswith(b"version")))
    except OSError:
        pass
    return h.hexdigest()


def read_stamp():
    try:
        with open(STAMP, "r", encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return None


def pip_version(py):
    out = subprocess.run([py, "-m", "pip", "--version"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, universal_newlines=True).stdout
    # "pip 23.2.1 from ... (python 3.11)"
    try:
        return tuple(int(p) for p in out.split()[1].split(".")[:2])
    except (IndexError, ValueError):
        return (0, 0)


def ensure_env():
    """Create .venv and (re)install the project when needed; return its python."""
    if sys.version_info < MIN_PYTHON:
        fail("Python %d.%d or newer is needed (this is %s)."
             % (MIN_PYTHON + (sys.version.split()[0],)))
    if not os.path.isfile(PYPROJECT):
        fail("pyproject.toml not found next to dev.py (%s)" % ROOT)

    py = venv_python()
    if os.path.isdir(VENV) and not venv_works(py):
        say(".venv is broken or from another Python; recreating it")
        shutil.rmtree(VENV, ignore_errors=True)
    if not os.path.isdir(VENV):
        create_venv()

    wanted = install_hash()
    if read_stamp() == wanted:
        return py

    say("installing dependencies (first run takes a minute)")
    if pip_version(py) < MIN_PIP:
        say("upgrading pip in .venv")
        rc = subprocess.call([py, "-m", "pip", "install", "--upgrade", "pip"], cwd=ROOT)
        if rc != 0:
            fail("upgrading pip failed (exit code %d)" % rc, rc)
    # Drop a stale stamp first so an interrupted install is retried next time.
    if os.path.exists(STAMP):
        os.remove(STAMP)
    rc = subprocess.call([py, "-m", "pip", "install", "-e", ".[test]"], cwd=ROOT)
    if rc != 0:
        fail("installing dependencies failed (exit code %d)" % rc, rc)
    with open(STAMP, "w", encoding="utf-8") as f:
        f.write(wanted + "\n")
    say("dependencies installed")
    return py


def run(argv, env=None):
    """Run argv (env overrides on top of os.environ) and exit with its code."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    # Run from the caller's directory when it is inside the repository (so
    # relative paths in args work), otherwise from the repository root.
    cwd = os.getcwd()
    try:
        inside = os.path.commonpath([os.path.abspath(cwd), ROOT]) == ROOT
    except ValueError:  # different drives on Windows
        inside = False
    if not inside:
        cwd = ROOT
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name != "nt":
        os.chdir(cwd)
        os.execve(argv[0], argv, full_env)  # replaces this process; never returns
    try:
        rc = subprocess.call(argv, cwd=cwd, env=full_env)
    except KeyboardInterrupt:
        rc = 130
    sys.exit(rc)


def main(args):
    if not args or args[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        sys.exit(0 if args else 2)
    cmd, rest = args[0], list(args[1:])
    if cmd not in ("app", "test", "bench", "setup"):
        sys.stderr.write("dev.py: unknown command %r\n\n" % cmd + USAGE)
        sys.exit(2)

    try:
        py = ensure_env()
    except KeyboardInterrupt:
        fail("interrupted", 130)

    if cmd == "setup":
        say("ready: %s" % py)
        return
    if cmd == "app":
        run([py, "-m", "concgui"] + rest)
    if cmd == "test":
        run([py, "-m", "pytest"] + rest, env={"QT_QPA_PLATFORM": "offscreen"})
    if cmd == "bench":
        run([py, os.path.join(ROOT, "benchmarks", "run.py")] + rest)


if __name__ == "__main__":
    main(sys.argv[1:])
