"""Packaging: the wheel carries the icons, and ``python -m concgui --version`` works.

The wheel test builds the project NON-editable (``pip wheel``), installs it
with ``pip install --target`` into a temporary folder and imports it from
there in a fresh interpreter that cannot see the repository, so it proves the
icons are package data reachable through ``importlib.resources``.

It builds without the network when hatchling is importable in this venv
(``--no-build-isolation``); otherwise pip fetches hatchling into an isolated
build environment, and the test is skipped if that download is impossible.
"""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import concgui

ROOT = Path(__file__).resolve().parent.parent
ICON_SIZES = (16, 32, 48, 64, 128, 256)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PIP_TIMEOUT_S = 300
# pip's words when it could not get hatchling for an isolated build (offline).
_OFFLINE_HINTS = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args],
        cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=PIP_TIMEOUT_S,
    )


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the wheel and install it (no deps) into a fresh target folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    dist, target = tmp / "dist", tmp / "site"
    if importlib.util.find_spec("hatchling") is not None:
        build = _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index",
                     "-w", str(dist), str(ROOT), cwd=tmp)
    else:
        build = _pip("wheel", "--no-deps", "-w", str(dist), str(ROOT), cwd=tmp)
        if build.returncode != 0 and any(h in build.stdout for h in _OFFLINE_HINTS):
            pytest.skip("cannot build the wheel: hatchling is not installed in this venv "
                        "and pip could not download it (offline?)")
    assert build.returncode == 0, "pip wheel failed:\n" + build.stdout[-4000:]
    wheels = sorted(dist.glob("concgui-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, got {wheels}"

    inst = _pip("install", "--no-deps", "--no-index", "--no-compile",
                "--target", str(target), str(wheels[0]), cwd=tmp)
    assert inst.returncode == 0, "pip install --target failed:\n" + inst.stdout[-4000:]
    return target


def test_wheel_install_finds_icons(installed_wheel: Path, tmp_path: Path) -> None:
    # -S: no site-packages, so the editable install of the repo cannot leak in;
    # cwd is a temp dir, so the repository is nowhere on sys.path.
    script = textwrap.dedent("""
        import json, os, sys
        import concgui, concgui.resources as r
        out = {
            "file": concgui.__file__,
            "version": concgui.__version__,
            "svg": r.icon_path().read_bytes().decode("utf-8"),
            "pngs": {str(s): r.icon_path(s).read_bytes().hex() for s in r.ICON_SIZES},
            "files": [f.name for f in r.app_icon_files()],
            "read_bytes_same": r.read_bytes("icons/concgui-32.png") == r.icon_path(32).read_bytes(),
            "path": [os.path.realpath(p or ".") for p in sys.path],
        }
        print(json.dumps(out))
    """)
    proc = subprocess.run(
        [sys.executable, "-S", "-c", script], cwd=tmp_path,
        env=_env(PYTHONPATH=str(installed_wheel)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)

    assert Path(out["file"]).resolve().is_relative_to(installed_wheel.resolve()), out["file"]
    assert str(ROOT) not in out["path"], out["path"]
    assert out["version"] == concgui.__version__
    assert out["svg"].lstrip().startswith("<?xml") and "<svg" in out["svg"]
    assert out["svg"].rstrip().endswith("</svg>")
    assert sorted(int(s) for s in out["pngs"]) == list(ICON_SIZES)
    for size, hexdata in out["pngs"].items():
        assert _png_size(bytes.fromhex(hexdata)) == (int(size), int(size))
    assert out["files"] == [f"concgui-{s}.png" for s in ICON_SIZES] + ["concgui.svg"]
    assert out["read_bytes_same"]


def test_installed_wheel_runs_version(installed_wheel: Path, tmp_path: Path) -> None:
    """``python -m concgui --version`` from the installed wheel (deps from this venv)."""
    proc = subprocess.run(
        [sys.executable, "-m", "concgui", "--version"], cwd=tmp_path,
        env=_env(PYTHONPATH=str(installed_wheel)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout
    assert concgui.__version__ in proc.stdout


def test_module_version() -> None:
    """``python -m concgui --version`` prints the package version."""
    proc = subprocess.run(
        [sys.executable, "-m", "concgui", "--version"], cwd=ROOT, env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout.strip() == f"concgui {concgui.__version__}"


def test_resources_in_tree() -> None:
    """The runtime icons in the package match the source SVG and have the right sizes."""
    from concgui import resources

    src = ROOT / "resources" / "concgui.svg"
    assert resources.icon_path().read_bytes() == src.read_bytes(), (
        "concgui/resources/icons/concgui.svg differs from resources/concgui.svg: "
        "rerun packaging/render_icons.py")
    for size in ICON_SIZES:
        assert _png_size(resources.icon_path(size).read_bytes()) == (size, size)
    with pytest.raises(ValueError):
        resources.icon_path(17)
    with pytest.raises(ValueError):
        resources.read_bytes("../__init__.py")
    with pytest.raises(FileNotFoundError):
        resources.read_bytes("icons/nope.png")


def test_desktop_entry() -> None:
    """resources/concgui.desktop has the keys a launcher needs."""
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    cp.read(ROOT / "resources" / "concgui.desktop", encoding="utf-8")
    entry = cp["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "concgui gui"
    assert entry["Icon"] == "concgui"
    assert entry["Categories"] == "Education;Development;"
