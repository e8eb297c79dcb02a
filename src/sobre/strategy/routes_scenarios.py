"""Scenario pages: create, add a change (one form per change kind, read from ``scenarios.KINDS``), remove
one, run it with the footprint engine (in the background, its page following the progress), compare two
side by side, and make an action from it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form as F
from fastapi import Request
from fastapi.responses import Response

from sobre.core.errors import InputError
from sobre.strategy.routes_common import posted, render
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.registry import CapabilityRegistry


def _run_error(ctx: RequestContext, error: dict[str, Any] | None) -> str | None:
    """A background computation's failure in the page's language."""
    from sobre.strategy import background

    return background.error_text(error, ctx.lang)


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    def list_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            rows = [v.to_dict() for v in service.list_scenarios(s, ctx.org.name)]
        return render(ctx, "strategy/scenarios.html", status, scenarios=rows, form=form or Form())

    @page("/strategy/scenarios", permission="strategy.view", name="strategy.scenarios")
    def scenarios(ctx: Ctx) -> Response:
        return list_page(ctx)

    @page(
        "/strategy/scenarios", permission="strategy.edit", methods=("POST",), name="strategy.scenario_create"
    )
    async def scenario_create(ctx: Ctx, request: Request) -> Response:
        from sobre.strategy import forms, service

        assert ctx.org is not None
        form = await posted(request)
        name = forms.text(form, "name", ctx.t, required=True)
        description = forms.text(form, "description", ctx.t, limit=4000)
        if form.ok:
            try:
                with ctx.session() as s:
                    new_id = service.create_scenario(s, ctx.org.name, name, description)
            except InputError as exc:
                forms.refusal(form, exc, "name", ctx.t)
        if not form.ok:
            return list_page(ctx, form, 422)
        return ctx.redirect(ctx.url("strategy.scenario", scenario_id=new_id), notice="st.notice.created")

    def detail_page(
        ctx: RequestContext, scenario_id: int, kind: str = "", form: Form | None = None, status: int = 200
    ) -> Response:
        from sobre.strategy import background, forms, scenarios, service

        assert ctx.org is not None
        with ctx.session() as s:
            name = service.scenario_name(s, ctx.org.name, scenario_id)
            view = service.get_scenario(s, ctx.org.name, name).to_dict()
            run = background.state(s, ctx.org.name, scenario_id)
        return render(
            ctx,
            "strategy/scenario.html",
            status,
            scenario=view,
            kinds=list(scenarios.KINDS),
            kind=kind if kind in scenarios.KINDS else "",
            fields=forms.kind_fields(kind) if kind in scenarios.KINDS else [],
            stages=("manufacturing", "distribution", "use", "end_of_life"),
            form=form or Form(),
            run=run,
            steps=background.STEPS,
            run_error=_run_error(ctx, run.error),
        )

    @page("/strategy/scenarios/{scenario_id:int}", permission="strategy.view", name="strategy.scenario")
    def scenario(ctx: Ctx, scenario_id: int, kind: str = "") -> Response:
        return detail_page(ctx, scenario_id, kind)

    @page(
        "/strategy/scenarios/{scenario_id:int}/changes",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.change_add",
    )
    async def change_add(ctx: Ctx, request: Request, scenario_id: int) -> Response:
        from sobre.strategy import forms, scenarios, service

        assert ctx.org is not None
        form = await posted(request)
        kind = str(form.value("kind", ""))
        if kind not in scenarios.KINDS:
            form.error("kind", ctx.t("st.form.choice", allowed=", ".join(scenarios.KINDS)))
            return detail_page(ctx, scenario_id, "", form, 422)
        try:
            with ctx.session() as s:
                name = service.scenario_name(s, ctx.org.name, scenario_id)
                service.add_change(s, ctx.org.name, name, kind, forms.change_params(kind, form.values))  # type: ignore[arg-type]
        except InputError as exc:
            return detail_page(ctx, scenario_id, kind, forms.refusal(form, exc, "kind", ctx.t), 422)
        return ctx.redirect(
            ctx.url("strategy.scenario", scenario_id=scenario_id), notice="st.notice.change_added"
        )

    @page(
        "/strategy/scenarios/{scenario_id:int}/changes/{position:int}/remove",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.change_remove",
    )
    def change_remove(ctx: Ctx, scenario_id: int, position: int) -> Response:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.remove_change(
                s, ctx.org.name, service.scenario_name(s, ctx.org.name, scenario_id), position
            )
        return ctx.redirect(
            ctx.url("strategy.scenario", scenario_id=scenario_id), notice="st.notice.change_removed"
        )

    @page(
        "/strategy/scenarios/{scenario_id:int}/run",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.scenario_run",
    )
    def scenario_run(ctx: Ctx, scenario_id: int) -> Response:
        # In the background: a large estate's baseline takes a while to load; the scenario's page follows.
        from sobre.strategy import background, forms

        assert ctx.org is not None
        try:
            background.launch(ctx.database_url, ctx.org.name, scenario_id)
        except InputError as exc:
            form = Form(errors={"run": forms.reason(exc, ctx.t)})
            return detail_page(ctx, scenario_id, "", form, 409)
        return ctx.redirect(
            ctx.url("strategy.scenario", scenario_id=scenario_id), notice="st.notice.run_started"
        )

    @page(
        "/strategy/scenarios/{scenario_id:int}/delete",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.scenario_delete",
    )
    def scenario_delete(ctx: Ctx, scenario_id: int) -> Response:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.delete_scenario(s, ctx.org.name, service.scenario_name(s, ctx.org.name, scenario_id))
        return ctx.redirect(ctx.url("strategy.scenarios"), notice="st.notice.deleted")

    @page(
        "/strategy/scenarios/{scenario_id:int}/action",
        permission="strategy.edit",
        methods=("POST",),
        name="strategy.scenario_action",
    )
    def scenario_action(ctx: Ctx, scenario_id: int, title: Annotated[str, F()] = "") -> Response:
        from sobre.strategy import forms, service, steering

        assert ctx.org is not None
        with ctx.session() as s:
            name = service.scenario_name(s, ctx.org.name, scenario_id)
        try:
            action_id = steering.action_from_scenario(
                ctx.database_url, ctx.org.name, name, title.strip() or None
            )
        except InputError as exc:
            form = Form(errors={"run": forms.reason(exc, ctx.t)})
            return detail_page(ctx, scenario_id, "", form, 422)
        return ctx.redirect(
            ctx.url("strategy.action", action_id=action_id), notice="st.notice.action_created"
        )

    @page("/strategy/scenarios/compare", permission="strategy.view", name="strategy.scenario_compare")
    def scenario_compare(ctx: Ctx, a: int = 0, b: int = 0) -> Response:
        from sobre.strategy import forms, service

        assert ctx.org is not None
        with ctx.session() as s:
            choices = [(v.id, v.name) for v in service.list_scenarios(s, ctx.org.name)]
            names = [service.scenario_name(s, ctx.org.name, i) for i in (a, b) if i]
        form = Form({"a": a or "", "b": b or ""})
        views: list[dict[str, object]] = []
        if len(names) == 2:
            try:
                views = [v.to_dict() for v in service.compare(ctx.database_url, ctx.org.name, names)]
            except InputError as exc:
                form.error("a", forms.reason(exc, ctx.t))
        return render(
            ctx,
            "strategy/compare.html",
            422 if form.errors else 200,
            choices=choices,
            views=views,
            form=form,
            stages=("manufacturing", "distribution", "use", "end_of_life", "total"),
        )
