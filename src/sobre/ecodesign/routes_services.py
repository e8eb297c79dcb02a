"""Pages of digital services' eco-design: objectives, the opportunity review, periodic reviews."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form as F
from fastapi.responses import Response

from sobre.core.errors import InputError
from sobre.ecodesign import ecoindex, objectives, opportunity, service
from sobre.ecodesign.routes import REVIEW, VIEW, render
from sobre.inventory import services as inventory
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate
from sobre.web.registry import CapabilityRegistry

#: Measured addresses shown on a service's page (the EcoIndex page lists them all).
SERVICE_PAGES = 10
OPPORTUNITY_FIELDS = (
    "need",
    "users",
    "alternatives",
    "alternative_sufficient",
    "servers",
    "cloud_instances",
    "cloud_vcpu",
    "storage_gb",
    "page_views",
    "expected_score",
    "country",
    "min_grade",
    "budget",
    "reviewer",
)


def criterion_labels(rows: list[dict[str, Any]], lang: str) -> dict[str, str]:
    return {r["code"]: str((r["label_fr"] if lang == "fr" else r["label_en"]) or r["code"]) for r in rows}


def expectation_from(
    form: Form, ctx: RequestContext
) -> tuple[opportunity.Expectation, opportunity.Rules] | None:
    """The planned service and the review's rules from the form, or None with messages on the fields."""
    need = str(form.value("need")).strip()
    if len(need) > 2000:
        form.error("need", ctx.t("ecodesign.form.too_long", n=2000))
    users = form.number("users", ctx.t, low=0, high=1e10, integer=True)
    alternatives = [a.strip() for a in str(form.value("alternatives")).splitlines() if a.strip()]
    if len(alternatives) > 20:
        form.error("alternatives", ctx.t("ecodesign.form.too_many", n=20))
    servers = form.number("servers", ctx.t, low=0, high=10_000)
    instances = form.number("cloud_instances", ctx.t, low=0, high=100_000)
    vcpu = form.number("cloud_vcpu", ctx.t, low=1, high=512)
    storage_gb = form.number("storage_gb", ctx.t, low=0, high=1e9)
    views = form.number("page_views", ctx.t, low=0, high=1e13, integer=True)
    score = form.number("expected_score", ctx.t, low=0, high=100, integer=True)
    budget = form.number("budget", ctx.t, low=0, high=1e6)
    country = str(form.value("country") or "FR").strip().upper()
    if len(country) != 2 or not country.isalpha():
        form.error("country", ctx.t("ecodesign.form.country"))
    grade = str(form.value("min_grade") or "C").upper()
    if grade not in ecoindex.GRADE_ORDER:
        form.error("min_grade", ctx.t("web.form.choose"))
    if not form.ok:
        return None
    expectation = opportunity.Expectation(
        need=need,
        users=None if users is None else int(users),
        alternatives=alternatives,
        alternative_sufficient=bool(form.value("alternative_sufficient")),
        servers=servers or 0,
        cloud_instances=instances or 0,
        cloud_vcpu=2 if vcpu is None else vcpu,
        storage_gb=storage_gb or 0,
        page_views=None if views is None else views,
        expected_score=None if score is None else int(score),
        country=country,
    )
    return expectation, opportunity.Rules(min_grade=grade, budget_kg_per_user=budget)


def review_context(ctx: RequestContext, view: service.ReviewView, criteria: list[dict[str, Any]]) -> dict:
    """What a review page shows beside the review: translated reasons, criteria, the climate chart."""
    results = view.results
    chart: dict[str, Any] | None = None
    if view.kind == "opportunity":
        parts = [
            ("ecodesign.footprint.infrastructure", results.get("infrastructure", {}).get("climate_change")),
            ("ecodesign.footprint.storage", results.get("storage", {}).get("climate_change")),
            ("ecodesign.footprint.usage", results.get("usage_climate_change")),
        ]
        chart = {
            "labels": [ctx.t(f"{key}_short") for key, _ in parts],
            "data": [e["value"] if e else None for _, e in parts],
            "lows": [e["low"] if e else None for _, e in parts],
            "highs": [e["high"] if e else None for _, e in parts],
        }
    return {
        "review": view,
        "reasons": [(r, service.reason_text(r, ctx.lang)) for r in view.reasons],
        "criteria": criteria,
        "labels": criterion_labels(criteria, ctx.lang),
        "chart": chart,
        "objective_label": lambda kind: ctx.t(f"ecodesign.objective.{kind}"),
    }


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    @page("/ecodesign/services", permission=VIEW)
    def services(ctx: Ctx) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            rows = service.service_summaries(s, ctx.org.name)
        return render(ctx, "ecodesign/services.html", rows=rows)

    def service_page_of(ctx: Ctx, service_id: int, form: Form | None = None, status: int = 200) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            view = service.get_service(s, ctx.org.name, service_id)
            goals = service.list_objectives(s, ctx.org.name, view.name)
            reviews = list(reversed(service.list_reviews(s, ctx.org.name, view.name)))
            stmt = service.pages_query(s, ctx.org.name, service_id=view.id, sort="url")
            pages = paginate(s, stmt, PageRequest(1, SERVICE_PAGES), scalars=False)
            measured = [(service.measure_row(m), n) for m, n in pages.items]
        return render(
            ctx,
            "ecodesign/service.html",
            status,
            view=view,
            objectives=goals,
            reviews=reviews,
            measured=measured,
            measured_total=pages.total,
            form=form or Form(),
            kinds=[(k, ctx.t(f"ecodesign.objective.{k}")) for k in objectives.KINDS],
        )

    @page("/ecodesign/services/{service_id:int}", permission=VIEW)
    def service_page(ctx: Ctx, service_id: int) -> Response:
        return service_page_of(ctx, service_id)

    @page("/ecodesign/services/{service_id:int}/objectives", permission=REVIEW, methods=("POST",))
    def objective_set(
        ctx: Ctx,
        service_id: int,
        kind: Annotated[str, F()] = "",
        target: Annotated[str, F()] = "",
        due: Annotated[str, F()] = "",
        note: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.org is not None
        form = Form({"kind": kind, "target": target, "due": due, "note": note})
        if kind not in objectives.KINDS:
            form.error("kind", ctx.t("web.form.choose"))
        else:
            try:
                objectives.check_target(kind, target)
            except InputError:
                form.error(
                    "target",
                    ctx.t(f"ecodesign.form.target_{'grade' if kind == 'ecoindex_grade' else 'number'}"),
                )
        due_date = None
        if due.strip():
            try:
                due_date = date.fromisoformat(due.strip())
            except ValueError:
                form.error("due", ctx.t("ecodesign.form.date"))
        if len(note) > 2000:
            form.error("note", ctx.t("ecodesign.form.too_long", n=2000))
        if not form.ok:
            return service_page_of(ctx, service_id, form, 422)
        with ctx.write_session() as s:
            view = service.get_service(s, ctx.org.name, service_id)
            service.set_objective(
                s, ctx.org.name, view.name, kind, target, due=due_date, note=note.strip() or None
            )
        return ctx.redirect(
            ctx.url("ecodesign.service_page", service_id=service_id),
            notice="ecodesign.notice.objective_saved",
        )

    @page("/ecodesign/services/{service_id:int}/objectives/remove", permission=REVIEW, methods=("POST",))
    def objective_remove(ctx: Ctx, service_id: int, kind: Annotated[str, F()] = "") -> Response:
        assert ctx.org is not None
        with ctx.write_session() as s:
            view = service.get_service(s, ctx.org.name, service_id)
            service.remove_objective(s, ctx.org.name, view.name, kind)
        return ctx.redirect(
            ctx.url("ecodesign.service_page", service_id=service_id),
            notice="ecodesign.notice.objective_removed",
        )

    @page("/ecodesign/services/{service_id:int}/periodic", permission=REVIEW, methods=("POST",))
    def periodic(ctx: Ctx, service_id: int) -> Response:
        assert ctx.org is not None and ctx.user is not None
        with ctx.write_session() as s:
            view = service.get_service(s, ctx.org.name, service_id)
            done = service.periodic_review(s, ctx.org.name, view.name, reviewer=ctx.user.display)
        return ctx.redirect(
            ctx.url("ecodesign.review", review_id=done.id), notice="ecodesign.notice.reviewed"
        )

    def opportunity_page(ctx: Ctx, service_id: int, form: Form | None = None, status: int = 200) -> Response:
        assert ctx.org is not None and ctx.user is not None
        with ctx.session() as s:
            view = service.get_service(s, ctx.org.name, service_id)
        defaults: dict[str, object] = {
            "users": "" if view.users is None else str(view.users),
            "cloud_vcpu": "2",
            "country": "FR",
            "min_grade": "C",
            "reviewer": ctx.user.display,
        }
        return render(
            ctx,
            "ecodesign/opportunity.html",
            status,
            view=view,
            form=form or Form(defaults),
            grades=[(g, g) for g in ecoindex.GRADE_ORDER],
        )

    @page(
        "/ecodesign/services/{service_id:int}/opportunity",
        permission=REVIEW,
        name="ecodesign.opportunity_form",
    )
    def opportunity_form(ctx: Ctx, service_id: int) -> Response:
        return opportunity_page(ctx, service_id)

    @page("/ecodesign/services/{service_id:int}/opportunity", permission=REVIEW, methods=("POST",))
    def opportunity_review(
        ctx: Ctx,
        service_id: int,
        need: Annotated[str, F()] = "",
        users: Annotated[str, F()] = "",
        alternatives: Annotated[str, F()] = "",
        alternative_sufficient: Annotated[str, F()] = "",
        servers: Annotated[str, F()] = "",
        cloud_instances: Annotated[str, F()] = "",
        cloud_vcpu: Annotated[str, F()] = "",
        storage_gb: Annotated[str, F()] = "",
        page_views: Annotated[str, F()] = "",
        expected_score: Annotated[str, F()] = "",
        country: Annotated[str, F()] = "",
        min_grade: Annotated[str, F()] = "",
        budget: Annotated[str, F()] = "",
        reviewer: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.org is not None
        values = dict(locals())  # the form's fields, by their names
        form = Form({k: values[k] for k in OPPORTUNITY_FIELDS})
        planned = expectation_from(form, ctx)
        if len(reviewer) > 255:
            form.error("reviewer", ctx.t("ecodesign.form.too_long", n=255))
        if planned is None or not form.ok:
            return opportunity_page(ctx, service_id, form, 422)
        expectation, rules = planned
        with ctx.write_session() as s:
            view = service.get_service(s, ctx.org.name, service_id)
            done = service.opportunity_review(
                s, ctx.org.name, view.name, expectation, rules=rules, reviewer=reviewer.strip() or None
            )
        return ctx.redirect(
            ctx.url("ecodesign.review", review_id=done.id), notice="ecodesign.notice.reviewed"
        )

    @page("/ecodesign/reviews/{review_id:int}", permission=VIEW)
    def review(ctx: Ctx, review_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            view = service.get_review(s, ctx.org.name, review_id)
            found = inventory.get(s, ctx.org.name, view.service)
            criteria = service.criteria(s, ctx.org.name)
        return render(
            ctx, "ecodesign/review.html", service_id=found.id, **review_context(ctx, view, criteria)
        )
