"""The maturity radar: current and target score per domain, as accessible SVG (HTML, PDF) or PNG (DOCX).

Both come from the shared geometry of :mod:`sobre.core.charts`, so the documents draw the same radar as
the pages.  The SVG keeps text as text and carries a title and a description; every chart is followed by a
table of the same figures.  Word documents cannot hold SVG through python-docx, hence the PNG, drawn with
Pillow from the same layout.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from sobre.core import charts

#: Scale of the PNG over the SVG's user units (sharp when printed at 14 cm wide).
_SCALE = 3


def _series(
    values: Sequence[float | None], targets: Sequence[float | None], legend: tuple[str, str]
) -> tuple[list[str], list[Sequence[float | None]]]:
    """The current scores, and the targets when any is set."""
    if any(v is not None for v in targets):
        return [legend[0], legend[1]], [values, targets]
    return [legend[0]], [values]


def radar_svg(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None],
    legend: tuple[str, str],
) -> str:
    """The radar as inline SVG markup (0–100 % scale); unknown scores are gaps, never points at zero."""
    names, rows = _series(values, targets, legend)
    return charts.radar_svg(chart_id, title, desc, labels, names, rows, maximum=100, tick_suffix=" %")


def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:  # no DejaVu on this system: Pillow's own scalable font
        return ImageFont.load_default(size)


def _dashed(draw, points: list[tuple[float, float]], colour: str, width: int) -> None:  # type: ignore[no-untyped-def]
    """A dashed polyline (Pillow draws only solid lines): 6 on, 4 off, in SVG units."""
    on, off = 6 * _SCALE, 4 * _SCALE
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        length = math.hypot(x2 - x1, y2 - y1)
        pos = 0.0
        while pos < length:
            end = min(pos + on, length)
            a, b = pos / length, end / length
            draw.line(
                [(x1 + (x2 - x1) * a, y1 + (y2 - y1) * a), (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b)],
                fill=colour,
                width=width,
            )
            pos += on + off


def radar_png(
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None],
    legend: tuple[str, str],
) -> bytes:
    """The same radar as a PNG, for the DOCX document."""
    from PIL import Image, ImageColor, ImageDraw

    names, rows = _series(values, targets, legend)
    layout = charts.radar(labels, names, rows, maximum=100)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * _SCALE, y * _SCALE

    image = Image.new("RGB", (int(layout.width * _SCALE), int(layout.height * _SCALE)), "white")
    draw = ImageDraw.Draw(image, "RGBA")
    small, normal = _font(11 * _SCALE), _font(12 * _SCALE)
    for ring in layout.extra["grid"]:
        pts = [at(*map(float, p.split(","))) for p in ring.split()]
        draw.polygon(pts, outline="#d0d0d0", width=_SCALE)
    anchors = {"start": "lm", "middle": "mm", "end": "rm"}
    for sp in layout.extra["spokes"]:
        draw.line([at(layout.plot_x, layout.plot_y), at(sp["x"], sp["y"])], fill="#d0d0d0", width=_SCALE)
        draw.text(
            at(sp["lx"], sp["ly"] - 4), sp["label"], fill="#1a1a1a", font=small, anchor=anchors[sp["anchor"]]
        )
    for tick in layout.ticks:
        draw.text(
            at(layout.plot_x + 4, tick.pos - 3),
            f"{tick.value:g} %",
            fill="#3b3b3b",
            font=_font(9 * _SCALE),
            anchor="ls",
        )
    for j, s in enumerate(layout.series):
        dots, known = [at(x, y) for x, y in s["dots"]], s["known"]
        if all(known) and dots:
            r, g, b = ImageColor.getrgb(s["colour"])[:3]
            draw.polygon(dots, fill=(r, g, b, 38))
        for run in charts.known_runs(known):
            line = [dots[i] for i in run]
            if j:
                _dashed(draw, line, s["colour"], 2 * _SCALE)
            elif len(line) > 1:
                draw.line(line, fill=s["colour"], width=2 * _SCALE, joint="curve")
        for (x, y), ok in zip(dots, known, strict=True):
            if ok:
                draw.ellipse(
                    [x - 3 * _SCALE, y - 3 * _SCALE, x + 3 * _SCALE, y + 3 * _SCALE], fill=s["colour"]
                )
        lx = s["x"]
        if j:
            _dashed(draw, [at(lx, 12), at(lx + 18, 12)], s["colour"], 3 * _SCALE)
        else:
            draw.line([at(lx, 12), at(lx + 18, 12)], fill=s["colour"], width=3 * _SCALE)
        draw.text(at(lx + 24, 16), s["name"], fill="#1a1a1a", font=normal, anchor="ls")
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
