"""File menu exports: results as CSV, plots as PNG or SVG, results as Markdown on the clipboard.

The formats come from :mod:`concgui.engine.export` (Qt-free, shared with the
CLI); this module only adds the menu entries, the file dialogs and the
messages. Every file is written atomically, so a failed write keeps an older
file as it was, and the results stay in the window: an unwritable path ends in
a message that says so, and nothing is lost.

The ``export_*``/``save_plot``/``copy_markdown`` methods do the work without
dialogs (the tests call them); the ``_on_*`` slots add the dialogs.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any, Callable

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QPoint, QRect, QRectF, QSize, Qt, Slot
from PySide6.QtGui import QAction, QBrush, QGuiApplication, QImage, QKeySequence, QPainter, QPainterPath, QTransform
from PySide6.QtWidgets import (QFileDialog, QGraphicsItem, QMenu, QMessageBox, QStatusBar, QStyle,
                               QStyleOptionGraphicsItem, QWidget)

from concgui import __version__
from concgui.engine.export import (ExportError, bench_command, results_csv, results_markdown, write_bytes,
                                   write_text)

if TYPE_CHECKING:
    from concgui.gui.results_table import ResultsModel
    from concgui.gui.settings import Settings

PLOT_PNG_2X = "PNG image, 2× for slides (*.png)"
PLOT_PNG_1X = "PNG image, screen size (*.png)"
PLOT_SVG = "SVG image (*.svg)"
#: The save dialog's choices; the PNG filter chosen decides the scale (see :data:`PNG_SCALES`).
PLOT_FILTERS = ";;".join((PLOT_PNG_2X, PLOT_PNG_1X, PLOT_SVG))
#: PNGs are drawn at this multiple of the plot's size on screen by default (sharper on slides and in print).
PNG_SCALE = 2
#: The scale of each PNG filter of the save dialog.
PNG_SCALES = {PLOT_PNG_2X: 2, PLOT_PNG_1X: 1}
#: An SVG's physical size: its on-screen pixels at this many per inch (CSS pixels, as browsers show them).
SVG_PX_PER_INCH = 96
NOTHING_LOST = "Nothing was lost: the results are still in the window. Choose another folder and try again."


def draw_plot(widget: pg.PlotWidget, painter: QPainter) -> None:
    """Paint what ``widget`` shows onto ``painter`` (in the widget's pixels, under the painter's transform).

    Item by item, in stacking order, each with its own transform and its clip
    set afresh: what QGraphicsView does, but with no clip left over from one
    item to the next. Qt's SVG generator does not restore a clip that a
    ``QPainter.restore()`` brings back (Qt 6.11), so rendering the view itself
    clipped every bar after a value label to that label's box. Drawing it
    ourselves also keeps the bands' text, the legend and the axes at the same
    scale as the rest when the painter is scaled (``QWidget.render`` at 2x
    drew everything twice too big, and pyqtgraph's ImageExporter relays the
    plot out and leaves some labels at screen size).
    """
    scene = widget.scene()
    prepare = getattr(scene, "prepareForPaint", None)
    if prepare is not None:
        prepare()  # pyqtgraph items finish their layout now (its GraphicsView does this on each paint)
    base = painter.transform()
    view = widget.viewportTransform()
    corner = widget.viewport().mapTo(widget, QPoint(0, 0))
    to_widget = QTransform.fromTranslate(corner.x(), corner.y())
    port = QRectF(widget.viewport().rect()).translated(corner.x(), corner.y())
    background = widget.backgroundBrush()
    if background.style() == Qt.BrushStyle.NoBrush:
        background = QBrush(widget.palette().color(widget.palette().ColorRole.Base))
    painter.fillRect(QRectF(widget.rect()), background)
    flags = QGraphicsItem.GraphicsItemFlag
    for item in scene.items(Qt.SortOrder.AscendingOrder):
        if not item.isVisible() or item.flags() & flags.ItemHasNoContents or item.effectiveOpacity() <= 0:
            continue
        device = item.deviceTransform(view) * to_widget
        clip = QPainterPath()
        clip.addRect(port)
        parent = item.parentItem()
        while parent is not None:
            if parent.flags() & flags.ItemClipsChildrenToShape:
                clip = clip.intersected((parent.deviceTransform(view) * to_widget).map(parent.shape()))
            parent = parent.parentItem()
        if item.flags() & flags.ItemClipsToShape:
            clip = clip.intersected(device.map(item.shape()))
        bounds = device.mapRect(item.boundingRect())
        if not clip.intersects(bounds):
            continue  # out of sight (an earlier run's band, a label scrolled away)
        option = QStyleOptionGraphicsItem()
        option.exposedRect = item.boundingRect()
        option.rect = item.boundingRect().toAlignedRect()
        option.palette = widget.palette()
        option.state = QStyle.StateFlag.State_Enabled if item.isEnabled() else QStyle.StateFlag.State_None
        painter.save()
        try:
            painter.setTransform(base)
            if not clip.contains(bounds):
                painter.setClipPath(clip)
            painter.setTransform(device * base)
            painter.setOpacity(item.effectiveOpacity())
            item.paint(painter, option, widget.viewport())
        finally:
            painter.restore()


def plot_png(widget: pg.PlotWidget, scale: float = PNG_SCALE) -> bytes:
    """The plot as PNG bytes: what it shows on screen (bands and labels included), ``scale`` times as big."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    size = widget.size()
    image = QImage(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)),
                   QImage.Format.Format_ARGB32_Premultiplied)
    # As on a high-DPI screen: one pixel of the plot is ``scale`` pixels of the image, one-pixel lines included.
    image.setDevicePixelRatio(scale)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        draw_plot(widget, painter)
    finally:
        painter.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buf, "PNG")
    buf.close()
    if not ok:
        raise ExportError("could not encode the plot as PNG")
    return bytes(data.data())


def plot_svg(widget: pg.PlotWidget) -> bytes:
    """The plot as an SVG 1.1 document (UTF-8) that SVG viewers draw as the plot shows on screen.

    Qt's QSvgGenerator draws the plot (:func:`draw_plot`, clipped to the plot
    area as on screen); then :func:`portable_svg` puts lines and shapes into
    the picture's own coordinates: Qt leaves them in the plot's data
    coordinates with ``vector-effect="non-scaling-stroke"``, which librsvg,
    Inkscape and ImageMagick ignore (a 1-pixel outline 100 data units wide
    became a 100-pixel smear over the bars). pyqtgraph's SVGExporter is not
    used: it fails on the paths Qt 6 writes, and misplaces bars and text.
    """
    return portable_svg(_qt_svg(widget), widget.width(), widget.height())


def _qt_svg(widget: pg.PlotWidget) -> bytes:
    from PySide6.QtSvg import QSvgGenerator

    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator(QSvgGenerator.SvgVersion.Svg11)  # 1.1 has clip paths (Tiny 1.2 drew bands off the plot)
    gen.setOutputDevice(buf)
    size = widget.size()
    gen.setSize(QSize(size.width(), size.height()))
    gen.setViewBox(QRect(0, 0, size.width(), size.height()))
    # The widget's own resolution: its text gets the size it has on screen, in the same units as the rest.
    gen.setResolution(widget.logicalDpiY())
    gen.setTitle("concgui plot")
    gen.setDescription(f"Drawn by concgui {__version__}")
    painter = QPainter(gen)
    try:
        draw_plot(widget, painter)
    finally:
        painter.end()
    buf.close()
    return bytes(data.data())


# -- making Qt's SVG portable ------------------------------------------------------------------

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"({_NUMBER}),\s*({_NUMBER})")
_MATRIX = re.compile(rf"\s*matrix\(\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,"
                     rf"\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\)\s*$")
_SHAPES = {"rect", "path", "polyline", "polygon", "line", "ellipse"}
_GENERIC_FONTS = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
Matrix = tuple[float, float, float, float, float, float]


def _num(v: float) -> str:
    return f"{v:.7g}"


def _map(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def _map_pairs(m: Matrix, text: str) -> str:
    def one(match: re.Match[str]) -> str:
        x, y = _map(m, float(match.group(1)), float(match.group(2)))
        return f"{_num(x)},{_num(y)}"

    return _PAIR.sub(one, text)


def _bake(el: ET.Element, tag: str, m: Matrix, canvas: tuple[float, float]) -> bool:
    """Put ``m`` into ``el``'s own coordinates; False where that cannot be done (``el`` unchanged)."""
    a, b, c, d, e, f = m
    axis_aligned = b == 0 and c == 0
    if tag in ("path", "polyline", "polygon"):
        attr = "d" if tag == "path" else "points"
        el.set(attr, _map_pairs(m, el.get(attr, "")))
    elif tag == "line":
        for i in ("1", "2"):
            x, y = _map(m, float(el.get("x" + i, 0)), float(el.get("y" + i, 0)))
            el.set("x" + i, _num(x))
            el.set("y" + i, _num(y))
    elif tag == "ellipse":
        if not axis_aligned:
            return False
        cx, cy = _map(m, float(el.get("cx", 0)), float(el.get("cy", 0)))
        el.set("cx", _num(cx))
        el.set("cy", _num(cy))
        el.set("rx", _num(abs(a) * float(el.get("rx", 0))))
        el.set("ry", _num(abs(d) * float(el.get("ry", 0))))
    elif tag == "rect":
        if el.get("rx") or el.get("ry"):
            return False
        x, y = float(el.get("x", 0)), float(el.get("y", 0))
        w, h = float(el.get("width", 0)), float(el.get("height", 0))
        corners = [_map(m, x, y), _map(m, x + w, y), _map(m, x + w, y + h), _map(m, x, y + h)]
        if not axis_aligned:  # turned or sheared: a four-sided path
            for k in ("x", "y", "width", "height"):
                el.attrib.pop(k, None)
            el.tag = f"{{{_SVG_NS}}}path"
            el.set("d", "M" + " L".join(f"{_num(px)},{_num(py)}" for px, py in corners) + " Z")
            return True
        # A band spans a billion data units: keep it to a margin of one canvas around the canvas
        # (what shows is the same; some renderers lose precision with such numbers).
        (cw, ch) = canvas
        x0, x1 = sorted((corners[0][0], corners[2][0]))
        y0, y1 = sorted((corners[0][1], corners[2][1]))
        x0, x1 = max(x0, -cw), min(x1, 2 * cw)
        y0, y1 = max(y0, -ch), min(y1, 2 * ch)
        el.set("x", _num(x0))
        el.set("y", _num(y0))
        el.set("width", _num(max(0.0, x1 - x0)))
        el.set("height", _num(max(0.0, y1 - y0)))
    return True


def _bakeable(el: ET.Element, group_stroke: str | None) -> bool:
    tag = el.tag.rpartition("}")[2]
    if tag not in _SHAPES or len(el):
        return False
    # A line width in pixels (a cosmetic pen), or no line: the shape maps with its coordinates.
    # A line width in data units must scale with them, and stays in its transformed group.
    stroke = el.get("stroke", group_stroke)
    return el.get("vector-effect") == "non-scaling-stroke" or stroke in (None, "none")


def portable_svg(data: bytes, width: float, height: float) -> bytes:
    """Qt's SVG of a plot, drawn alike by every SVG 1.1 renderer, ``width`` × ``height`` pixels at 96 per inch.

    - Each group of shapes that Qt gives a transform (a plot's data
      coordinates) gets its shapes' coordinates mapped instead, so their lines
      keep the width they have on screen without ``vector-effect`` (an SVG
      Tiny 1.2 feature most renderers ignore); text and images keep their
      transform, which every renderer honours.
    - ``width``/``height`` become millimetres at :data:`SVG_PX_PER_INCH`.
    - Font families get a generic fallback (``sans-serif``): Qt's "Sans Serif"
      is no font outside Qt.
    """
    ET.register_namespace("", _SVG_NS)
    ET.register_namespace("xlink", _XLINK_NS)
    root = ET.fromstring(data)
    canvas = (float(width), float(height))
    parents = {child: parent for parent in root.iter() for child in parent}

    def transformed_ancestor(el: ET.Element) -> bool:
        p = parents.get(el)
        while p is not None:
            if p.get("transform"):
                return True
            p = parents.get(p)
        return False

    for group in list(root.iter(f"{{{_SVG_NS}}}g")):
        matrix = group.get("transform")
        if matrix is None:
            continue
        match = _MATRIX.match(matrix)
        if match is None or transformed_ancestor(group) or any(len(ch) for ch in group):
            continue
        m: Matrix = tuple(float(v) for v in match.groups())  # type: ignore[assignment]
        stroke = group.get("stroke")
        # Runs of children: those mapped into the canvas (no transform) and those kept as drawn.
        runs: list[tuple[bool, list[ET.Element]]] = []
        for child in list(group):
            flat = _bakeable(child, stroke) and _bake(child, child.tag.rpartition("}")[2], m, canvas)
            if flat:
                child.attrib.pop("vector-effect", None)
            if runs and runs[-1][0] == flat:
                runs[-1][1].append(child)
            else:
                runs.append((flat, [child]))
        parent = parents[group]
        at = list(parent).index(group)
        parent.remove(group)  # an empty one (Qt writes many) just goes
        for flat, children in runs:
            g = ET.Element(group.tag, dict(group.attrib))
            g.text, g.tail = "\n", "\n"
            if flat:
                del g.attrib["transform"]
            g.extend(children)
            parent.insert(at, g)
            at += 1
    parents = {child: parent for parent in root.iter() for child in parent}
    for el in root.iter():
        if el.get("vector-effect") == "non-scaling-stroke" and not transformed_ancestor(el):
            del el.attrib["vector-effect"]  # in the canvas' own units already (the clip paths, the axes)
        family = el.get("font-family")
        if family and not {f.strip(" '\"").lower() for f in family.split(",")} & _GENERIC_FONTS:
            el.set("font-family", f"{family}, sans-serif")
    mm = 25.4 / SVG_PX_PER_INCH
    root.set("width", f"{canvas[0] * mm:.2f}mm")
    root.set("height", f"{canvas[1] * mm:.2f}mm")
    return ET.tostring(root, encoding="UTF-8", xml_declaration=True)


def save_plot(widget: pg.PlotWidget, path: str, scale: float = PNG_SCALE) -> str:
    """Write the plot to ``path``: SVG for ``.svg``, else PNG (``.png`` added when missing), drawn at
    ``scale`` times its size on screen.

    Returns the path written; raises ExportError with a message for the user.
    """
    root, ext = os.path.splitext(path)
    if ext.lower() == ".svg":
        data = plot_svg(widget)
    else:
        if ext.lower() != ".png":
            path = path + ".png"
        data = plot_png(widget, scale)
    write_bytes(path, data)
    return path


class ExportActions(QObject):
    """The session's CSV, Markdown and plot exports, and their File menu entries.

    Given what it exports (the results model, the plots by name) and where to
    say so (a status bar), not the window: it never reaches into other views.
    """

    def __init__(self, window: QWidget, results: "ResultsModel", plots: dict[str, pg.PlotWidget],
                 status: QStatusBar, settings: "Settings | None" = None,
                 selected_row: Callable[[], int | None] = lambda: None) -> None:
        super().__init__(window)
        self.window, self.results, self.plots, self.status = window, results, plots, status
        self.settings = settings
        #: The index of the row selected in the results table, if any.
        self.selected_row = selected_row
        self.export_csv_action = QAction("Export results as &CSV…", window)
        self.export_csv_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_csv_action.triggered.connect(self._on_export_csv_action_triggered)
        self.copy_markdown_action = QAction("Copy results as &Markdown", window)
        self.copy_markdown_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.copy_markdown_action.setToolTip("A Markdown table of every run, ready to paste into an issue or notes")
        self.copy_markdown_action.triggered.connect(self._on_copy_markdown_action_triggered)
        self.copy_command_action = QAction("Copy run as a &command line", window)
        self.copy_command_action.setToolTip("The `concgui bench` command that runs the selected (or last) run's "
                                            "tasks the same way in a terminal")
        self.copy_command_action.triggered.connect(self._on_copy_command_action_triggered)
        self.save_cpu_plot_action = QAction("Save CPU &plot…", window)
        self.save_cpu_plot_action.triggered.connect(self._on_save_cpu_plot_action_triggered)
        self.save_chart_action = QAction("Save c&omparison chart…", window)
        self.save_chart_action.triggered.connect(self._on_save_chart_action_triggered)
        self.actions = [self.export_csv_action, self.copy_markdown_action, self.copy_command_action, None,
                        self.save_cpu_plot_action, self.save_chart_action]
        #: Shows a failure to the user: (title, text). Tests replace it.
        self.warn: Callable[[str, str], Any] = lambda title, text: QMessageBox.warning(window, title, text)

    def install(self, menu: QMenu, after: QAction | None = None) -> None:
        """Put the entries into ``menu``, right after ``after`` (or at the end)."""
        acts = menu.actions()
        before = None
        if after is not None and after in acts:
            i = acts.index(after)
            before = acts[i + 1] if i + 1 < len(acts) else None
        for a in self.actions:
            if a is None:
                sep = QAction(menu)
                sep.setSeparator(True)
                a = sep
            if before is None:
                menu.addAction(a)
            else:
                menu.insertAction(before, a)
        if before is not None:
            sep = QAction(menu)
            sep.setSeparator(True)
            menu.insertAction(before, sep)

    # -- the work (no dialogs) ------------------------------------------------------------------

    def _rows(self) -> list[dict[str, Any]]:
        return [row.as_dict() for row in self.results.rows]

    def export_csv(self, path: str) -> None:
        """Every run of this session as CSV; raises ExportError with a user message."""
        write_text(path, results_csv(self._rows()))

    def markdown(self) -> str:
        return results_markdown(self._rows())

    def copy_markdown(self) -> str:
        """Put the Markdown table on the clipboard; returns it."""
        text = self.markdown()
        QGuiApplication.clipboard().setText(text)
        return text

    # -- menu slots (dialogs) -----------------------------------------------------------------------

    def _start_dir(self, name: str) -> str:
        folder = self.settings.export_dir if self.settings is not None else None
        return os.path.join(folder, name) if folder and os.path.isdir(folder) else name

    def _remember_dir(self, path: str) -> None:
        if self.settings is not None:
            self.settings.export_dir = os.path.dirname(os.path.abspath(path))

    def _saved(self, what: str, path: str) -> None:
        self._remember_dir(path)
        self.status.showMessage(f"Saved {what} to {path}", 8000)

    def _failed(self, what: str, exc: ExportError) -> None:
        self.status.showMessage(f"Could not save {what}.", 8000)
        self.warn("Export failed", f"Could not save {what}: {exc}\n\n{NOTHING_LOST}")

    @Slot()
    def _on_export_csv_action_triggered(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, "Export results as CSV",
                                              self._start_dir("concgui-results.csv"), "CSV (*.csv)")
        if not path:
            return
        n = len(self.results.rows)
        try:
            self.export_csv(path)
        except ExportError as exc:
            self._failed("the results", exc)
        else:
            self._saved(f"{n} run(s)", path)

    @Slot()
    def _on_copy_markdown_action_triggered(self) -> None:
        self.copy_markdown()
        n = len(self.results.rows)
        self.status.showMessage(f"Copied {n} run(s) as a Markdown table.", 5000)

    def command(self) -> str | None:
        """The terminal command of the selected run, or of the last one (None: no run yet)."""
        rows = self.results.rows
        if not rows:
            return None
        chosen = self.selected_row()
        row = rows[chosen] if chosen is not None and 0 <= chosen < len(rows) else rows[-1]
        return bench_command(row.record)

    def copy_command(self) -> str | None:
        text = self.command()
        if text is not None:
            QGuiApplication.clipboard().setText(text)
        return text

    @Slot()
    def _on_copy_command_action_triggered(self) -> None:
        text = self.copy_command()
        self.status.showMessage(f"Copied: {text}" if text else "No run yet: nothing to copy.", 8000)

    def _save_plot_dialog(self, widget: pg.PlotWidget, what: str, name: str) -> None:
        path, chosen = QFileDialog.getSaveFileName(self.window, f"Save {what}", self._start_dir(name),
                                                   PLOT_FILTERS)
        if not path:
            return
        if not os.path.splitext(path)[1] and chosen == PLOT_SVG:
            path += ".svg"
        try:
            written = save_plot(widget, path, PNG_SCALES.get(chosen, PNG_SCALE))
        except ExportError as exc:
            self._failed(f"the {what}", exc)
        else:
            self._saved(f"the {what}", written)

    @Slot()
    def _on_save_cpu_plot_action_triggered(self) -> None:
        self._save_plot_dialog(self.plots["cpu"], "CPU plot", "concgui-cpu.png")

    @Slot()
    def _on_save_chart_action_triggered(self) -> None:
        self._save_plot_dialog(self.plots["comparison"], "comparison chart", "concgui-comparison.png")
