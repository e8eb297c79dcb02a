"""Geometry of the server-rendered SVG charts: bar, stacked bar, line/trend and radar.

Pure functions over plain numbers, shared by the pages and the diagnosis report: the Jinja macros in
``web/macros/charts.html`` and :mod:`sobre.reporting.charts` draw the shapes and follow each chart with its
data table.  Colours come from Okabe & Ito's colour-blind-safe palette (2008); meaning
never rests on colour alone (labels, legend and the table carry it).  Styles are SVG attributes, never
``style=""``, so the Content-Security-Policy needs no ``unsafe-inline``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
MAX_LABEL = 32


def clip(text: str, limit: int = MAX_LABEL) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high`` (1, 2, 2.5 or 5 × 10ⁿ steps)."""
    if not high or high <= 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    if raw <= 0:  # subnormal values: no nicer scale than [0, high]
        return [0.0, float(high)]
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    count_needed = math.ceil(high / step - 1e-9)
    return [float(f"{k * step:.12g}") for k in range(count_needed + 1)]


@dataclass(frozen=True)
class Tick:
    value: float
    pos: float


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float | None
    y: float
    width: float
    low_x: float | None = None
    high_x: float | None = None


@dataclass(frozen=True)
class Segment:
    series: int
    x: float
    width: float
    value: float


@dataclass(frozen=True)
class StackRow:
    label: str
    y: float
    segments: list[Segment]
    total: float


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    plot_x: float
    plot_y: float
    plot_w: float
    plot_h: float
    ticks: list[Tick]
    colours: tuple[str, ...] = PALETTE
    rows: list = field(default_factory=list)  # BarRow | StackRow
    series: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def tick_digits(self) -> int:
        """Decimals the tick labels need to differ (0.2 steps: 1; 5 steps: 0)."""
        if len(self.ticks) < 2:
            return 0
        step = abs(self.ticks[1].value - self.ticks[0].value)
        if step <= 0 or not math.isfinite(step):
            return 0
        exponent = Decimal(f"{step:.12g}").normalize().as_tuple().exponent
        return min(12, max(0, -int(exponent)))


def _legend_x(j: int, count: int, width: float) -> float:
    """Where legend entry ``j`` of ``count`` starts: 150 apart, closer when that would overflow ``width``."""
    return 8 + j * min(150.0, (width - 16) / max(count, 1))


def _scale(value: float, top: float, length: float) -> float:
    return 0.0 if top <= 0 else max(0.0, value) / top * length


def bar(
    labels: Sequence[str],
    values: Sequence[float | None],
    lows: Sequence[float | None] | None = None,
    highs: Sequence[float | None] | None = None,
    *,
    width: float = 640,
    row_height: float = 24,
    label_width: float = 190,
    label_limit: int = MAX_LABEL,
    right: float = 16,
) -> Layout:
    """Horizontal bars (long labels stay readable), with an optional low–high range whisker.

    ``right`` is the room kept right of the plot (for value labels at the bars' ends).
    """
    lows = lows or [None] * len(values)
    highs = highs or [None] * len(values)
    top_value = max([v for v in [*values, *highs] if v is not None] or [0.0])
    ticks = nice_ticks(top_value)
    top = ticks[-1]
    plot_x, plot_y = label_width, 8.0
    plot_w = width - label_width - right
    rows = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        low, high = lows[i], highs[i]
        rows.append(
            BarRow(
                clip(label, label_limit),
                value,
                plot_y + i * row_height,
                _scale(value or 0.0, top, plot_w),
                None if low is None else plot_x + _scale(low, top, plot_w),
                None if high is None else plot_x + _scale(high, top, plot_w),
            )
        )
    plot_h = len(rows) * row_height
    return Layout(
        width,
        plot_y + plot_h + 28,
        plot_x,
        plot_y,
        plot_w,
        plot_h,
        [Tick(t, plot_x + _scale(t, top, plot_w)) for t in ticks],
        rows=rows,
    )


def stacked(
    labels: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    width: float = 640,
    row_height: float = 24,
    label_width: float = 190,
) -> Layout:
    """Horizontal stacked bars: ``values[row][series]``; missing parts count as nothing drawn, not zero."""
    totals = [sum(v for v in row if v is not None and v > 0) for row in values]
    ticks = nice_ticks(max(totals or [0.0]))
    top = ticks[-1]
    legend_h = 22.0
    plot_x, plot_y = label_width, 8.0 + legend_h
    plot_w = width - label_width - 16
    rows = []
    for i, (label, row) in enumerate(zip(labels, values, strict=True)):
        x = plot_x
        segments = []
        for j, value in enumerate(row):
            if value is None or value <= 0:
                continue
            w = _scale(value, top, plot_w)
            segments.append(Segment(j, x, w, value))
            x += w
        rows.append(StackRow(clip(label), plot_y + i * row_height, segments, totals[i]))
    plot_h = len(rows) * row_height
    legend = [
        {"name": clip(name, 24), "colour": PALETTE[j % len(PALETTE)], "x": _legend_x(j, len(series), width)}
        for j, name in enumerate(series)
    ]
    return Layout(
        width,
        plot_y + plot_h + 28,
        plot_x,
        plot_y,
        plot_w,
        plot_h,
        [Tick(t, plot_x + _scale(t, top, plot_w)) for t in ticks],
        rows=rows,
        series=legend,
    )


def line(
    x_labels: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    width: float = 640,
    height: float = 260,
) -> Layout:
    """Lines over ordered points (years, months): ``values[series][point]``; a gap where one is missing."""
    flat = [v for s in values for v in s if v is not None]
    ticks = nice_ticks(max(flat or [0.0]))
    top = ticks[-1]
    plot_x, plot_y = 56.0, 30.0
    plot_w, plot_h = width - plot_x - 16, height - plot_y - 36
    n = len(x_labels)

    def x_at(i: int) -> float:
        return plot_x + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    lines = []
    for j, (name, points) in enumerate(zip(series, values, strict=True)):
        runs: list[list[tuple[float, float]]] = [[]]
        dots = []
        for i, value in enumerate(points):
            if value is None:
                runs.append([])
                continue
            p = (round(x_at(i), 2), round(plot_y + plot_h - _scale(value, top, plot_h), 2))
            runs[-1].append(p)
            dots.append(p)
        paths = [" ".join(f"{x},{y}" for x, y in run) for run in runs if run]
        lines.append(
            {
                "name": clip(name, 24),
                "colour": PALETTE[j % len(PALETTE)],
                "paths": paths,
                "dots": dots,
                "x": _legend_x(j, len(series), width),
            }
        )
    return Layout(
        width,
        height,
        plot_x,
        plot_y,
        plot_w,
        plot_h,
        [Tick(t, plot_y + plot_h - _scale(t, top, plot_h)) for t in ticks],
        series=lines,
        extra={
            "x_labels": [
                {"text": clip(label, 12), "x": round(x_at(i), 2)} for i, label in enumerate(x_labels)
            ]
        },
    )


def radar(
    axes: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    maximum: float,
    size: float = 420,
    rings: int = 4,
    label_room: float = 110,
) -> Layout:
    """A radar (maturity per domain): ``values[series][axis]`` on a 0–``maximum`` scale.

    An unknown value (``None``) is no point: its series' line has a gap there (``paths`` holds the runs of
    known axes, ``polygon`` is empty unless every axis is known) and the axis is marked unknown (``marks``
    and the spoke's ``unknown`` flag), because drawing it at the centre would read as a score of zero.
    ``dots`` keeps one position per axis (the centre where unknown) for callers that index it by axis.
    ``label_room`` widens the drawing on both sides so that axis labels written beside the spokes fit.
    """
    centre = size / 2
    cx = centre + label_room
    radius = size / 2 - 70
    n = max(len(axes), 1)

    def point(i: int, fraction: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return (
            round(cx + radius * fraction * math.cos(angle), 2),
            round(centre + radius * fraction * math.sin(angle), 2),
        )

    grid = [
        " ".join(f"{x},{y}" for x, y in (point(i, k / rings) for i in range(n))) for k in range(1, rings + 1)
    ]
    spokes = []
    for i, name in enumerate(axes):
        x, y = point(i, 1.0)
        lx, ly = point(i, 1.18)
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        spokes.append({"x": x, "y": y, "label": clip(name, 20), "lx": lx, "ly": ly + 4, "anchor": anchor})
    shapes = []
    for j, (name, row) in enumerate(zip(series, values, strict=True)):
        pts = [
            point(i, min(max((v or 0.0) / maximum, 0.0), 1.0) if maximum else 0.0) for i, v in enumerate(row)
        ]
        known = [v is not None for v in row]
        shapes.append(
            {
                "name": clip(name, 24),
                "colour": PALETTE[j % len(PALETTE)],
                "points": " ".join(f"{x},{y}" for x, y in pts),
                "polygon": " ".join(f"{x},{y}" for x, y in pts) if all(known) else "",
                "paths": [
                    " ".join(f"{pts[i][0]},{pts[i][1]}" for i in run)
                    for run in known_runs(known)
                    if len(run) > 1  # a lone known axis is its dot
                ],
                "dots": pts,
                "known_dots": [p for p, ok in zip(pts, known, strict=True) if ok],
                "known": known,
                "x": 8 + j * 150,
            }
        )
    unknown = [any(row[i] is None for row in values) for i in range(len(axes))]
    for i, spoke in enumerate(spokes):
        spoke["unknown"] = unknown[i]
    # Where an axis is unknown, a hollow dashed ring sits on its spoke's end: seen without colour, and
    # nowhere near the centre that would mean zero.
    marks = [{"x": sp["x"], "y": sp["y"]} for sp in spokes if sp["unknown"]]
    return Layout(
        size + 2 * label_room,
        size,
        cx,
        centre,
        radius,
        radius,
        [Tick(maximum * k / rings, centre - radius * k / rings) for k in range(1, rings + 1)],
        series=shapes,
        extra={"grid": grid, "spokes": spokes, "marks": marks},
    )


def known_runs(known: Sequence[bool]) -> list[list[int]]:
    """The runs of consecutive known axes of a closed radar line, as index lists (wrapping past the last).

    An unknown value is a gap in the line, never a point at the centre (zero)."""
    n = len(known)
    if all(known):
        return [[*range(n), 0]] if n else []
    start = next(i for i in range(n) if not known[i])  # begin after a gap so no run is cut in two
    runs: list[list[int]] = []
    run: list[int] = []
    for k in range(1, n + 1):
        i = (start + k) % n
        if known[i]:
            run.append(i)
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def radar_svg(
    chart_id: str,
    title: str,
    desc: str,
    axes: Sequence[str],
    series: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    maximum: float,
    tick_suffix: str = "",
) -> str:
    """A whole radar as standalone SVG markup (documents, where no template macro is at hand).

    The root is an image (``role="img"``) labelled by its ``<title>`` and ``<desc>`` (ids
    ``<chart_id>-title`` and ``<chart_id>-desc``); the caller follows it with the table of the same figures.
    Unknown values are gaps; the second series and after are dashed so that they differ without colour.
    """
    e = html.escape
    cid = e(chart_id)
    layout = radar(axes, series, values, maximum=maximum)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.width:g} {layout.height:g}" '
        f'class="chart" id="{cid}" role="img" aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{e(title)}</title><desc id="{cid}-desc">{e(desc)}</desc>',
        '<g class="legend">',
    ]
    for j, s in enumerate(layout.series):
        dash = ' stroke-dasharray="6 4"' if j else ""
        parts.append(
            f'<line x1="{s["x"]}" y1="12" x2="{s["x"] + 18}" y2="12" stroke="{s["colour"]}" '
            f'stroke-width="3"{dash}/>'
            f'<text x="{s["x"] + 24}" y="16" font-size="12" fill="#1a1a1a">{e(s["name"])}</text>'
        )
    parts.append("</g>")
    parts += [f'<polygon points="{g}" fill="none" stroke="#d0d0d0"/>' for g in layout.extra["grid"]]
    for sp in layout.extra["spokes"]:
        parts.append(
            f'<line x1="{layout.plot_x}" y1="{layout.plot_y}" x2="{sp["x"]}" y2="{sp["y"]}" '
            'stroke="#d0d0d0"/>'
            f'<text x="{sp["lx"]}" y="{sp["ly"]}" text-anchor="{sp["anchor"]}" font-size="11" '
            f'fill="#1a1a1a">{e(sp["label"])}</text>'
        )
    for tick in layout.ticks:
        parts.append(
            f'<text x="{layout.plot_x + 4:g}" y="{tick.pos - 3:g}" font-size="9" fill="#3b3b3b">'
            f"{tick.value:g}{e(tick_suffix)}</text>"
        )
    for j, s in enumerate(layout.series):
        dash = ' stroke-dasharray="6 4"' if j else ""
        dots, known = s["dots"], s["known"]
        if all(known):
            parts.append(
                f'<polygon points="{s["points"]}" fill="{s["colour"]}" fill-opacity="0.15" '
                f'stroke="{s["colour"]}" stroke-width="2"{dash}/>'
            )
        else:
            for run in (r for r in known_runs(known) if len(r) > 1):  # a lone point is its dot
                points = " ".join(f"{dots[i][0]},{dots[i][1]}" for i in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{s["colour"]}" stroke-width="2"{dash}/>'
                )
        parts += [
            f'<circle cx="{x}" cy="{y}" r="3" fill="{s["colour"]}"/>'
            for (x, y), ok in zip(dots, known, strict=True)
            if ok
        ]
    parts += [
        f'<circle cx="{m["x"]}" cy="{m["y"]}" r="5" fill="#fff" stroke="#1a1a1a" stroke-width="1.5" '
        'stroke-dasharray="2 2"/>'
        for m in layout.extra["marks"]
    ]
    parts.append("</svg>")
    return "".join(parts)
