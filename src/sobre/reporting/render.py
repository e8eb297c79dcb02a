"""Render :class:`ReportData` to accessible HTML (Jinja2, autoescaped) and to PDF (WeasyPrint, same HTML)."""

from __future__ import annotations

import base64
import functools
import gc
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import jinja2

from sobre import __version__
from sobre.core.i18n import check_language, t
from sobre.reporting import annex, body  # noqa: F401  (register the report's sections)
from sobre.reporting.model import ReportData
from sobre.reporting.sections import build_sections

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _env() -> jinja2.Environment:
    # Autoescape everything: inventory names are user data and may hold markup.  One environment per
    # process: it keeps the compiled template (a fifth of a report's HTML time), and reloads it if the file
    # changes.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _period(data: ReportData, lang: str) -> str:
    from sobre.footprint.engine.profiles import year_before

    end = data.run.reference_date
    start = year_before(end) + timedelta(days=1)
    return t("cover.period_value", lang, start=start.isoformat(), end=end.isoformat())


def render_html(data: ReportData, lang: str) -> str:
    """The report as one self-contained HTML page (CSS inlined, SVG charts inline, no JavaScript)."""
    check_language(lang)
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    body_sections, annex_sections = build_sections(data, lang)
    org = data.organisation
    cover = {
        "period": _period(data, lang),
        "author": org.author or t("cover.author_default", lang, org=org.name),
        "version": org.report_version or "1",
        "issued": org.issued or data.run.created_at[:10] if data.run.created_at else org.issued or "—",
        "run": t(
            "cover.run_value",
            lang,
            run=data.run.run_id if data.run.run_id is not None else "—",
            set=data.run.factor_set_id,
            version=data.run.factor_set_version,
        ),
    }
    context = {
        "lang": lang,
        "t": lambda key, **kw: t(key, lang, **kw),
        "data": data,
        "css": css,
        "cover": cover,
        "body": body_sections,
        "annex": annex_sections,
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
    # PDF/UA-1: a tagged PDF (structure tree, reading order, alternative texts) whose language is the
    # document's <html lang>.
    with _collector_paused():
        document = weasyprint.HTML(string=svg_as_images(without_screen_only(html)), base_url=str(path.parent))
        document.write_pdf(str(path), pdf_variant="pdf/ua-1")
    return path


_pauses = 0
_pauses_lock = threading.Lock()
#: Whether the collector was on when the first pause began (so a caller's own ``gc.disable()`` holds).
_pauses_restore = [True]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while WeasyPrint runs, back on after the last PDF of the
    process is made (the web app may make two at once).

    WeasyPrint allocates a few hundred thousand small objects (boxes, styles, PDF objects); they set off
    full collections, each walking every object of the process, the report data included: about a fifth
    of the PDF's CPU.  Their cycles are collected as usual once the collector is back on.
    """
    global _pauses
    with _pauses_lock:
        _pauses += 1
        if _pauses == 1:
            _pauses_restore[0] = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
            if _pauses == 0 and _pauses_restore[0]:
                gc.enable()


_INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
#: Table rows and list items the print CSS hides (``sections.print_cap``); neither nests in the report.
_SCREEN_ONLY = re.compile(r'<(tr|li) class="screen-only">.*?</\1>', re.S)


def without_screen_only(html: str) -> str:
    """``html`` without the rows and items that print hides: WeasyPrint would still match every CSS rule
    against them (the cascade runs on the whole tree, laid out or not)."""
    return _SCREEN_ONLY.sub("", html)


_SVG_TITLE = re.compile(r'<title id="[^"]*">(.*?)</title>', re.S)


def svg_as_images(html: str) -> str:
    """Inline charts → ``<img>`` with the same SVG as a data URI and the chart's title as ``alt``.

    As images, the charts are drawn by WeasyPrint's SVG renderer without the CSS cascade, and the PDF's
    structure tree gets one figure with its alternative text per chart.
    """

    def replace(match: re.Match[str]) -> str:
        svg = match.group(0)
        if "xmlns=" not in svg[: svg.index(">")]:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        title = _SVG_TITLE.search(svg)
        alt = title.group(1) if title else ""  # already escaped for HTML by charts.bar_chart
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="chart" alt="{alt}" src="data:image/svg+xml;base64,{data}">'

    return _INLINE_SVG.sub(replace, html)
