"""The steering dashboard (objectives, indicators with their trends, impact/effort matrix, roadmap, action
plan, scenarios) and the strategy document, with one-click actions from scenarios."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import HTMLResponse, Response

from sobre.core.i18n import format_number, t
from sobre.web.context import Ctx
from sobre.web.permissions import ROLES


def _num(value: float | None, lang: str, digits: int = 1) -> str:
    return "—" if value is None else format_number(value, lang, digits)


def _translate(lang: str) -> Any:
    def translate(key: str, language: str | None = None, **values: object) -> str:
        return t(key, language or lang, **values)

    return translate


def register(registry: Any) -> None:
    registry.permission("strategy.view", ROLES, "st.perm.view")
    registry.permission("strategy.edit", ("admin", "manager"), "st.perm.edit")
    registry.menu("st.menu.steering", "strategy.steering", permission="strategy.view", order=60)

    @registry.page("/strategy", permission="strategy.view")
    def steering(ctx: Ctx) -> Response:
        from sobre.strategy import documents

        assert ctx.org is not None
        data = documents.gather(ctx.database_url, ctx.org.name, ctx.lang)
        # The shared sections take the language explicitly (as the standalone document does).
        return ctx.render("strategy/steering.html", num=_num, t=_translate(ctx.lang), **data)

    @registry.page("/strategy/document", permission="strategy.view")
    def document(ctx: Ctx) -> Response:
        from sobre.strategy import documents

        assert ctx.org is not None
        return HTMLResponse(documents.render(ctx.database_url, ctx.org.name, ctx.lang))

    @registry.page("/strategy/actions", permission="strategy.edit", methods=("POST",))
    def action_from_scenario(ctx: Ctx, scenario: Annotated[str, Form()] = "") -> Response:
        from sobre.core.errors import SobreError
        from sobre.strategy import steering as plan

        assert ctx.org is not None
        try:
            plan.action_from_scenario(ctx.database_url, ctx.org.name, scenario)
        except SobreError:
            return ctx.redirect(ctx.url("strategy.steering"), notice="st.notice.not_created")
        return ctx.redirect(ctx.url("strategy.steering"), notice="st.notice.action_created")
