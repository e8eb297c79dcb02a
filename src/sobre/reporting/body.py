"""The body of the diagnosis: summary, scope, footprint, benchmarks, fleet, hotspots, idle capacity, data
quality and recommendations (builders registered in ``sections.BODY``, in this order)."""

from __future__ import annotations

from sobre.core.i18n import t
from sobre.reporting import fmt
from sobre.reporting.model import Figure, ReportData
from sobre.reporting.sections import (
    BODY,
    MAX_ROWS,
    Cell,
    Section,
    Table,
    bar_chart_view,
    breakdown_section,
    crit_label,
    figure_cell,
    partial_note,
    primary_label,
    print_cap,
)


def _q(fig: Figure | None, lang: str) -> str:
    return fmt.quantity(fig, lang)


def _round_nicely(x: float) -> float:
    """Two significant digits: 6,000 km, not 5,757 (an equivalence is an order of magnitude)."""
    if x <= 0:
        return 0.0
    digits = max(0, len(str(int(x))) - 2)
    return round(x, -digits)


def key_messages(data: ReportData, lang: str) -> list[str]:
    """What a manager retells: the total and per person, an equivalence, where it comes from, how sure it
    is, how it compares, and what the recommendations would avoid together."""
    total = data.total(data.primary)
    org = data.organisation
    out = [
        t(
            "key.total",
            lang,
            total=_q(total.total, lang),
            per_agent=fmt.quantity(total.per_employee, lang, with_range=False),
            per_inhabitant=fmt.quantity(total.per_inhabitant, lang, with_range=False),
        )
        if org.inhabitants
        else t(
            "key.total_no_inhabitants",
            lang,
            total=_q(total.total, lang),
            per_agent=fmt.quantity(total.per_employee, lang, with_range=False),
        )
    ]
    eq = {e.key: e for e in data.equivalences}
    if "car_km" in eq and eq["car_km"].count is not None:
        # The travel that reads best at this size: flights when there are some, else train kilometres.
        flights = eq.get("paris_new_york")
        if flights is not None and flights.count is not None and flights.count >= 1:
            other = t("key.equivalence.flights", lang, n=fmt.count(round(flights.count), lang))
        else:
            meals = eq.get("beef_meal")
            other = t(
                "key.equivalence.meals", lang, n=fmt.count(round((meals.count or 0) if meals else 0), lang)
            )
        out.append(
            t("key.equivalence", lang, km=fmt.count(_round_nicely(eq["car_km"].count), lang), other=other)
        )
    stages = data.breakdowns["stage"].for_criterion(data.primary)
    known = [s for s in stages if s.value is not None]
    if known:
        top = max(known, key=lambda s: s.value or 0.0)
        out.append(
            t(
                f"key.stage.{top.key}" if top.key in ("manufacturing", "use") else "key.stage.other",
                lang,
                share=fmt.pct(top.share, lang),
                stage=fmt.label("stage", top.key, "", lang),
            )
        )
    if data.scope is not None and total.total.value:
        sc, tot = data.scope, total.total.value
        out.append(
            t(
                "key.scope",
                lang,
                end_user=fmt.pct((sc.end_user.value or 0) / tot, lang),
                network=fmt.pct((sc.network.value or 0) / tot, lang),
                data_centre=fmt.pct((sc.data_centre.value or 0) / tot, lang),
            )
        )
    if data.quality.default_share is not None:
        out.append(t("key.quality", lang, share=fmt.pct(data.quality.default_share, lang)))
    wenr = next((b for b in data.benchmarks if b.key == "wenr_2021" and b.ours and b.ours.value), None)
    if wenr is not None and wenr.ours is not None and wenr.ours.value is not None:
        ratio = wenr.ours.value / wenr.reference
        out.append(
            t("key.benchmark", lang, ratio=fmt.pct(ratio, lang), reference=fmt.count(wenr.reference, lang))
        )
    if data.combined is not None and data.combined.share is not None:
        out.append(
            t(
                "key.recommendations",
                lang,
                n=len(data.recommendations),
                avoided=_q(data.combined.avoided.get(data.primary), lang),
                share=fmt.pct(data.combined.share, lang),
            )
        )
    if (org.inhabitants or 0) > 50_000 and org.country in (None, "FR"):
        out.append(t("summary.reen", lang))
    return out


def summary(data: ReportData, lang: str) -> Section:
    section = Section("summary", t("section.summary", lang), page_break=True)
    section.bullets = key_messages(data, lang)
    sc = data.scope
    if sc is not None:
        names = [t(f"domain.{d}", lang) for d in ("end_user", "network", "data_centre")]
        section.chart = bar_chart_view(
            "chart-summary",
            t("chart.summary_title", lang, criterion=primary_label(data, lang)),
            names,
            [sc.end_user, sc.network, sc.data_centre],
            lang,
        )
    rows = []
    for x in data.totals:
        note = partial_note(data, x.criterion, lang)
        label = crit_label(data, x.criterion, lang)
        cell = figure_cell(x.total, lang)
        if note:
            cell.sub = f"{cell.sub} — {note}" if cell.sub else note
        rows.append(
            [
                Cell(f"{label}{' ' + t('partial.flag', lang) if note else ''}"),
                cell,
                Cell(fmt.quantity(x.per_employee, lang, with_range=False, approx=False), True),
                Cell(fmt.quantity(x.per_inhabitant, lang, with_range=False, approx=False), True),
                Cell(fmt.count(x.total.unknown, lang), True),
            ]
        )
    section.table = Table(
        t("summary.table_caption", lang),
        [
            t("summary.criterion", lang),
            t("summary.total", lang),
            t("summary.per_employee", lang),
            t("summary.per_inhabitant", lang),
            t("col.unknown", lang),
        ],
        rows,
        t("summary.partial_note", lang) if any(x.partial for x in data.totals) else "",
    )
    if data.equivalences:
        # One paragraph rather than a table: the same facts for a fraction of the page's elements.
        items = [
            t(
                "equivalence.item",
                lang,
                n=fmt.count(_round_nicely(e.count) if e.count and e.count >= 10 else e.count, lang),
                what=t(f"equivalence.{e.key}", lang),
                unit=fmt.quantity(Figure(e.unit_value, None, None, "kgCO2e"), lang, approx=False),
            )
            for e in data.equivalences
        ]
        section.after.append(
            t("equivalences.text", lang, items=(" ; " if lang == "fr" else "; ").join(items))
        )
    return section


def scope(data: ReportData, lang: str) -> Section | None:
    sc = data.scope
    if sc is None:
        return None
    section = Section("scope", t("section.scope", lang))
    section.text.append(t("scope.intro", lang))
    section.bullets = [t(k, lang) for k in sc.in_scope]
    out = Section("scope-out", t("scope.out_title", lang), bullets=[t(k, lang) for k in sc.out_of_scope])
    total = data.total(data.primary).total.value or 0
    rows = [
        [
            Cell(t(f"domain.{d}", lang)),
            figure_cell(f, lang),
            Cell(fmt.pct((f.value / total) if (f.value is not None and total) else None, lang), True),
            Cell(fmt.pct(ref, lang), True),
        ]
        for d, f, ref in (
            ("end_user", sc.end_user, 0.79),
            ("network", sc.network, 0.05),
            ("data_centre", sc.data_centre, 0.16),
        )
    ]
    out.table = Table(
        t("scope.split_caption", lang, criterion=primary_label(data, lang)),
        [t("col.domain", lang), primary_label(data, lang), t("col.share", lang), t("col.france_2020", lang)],
        rows,
        t("scope.split_note", lang),
    )
    section.subsections.append(out)
    return section


def footprint(data: ReportData, lang: str) -> Section:
    section = Section("footprint", t("section.breakdown", lang), page_break=True)
    for by in ("stage", "category", "site", "department", "application"):
        if by in data.breakdowns:
            sub = breakdown_section(data, data.breakdowns[by], lang, chart=by in ("stage", "category"))
            if by == "department":
                sub.text.append(t("departments.intro", lang))
                sub.extra.append(_department_keys(data, lang))
            section.subsections.append(sub)
    return section


def _department_keys(data: ReportData, lang: str) -> Table:
    # Only the keys that gave something: a column of dashes says nothing.
    keys = [
        k
        for k in ("own", "vm", "volume", "application_users", "unallocated")
        if any(d.keys.get(k) for d in data.departments)
    ]
    rows = []
    # The shared part first: it is what the allocation could not give to anyone.
    ordered = sorted(data.departments, key=lambda d: d.department_id is not None)
    for d in ordered[:MAX_ROWS]:
        name = d.name if d.department_id is not None else t("department.shared", lang)
        rows.append(
            [Cell(name), *[Cell(fmt.num(d.keys.get(k), lang) if d.keys.get(k) else "–", True) for k in keys]]
        )
    unit = fmt.unit(data.criterion(data.primary).unit)
    return print_cap(
        Table(
            t("departments.keys_caption", lang, unit=unit),
            [t("col.department", lang), *[t(f"allocation.{k}", lang) for k in keys]],
            rows,
        ),
        lang,
    )


def benchmarks(data: ReportData, lang: str) -> Section | None:
    if not data.benchmarks:
        return None
    section = Section("benchmarks", t("section.benchmarks", lang))
    rows = [
        [
            Cell(t(f"benchmark.{b.key}", lang, year=b.year)),
            Cell(t(f"per.{b.per}", lang)),
            Cell(f"{fmt.count(b.reference, lang)} kg CO₂e", True),
            figure_cell(b.ours, lang),
            Cell(
                fmt.pct(b.ours.value / b.reference, lang) if b.ours and b.ours.value else fmt.num(None, lang),
                True,
            ),
        ]
        for b in data.benchmarks
    ]
    section.table = Table(
        t("benchmarks.caption", lang),
        [
            t("col.reference", lang),
            t("col.per", lang),
            t("col.reference_value", lang),
            t("col.ours", lang),
            t("col.ratio", lang),
        ],
        rows,
        t("benchmarks.note", lang),
    )
    stages = {r.key: r.share for r in data.breakdowns["stage"].for_criterion(data.primary)}
    units = sum(data.fleet.units.values()) if data.fleet else 0.0
    per_agent = units / data.organisation.employees if data.organisation.employees else None
    section.text = [
        t(
            "benchmarks.why.mix",
            lang,
            manufacturing=fmt.pct(stages.get("manufacturing"), lang),
            use=fmt.pct(stages.get("use"), lang),
        ),
        t("benchmarks.why.scope", lang),
        t("benchmarks.why.fleet", lang, devices=fmt.num(per_agent, lang)),
    ]
    return section


def fleet(data: ReportData, lang: str) -> Section | None:
    f = data.fleet
    if f is None or not f.units:
        return None
    section = Section("fleet", t("section.fleet", lang), page_break=True)
    section.text.append(
        t(
            "fleet.intro",
            lang,
            stock=fmt.count(f.in_stock, lang),
            renewal=fmt.pct(f.renewal_rate, lang),
            servers=fmt.count(f.servers, lang),
            hosts=fmt.count(f.virtualisation_hosts, lang),
            plain=fmt.count(f.plain_servers, lang),
        )
    )
    cats = sorted(f.units, key=lambda c: -f.units[c])[:MAX_ROWS]
    section.table = Table(
        t("fleet.caption", lang),
        [
            t("col.category", lang),
            t("col.units", lang),
            t("col.per_agent", lang),
            t("col.median_age", lang),
            t("col.past_default", lang),
        ],
        [
            [
                Cell(fmt.label("category", c, c, lang)),
                Cell(fmt.count(f.units[c], lang), True),
                Cell(fmt.ratio(f.per_agent.get(c), lang), True),
                Cell(fmt.num(f.median_age.get(c), lang) if f.median_age.get(c) is not None else "–", True),
                Cell(fmt.count(f.past_default.get(c, 0), lang), True),
            ]
            for c in cats
        ],
    )
    bands = [b for b in f.age_bands if b.counts]
    cols = [b.label for b in bands]
    pyramid = Table(
        t("fleet.age_caption", lang),
        [
            t("col.category", lang),
            *[t("age.band", lang, band=c) if c != "unknown" else t("age.unknown", lang) for c in cols],
        ],
        [
            [
                Cell(fmt.label("category", c, c, lang)),
                *[Cell(fmt.count(b.counts.get(c, 0), lang), True) for b in bands],
            ]
            for c in cats
        ],
    )
    dated = [b for b in bands if b.label != "unknown"]
    if dated:  # with no purchase date at all the pyramid is one column of "undated"
        section.extra.append(pyramid)
    section.chart = bar_chart_view(
        "chart-age",
        t("chart.age_title", lang),
        [t("age.band", lang, band=b.label) for b in dated][::-1],
        [Figure(sum(b.counts.values()), None, None, t("unit.units", lang)) for b in dated][::-1],
        lang,
    )
    return section


def hotspots(data: ReportData, lang: str) -> Section:
    crit = primary_label(data, lang)
    section = Section("hotspots", t("section.hotspots", lang), page_break=True)
    section.text.append(t("hotspots.intro", lang, criterion=crit))
    section.table = Table(
        t("hotspots.caption", lang, criterion=crit),
        [
            t("col.name", lang),
            t("col.category", lang),
            t("col.site", lang),
            t("col.quantity", lang),
            t("col.lifetime", lang),
            crit,
            t("col.share", lang),
            t("col.idle_share", lang),
        ],
        [
            [
                Cell(h.name),
                Cell(fmt.label("category", h.category, h.category, lang) if h.category else ""),
                Cell(h.site or ""),
                Cell(fmt.count(h.quantity, lang), True),
                Cell(fmt.num(h.lifetime_years, lang) if h.lifetime_years is not None else "", True),
                figure_cell(h.figure, lang),
                Cell(fmt.pct(h.share, lang), True),
                Cell(fmt.pct(h.idle_share, lang) if h.idle_share is not None else "–", True),
            ]
            for h in data.hotspots
        ],
    )
    section.chart = bar_chart_view(
        "chart-hotspots",
        t("chart.title", lang, title=t("chart.hotspots_title", lang), criterion=crit),
        [h.name for h in data.hotspots],
        [h.figure for h in data.hotspots],
        lang,
    )
    return section


def idle(data: ReportData, lang: str) -> Section:
    idle_cap = data.idle
    section = Section("idle", t("section.idle", lang))
    if not idle_cap.hosts_with_vms:
        section.text.append(t("idle.none", lang))
        return section
    section.text.append(
        t(
            "idle.intro",
            lang,
            hosts=idle_cap.hosts_with_vms,
            over=idle_cap.hosts_over_half_idle,
            total=_q(idle_cap.total, lang),
            share=fmt.pct(idle_cap.share_of_total, lang),
        )
    )
    crit = primary_label(data, lang)
    section.table = Table(
        t("idle.caption", lang, criterion=crit),
        [
            t("col.host", lang),
            t("col.site", lang),
            t("col.idle_share", lang),
            t("col.idle_impact", lang),
            t("col.host_impact", lang),
        ],
        [
            [
                Cell(h.host),
                Cell(h.site or ""),
                Cell(fmt.pct(h.idle_share, lang), True),
                figure_cell(h.idle, lang),
                figure_cell(h.host_total, lang),
            ]
            for h in idle_cap.hosts
        ],
    )
    return section


def quality(data: ReportData, lang: str) -> Section:
    q = data.quality
    crit = primary_label(data, lang)
    section = Section("quality", t("section.quality", lang), page_break=True)
    prim = {s.parameter: s for s in q.default_shares if s.criterion == data.primary}
    section.text.append(
        t(
            "quality.intro",
            lang,
            share=fmt.pct(q.default_share, lang),
            criterion=crit,
            factor=fmt.pct(prim["factor"].share if "factor" in prim else None, lang),
            lifetime=fmt.pct(prim["lifetime"].share if "lifetime" in prim else None, lang),
            energy=fmt.pct(prim["energy"].share if "energy" in prim else None, lang),
            pue=fmt.pct(prim["pue"].share if "pue" in prim else None, lang),
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
    params = [p for p in ("factor", "lifetime", "energy", "pue", "usage", "country", "any") if p in prim]
    # One table for every criterion (main one first): the chart shows the main one, the table all of them.
    by = {(s.criterion, s.parameter): s.share for s in q.default_shares}
    others = [
        c.code for c in data.criteria if c.code != data.primary and any((c.code, p) in by for p in params)
    ]
    section.table = Table(
        t("quality.shares_caption", lang),
        [
            t("col.parameter", lang),
            crit,
            t("col.items_default", lang),
            *[crit_label(data, c, lang) for c in others],
        ],
        [
            [
                Cell(t(f"parameter.{p}", lang)),
                Cell(fmt.pct(prim[p].share, lang), True),
                Cell(f"{fmt.count(prim[p].items_default, lang)} / {fmt.count(prim[p].items, lang)}", True),
                *[Cell(fmt.pct(by.get((c, p)), lang), True) for c in others],
            ]
            for p in params
        ],
        t("quality.shares_note", lang),
    )
    section.chart = bar_chart_view(
        "chart-quality",
        t("chart.quality_title", lang, criterion=crit),
        [t(f"parameter.{p}", lang) for p in params],
        [Figure(prim[p].share, None, None, "%") for p in params],
        lang,
        share=True,
    )
    # One row per parameter, its methods in words: "measured: 3, default: 2".
    colon = " : " if lang == "fr" else ": "
    methods = [
        [
            Cell(t(f"parameter.{p}", lang)),
            Cell(", ".join(f"{fmt.method(m, lang)}{colon}{fmt.count(n, lang)}" for m, n in counts.items())),
        ]
        for p, counts in q.methods.items()
        if p in ("factor", "lifetime", "energy", "pue") and counts
    ]
    section.extra.append(
        Table(t("quality.methods_caption", lang), [t("col.parameter", lang), t("col.methods", lang)], methods)
    )
    return section


def recommendations(data: ReportData, lang: str) -> Section:
    section = Section("recommendations", t("section.recommendations", lang), page_break=True)
    if not data.recommendations:
        section.text.append(t("reco.none", lang))
        return section
    section.text.append(t("reco.intro", lang))
    crit = primary_label(data, lang)
    for rec in data.recommendations:
        params: dict[str, object] = {
            k: fmt.pct(float(v), lang)
            if k in ("rate", "target", "load")
            else fmt.num(float(v), lang)
            if isinstance(v, float)
            else v
            for k, v in rec.params.items()
        }
        params["items"] = fmt.count(rec.items, lang)
        prim = rec.avoided.get(data.primary)
        sub = Section(f"reco-{rec.key}", t(f"reco.{rec.key}.title", lang, **params))
        sub.text = [
            t(f"reco.{rec.key}.text", lang, **params),
            t("reco.effect", lang, value=_q(prim, lang), share=fmt.pct(rec.share, lang)),
        ]
        sub.bullets = [
            t("reco.cost", lang, cost=t(f"cost.{rec.cost}", lang)),
            t("reco.owner", lang, owner=t(f"owner.{rec.owner}", lang)),
            t("reco.horizon", lang, horizon=t(f"horizon.{rec.horizon}", lang)),
            t("reco.kpi", lang, kpi=t(f"kpi.{rec.kpi}", lang)),
            t("reco.practice", lang, practice=rec.practice),
        ]
        section.subsections.append(sub)
    rows = [
        [
            Cell(t(f"reco.{r.key}.short", lang)),
            figure_cell(r.avoided.get(data.primary), lang),
            Cell(fmt.pct(r.share, lang), True),
            Cell(t(f"cost.{r.cost}", lang)),
            Cell(t(f"horizon.{r.horizon}", lang)),
        ]
        for r in data.recommendations
    ]
    if data.combined is not None:
        rows.append(
            [
                Cell(t("reco.combined", lang)),
                figure_cell(data.combined.avoided.get(data.primary), lang),
                Cell(fmt.pct(data.combined.share, lang), True),
                Cell("–"),
                Cell("–"),
            ]
        )
    section.table = Table(
        t("reco.caption", lang, criterion=crit),
        [
            t("col.recommendation", lang),
            t("col.avoided", lang),
            t("col.share", lang),
            t("col.cost", lang),
            t("col.horizon", lang),
        ],
        rows,
        t("reco.combined_note", lang),
    )
    return section


BODY.extend([summary, scope, footprint, benchmarks, fleet, hotspots, idle, quality, recommendations])
