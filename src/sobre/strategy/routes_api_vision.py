"""The strategy's vision and commitments in the JSON API (``/api/v1/orgs/{org}/strategy/vision`` and
``…/commitments``): the same use cases as the objectives page and ``sobre strategy vision|commit``."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from sobre.strategy.routes_api_models import Name, Strict, Text
from sobre.web.context import Ctx
from sobre.web.registry import CapabilityRegistry


class VisionIn(Strict):
    vision: Annotated[str | None, Field(max_length=4000)] = None
    scope: Annotated[str | None, Field(max_length=4000)] = None
    governance: Annotated[str | None, Field(max_length=4000)] = None


class VisionOut(BaseModel):
    vision: str
    scope: str
    governance: str


class CommitmentIn(Strict):
    title: Name
    detail: Text = ""


class CommitmentOut(BaseModel):
    title: str
    detail: str


def register(registry: CapabilityRegistry) -> None:
    api = registry.api
    view, edit = "strategy.view", "strategy.edit"

    @api("/strategy/vision", permission=view, name="strategy.api_vision", response_model=VisionOut)
    def get_vision(ctx: Ctx) -> dict[str, Any]:
        """The vision, scope and governance texts of the strategy document."""
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            return service.get_vision(s, ctx.org.name)

    @api(
        "/strategy/vision",
        permission=edit,
        methods=("PUT",),
        name="strategy.api_vision_update",
        response_model=VisionOut,
    )
    def put_vision(ctx: Ctx, body: VisionIn) -> dict[str, Any]:
        """Change the texts given (a text left out keeps its value)."""
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.set_vision(s, ctx.org.name, **body.model_dump())
            s.flush()
            return service.get_vision(s, ctx.org.name)

    @api(
        "/strategy/commitments",
        permission=view,
        name="strategy.api_commitments",
        response_model=list[CommitmentOut],
    )
    def list_commitments(ctx: Ctx) -> list[dict[str, Any]]:
        """The organisation's commitments in their order (the charter is made of them)."""
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            return service.commitments(s, ctx.org.name)

    @api(
        "/strategy/commitments",
        permission=edit,
        methods=("POST",),
        name="strategy.api_commitment_create",
        response_model=CommitmentOut,
        status_code=201,
    )
    def add_commitment(ctx: Ctx, body: CommitmentIn) -> dict[str, Any]:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.add_commitment(s, ctx.org.name, body.title, body.detail)
        return {"title": body.title.strip(), "detail": body.detail}
