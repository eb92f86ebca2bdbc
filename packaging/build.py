#!/usr/bin/env python3
"""Build the one-folder desktop app with PyInstaller (standard library only).

Usage::

    python3 packaging/build.py            # build dist/concgui/ (the app: dist/concgui/concgui)
    python3 packaging/build.py --check    # build, then run packaging/smoke.py on the result
    python3 packaging/build.py --no-build --check   # only the smoke checks of an existing build

It runs itself again with the repository's ``.venv`` interpreter (creating it
with ``python3 dev.py setup`` when missing) and installs PyInstaller into that
venv when it is absent. The spec is ``packaging/concgui.spec``; PyInstaller's
scratch files go to ``build/pyinstaller/``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")
SPEC = os.path.join(ROOT, "packaging", "concgui.spec")
DIST = os.path.join(ROOT, "dist")
WORK = os.path.join(ROOT, "build", "pyinstaller")
PYINSTALLER_REQ = "pyinstaller>=6.10"


def say(msg: str) -> None:
    print("build.py: " + msg, flush=True)


def venv_python() -> str:
    if os.name == "nt":
        return os.path.join(VENV, "Scripts", "python.exe")
    return os.path.join(VENV, "bin", "python")


def in_venv() -> bool:
    return os.path.normcase(os.path.abspath(sys.prefix)) == os.path.normcase(os.path.abspath(VENV))


def bootstrap() -> None:
    """Re-run this script with .venv's interpreter (set it up first when missing)."""
    py = venv_python()
    if not os.path.isfile(py):
        say(".venv missing: running python3 dev.py setup")
        rc = subprocess.call([sys.executable, os.path.join(ROOT, "dev.py"), "setup"], cwd=ROOT)
        if rc != 0 or not os.path.isfile(py):
            sys.exit(rc or 1)
    sys.stdout.flush()
    rc = subprocess.call([py, os.path.abspath(__file__), *sys.argv[1:]], cwd=ROOT)
    sys.exit(rc)


def ensure_pyinstaller() -> None:
    need = []
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        need.append(PYINSTALLER_REQ)
    if sys.platform in ("win32", "darwin"):
        try:
            import PIL  # noqa: F401  (PyInstaller converts the PNG icon to .ico/.icns with it)
        except ImportError:
            need.append("pillow")
    if need:
        say("installing " + ", ".join(need) + " into .venv")
        rc = subprocess.call([sys.executable, "-m", "pip", "install", *need], cwd=ROOT)
        if rc != 0:
            say("error: pip install failed (exit code %d)" % rc)
            sys.exit(rc)


def app_dir() -> str:
    return os.path.join(DIST, "concgui")


def frozen_binary() -> str:
    name = "concgui.exe" if os.name == "nt" else "concgui"
    return os.path.join(app_dir(), name)


def du(path: str) -> int:
    total = 0
    for base, _dirs, files in os.walk(path):
        for f in files:
            fp = os.path.join(base, f)
            if not os.path.islink(fp):
                total += os.path.getsize(fp)
    return total


def build() -> int:
    ensure_pyinstaller()
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", DIST, "--workpath", WORK, SPEC]
    say("running " + " ".join(cmd))
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")  # hooks import Qt; no display needed
    rc = subprocess.call(cmd, cwd=ROOT, env=env)
    if rc != 0:
        say("error: PyInstaller failed (exit code %d)" % rc)
        return rc
    dt = time.monotonic() - t0
    say("built %s in %.0f s (%.0f MiB)" % (frozen_binary(), dt, du(app_dir()) / 2**20))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Build the concgui desktop app with PyInstaller.")
    p.add_argument("--check", action="store_true", help="run packaging/smoke.py on the build afterwards")
    p.add_argument("--no-build", action="store_true", help="skip the build (use with --check)")
    p.add_argument("--clean", action="store_true", help="delete dist/concgui and build/pyinstaller first")
    args = p.parse_args(argv)
    if args.clean:
        shutil.rmtree(app_dir(), ignore_errors=True)
        shutil.rmtree(WORK, ignore_errors=True)
    if not args.no_build:
        rc = build()
        if rc != 0:
            return rc
    if args.check:
        sys.path.insert(0, os.path.join(ROOT, "packaging"))
        import smoke

        return smoke.main([frozen_binary()])
    return 0


if __name__ == "__main__":
    if not in_venv():
        bootstrap()
    sys.exit(main())
