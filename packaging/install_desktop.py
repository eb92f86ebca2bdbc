#!/usr/bin/env python3
"""Install concgui's launcher, icons and AppStream metadata for the current user (Linux).

Usage::

    python3 packaging/install_desktop.py               # Exec = the frozen app if built, else .venv's concgui
    python3 packaging/install_desktop.py --exec PATH   # Exec = PATH (e.g. /opt/concgui/concgui)
    python3 packaging/install_desktop.py --uninstall   # remove what it installed
    python3 packaging/install_desktop.py --dry-run     # only print what it would do

Writes (under ``$XDG_DATA_HOME``, default ``~/.local/share``)::

    applications/io.github.concgui.desktop        Exec= points at the app
    icons/hicolor/<N>x<N>/apps/concgui.png         16 32 48 64 128 256
    icons/hicolor/scalable/apps/concgui.svg
    metainfo/io.github.concgui.metainfo.xml

then refreshes the desktop and icon caches when their tools are installed.
Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "io.github.concgui"
DESKTOP_SRC = ROOT / "resources" / f"{APP_ID}.desktop"
METAINFO_SRC = ROOT / "resources" / f"{APP_ID}.metainfo.xml"
ICONS_SRC = ROOT / "concgui" / "resources" / "icons"
ICON_SIZES = (16, 32, 48, 64, 128, 256)


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def targets(base: Path) -> dict[Path, Path]:
    """Installed path -> source file."""
    out = {
        base / "applications" / f"{APP_ID}.desktop": DESKTOP_SRC,
        base / "metainfo" / f"{APP_ID}.metainfo.xml": METAINFO_SRC,
        base / "icons" / "hicolor" / "scalable" / "apps" / "concgui.svg": ICONS_SRC / "concgui.svg",
    }
    for n in ICON_SIZES:
        out[base / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "concgui.png"] = ICONS_SRC / f"concgui-{n}.png"
    return out


def default_exec() -> str | None:
    """The frozen app when it is built, else the venv's console script, else one on PATH."""
    frozen = ROOT / "dist" / "concgui" / "concgui"
    venv = ROOT / ".venv" / "bin" / "concgui"
    for candidate in (frozen, venv):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("concgui")


def desktop_text(exec_path: str) -> str:
    """The .desktop file with Exec= (and TryExec=) pointing at ``exec_path``."""
    lines = []
    for line in DESKTOP_SRC.read_text(encoding="utf-8").splitlines():
        if line.startswith("Exec="):
            # The desktop entry spec quotes arguments with double quotes.
            quoted = f'"{exec_path}"' if any(c in exec_path for c in ' \t"\'\\') else exec_path
            lines.append(f"TryExec={exec_path}")
            lines.append(f"Exec={quoted} gui")
        elif not line.startswith("TryExec="):
            lines.append(line)
    return "\n".join(lines) + "\n"


def refresh(base: Path, dry_run: bool) -> None:
    cmds = [["update-desktop-database", "-q", str(base / "applications")],
            ["gtk-update-icon-cache", "-q", "-t", "-f", str(base / "icons" / "hicolor")]]
    for cmd in cmds:
        if shutil.which(cmd[0]):
            print("run", shlex.join(cmd))
            if not dry_run:
                subprocess.run(cmd, check=False)


def install(base: Path, exec_path: str, dry_run: bool) -> int:
    for dest, src in targets(base).items():
        print(f"install {dest}")
        if dry_run:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src == DESKTOP_SRC:
            dest.write_text(desktop_text(exec_path), encoding="utf-8")
        else:
            shutil.copyfile(src, dest)
    refresh(base, dry_run)
    print(f"concgui is in your applications menu (Exec: {exec_path} gui); "
          "remove it with: python3 packaging/install_desktop.py --uninstall")
    return 0


def uninstall(base: Path, dry_run: bool) -> int:
    for dest in targets(base):
        if dest.exists():
            print(f"remove {dest}")
            if not dry_run:
                dest.unlink()
    refresh(base, dry_run)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Install concgui's desktop entry, icons and metainfo for this user.")
    p.add_argument("--uninstall", action="store_true", help="remove the installed files")
    p.add_argument("--exec", dest="exec_path", help="the program the launcher runs (default: see --help text)")
    p.add_argument("--prefix", type=Path, help="data folder to install into (default: $XDG_DATA_HOME or "
                                                "~/.local/share)")
    p.add_argument("--dry-run", action="store_true", help="print what would be done")
    args = p.parse_args(argv)
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        print("install_desktop.py: desktop entries are for Linux/BSD desktops", file=sys.stderr)
        return 2
    base = args.prefix or data_home()
    if args.uninstall:
        return uninstall(base, args.dry_run)
    exec_path = args.exec_path or default_exec()
    if not exec_path:
        print("install_desktop.py: no concgui to launch: build it (python3 packaging/build.py), set up "
              ".venv (python3 dev.py setup) or pass --exec PATH", file=sys.stderr)
        return 2
    exec_path = os.path.abspath(exec_path) if os.sep in exec_path else exec_path
    return install(base, exec_path, args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
