"""The steering dashboard (objectives, indicators with their trends, impact/effort matrix, roadmap, action
plan, scenarios), the strategy document and the one-click actions; the forms of scenarios
(:mod:`routes_scenarios`), of the plan (:mod:`routes_plan`, :mod:`routes_people`) and the JSON API
(:mod:`routes_api`) are registered from here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import Response

from sobre.strategy.routes_common import num, translator
from sobre.web.context import Ctx
from sobre.web.permissions import ROLES


def register(registry: Any) -> None:
    registry.permission("strategy.view", ROLES, "st.perm.view")
    registry.permission("strategy.edit", ("admin", "manager"), "st.perm.edit")
    registry.permission("strategy.feedback", ("admin", "manager", "referent"), "st.perm.feedback")
    registry.menu("st.menu.steering", "strategy.steering", permission="strategy.view", order=60)

    @registry.page("/strategy", permission="strategy.view")
    def steering(ctx: Ctx, status: str = "", horizon: str = "", origin: str = "") -> Response:
        from sobre.strategy import documents
        from sobre.strategy import steering as plan

        assert ctx.org is not None
        allowed = {"status": plan.STATUSES, "horizon": plan.HORIZONS, "origin": plan.ORIGINS}
        chosen = {"status": status, "horizon": horizon, "origin": origin}
        filters = {k: v for k, v in chosen.items() if v in allowed[k]}
        data = documents.gather(ctx.database_url, ctx.org.name, ctx.lang, filters=filters)
        # The shared sections take the language explicitly (as the standalone document does).
        return ctx.render(
            "strategy/steering.html",
            num=num,
            t=translator(ctx.lang),
            allowed=allowed,
            filters=filters,
            **data,
        )

    @registry.page("/strategy/document", permission="strategy.view")
    def document(ctx: Ctx) -> Response:
        from sobre.strategy import documents

        assert ctx.org is not None
        data = documents.gather(ctx.database_url, ctx.org.name, ctx.lang)
        # The same body as the exported document, in the application's layout (whose styles apply).
        return ctx.render("strategy/document_page.html", num=num, t=translator(ctx.lang), **data)

    def _created(ctx: Ctx, make: Any) -> Response:
        from sobre.core.errors import SobreError

        assert ctx.org is not None
        try:
            make(ctx.database_url, ctx.org.name)
        except SobreError:
            return ctx.redirect(ctx.url("strategy.steering"), notice="st.notice.not_created")
        return ctx.redirect(ctx.url("strategy.steering"), notice="st.notice.action_created")

    @registry.page("/strategy/actions", permission="strategy.edit", methods=("POST",))
    def action_from_scenario(ctx: Ctx, scenario: Annotated[str, Form()] = "") -> Response:
        from sobre.strategy import steering as plan

        return _created(ctx, lambda url, org: plan.action_from_scenario(url, org, scenario))

    # One-click targets for the other capabilities' pages: a form there posts the recommendation's key, or
    # the assessment and the item of its gap.
    @registry.page("/strategy/actions/from-recommendation", permission="strategy.edit", methods=("POST",))
    def action_from_recommendation(ctx: Ctx, key: Annotated[str, Form()] = "") -> Response:
        from sobre.strategy import steering as plan

        return _created(ctx, lambda url, org: plan.action_from_recommendation(url, org, key, ctx.lang))

    @registry.page("/strategy/actions/from-gap", permission="strategy.edit", methods=("POST",))
    def action_from_gap(
        ctx: Ctx, assessment: Annotated[int, Form()] = 0, item: Annotated[str, Form()] = ""
    ) -> Response:
        from sobre.strategy import steering as plan

        return _created(ctx, lambda url, org: plan.action_from_gap(url, org, assessment, item, ctx.lang))

    from sobre.strategy import routes_api, routes_api_runs, routes_api_vision, routes_plan, routes_scenarios

    routes_scenarios.register(registry)
    routes_plan.register(registry)
    routes_api.register(registry)
    routes_api_vision.register(registry)
    routes_api_runs.register(registry)
