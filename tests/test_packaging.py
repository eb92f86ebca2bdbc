"""Packaging: the wheel carries the icons, ``python -m concgui --version`` works, the sdist
has what a build needs, the desktop files validate and install, and (only with
``CONCGUI_TEST_FROZEN=1``, it is slow) the PyInstaller app builds and passes its smoke check.

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


def test_the_wheel_ships_the_lessons(installed_wheel: Path, tmp_path: Path) -> None:
    """The built-in lessons are package data, loaded with importlib.resources from the installed wheel."""
    proc = subprocess.run(
        [sys.executable, "-m", "concgui", "lesson", "--list"], cwd=tmp_path,
        env=_env(PYTHONPATH=str(installed_wheel)), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    from concgui.lessons.catalog import ORDER

    assert [line.split()[0] for line in proc.stdout.splitlines()] == list(ORDER)
    assert sorted(p.name for p in (installed_wheel / "concgui" / "lessons" / "data").iterdir()) == \
        sorted(f"{i}.json" for i in ORDER)


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


APP_ID = "io.github.concgui"
DESKTOP = ROOT / "resources" / f"{APP_ID}.desktop"
METAINFO = ROOT / "resources" / f"{APP_ID}.metainfo.xml"


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    cp.read(path, encoding="utf-8")
    return cp["Desktop Entry"]


def test_desktop_entry() -> None:
    """resources/io.github.concgui.desktop has the keys a launcher needs."""
    entry = _desktop_entry(DESKTOP)
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "concgui gui"
    assert entry["Icon"] == "concgui"
    assert entry["Categories"] == "Education;ComputerScience;"
    assert entry["StartupWMClass"] == "concgui"


def test_metainfo_matches_the_desktop_file() -> None:
    """The AppStream id, launchable and icon agree with the desktop file and the icons."""
    import xml.etree.ElementTree as ET

    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == DESKTOP.name
    assert root.findtext("icon") == _desktop_entry(DESKTOP)["Icon"]
    assert root.findtext("project_license") == "MIT"
    assert root.find("releases/release").get("version") == concgui.__version__
    assert root.findtext("provides/binary") == "concgui"


@pytest.mark.parametrize("tool, args", [
    ("desktop-file-validate", [str(DESKTOP)]),
    ("appstreamcli", ["validate", "--no-net", str(METAINFO)]),
])
def test_desktop_files_validate(tool: str, args: list[str]) -> None:
    """The desktop and AppStream validators find no errors (skipped where they are not installed)."""
    import shutil

    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    proc = subprocess.run([tool, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout
    assert "error" not in proc.stdout.lower(), proc.stdout


def test_install_desktop_for_a_user_and_uninstall(tmp_path: Path) -> None:
    """packaging/install_desktop.py writes the launcher, icons and metainfo, then removes them."""
    script = ROOT / "packaging" / "install_desktop.py"
    base = tmp_path / "share"
    exe = tmp_path / "my apps" / "concgui"
    run = lambda *a: subprocess.run(  # noqa: E731
        [sys.executable, str(script), "--prefix", str(base), *a], env=_env(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    proc = run("--exec", str(exe))
    assert proc.returncode == 0, proc.stdout
    entry = _desktop_entry(base / "applications" / DESKTOP.name)
    assert entry["Exec"] == f'"{exe}" gui'  # quoted: the path has a space
    assert entry["TryExec"] == str(exe)
    assert entry["Icon"] == "concgui"
    for size in ICON_SIZES:
        icon = base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "concgui.png"
        assert _png_size(icon.read_bytes()) == (size, size)
    assert (base / "icons" / "hicolor" / "scalable" / "apps" / "concgui.svg").is_file()
    assert (base / "metainfo" / METAINFO.name).read_bytes() == METAINFO.read_bytes()

    proc = run("--uninstall")
    assert proc.returncode == 0, proc.stdout
    left = [p for p in base.rglob("*") if p.is_file() and "concgui" in p.name]
    assert left == []


def test_sdist_has_what_a_build_needs(tmp_path: Path) -> None:
    """The sdist carries the package, its icons, the desktop files, packaging and tests; no caches."""
    import tarfile

    if importlib.util.find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed in this venv")
    proc = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)],
                          cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=PIP_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout
    (sdist,) = tmp_path.glob("concgui-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    need = {"pyproject.toml", "README.md", "LICENSE", "concgui/__init__.py", "concgui/__main__.py",
            "concgui/resources/icons/concgui.svg", "resources/concgui.svg", f"resources/{DESKTOP.name}",
            f"resources/{METAINFO.name}", "packaging/build.py", "packaging/concgui.spec", "packaging/entry.py",
            "packaging/smoke.py", "packaging/install_desktop.py", "packaging/render_icons.py", "dev.py"}
    need |= {f"concgui/resources/icons/concgui-{n}.png" for n in ICON_SIZES}
    assert need <= names, sorted(need - names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith((".venv/", "dist/", "build/"))]


@pytest.mark.skipif(os.environ.get("CONCGUI_TEST_FROZEN") != "1",
                    reason="slow (builds the PyInstaller app); set CONCGUI_TEST_FROZEN=1 to run it")
@pytest.mark.timeout(900)
def test_frozen_app_builds_and_passes_the_smoke_check() -> None:
    """packaging/build.py --check: PyInstaller build, then --version, info, a process bench, the GUI."""
    proc = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--check"], cwd=ROOT,
                          env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=880)
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert "smoke: all passed" in proc.stdout
