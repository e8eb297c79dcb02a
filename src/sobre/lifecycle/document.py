"""A document (REEN strategy, AGEC/REEN figures, CSRD tables, yearly lifecycle report) as plain blocks of
text and tables, and its three renderings: accessible HTML (Jinja2, autoescaped), PDF (WeasyPrint, from the
same HTML) and XLSX (one sheet per table, numbers kept as numbers, text that a spreadsheet would run as a
formula neutralised)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from sobre import __version__
from sobre.core.documents import environment
from sobre.core.errors import InputError
from sobre.core.i18n import check_language, t

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf", "xlsx", "json")


@dataclass
class Cell:
    text: str
    num: bool = False
    sub: str = ""
    raw: Any = None  # the value written to XLSX (a number stays a number)
    status: str = ""  # an estimate's status (measured, input, modelled…), shown by the pages


@dataclass
class DocTable:
    id: str
    caption: str
    head: list[str]
    rows: list[list[Cell]]
    note: str = ""


@dataclass
class Block:
    id: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    tables: list[DocTable] = field(default_factory=list)
    chart: str | None = None  # inline SVG with its own title and description
    chart_caption: str = ""
    #: ``done``, or ``to_write`` for a block the law requires that nobody has written yet.
    status: str = "done"


@dataclass
class Document:
    kind: str
    lang: str
    title: str
    organisation: str
    period: str
    blocks: list[Block]
    sources: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)  # the figures, for JSON
    generated: date = field(default_factory=date.today)

    @property
    def to_write(self) -> list[Block]:
        return [b for b in self.blocks if b.status == "to_write"]


def _env() -> jinja2.Environment:
    return environment(TEMPLATES)


def render_html(doc: Document) -> str:
    check_language(doc.lang)
    css = (TEMPLATES / "document.css").read_text(encoding="utf-8")
    return (
        _env()
        .get_template("document.html.j2")
        .render(doc=doc, css=css, version=__version__, t=lambda key, **kw: t(key, doc.lang, **kw))
    )


def write_pdf(doc: Document, path: Path, html: str | None = None) -> Path:
    from sobre.core.pdf import html_to_pdf

    return html_to_pdf(html or render_html(doc), path, base_url=str(path.parent))


def _sheet_name(text: str, used: set[str]) -> str:
    base = "".join(c for c in text if c not in "[]:*?/\\")[:28] or "sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base[:25]} {n}", n + 1
    used.add(name.lower())
    return name


def write_xlsx(doc: Document, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from sobre.reporting.exports import neutralise

    book = Workbook(write_only=False)
    summary = book.active
    assert summary is not None
    summary.title = "Document"
    summary.append([doc.title])
    summary.append([doc.organisation, doc.period])
    summary.append([t("lc.doc.generated", doc.lang), doc.generated.isoformat(), f"Sobre {__version__}"])
    for block in doc.blocks:
        summary.append([])
        summary.append([neutralise(block.title), t(f"lc.doc.status.{block.status}", doc.lang)])
        for p in block.paragraphs + block.bullets:
            summary.append([neutralise(p)])
    summary["A1"].font = Font(bold=True, size=14)
    used = {"document"}
    for block in doc.blocks:
        for table in block.tables:
            ws = book.create_sheet(_sheet_name(table.id, used))
            ws.append([neutralise(table.caption)])
            ws["A1"].font = Font(bold=True)
            ws.append([neutralise(h) for h in table.head])
            for cell in ws[2]:
                cell.font = Font(bold=True)
            for row in table.rows:
                ws.append([c.raw if c.raw is not None else neutralise(c.text) for c in row])
            if table.note:
                ws.append([])
                ws.append([neutralise(table.note)])
    if doc.sources:
        ws = book.create_sheet(_sheet_name("sources", used))
        for s in doc.sources:
            ws.append([neutralise(s)])
    book.save(path)
    return path


def write(doc: Document, fmt: str, out: Path, stem: str) -> Path:
    """Write ``doc`` as ``fmt`` at ``out`` (a file, or a folder where ``<stem>-<lang>.<fmt>`` is made)."""
    import json

    if fmt not in FORMATS:
        raise InputError("unknown format", column="--format", value=fmt, expected=", ".join(FORMATS))
    if out.is_dir() or not out.suffix:
        out.mkdir(parents=True, exist_ok=True)
        out = out / f"{stem}-{doc.lang}.{fmt}"
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        out.write_text(render_html(doc), encoding="utf-8")
    elif fmt == "pdf":
        write_pdf(doc, out)
    elif fmt == "xlsx":
        write_xlsx(doc, out)
    else:
        out.write_text(
            json.dumps(doc.data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
        )
    return out
