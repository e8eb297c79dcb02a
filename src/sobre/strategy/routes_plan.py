"""Pages of the plan: objectives (with the check against the scenarios), actions (create, edit, status,
filters, matrix and roadmap), indicators (define, record, measure), reviews and the people of the strategy
(communication, training, referents and their feedback)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from sobre.core.errors import InputError
from sobre.strategy.routes_common import org_name, posted, render, who
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.registry import CapabilityRegistry


def _criteria(ctx: RequestContext) -> tuple[str, ...]:
    """The criteria of the organisation's latest footprint run (climate change when it has none)."""
    from sobre.footprint.runs import service as runs

    assert ctx.org is not None
    latest = runs.latest_run(ctx.database_url, org_name(ctx))
    return tuple(latest.totals) if latest is not None and latest.totals else ("climate_change",)


def _save(
    ctx: RequestContext,
    form: Form,
    default: str,
    do: Callable[[Any], Any],
    again: Callable[[Form], Response],
    done: Callable[[Any], str],
    notice: str,
) -> Response:
    """Run ``do(session)`` when the form is valid; a refusal goes back to its field (422), else redirect."""
    from sobre.strategy import forms

    if form.ok:
        try:
            with ctx.session() as s:
                result = do(s)
        except InputError as exc:
            forms.refusal(form, exc, default, ctx.t)
    if not form.ok:
        return again(form)
    return ctx.redirect(done(result), notice=notice)


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    # ------------------------------------------------------------------------------------ objectives

    def objectives_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
        from sobre.strategy import service

        assert ctx.org is not None
        checked = service.check_objectives(ctx.database_url, org_name(ctx))
        with ctx.session() as s:
            vision = service.get_vision(s, org_name(ctx))
            commitments = service.commitments(s, org_name(ctx))
        return render(
            ctx,
            "strategy/objectives.html",
            status,
            objectives=checked,
            objective=None,
            vision=vision,
            commitments=commitments,
            # The vision's texts as stored, unless they were just submitted (and refused).
            vision_form=Form(
                {k: (form.values if form and k in form.values else vision)[k] for k in vision},
                form.errors if form else {},
            ),
            criteria=_criteria(ctx),
            form=form or Form({"per": "total", "criterion": "climate_change"}),
        )

    @page("/strategy/objectives", permission="strategy.view", name="strategy.objectives")
    def objectives(ctx: Ctx) -> Response:
        return objectives_page(ctx)

    @page(
        "/strategy/objectives",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.objective_create",
    )
    async def objective_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, service

        assert ctx.org is not None
        form = await posted(request)
        fields = forms.objective_fields(form, ctx.t, _criteria(ctx))
        return _save(
            ctx,
            form,
            "title",
            lambda s: service.add_objective(s, org_name(ctx), fields.pop("title"), **fields),
            lambda f: objectives_page(ctx, f, 422),
            lambda _: ctx.url("strategy.objectives"),
            "st.notice.saved",
        )

    @page("/strategy/vision", permission="strategy.edit", methods=("POST",), name="strategy.vision_edit")
    async def vision_edit(ctx: Ctx, request: Request) -> Response:
        """The vision, scope and governance texts of the strategy."""
        from sobre.strategy import forms, service

        form = await posted(request)
        texts = {k: forms.text(form, k, ctx.t, limit=4000) for k in ("vision", "scope", "governance")}
        return _save(
            ctx,
            form,
            "vision",
            lambda s: service.set_vision(s, org_name(ctx), **texts),
            lambda f: objectives_page(ctx, f, 422),
            lambda _: ctx.url("strategy.objectives"),
            "st.notice.saved",
        )

    @page(
        "/strategy/commitments",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.commitment_create",
    )
    async def commitment_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, service

        form = await posted(request)
        title = forms.text(form, "c_title", ctx.t, required=True)
        detail = forms.text(form, "c_detail", ctx.t, limit=4000)
        return _save(
            ctx,
            form,
            "c_title",
            lambda s: service.add_commitment(s, org_name(ctx), title, detail),
            lambda f: objectives_page(ctx, f, 422),
            lambda _: ctx.url("strategy.objectives"),
            "st.notice.saved",
        )

    def objective_page(
        ctx: RequestContext, objective_id: int, form: Form | None = None, status: int = 200
    ) -> Response:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            row = service.objective_dict(service.objective_row(s, org_name(ctx), objective_id))
        if form is None:
            form = Form(
                {
                    **row,
                    "reduction": round(100 * row["reduction"], 3),
                    "baseline_value": row["baseline_value"] or "",
                }
            )
        return render(
            ctx, "strategy/objective.html", status, objective=row, criteria=_criteria(ctx), form=form
        )

    @page("/strategy/objectives/{objective_id:int}", permission="strategy.view", name="strategy.objective")
    def objective(ctx: Ctx, objective_id: int) -> Response:
        return objective_page(ctx, objective_id)

    @page(
        "/strategy/objectives/{objective_id:int}",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.objective_edit",
    )
    async def objective_edit(ctx: Ctx, request: Request, objective_id: int) -> Response:
        from sobre.strategy import forms, service

        assert ctx.org is not None
        form = await posted(request)
        if form.value("delete"):
            with ctx.session() as s:
                service.delete_objective(s, org_name(ctx), objective_id)
            return ctx.redirect(ctx.url("strategy.objectives"), notice="st.notice.deleted")
        fields = forms.objective_fields(form, ctx.t, _criteria(ctx))
        return _save(
            ctx,
            form,
            "title",
            lambda s: service.update_objective(s, org_name(ctx), objective_id, **fields),
            lambda f: objective_page(ctx, objective_id, f, 422),
            lambda _: ctx.url("strategy.objectives"),
            "st.notice.saved",
        )

    # --------------------------------------------------------------------------------------- actions

    @page("/strategy/actions", permission="strategy.view", name="strategy.actions")
    def actions(ctx: Ctx, status: str = "", horizon: str = "", origin: str = "") -> Response:
        from sobre.strategy import documents
        from sobre.strategy import steering as plan

        assert ctx.org is not None
        allowed = {"status": plan.STATUSES, "horizon": plan.HORIZONS, "origin": plan.ORIGINS}
        chosen = {"status": status, "horizon": horizon, "origin": origin}
        filters = {k: v for k, v in chosen.items() if v in allowed[k]}
        data = documents.gather(ctx.database_url, org_name(ctx), ctx.lang, filters=filters)
        return render(
            ctx,
            "strategy/actions.html",
            actions=data["actions"],
            roadmap=data["roadmap"],
            matrix=data["matrix"],
            allowed=allowed,
            filters=filters,
            statuses=plan.STATUSES,
        )

    def action_page(
        ctx: RequestContext, action_id: int | None, form: Form | None = None, status: int = 200
    ) -> Response:
        from sobre.strategy import forms
        from sobre.strategy import steering as plan

        assert ctx.org is not None
        current = None
        if action_id is not None:
            with ctx.session() as s:
                current = plan.get_action(s, org_name(ctx), action_id)
        defaults: dict[str, object] = {
            "origin": "free",
            "effort": "medium",
            "horizon": "short",
            "commitment_level": "proposed",
            "status": "planned",
        }
        return render(
            ctx,
            "strategy/action_form.html",
            status,
            action=current,
            form=form or (forms.action_form(current) if current else Form(defaults)),
            choices={
                "origin": plan.ORIGINS,
                "effort": plan.EFFORTS,
                "horizon": plan.HORIZONS,
                "commitment_level": plan.LEVELS,
                "status": plan.STATUSES,
            },
        )

    @page("/strategy/actions/new", permission="strategy.edit", name="strategy.action_new")
    def action_new(ctx: Ctx) -> Response:
        return action_page(ctx, None)

    @page(
        "/strategy/actions/new", permission="strategy.edit", methods=("POST",), name="strategy.action_create"
    )
    async def action_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, steering

        assert ctx.org is not None
        form = await posted(request)
        fields = forms.action_fields(form, ctx.t)
        return _save(
            ctx,
            form,
            "title",
            lambda s: steering.add_action(s, org_name(ctx), fields.pop("title"), **fields),
            lambda f: action_page(ctx, None, f, 422),
            lambda new_id: ctx.url("strategy.action", action_id=new_id),
            "st.notice.saved",
        )

    @page("/strategy/actions/{action_id:int}", permission="strategy.view", name="strategy.action")
    def action(ctx: Ctx, action_id: int) -> Response:
        return action_page(ctx, action_id)

    @page(
        "/strategy/actions/{action_id:int}",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.action_edit",
    )
    async def action_edit(ctx: Ctx, request: Request, action_id: int) -> Response:
        from sobre.strategy import forms, steering

        assert ctx.org is not None
        form = await posted(request)
        fields = forms.action_fields(form, ctx.t)
        # The title is the action's name in the plan: kept as it is.
        fields.pop("title", None)
        form.errors.pop("title", None)
        return _save(
            ctx,
            form,
            "description",
            lambda s: steering.update_action(s, org_name(ctx), action_id, **fields),
            lambda f: action_page(ctx, action_id, f, 422),
            lambda _: ctx.url("strategy.action", action_id=action_id),
            "st.notice.saved",
        )

    @page(
        "/strategy/actions/{action_id:int}/status",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.action_status",
    )
    async def action_status(ctx: Ctx, request: Request, action_id: int) -> Response:
        from sobre.strategy import forms, steering

        assert ctx.org is not None
        form = await posted(request)
        status = forms.choice(form, "status", steering.STATUSES, ctx.t)
        if status is None:
            raise InputError("unknown status", column="status", value=str(form.value("status")))
        with ctx.session() as s:
            steering.update_action(s, org_name(ctx), action_id, status=status)
        return ctx.redirect(ctx.url("strategy.actions"), notice="st.notice.saved")

    @page("/strategy/actions/proposals", permission="strategy.view", name="strategy.proposals")
    def proposals(ctx: Ctx) -> Response:
        """The latest diagnosis's recommendations, each one click from becoming an action."""
        from sobre.core.errors import SobreError
        from sobre.reporting import service as reporting

        try:
            data = reporting.build_report_data(ctx.database_url, org_name(ctx), compute_if_missing=False)
            rows = [
                {
                    "key": r.key,
                    "title": ctx.t(f"reco.{r.key}.short"),
                    "avoided": r.avoided.get("climate_change"),
                    "horizon": r.horizon,
                    "practice": r.practice,
                }
                for r in data.recommendations
            ]
        except SobreError:
            rows = []
        return render(ctx, "strategy/proposals.html", rows=rows)

    @page(
        "/strategy/actions/from/{origin}",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.action_from",
    )
    async def action_from(ctx: Ctx, request: Request, origin: str) -> Response:
        """One click from another capability's page: its origin (``rot``, ``incident``…) and reference."""
        from sobre.core.errors import SobreError
        from sobre.strategy import service

        assert ctx.org is not None
        form = await posted(request)
        ref = str(form.value("ref", "") or "").strip()[:255]
        try:
            with ctx.session() as s:
                action_id = service.create_action_from(s, ctx.org.id, origin, ref, lang=ctx.lang).id
        except SobreError:
            return ctx.redirect(ctx.url("strategy.actions"), notice="st.notice.not_created")
        return ctx.redirect(
            ctx.url("strategy.action", action_id=action_id), notice="st.notice.action_created"
        )

    # ----------------------------------------------------------------------------------- indicators

    def kpis_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, measured: Any = None
    ) -> Response:
        from sobre.strategy import documents
        from sobre.strategy import sources as kpi_sources

        assert ctx.org is not None
        data = documents.gather(ctx.database_url, org_name(ctx), ctx.lang)
        return render(
            ctx,
            "strategy/kpis.html",
            status,
            kpis=data["kpis"],
            sources=sorted(kpi_sources.sources()),
            form=form or Form({"source": "manual", "direction": "down"}),
            measured=measured,
            today=date.today().isoformat(),
        )

    @page("/strategy/kpis", permission="strategy.view", name="strategy.kpis")
    def kpis(ctx: Ctx) -> Response:
        return kpis_page(ctx)

    @page("/strategy/kpis", permission="strategy.edit", methods=("POST",), name="strategy.kpi_create")
    async def kpi_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, steering
        from sobre.strategy import sources as kpi_sources

        assert ctx.org is not None
        form = await posted(request)
        fields = forms.kpi_fields(form, ctx.t, tuple(kpi_sources.sources()))
        return _save(
            ctx,
            form,
            "code",
            lambda s: steering.define_kpi(s, org_name(ctx), fields.pop("code"), fields.pop("name"), **fields),
            lambda f: kpis_page(ctx, f, 422),
            lambda _: ctx.url("strategy.kpis"),
            "st.notice.saved",
        )

    @page(
        "/strategy/kpis/measure", permission="strategy.edit", methods=("POST",), name="strategy.kpi_measure"
    )
    def kpi_measure(ctx: Ctx) -> Response:
        from sobre.strategy import steering

        assert ctx.org is not None
        measured = steering.measure(ctx.database_url, org_name(ctx), date.today(), who(ctx))
        return kpis_page(ctx, measured=measured)

    def kpi_page(ctx: RequestContext, code: str, form: Form | None = None, status: int = 200) -> Response:
        from sobre.core.errors import NotFound
        from sobre.strategy import documents

        assert ctx.org is not None
        data = documents.gather(ctx.database_url, org_name(ctx), ctx.lang)
        found = [k for k in data["kpis"] if k["code"] == code]
        if not found:
            raise NotFound(f"no indicator {code!r}")
        return render(
            ctx,
            "strategy/kpi.html",
            status,
            kpi=found[0],
            form=form or Form({"on": date.today().isoformat(), "by": who(ctx)}),
        )

    @page("/strategy/kpis/{code}", permission="strategy.view", name="strategy.kpi")
    def kpi(ctx: Ctx, code: str) -> Response:
        return kpi_page(ctx, code)

    @page("/strategy/kpis/{code}", permission="strategy.edit", methods=("POST",), name="strategy.kpi_record")
    async def kpi_record(ctx: Ctx, request: Request, code: str) -> Response:
        from sobre.strategy import forms, steering

        assert ctx.org is not None
        form = await posted(request)
        m = forms.measurement_fields(form, ctx.t)
        return _save(
            ctx,
            form,
            "value",
            lambda s: steering.record(
                s,
                org_name(ctx),
                code,
                m["value"],
                m["on"],
                m["by"],
                note=m["note"],
                low=m["low"],
                high=m["high"],
            ),
            lambda f: kpi_page(ctx, code, f, 422),
            lambda _: ctx.url("strategy.kpi", code=code),
            "st.notice.recorded",
        )

    # -------------------------------------------------------------------------------------- reviews

    def reviews_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
        from sobre.strategy import steering

        assert ctx.org is not None
        with ctx.session() as s:
            rows = steering.reviews(s, org_name(ctx))
            plan = steering.list_actions(s, org_name(ctx))
        return render(
            ctx,
            "strategy/reviews.html",
            status,
            reviews=list(reversed(rows)),
            actions=plan,
            statuses=("", *steering.STATUSES),
            form=form or Form({"held_on": date.today().isoformat()}),
        )

    @page("/strategy/reviews", permission="strategy.view", name="strategy.reviews")
    def reviews(ctx: Ctx) -> Response:
        return reviews_page(ctx)

    @page("/strategy/reviews", permission="strategy.edit", methods=("POST",), name="strategy.review_create")
    async def review_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, steering

        assert ctx.org is not None
        form = await posted(request)
        title = forms.text(form, "title", ctx.t, required=True)
        held_on = forms.day(form, "held_on", ctx.t, required=True)
        decisions = [d.strip() for d in str(form.value("decisions", "")).splitlines() if d.strip()]
        adjust: dict[int, dict[str, Any]] = {}
        for key, value in form.values.items():
            if key.startswith("status_") and value and key[7:].isdigit():
                if value not in steering.STATUSES:
                    form.error(key, ctx.t("st.form.choice", allowed=", ".join(steering.STATUSES)))
                adjust[int(key[7:])] = {"status": value}
        return _save(
            ctx,
            form,
            "title",
            lambda s: steering.add_review(
                s,
                org_name(ctx),
                title,
                held_on,  # type: ignore[arg-type]
                who(ctx),
                notes=forms.text(form, "notes", ctx.t, limit=4000),
                decisions=decisions,
                adjust=adjust,
            ),
            lambda f: reviews_page(ctx, f, 422),
            lambda _: ctx.url("strategy.reviews"),
            "st.notice.saved",
        )

    # --------------------------------------------------------------------------------------- people

    from sobre.strategy.routes_people import register as register_people

    register_people(registry, _save)
