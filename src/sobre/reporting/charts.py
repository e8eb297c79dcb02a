"""The report's SVG charts, drawn from the geometry the pages use (:mod:`sobre.core.charts`).

Plain SVG written as text: a few dozen elements per chart, text kept as text (searchable, scalable, read by
assistive technology), ``role="img"`` with a ``<title>`` and a ``<desc>``.  Each chart is followed by its data
table in the report.  Drawing is string formatting only, so a chart costs well under a millisecond and the
same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from sobre.core import charts as geometry
from sobre.reporting import fmt

#: Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), as on the pages.  Bars use one
#: colour: meaning never rests on colour alone, labels and the data table carry it.
PALETTE = geometry.PALETTE
BAR_COLOUR = PALETTE[0]
MAX_LABEL = 38
TEXT = "#1a1a1a"
GRID = "#d0d0d0"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'


def _n(value: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float],
    lows: Sequence[float | None],
    highs: Sequence[float | None],
    unit: str,
    lang: str,
    *,
    value_format: str = "number",
) -> str:
    """A horizontal bar chart (first value on top) with range whiskers, as inline SVG markup."""
    share = value_format == "share"
    text_of = (lambda v: fmt.pct(v, lang)) if share else (lambda v: fmt.num(v, lang))
    layout = geometry.bar(
        labels, values, lows, highs, width=720, label_width=250, label_limit=MAX_LABEL, right=84
    )
    axis_y = layout.plot_y + layout.plot_h
    height = layout.height + 18
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(layout.width)} {_n(height)}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" class="chart" '
        f'focusable="false" {FONT}>',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        '<g class="grid" font-size="11" fill="#3b3b3b" text-anchor="middle">',
    ]
    for tick in layout.ticks:
        x = _n(tick.pos)
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{_n(layout.plot_y)}" y2="{_n(axis_y)}" stroke="{GRID}"/>'
            f'<text x="{x}" y="{_n(axis_y + 16)}">{escape(text_of(tick.value))}</text>'
        )
    parts.append("</g>")
    parts.append(
        f'<line x1="{_n(layout.plot_x)}" x2="{_n(layout.plot_x)}" y1="{_n(layout.plot_y)}" '
        f'y2="{_n(axis_y)}" stroke="#333333"/>'
    )
    parts.append(f'<g font-size="12" fill="{TEXT}">')
    for row in layout.rows:
        y = row.y
        parts.append(
            f'<text x="{_n(layout.plot_x - 6)}" y="{_n(y + 15)}" text-anchor="end">{escape(row.label)}</text>'
        )
        if row.value is None:
            continue
        parts.append(
            f'<rect x="{_n(layout.plot_x)}" y="{_n(y + 4)}" width="{_n(row.width)}" height="14" '
            f'fill="{BAR_COLOUR}"/>'
        )
        end = layout.plot_x + row.width
        if row.low_x is not None and row.high_x is not None and row.high_x > row.low_x:
            lo, hi = _n(row.low_x), _n(row.high_x)
            parts.append(
                f'<path d="M{lo} {_n(y + 11)}H{hi}M{lo} {_n(y + 7)}v8M{hi} {_n(y + 7)}v8" '
                f'stroke="{TEXT}" fill="none"/>'
            )
            end = max(end, row.high_x)
        parts.append(
            f'<text x="{_n(end + 4)}" y="{_n(y + 15)}" font-size="10.5">{escape(text_of(row.value))}</text>'
        )
    parts.append("</g>")
    axis_label = "%" if share else fmt.unit(unit)
    if axis_label:
        parts.append(
            f'<text x="{_n(layout.plot_x + layout.plot_w / 2)}" y="{_n(height - 6)}" font-size="11" '
            f'fill="{TEXT}" text-anchor="middle">{escape(axis_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def describe(labels: Sequence[str], texts: Sequence[str], lang: str, limit: int = 5) -> str:
    """The chart's text alternative: its first items in words, the table holds the rest."""
    from sobre.core.i18n import t

    items = "; ".join(f"{label}: {text}" for label, text in list(zip(labels, texts, strict=True))[:limit])
    return t("chart.desc", lang, items=items)
