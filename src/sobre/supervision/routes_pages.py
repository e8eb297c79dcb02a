"""Pages of supervision: the overview, hosts and a host's page, energy per host."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.responses import Response

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.supervision import alerting, listing, service, triage, views
from sobre.supervision.routes_common import (
    CONFIGURE,
    OPERATE,
    VIEW,
    PageNo,
    clean,
    declare,
    number,
    org,
    time_label,
)
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate, parse_sort, sorted_by
from sobre.web.params import Id

PER_PAGE = 25
HOST_FIELDS = (
    "equipment",
    "vm",
    "instance",
    "host_class",
    "threads",
    "ram_gb",
    "hdd_gb",
    "ssd_gb",
    "p_idle_w",
    "p_max_w",
    "os_name",
    "os_version",
)
_NUMBERS = {
    "threads": (1, 4096, True),
    "ram_gb": (0, 1e6, False),
    "hdd_gb": (0, 1e9, False),
    "ssd_gb": (0, 1e9, False),
    "p_idle_w": (0, 1e5, False),
    "p_max_w": (0, 1e5, False),
}
#: Energy periods the energy page offers, in days.
PERIODS = (7, 30, 90, 365)


def host_form_fields(ctx: RequestContext, form: Form) -> dict[str, Any]:
    """The host fields of a submitted form, checked; messages go to ``form``."""
    fields: dict[str, Any] = {}
    for name in ("equipment", "vm", "instance", "os_name", "os_version"):
        fields[name] = clean(str(form.value(name)), 255) or None
    host_class = clean(str(form.value("host_class")), 20)
    if host_class not in service.HOST_CLASSES:
        form.error("host_class", ctx.t("web.form.choose"))
    fields["host_class"] = host_class
    for name, (low, high, integer) in _NUMBERS.items():
        value = number(form, name, ctx, low=low, high=high, integer=integer)
        fields[name] = int(value) if integer and value is not None else value
    if (fields["p_idle_w"] is None) != (fields["p_max_w"] is None):
        form.error("p_max_w", ctx.t("sup.host.both_powers"))
    elif fields["p_idle_w"] is not None and fields["p_max_w"] < fields["p_idle_w"]:
        form.error("p_max_w", ctx.t("sup.host.max_below_idle"))
    return fields


def apply_host_error(ctx: RequestContext, form: Form, exc: SobreError) -> None:
    """A use case's refusal, shown on the field it names."""
    text = str(exc)
    if isinstance(exc, NotFound) and "VM" in text:
        form.error("vm", ctx.t("sup.host.unknown_vm"))
    elif isinstance(exc, NotFound):
        form.error("equipment", ctx.t("sup.host.unknown_equipment"))
    elif isinstance(exc, InputError) and exc.column in HOST_FIELDS:
        form.error(exc.column, text)
    elif "already exists" in text:
        form.error("name", ctx.t("sup.host.exists"))
    else:
        form.error("name", text)


def energy_period(days: int) -> tuple[date, date]:
    last = datetime.now(UTC).date()
    return last - timedelta(days=days - 1), last


def register(registry: Any) -> None:  # noqa: C901  (one function per page, registered together)
    declare(registry)
    page = registry.page

    # ------------------------------------------------------------ overview

    @page("/supervision", permission=VIEW, name="supervision.overview")
    def overview(ctx: Ctx) -> Response:
        oid, name = org(ctx)
        counts = listing.overview(ctx.database_url, name)
        first, last = energy_period(7)
        energy = listing.energy_totals(ctx.database_url, oid, first, last)
        with ctx.session() as s:
            stmt = listing.alerts_query(oid, state="open").order_by(
                listing.ALERT_SORTS["grade"].desc(), listing.Alert.started_at.desc()
            )
            urgent = listing.alert_rows(list(s.scalars(stmt.limit(8))))
        return ctx.render(
            "supervision/overview.html",
            counts=counts,
            energy=energy,
            first=first,
            last=last,
            urgent=urgent,
            now=datetime.now(UTC),
        )

    @page("/supervision/evaluate", permission=OPERATE, methods=("POST",), name="supervision.evaluate")
    def evaluate(ctx: Ctx) -> Response:
        """Evaluate the rules now, as the scheduled evaluation would (and route what changed)."""
        _, name = org(ctx)
        result = alerting.evaluate(ctx.database_url, name, lang=ctx.lang)
        notice = "sup.notice.evaluated" if result.transitions else "sup.notice.evaluated_none"
        return ctx.redirect(ctx.url("supervision.overview"), notice=notice)

    # ------------------------------------------------------------ hosts

    def hosts_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, page_no: int = 1
    ) -> Response:
        oid, name = org(ctx)
        q = ctx.request.query_params
        params = {
            "state": clean(q.get("state"), 10),
            "q": clean(q.get("q"), 100),
            "sort": clean(q.get("sort"), 20),
        }
        now = time.time()
        sort = parse_sort(params["sort"], list(listing.host_sorts(now)), "name")
        stmt = listing.hosts_query(oid, now=now, state=params["state"] or None, search=params["q"] or None)
        stmt = sorted_by(stmt, sort, listing.host_sorts(now), listing.Host.id)
        with ctx.session() as s:
            result = paginate(s, stmt, PageRequest(page_no, PER_PAGE), scalars=False)
        rows = listing.host_rows(ctx.database_url, name, result.items, now)
        return ctx.render(
            "supervision/hosts.html",
            status,
            result=result,
            rows=rows,
            sort=sort,
            params={k: v for k, v in params.items() if v},
            filters=Form(dict(params)),
            form=form or Form({"host_class": "server"}),
            classes=service.HOST_CLASSES,
            states=listing.HOST_STATES,
        )

    @page("/supervision/hosts", permission=VIEW, name="supervision.hosts")
    def hosts(ctx: Ctx, page: PageNo = 1) -> Response:
        return hosts_page(ctx, page_no=page)

    @page("/supervision/hosts", permission=CONFIGURE, methods=("POST",), name="supervision.host_add")
    async def host_add(ctx: Ctx) -> Response:
        form = Form({k: v for k, v in (await ctx.request.form()).items() if isinstance(v, str)})
        return await _run(host_added, ctx, form)

    def host_added(ctx: RequestContext, form: Form) -> Response:
        _, name = org(ctx)
        host_name = clean(str(form.value("name")), 255)
        if not host_name:
            form.error("name", ctx.t("web.form.required"))
        fields = host_form_fields(ctx, form)
        if form.ok:
            try:
                created = service.add_host(
                    ctx.database_url,
                    name,
                    host_name,
                    source="agent",
                    **{k: v for k, v in fields.items() if v is not None},
                )
            except SobreError as exc:
                apply_host_error(ctx, form, exc)
            else:
                return ctx.redirect(
                    ctx.url("supervision.host", host_id=created["id"]), notice="sup.notice.host_added"
                )
        return hosts_page(ctx, form, 422)

    @page("/supervision/hosts/{host_id:int}", permission=VIEW, name="supervision.host")
    def host(ctx: Ctx, host_id: Id, span: str = "24h") -> Response:
        _, name = org(ctx)
        view = views.host_view(ctx.database_url, name, host_id, span=clean(span, 5))
        labels = [time_label(t, ctx.lang, view.span) for t in view.starts]
        return ctx.render(
            "supervision/host.html", view=view, h=view.host, labels=labels, spans=list(views.SPANS)
        )

    def host_edit_page(
        ctx: RequestContext, host_id: int, form: Form | None = None, status: int = 200
    ) -> Response:
        _, name = org(ctx)
        h = listing.host_by_id(ctx.database_url, name, host_id)
        if form is None:
            form = Form({k: "" if h.get(k) is None else str(h[k]) for k in HOST_FIELDS})
        return ctx.render("supervision/host_edit.html", status, h=h, form=form, classes=service.HOST_CLASSES)

    @page("/supervision/hosts/{host_id:int}/edit", permission=CONFIGURE, name="supervision.host_edit")
    def host_edit(ctx: Ctx, host_id: Id) -> Response:
        return host_edit_page(ctx, host_id)

    @page(
        "/supervision/hosts/{host_id:int}/edit",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.host_save",
    )
    async def host_save(ctx: Ctx, host_id: Id) -> Response:
        form = Form({k: v for k, v in (await ctx.request.form()).items() if isinstance(v, str)})
        return await _run(host_saved, ctx, form, host_id)

    def host_saved(ctx: RequestContext, form: Form, host_id: int) -> Response:
        _, name = org(ctx)
        h = listing.host_by_id(ctx.database_url, name, host_id)
        fields = host_form_fields(ctx, form)
        if form.ok:
            try:
                service.update_host(ctx.database_url, name, h["name"], **fields)
            except SobreError as exc:
                apply_host_error(ctx, form, exc)
            else:
                return ctx.redirect(ctx.url("supervision.host", host_id=host_id), notice="web.notice.saved")
        return host_edit_page(ctx, host_id, form, 422)

    @page(
        "/supervision/hosts/{host_id:int}/delete",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.host_delete",
    )
    def host_delete(ctx: Ctx, host_id: Id) -> Response:
        _, name = org(ctx)
        h = listing.host_by_id(ctx.database_url, name, host_id)
        service.remove_host(ctx.database_url, name, h["name"])
        return ctx.redirect(ctx.url("supervision.hosts"), notice="sup.notice.host_removed")

    @page("/supervision/hosts/{host_id:int}/metrics", permission=VIEW, name="supervision.host_metrics")
    def host_metrics(ctx: Ctx, host_id: Id, metric: str = "", online: str = "") -> Response:
        """Every series' latest value, and the anomalies of one metric over four weeks."""
        _, name = org(ctx)
        h = listing.host_by_id(ctx.database_url, name, host_id)
        latest = service.latest_metrics(ctx.database_url, name, h["name"])
        metrics = sorted({m["metric"] for m in latest})
        chosen = clean(metric, 64)
        found = None
        if chosen in metrics:
            found = triage.anomalies(ctx.database_url, name, h["name"], chosen, online=online == "1")
        return ctx.render(
            "supervision/host_metrics.html",
            h=h,
            latest=latest,
            metrics=metrics,
            chosen=chosen if chosen in metrics else "",
            online=online == "1",
            found=found,
            filters=Form({"metric": chosen, "online": online}),
        )

    # ------------------------------------------------------------ energy

    def period_of(ctx: RequestContext) -> int:
        raw = clean(ctx.request.query_params.get("days"), 4)
        return int(raw) if raw.isdigit() and int(raw) in PERIODS else 7

    @page("/supervision/energy", permission=VIEW, name="supervision.energy")
    def energy(ctx: Ctx, page: PageNo = 1) -> Response:
        oid, _ = org(ctx)
        days = period_of(ctx)
        first, last = energy_period(days)
        sort = parse_sort(clean(ctx.request.query_params.get("sort"), 20), list(listing.ENERGY_SORTS), "-kwh")
        stmt = sorted_by(
            listing.energy_query(oid, first, last), sort, listing.ENERGY_SORTS, listing.Host.name
        )
        with ctx.session() as s:
            result = paginate(s, stmt, PageRequest(page, PER_PAGE), scalars=False)
        rows = [dict(r._mapping) for r in result.items]
        methods = listing.energy_methods(ctx.database_url, [r["host_id"] for r in rows], first, last)
        totals = listing.energy_totals(ctx.database_url, oid, first, last)
        return ctx.render(
            "supervision/energy.html",
            result=result,
            rows=rows,
            methods=methods,
            totals=totals,
            days=days,
            periods=PERIODS,
            first=first,
            last=last,
            sort=sort,
            params={"days": days, "sort": sort.param},
        )

    @page(
        "/supervision/energy/compute",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.energy_compute",
    )
    async def energy_compute(ctx: Ctx) -> Response:
        """Compute (again) each host's daily energy over the period from the stored points."""
        raw = (await ctx.request.form()).get("days")
        days = int(raw) if isinstance(raw, str) and raw.isdigit() and int(raw) in PERIODS else 7
        _, name = org(ctx)
        first, last = energy_period(days)
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(service.compute_energy, ctx.database_url, name, first, last)
        return ctx.redirect(
            f"{ctx.url('supervision.energy')}?days={days}", notice="sup.notice.energy_computed"
        )

    @page("/supervision/energy/export", permission=VIEW, name="supervision.energy_export")
    def energy_export(ctx: Ctx) -> Response:
        """The period's daily energy of every host as CSV (one row per host and day)."""
        _, name = org(ctx)
        days = period_of(ctx)
        first, last = energy_period(days)
        buffer = io.StringIO()
        columns = [
            "host",
            "day",
            "kwh",
            "low",
            "high",
            "status",
            "method",
            "source",
            "coverage",
            "pue",
            "facility_kwh",
        ]
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in service.energy_days(ctx.database_url, name, first=first, last=last):
            writer.writerow(row)
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": f'attachment; filename="sobre-energy-{first}-{last}.csv"'},
        )


async def _run(handler: Any, *args: Any) -> Response:
    """Run a form's synchronous handler (database work) off the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(handler, *args)  # type: ignore[no-any-return]
