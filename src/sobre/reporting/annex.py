"""The annexes: every criterion per breakdown, methodology, assumptions and default values, the raw source
list, the engine's warnings and the import batches (builders registered in ``sections.ANNEX``)."""

from __future__ import annotations

from pathlib import Path

from sobre.core.i18n import has, t
from sobre.footprint.engine.messages import describe
from sobre.reporting import fmt
from sobre.reporting.model import BreakdownRow, ReportData, Source
from sobre.reporting.sections import (
    ANNEX,
    Cell,
    Section,
    Table,
    crit_label,
    partial_note,
    print_cap,
    print_cap_bullets,
    print_elsewhere,
)

#: Rows per table in the annexes (the exports hold every row).
ANNEX_ROWS = 20
#: Labels of the parameters in a default's source ("lifetime: ADEME …; power: …").
SOURCE_PARAMETERS = ("lifetime", "energy", "power", "profile", "cpu_threads", "note")


def _value_cell(row: BreakdownRow | None, lang: str) -> Cell:
    if row is None or row.value is None:
        return Cell(fmt.num(None, lang), True)
    sub = fmt.rng(row.low, row.high, lang)
    if row.unknown:
        sub += f" {t('unknown.partial', lang, n=fmt.count(row.unknown, lang))}"
    return Cell(fmt.num(row.value, lang), True, sub)


def indicators(data: ReportData, lang: str) -> Section:
    # The annexes' wrapper starts the page: a second break here would leave its title alone on one.
    section = Section("annex-indicators", t("annex.indicators", lang))
    colon = " : " if lang == "fr" else ": "
    section.text = [t("annex.indicators_intro", lang)] + [
        f"{crit_label(data, c.code, lang)}{colon}{partial_note(data, c.code, lang)}"
        for c in data.criteria
        if partial_note(data, c.code, lang)
    ]
    head = [
        t("col.name", lang),
        *[f"{crit_label(data, c.code, lang)} ({fmt.unit(c.unit)})" for c in data.criteria],
    ]
    for by in ("stage", "category", "site", "department"):
        bd = data.breakdowns.get(by)
        if bd is None:
            continue
        by_key: dict[str, dict[str, BreakdownRow]] = {}
        for row in bd.rows:
            by_key.setdefault(row.key, {})[row.criterion] = row
        order = [r.key for r in bd.for_criterion(data.primary)] + [
            k for k in by_key if k not in {r.key for r in bd.for_criterion(data.primary)}
        ]
        rows = [
            [
                Cell(fmt.label(by, k, next(iter(by_key[k].values())).label, lang)),
                *[_value_cell(by_key[k].get(c.code), lang) for c in data.criteria],
            ]
            for k in order[:ANNEX_ROWS]
        ]
        note = t("more_rows", lang, n=len(order) - ANNEX_ROWS) if len(order) > ANNEX_ROWS else ""
        title = t(f"section.by_{by}", lang)
        caption = t("annex.indicators_caption", lang, title=title)
        section.extra.append(print_elsewhere(Table(caption, head, rows, note), title, lang))
    return section


def methodology(data: ReportData, lang: str) -> Section:
    run = data.run
    return Section(
        "methodology",
        t("section.methodology", lang),
        text=[
            t("method.intro", lang),
            t("method.embodied", lang),
            t("method.lifetime_age", lang),
            t("method.use", lang),
            t("method.allocation", lang),
            t("method.departments", lang),
            t("method.quality", lang),
            t("method.uncertainty", lang),
            t(
                "method.run",
                lang,
                engine=run.engine_version,
                methodology=run.methodology,
                set=run.factor_set_id,
                version=run.factor_set_version,
                publisher=run.factor_set_publisher or "—",
                year=run.factor_set_year or "—",
                licence=run.factor_set_licence or "—",
                hash=run.inputs_hash[:12] or "—",
            ),
        ],
        page_break=True,
    )


def _assumption_text(key: str, lang: str) -> str:
    if key.startswith("hypothesis:"):
        name = key.split(":", 1)[1]
        base, _, category = name.partition(":")
        if category:
            # refurbished_factor:desktop → "share of manufacturing carried by a refurbished desktop"
            cat = fmt.label("category", category, category, lang)
            key_ = f"assumption.{base}"
            return t(key_, lang, category=cat) if has(key_) else t("assumption.other", lang, name=name)
        return (
            t(f"assumption.{name}", lang)
            if has(f"assumption.{name}")
            else t("assumption.other", lang, name=name)
        )
    if key.startswith("cloud_pue:"):
        return t("assumption.cloud_pue", lang, provider=key.split(":", 1)[1])
    return t(f"assumption.{key}", lang)


def _number_text(text: str, lang: str) -> str:
    try:
        return fmt.num(float(text), lang)
    except ValueError:
        return text


def default_source(text: str, lang: str) -> str:
    """A default's source with its parameter labels in ``lang`` ('durée de vie : ADEME … ; puissance : …')."""
    parts = []
    for part in text.split("; "):
        label, sep, rest = part.partition(": ")
        if sep and label in SOURCE_PARAMETERS:
            parts.append(f"{t(f'source.param.{label}', lang)}{' : ' if lang == 'fr' else ': '}{rest}")
        else:
            parts.append(part)
    return " ; ".join(parts) if lang == "fr" else "; ".join(parts)


def assumptions(data: ReportData, lang: str) -> Section:
    rows = [
        [Cell(_assumption_text(a.key, lang)), Cell(_number_text(a.value, lang))] for a in data.assumptions
    ]
    section = Section(
        "assumptions",
        t("section.assumptions", lang),
        table=Table(t("section.assumptions", lang), [t("col.assumption", lang), t("col.value", lang)], rows),
    )
    if data.category_defaults:
        section.extra.append(
            print_cap(
                Table(
                    t("assumptions.defaults_caption", lang),
                    [
                        t("col.category", lang),
                        t("col.lifetime", lang),
                        t("col.annual_kwh", lang),
                        t("col.usage", lang),
                        t("col.source", lang),
                    ],
                    [
                        [
                            Cell(fmt.label("category", d.category, d.category, lang)),
                            Cell(
                                fmt.num(d.lifetime_years, lang),
                                True,
                                fmt.rng(d.lifetime_low, d.lifetime_high, lang)
                                if d.lifetime_low is not None
                                else "",
                            ),
                            Cell(fmt.num(d.annual_kwh, lang) if d.annual_kwh is not None else "", True),
                            Cell(
                                t(
                                    "usage.profile",
                                    lang,
                                    power=fmt.num(d.power_w, lang),
                                    hours=fmt.num(d.hours_per_day, lang),
                                    days=fmt.num(d.days_per_year, lang),
                                )
                                if d.power_w is not None
                                else ""
                            ),
                            Cell(default_source(d.source, lang)),
                        ]
                        for d in data.category_defaults
                    ],
                ),
                lang,
            )
        )
    return section


def _cited(data: ReportData) -> list[Source]:
    """The sources the annex lists: the factor set and every electricity mix, then the impact factors'
    sources used by most rows, up to :data:`ANNEX_ROWS` in all (the exports list every one)."""
    impacts = [s for s in data.sources if s.kind == "impacts"]  # most rows first
    room = max(ANNEX_ROWS - (len(data.sources) - len(impacts)), 0)
    left_out = {id(s) for s in impacts[room:]}
    return [s for s in data.sources if id(s) not in left_out]


def sources(data: ReportData, lang: str) -> Section:
    cited = _cited(data)
    more = len(data.sources) - len(cited)
    return Section(
        "sources",
        t("section.sources", lang),
        text=[t("sources.intro", lang)],
        table=print_cap(
            Table(
                t("sources.caption", lang),
                [t("col.source", lang), t("col.kind", lang), t("col.licence", lang), t("col.rows", lang)],
                [
                    [
                        Cell(s.source),
                        Cell(t(f"source.kind.{s.kind}", lang)),
                        Cell(s.licence or "—"),
                        Cell(fmt.count(s.rows, lang), True),
                    ]
                    for s in cited
                ],
                t("more_rows", lang, n=more) if more else "",
            ),
            lang,
        ),
        # Long citations read better as paragraphs than squeezed into a second column.
        after=[t("sources.references_caption", lang)]
        + [f"{t(f'benchmark.{b.key}', lang, year=b.year)} — {b.source}" for b in data.benchmarks]
        + [f"{t(f'equivalence.{e.key}', lang)} — {e.source}" for e in data.equivalences]
        if data.benchmarks or data.equivalences
        else [],
    )


def warnings(data: ReportData, lang: str) -> Section | None:
    q = data.quality
    labels = {c.code: crit_label(data, c.code, lang) for c in data.criteria}
    lines = [
        describe(n, lang)
        if not n.startswith("inventory_changed")
        else t("note.inventory_changed", lang, run=n.split("=", 1)[-1].rstrip(")"))
        for n in q.notes
    ]
    lines += [describe(w, lang, criteria=labels) for w in q.warnings[:40]]
    if not lines and not q.imports:
        return None
    section = print_cap_bullets(Section("warnings", t("quality.warnings", lang), bullets=lines), lang)
    if len(q.warnings) > 40:
        section.text.append(t("more_rows", lang, n=len(q.warnings) - 40))
    imports = [
        [
            Cell(Path(i.file_name).name),
            Cell(fmt.label("kind", i.kind, i.kind, lang)),
            Cell(fmt.count(i.rows_read, lang), True),
            Cell(fmt.count(i.inserted, lang), True),
            Cell(fmt.count(i.updated, lang), True),
            Cell(fmt.count(i.rejected, lang), True),
            Cell(Path(i.rejects_path).name if i.rejects_path else ""),
        ]
        for i in q.imports
    ]
    section.extra.append(
        Table(
            t("quality.imports_caption", lang),
            [
                t("col.file", lang),
                t("col.kind", lang),
                t("col.rows_read", lang),
                t("col.inserted", lang),
                t("col.updated", lang),
                t("col.rejected", lang),
                t("col.rejects_file", lang),
            ],
            imports,
            "" if imports else t("quality.no_imports", lang),
        )
    )
    return section


ANNEX.extend([indicators, methodology, assumptions, sources, warnings])
