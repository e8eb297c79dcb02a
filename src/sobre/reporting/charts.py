"""Server-side SVG charts with matplotlib, made accessible: role="img", a <title> and a <desc>.

Text stays text (``svg.fonttype = none``) so that it is searchable, scales and is read by assistive
technology; ids are salted per chart so that several charts can live in one page and output is deterministic.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot-free figure use below

from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from sobre.reporting import fmt  # noqa: E402

#: Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008).  Bars use one colour: meaning
#: never rests on colour alone, labels and the data table carry it.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
BAR_COLOUR = PALETTE[0]
MAX_LABEL = 38

_HEADER = re.compile(r"\A.*?(<svg\b)", re.S)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _accessible(svg: str, chart_id: str, title: str, desc: str) -> str:
    """Drop the XML prolog, add role/aria attributes and the title/desc elements to the root <svg>."""
    svg = _HEADER.sub(r"\1", svg, count=1)
    start = svg.index("<svg")
    end = svg.index(">", start)
    opening = svg[start:end]
    opening = re.sub(r'\s(width|height)="[^"]*"', "", opening)
    opening += (
        f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}"'
        f' class="chart" focusable="false"'
    )
    extra = (
        f'<title id="{chart_id}-title">{html.escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{html.escape(desc)}</desc>'
    )
    return svg[:start] + opening + ">" + extra + svg[end + 1 :]


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
    """A horizontal bar chart (largest on top) with range whiskers, as inline SVG markup."""
    n = len(labels)
    height = 0.9 + 0.34 * max(n, 1)
    with matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": chart_id,
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.edgecolor": "#333333",
            "axes.labelcolor": "#1a1a1a",
            "xtick.color": "#1a1a1a",
            "ytick.color": "#1a1a1a",
        }
    ):
        fig = MplFigure(figsize=(7.2, height))
        ax = fig.add_subplot()
        ys = list(range(n))[::-1]
        ax.barh(ys, values, color=BAR_COLOUR, height=0.62)
        err_lo = [max(v - lo, 0.0) if lo is not None else 0.0 for v, lo in zip(values, lows, strict=True)]
        err_hi = [max(hi - v, 0.0) if hi is not None else 0.0 for v, hi in zip(values, highs, strict=True)]
        if any(err_lo) or any(err_hi):
            ax.errorbar(
                values, ys, xerr=[err_lo, err_hi], fmt="none", ecolor="#1a1a1a", elinewidth=0.9, capsize=2
            )
        ax.set_yticks(ys, [_clip(x) for x in labels])
        formatter = (
            (lambda v, _p: fmt.pct(v, lang)) if value_format == "share" else (lambda v, _p: fmt.num(v, lang))
        )
        ax.xaxis.set_major_formatter(FuncFormatter(formatter))
        ax.set_xlabel(fmt.unit(unit) if value_format != "share" else "%")
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(left=0)
        top = max([h if h is not None else v for v, h in zip(values, highs, strict=True)] + [0.0])
        for y, v in zip(ys, values, strict=True):
            text = fmt.pct(v, lang) if value_format == "share" else fmt.num(v, lang)
            ax.text(v + top * 0.01, y + 0.32, text, va="center", fontsize=7.5, color="#1a1a1a")
        ax.set_xlim(0, top * 1.12 if top > 0 else 1)
        fig.tight_layout()
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    return _accessible(buf.getvalue(), chart_id, title, desc)


def describe(labels: Sequence[str], texts: Sequence[str], lang: str, limit: int = 5) -> str:
    """The chart's text alternative: its first items in words, the table holds the rest."""
    from sobre.core.i18n import t

    items = "; ".join(f"{label}: {text}" for label, text in list(zip(labels, texts, strict=True))[:limit])
    return t("chart.desc", lang, items=items)
