"""Render the app icon (resources/concgui.svg) into the package's runtime icons.

Writes ``concgui/resources/icons/concgui.svg`` (a copy of the source SVG) and
``concgui/resources/icons/concgui-<N>.png`` for every size in SIZES, using Qt's
SVG renderer (PySide6.QtSvg, part of PySide6-Essentials).  Rerun after editing
the SVG::

    .venv/bin/python packaging/render_icons.py          # write the files
    .venv/bin/python packaging/render_icons.py --check  # exit 1 if out of date
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "concgui.svg"
OUT_DIR = ROOT / "concgui" / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)


def render_png(renderer, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.convertToFormat(QImage.Format.Format_ARGB32).save(buf, "PNG"):
        raise RuntimeError(f"could not encode {size}px PNG")
    buf.close()
    return bytes(data.data())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the committed files are up to date")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (keeps Qt alive)
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"error: Qt could not parse {SOURCE}", file=sys.stderr)
        return 2

    outputs: dict[Path, bytes] = {OUT_DIR / "concgui.svg": SOURCE.read_bytes()}
    for size in SIZES:
        outputs[OUT_DIR / f"concgui-{size}.png"] = render_png(renderer, size)

    if args.check:
        stale = [p for p, data in outputs.items() if not p.exists() or p.read_bytes() != data]
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)}")
        return 1 if stale else 0

    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for path, data in outputs.items():
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
