"""Pages of factor sets: the sets stored, one set's impact rows with their source and licence (paginated in
the database), and the organisation's own factors that replace a set's row in its runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Form as F
from fastapi.responses import Response

from sobre.core.errors import InputError, NotFound
from sobre.footprint.factors import models as m
from sobre.footprint.factors.store import list_factor_sets, set_override
from sobre.footprint.schema import STAGES
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate

VIEW = "footprint.view"
FACTORS = "footprint.factors"
#: Rows per page of a set: 30 rows of 7 columns keep the page well within the EcoIndex budget.
ROWS_PAGE = 30


def set_head(session: Any, set_id: str, version: str) -> m.FactorSetRow:
    head = session.scalar(
        sa.select(m.FactorSetRow).where(m.FactorSetRow.set_id == set_id, m.FactorSetRow.version == version)
    )
    if head is None:
        raise NotFound(f"no factor set {set_id} {version}")
    return head


def rows_query(head_id: int, ref: str = "", criterion: str = "") -> sa.Select[Any]:
    """A set's impact rows, optionally of refs containing ``ref`` and of one criterion."""
    q = sa.select(m.FactorImpact).where(m.FactorImpact.factor_set_id == head_id)
    if ref:
        q = q.where(sa.func.lower(m.FactorImpact.ref).contains(ref.lower(), autoescape=True))
    if criterion:
        q = q.where(m.FactorImpact.criterion == criterion)
    return q.order_by(m.FactorImpact.ref, m.FactorImpact.criterion, m.FactorImpact.stage, m.FactorImpact.id)


def overrides(session: Any, org_id: int) -> list[m.FactorOverride]:
    rows = list(
        session.scalars(
            sa.select(m.FactorOverride)
            .where(m.FactorOverride.org_id == org_id)
            .order_by(m.FactorOverride.ref)
        )
    )
    for r in rows:
        session.expunge(r)
    return rows


def factors_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
    assert ctx.org is not None
    with ctx.session() as s:
        sets = list_factor_sets(s)
        own = overrides(s, ctx.org.id)
    return ctx.render(
        "footprint/factors.html",
        status,
        sets=sets,
        own=own,
        stages=STAGES,
        form=form or Form({"stage": "manufacturing"}),
    )


def register(registry: Any, page: Callable[..., Any]) -> None:
    registry.menu("footprint.menu.factors", "footprint.factors", permission=VIEW, order=31)

    @page("/factors/{set_id}/{version}", permission=VIEW)
    def factor_set(
        ctx: Ctx, set_id: str, version: str, page: int = 1, ref: str = "", criterion: str = ""
    ) -> Response:
        ref, criterion = ref.strip()[:100], criterion.strip()[:120]
        with ctx.session() as s:
            head = set_head(s, set_id, version)
            result = paginate(s, rows_query(head.id, ref, criterion), PageRequest(page, ROWS_PAGE))
            criteria = list(
                s.scalars(sa.select(m.FactorCriterion).where(m.FactorCriterion.factor_set_id == head.id))
            )
            for obj in [head, *result.items, *criteria]:
                s.expunge(obj)
        params = {k: v for k, v in {"ref": ref, "criterion": criterion}.items() if v}
        return ctx.render(
            "footprint/factor_set.html", head=head, result=result, criteria=criteria, params=params
        )

    @page("/factors/overrides", permission=FACTORS, methods=("POST",))
    def override_set(
        ctx: Ctx,
        ref: Annotated[str, F()] = "",
        stage: Annotated[str, F()] = "",
        criterion: Annotated[str, F()] = "",
        value: Annotated[str, F()] = "",
        low: Annotated[str, F()] = "",
        high: Annotated[str, F()] = "",
        source: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.org is not None
        form = Form(
            {
                "ref": ref,
                "stage": stage,
                "criterion": criterion,
                "value": value,
                "low": low,
                "high": high,
                "source": source,
            }
        )
        if not ref.strip():
            form.error("ref", ctx.t("web.form.required"))
        if stage not in STAGES:
            form.error("stage", ctx.t("web.form.choose"))
        if not criterion.strip():
            form.error("criterion", ctx.t("web.form.required"))
        if not source.strip():
            # A figure without its source is not accepted in Sobre.
            form.error("source", ctx.t("footprint.form.source"))
        number = form.number("value", ctx.t, low=0, required=True)
        lo = form.number("low", ctx.t, low=0)
        hi = form.number("high", ctx.t, low=0)
        if form.ok and number is not None:
            try:
                with ctx.session() as s:
                    set_override(
                        s, ctx.org.id, ref, stage, criterion, number, low=lo, high=hi, source=source.strip()
                    )
            except InputError as exc:
                form.error(exc.column or "value", str(exc))
        if not form.ok:
            return factors_page(ctx, form, 422)
        return ctx.redirect(ctx.url("footprint.factors"), notice="footprint.notice.override")
