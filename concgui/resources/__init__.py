"""Packaged data files (the app icon), found with :mod:`importlib.resources`.

Qt-free on purpose: these helpers hand back resource handles or bytes and the
GUI turns them into a ``QIcon``, e.g.::

    icon = QIcon()
    for res in app_icon_files():
        pm = QPixmap()
        pm.loadFromData(res.read_bytes())
        icon.addPixmap(pm)

Works from a source checkout, an editable install and a regular wheel
install alike (the files live inside the ``concgui`` package).  The PNGs are
rendered from ``resources/concgui.svg`` by ``packaging/render_icons.py``.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources.abc is 3.11+; 3.10 has it in importlib.abc
    from importlib.resources.abc import Traversable

__all__ = ["ICON_SIZES", "icon_path", "read_bytes", "app_icon_files"]

#: Pixel sizes of the pre-rendered PNG icons (``icons/concgui-<N>.png``).
ICON_SIZES: tuple[int, ...] = (16, 32, 48, 64, 128, 256)


def _root() -> Traversable:
    return files(__name__)


def icon_path(size: int | None = None) -> Traversable:
    """Return the app icon: the SVG when *size* is None, else the PNG of that size.

    *size* must be one of :data:`ICON_SIZES`; anything else raises ``ValueError``.
    The result is a Traversable (use ``.read_bytes()``, or
    ``importlib.resources.as_file()`` when a real filesystem path is needed).
    """
    if size is None:
        return _root() / "icons" / "concgui.svg"
    if size not in ICON_SIZES:
        raise ValueError(f"no {size}px icon; available sizes: {ICON_SIZES}")
    return _root() / "icons" / f"concgui-{size}.png"


def read_bytes(name: str) -> bytes:
    """Return the bytes of resource *name*, a '/'-separated path relative to this
    package, e.g. ``read_bytes("icons/concgui-32.png")``."""
    parts = [p for p in name.replace("\\", "/").split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise ValueError(f"bad resource name: {name!r}")
    res = _root()
    for part in parts:
        res = res / part
    if not res.is_file():
        raise FileNotFoundError(f"concgui resource not found: {name}")
    return res.read_bytes()


def app_icon_files() -> list[Traversable]:
    """All app icon files: the PNGs from smallest to largest, then the SVG."""
    return [icon_path(size) for size in ICON_SIZES] + [icon_path(None)]
