"""Pages of eco-design: the EcoIndex history per service and address, and measuring pages or a journey.

Services' objectives and reviews are in :mod:`sobre.ecodesign.routes_services`, the JSON API in
:mod:`sobre.ecodesign.routes_api`.  Every page calls the same use cases as the CLI (``service``,
``measure``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Form as F
from fastapi import Query
from fastapi.responses import Response, StreamingResponse

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.ecodesign import service
from sobre.inventory import services as inventory
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate, parse_sort
from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry

VIEW = "ecodesign.view"
MEASURE = "ecodesign.measure"
REVIEW = "ecodesign.review"
#: Rows per page, light enough for an EcoIndex A page.
PAGES_PAGE = 20
HISTORY_PAGE = 20
#: Measures drawn on a page's history chart (the newest ones).
CHART_POINTS = 12
MAX_WAIT = 10.0
#: The ``?service=ID`` of a page's address (a parameter named ``service`` would hide the module).
Chosen = Annotated[str, Query(alias="service", max_length=12)]
EXPORT_COLUMNS = [
    "measured_at",
    "url",
    "journey",
    "step",
    "dom",
    "requests",
    "bytes",
    "size_kb",
    "score",
    "grade",
    "ghg_g",
    "water_cl",
    "error",
    "browser",
    "width",
    "height",
]


def render(ctx: RequestContext, template: str, status: int = 200, **values: Any) -> Response:
    """A page with the method's citation (every EcoIndex shown names its source)."""
    return ctx.render(template, status, method_source=ctx.t("ecodesign.ecoindex.source"), **values)


def service_options(ctx: RequestContext, views: list[Any], empty: str) -> list[tuple[str, str]]:
    return [("", ctx.t(empty))] + [(str(v.id), v.name) for v in views]


def _int(value: str | None) -> int | None:
    """A service id from a query string or a form (anything else is no service)."""
    return int(value) if value and value.isdigit() and len(value) < 10 else None


def measure_form(form: Form, ctx: RequestContext) -> tuple[int | None, list[str], Any, float]:
    """The service, addresses, journey and wait of the measure form (messages on the fields at fault)."""
    from sobre.ecodesign.measure import parse_journey

    service_id = _int(str(form.value("service_id")))
    if service_id is None:
        form.error("service_id", ctx.t("web.form.choose"))
    urls = [u.strip() for u in str(form.value("urls")).splitlines() if u.strip()]
    journey = None
    text = str(form.value("journey")).strip()
    if text:
        try:
            journey = parse_journey(text, "journey")
        except InputError as exc:
            form.error("journey", ctx.t("ecodesign.measure.bad_journey", detail=str(exc)))
    if not urls and not text:
        form.error("urls", ctx.t("ecodesign.measure.nothing"))
    wait = form.number("wait", ctx.t, low=0, high=MAX_WAIT)
    return service_id, urls, journey, 3.0 if wait is None else wait


def register(registry: CapabilityRegistry) -> None:
    from sobre.ecodesign import routes_api, routes_services

    registry.permission(VIEW, ROLES, "ecodesign.perm.view")
    registry.permission(MEASURE, ("admin", "manager", "technician"), "ecodesign.perm.measure")
    registry.permission(REVIEW, ("admin", "manager"), "ecodesign.perm.review")
    registry.menu("ecodesign.menu.ecoindex", "ecodesign.ecoindex", permission=VIEW, order=65)
    registry.menu("ecodesign.menu.services", "ecodesign.services", permission=VIEW, order=66)
    page = registry.page

    def ecoindex_page(ctx: Ctx, form: Form | None = None, status: int = 200, **query: Any) -> Response:
        assert ctx.org is not None
        service_id = _int(query.get("service"))
        sort = parse_sort(query.get("sort"), list(service.PAGE_SORTS), "url")
        request = PageRequest(max(1, min(int(query.get("page") or 1), 1_000_000)), PAGES_PAGE)
        with ctx.session() as s:
            views = inventory.list_services(s, ctx.org.name)
            if service_id is not None and service_id not in {v.id for v in views}:
                service_id = None
            stmt = service.pages_query(s, ctx.org.name, service_id=service_id, sort=sort.param)
            result = paginate(s, stmt, request, scalars=False)
            rows = [(service.measure_row(m), n) for m, n in result.items]
            grades = service.grade_counts(s, ctx.org.name, service_id)
        if not grades.get("?"):
            grades.pop("?", None)
        names = {v.id: v.name for v in views}
        chosen = str(service_id) if service_id is not None else ""
        return render(
            ctx,
            "ecodesign/ecoindex.html",
            status,
            result=result,
            rows=rows,
            names=names,
            sort=sort,
            params={"service": chosen, "sort": sort.param},
            filter_form=Form({"service": chosen}),
            form=form or Form({"service_id": chosen, "wait": "3"}),
            options=service_options(ctx, views, "ecodesign.ecoindex.all_services"),
            measurable=service_options(ctx, [v for v in views if v.url], "ecodesign.measure.choose"),
            addresses={v.id: v.url for v in views if v.url},
            grades={
                "labels": [ctx.t("ecodesign.history.failed") if g == "?" else g for g in grades],
                "data": list(grades.values()),
            },
        )

    @page("/ecoindex", permission=VIEW)
    def ecoindex(ctx: Ctx, chosen: Chosen = "", sort: str = "", page: int = 1) -> Response:
        return ecoindex_page(ctx, service=chosen, sort=sort, page=page)

    @page("/ecoindex", permission=MEASURE, methods=("POST",), name="ecodesign.measure")
    def measure_pages(
        ctx: Ctx,
        service_id: Annotated[str, F()] = "",
        urls: Annotated[str, F()] = "",
        journey: Annotated[str, F()] = "",
        wait: Annotated[str, F()] = "3",
    ) -> Response:
        from sobre.ecodesign.measure import Options, measure

        assert ctx.org is not None
        form = Form({"service_id": service_id, "urls": urls, "journey": journey, "wait": wait})
        chosen, addresses, plan, seconds = measure_form(form, ctx)
        if form.ok and chosen is not None:
            with ctx.session() as s:
                view = service.get_service(s, ctx.org.name, chosen)
            for name, code, params in service.measure_problems(view.url, addresses, plan):
                form.error(name, ctx.t(f"ecodesign.measure.{code}", **params))
        if not form.ok or chosen is None:
            return ecoindex_page(ctx, form, 422, service=service_id)
        try:
            # A real browser on the server, outside any database transaction: each page takes seconds.
            measures = measure(
                addresses, plan, Options(wait_before_scroll=seconds, wait_after_scroll=seconds)
            )
        except SobreError as exc:  # no Chromium or no Playwright on this server
            form.error("urls", str(exc))
            return ecoindex_page(ctx, form, 422, service=service_id)
        with ctx.write_session() as s:
            service.record_measures(s, ctx.org.name, measures, view.name)
        notice = (
            "ecodesign.notice.measured_errors"
            if any(m.error for m in measures)
            else "ecodesign.notice.measured"
        )
        return ctx.redirect(ctx.url("ecodesign.ecoindex") + f"?service={chosen}", notice=notice)

    @page("/ecoindex/history", permission=VIEW)
    def history(ctx: Ctx, url: str = "", chosen: Chosen = "", page: int = 1) -> Response:
        assert ctx.org is not None
        service_id = _int(chosen)
        request = PageRequest(max(1, min(page, 1_000_000)), HISTORY_PAGE)
        with ctx.session() as s:
            view = service_view(s, ctx.org.name, service_id)
            stmt = service.measures_query(s, ctx.org.name, service_id=service_id, url=url[:1000])
            result = paginate(s, stmt, request)
            if not url or not result.total:
                raise NotFound("no measure of this address")
            rows = [service.measure_row(m) for m in result.items]
            newest = [service.measure_row(m) for m in s.scalars(stmt.limit(CHART_POINTS))]
        points = list(reversed(newest))
        return render(
            ctx,
            "ecodesign/history.html",
            address=url,
            view=view,
            result=result,
            rows=rows,
            params={"url": url, "service": chosen},
            chart={
                "x": [p["measured_at"][:10] for p in points],
                "series": [ctx.t("ecodesign.history.score")],
                "data": [[p["score"] for p in points]],
            },
            latest=rows[0] if result.page == 1 else None,
        )

    @page("/ecoindex/measures.csv", permission=VIEW)
    def measures_export(ctx: Ctx, url: str = "", chosen: Chosen = "") -> Response:
        assert ctx.org is not None
        service_id = _int(chosen)
        with ctx.session() as s:
            service_view(s, ctx.org.name, service_id)  # 404 before the download starts

        org = ctx.org.name

        def rows() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=EXPORT_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            with ctx.session() as s:
                stmt = service.measures_query(s, org, service_id=service_id, url=url or None)
                for m in s.scalars(stmt.execution_options(yield_per=2000)):
                    writer.writerow(service.measure_row(m))
                    if buffer.tell() > 1 << 16:
                        yield buffer.getvalue()
                        buffer.seek(0)
                        buffer.truncate()
            yield buffer.getvalue()

        return StreamingResponse(
            rows(),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="sobre-ecoindex.csv"'},
        )

    routes_services.register(registry)
    routes_api.register(registry)


def service_view(session: Any, org: str, service_id: int | None) -> Any:
    """The service named by a page's query string (None: every service)."""
    return service.get_service(session, org, service_id) if service_id is not None else None
