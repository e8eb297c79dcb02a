"""The footprint's JSON API (``/api/v1/orgs/{org}/…``): runs (list, launch, show), results by breakdown,
one item's explanation, two runs compared, factor sets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query, Request
from pydantic import BaseModel

from sobre.footprint.runs import background, queries, service
from sobre.web.api import Page, Paging, page_of
from sobre.web.context import Ctx
from sobre.web.paging import PageResult
from sobre.web.params import Id
from sobre.web.registry import CapabilityRegistry

By = Literal["stage", "category", "site", "department", "application", "criterion"]


class RunOut(BaseModel):
    id: int
    status: str
    created_at: str
    reference_date: str
    profile: str
    engine_version: str
    methodology_version: str
    factor_set_id: str
    factor_set_version: str
    error: str | None
    duration_s: float | None
    item_count: int | None
    step: str | None = None
    totals: dict[str, dict[str, Any]]
    warnings: list[str]


class LaunchIn(BaseModel):
    profile: Literal["sobre", "g4it"] = "sobre"
    factor_set: str | None = None
    reference_date: date | None = None


class ResultRow(BaseModel):
    key: Any
    label: Any
    criterion: str | None
    value: float | None
    low: float | None
    high: float | None
    unit: str
    unknown: int
    share: float | None
    items: int


class CompareRow(BaseModel):
    key: Any
    label: Any
    criterion: str | None
    unit: str | None
    value_a: float | None
    value_b: float | None
    difference: float | None
    relative_difference: float | None
    unknown_a: int | None
    unknown_b: int | None


class FactorSetOut(BaseModel):
    id: str
    version: str
    publisher: str
    year: int
    licence: str
    description: str
    builtin: bool
    counts: dict[str, int]


def run_out(meta: service.RunMeta) -> dict[str, Any]:
    data = meta.to_dict()
    data["step"] = background.step_of(meta.id)
    return {k: data[k] for k in RunOut.model_fields}


def register(registry: CapabilityRegistry) -> None:
    from sobre.footprint.engine import PROFILES

    assert set(PROFILES) <= {"sobre", "g4it"}, "LaunchIn.profile lists the engine's profiles"
    api = registry.api

    def runs_of(ctx: Ctx) -> list[service.RunMeta]:
        assert ctx.org is not None
        return service.list_runs(ctx.database_url, ctx.org.name)

    def one(ctx: Ctx, run_id: int) -> service.RunMeta:
        from sobre.footprint.routes import find_run

        return find_run(ctx, run_id)

    @api("/runs", permission="footprint.view", response_model=Page[RunOut])
    def api_runs(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        metas = runs_of(ctx)
        shown = metas[paging.offset : paging.offset + paging.per_page]
        result = PageResult(shown, len(metas), paging.page, paging.per_page)
        return page_of(request, result, [run_out(m) for m in shown])

    @api("/runs", permission="footprint.run", methods=("POST",), response_model=RunOut, status_code=202)
    def api_run_launch(ctx: Ctx, body: LaunchIn) -> dict[str, Any]:
        assert ctx.org is not None
        run_id = background.launch(
            ctx.database_url,
            ctx.org.name,
            profile=body.profile,
            factor_set=body.factor_set,
            reference_date=body.reference_date,
        )
        return run_out(one(ctx, run_id))

    # Before /runs/{run_id}: the first matching path wins.
    @api("/runs/compare", permission="footprint.view", response_model=list[CompareRow])
    def api_compare(ctx: Ctx, a: Id, b: Id, by: By = "stage") -> list[dict[str, Any]]:
        """Two runs side by side in one breakdown (b − a), largest differences first."""
        assert ctx.org is not None
        one(ctx, a)
        one(ctx, b)
        return queries.compare_breakdown(ctx.database_url, ctx.org.name, a, b, by)

    @api("/runs/{run_id}", permission="footprint.view", response_model=RunOut)
    def api_run(ctx: Ctx, run_id: Id) -> dict[str, Any]:
        return run_out(one(ctx, run_id))

    @api("/runs/{run_id}/results", permission="footprint.view", response_model=list[ResultRow])
    def api_results(
        ctx: Ctx,
        run_id: Id,
        by: By = "stage",
        criterion: Annotated[str | None, Query(max_length=120)] = None,
    ) -> list[dict[str, Any]]:
        """One breakdown of a run's footprint; ``department``: the total allocated to departments (key
        null: shared / unallocated)."""
        assert ctx.org is not None
        one(ctx, run_id)
        return queries.breakdown(ctx.database_url, ctx.org.name, by, criterion=criterion, run_id=run_id)

    @api("/runs/{run_id}/explain", permission="footprint.view")
    def api_explain(
        ctx: Ctx, run_id: Id, item: Annotated[str, Query(min_length=1, max_length=255)]
    ) -> dict[str, Any]:
        """How one item's figures were computed (item as ``kind:id`` or its name)."""
        assert ctx.org is not None
        one(ctx, run_id)
        found = service.explain_item(ctx.database_url, ctx.org.name, item, run_id)
        return jsonable(found)

    @api("/factor-sets", permission="footprint.view", response_model=list[FactorSetOut])
    def api_factor_sets(ctx: Ctx) -> list[dict[str, Any]]:
        from sobre.footprint.factors.store import list_factor_sets

        with ctx.session() as s:
            return [
                {k: v for k, v in fs.items() if k in FactorSetOut.model_fields} for fs in list_factor_sets(s)
            ]


def jsonable(value: Any) -> Any:
    """Dates, tuples and polars scalars of an explanation as JSON values."""
    from fastapi.encoders import jsonable_encoder

    return jsonable_encoder(value)
