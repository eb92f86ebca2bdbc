#!/usr/bin/env python3
"""Smoke-check a frozen concgui (standard library only).

Usage::

    python3 packaging/smoke.py [PATH/TO/concgui]   # default: dist/concgui/concgui

Runs the frozen binary's ``--version``, ``info``, a small processes bench
(the pool's workers re-execute the frozen binary: forkserver on Linux, spawn
elsewhere) and the GUI offscreen through a scenario that quits when done.
Prints each step's time; exits 1 if any step failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT = os.path.join(ROOT, "dist", "concgui", "concgui.exe" if os.name == "nt" else "concgui")
STEP_TIMEOUT_S = 180


_SETTINGS_DIR = tempfile.mkdtemp(prefix="concgui-smoke-settings-")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CONCGUI_SETTINGS_DIR"] = _SETTINGS_DIR  # never the user's own settings
    return env


def run_step(name: str, argv: list[str], check) -> bool:
    t0 = time.monotonic()
    try:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=STEP_TIMEOUT_S, env=_env(), cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired as exc:
        print(f"FAIL {name}: no exit after {STEP_TIMEOUT_S} s (a worker opening a window would hang here)")
        print(exc.stdout or "")
        return False
    dt = time.monotonic() - t0
    problem = None
    if proc.returncode != 0:
        problem = f"exit code {proc.returncode}"
    else:
        try:
            problem = check(proc.stdout)
        except Exception as exc:  # noqa: BLE001 (report any check failure)
            problem = f"{type(exc).__name__}: {exc}"
    print(f"{'FAIL' if problem else 'ok  '} {name} ({dt:.2f} s){': ' + problem if problem else ''}")
    for line in proc.stdout.rstrip().splitlines():
        print("     | " + line)
    return problem is None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    exe = os.path.abspath(args[0] if args else DEFAULT)
    if not os.path.isfile(exe):
        print(f"smoke: no frozen app at {exe}; build it with: python3 packaging/build.py", file=sys.stderr)
        return 2
    print(f"smoke: checking {exe}")
    tmp = tempfile.mkdtemp(prefix="concgui-smoke-")
    bench_json = os.path.join(tmp, "bench.json")
    gui_json = os.path.join(tmp, "gui.json")
    shot = os.path.join(tmp, "gui.png")

    def check_version(out: str):
        return None if out.startswith("concgui ") else f"unexpected output {out!r}"

    def check_info(out: str):
        return None if "Start methods" in out and "Python" in out else "no platform facts printed"

    def check_bench(out: str):
        with open(bench_json, encoding="utf-8") as f:
            runs = json.load(f)["runs"]
        modes = [r["mode"] for r in runs]
        if modes != ["serial", "processes"]:
            return f"runs {modes}"
        bad = [r for r in runs if r["status"] != "done" or r["results_ok"] is not True]
        if bad:
            return f"runs not done/ok: {bad}"
        want = "forkserver" if sys.platform.startswith("linux") else "spawn"
        return None if runs[1]["start_method"] == want else f"start method {runs[1]['start_method']}, not {want}"

    def check_gui(out: str):
        with open(gui_json, encoding="utf-8") as f:
            runs = json.load(f)["runs"]
        modes = sorted(r["mode"] for r in runs)
        if modes != ["processes", "serial", "threads"]:
            return f"runs {modes}"
        bad = [r for r in runs if r["status"] != "done" or r["results_ok"] is not True]
        if bad:
            return f"runs not done/ok: {bad}"
        return None if os.path.getsize(shot) > 0 else "empty screenshot"

    t0 = time.monotonic()
    ok = all([
        run_step("--version", [exe, "--version"], check_version),
        run_step("info", [exe, "info"], check_info),
        run_step("bench serial,processes", [exe, "bench", "--modes", "serial,processes", "--workers", "2",
                                            "--tasks", "4", "--json", bench_json], check_bench),
        run_step("gui compare offscreen", [exe, "gui", "--scenario", "compare", "--autorun", "--quit-when-done",
                                           "--export", gui_json, "--screenshot", shot], check_gui),
    ])
    print(f"smoke: {'all passed' if ok else 'FAILED'} in {time.monotonic() - t0:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
