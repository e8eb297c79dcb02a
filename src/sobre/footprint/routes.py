"""Pages of the footprint: runs (launch in the background, progress, list, show, compare, explain), factor
sets (list, rows with source and licence, the organisation's overrides) and the dashboard panel shown on
the organisation's home.  The JSON API is in ``routes_api``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Form as F
from fastapi import Request
from fastapi.responses import Response

from sobre.core import i18n
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.footprint.runs import background, queries, service
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageResult
from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry

VIEW = "footprint.view"
RUN = "footprint.run"
FACTORS = "footprint.factors"
#: Breakdowns offered on a run's page and in comparisons (stored aggregates: no dataset scan).
BREAKDOWNS = ("stage", "category", "site", "department", "application")
#: Bars per chart: the largest groups; the table under the chart lists the same rows.
CHART_ROWS = 10
RUNS_PAGE = 20


def label(ctx: RequestContext, by: str, row: dict[str, Any]) -> str:
    """A breakdown row's label in the page's language (stages and categories are translated)."""
    key = f"{by}.{row['key']}"
    if by in ("stage", "category") and i18n.has(key):
        return ctx.t(key)
    if by == "department" and row["key"] is None:
        return ctx.t("footprint.chart.shared")
    return str(row["label"])


def criterion_name(ctx: RequestContext, criterion: dict[str, Any]) -> str:
    return str(criterion.get(f"label_{ctx.lang}") or criterion.get("label_en") or criterion.get("code"))


@dataclass(frozen=True)
class Chart:
    """What the chart macros draw (a dataclass: a dict's ``values`` would be its method in a template)."""

    labels: list[str]
    figures: list[float | None]
    lows: list[float | None]
    highs: list[float | None]
    unit: str


def chart_of(ctx: RequestContext, by: str, rows: list[dict[str, Any]]) -> Chart:
    """Labels, values and ranges of a breakdown for the chart macros (largest first, unknown kept)."""
    rows = sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0)))[:CHART_ROWS]
    return Chart(
        labels=[label(ctx, by, r) for r in rows],
        figures=[r["value"] for r in rows],
        lows=[r["low"] for r in rows],
        highs=[r["high"] for r in rows],
        unit=rows[0]["unit"] if rows else "",
    )


#: (database, organisation) → (its last change, inventory facts, latest run, breakdowns): the dashboard is
#: the most visited page and reads five aggregates; they change only when something in the organisation
#: changes, and every change is in the audit log (see :func:`last_change`).
_DASHBOARDS: dict[tuple[str, int], tuple[Any, dict[str, Any], Any, dict[str, list[dict[str, Any]]]]] = {}


def last_change(ctx: RequestContext) -> Any:
    """When the organisation last changed (its newest audit entry: imports, edits, runs finished…)."""
    from sobre.core import audit

    assert ctx.org is not None
    with ctx.session() as s:
        return s.scalar(
            sa.select(sa.func.max(audit.AuditEntry.at)).where(audit.AuditEntry.org_id == ctx.org.id)
        )


def find_run(ctx: RequestContext, run_id: int) -> service.RunMeta:
    assert ctx.org is not None
    for meta in service.list_runs(ctx.database_url, ctx.org.name):
        if meta.id == run_id:
            return meta
    raise NotFound(f"no footprint run {run_id}")


def dashboard(ctx: RequestContext) -> dict[str, Any] | None:
    """The organisation's home panel: totals with ranges, breakdowns, data quality, latest run, reviews."""
    from sobre.inventory import service as inventory

    assert ctx.org is not None
    if not ctx.can(VIEW):
        return None
    key, version = (ctx.database_url, ctx.org.id), last_change(ctx)
    cached = _DASHBOARDS.get(key)
    if cached is None or cached[0] != version:
        with ctx.session() as s:
            stats = inventory.dashboard_facts(s, ctx.org.id)
        latest = service.latest_run(ctx.database_url, ctx.org.name)
        rows = {}
        if latest is not None:
            for by in ("stage", "category", "site", "department"):
                rows[by] = queries.breakdown(ctx.database_url, ctx.org.name, by, run_id=latest.id)
        if len(_DASHBOARDS) > 1000:
            _DASHBOARDS.clear()
        cached = _DASHBOARDS[key] = (version, stats, latest, rows)
    _, stats, latest, rows = cached
    charts = {by: chart_of(ctx, by, r) for by, r in rows.items()}
    return {
        "template": "footprint/dashboard.html",
        "latest": latest,
        "charts": charts,
        "stats": stats,
        "criterion_name": lambda c: criterion_name(ctx, c),
    }


def register(registry: CapabilityRegistry) -> None:
    from sobre.footprint import routes_api, routes_factors

    registry.permission(VIEW, ROLES, "footprint.perm.view")
    registry.permission(RUN, ("admin", "manager", "technician"), "footprint.perm.run")
    registry.permission(FACTORS, ("admin", "manager"), "footprint.perm.factors")
    registry.menu("footprint.menu.runs", "footprint.runs", permission=VIEW, order=30)
    page = registry.page

    def runs_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, page_no: int = 1
    ) -> Response:
        from sobre.footprint import engine

        assert ctx.org is not None
        metas = service.list_runs(ctx.database_url, ctx.org.name)
        # An organisation keeps tens of runs, not thousands: they are listed whole, shown by pages.
        shown = metas[(page_no - 1) * RUNS_PAGE : page_no * RUNS_PAGE]
        result = PageResult(shown, len(metas), page_no, RUNS_PAGE)
        done = [m for m in metas if m.status == "done"]
        return ctx.render(
            "footprint/runs.html",
            status,
            result=result,
            params={},
            done=done,
            profiles=list(engine.PROFILES),
            form=form or Form({"profile": "sobre", "reference_date": date.today().isoformat()}),
        )

    @page("/runs", permission=VIEW)
    def runs(ctx: Ctx, page: int = 1) -> Response:
        return runs_page(ctx, page_no=max(1, page))

    @page("/runs", permission=RUN, methods=("POST",))
    def run_launch(
        ctx: Ctx,
        profile: Annotated[str, F()] = "sobre",
        reference_date: Annotated[str, F()] = "",
        factor_set: Annotated[str, F()] = "",
    ) -> Response:
        from sobre.footprint import engine

        assert ctx.org is not None
        form = Form({"profile": profile, "reference_date": reference_date, "factor_set": factor_set})
        if profile not in engine.PROFILES:
            form.error("profile", ctx.t("web.form.choose"))
        day = None
        if reference_date.strip():
            try:
                day = date.fromisoformat(reference_date.strip())
            except ValueError:
                form.error("reference_date", ctx.t("footprint.form.date"))
        if not form.ok:
            return runs_page(ctx, form, 422)
        try:
            run_id = background.launch(
                ctx.database_url,
                ctx.org.name,
                profile=profile,
                factor_set=factor_set or None,
                reference_date=day,
            )
        except SobreError as exc:
            form.error("factor_set" if factor_set else "profile", str(exc))
            return runs_page(ctx, form, 422)
        return ctx.redirect(ctx.url("footprint.run_show", run_id=run_id), notice="footprint.notice.launched")

    @page("/runs/{run_id:int}", permission=VIEW)
    def run_show(ctx: Ctx, run_id: int, by: str = "stage") -> Response:
        assert ctx.org is not None
        meta = find_run(ctx, run_id)
        by = by if by in BREAKDOWNS else "stage"
        chart = None
        if meta.status == "done":
            chart = chart_of(ctx, by, queries.breakdown(ctx.database_url, ctx.org.name, by, run_id=run_id))
        return ctx.render(
            "footprint/run.html",
            meta=meta,
            step=background.step_of(run_id),
            chart=chart,
            by=by,
            breakdowns=BREAKDOWNS,
            criterion_name=lambda c: criterion_name(ctx, c),
        )

    @page("/runs/compare", permission=VIEW)
    def run_compare(ctx: Ctx, a: int = 0, b: int = 0, by: str = "stage") -> Response:
        assert ctx.org is not None
        done = [m for m in service.list_runs(ctx.database_url, ctx.org.name) if m.status == "done"]
        by = by if by in BREAKDOWNS else "stage"
        rows: list[dict[str, Any]] = []
        form = Form({"a": a, "b": b, "by": by})
        ids = {m.id for m in done}
        if a or b:
            for side, value in (("a", a), ("b", b)):
                if value not in ids:
                    form.error(side, ctx.t("footprint.compare.pick"))
            if form.ok:
                rows = queries.compare_breakdown(ctx.database_url, ctx.org.name, a, b, by)
                for r in rows:
                    r["label"] = label(ctx, by, r)
        return ctx.render(
            "footprint/compare.html",
            200 if form.ok else 422,
            done=done,
            rows=rows,
            form=form,
            by=by,
            breakdowns=BREAKDOWNS,
        )

    @page("/runs/{run_id:int}/explain", permission=VIEW)
    def explain(ctx: Ctx, request: Request, run_id: int, item: str = "") -> Response:
        assert ctx.org is not None
        meta = find_run(ctx, run_id)
        form = Form({"item": item})
        found = None
        if item.strip():
            try:
                found = service.explain_item(ctx.database_url, ctx.org.name, item.strip()[:255], run_id)
            except (NotFound, InputError) as exc:
                form.error("item", str(exc))
        return ctx.render(
            "footprint/explain.html", 200 if form.ok else 404, meta=meta, found=found, form=form
        )

    @page("/factors", permission=VIEW)
    def factors(ctx: Ctx) -> Response:
        return routes_factors.factors_page(ctx)

    routes_factors.register(registry, page)
    routes_api.register(registry)
