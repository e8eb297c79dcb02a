"""Documents from assessments: the eco-design declaration (RGESN), the accessibility declaration (RGAA) and a
maturity summary, in French or English, as HTML, PDF (WeasyPrint, from the same HTML) or DOCX (python-docx).

Each document is first built as a neutral list of blocks (headings, paragraphs, lists, tables, charts), so
that the HTML and the DOCX say the same thing.  Their outlines follow the official models: the RGESN 2024
"modèle de déclaration d'écoconception" (Arcep, May 2024) and the RGAA "déclaration d'accessibilité" format
(DINUM, accessibilite.numerique.gouv.fr, obligations).  The referential's attribution closes every document.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.orm import Session

from sobre import __version__
from sobre.assessment import service as svc
from sobre.assessment.referentials import Package, text
from sobre.core.documents import environment
from sobre.core.errors import InputError
from sobre.core.estimate import Estimate
from sobre.core.i18n import format_number, t

TEMPLATES = Path(__file__).parent / "templates"
FORMATS = ("html", "pdf", "docx")


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    note: bool = False


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()


@dataclass
class Chart:
    """A radar, drawn when a format asks for it: SVG for HTML and PDF, PNG for DOCX."""

    chart_id: str
    title: str
    desc: str
    labels: list[str]
    values: list[float | None]
    targets: list[float | None]
    legend: tuple[str, str]

    @property
    def caption(self) -> str:
        return self.title

    def svg(self) -> str:
        from sobre.assessment.charts import radar_svg

        return radar_svg(
            self.chart_id, self.title, self.desc, self.labels, self.values, self.targets, self.legend
        )

    def png(self) -> bytes:
        from sobre.assessment.charts import radar_png

        return radar_png(self.labels, self.values, self.targets, self.legend)

    def img(self) -> str:
        """The SVG as a data URI, shown with the description as its text alternative (vector in the PDF)."""
        import base64

        return "data:image/svg+xml;base64," + base64.b64encode(self.svg().encode("utf-8")).decode("ascii")


Block = Heading | Para | Bullets | Table | Chart


@dataclass
class Document:
    kind: str
    lang: str
    title: str
    subtitle: str
    blocks: list[Block] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)


def pct(e: Estimate | dict[str, Any] | None, lang: str) -> str:
    """A score as text: "72,5 %", with its range when the range is wide, or "unknown" with nothing else."""
    if e is None:
        return t("assessment.doc.unknown", lang)
    value, low, high = (
        (e.value, e.low, e.high) if isinstance(e, Estimate) else (e["value"], e["low"], e["high"])
    )
    if value is None:
        return t("assessment.doc.unknown", lang)
    out = f"{format_number(value, lang, 1)}\u00a0%"
    if low is not None and high is not None and high - low > 0.05:
        out += f" [{format_number(low, lang, 1)}–{format_number(high, lang, 1)}]"
    return out


def long_date(value: date | str, lang: str) -> str:
    from babel.dates import format_date

    day = date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format="long", locale="fr_FR" if lang == "fr" else "en_GB")


def attribution_lines(package: Package, lang: str) -> list[str]:
    lines = [text(package.attribution, lang)]
    if package.licence_url:
        lines.append(f"{t('assessment.doc.licence', lang)} {package.licence} — {package.licence_url}")
    if package.modified:
        lines.append(text(package.modified, lang))
    return lines


def _justification(answer: svc.AnswerView | None) -> str:
    if answer is None:
        return ""
    parts = [answer.comment or ""]
    parts += [e.text or "" for e in answer.evidence if e.kind == "text"]
    parts += [e.url or "" for e in answer.evidence if e.kind == "link"]
    parts += [f"[{e.file_name}]" for e in answer.evidence if e.kind == "file"]
    return " — ".join(p for p in parts if p)


# -- rendering ----------------------------------------------------------------------------------------------


def build(session: Session, org: str, assessment_id: int, lang: str) -> Document:
    from sobre.assessment import documents

    view = svc.get(session, org, assessment_id)
    result = svc.score(session, org, assessment_id, lang)
    builder = {"rgesn": documents.rgesn, "rgaa": documents.rgaa, "maturity": documents.maturity}[view.kind]
    return builder(session, org, view, result, lang)


def _env() -> jinja2.Environment:
    return environment(TEMPLATES)


def render_blocks(blocks: list[Block], lang: str) -> str:
    """Blocks as an HTML fragment (for a section of another page, such as the diagnosis report)."""
    return (
        _env()
        .get_template("blocks.html.j2")
        .render(
            blocks=blocks,
            t=lambda key, **kw: t(key, lang, **kw),
            kind_of=lambda block: type(block).__name__.lower(),
            for_pdf=False,
        )
    )


def render_html(doc: Document, *, for_pdf: bool = False) -> str:
    env = _env()
    css = (TEMPLATES / "document.css").read_text(encoding="utf-8")
    return env.get_template("document.html.j2").render(
        doc=doc,
        css=css,
        version=__version__,
        t=lambda key, **kw: t(key, doc.lang, **kw),
        kind_of=lambda block: type(block).__name__.lower(),
        for_pdf=for_pdf,
    )


def write_pdf(doc: Document, path: Path, html: str | None = None) -> Path:
    from sobre.core.pdf import html_to_pdf

    return html_to_pdf(html or render_html(doc, for_pdf=True), path, base_url=str(path.parent))


def write_docx(doc: Document, path: Path) -> Path:
    import docx
    from docx.shared import Cm, Pt

    out = docx.Document()
    out.core_properties.title = doc.title
    out.core_properties.language = doc.lang
    out.core_properties.author = "Sobre"
    out.styles["Normal"].font.size = Pt(10)
    out.add_heading(doc.title, level=0)
    out.add_paragraph(doc.subtitle)
    for block in doc.blocks:
        if isinstance(block, Heading):
            out.add_heading(block.text, level=min(block.level - 1, 3) or 1)
        elif isinstance(block, Para):
            p = out.add_paragraph(block.text)
            if block.note:
                for run in p.runs:
                    run.italic = True
        elif isinstance(block, Bullets):
            for entry in block.items:
                out.add_paragraph(entry, style="List Bullet")
        elif isinstance(block, Table):
            out.add_paragraph(block.caption).runs[0].bold = True
            table = out.add_table(rows=1, cols=len(block.head))
            table.style = "Table Grid"
            for cell, label in zip(table.rows[0].cells, block.head, strict=True):
                cell.text = label
                cell.paragraphs[0].runs[0].bold = True
            for row in block.rows:
                for cell, value in zip(table.add_row().cells, row, strict=True):
                    cell.text = value
        else:
            out.add_picture(io.BytesIO(block.png()), width=Cm(14))
            out.add_paragraph(block.caption).runs[0].italic = True
    out.add_heading(t("assessment.doc.sources", doc.lang), level=2)
    for line in doc.attribution:
        out.add_paragraph(line)
    out.add_paragraph(t("assessment.doc.generated", doc.lang, version=__version__))
    out.save(str(path))
    return path


def write(session: Session, org: str, assessment_id: int, fmt: str, lang: str, target: Path) -> Path:
    """Write the assessment's document as ``fmt`` into ``target`` (a file, or a folder to put it in)."""
    if fmt not in FORMATS:
        raise InputError("unknown format", column="--format", value=fmt, expected=", ".join(FORMATS))
    doc = build(session, org, assessment_id, lang)
    name = {
        "rgesn": "declaration-ecoconception",
        "rgaa": "declaration-accessibilite",
        "maturity": "maturite",
    }[doc.kind]
    path = target / f"{name}-{assessment_id}-{lang}.{fmt}" if target.is_dir() or not target.suffix else target
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        path.write_text(render_html(doc), encoding="utf-8")
    elif fmt == "pdf":
        write_pdf(doc, path)
    else:
        write_docx(doc, path)
    return path
