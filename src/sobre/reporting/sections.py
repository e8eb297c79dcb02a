"""The report's sections as view objects (texts, tables, charts) in one language, built from ReportData.

The report is a list of sections assembled from data: ``BODY`` and ``ANNEX`` hold the builders, in order;
each returns a :class:`Section` or None (nothing to say).  Other capabilities add their part of the diagnosis
(maturity, action plan…) through the registry's ``report`` hook (``sobre.core.capabilities``): their sections
come in ``ReportData.extra_sections`` as rendered HTML and are placed before the recommendations.

Tables in the body show the main criterion, one figure and its range per cell and the unknown items in their
own column; tables of every criterion go to the annexes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sobre.core.i18n import t
from sobre.reporting import charts, fmt
from sobre.reporting.model import Breakdown, BreakdownRow, Figure, ReportData

#: Rows shown per table in the body; the exports hold all of them.
MAX_ROWS = 15
#: Rows a long table keeps in print (the PDF): the HTML report shows the others, the JSON export holds
#: every one.  WeasyPrint's time grows with the rows it lays out (line breaking of each cell), and the
#: tables of ten rows and more made most of the 100,000-item report's pages.
PRINT_ROWS = 8


@dataclass
class Cell:
    text: str
    num: bool = False
    sub: str = ""  # a second line, e.g. the range


@dataclass
class Table:
    caption: str
    head: list[str]
    rows: list[list[Cell]]
    note: str = ""
    #: Rows shown in print (None: all); :func:`print_cap` sets it with the note that says where the rest are.
    print_rows: int | None = None
    print_note: str = ""
    #: Left out of print altogether (:func:`print_elsewhere`): ``print_note`` names it and says where it is.
    print_omit: bool = False


@dataclass
class ChartView:
    id: str
    svg: str
    caption: str


@dataclass
class Section:
    id: str
    title: str
    chart: ChartView | None = None
    table: Table | None = None
    extra: list[Table] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    #: An HTML fragment another capability rendered (escaped by it), shown after the texts.
    html: str = ""
    #: Paragraphs after the tables (a closing remark, a list of facts too short for a table).
    after: list[str] = field(default_factory=list)
    #: Starts a new page in print (main parts only: no near-empty pages).
    page_break: bool = False
    #: Bullets shown in print (None: all), and the note that says where the others are.
    print_bullets: int | None = None
    print_note: str = ""


def print_cap(table: Table, lang: str, rows: int | None = None) -> Table:
    """``table`` showing its first ``rows`` (default :data:`PRINT_ROWS`) rows in print, with a note
    pointing to the others (the HTML shows every row; the screen note about the exports stays)."""
    rows = PRINT_ROWS if rows is None else rows
    if len(table.rows) > rows:
        table.print_rows = rows
        table.print_note = t("print.more_rows", lang, n=fmt.count(len(table.rows) - rows, lang))
    return table


def print_elsewhere(table: Table, name: str, lang: str) -> Table:
    """``table`` left to the HTML version and the exports in print, the PDF saying so in one sentence
    naming it (``name``).  For the annexes' tables of every criterion: what they add to the body is the
    other criteria, which the CSV, XLSX and JSON exports hold in full, and they made about a seventh of
    the PDF's work (WeasyPrint's function calls) for a tenth of its pages."""
    if table.rows:
        table.print_omit = True
        table.print_note = t("print.table_elsewhere", lang, name=name)
    return table


def print_cap_bullets(section: Section, lang: str, bullets: int | None = None) -> Section:
    """``section`` showing its first ``bullets`` (default :data:`PRINT_ROWS`) bullets in print, with a
    note pointing to the others."""
    bullets = PRINT_ROWS if bullets is None else bullets
    if len(section.bullets) > bullets:
        section.print_bullets = bullets
        section.print_note = t("print.more_items", lang, n=fmt.count(len(section.bullets) - bullets, lang))
    return section


Builder = Callable[[ReportData, str], "Section | None"]


def crit_label(data: ReportData, code: str, lang: str) -> str:
    c = data.criterion(code)
    return c.label_fr if lang == "fr" else c.label_en


def primary_label(data: ReportData, lang: str) -> str:
    return crit_label(data, data.primary, lang)


def partial_note(data: ReportData, code: str, lang: str) -> str:
    """'partial: manufacturing unknown for 3,000 items' for a criterion whose stages are partly unknown."""
    total = data.total(code)
    if not total.partial:
        return ""
    parts = [
        t("partial.stage", lang, stage=fmt.label("stage", s, s, lang).lower(), n=fmt.count(n, lang))
        for s, n in total.unknown_by_stage.items()
    ]
    return t("partial.note", lang, stages=", ".join(parts))


def figure_cell(fig: Figure | None, lang: str) -> Cell:
    """One figure and its range in one cell (the unknown count has its own column)."""
    if fig is None or fig.value is None:
        return Cell(fmt.num(None, lang), True)
    return Cell(fmt.quantity(fig, lang, with_range=False, approx=False), True, fmt.rng_q(fig, lang))


def bar_chart_view(
    chart_id: str, title: str, names: list[str], figures: list[Figure], lang: str, *, share: bool = False
) -> ChartView | None:
    """A bar chart of known figures with a text alternative naming its first values."""
    known = [(n, f) for n, f in zip(names, figures, strict=True) if f.value is not None]
    if not known:
        return None
    labels = [n for n, _ in known]
    values = [f for _, f in known]
    texts = [fmt.pct(f.value, lang) if share else fmt.quantity(f, lang, with_range=False) for f in values]
    svg = charts.bar_chart(
        chart_id,
        title,
        charts.describe(labels, texts, lang),
        labels,
        [f.value or 0.0 for f in values],
        [None if share else f.low for f in values],
        [None if share else f.high for f in values],
        "%" if share else values[0].unit,
        lang,
        value_format="share" if share else "number",
    )
    return ChartView(chart_id, svg, title)


def breakdown_table(data: ReportData, bd: Breakdown, lang: str, limit: int = MAX_ROWS) -> Table:
    """The main criterion of a breakdown: name, figure (range), share, unknown items."""
    rows = bd.for_criterion(data.primary)
    shown = rows[:limit]
    crit = primary_label(data, lang)
    head = [t("col.name", lang), crit, t("col.share", lang), t("col.unknown", lang)]
    body = [
        [
            Cell(fmt.label(bd.by, r.key, r.label, lang)),
            figure_cell(Figure(r.value, r.low, r.high, r.unit, r.unknown), lang),
            Cell(fmt.pct(r.share, lang), True),
            Cell(fmt.count(r.unknown, lang), True),
        ]
        for r in shown
    ]
    note = t("more_rows", lang, n=len(rows) - len(shown)) if len(rows) > len(shown) else ""
    return print_cap(Table(t(f"table.by_{bd.by}", lang, criterion=crit), head, body, note), lang)


def breakdown_section(data: ReportData, bd: Breakdown, lang: str, *, chart: bool = True) -> Section:
    title = t(f"section.by_{bd.by}", lang)
    section = Section(f"by-{bd.by}", title, table=breakdown_table(data, bd, lang))
    rows: list[BreakdownRow] = bd.for_criterion(data.primary)[:MAX_ROWS]
    if chart:
        section.chart = bar_chart_view(
            f"chart-{bd.by}",
            t("chart.title", lang, title=title, criterion=primary_label(data, lang)),
            [fmt.label(bd.by, r.key, r.label, lang) for r in rows],
            [Figure(r.value, r.low, r.high, r.unit, r.unknown) for r in rows],
            lang,
        )
    return section


# --------------------------------------------------------------------------- registry
BODY: list[Builder] = []
ANNEX: list[Builder] = []


def build_sections(data: ReportData, lang: str) -> tuple[list[Section], list[Section]]:
    """(body sections, annex sections) for ``data`` in ``lang``."""
    body = [s for s in (b(data, lang) for b in BODY) if s is not None]
    added = [Section(x.id, x.title, html=x.html, page_break=True) for x in data.extra_sections.get(lang, [])]
    at = next((i for i, s in enumerate(body) if s.id == "recommendations"), len(body))
    body[at:at] = added
    annex = [s for s in (b(data, lang) for b in ANNEX) if s is not None]
    return body, annex
