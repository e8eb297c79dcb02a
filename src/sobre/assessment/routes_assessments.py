"""Pages of assessments: the list, starting one, its overview and workflow, scores, recommendations, trail
and details.  (Answers are in ``routes_answers``; files, the RGAA sample, comparison and history in
``routes_files``.)"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form as F
from fastapi.responses import Response

from sobre.assessment import page_data, store
from sobre.assessment import service as svc
from sobre.assessment.routes import ANSWER, DELETE, VALIDATE, VIEW, actor, org_name, render
from sobre.core.errors import InputError, SobreError
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, PageResult, paginate, parse_sort

LIST_PAGE = 20
TRAIL_PAGE = 25
RECOMMENDATIONS_PAGE = 15
#: Declaration details that matter for each kind (the others stay reachable from the CLI and XLSX).
DETAILS = {
    "maturity": ("scope", "evaluator", "default_target", "plan", "review_frequency"),
    "rgesn": (
        "sample",
        "evaluator",
        "referent",
        "target_score",
        "target_date",
        "plan",
        "review_frequency",
    ),
    "rgaa": ("sample", "evaluator", "contact", "technologies", "tools", "environment", "scope"),
}
LONG_DETAILS = {"plan", "sample", "scope", "environment", "technologies", "tools"}


def service_names(ctx: RequestContext) -> list[str]:
    from sobre.inventory import services

    with ctx.session() as s:
        return [v.name for v in services.list_services(s, org_name(ctx))]


def parse_day(value: str, field: str, form: Form, ctx: RequestContext) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        form.error(field, ctx.t("assessment.error.date"))
        return None


def check_targets(values: dict[str, str], form: Form, ctx: RequestContext) -> None:
    """Field messages for a target score (0–100 %) and a target date, before the use case sees them."""
    score = values.get("target_score", "").strip().replace(",", ".")
    if score:
        try:
            ok = 0 <= float(score) <= 100
        except ValueError:
            ok = False
        if not ok:
            form.error("target_score", ctx.t("assessment.error.percentage"))
        values["target_score"] = score
    if values.get("target_date", "").strip():
        parse_day(values["target_date"], "target_date", form, ctx)


def field_of(exc: InputError, default: str) -> str:
    """The form field an error of the use cases is about (its ``column``), else ``default``."""
    return (exc.column or default).lstrip("-").replace("--", "")


def overview_page(ctx: RequestContext, assessment_id: int, *, status: int = 200, **extra: Any) -> Response:
    """The assessment's overview: facts, workflow, overall figures, the chart per theme and main gaps."""
    org = org_name(ctx)
    with ctx.session() as s:
        view = svc.get(s, org, assessment_id)
        package = svc.package_of(s, org, assessment_id)
        summary = svc.scores(s, org, assessment_id, ctx.lang)
        unanswered, broken = svc.readiness(s, org, assessment_id)
        gaps = svc.recommendations(s, org, assessment_id, limit=5)
        previous = svc.previous_validated(s, org, assessment_id)
        pages = svc.pages(s, org, assessment_id) if view.kind == "rgaa" else []
    forms = {"return": Form(), "validate": Form(), "import": Form()}
    forms.update(extra.pop("forms", {}))
    return render(
        ctx,
        "assessment/overview.html",
        status,
        view=view,
        package=package,
        summary=summary,
        series=page_data.theme_series(summary, package, ctx.lang),
        unanswered=unanswered,
        broken=broken,
        gaps=gaps,
        previous=previous,
        pages=pages,
        forms=forms,
        error=extra.pop("error", None),
        source=page_data.attribution(package, ctx.lang),
        **extra,
    )


def register(registry: Any) -> None:
    route = registry.page

    @route("/assessments", permission=VIEW)
    def assessments(
        ctx: Ctx, page: int = 1, kind: str = "", status: str = "", service: str = "", sort: str = "-date"
    ) -> Response:
        names = service_names(ctx)
        filters = {
            "kind": kind if kind in svc.KINDS else "",
            "status": status if status in svc.STATUSES else "",
            "service": service if service in names else "",
        }
        order = parse_sort(sort, list(svc.SORTS), "-date")
        with ctx.session() as s:
            stmt = svc.assessments_query(
                s,
                org_name(ctx),
                kind=filters["kind"] or None,
                status=filters["status"] or None,
                service=filters["service"] or None,
                sort=order.key,
                descending=order.descending,
            )
            result = paginate(s, stmt, PageRequest(page, LIST_PAGE))
            rows = svc.views_of(s, result.items)
        return render(
            ctx,
            "assessment/assessments.html",
            rows=rows,
            result=result,
            sort=order,
            params={**filters, "sort": order.param},
            form=Form(dict(filters)),
            services=names,
            import_form=Form({"new": "1"}),
        )

    # -- starting ------------------------------------------------------------------------------------------

    def new_page(ctx: RequestContext, form: Form, status: int = 200) -> Response:
        org = org_name(ctx)
        with ctx.session() as s:
            refs = store.list_referentials(s, ctx.lang)
            earlier = svc.list_assessments(s, org)
        return render(
            ctx,
            "assessment/new.html",
            status,
            form=form,
            referentials=[
                (f"{r['code']}@{r['version']}", f"{r['title']} ({r['code']} {r['version']})") for r in refs
            ],
            services=service_names(ctx),
            earlier=[(str(v.id), f"{v.title} · {ctx.t('assessment.status.' + v.status)}") for v in earlier],
        )

    @route("/assessments/new", permission=ANSWER)
    def new(ctx: Ctx, referential: str = "", service: str = "", previous: int | None = None) -> Response:
        values: dict[str, object] = {"assessed_on": date.today().isoformat()}
        if previous is not None:
            with ctx.session() as s:
                earlier = svc.get(s, org_name(ctx), previous)
            values.update(
                referential=f"{earlier.referential}@{earlier.version}",
                service=earlier.service or "",
                previous=str(earlier.id),
            )
        else:
            values.update(referential=referential or "sobre-maturity@1.0", service=service)
        return new_page(ctx, Form(values))

    @route("/assessments", permission=ANSWER, methods=("POST",))
    def start(
        ctx: Ctx,
        referential: Annotated[str, F()] = "",
        service: Annotated[str, F()] = "",
        title: Annotated[str, F()] = "",
        assessed_on: Annotated[str, F()] = "",
        previous: Annotated[str, F()] = "",
        target_score: Annotated[str, F()] = "",
        target_date: Annotated[str, F()] = "",
        evaluator: Annotated[str, F()] = "",
    ) -> Response:
        by, role = actor(ctx)
        form = Form(
            {
                "referential": referential,
                "service": service,
                "title": title,
                "assessed_on": assessed_on,
                "previous": previous,
                "target_score": target_score,
                "target_date": target_date,
                "evaluator": evaluator,
            }
        )
        code, _, version = referential.partition("@")
        with ctx.session() as s:
            known = {f"{r['code']}@{r['version']}": r["kind"] for r in store.list_referentials(s)}
        kind = known.get(referential)
        if kind is None:
            form.error("referential", ctx.t("web.form.choose"))
        elif kind in ("rgesn", "rgaa") and not service:
            form.error("service", ctx.t("assessment.error.service_needed"))
        elif kind == "maturity" and service:
            form.error("service", ctx.t("assessment.error.no_service"))
        if service and service not in service_names(ctx):
            form.error("service", ctx.t("web.form.choose"))
        when = parse_day(assessed_on, "assessed_on", form, ctx)
        targets = {"target_score": target_score, "target_date": target_date}
        check_targets(targets, form, ctx)
        from_id = None
        if previous.strip():
            with ctx.session() as s:
                earlier = {str(v.id): v for v in svc.list_assessments(s, org_name(ctx))}.get(previous.strip())
            if earlier is None:
                form.error("previous", ctx.t("web.form.choose"))
            elif kind is not None and earlier.kind != kind:
                form.error("previous", ctx.t("assessment.error.previous_kind"))
            elif (earlier.service or "") != service:
                form.error("previous", ctx.t("assessment.error.previous_service"))
            else:
                from_id = earlier.id
        if form.ok:
            assert kind is not None
            try:
                with ctx.session() as s:
                    view = svc.start(
                        s,
                        org_name(ctx),
                        kind,
                        by=by,
                        role=role,
                        referential=code,
                        version=version,
                        service=service or None,
                        title=title.strip() or None,
                        assessed_on=when,
                        from_assessment=from_id,
                        details={
                            "target_score": targets["target_score"].strip() or None,
                            "target_date": targets["target_date"].strip() or None,
                            "evaluator": evaluator.strip() or None,
                        },
                    )
            except InputError as exc:
                form.error(field_of(exc, "referential"), ctx.t("assessment.error.invalid", detail=str(exc)))
            except SobreError as exc:
                where = "previous" if from_id is not None else "referential"
                form.error(where, ctx.t("assessment.error.refused", detail=str(exc)))
        if not form.ok:
            return new_page(ctx, form, 422)
        return ctx.redirect(
            ctx.url("assessment.overview", assessment_id=view.id), notice="assessment.notice.started"
        )

    # -- one assessment --------------------------------------------------------------------------------------

    @route("/assessments/{assessment_id:int}", permission=VIEW)
    def overview(ctx: Ctx, assessment_id: int) -> Response:
        return overview_page(ctx, assessment_id)

    def workflow(ctx: RequestContext, assessment_id: int, action: str, **options: Any) -> Response:
        by, role = actor(ctx)
        org = org_name(ctx)
        try:
            with ctx.session() as s:
                if action == "submit":
                    svc.submit(s, org, assessment_id, by=by, role=role)
                elif action == "validate":
                    svc.validate(s, org, assessment_id, by=by, role=role, **options)
                else:
                    svc.send_back(s, org, assessment_id, by=by, role=role, **options)
        except SobreError as exc:
            if type(exc) is not SobreError:
                raise  # NotFound, InputError: their error pages
            return overview_page(
                ctx, assessment_id, status=409, error=ctx.t("assessment.error.workflow", detail=str(exc))
            )
        return ctx.redirect(
            ctx.url("assessment.overview", assessment_id=assessment_id), notice=f"assessment.notice.{action}"
        )

    @route("/assessments/{assessment_id:int}/submit", permission=ANSWER, methods=("POST",))
    def submit(ctx: Ctx, assessment_id: int) -> Response:
        return workflow(ctx, assessment_id, "submit")

    @route("/assessments/{assessment_id:int}/validate", permission=VALIDATE, methods=("POST",))
    def validate(ctx: Ctx, assessment_id: int, incomplete: Annotated[str, F()] = "") -> Response:
        with ctx.session() as s:
            unanswered, broken = svc.readiness(s, org_name(ctx), assessment_id)
        form = Form({"incomplete": incomplete})
        if broken:
            form.error("incomplete", ctx.t("assessment.error.broken", items=", ".join(broken)))
        elif unanswered and incomplete != "1":
            form.error("incomplete", ctx.t("assessment.error.incomplete", count=unanswered))
        if not form.ok:
            return overview_page(ctx, assessment_id, status=422, forms={"validate": form})
        return workflow(ctx, assessment_id, "validate", allow_incomplete=incomplete == "1")

    @route("/assessments/{assessment_id:int}/return", permission=VALIDATE, methods=("POST",))
    def send_back(ctx: Ctx, assessment_id: int, reason: Annotated[str, F()] = "") -> Response:
        if not reason.strip():
            form = Form({"reason": reason}, {"reason": ctx.t("assessment.error.reason")})
            return overview_page(ctx, assessment_id, status=422, forms={"return": form})
        return workflow(ctx, assessment_id, "return", reason=reason)

    @route("/assessments/{assessment_id:int}/delete", permission=DELETE, methods=("POST",))
    def delete(ctx: Ctx, assessment_id: int) -> Response:
        with ctx.session() as s:
            svc.delete(s, org_name(ctx), assessment_id)
        return ctx.redirect(ctx.url("assessment.assessments"), notice="assessment.notice.deleted")

    @route("/assessments/{assessment_id:int}/scores", permission=VIEW)
    def scores(ctx: Ctx, assessment_id: int) -> Response:
        org = org_name(ctx)
        with ctx.session() as s:
            view = svc.get(s, org, assessment_id)
            package = svc.package_of(s, org, assessment_id)
            summary = svc.scores(s, org, assessment_id, ctx.lang)
        labels, codes, counts = (
            page_data.status_counts(summary, package, ctx.lang) if view.kind != "maturity" else ([], [], [])
        )
        return render(
            ctx,
            "assessment/scores.html",
            view=view,
            package=package,
            summary=summary,
            series=page_data.theme_series(summary, package, ctx.lang),
            count_labels=labels,
            count_series=[page_data.choice_label(view.kind, c, ctx.lang) for c in codes],
            counts=counts,
            source=page_data.attribution(package, ctx.lang),
        )

    @route("/assessments/{assessment_id:int}/recommendations", permission=VIEW)
    def recommendations(ctx: Ctx, assessment_id: int, page: int = 1) -> Response:
        org = org_name(ctx)
        with ctx.session() as s:
            view = svc.get(s, org, assessment_id)
            package = svc.package_of(s, org, assessment_id)
            actions = svc.recommendations(s, org, assessment_id)
        request = PageRequest(page, RECOMMENDATIONS_PAGE)
        result = PageResult(
            actions[request.offset : request.offset + request.per_page],
            len(actions),
            request.page,
            request.per_page,
        )
        return render(
            ctx,
            "assessment/recommendations.html",
            view=view,
            package=package,
            result=result,
            source=page_data.attribution(package, ctx.lang),
        )

    @route("/assessments/{assessment_id:int}/trail", permission=VIEW)
    def trail(ctx: Ctx, assessment_id: int, page: int = 1) -> Response:
        org = org_name(ctx)
        with ctx.session() as s:
            view = svc.get(s, org, assessment_id)
            result = paginate(s, svc.events_query(s, org, assessment_id), PageRequest(page, TRAIL_PAGE))
        return render(ctx, "assessment/trail.html", view=view, result=result)

    # -- details ---------------------------------------------------------------------------------------------

    def details_page(
        ctx: RequestContext, assessment_id: int, form: Form | None, status: int = 200
    ) -> Response:
        with ctx.session() as s:
            view = svc.get(s, org_name(ctx), assessment_id)
        return render(
            ctx,
            "assessment/details.html",
            status,
            view=view,
            fields=DETAILS[view.kind],
            long=LONG_DETAILS,
            form=form or Form({k: "" if v is None else str(v) for k, v in view.details.items()}),
        )

    @route("/assessments/{assessment_id:int}/details", permission=VIEW)
    def details(ctx: Ctx, assessment_id: int) -> Response:
        return details_page(ctx, assessment_id, None)

    @route("/assessments/{assessment_id:int}/details", permission=ANSWER, methods=("POST",))
    async def details_save(ctx: Ctx, assessment_id: int) -> Response:
        from starlette.concurrency import run_in_threadpool

        submitted = await ctx.request.form()
        return await run_in_threadpool(save_details, ctx, assessment_id, submitted)

    def save_details(ctx: RequestContext, assessment_id: int, submitted: Any) -> Response:
        by, role = actor(ctx)
        with ctx.session() as s:
            view = svc.get(s, org_name(ctx), assessment_id)
        names = DETAILS[view.kind]
        values = {n: str(submitted.get(n) or "").strip() for n in names}
        form = Form(dict(values))
        check_targets(values, form, ctx)
        if values.get("default_target") and values["default_target"] not in ("0", "1", "2", "3", "4"):
            form.error("default_target", ctx.t("web.form.choose"))
        if not form.ok:
            return details_page(ctx, assessment_id, form, 422)
        # Empty numbers and dates are left as they were; empty texts clear the text.
        changes = {
            n: v for n, v in values.items() if v or n not in ("target_score", "target_date", "default_target")
        }
        try:
            with ctx.session() as s:
                svc.set_details(s, org_name(ctx), assessment_id, by=by, role=role, **changes)
        except InputError as exc:
            form.error(field_of(exc, names[0]), ctx.t("assessment.error.invalid", detail=str(exc)))
        except SobreError as exc:
            if type(exc) is not SobreError:
                raise
            form.error(names[0], ctx.t("assessment.error.refused", detail=str(exc)))
        if not form.ok:
            return details_page(ctx, assessment_id, form, 422)
        return ctx.redirect(
            ctx.url("assessment.overview", assessment_id=assessment_id), notice="assessment.notice.details"
        )
