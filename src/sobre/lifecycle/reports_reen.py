"""The REEN responsible-digital strategy (loi 2021-1485 art. 35, décret 2022-1084) and the yearly lifecycle
and purchasing report.

The strategy's required blocks: the work programme's review of the environmental impact of digital
technology and of its uses, a summary of the actions already taken; then reduction objectives, the
indicators that follow them, the measures put in place and their means; and a yearly review.  Sobre writes
the impact review from the footprint, the uses from the inventory, the actions and indicators it can
measure from the lifecycle, and the review from the year's figures.  The action plan, objectives, measures
and their indicators come from the strategy capability through the ``reen.strategy`` provider:

    provider(database_url: str, org: str, year: int, lang: str) -> dict with any of the keys
    "actions", "objectives", "indicators", "measures": lists of {"title": str, and optionally "detail",
    "owner", "due", "status", "unit", "baseline", "target", "value"}

Without a provider, or without entries for a block, the block is marked "to write", never filled in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sobre.core.capabilities import provider
from sobre.core.i18n import format_number, t
from sobre.lifecycle import kpis as kpi_calc
from sobre.lifecycle.docparts import day, estimate_cell, figure_rules, sources
from sobre.lifecycle.document import Block, Cell, DocTable, Document
from sobre.lifecycle.gather import LifecycleData, gather
from sobre.lifecycle.parameters import TABLE_VERSION
from sobre.lifecycle.reports import check_year, rate_blocks, rates, rates_data
from sobre.reporting import fmt

KPI_ORDER = ("average_lifetime_at_retirement", "reuse_rate", "refurbished_share", "repair_rate", "fleet_age")
STRATEGY_KEYS = ("actions", "objectives", "indicators", "measures")


def strategy_content(database_url: str, org: str, year: int, lang: str) -> dict[str, list[dict[str, Any]]]:
    """What the strategy capability provides for the document, or empty lists when there is none."""
    fn = provider("reen.strategy")
    content = fn(database_url, org, year, lang) if fn is not None else {}
    return {k: [e for e in (content or {}).get(k, []) if e.get("title")] for k in STRATEGY_KEYS}


def _entries_table(id: str, caption: str, entries: list[dict[str, Any]], lang: str) -> DocTable:
    cols = ["title", "detail", "owner", "due", "status", "baseline", "target", "value", "unit"]
    used = [c for c in cols if any(e.get(c) not in (None, "") for e in entries)]
    return DocTable(
        id,
        caption,
        [t(f"lc.reen.col.{c}", lang) for c in used],
        [[Cell(str(e.get(c) if e.get(c) is not None else "—")) for c in used] for e in entries],
    )


def kpi_table(id: str, data: LifecycleData, years: list[int], lang: str) -> DocTable:
    by_year = {y: kpi_calc.compute(data.events, data.purchases, data.fleet, y) for y in years}
    rows = [
        [Cell(t(f"lc.kpi.{code}", lang)), *(estimate_cell(by_year[y][code].estimate, lang) for y in years)]
        for code in KPI_ORDER
    ]
    return DocTable(
        id,
        t("lc.kpi.caption", lang),
        [t("lc.col.kpi", lang), *map(str, years)],
        rows,
        note=t("lc.kpi.note", lang),
    )


def _impact_block(database_url: str, org: str, lang: str) -> Block:
    from sobre.footprint.runs import queries
    from sobre.footprint.runs import service as runs

    title = t("lc.reen.impact_title", lang)
    latest = runs.latest_run(database_url, org)
    if latest is None:
        return Block("reen-impact", title, [t("lc.reen.impact_missing", lang)], status="to_write")
    crit = queries.breakdown(database_url, org, "criterion", run_id=latest.id)
    labels = {c["code"]: c.get(f"label_{lang}") or c["code"] for c in latest.criteria}
    cats = queries.breakdown(database_url, org, "category", run_id=latest.id)
    totals = DocTable(
        "reen-impact-criteria",
        t("lc.reen.impact_caption", lang),
        [t("lc.col.criterion", lang), t("lc.col.value", lang)],
        [
            [
                Cell(labels.get(r["key"], r["label"])),
                Cell(
                    f"{fmt.num(r['value'], lang)} {fmt.unit(r['unit'])}",
                    True,
                    fmt.rng(r["low"], r["high"], lang),
                    raw=r["value"],
                ),
            ]
            for r in crit
        ],
    )
    by_cat = DocTable(
        "reen-impact-categories",
        t("lc.reen.category_caption", lang),
        [t("lc.col.category", lang), t("lc.col.value", lang), t("lc.col.share", lang)],
        [
            [
                Cell(fmt.label("category", r["key"] or "", r["label"], lang)),
                Cell(f"{fmt.num(r['value'], lang)} {fmt.unit(r['unit'])}", True, raw=r["value"]),
                Cell(fmt.pct(r["share"], lang), True, raw=r["share"]),
            ]
            for r in cats[:12]
        ],
    )
    text = t(
        "lc.reen.impact_text",
        lang,
        run=latest.id,
        day=latest.reference_date.isoformat(),
        factors=f"{latest.factor_set_id} {latest.factor_set_version}",
    )
    return Block("reen-impact", title, [text], tables=[totals, by_cat])


def _usage_block(database_url: str, org: str, lang: str) -> Block:
    from sobre.inventory import service as inventory

    stats = inventory.stats(database_url, org)
    by_cat = stats["equipment_by_category"]
    table = DocTable(
        "reen-usage",
        t("lc.reen.usage_caption", lang),
        [t("lc.col.category", lang), t("lc.col.items", lang)],
        [
            [
                Cell(fmt.label("category", k, k, lang)),
                Cell(fmt.count(v["quantity"], lang), True, raw=v["quantity"]),
            ]
            for k, v in sorted(by_cat.items(), key=lambda kv: -kv[1]["quantity"])
        ],
    )
    c = stats["counts"]
    text = t(
        "lc.reen.usage_text",
        lang,
        apps=c["applications"],
        vms=c["vms"],
        cloud=c["cloud_instances"],
        sites=c["sites"],
    )
    return Block("reen-usage", t("lc.reen.usage_title", lang), [text], tables=[table])


def _measured_actions(data: LifecycleData, year: int, lang: str) -> list[str]:
    k = kpi_calc.compute(data.events, data.purchases, data.fleet, year)
    out = []
    repairs = k["repair_rate"].detail.get("repairs", 0)
    if repairs:
        out.append(t("lc.reen.action_repairs", lang, n=format_number(repairs, lang)))
    refurb = k["refurbished_share"]
    if refurb.estimate.value:
        out.append(
            t(
                "lc.reen.action_refurbished",
                lang,
                share=fmt.pct(refurb.estimate.value, lang),
                n=format_number(refurb.detail.get("refurbished_items", 0), lang),
            )
        )
    dest = k["reuse_rate"].detail.get("destinations", {})
    given = sum(dest.get(x, 0) for x in ("donated", "resold", "reuse_takeback"))
    if given:
        out.append(t("lc.reen.action_reuse", lang, n=format_number(given, lang)))
    return out


def reen_document(database_url: str, org: str, year: int, lang: str) -> Document:
    """The responsible-digital strategy of ``org`` for ``year``, with its yearly review."""
    check_year(year)
    data = gather(database_url, org)
    content = strategy_content(database_url, org, year, lang)
    threshold = data.table.at("reen.strategy.population_threshold", date(year, 12, 31))
    deadline = data.table.at("reen.strategy.deadline", date(year, 12, 31))
    limit = int(threshold.number) if threshold else None
    if data.inhabitants is None or limit is None:
        applies = t("lc.reen.applies_unknown", lang)
    else:
        key = "lc.reen.applies_yes" if data.inhabitants > limit else "lc.reen.applies_no"
        applies = t(key, lang, n=format_number(data.inhabitants, lang), limit=format_number(limit, lang))
    blocks = [
        Block(
            "reen-scope",
            t("lc.reen.scope_title", lang),
            [
                applies,
                t(
                    "lc.reen.scope_text",
                    lang,
                    deadline=day(date.fromisoformat(deadline.value), lang) if deadline else "—",
                ),
            ],
        )
    ]
    blocks.append(_impact_block(database_url, org, lang))
    blocks.append(_usage_block(database_url, org, lang))
    measured = _measured_actions(data, year, lang)
    actions = Block("reen-actions", t("lc.reen.actions_title", lang), bullets=measured)
    if content["actions"]:
        actions.tables.append(
            _entries_table("reen-action-plan", t("lc.reen.plan_caption", lang), content["actions"], lang)
        )
    else:
        actions.paragraphs.append(t("lc.reen.plan_missing", lang))
    actions.status = "done" if measured or content["actions"] else "to_write"
    blocks.append(actions)
    for key in ("objectives", "indicators", "measures"):
        block = Block(f"reen-{key}", t(f"lc.reen.{key}_title", lang), [t(f"lc.reen.{key}_law", lang)])
        if content[key]:
            block.tables.append(
                _entries_table(f"reen-{key}-table", t(f"lc.reen.{key}_title", lang), content[key], lang)
            )
        else:
            block.status = "to_write"
            block.paragraphs.append(t("lc.reen.to_write", lang))
        if key == "indicators":
            block.tables.append(kpi_table("reen-kpis", data, [year - 1, year], lang))
        blocks.append(block)
    r = rates(data, year)
    review = Block(
        "reen-review", t("lc.reen.review_title", lang), [t("lc.reen.review_text", lang, year=year)]
    )
    blocks.append(review)
    blocks += rate_blocks(r, lang, trails=False)
    figures = r.agec.all_figures() + [r.reen16.rate]
    rules = [p for p in (threshold, deadline) if p] + figure_rules(figures)
    return Document(
        "reen",
        lang,
        t("lc.reen.doc_title", lang),
        data.organisation,
        str(year),
        blocks,
        sources=[
            t("lc.reen.source_decree", lang),
            *sources(rules),
            t("lc.doc.table_version", lang, version=TABLE_VERSION),
        ],
        data={
            "organisation": data.organisation,
            "year": year,
            "strategy": content,
            "to_write": [b.id for b in blocks if b.status == "to_write"],
            **rates_data(r),
        },
    )


def yearly_document(
    database_url: str,
    org: str,
    year: int,
    lang: str,
    *,
    chart: bool = True,
    data: LifecycleData | None = None,
) -> Document:
    """The yearly lifecycle and purchasing report: KPIs and their trend, fleet age, lifetimes reached at end
    of life per category, destinations of retired equipment, purchases, AGEC and REEN art. 16 figures.

    ``chart=False`` leaves out the destinations chart (pages draw their own, as SVG without styles);
    ``data`` is what :func:`gather` read, when the caller has it already."""
    from sobre.reporting import charts

    check_year(year)
    data = data or gather(database_url, org)
    k = kpi_calc.compute(data.events, data.purchases, data.fleet, year)
    blocks = [
        Block(
            "kpis",
            t("lc.year.kpis_title", lang),
            [t("lc.year.kpis_intro", lang)],
            tables=[kpi_table("kpis", data, [year - 2, year - 1, year], lang)],
        )
    ]
    life = k["average_lifetime_at_retirement"].detail
    blocks.append(
        Block(
            "lifetimes",
            t("lc.year.life_title", lang),
            tables=[
                DocTable(
                    "lifetimes",
                    t("lc.year.life_caption", lang, year=year),
                    [
                        t(x, lang)
                        for x in (
                            "lc.col.category",
                            "lc.col.items",
                            "lc.col.mean",
                            "lc.col.min",
                            "lc.col.max",
                        )
                    ],
                    [
                        [
                            Cell(fmt.label("category", c, c, lang)),
                            Cell(fmt.count(v["items"], lang), True, raw=v["items"]),
                            *(
                                Cell(fmt.num(v[m], lang), True, raw=round(v[m], 2))
                                for m in ("mean", "min", "max")
                            ),
                        ]
                        for c, v in life.items()
                    ],
                )
            ],
        )
    )
    ages = k["fleet_age"].detail["by_category"]
    bucket_names = [kpi_calc._bucket_label(b) for b in kpi_calc.AGE_BUCKETS]
    blocks.append(
        Block(
            "fleet-age",
            t("lc.year.age_title", lang),
            [t("lc.year.age_text", lang, year=year)],
            tables=[
                DocTable(
                    "fleet-age",
                    t("lc.year.age_caption", lang),
                    [t("lc.col.category", lang), *(t("lc.year.years", lang, span=b) for b in bucket_names)],
                    [
                        [
                            Cell(fmt.label("category", c, c, lang)),
                            *(Cell(fmt.count(row[b], lang), True, raw=row[b]) for b in bucket_names),
                        ]
                        for c, row in ages.items()
                    ],
                )
            ],
        )
    )
    dest = k["reuse_rate"].detail.get("destinations", {})
    labels = [t(f"lc.kind.{x}", lang) for x in dest]
    svg = None
    if dest and chart:
        svg = charts.bar_chart(
            "destinations",
            t("lc.year.dest_title", lang),
            charts.describe(labels, [fmt.count(v, lang) for v in dest.values()], lang),
            labels,
            list(dest.values()),
            [None] * len(dest),
            [None] * len(dest),
            "",
            lang,
        )
    blocks.append(
        Block(
            "destinations",
            t("lc.year.dest_title", lang),
            chart=svg,
            chart_caption=t("lc.year.dest_caption", lang, year=year),
            tables=[
                DocTable(
                    "destinations",
                    t("lc.year.dest_caption", lang, year=year),
                    [t("lc.col.destination", lang), t("lc.col.items", lang)],
                    [
                        [Cell(lab), Cell(fmt.count(v, lang), True, raw=v)]
                        for lab, v in zip(labels, dest.values(), strict=True)
                    ],
                )
            ],
        )
    )
    blocks.append(_purchases_block(data, year, lang))
    r = rates(data, year)
    blocks += rate_blocks(r, lang)
    return Document(
        "lifecycle",
        lang,
        t("lc.year.doc_title", lang),
        data.organisation,
        str(year),
        blocks,
        sources=sources(figure_rules(r.agec.all_figures() + [r.reen16.rate])),
        data={
            "organisation": data.organisation,
            "year": year,
            "kpis": {c: v.to_dict() for c, v in k.items()},
            **rates_data(r),
        },
    )


def _purchases_block(data: LifecycleData, year: int, lang: str) -> Block:
    lines = [p for p in data.purchases if p.purchase_date.year == year]
    groups: dict[tuple[str, str], list[float]] = {}
    for p in lines:
        g = groups.setdefault((p.category, p.condition or "unknown"), [0.0, 0.0])
        g[0] += p.quantity
        g[1] += p.amount
    rows = [
        [
            Cell(fmt.label("category", c, c, lang)),
            Cell(t(f"lc.condition.{cond}", lang)),
            Cell(fmt.count(q, lang), True, raw=q),
            Cell(f"{format_number(a, lang, 2)} €", True, raw=round(a, 2)),
        ]
        for (c, cond), (q, a) in sorted(groups.items())
    ]
    return Block(
        "purchases",
        t("lc.year.purchases_title", lang),
        tables=[
            DocTable(
                "purchases",
                t("lc.year.purchases_caption", lang, year=year),
                [
                    t(x, lang)
                    for x in ("lc.col.category", "lc.col.condition", "lc.col.items", "lc.col.amount")
                ],
                rows,
            )
        ],
    )
