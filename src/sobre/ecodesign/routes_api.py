"""The JSON API of eco-design (``/api/v1/orgs/{org}/ecodesign/…``): the pages' use cases for scripts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from sobre.ecodesign import ecoindex, objectives, opportunity, service
from sobre.ecodesign.routes import MAX_WAIT, MEASURE, REVIEW, VIEW
from sobre.web.api import Page, Paging, list_page
from sobre.web.context import Ctx
from sobre.web.params import Id
from sobre.web.registry import CapabilityRegistry

ServiceFilter = Annotated[Id | None, Query(description="Only this service's pages")]
ObjectiveKind = Literal[
    "ecoindex_grade", "ecoindex_score", "page_weight_kb", "requests", "dom", "rgesn_score"
]
PageSort = Literal[
    "url", "-url", "score", "-score", "weight", "-weight", "requests", "-requests", "measured", "-measured"
]
Grade = Literal["A", "B", "C", "D", "E", "F", "G"]
assert set(ObjectiveKind.__args__) == set(objectives.KINDS)  # type: ignore[attr-defined]
assert "".join(Grade.__args__) == ecoindex.GRADE_ORDER  # type: ignore[attr-defined]


class Model(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)


class MeasureOut(Model):
    """One measured page or journey step; figures are null when the measure failed (``error``)."""

    id: int
    service_id: int | None
    url: str
    journey: str | None
    step: str | None
    measured_at: datetime
    dom: int | None
    requests: int | None
    bytes: int | None
    size_kb: float | None
    score: int | None
    grade: str | None
    ghg_g: float | None = Field(description="gCO2e per page view (EcoIndex)")
    water_cl: float | None = Field(description="centilitres of water per page view (EcoIndex)")
    error: str | None
    browser: str
    width: int
    height: int


class PageOut(Model):
    latest: MeasureOut
    measures: int


class MeasureIn(Model):
    service_id: Id
    urls: list[Annotated[str, Field(min_length=1, max_length=1000)]] = Field(
        default_factory=list, max_length=service.MAX_URLS
    )
    #: A journey as in a journey file: {"name": …, "steps": [{"goto": …}, {"click": …}, …]}.
    journey: dict[str, Any] | None = None
    wait: float = Field(3.0, ge=0, le=MAX_WAIT, description="Seconds before and after scrolling")


class ObjectiveIn(Model):
    target: str = Field(min_length=1, max_length=20, examples=["B", "500"])
    due: date | None = None
    note: str | None = Field(None, max_length=2000)


class ObjectiveOut(Model):
    kind: str
    label: str
    target: str
    due: date | None
    note: str | None


class ServiceOut(Model):
    id: int
    name: str
    status: str
    url: str | None
    objectives: int
    pages: int
    opportunity: str | None = Field(description="Latest opportunity recommendation: go, rework or no-go")
    periodic: str | None = Field(description="Latest periodic verdict: met, partly, not-met or unknown")


class ReviewOut(Model):
    id: int
    service: str
    kind: str
    reviewed_at: datetime
    reviewer: str | None
    recommendation: str
    #: Each reason with its message key (``code``), values and the text in the caller's language.
    reasons: list[dict[str, Any]]
    inputs: dict[str, Any]
    results: dict[str, Any]


class OpportunityIn(Model):
    need: str = Field("", max_length=2000)
    users: int | None = Field(None, ge=0, le=10**10)
    alternatives: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=20)
    alternative_sufficient: bool = False
    servers: float = Field(0, ge=0, le=10_000)
    cloud_instances: float = Field(0, ge=0, le=100_000)
    cloud_vcpu: float = Field(2, ge=1, le=512)
    storage_gb: float = Field(0, ge=0, le=1e9)
    page_views: float | None = Field(None, ge=0, le=1e13)
    expected_score: int | None = Field(None, ge=0, le=100)
    country: str = Field("FR", pattern=r"^[A-Za-z]{2}$")
    min_grade: Grade = "C"
    budget_kg_per_user: float | None = Field(None, ge=0, le=1e6)
    reviewer: str | None = Field(None, max_length=255)


def _review_out(view: service.ReviewView, lang: str) -> dict[str, Any]:
    data = view.to_dict()
    data["reasons"] = [{**r, "text": service.reason_text(r, lang)} for r in view.reasons]
    return data


def register(registry: CapabilityRegistry) -> None:
    api = registry.api

    @api("/ecodesign/pages", permission=VIEW, response_model=Page[PageOut])
    def api_pages(
        ctx: Ctx, request: Request, paging: Paging, service_id: ServiceFilter = None, sort: PageSort = "url"
    ) -> dict[str, Any]:
        """Each measured address with its latest measure (the EcoIndex page)."""
        assert ctx.org is not None
        name = ctx.org.name
        return list_page(
            ctx,
            request,
            paging,
            lambda s: service.pages_query(s, name, service_id=service_id, sort=sort),
            lambda _s, rows: [{"latest": service.measure_row(m), "measures": n} for m, n in rows],
            scalars=False,
        )

    @api("/ecodesign/measures", permission=VIEW, response_model=Page[MeasureOut])
    def api_measures(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        service_id: ServiceFilter = None,
        url: Annotated[str | None, Query(max_length=1000)] = None,
    ) -> dict[str, Any]:
        """Measures newest first, of one service and/or one address (the history)."""
        assert ctx.org is not None
        name = ctx.org.name
        return list_page(
            ctx,
            request,
            paging,
            lambda s: service.measures_query(s, name, service_id=service_id, url=url),
            lambda _s, rows: [service.measure_row(m) for m in rows],
        )

    @api(
        "/ecodesign/measures",
        permission=MEASURE,
        methods=("POST",),
        name="ecodesign.api_measure",
        response_model=list[MeasureOut],
        status_code=201,
    )
    def api_measure(ctx: Ctx, body: MeasureIn) -> list[dict[str, Any]]:
        """Measure pages and a journey of one service in headless Chromium, and record them.

        Only addresses under the service's own address are measured; a page that fails is recorded with
        its error and null figures.
        """
        from sobre.ecodesign.measure import Options, journey_of, measure

        assert ctx.org is not None
        plan = journey_of(body.journey, "journey", "journey") if body.journey is not None else None
        with ctx.session() as s:
            view = service.measurable(s, ctx.org.name, body.service_id, body.urls, plan)
        done = measure(body.urls, plan, Options(wait_before_scroll=body.wait, wait_after_scroll=body.wait))
        with ctx.write_session() as s:
            ids = service.record_measures(s, ctx.org.name, done, view.name)
            return [service.measure_row(r) for r in service.get_measures(s, ctx.org.name, ids)]

    @api("/ecodesign/services", permission=VIEW, response_model=list[ServiceOut])
    def api_services(ctx: Ctx) -> list[dict[str, Any]]:
        """The organisation's digital services with their objectives, latest reviews and measured pages."""
        assert ctx.org is not None
        with ctx.session() as s:
            rows = service.service_summaries(s, ctx.org.name)
        return [
            {
                "id": r["service"].id,
                "name": r["service"].name,
                "status": r["service"].status,
                "url": r["service"].url,
                "objectives": r["objectives"],
                "pages": r["pages"],
                "opportunity": r["opportunity"].recommendation if r["opportunity"] else None,
                "periodic": r["periodic"].recommendation if r["periodic"] else None,
            }
            for r in rows
        ]

    @api("/ecodesign/services/{service_id}/objectives", permission=VIEW, response_model=list[ObjectiveOut])
    def api_objectives(ctx: Ctx, service_id: Id) -> list[dict[str, Any]]:
        assert ctx.org is not None
        with ctx.session() as s:
            name = service.get_service(s, ctx.org.name, service_id).name
            return service.list_objectives(s, ctx.org.name, name)

    @api(
        "/ecodesign/services/{service_id}/objectives/{kind}",
        permission=REVIEW,
        methods=("PUT",),
        response_model=ObjectiveOut,
    )
    def api_objective_set(ctx: Ctx, service_id: Id, kind: ObjectiveKind, body: ObjectiveIn) -> dict[str, Any]:
        """Add or change one objective: a grade (A–G) for ecoindex_grade, a number for the others."""
        assert ctx.org is not None
        with ctx.write_session() as s:
            name = service.get_service(s, ctx.org.name, service_id).name
            return service.set_objective(
                s, ctx.org.name, name, kind, body.target, due=body.due, note=body.note
            )

    @api(
        "/ecodesign/services/{service_id}/objectives/{kind}",
        permission=REVIEW,
        methods=("DELETE",),
        status_code=204,
    )
    def api_objective_remove(ctx: Ctx, service_id: Id, kind: ObjectiveKind) -> Response:
        assert ctx.org is not None
        with ctx.write_session() as s:
            name = service.get_service(s, ctx.org.name, service_id).name
            service.remove_objective(s, ctx.org.name, name, kind)
        return Response(status_code=204)

    @api("/ecodesign/services/{service_id}/reviews", permission=VIEW, response_model=list[ReviewOut])
    def api_reviews(ctx: Ctx, service_id: Id) -> list[dict[str, Any]]:
        assert ctx.org is not None
        with ctx.session() as s:
            name = service.get_service(s, ctx.org.name, service_id).name
            return [_review_out(v, ctx.lang) for v in service.list_reviews(s, ctx.org.name, name)]

    @api(
        "/ecodesign/services/{service_id}/reviews/opportunity",
        permission=REVIEW,
        methods=("POST",),
        response_model=ReviewOut,
        status_code=201,
    )
    def api_opportunity(ctx: Ctx, service_id: Id, body: OpportunityIn) -> dict[str, Any]:
        """Review a planned service: expected footprint (engine) and a go / rework / no-go recommendation."""
        assert ctx.org is not None
        expectation = opportunity.Expectation(
            need=body.need,
            users=body.users,
            alternatives=[a for a in body.alternatives if a.strip()],
            alternative_sufficient=body.alternative_sufficient,
            servers=body.servers,
            cloud_instances=body.cloud_instances,
            cloud_vcpu=body.cloud_vcpu,
            storage_gb=body.storage_gb,
            page_views=body.page_views,
            expected_score=body.expected_score,
            country=body.country.upper(),
        )
        rules = opportunity.Rules(min_grade=body.min_grade, budget_kg_per_user=body.budget_kg_per_user)
        with ctx.write_session() as s:
            name = service.get_service(s, ctx.org.name, service_id).name
            view = service.opportunity_review(
                s, ctx.org.name, name, expectation, rules=rules, reviewer=body.reviewer
            )
            return _review_out(view, ctx.lang)

    @api(
        "/ecodesign/services/{service_id}/reviews/periodic",
        permission=REVIEW,
        methods=("POST",),
        response_model=ReviewOut,
        status_code=201,
    )
    def api_periodic(ctx: Ctx, service_id: Id) -> dict[str, Any]:
        """Judge the service against each objective with its latest measures."""
        assert ctx.org is not None and ctx.user is not None
        with ctx.write_session() as s:
            name = service.get_service(s, ctx.org.name, service_id).name
            return _review_out(
                service.periodic_review(s, ctx.org.name, name, reviewer=ctx.user.display), ctx.lang
            )

    @api("/ecodesign/reviews/{review_id}", permission=VIEW, response_model=ReviewOut)
    def api_review(ctx: Ctx, review_id: Id) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            return _review_out(service.get_review(s, ctx.org.name, review_id), ctx.lang)
