"""The maturity radar: current and target score per domain, as accessible SVG (HTML, PDF) or PNG (DOCX).

Matplotlib draws it on the server; text stays text in the SVG, the root carries ``role="img"`` with a title
and a description, and every chart is shown beside a table of the same figures.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

#: Okabe & Ito colour-blind-safe colours; the target is also dashed, so meaning never rests on colour alone.
CURRENT, TARGET = "#0072B2", "#D55E00"


def _figure(
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None],
    legend: tuple[str, str],
) -> Figure:
    n = len(labels)
    angles = [2 * math.pi * k / n for k in range(n)]
    fig = Figure(figsize=(6.4, 5.2))
    ax: Any = fig.add_subplot(projection="polar")  # a PolarAxes, which the stubs do not tell
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], ["25", "50", "75", "100 %"], fontsize=7, color="#333333")
    ax.set_xticks(angles, [_wrap(x) for x in labels], fontsize=8)
    closed = angles + angles[:1]
    # An unknown score is a gap in the line, never a point at zero (the table says "unknown").
    current = [v if v is not None else math.nan for v in values]
    ax.plot(
        closed, current + current[:1], color=CURRENT, linewidth=2, label=legend[0], marker="o", markersize=3
    )
    if all(v is not None for v in values):
        ax.fill(closed, current + current[:1], color=CURRENT, alpha=0.15)
    if any(v is not None for v in targets):
        target = [v if v is not None else math.nan for v in targets]
        ax.plot(closed, target + target[:1], color=TARGET, linewidth=1.5, linestyle="--", label=legend[1])
    ax.legend(loc="upper right", bbox_to_anchor=(1.18, 1.12), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _wrap(label: str, width: int = 18) -> str:
    words, lines, line = label.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    return "\n".join([*lines, line])


def radar_svg(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None],
    legend: tuple[str, str],
) -> str:
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": chart_id, "font.family": "DejaVu Sans"}
    ):
        fig = _figure(labels, values, targets, legend)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = re.sub(r"\A.*?(<svg\b)", r"\1", buf.getvalue(), count=1, flags=re.S)
    start, end = svg.index("<svg"), svg.index(">")
    opening = re.sub(r'\s(width|height)="[^"]*"', "", svg[start:end])
    opening += f' role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" id="{chart_id}" class="chart"'
    extra = (
        f'<title id="{chart_id}-title">{html.escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{html.escape(desc)}</desc>'
    )
    return svg[:start] + opening + ">" + extra + svg[end + 1 :]


def radar_png(
    labels: Sequence[str],
    values: Sequence[float | None],
    targets: Sequence[float | None],
    legend: tuple[str, str],
) -> bytes:
    with matplotlib.rc_context({"font.family": "DejaVu Sans"}):
        fig = _figure(labels, values, targets, legend)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150, metadata={"Software": None})
    return buf.getvalue()
