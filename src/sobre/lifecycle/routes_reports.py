"""Pages of the regulatory figures and documents: AGEC art. 58 and REEN art. 16 figures with their explain
trails, the REEN strategy, the CSRD E1-5/E1-6 and BEGES tables, the yearly lifecycle report, the KPIs, the
dated parameters, and the downloads of every document (HTML, PDF, XLSX, JSON)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import Response

from sobre.core.errors import InputError, NotFound
from sobre.core.i18n import format_number, has, t
from sobre.lifecycle import kpis as kpi_calc
from sobre.lifecycle import service
from sobre.lifecycle.docparts import day, met_text, money, nothing_counted
from sobre.lifecycle.document import Document
from sobre.lifecycle.figures import Figure
from sobre.lifecycle.routes_common import (
    Fields,
    category_label,
    document_response,
    label,
    rows_of,
    shown,
    year_of,
)
from sobre.reporting import fmt
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form as FormState
from sobre.web.registry import CapabilityRegistry

F = Annotated[str, Form()]
#: Documents a page offers for download, with the stem of their file name.
DOCUMENTS = {
    "agec": "agec-reen",
    "reen": "strategie-numerique-responsable",
    "csrd": "csrd-e1",
    "report": "cycle-de-vie",
}
PARAM_UNITS = (
    "ratio",
    "kgCO2e/kWh",
    "years",
    "number",
    "categories",
    "date",
    "instrument",
    "flag",
    "inhabitants",
)
TRAIL_PAGE = 20
FIRST_YEAR = 2015


def default_year() -> int:
    """The year a declaration is made for: the last full one."""
    return date.today().year - 1


def year_choices() -> list[int]:
    return list(range(date.today().year, FIRST_YEAR - 1, -1))


def chosen_year(ctx: RequestContext) -> int:
    year = year_of(ctx.request.query_params.get("year"), default_year()) or default_year()
    return min(max(year, FIRST_YEAR), date.today().year)


def figures_of(rates: Any) -> list[Figure]:
    """Every figure of a year's AGEC and REEN art. 16 result, in the order the page numbers them."""
    return rates.agec.all_figures() + [rates.reen16.rate, rates.reen16.disposals_to_reuse]


def figure_view(f: Figure, n: int, lang: str) -> dict[str, Any]:
    counted = nothing_counted(f, lang) or ""
    if not counted and f.denominator is not None:
        if f.unit_of_count == "€":
            counted = f"{money(f.numerator or 0, lang)} / {money(f.denominator, lang)}"
        else:
            counted = t(
                "lc.rg.items",
                lang,
                a=format_number(f.numerator or 0, lang, 0),
                b=format_number(f.denominator, lang, 0),
            )
    rule = f.target_rule or (f.trail.rules[0] if f.trail.rules else None)
    return {
        "n": n,
        "label": t(f"lc.fig.{f.key}", lang),
        "short": t(f"lc.rg.short.{f.key}", lang)
        if has(f"lc.rg.short.{f.key}")
        else t(f"lc.fig.{f.key}", lang),
        "period": f"{day(f.trail.start, lang)} – {day(f.trail.end, lang)}",
        "shown": shown(f.estimate, lang, 100.0),
        "counted": counted,
        "target": fmt.pct(f.target, lang) if f.target is not None else "—",
        "target_value": 100 * f.target if f.target is not None else None,
        "verdict": met_text(f, lang),
        "met": f.met,
        "rule": rule.instrument if rule else "—",
        "rule_url": rule.source_url if rule else "",
    }


def chart(kind: str, id: str, title: str, desc: str, **values: Any) -> dict[str, Any]:
    """A chart of a document's part; ``replaces`` names the document's table that its own table repeats."""
    return {"kind": kind, "id": id, "title": title, "desc": desc, "replaces": None, **values}


def document_page(
    ctx: RequestContext,
    doc: Document,
    name: str,
    *,
    picker: str = "year",
    charts: dict[str, list[dict[str, Any]]] | None = None,
    runs: list[tuple[str, str]] | None = None,
    params: dict[str, Any] | None = None,
    export: str | None = None,
) -> Response:
    """A document shown one part at a time (``?part=<block id>``), with its contents and downloads."""
    ids = [b.id for b in doc.blocks] + (["sources"] if doc.sources else [])
    part = ctx.request.query_params.get("part") or ids[0]
    if part not in ids:
        raise NotFound(f"no part {part!r} in this document")
    i = ids.index(part)
    block = next((b for b in doc.blocks if b.id == part), None)
    params = params or {}
    return ctx.render(
        "lifecycle/document.html",
        doc=doc,
        name=name,
        block=block,
        part=part,
        prev=ids[i - 1] if i else None,
        next=ids[i + 1] if i + 1 < len(ids) else None,
        charts=(charts or {}).get(part, []),
        picker=picker,
        years=year_choices(),
        runs=runs or [],
        params=params,
        form=FormState({k: str(v) for k, v in params.items()}),
        export=export or ctx.url("lifecycle.export", document=name),
    )


def kpi_charts(data: Any, year: int, lang: str) -> list[dict[str, Any]]:
    """The KPIs over three years: shares in one chart, durations in another (one unit per chart)."""
    years = [year - 2, year - 1, year]
    by_year = {y: kpi_calc.compute(data.events, data.purchases, data.fleet, y) for y in years}

    def series(codes: tuple[str, ...], scale: float) -> tuple[list[str], list[list[float | None]]]:
        names = [t(f"lc.kpi.{c}", lang) for c in codes]
        values = [
            [None if (v := by_year[y][c].estimate.value) is None else v * scale for y in years] for c in codes
        ]
        return names, values

    shares, share_values = series(("reuse_rate", "refurbished_share", "repair_rate"), 100.0)
    spans, span_values = series(("average_lifetime_at_retirement", "fleet_age"), 1.0)
    labels = [str(y) for y in years]
    return [
        chart(
            "line",
            "kpi-shares",
            t("lc.rg.kpi_shares", lang),
            t("lc.rg.kpi_shares_desc", lang),
            labels=labels,
            series=shares,
            values=share_values,
            unit="%",
            digits=1,
        ),
        chart(
            "line",
            "kpi-years",
            t("lc.rg.kpi_years", lang),
            t("lc.rg.kpi_years_desc", lang),
            labels=labels,
            series=spans,
            values=span_values,
            unit=t("lc.unit.years", lang),
            digits=1,
        ),
    ]


def report_charts(data: Any, year: int, lang: str) -> dict[str, list[dict[str, Any]]]:
    k = kpi_calc.compute(data.events, data.purchases, data.fleet, year)
    dest = k["reuse_rate"].detail.get("destinations", {})
    ages = k["fleet_age"].detail["by_category"]
    buckets = [kpi_calc._bucket_label(b) for b in kpi_calc.AGE_BUCKETS]
    out: dict[str, list[dict[str, Any]]] = {"kpis": kpi_charts(data, year, lang)}
    if dest:
        out["destinations"] = [
            chart(
                "bar",
                "destinations-chart",
                t("lc.year.dest_title", lang),
                t("lc.rg.dest_desc", lang),
                labels=[label("lc.kind.", x, lang) for x in dest],
                values=list(dest.values()),
                unit=t("lc.unit.items", lang),
                digits=0,
                replaces="destinations",
            )
        ]
    if ages:
        out["fleet-age"] = [
            chart(
                "stacked",
                "fleet-age-chart",
                t("lc.year.age_title", lang),
                t("lc.rg.age_desc", lang),
                labels=[category_label(c, lang) for c in ages],
                series=[t("lc.year.years", lang, span=b) for b in buckets],
                values=[[row[b] for b in buckets] for row in ages.values()],
                unit=t("lc.unit.items", lang),
                digits=0,
                replaces="fleet-age",
            )
        ]
    return out


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    @page("/regulatory", permission="lifecycle.view", name="lifecycle.regulatory")
    def regulatory(ctx: Ctx) -> Response:
        from sobre.lifecycle.gather import gather

        assert ctx.org is not None
        year = chosen_year(ctx)
        data = gather(ctx.database_url, ctx.org.name)
        k = kpi_calc.compute(data.events, data.purchases, data.fleet, year)
        kpis = [
            {"label": ctx.t(f"lc.kpi.{code}"), "shown": shown(k[code].estimate, ctx.lang)}
            for code in (
                "average_lifetime_at_retirement",
                "reuse_rate",
                "refurbished_share",
                "repair_rate",
                "fleet_age",
            )
        ]
        return ctx.render(
            "lifecycle/regulatory.html",
            year=year,
            years=year_choices(),
            kpis=kpis,
            inhabitants=data.inhabitants,
        )

    @page("/regulatory/agec", permission="lifecycle.view", name="lifecycle.agec")
    def agec(ctx: Ctx) -> Response:
        from sobre.lifecycle.gather import gather
        from sobre.lifecycle.reports import rates

        assert ctx.org is not None
        year = chosen_year(ctx)
        r = rates(gather(ctx.database_url, ctx.org.name), year)
        views = [figure_view(f, n, ctx.lang) for n, f in enumerate(figures_of(r))]
        spans, at = [], 0
        for s in r.agec.spans:
            spans.append(
                {
                    "regime": s.regime.instrument if s.regime else None,
                    "start": day(s.start, ctx.lang),
                    "end": day(s.end, ctx.lang),
                    "figures": views[at : at + len(s.figures)],
                }
            )
            at += len(s.figures)
        annual = views[at : at + len(r.agec.annual)]
        reen = views[at + len(r.agec.annual) :]
        drawn = [v for v in annual + reen[:1] if v["shown"].known]
        return ctx.render(
            "lifecycle/agec.html",
            year=year,
            years=year_choices(),
            spans=spans,
            annual=annual,
            reen=reen,
            drawn=drawn,
            export=ctx.url("lifecycle.export", document="agec"),
            params={"year": year},
        )

    @page("/regulatory/agec/trail", permission="lifecycle.view", name="lifecycle.trail")
    def trail(ctx: Ctx, n: int = 0, page: int = 1) -> Response:
        from sobre.lifecycle.docparts import trail_table
        from sobre.lifecycle.gather import gather
        from sobre.lifecycle.reports import rates

        assert ctx.org is not None
        year = chosen_year(ctx)
        figures = figures_of(rates(gather(ctx.database_url, ctx.org.name), year))
        if not 0 <= n < len(figures):
            raise NotFound(f"no figure {n} for {year}")
        f = figures[n]
        table = trail_table("trail", f, ctx.lang, full=True)
        keys = list(f.trail.rows[0]) if f.trail.rows else []
        linked = keys.index("purchase") if "purchase" in keys else None
        result = rows_of(list(zip(f.trail.rows, table.rows, strict=True)), page, TRAIL_PAGE)
        return ctx.render(
            "lifecycle/trail.html",
            year=year,
            n=n,
            fig=figure_view(f, n, ctx.lang),
            table=table,
            result=result,
            linked=linked,
            rules=[
                {
                    "text": r.cite(),
                    "url": r.source_url,
                    "value": r.value,
                    "unit": r.unit,
                    "valid": day(r.valid_from, ctx.lang)
                    + " – "
                    + (day(r.valid_to, ctx.lang) if r.valid_to else "…"),
                }
                for r in dict.fromkeys(f.trail.rules + ([f.target_rule] if f.target_rule else []))
            ],
            params={"year": year, "n": n},
        )

    @page("/regulatory/reen", permission="lifecycle.view", name="lifecycle.reen")
    def reen(ctx: Ctx) -> Response:
        from sobre.lifecycle.reports_reen import reen_document

        assert ctx.org is not None
        year = chosen_year(ctx)
        doc = reen_document(ctx.database_url, ctx.org.name, year, ctx.lang)
        return document_page(ctx, doc, "reen", params={"year": year})

    @page("/regulatory/csrd", permission="lifecycle.view", name="lifecycle.csrd")
    def csrd(ctx: Ctx) -> Response:
        from sobre.footprint.runs import service as runs
        from sobre.lifecycle.reports import csrd_document

        assert ctx.org is not None
        known = runs.list_runs(ctx.database_url, ctx.org.name)
        ids = {str(r.id) for r in known}
        raw = ctx.request.query_params.get("run", "")
        run = int(raw) if raw in ids else None
        if not known:
            return ctx.render("lifecycle/no_run.html")
        doc = csrd_document(ctx.database_url, ctx.org.name, run, ctx.lang)
        choices = [
            (str(r.id), ctx.t("lc.rg.run", n=r.id, day=day(r.reference_date, ctx.lang))) for r in known
        ]
        return document_page(ctx, doc, "csrd", picker="run", runs=choices, params={"run": run} if run else {})

    @page("/regulatory/report", permission="lifecycle.view", name="lifecycle.report")
    def report(ctx: Ctx) -> Response:
        from sobre.lifecycle.gather import gather
        from sobre.lifecycle.reports_reen import yearly_document

        assert ctx.org is not None
        year = chosen_year(ctx)
        data = gather(ctx.database_url, ctx.org.name)
        doc = yearly_document(ctx.database_url, ctx.org.name, year, ctx.lang, chart=False, data=data)
        charts = report_charts(data, year, ctx.lang)
        return document_page(ctx, doc, "report", charts=charts, params={"year": year})

    @page("/regulatory/{document}/export", permission="lifecycle.view", name="lifecycle.export")
    def export(ctx: Ctx, document: str, format: str = "pdf") -> Response:
        from sobre.lifecycle.reports import agec_document, csrd_document
        from sobre.lifecycle.reports_reen import reen_document, yearly_document

        assert ctx.org is not None
        if document not in DOCUMENTS:
            raise NotFound(f"no document {document!r}")
        lang = ctx.request.query_params.get("lang") or ctx.lang
        if lang not in ("fr", "en"):
            raise InputError("unsupported language", column="lang", value=lang, expected="fr, en")
        year, org, url = chosen_year(ctx), ctx.org.name, ctx.database_url
        if document == "agec":
            doc = agec_document(url, org, year, lang)
        elif document == "reen":
            doc = reen_document(url, org, year, lang)
        elif document == "report":
            doc = yearly_document(url, org, year, lang)
        else:
            run = ctx.request.query_params.get("run", "")
            doc = csrd_document(url, org, int(run) if run.isdigit() and len(run) < 10 else None, lang)
        return document_response(doc, format, f"{DOCUMENTS[document]}-{doc.period}")

    # ----------------------------------------------------------------------------------- parameters

    def parameters_page(ctx: RequestContext, form: FormState | None = None, status: int = 200) -> Response:
        assert ctx.org is not None
        q = ctx.request.query_params
        prefix = q.get("prefix", "").strip()[:120]
        page_no = int(q["page"]) if q.get("page", "").isdigit() and len(q["page"]) < 7 else 1
        rows = service.parameters(ctx.database_url, ctx.org.name, prefix)
        for r in rows:
            r["from_text"] = day(date.fromisoformat(r["valid_from"]), ctx.lang)
            r["to_text"] = day(date.fromisoformat(r["valid_to"]), ctx.lang) if r["valid_to"] else "…"
        return ctx.render(
            "lifecycle/parameters.html",
            status,
            result=rows_of(rows, page_no),
            params={"prefix": prefix} if prefix else {},
            filters=FormState({"prefix": prefix}),
            form=form or FormState({"valid_from": date.today().isoformat()}),
            units=[(u, u) for u in PARAM_UNITS],
        )

    @page("/regulatory/parameters", permission="lifecycle.view", name="lifecycle.parameters")
    def parameters(ctx: Ctx) -> Response:
        return parameters_page(ctx)

    @page(
        "/regulatory/parameters",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.parameter_add",
    )
    def parameter_add(
        ctx: Ctx,
        key: F = "",
        value: F = "",
        unit: F = "",
        valid_from: F = "",
        valid_to: F = "",
        source: F = "",
        note: F = "",
    ) -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        k = f.text("key", key, required=True, limit=120)
        v = f.text("value", value, required=True, limit=500)
        u = f.choice("unit", unit, PARAM_UNITS, required=True)
        start = f.day("valid_from", valid_from, required=True)
        end = f.day("valid_to", valid_to)
        src = f.text("source", source, required=True, limit=2000)
        n = f.text("note", note, limit=2000)
        if k is not None and (" " in k or not k.replace(".", "").replace("_", "").replace("-", "").isalnum()):
            f.error("key", "lc.err.key")
        if start and end and end < start:
            f.error("valid_to", "lc.err.end_before_start")
        if not f.ok or k is None or v is None or u is None or start is None or src is None:
            return parameters_page(ctx, f.form, 422)
        try:
            service.set_parameter(
                ctx.database_url,
                ctx.org.name,
                k,
                v,
                unit=u,
                valid_from=start,
                valid_to=end,
                source=src,
                note=n,
            )
        except InputError as exc:
            f.fail("value", exc)
            return parameters_page(ctx, f.form, 422)
        return ctx.redirect(ctx.url("lifecycle.parameters"), notice="lc.notice.saved")
