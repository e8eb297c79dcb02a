"""The strategy JSON API under ``/api/v1/orgs/{org}/strategy``: scenarios (CRUD, changes, run, compare),
objectives with their check against the plan, actions, indicators and their measurements, reviews.

Lists are paginated in the database; every field is bounded so that a bad request is a 422 problem document
before it reaches a use case; use-case refusals are problem documents too (404, 422, 409)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Query, Request
from fastapi.responses import Response

from sobre.strategy import steering as plan
from sobre.strategy.models import Action, Kpi, Measurement, Objective, Review, Scenario
from sobre.strategy.routes_api_models import (
    ActionFields,
    ActionIn,
    ActionOut,
    ChangeIn,
    Code,
    Horizon,
    Id,
    KpiIn,
    KpiOut,
    Measured,
    MeasureIn,
    MeasurementIn,
    MeasurementOut,
    ObjectiveIn,
    ObjectiveOut,
    Origin,
    Position,
    ReviewIn,
    ReviewOut,
    ScenarioIn,
    ScenarioOut,
    Status,
)
from sobre.strategy.routes_common import who
from sobre.web.api import Page, Paging, page_of
from sobre.web.context import Ctx
from sobre.web.paging import paginate
from sobre.web.registry import CapabilityRegistry


def register(registry: CapabilityRegistry) -> None:
    api = registry.api
    view, edit = "strategy.view", "strategy.edit"

    # -------------------------------------------------------------------------------------- scenarios

    def scenario_out(ctx: Ctx, s: Any, scenario_id: int) -> dict[str, Any]:
        from sobre.strategy import service

        assert ctx.org is not None
        name = service.scenario_name(s, ctx.org.name, scenario_id)
        return service.get_scenario(s, ctx.org.name, name).to_dict()

    @api(
        "/strategy/scenarios/compare",
        permission=view,
        name="strategy.api_compare",
        response_model=list[ScenarioOut],
    )
    def compare(
        ctx: Ctx,
        ids: Annotated[list[Id], Query(min_length=2, max_length=10)],
    ) -> list[dict[str, Any]]:
        """Several scenarios computed now on the same baseline, side by side."""
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            names = [service.scenario_name(s, ctx.org.name, i) for i in ids]
        return [v.to_dict() for v in service.compare(ctx.database_url, ctx.org.name, names)]

    @api(
        "/strategy/scenarios",
        permission=view,
        name="strategy.api_scenarios",
        response_model=Page[ScenarioOut],
    )
    def list_scenarios(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        """The organisation's scenarios by name, with their changes and last computed effect."""
        assert ctx.org is not None
        with ctx.session() as s:
            stmt = (
                sa.select(Scenario.id)
                .where(Scenario.org_id == ctx.org.id)
                .order_by(Scenario.name, Scenario.id)
            )
            result = paginate(s, stmt, paging)
            return page_of(request, result, [scenario_out(ctx, s, i) for i in result.items])

    @api(
        "/strategy/scenarios",
        permission=edit,
        methods=("POST",),
        name="strategy.api_scenario_create",
        response_model=ScenarioOut,
        status_code=201,
    )
    def create_scenario(ctx: Ctx, body: ScenarioIn) -> dict[str, Any]:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            new_id = service.create_scenario(s, ctx.org.name, body.name, body.description)
            return scenario_out(ctx, s, new_id)

    @api(
        "/strategy/scenarios/{scenario_id}",
        permission=view,
        name="strategy.api_scenario",
        response_model=ScenarioOut,
    )
    def get_scenario(ctx: Ctx, scenario_id: Id) -> dict[str, Any]:
        with ctx.session() as s:
            return scenario_out(ctx, s, scenario_id)

    @api(
        "/strategy/scenarios/{scenario_id}",
        permission=edit,
        methods=("DELETE",),
        name="strategy.api_scenario_delete",
        status_code=204,
        response_class=Response,
    )
    def delete_scenario(ctx: Ctx, scenario_id: Id) -> Response:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.delete_scenario(s, ctx.org.name, service.scenario_name(s, ctx.org.name, scenario_id))
        return Response(status_code=204)

    @api(
        "/strategy/scenarios/{scenario_id}/changes",
        permission=edit,
        methods=("POST",),
        name="strategy.api_change_add",
        response_model=ScenarioOut,
        status_code=201,
    )
    def add_change(ctx: Ctx, scenario_id: Id, body: ChangeIn) -> dict[str, Any]:
        """Append a change (kinds and their parameters: ``sobre scenario add-change --help``)."""
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            name = service.scenario_name(s, ctx.org.name, scenario_id)
            service.add_change(s, ctx.org.name, name, body.kind, dict(body.params))
            s.flush()
            return scenario_out(ctx, s, scenario_id)

    @api(
        "/strategy/scenarios/{scenario_id}/changes/{position}",
        permission=edit,
        methods=("DELETE",),
        name="strategy.api_change_remove",
        response_model=ScenarioOut,
    )
    def remove_change(ctx: Ctx, scenario_id: Id, position: Position) -> dict[str, Any]:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.remove_change(
                s, ctx.org.name, service.scenario_name(s, ctx.org.name, scenario_id), position
            )
            s.flush()
            return scenario_out(ctx, s, scenario_id)

    @api(
        "/strategy/scenarios/{scenario_id}/run",
        permission=edit,
        methods=("POST",),
        name="strategy.api_scenario_run",
        response_model=ScenarioOut,
    )
    def run_scenario(ctx: Ctx, scenario_id: Id) -> dict[str, Any]:
        """Recompute the scenario's effect with the footprint engine on the latest run's baseline."""
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            name = service.scenario_name(s, ctx.org.name, scenario_id)
        return service.run_scenario(ctx.database_url, ctx.org.name, name).to_dict()

    @api(
        "/strategy/scenarios/{scenario_id}/action",
        permission=edit,
        methods=("POST",),
        name="strategy.api_scenario_action",
        response_model=ActionOut,
        status_code=201,
    )
    def scenario_action(ctx: Ctx, scenario_id: Id) -> dict[str, Any]:
        """One click: an action whose avoided impact is the scenario's."""
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            name = service.scenario_name(s, ctx.org.name, scenario_id)
        action_id = plan.action_from_scenario(ctx.database_url, ctx.org.name, name)
        with ctx.session() as s:
            return plan.get_action(s, ctx.org.name, action_id)

    # ------------------------------------------------------------------------------------- objectives

    def objective_out(ctx: Ctx, ids: list[int]) -> list[dict[str, Any]]:
        from sobre.strategy import service

        assert ctx.org is not None
        checked = {o["id"]: o for o in service.check_objectives(ctx.database_url, ctx.org.name)}
        return [checked[i] for i in ids if i in checked]

    @api(
        "/strategy/objectives",
        permission=view,
        name="strategy.api_objectives",
        response_model=Page[ObjectiveOut],
    )
    def list_objectives(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        """Objectives by target year, each checked against the plan (the scenarios of its actions)."""
        assert ctx.org is not None
        with ctx.session() as s:
            stmt = (
                sa.select(Objective.id)
                .where(Objective.org_id == ctx.org.id)
                .order_by(Objective.target_year, Objective.id)
            )
            result = paginate(s, stmt, paging)
        return page_of(request, result, objective_out(ctx, list(result.items)))

    @api(
        "/strategy/objectives",
        permission=edit,
        methods=("POST",),
        name="strategy.api_objective_create",
        response_model=ObjectiveOut,
        status_code=201,
    )
    def create_objective(ctx: Ctx, body: ObjectiveIn) -> dict[str, Any]:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            new_id = service.add_objective(s, ctx.org.name, **body.model_dump())
        return objective_out(ctx, [new_id])[0]

    @api(
        "/strategy/objectives/{objective_id}",
        permission=view,
        name="strategy.api_objective",
        response_model=ObjectiveOut,
    )
    def get_objective(ctx: Ctx, objective_id: Id) -> dict[str, Any]:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.objective_row(s, ctx.org.name, objective_id)
        return objective_out(ctx, [objective_id])[0]

    @api(
        "/strategy/objectives/{objective_id}",
        permission=edit,
        methods=("PUT",),
        name="strategy.api_objective_update",
        response_model=ObjectiveOut,
    )
    def update_objective(ctx: Ctx, objective_id: Id, body: ObjectiveIn) -> dict[str, Any]:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.update_objective(s, ctx.org.name, objective_id, **body.model_dump())
        return objective_out(ctx, [objective_id])[0]

    @api(
        "/strategy/objectives/{objective_id}",
        permission=edit,
        methods=("DELETE",),
        name="strategy.api_objective_delete",
        status_code=204,
        response_class=Response,
    )
    def delete_objective(ctx: Ctx, objective_id: Id) -> Response:
        from sobre.strategy import service

        assert ctx.org is not None
        with ctx.session() as s:
            service.delete_objective(s, ctx.org.name, objective_id)
        return Response(status_code=204)

    # ---------------------------------------------------------------------------------------- actions

    def action_out(ctx: Ctx, s: Any, action_id: int) -> dict[str, Any]:
        assert ctx.org is not None
        return plan.get_action(s, ctx.org.name, action_id)

    @api("/strategy/actions", permission=view, name="strategy.api_actions", response_model=Page[ActionOut])
    def list_actions(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        status: Status | None = None,  # type: ignore[valid-type]
        horizon: Horizon | None = None,  # type: ignore[valid-type]
        origin: Origin | None = None,  # type: ignore[valid-type]
    ) -> dict[str, Any]:
        """The action plan by due date, filtered by status, horizon and origin."""
        from sqlalchemy.orm import aliased

        assert ctx.org is not None
        scenario = aliased(Scenario)
        stmt = (
            sa.select(Action, scenario.name)
            .outerjoin(scenario, scenario.id == Action.scenario_id)
            .where(Action.org_id == ctx.org.id)
        )
        for column, value in ((Action.status, status), (Action.horizon, horizon), (Action.origin, origin)):
            if value:
                stmt = stmt.where(column == value)
        with ctx.session() as s:
            result = paginate(s, stmt.order_by(Action.due_date, Action.id), paging, scalars=False)
            return page_of(request, result, [plan.action_dict(a, name) for a, name in result.items])

    @api(
        "/strategy/actions",
        permission=edit,
        methods=("POST",),
        name="strategy.api_action_create",
        response_model=ActionOut,
        status_code=201,
    )
    def create_action(ctx: Ctx, body: ActionIn) -> dict[str, Any]:
        assert ctx.org is not None
        fields = body.model_dump(exclude={"title"}, exclude_none=True)
        with ctx.session() as s:
            new_id = plan.add_action(s, ctx.org.name, body.title, **fields)
            return action_out(ctx, s, new_id)

    @api(
        "/strategy/actions/{action_id}", permission=view, name="strategy.api_action", response_model=ActionOut
    )
    def get_action(ctx: Ctx, action_id: Id) -> dict[str, Any]:
        with ctx.session() as s:
            return action_out(ctx, s, action_id)

    @api(
        "/strategy/actions/{action_id}",
        permission=edit,
        methods=("PATCH",),
        name="strategy.api_action_update",
        response_model=ActionOut,
    )
    def update_action(ctx: Ctx, action_id: Id, body: ActionFields) -> dict[str, Any]:
        """Change the fields given (status, dates, costs…)."""
        assert ctx.org is not None
        with ctx.session() as s:
            plan.update_action(s, ctx.org.name, action_id, **body.model_dump(exclude_none=True))
            s.flush()
            return action_out(ctx, s, action_id)

    # ------------------------------------------------------------------------------------- indicators

    def kpi_out(ctx: Ctx, s: Any, codes: list[str]) -> list[dict[str, Any]]:
        assert ctx.org is not None
        every = {k["code"]: k for k in plan.kpis(s, ctx.org.name)}
        return [every[c] for c in codes if c in every]

    @api("/strategy/kpis", permission=view, name="strategy.api_kpis", response_model=Page[KpiOut])
    def list_kpis(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        """Indicators by code, with their latest measurement and whether they are on track."""
        assert ctx.org is not None
        with ctx.session() as s:
            result = paginate(
                s, sa.select(Kpi.code).where(Kpi.org_id == ctx.org.id).order_by(Kpi.code), paging
            )
            return page_of(request, result, kpi_out(ctx, s, list(result.items)))

    @api(
        "/strategy/kpis",
        permission=edit,
        methods=("POST",),
        name="strategy.api_kpi_create",
        response_model=KpiOut,
        status_code=201,
    )
    def create_kpi(ctx: Ctx, body: KpiIn) -> dict[str, Any]:
        """Define an indicator: ``source`` is ``manual`` or an automatic source (``sobre kpi sources``)."""
        assert ctx.org is not None
        with ctx.session() as s:
            plan.define_kpi(
                s, ctx.org.name, body.code, body.name, **body.model_dump(exclude={"code", "name"})
            )
            s.flush()
            return kpi_out(ctx, s, [body.code])[0]

    @api(
        "/strategy/kpis/measure",
        permission=edit,
        methods=("POST",),
        name="strategy.api_kpi_measure",
        response_model=list[Measured],
    )
    def measure(ctx: Ctx, body: MeasureIn) -> list[dict[str, Any]]:
        """Measure the automatic indicators as of a date; unknown figures come with their reason, unstored."""
        assert ctx.org is not None
        return plan.measure(ctx.database_url, ctx.org.name, body.on or date.today(), who(ctx), body.codes)

    @api("/strategy/kpis/{code}", permission=view, name="strategy.api_kpi", response_model=KpiOut)
    def get_kpi(ctx: Ctx, code: Code) -> dict[str, Any]:
        from sobre.core.errors import NotFound

        with ctx.session() as s:
            found = kpi_out(ctx, s, [code])
        if not found:
            raise NotFound(f"no indicator {code!r}")
        return found[0]

    @api(
        "/strategy/kpis/{code}/measurements",
        permission=view,
        name="strategy.api_measurements",
        response_model=Page[MeasurementOut],
    )
    def measurements(ctx: Ctx, request: Request, paging: Paging, code: Code) -> dict[str, Any]:
        """An indicator's measurements, oldest first."""
        from sobre.core.errors import NotFound

        assert ctx.org is not None
        with ctx.session() as s:
            kpi_id = s.scalar(sa.select(Kpi.id).where(Kpi.org_id == ctx.org.id, Kpi.code == code))
            if kpi_id is None:
                raise NotFound(f"no indicator {code!r}")
            stmt = (
                sa.select(Measurement).where(Measurement.kpi_id == kpi_id).order_by(Measurement.measured_on)
            )
            result = paginate(s, stmt, paging)
            items = [
                {
                    "on": m.measured_on.isoformat(),
                    "value": m.value,
                    "low": m.low,
                    "high": m.high,
                    "status": m.status,
                    "source": m.source,
                    "by": m.recorded_by,
                    "note": m.note,
                }
                for m in result.items
            ]
            return page_of(request, result, items)

    @api(
        "/strategy/kpis/{code}/measurements",
        permission=edit,
        methods=("POST",),
        name="strategy.api_measurement_record",
        response_model=KpiOut,
        status_code=201,
    )
    def record(ctx: Ctx, code: Code, body: MeasurementIn) -> dict[str, Any]:
        """A manual measurement with who (default: the token's owner) and when; replaces that day's."""
        assert ctx.org is not None
        with ctx.session() as s:
            plan.record(
                s,
                ctx.org.name,
                code,
                body.value,
                body.on,
                body.by or who(ctx),
                note=body.note,
                low=body.low,
                high=body.high,
            )
            s.flush()
            return kpi_out(ctx, s, [code])[0]

    # ---------------------------------------------------------------------------------------- reviews

    @api("/strategy/reviews", permission=view, name="strategy.api_reviews", response_model=Page[ReviewOut])
    def list_reviews(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        """Steering reviews, newest first, with their snapshot of the indicators and decisions."""
        assert ctx.org is not None
        with ctx.session() as s:
            stmt = (
                sa.select(Review)
                .where(Review.org_id == ctx.org.id)
                .order_by(Review.held_on.desc(), Review.id.desc())
            )
            result = paginate(s, stmt, paging)
            return page_of(request, result, [_review(r) for r in result.items])

    @api(
        "/strategy/reviews",
        permission=edit,
        methods=("POST",),
        name="strategy.api_review_create",
        response_model=ReviewOut,
        status_code=201,
    )
    def create_review(ctx: Ctx, body: ReviewIn) -> dict[str, Any]:
        """A review: the indicators' snapshot is taken now, before the actions are adjusted."""
        assert ctx.org is not None
        adjust = {a.action_id: a.model_dump(exclude={"action_id"}, exclude_none=True) for a in body.adjust}
        with ctx.session() as s:
            new_id = plan.add_review(
                s,
                ctx.org.name,
                body.title,
                body.held_on,
                who(ctx),
                notes=body.notes,
                decisions=body.decisions,
                adjust={k: v for k, v in adjust.items() if v},
            )
            return _review(s.get(Review, new_id))

    @api(
        "/strategy/reviews/{review_id}", permission=view, name="strategy.api_review", response_model=ReviewOut
    )
    def get_review(ctx: Ctx, review_id: Id) -> dict[str, Any]:
        from sobre.core.errors import NotFound

        assert ctx.org is not None
        with ctx.session() as s:
            row = s.get(Review, review_id)
            if row is None or row.org_id != ctx.org.id:
                raise NotFound(f"no review {review_id}")
            return _review(row)


def _review(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "held_on": r.held_on.isoformat(),
        "notes": r.notes,
        "snapshot": r.snapshot,
        "decisions": r.decisions,
        "by": r.created_by,
    }
