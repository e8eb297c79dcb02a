"""Render :class:`ReportData` to accessible HTML (Jinja2, autoescaped) and to PDF (WeasyPrint, same HTML)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jinja2

from sobre import __version__
from sobre.core.i18n import check_language, t
from sobre.reporting import fmt
from sobre.reporting.model import ReportData
from sobre.reporting.sections import (
    Cell,
    Table,
    breakdown_section,
    crit_label,
    hotspots_section,
    idle_section,
    methodology_sections,
    quality_section,
    recommendations_section,
    summary,
)

TEMPLATES = Path(__file__).parent / "templates"
BREAKDOWNS = ("stage", "category", "site", "department", "application")


def _env() -> jinja2.Environment:
    # Autoescape everything: inventory names are user data and may hold markup.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(data: ReportData, lang: str) -> str:
    """The report as one self-contained HTML page (CSS inlined, SVG charts inline, no JavaScript)."""
    check_language(lang)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    sections = [breakdown_section(data, data.breakdowns[b], lang) for b in BREAKDOWNS if b in data.breakdowns]
    reco, reco_cards = recommendations_section(data, lang)
    method, assumptions, sources = methodology_sections(data, lang)
    context = {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "data": data,
        "css": css,
        "summary": summary(data, lang),
        "summary_table": Table(
            t("summary.table_caption", lang),
            [
                t("summary.criterion", lang),
                t("summary.total", lang),
                t("col.range", lang),
                t("summary.per_employee", lang),
                t("summary.per_user", lang),
                t("col.unknown", lang),
            ],
            [
                [
                    Cell(f"{crit_label(data, x.criterion, lang)} ({fmt.unit(x.total.unit)})"),
                    Cell(fmt.num(x.total.value, lang), True),
                    Cell(fmt.rng(x.total.low, x.total.high, lang), True),
                    Cell(fmt.num(x.per_employee.value if x.per_employee else None, lang), True),
                    Cell(fmt.num(x.per_user.value if x.per_user else None, lang), True),
                    Cell(fmt.count(x.total.unknown, lang), True),
                ]
                for x in data.totals
            ],
        ),
        "breakdowns": sections,
        "hotspots": hotspots_section(data, lang),
        "idle": idle_section(data, lang),
        "quality": quality_section(data, lang),
        "reco": reco,
        "reco_cards": reco_cards,
        "extra_sections": data.extra_sections.get(lang, []),
        "method": method,
        "assumptions": assumptions,
        "sources": sources,
        "version": __version__,
        "run_id": data.run.run_id if data.run.run_id is not None else "—",
    }
    return _env().get_template("diagnosis.html.j2").render(**context)


def write_html(data: ReportData, lang: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(data, lang), encoding="utf-8")
    return path


def write_pdf(data: ReportData, lang: str, path: Path, *, html: str | None = None) -> Path:
    """The PDF made by WeasyPrint from the same HTML (its print CSS gives A4 pages and page numbers)."""
    import logging

    import weasyprint

    # WeasyPrint logs every CSS property it ignores (e.g. screen-only rules) at WARNING; that is noise here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    path.parent.mkdir(parents=True, exist_ok=True)
    html = html if html is not None else render_html(data, lang)
    weasyprint.HTML(string=svg_as_images(html), base_url=str(path.parent)).write_pdf(str(path))
    return path


_INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_TITLE = re.compile(r'<title id="[^"]*">(.*?)</title>', re.S)


def svg_as_images(html: str) -> str:
    """Inline charts → ``<img>`` with the same SVG as a data URI and the chart's title as ``alt``.

    WeasyPrint computes CSS styles for every element of the DOM, and a matplotlib chart has hundreds: as
    images, the same SVG is drawn by WeasyPrint's SVG renderer without the cascade, about twice as fast.
    """

    def replace(match: re.Match[str]) -> str:
        svg = match.group(0)
        if "xmlns=" not in svg[: svg.index(">")]:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        title = _SVG_TITLE.search(svg)
        alt = title.group(1) if title else ""  # already escaped for HTML by charts._accessible
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="chart" alt="{alt}" src="data:image/svg+xml;base64,{data}">'

    return _INLINE_SVG.sub(replace, html)
