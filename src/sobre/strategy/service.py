"""Use cases of scenarios, vision, commitments and objectives (called by the CLI, pages and demo alike).

Actions, indicators and reviews are in :mod:`sobre.strategy.steering`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, NotFound
from sobre.orgs import service as orgs
from sobre.strategy.models import Action, Commitment, Objective, Scenario, ScenarioChange, Vision
from sobre.strategy.origins import create_action_from, rot_deletion
from sobre.strategy.scenarios import ChangeSpec, Effect, check_spec, evaluate

_AMOUNTS = ("gb", "tb", "share")


def _org_id(session: Session, org: str) -> int:
    return orgs.get(session, org).id


# ---------------------------------------------------------------------------------------------- scenarios


def _scenario(session: Session, org_id: int, name: str, *, lock: bool = False) -> Scenario:
    """The scenario of that name; ``lock`` holds its row to the end of the transaction (PostgreSQL), so
    that an edit of its changes and the storing of a computed effect take turns."""
    query = sa.select(Scenario).where(Scenario.org_id == org_id, Scenario.name == name)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"no scenario named {name!r}")
    return row


def create_scenario(session: Session, org: str, name: str, description: str = "") -> int:
    oid = _org_id(session, org)
    name = name.strip()
    if not name:
        raise InputError.keyed("st.refuse.scenario_name", column="name", value="")
    if session.scalar(sa.select(Scenario.id).where(Scenario.org_id == oid, Scenario.name == name)):
        raise InputError.keyed("st.refuse.scenario_exists", column="name", value=name)
    row = Scenario(org_id=oid, name=name, description=description)
    session.add(row)
    session.flush()
    return row.id


def add_change(session: Session, org: str, name: str, kind: str, params: dict[str, Any]) -> ChangeSpec:
    """Append a checked change to the scenario (the scenario's stored effect becomes stale).

    A ``delete_data`` change given a data scan (``rot_scan``, and ``rot_finding`` for one kind of finding)
    and no amount deletes what that scan's data-sobriety plan deletes: its GB are read from the plan now and
    stored with the change, so the scenario stays as it was when the plan changes."""
    oid = _org_id(session, org)
    scenario = _scenario(session, oid, name, lock=True)
    rot = params.get("rot_scan")
    if kind == "delete_data" and rot not in (None, "") and all(params.get(k) in (None, "") for k in _AMOUNTS):
        if not str(rot).strip().isdigit():
            raise InputError.keyed("st.refuse.scan_id", column="rot_scan", value=str(rot))
        gb, _ = rot_deletion(session, org, int(str(rot).strip()), params.get("rot_finding") or None)
        params = {**params, "gb": gb}
    spec = check_spec(kind, params)
    position = session.scalar(
        sa.select(sa.func.count())
        .select_from(ScenarioChange)
        .where(ScenarioChange.scenario_id == scenario.id)
    )
    session.add(
        ScenarioChange(
            org_id=oid,
            scenario_id=scenario.id,
            position=int(position or 0),
            kind=spec.kind,
            params=dict(spec.params),
        )
    )
    scenario.effect, scenario.computed_at = None, None
    return spec


def specs(session: Session, scenario_id: int) -> list[ChangeSpec]:
    rows = session.scalars(
        sa.select(ScenarioChange)
        .where(ScenarioChange.scenario_id == scenario_id)
        .order_by(ScenarioChange.position)
    )
    return [ChangeSpec(r.kind, dict(r.params)) for r in rows]


@dataclass
class ScenarioView:
    id: int
    name: str
    description: str
    changes: list[ChangeSpec]
    effect: Effect | None
    baseline_run_id: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "changes": [c.to_dict() for c in self.changes],
            "effect": self.effect.to_dict() if self.effect else None,
            "baseline_run_id": self.baseline_run_id,
        }


def _view(session: Session, row: Scenario) -> ScenarioView:
    effect = Effect.from_dict(row.effect) if row.effect else None
    return ScenarioView(
        row.id, row.name, row.description, specs(session, row.id), effect, row.baseline_run_id
    )


def list_scenarios(session: Session, org: str) -> list[ScenarioView]:
    oid = _org_id(session, org)
    rows = session.scalars(sa.select(Scenario).where(Scenario.org_id == oid).order_by(Scenario.name))
    return [_view(session, r) for r in rows]


def get_scenario(session: Session, org: str, name: str) -> ScenarioView:
    return _view(session, _scenario(session, _org_id(session, org), name))


def scenario_row(session: Session, org: str, scenario_id: int) -> Scenario:
    """The organisation's scenario of that id (the pages and the API name scenarios by id)."""
    row = session.get(Scenario, scenario_id)
    if row is None or row.org_id != _org_id(session, org):
        raise NotFound(f"no scenario {scenario_id}")
    return row


def scenario_name(session: Session, org: str, scenario_id: int) -> str:
    return scenario_row(session, org, scenario_id).name


def _changes(session: Session, scenario_id: int) -> list[ScenarioChange]:
    return list(
        session.scalars(
            sa.select(ScenarioChange)
            .where(ScenarioChange.scenario_id == scenario_id)
            .order_by(ScenarioChange.position)
        )
    )


def remove_change(session: Session, org: str, name: str, position: int) -> ChangeSpec:
    """Remove one change (by position, from 0); the later ones move up and the stored effect becomes
    stale.  Returns the change removed."""
    row = _scenario(session, _org_id(session, org), name, lock=True)
    changes = _changes(session, row.id)
    if not 0 <= position < len(changes):
        raise NotFound(f"no change {position} in scenario {row.name!r}")
    removed = changes.pop(position)
    spec = ChangeSpec(removed.kind, dict(removed.params))
    session.delete(removed)
    for i, change in enumerate(changes):
        change.position = i
    row.effect, row.computed_at = None, None
    return spec


def delete_scenario(session: Session, org: str, name: str) -> None:
    """Delete a scenario with its changes.  Actions made from it keep their avoided impact and lose
    their link to it."""
    row = _scenario(session, _org_id(session, org), name)
    # Unlinked here rather than by the database, so that the audit log shows each action changed.
    for action in session.scalars(sa.select(Action).where(Action.scenario_id == row.id)):
        action.scenario_id = None
    for change in _changes(session, row.id):
        session.delete(change)
    # The changes' deletes go first: flushed together, the scenario's could go first and the database's
    # ON DELETE CASCADE would take the changes before their own deletes (which then match no row).
    session.flush()
    session.delete(row)


@dataclass
class Baseline:
    """The engine's inputs and result a scenario starts from."""

    run_id: int
    inventory: Any
    factors: Any
    result: Any
    options: dict[str, Any]


def baseline(database_url: str, org: str) -> Baseline:
    """The latest footprint run with its factor set and the current inventory.  When the inventory changed
    since that run, the baseline is recomputed now with the run's factor set and profile, so a scenario
    never mixes two inventories."""
    from sobre.footprint.engine import compute
    from sobre.footprint.factors.store import load_factor_set
    from sobre.footprint.loader import load_inventory
    from sobre.footprint.runs import service as runs
    from sobre.footprint.runs.records import get_run

    latest = runs.latest_run(database_url, org)
    if latest is None:
        raise InputError.keyed(
            "st.refuse.no_run", expected="run 'sobre footprint run --org NAME' first", org=org
        )
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        factors = load_factor_set(
            session, latest.factor_set_id, latest.factor_set_version, org_id=organisation.id
        )
        # With the energy the run measured: a scenario then starts from the run's own figures.
        inventory, unchanged = runs.run_inputs(
            session, get_run(session, latest.id)[0], load_inventory(session, organisation.id)
        )
        country = organisation.country
    options: dict[str, Any] = {
        "profile": latest.profile,
        "reference_date": latest.reference_date,
        "org_country": country,
    }
    if unchanged:
        _, result = runs.load_run(database_url, latest.id)
    else:
        result = compute(inventory, factors, **options)
    return Baseline(latest.id, inventory, factors, result, options)


#: How many times a scenario edited during its computation is computed again before it is left to compute.
_COMPUTE_AT_MOST = 3


def run_scenario(
    database_url: str,
    org: str,
    name: str,
    base: Baseline | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScenarioView:
    """Recompute the scenario's effect with the footprint engine and store it.  ``progress`` is told each
    step as it starts: ``baseline``, ``compute``, ``store``."""
    from sobre.footprint.engine import compute

    step = progress or (lambda _: None)
    if base is None:
        step("baseline")
        base = baseline(database_url, org)
    with session_scope(database_url) as session:
        changes = specs(session, _scenario(session, _org_id(session, org), name).id)
    # A change added or removed while the engine computed (from another page or command) makes this effect
    # that of older changes: it is stored only if the scenario's changes are still the ones computed, read
    # with the right to write held (the edits take their turn before or after); else computed again.
    for _attempt in range(_COMPUTE_AT_MOST):
        step("compute")
        effect = evaluate(changes, base.inventory, base.factors, base.result, compute, **base.options)
        step("store")
        with write_session(database_url) as session:
            row = _scenario(session, _org_id(session, org), name, lock=True)
            now = specs(session, row.id)
            if now == changes:
                row.effect, row.baseline_run_id = effect.to_dict(), base.run_id
                row.computed_at = datetime.now(UTC)
                return _view(session, row)
        changes = now
    # Still edited meanwhile: no effect stored (the edits cleared it), as after any change.
    with session_scope(database_url) as session:
        return get_scenario(session, org, name)


def get_scenario_checked(database_url: str, org: str, name: str) -> ScenarioView:
    """The scenario with its effect, computed now when it has none yet (or its changes changed)."""
    with session_scope(database_url) as session:
        view = get_scenario(session, org, name)
    return view if view.effect is not None else run_scenario(database_url, org, name)


def combined_effect(database_url: str, org: str, names: list[str], base: Baseline | None = None) -> Effect:
    """The effect of several scenarios' changes applied in sequence on one copy (overlaps counted once)."""
    from sobre.footprint.engine import compute

    base = base or baseline(database_url, org)
    with session_scope(database_url) as session:
        oid = _org_id(session, org)
        changes = [c for n in names for c in specs(session, _scenario(session, oid, n).id)]
    return evaluate(changes, base.inventory, base.factors, base.result, compute, **base.options)


def compare(database_url: str, org: str, names: list[str]) -> list[ScenarioView]:
    """The scenarios side by side, each computed now on the same baseline."""
    if not names:
        raise InputError.keyed("st.refuse.compare_none", column="names", value="")
    base = baseline(database_url, org)
    return [run_scenario(database_url, org, n, base) for n in names]


# ---------------------------------------------------------------------------- vision, commitments, objectives


def set_vision(
    session: Session, org: str, *, vision: str | None, scope: str | None, governance: str | None
) -> None:
    oid = _org_id(session, org)
    row = session.scalar(sa.select(Vision).where(Vision.org_id == oid))
    if row is None:
        row = Vision(org_id=oid, vision="", scope="", governance="")
        session.add(row)
    for field, value in (("vision", vision), ("scope", scope), ("governance", governance)):
        if value is not None:
            setattr(row, field, value.strip())


def get_vision(session: Session, org: str) -> dict[str, str]:
    row = session.scalar(sa.select(Vision).where(Vision.org_id == _org_id(session, org)))
    if row is None:
        return {"vision": "", "scope": "", "governance": ""}
    return {"vision": row.vision, "scope": row.scope, "governance": row.governance}


def add_commitment(session: Session, org: str, title: str, detail: str = "") -> int:
    oid = _org_id(session, org)
    if not title.strip():
        raise InputError.keyed("st.refuse.commitment_title", column="title", value="")
    title = title.strip()
    if session.scalar(sa.select(Commitment.id).where(Commitment.org_id == oid, Commitment.title == title)):
        raise InputError.keyed("st.refuse.commitment_exists", column="title", value=title)
    position = session.scalar(
        sa.select(sa.func.count()).select_from(Commitment).where(Commitment.org_id == oid)
    )
    row = Commitment(org_id=oid, title=title, detail=detail, position=int(position or 0))
    session.add(row)
    session.flush()
    return row.id


def commitments(session: Session, org: str) -> list[dict[str, str]]:
    rows = session.scalars(
        sa.select(Commitment).where(Commitment.org_id == _org_id(session, org)).order_by(Commitment.position)
    )
    return [{"title": r.title, "detail": r.detail} for r in rows]


def add_objective(
    session: Session,
    org: str,
    title: str,
    *,
    criterion: str,
    reduction: float,
    baseline_year: int,
    target_year: int,
    per: str = "total",
    baseline_value: float | None = None,
) -> int:
    """A reduction objective: −``reduction`` (0.3 = 30 %) of the baseline year's figure by ``target_year``."""
    oid = _org_id(session, org)
    _check_objective(per, reduction, baseline_year, target_year)
    if not title.strip():
        raise InputError.keyed("st.refuse.objective_title", column="title", value="")
    _check_objective_title(session, oid, title.strip())
    row = Objective(
        org_id=oid,
        title=title.strip(),
        criterion=criterion,
        per=per,
        baseline_year=baseline_year,
        baseline_value=baseline_value,
        target_year=target_year,
        reduction=reduction,
    )
    session.add(row)
    session.flush()
    return row.id


def _check_objective(per: str, reduction: float, baseline_year: int, target_year: int) -> None:
    if per not in ("total", "agent"):
        raise InputError.keyed("st.refuse.objective_per", column="--per", value=per, expected="total, agent")
    if not 0 < reduction < 1:
        raise InputError.keyed("st.refuse.reduction", column="--reduction", value=str(reduction))
    if target_year <= baseline_year:
        raise InputError.keyed("st.refuse.target_year", column="--target-year", value=str(target_year))


def objective_row(session: Session, org: str, objective_id: int) -> Objective:
    row = session.get(Objective, objective_id)
    if row is None or row.org_id != _org_id(session, org):
        raise NotFound(f"no objective {objective_id}")
    return row


def objective_dict(row: Objective) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "criterion": row.criterion,
        "per": row.per,
        "reduction": row.reduction,
        "baseline_year": row.baseline_year,
        "target_year": row.target_year,
        "baseline_value": row.baseline_value,
    }


def update_objective(session: Session, org: str, objective_id: int, **fields: Any) -> None:
    """Change an objective, checked as :func:`add_objective` checks a new one.  A field given as None
    keeps its value, except ``baseline_value``, whose None means "the runs' figure"."""
    row = objective_row(session, org, objective_id)
    unknown = set(fields) - {"title", "criterion", "per", "reduction", "baseline_year", "target_year"}
    unknown -= {"baseline_value"}
    if unknown:
        raise InputError.keyed("st.refuse.objective_field", column=sorted(unknown)[0], value="")
    merged = {
        "per": row.per,
        "reduction": row.reduction,
        "baseline_year": row.baseline_year,
        "target_year": row.target_year,
        **{k: v for k, v in fields.items() if v is not None or k == "baseline_value"},
    }
    _check_objective(merged["per"], merged["reduction"], merged["baseline_year"], merged["target_year"])
    title = str(merged.get("title", row.title)).strip()
    if not title:
        raise InputError.keyed("st.refuse.objective_title", column="title", value="")
    _check_objective_title(session, row.org_id, title, keep=row.id)
    for key, value in merged.items():
        setattr(row, key, value.strip() if isinstance(value, str) else value)


def _check_objective_title(session: Session, oid: int, title: str, keep: int | None = None) -> None:
    """Refuse a title another objective of the organisation has (the table's unique key would
    otherwise fail the request as a server error)."""
    same = sa.select(Objective.id).where(Objective.org_id == oid, Objective.title == title)
    if keep is not None:
        same = same.where(Objective.id != keep)
    if session.scalar(same) is not None:
        raise InputError.keyed("st.refuse.objective_exists", column="title", value=title)


def delete_objective(session: Session, org: str, objective_id: int) -> None:
    session.delete(objective_row(session, org, objective_id))


def objectives(session: Session, org: str) -> list[Objective]:
    return list(
        session.scalars(
            sa.select(Objective)
            .where(Objective.org_id == _org_id(session, org))
            .order_by(Objective.target_year)
        )
    )


def check_objectives(database_url: str, org: str) -> list[dict[str, Any]]:
    """Each objective against the plan: the baseline (given, else the run of the baseline year, else the
    latest run), the target, the latest run's figure and the figure once the plan's scenarios (those of the
    actions not cancelled) are applied together in sequence.  Per-agent figures divide by the employees."""
    from sobre.footprint.runs import service as runs
    from sobre.strategy import steering

    done = sorted(
        (r for r in runs.list_runs(database_url, org) if r.status == "done"),
        key=lambda r: (r.reference_date, r.id),
    )
    latest = done[-1] if done else None
    with session_scope(database_url) as session:
        employees = orgs.get(session, org).employees
        rows = objectives(session, org)
        plan = steering.plan_scenarios(session, org)
    effect = combined_effect(database_url, org, plan) if plan and latest else None

    def total(run: Any, criterion: str) -> float | None:
        return (run.totals.get(criterion) or {}).get("value") if run is not None else None

    out = []
    for o in rows:
        divisor = (float(employees) if employees else None) if o.per == "agent" else 1.0

        def scaled(value: float | None, divisor: float | None = divisor) -> float | None:
            return None if value is None or divisor is None else value / divisor

        current = total(latest, o.criterion)
        # Nothing planned avoids nothing: the figure with the plan is then today's.
        delta = effect.delta(o.criterion) if effect else (0.0 if not plan else None)
        of_year = [r for r in done if r.reference_date.year == o.baseline_year]
        baseline = (
            o.baseline_value
            if o.baseline_value is not None
            else scaled(total(of_year[-1] if of_year else latest, o.criterion))
        )
        projected = scaled(current + delta) if current is not None and delta is not None else None
        target = baseline * (1 - o.reduction) if baseline is not None else None
        out.append(
            {
                "id": o.id,
                "title": o.title,
                "criterion": o.criterion,
                "per": o.per,
                "baseline_year": o.baseline_year,
                "target_year": o.target_year,
                "reduction": o.reduction,
                "baseline": baseline,
                "target": target,
                "current": scaled(current),
                "with_plan": projected,
                "plan": plan,
                "reached": None if projected is None or target is None else projected <= target,
                "gap": None if projected is None or target is None else projected - target,
            }
        )
    return out


__all__ = [
    "Baseline",
    "ScenarioView",
    "add_change",
    "add_commitment",
    "add_objective",
    "baseline",
    "check_objectives",
    "combined_effect",
    "commitments",
    "compare",
    "create_action_from",
    "create_scenario",
    "delete_objective",
    "delete_scenario",
    "get_scenario",
    "get_vision",
    "list_scenarios",
    "objective_dict",
    "objective_row",
    "objectives",
    "remove_change",
    "run_scenario",
    "scenario_name",
    "scenario_row",
    "set_vision",
    "update_objective",
]
