"""Render :class:`ReportData` to accessible HTML (Jinja2, autoescaped) and to PDF (WeasyPrint, same HTML)."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import jinja2
import markupsafe

from sobre import __version__
from sobre.core import pdf
from sobre.core.documents import environment
from sobre.core.i18n import LANGUAGES, check_language, t
from sobre.reporting import annex, body  # noqa: F401  (register the report's sections)
from sobre.reporting.model import ReportData
from sobre.reporting.sections import build_sections

TEMPLATES = Path(__file__).parent / "templates"


def _env() -> jinja2.Environment:
    # One environment per process keeps the compiled template (a fifth of a report's HTML time).
    return environment(TEMPLATES)


def _period(data: ReportData, lang: str) -> str:
    from sobre.footprint.engine.profiles import year_before

    end = data.run.reference_date
    start = year_before(end) + timedelta(days=1)
    return t("cover.period_value", lang, start=start.isoformat(), end=end.isoformat())


def _style(lang: str) -> str:
    """The report's stylesheet in ``lang`` (the page footer's word), as the page's ``<style>`` holds it."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    page = markupsafe.escape(t("report.page", lang))
    return f'{css}\n@page {{ @bottom-right {{ content: "{page} " counter(page) " / " counter(pages); }} }}'


def render_html(data: ReportData, lang: str) -> str:
    """The report as one self-contained HTML page (CSS inlined, SVG charts inline, no JavaScript)."""
    check_language(lang)
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
        "style": _style(lang),
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
    html = html if html is not None else render_html(data, lang)
    # PDF/UA-1: a tagged PDF (structure tree, reading order, alternative texts) whose language is the
    # document's <html lang>.
    return pdf.html_to_pdf(without_screen_only(html), path, base_url=str(path.parent), pdf_variant="pdf/ua-1")


def warm_pdf(languages: Sequence[str] = LANGUAGES) -> threading.Thread:
    """Import and warm WeasyPrint in the background, the report's stylesheet in each of ``languages``
    parsed (:func:`sobre.core.pdf.warm`): call it when a report's PDF is asked for, before reading its
    data, with the language it will be in (parsing one it will not be in costs as much as the one it is)."""
    return pdf.warm(lambda: [_style(lang).strip() for lang in languages])


#: Table rows and list items the print CSS hides (``sections.print_cap``); neither nests in the report.
_SCREEN_ONLY = re.compile(r'<(tr|li) class="screen-only">.*?</\1>', re.S)
#: Whole tables left out of print (``sections.print_elsewhere``), up to their wrapper's marked end.
_PRINT_OMIT = re.compile(r'<div class="screen-only" data-print-omit>.*?</div><!-- end print-omit -->', re.S)


def without_screen_only(html: str) -> str:
    """``html`` without the tables, rows and items that print hides: WeasyPrint would still match every
    CSS rule against them (the cascade runs on the whole tree, laid out or not)."""
    return _SCREEN_ONLY.sub("", _PRINT_OMIT.sub("", html))
