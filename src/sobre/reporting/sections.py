"""The report's sections as view objects (tables, charts, texts) in one language, built from ReportData."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sobre.core.i18n import t
from sobre.reporting import charts, fmt
from sobre.reporting.model import Breakdown, BreakdownRow, Figure, ReportData

#: Rows shown in the report per breakdown; the exports hold all of them.
MAX_ROWS = 20


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


def _crit_head(data: ReportData, lang: str) -> list[str]:
    return [f"{crit_label(data, c.code, lang)} ({fmt.unit(c.unit)})" for c in data.criteria]


def crit_label(data: ReportData, code: str, lang: str) -> str:
    c = data.criterion(code)
    return c.label_fr if lang == "fr" else c.label_en


def _value_cell(row: BreakdownRow | None, lang: str, *, show_unknown: bool) -> Cell:
    """Value with its range below; for secondary criteria, how many items are unknown (never hidden)."""
    if row is None:
        return Cell(fmt.num(None, lang), True)
    sub = fmt.rng(row.low, row.high, lang)
    if show_unknown and row.unknown and row.value is not None:
        sub += f" {t('unknown.partial', lang, n=fmt.count(row.unknown, lang))}"
    return Cell(fmt.num(row.value, lang), True, sub)


def breakdown_section(data: ReportData, bd: Breakdown, lang: str) -> Section:
    """Chart of the primary criterion and a table with every criterion for one breakdown."""
    title = t(f"section.by_{bd.by}", lang)
    primary = bd.for_criterion(data.primary)
    by_key: dict[str, dict[str, BreakdownRow]] = {}
    for row in bd.rows:
        by_key.setdefault(row.key, {})[row.criterion] = row
    ordered = [r.key for r in primary] + [k for k in by_key if k not in {r.key for r in primary}]
    shown = ordered[:MAX_ROWS]
    labels = {k: fmt.label(bd.by, k, next(iter(by_key[k].values())).label, lang) for k in ordered}
    crit = crit_label(data, data.primary, lang)
    head = [
        t("col.name", lang),
        *_crit_head(data, lang),
        t("col.share_of", lang, criterion=crit),
        t("col.unknown_of", lang, criterion=crit),
    ]
    rows = []
    for key in shown:
        cells = [Cell(labels[key])]
        for c in data.criteria:
            r = by_key[key].get(c.code)
            cells.append(_value_cell(r, lang, show_unknown=c.code != data.primary))
        prim = by_key[key].get(data.primary)
        cells.append(Cell(fmt.pct(prim.share, lang) if prim is not None else fmt.pct(None, lang), True))
        cells.append(Cell(fmt.count(prim.unknown if prim is not None else 0, lang), True))
        rows.append(cells)
    note = t("more_rows", lang, n=len(ordered) - len(shown)) if len(ordered) > len(shown) else ""
    table = Table(t("chart.table_caption", lang, title=title), head, rows, note)
    chart = None
    plotted = [r for r in primary if r.value is not None][:MAX_ROWS]
    if plotted:
        chart_id = f"chart-{bd.by}"
        names = [labels[r.key] for r in plotted]
        texts = [f"{fmt.num(r.value, lang)} {fmt.unit(r.unit)} ({fmt.pct(r.share, lang)})" for r in plotted]
        svg = charts.bar_chart(
            chart_id,
            f"{title} — {crit}",
            charts.describe(names, texts, lang),
            names,
            [r.value or 0.0 for r in plotted],
            [r.low for r in plotted],
            [r.high for r in plotted],
            plotted[0].unit,
            lang,
        )
        caption = t("chart.caption", lang, title=title, criterion=crit, unit=fmt.unit(plotted[0].unit))
        chart = ChartView(chart_id, svg, caption)
    return Section(f"by-{bd.by}", title, chart, table)


def hotspots_section(data: ReportData, lang: str) -> Section:
    crit = crit_label(data, data.primary, lang)
    head = [
        t("col.name", lang),
        t("col.kind", lang),
        t("col.category", lang),
        t("col.site", lang),
        t("col.quantity", lang),
        t("col.lifetime", lang),
        t("col.status", lang),
        f"{crit} ({fmt.unit(data.criterion(data.primary).unit)})",
        t("col.share", lang),
    ]
    rows = [
        [
            Cell(h.name),
            Cell(fmt.label("kind", h.item_kind, h.item_kind, lang)),
            Cell(fmt.label("category", h.category, h.category, lang) if h.category else ""),
            Cell(h.site or ""),
            Cell(fmt.count(h.quantity, lang), True),
            Cell(fmt.num(h.lifetime_years, lang) if h.lifetime_years is not None else "", True),
            Cell(fmt.label("status", h.status or "unknown", "", lang)),
            Cell(fmt.num(h.figure.value, lang), True, fmt.rng(h.figure.low, h.figure.high, lang)),
            Cell(fmt.pct(h.share, lang), True),
        ]
        for h in data.hotspots
    ]
    section = Section(
        "hotspots",
        t("section.hotspots", lang),
        table=Table(t("hotspots.caption", lang, criterion=crit), head, rows),
    )
    section.text.append(t("hotspots.intro", lang, criterion=crit))
    known = [h for h in data.hotspots if h.figure.value is not None]
    if known:
        names = [h.name for h in known]
        texts = [fmt.figure(h.figure, lang, with_range=False) for h in known]
        title = t("chart.hotspots_title", lang)
        svg = charts.bar_chart(
            "chart-hotspots",
            f"{title} — {crit}",
            charts.describe(names, texts, lang),
            names,
            [h.figure.value or 0.0 for h in known],
            [h.figure.low for h in known],
            [h.figure.high for h in known],
            known[0].figure.unit,
            lang,
        )
        section.chart = ChartView(
            "chart-hotspots",
            svg,
            t("chart.caption", lang, title=title, criterion=crit, unit=fmt.unit(known[0].figure.unit)),
        )
    return section


def idle_section(data: ReportData, lang: str) -> Section:
    idle = data.idle
    crit = crit_label(data, data.primary, lang)
    section = Section("idle", t("section.idle", lang))
    if not idle.hosts_with_vms:
        section.text.append(t("idle.none", lang))
        return section
    section.text.append(
        t(
            "idle.intro",
            lang,
            hosts=idle.hosts_with_vms,
            over=idle.hosts_over_half_idle,
            total=fmt.figure(idle.total, lang),
            share=fmt.pct(idle.share_of_total, lang),
        )
    )
    unit = fmt.unit(idle.total.unit)
    head = [
        t("col.host", lang),
        t("col.site", lang),
        t("col.idle_share", lang),
        f"{t('col.idle_impact', lang)} ({unit})",
        f"{t('col.host_impact', lang)} ({unit})",
    ]
    rows = [
        [
            Cell(h.host),
            Cell(h.site or ""),
            Cell(fmt.pct(h.idle_share, lang), True),
            Cell(fmt.num(h.idle.value, lang), True, fmt.rng(h.idle.low, h.idle.high, lang)),
            Cell(fmt.num(h.host_total.value, lang), True, fmt.rng(h.host_total.low, h.host_total.high, lang)),
        ]
        for h in idle.hosts
    ]
    section.table = Table(t("idle.caption", lang, criterion=crit), head, rows)
    known = [h for h in idle.hosts if h.idle.value is not None]
    if known:
        names = [h.host for h in known]
        texts = [
            f"{fmt.figure(h.idle, lang, with_range=False)} ({fmt.pct(h.idle_share, lang)})" for h in known
        ]
        title = t("chart.idle_title", lang)
        svg = charts.bar_chart(
            "chart-idle",
            f"{title} — {crit}",
            charts.describe(names, texts, lang),
            names,
            [h.idle.value or 0.0 for h in known],
            [h.idle.low for h in known],
            [h.idle.high for h in known],
            idle.total.unit,
            lang,
        )
        section.chart = ChartView(
            "chart-idle", svg, t("chart.caption", lang, title=title, criterion=crit, unit=unit)
        )
    return section


def quality_section(data: ReportData, lang: str) -> Section:
    q = data.quality
    crit = crit_label(data, data.primary, lang)
    section = Section("quality", t("section.quality", lang))
    section.text.append(
        t(
            "quality.intro",
            lang,
            default_share=fmt.pct(q.default_share, lang),
            criterion=crit,
            rejected=fmt.count(q.rows_rejected, lang),
            read=fmt.count(q.rows_read, lang),
        )
    )
    if q.kwh_measured > 0:
        section.text.append(
            t(
                "quality.energy_measured",
                lang,
                measured=fmt.num(q.kwh_measured, lang),
                total=fmt.num(q.kwh_total, lang),
                share=fmt.pct(q.kwh_measured / q.kwh_total if q.kwh_total else None, lang),
            )
        )
    unit = fmt.unit(data.criterion(data.primary).unit)
    head = [
        t("col.status", lang),
        t("col.items", lang),
        t("col.quantity", lang),
        f"{crit} ({unit})",
        t("col.share", lang),
    ]
    section.table = Table(
        t("quality.status_caption", lang),
        head,
        [
            [
                Cell(fmt.label("status", r.key, r.key, lang)),
                Cell(fmt.count(r.items, lang), True),
                Cell(fmt.count(r.quantity, lang), True),
                Cell(fmt.num(r.value, lang), True),
                Cell(fmt.pct(r.share, lang), True),
            ]
            for r in q.by_status
        ],
    )
    known = [r for r in q.by_status if r.share is not None]
    if known:
        names = [fmt.label("status", r.key, r.key, lang) for r in known]
        texts = [fmt.pct(r.share, lang) for r in known]
        title = t("chart.quality_title", lang)
        svg = charts.bar_chart(
            "chart-quality",
            title,
            charts.describe(names, texts, lang),
            names,
            [r.share or 0.0 for r in known],
            [None] * len(known),
            [None] * len(known),
            "%",
            lang,
            value_format="share",
        )
        section.chart = ChartView("chart-quality", svg, title)
    section.extra.append(
        Table(
            t("quality.level_caption", lang),
            [
                t("col.level", lang),
                t("col.items", lang),
                t("col.quantity", lang),
                f"{crit} ({unit})",
                t("col.share", lang),
            ],
            [
                [
                    Cell(fmt.label("level", r.key, r.key, lang)),
                    Cell(fmt.count(r.items, lang), True),
                    Cell(fmt.count(r.quantity, lang), True),
                    Cell(fmt.num(r.value, lang), True),
                    Cell(fmt.pct(r.share, lang), True),
                ]
                for r in q.by_level
            ],
        )
    )
    section.extra.append(
        Table(
            t("quality.unknown_caption", lang),
            [t("col.criterion", lang), t("col.items", lang)],
            [
                [Cell(crit_label(data, c, lang)), Cell(fmt.count(n, lang), True)]
                for c, n in q.unknown_by_criterion.items()
            ],
        )
    )
    methods = [
        [Cell(t("quality.lifetime", lang)), Cell(fmt.method(k, lang)), Cell(fmt.count(n, lang), True)]
        for k, n in q.lifetime_methods.items()
    ]
    methods += [
        [Cell(t("quality.energy", lang)), Cell(fmt.method(k, lang)), Cell(fmt.count(n, lang), True)]
        for k, n in q.kwh_methods.items()
    ]
    section.extra.append(
        Table(
            t("quality.methods_caption", lang),
            [t("col.criterion", lang), t("col.method", lang), t("col.items", lang)],
            methods,
        )
    )
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


def recommendations_section(data: ReportData, lang: str) -> tuple[Section, list[dict[str, str]]]:
    section = Section("recommendations", t("section.recommendations", lang))
    section.text.append(t("reco.intro", lang) if data.recommendations else t("reco.none", lang))
    cards = []
    for rec in data.recommendations:
        params: dict[str, object] = {
            k: fmt.pct(float(v), lang) if k in ("rate", "target", "scope_share") else v
            for k, v in rec.params.items()
        }
        params["share"] = params.get("scope_share", "")
        params["items"] = fmt.count(rec.items, lang)
        prim = rec.avoided.get(data.primary)
        cards.append(
            {
                "title": t(f"reco.{rec.key}.title", lang, **params),
                "text": t(f"reco.{rec.key}.text", lang, **params),
                "effect": t(
                    "reco.effect", lang, value=fmt.figure(prim, lang), share=fmt.pct(rec.share, lang)
                ),
                "hotspot": t("reco.hotspot", lang, hotspot=t(f"reco.hotspot.{rec.hotspot}", lang)),
            }
        )
    head = [t("col.recommendation", lang), *_crit_head(data, lang)]
    rows = []
    for rec, card in zip(data.recommendations, cards, strict=True):
        cells = [Cell(card["title"])]
        for c in data.criteria:
            f = rec.avoided.get(c.code)
            cells.append(
                Cell(fmt.num(f.value if f else None, lang), True, fmt.rng(f.low, f.high, lang) if f else "")
            )
        rows.append(cells)
    if rows:
        section.table = Table(t("reco.caption", lang), head, rows)
    return section, cards


def methodology_sections(data: ReportData, lang: str) -> tuple[Section, Section, Section]:
    run = data.run
    method = Section(
        "methodology",
        t("section.methodology", lang),
        text=[
            t("method.intro", lang),
            t("method.embodied", lang),
            t("method.use", lang),
            t("method.allocation", lang),
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
    )
    rows = []
    for a in data.assumptions:
        if a.key.startswith("hypothesis:"):
            name = a.key.split(":", 1)[1]
            try:
                text = t(f"assumption.{name}", lang)
            except KeyError:
                text = t("assumption.other", lang, name=name)
        elif a.key.startswith("cloud_pue:"):
            text = t("assumption.cloud_pue", lang, provider=a.key.split(":", 1)[1])
        else:
            text = t(f"assumption.{a.key}", lang)
        rows.append([Cell(text), Cell(_number_text(a.value, lang))])
    assumptions = Section(
        "assumptions",
        t("section.assumptions", lang),
        table=Table(t("section.assumptions", lang), [t("col.assumption", lang), t("col.value", lang)], rows),
    )
    if data.category_defaults:
        assumptions.extra.append(
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
                        Cell(d.source),
                    ]
                    for d in data.category_defaults
                ],
            )
        )
    sources = Section(
        "sources",
        t("section.sources", lang),
        table=Table(
            t("sources.caption", lang),
            [t("col.source", lang), t("col.kind", lang), t("col.licence", lang), t("col.rows", lang)],
            [
                [
                    Cell(s.source),
                    Cell(t(f"source.kind.{s.kind}", lang)),
                    Cell(s.licence or "—"),
                    Cell(fmt.count(s.rows, lang), True),
                ]
                for s in data.sources
            ],
        ),
    )
    return method, assumptions, sources


def _number_text(text: str, lang: str) -> str:
    """A hypothesis value written as a number of the language when it is one ('0.8' → '0,8')."""
    try:
        return fmt.num(float(text), lang)
    except ValueError:
        return text


def plain(fig: Figure | None, lang: str) -> str:
    if fig is None or fig.value is None:
        return fmt.num(None, lang)
    return f"{fmt.num(fig.value, lang)} {fmt.unit(fig.unit)}"


def summary(data: ReportData, lang: str) -> dict[str, object]:
    org, run = data.organisation, data.run
    cards = [
        {
            "label": crit_label(data, tot.criterion, lang),
            "total": f"{fmt.num(tot.total.value, lang)} {fmt.unit(tot.total.unit)}"
            if tot.total.value is not None
            else fmt.num(None, lang),
            "range": fmt.rng(tot.total.low, tot.total.high, lang),
            "unknown": t("unknown.items", lang, n=tot.total.unknown) if tot.total.unknown else "",
            # The card already says how many items are unknown; the per-head figures are the known part.
            "per_employee": plain(tot.per_employee, lang),
            "per_user": plain(tot.per_user, lang),
        }
        for tot in data.totals
    ]
    date = run.reference_date.isoformat()
    text = [
        t(
            "summary.intro",
            lang,
            org=org.name,
            employees=fmt.count(org.employees, lang),
            inhabitants=fmt.count(org.inhabitants, lang),
            items=fmt.count(org.items, lang),
            quantity=fmt.count(org.quantity, lang),
            date=date,
        )
    ]
    stages = data.breakdowns["stage"].for_criterion(data.primary)
    cats = data.breakdowns["category"].for_criterion(data.primary)
    if stages and cats and stages[0].value is not None:
        top_stage = max((s for s in stages if s.value is not None), key=lambda s: s.value or 0.0)
        text.append(
            t(
                "summary.main_stage",
                lang,
                stage=fmt.label("stage", top_stage.key, "", lang),
                share=fmt.pct(top_stage.share, lang),
                criterion=crit_label(data, data.primary, lang),
                category=fmt.label("category", cats[0].key, "", lang),
                cshare=fmt.pct(cats[0].share, lang),
            )
        )
    if org.users:
        text.append(t("summary.per_user_note", lang, users=fmt.count(org.users, lang)))
    if (org.inhabitants or 0) > 50_000 and (org.country in (None, "FR")):
        text.append(t("summary.reen", lang))
    return {"cards": cards, "text": text}
