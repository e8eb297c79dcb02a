"""Server-side SVG of the impact/effort matrix, the roadmap (Gantt-like) and an indicator's trend (pure).

Each function returns an accessible ``<svg role="img">`` string with a title and a description; the page or
document puts the data table beside it.  Every text is escaped here (action titles are user data).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape
from typing import Any

COLOURS = ("#1f5f8b", "#b35900", "#2e7d32", "#6a3d9a", "#8c2d04", "#005f5f")
_EFFORT_X = {"low": 0, "medium": 1, "high": 2}


def _open(id: str, title: str, desc: str, width: int, height: int) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" class="chart" role="img" aria-labelledby="{id}-t {id}-d" '
        f'focusable="false" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{escape(title)}</title>'
        f'<desc id="{id}-d">{escape(desc)}</desc>'
    )


def matrix(id: str, title: str, desc: str, actions: list[dict[str, Any]], labels: dict[str, str]) -> str:
    """Effort (low → high, columns) against avoided impact (the primary criterion, rows, log-free linear),
    one numbered dot per action; ``labels`` gives the axis texts (effort.low…, impact)."""
    w, h, left, top, pw, ph = 640, 360, 70, 20, 540, 290
    values = [float(a["impact"]) for a in actions if a.get("impact") is not None]
    top_value = max(values, default=0.0) or 1.0
    out = [_open(id, title, desc, w, h)]
    for i, key in enumerate(("low", "medium", "high")):
        x = left + i * pw / 3
        out.append(
            f'<rect x="{x:.1f}" y="{top}" width="{pw / 3:.1f}" height="{ph}" fill="none" stroke="#d0d0d0"/>'
        )
        out.append(
            f'<text x="{x + pw / 6:.1f}" y="{top + ph + 18}" text-anchor="middle" font-size="12" '
            f'fill="#1a1a1a">{escape(labels[key])}</text>'
        )
    out.append(
        f'<text x="16" y="{top + ph / 2:.1f}" transform="rotate(-90 16 {top + ph / 2:.1f})" '
        f'text-anchor="middle" font-size="12" fill="#1a1a1a">{escape(labels["impact"])}</text>'
    )
    out.append(
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11" fill="#3b3b3b">'
        f"{top_value:,.0f}</text>"
    )
    out.append(
        f'<text x="{left - 6}" y="{top + ph}" text-anchor="end" font-size="11" fill="#3b3b3b">0</text>'
    )
    per_cell: dict[int, int] = {}
    for n, a in enumerate(actions, start=1):
        if a.get("impact") is None:
            continue
        col = _EFFORT_X.get(a.get("effort") or "medium", 1)
        k = per_cell.get(col, 0)
        per_cell[col] = k + 1
        x = left + col * pw / 3 + 20 + (k % 8) * 20
        y = top + ph - 10 - (ph - 20) * float(a["impact"]) / top_value
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="{COLOURS[0]}"/>')
        out.append(
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle" font-size="10" fill="#fff">{n}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def roadmap(id: str, title: str, desc: str, actions: list[dict[str, Any]], today: date) -> str:
    """One bar per action from its start to its due date (actions without dates are left out), by year."""
    dated = [a for a in actions if a.get("start_date") and a.get("due_date")]
    row_h, left, top = 24, 230, 30
    w, h = 720, top + row_h * max(len(dated), 1) + 30
    out = [_open(id, title, desc, w, h)]
    if not dated:
        out.append("</svg>")
        return "".join(out)
    starts = [date.fromisoformat(a["start_date"]) for a in dated]
    dues = [date.fromisoformat(a["due_date"]) for a in dated]
    first, last = date(min(starts).year, 1, 1), date(max(dues).year + 1, 1, 1)
    span = max((last - first).days, 1)
    pw = w - left - 20

    def x(d: date) -> float:
        return left + pw * (d - first).days / span

    for year in range(first.year, last.year + 1):
        xs = x(date(year, 1, 1))
        out.append(f'<line x1="{xs:.1f}" x2="{xs:.1f}" y1="{top - 8}" y2="{h - 24}" stroke="#d0d0d0"/>')
        if year < last.year:
            out.append(f'<text x="{xs + 4:.1f}" y="{top - 12}" font-size="11" fill="#3b3b3b">{year}</text>')
    if first <= today < last:
        xt = x(today)
        out.append(
            f'<line x1="{xt:.1f}" x2="{xt:.1f}" y1="{top - 8}" y2="{h - 24}" stroke="#8c2d04" '
            'stroke-dasharray="4 3"/>'
        )
    for i, (a, s, d) in enumerate(zip(dated, starts, dues, strict=True)):
        y = top + i * row_h
        label = a["title"] if len(a["title"]) <= 34 else a["title"][:33] + "…"
        out.append(
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" font-size="12" fill="#1a1a1a">'
            f"{escape(label)}</text>"
        )
        colour = COLOURS[2] if a.get("status") == "done" else COLOURS[0]
        width = max(x(d + timedelta(days=1)) - x(s), 2.0)
        out.append(f'<rect x="{x(s):.1f}" y="{y + 4}" width="{width:.1f}" height="14" fill="{colour}"/>')
    out.append("</svg>")
    return "".join(out)


def trend(
    id: str,
    title: str,
    desc: str,
    points: list[tuple[str, float]],
    target: float | None,
    labels: dict[str, str],
) -> str:
    """An indicator's measurements over time as a line, with its target as a dashed line."""
    w, h, left, top, pw, ph = 560, 220, 60, 30, 480, 150
    values = [v for _, v in points] + ([target] if target is not None else [])
    high = max(values, default=1.0) or 1.0
    low = min(0.0, *values) if values else 0.0
    out = [_open(id, title, desc, w, h)]

    def y(v: float) -> float:
        return top + ph - ph * (v - low) / ((high - low) or 1.0)

    for v in (low, (low + high) / 2, high):
        out.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#d0d0d0"/>')
        out.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" fill="#3b3b3b">'
            f"{v:,.4g}</text>"
        )
    n = len(points)
    xs = [left + (pw * i / (n - 1) if n > 1 else pw / 2) for i in range(n)]
    if n:
        line = " ".join(f"{x:.1f},{y(v):.1f}" for x, (_, v) in zip(xs, points, strict=True))
        out.append(f'<polyline points="{line}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>')
        for x, (_, v) in zip(xs, points, strict=True):
            out.append(f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="3" fill="{COLOURS[0]}"/>')
        for i in sorted({0, n - 1}):
            out.append(
                f'<text x="{xs[i]:.1f}" y="{top + ph + 18}" text-anchor="middle" font-size="11" '
                f'fill="#3b3b3b">{escape(points[i][0])}</text>'
            )
    if target is not None:
        out.append(
            f'<line x1="{left}" x2="{left + pw}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
            f'stroke="{COLOURS[1]}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text x="{left + pw}" y="{y(target) - 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{COLOURS[1]}">{escape(labels["target"])}</text>'
        )
    out.append(
        f'<rect x="{left}" y="8" width="12" height="3" fill="{COLOURS[0]}"/>'
        f'<text x="{left + 16}" y="13" font-size="11" fill="#1a1a1a">{escape(labels["measured"])}</text>'
    )
    out.append("</svg>")
    return "".join(out)
