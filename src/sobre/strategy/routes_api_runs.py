"""A scenario computed in the background through the JSON API, as its page does:
``POST /api/v1/orgs/{org}/strategy/scenarios/{id}/launch`` and ``GET …/progress``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sobre.web.context import Ctx, negotiate_language
from sobre.web.jobs_api import background_job
from sobre.web.registry import CapabilityRegistry


class RunStateOut(BaseModel):
    status: str = Field(description="running, failed or idle (none under way)")
    step: str | None = Field(description="baseline, compute or store, while running")
    error: dict[str, Any] | None = Field(
        description="the failure: ``message``, worded in the caller's language (as the API's refusals), "
        "with its message ``key`` and ``values`` when it has one, else its ``text``"
    )
    started_at: str | None


def register(registry: CapabilityRegistry) -> None:
    """A scenario computed in the background, as its page does, and where that computation is."""
    background_job(
        registry,
        "/strategy/scenarios/{scenario_id}",
        name="strategy.api_scenario",
        launch_permission="strategy.edit",
        view_permission="strategy.view",
        response_model=RunStateOut,
        launch=_launch,
        state=_state,
    )


def _launch(ctx: Ctx, scenario_id: int) -> None:
    """Start computing the scenario in the background (``…/run`` computes it within the request)."""
    from sobre.strategy import background

    assert ctx.org is not None
    background.launch(ctx.database_url, ctx.org.name, scenario_id)


def _state(ctx: Ctx, scenario_id: int) -> dict[str, Any]:
    """Where the scenario's background computation is; once idle, its effect is the scenario's."""
    from sobre.strategy import background

    assert ctx.org is not None
    with ctx.session() as s:
        state = background.state(s, ctx.org.name, scenario_id).to_dict()
    if state["error"] is not None:
        # Worded like the API's refusals: in the language the caller asked for, else English.
        lang = negotiate_language(ctx.request, fallback="en")
        state["error"] = {**state["error"], "message": background.error_text(state["error"], lang)}
    return state
