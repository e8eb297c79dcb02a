"""Use cases of the action plan, the indicators (automatic and manual measurements) and steering reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound
from sobre.orgs import service as orgs
from sobre.strategy import sources as kpi_sources
from sobre.strategy.models import Action, Kpi, Measurement, Review, Scenario

ORIGINS = ("gap", "rgesn", "hotspot", "recommendation", "scenario", "rot", "incident", "feedback", "free")
EFFORTS = ("low", "medium", "high")
HORIZONS = ("short", "medium", "long")
LEVELS = ("proposed", "planned", "committed")
STATUSES = ("planned", "in_progress", "done", "cancelled")
DIRECTIONS = ("down", "up")


def _oid(session: Session, org: str) -> int:
    return orgs.get(session, org).id


def _choice(value: str | None, allowed: tuple[str, ...], column: str) -> None:
    if value is not None and value not in allowed:
        raise InputError.keyed(
            "st.refuse.unknown_value",
            column=column,
            value=value,
            expected=", ".join(allowed),
            name=column.lstrip("-"),
        )


# ------------------------------------------------------------------------------------------------ actions

_ACTION_FIELDS = (
    "description",
    "origin",
    "origin_ref",
    "capex_eur",
    "opex_eur",
    "savings_eur",
    "effort",
    "horizon",
    "owner_role",
    "stakeholders",
    "commitment_level",
    "start_date",
    "due_date",
    "status",
    "kpis",
)


def _check_action(fields: dict[str, Any]) -> None:
    _choice(fields.get("origin"), ORIGINS, "--origin")
    _choice(fields.get("effort"), EFFORTS, "--effort")
    _choice(fields.get("horizon"), HORIZONS, "--horizon")
    _choice(fields.get("commitment_level"), LEVELS, "--level")
    _choice(fields.get("status"), STATUSES, "--status")
    for money in ("capex_eur", "opex_eur", "savings_eur"):
        if fields.get(money) is not None and fields[money] < 0:
            raise InputError.keyed("st.refuse.amount", column=f"--{money[:-4]}", value=str(fields[money]))
    start, due = fields.get("start_date"), fields.get("due_date")
    if start and due and due < start:
        raise InputError.keyed("st.refuse.due_after_start", column="--due", value=due.isoformat())


def add_action(session: Session, org: str, title: str, **fields: Any) -> int:
    """A new action; fields are those of :class:`Action` (checked against their allowed values)."""
    oid = _oid(session, org)
    title = title.strip()
    if not title:
        raise InputError.keyed("st.refuse.action_title", column="title", value="")
    unknown = set(fields) - set(_ACTION_FIELDS) - {"scenario_id", "avoided"}
    if unknown:
        raise InputError.keyed("st.refuse.action_field", column=sorted(unknown)[0], value="")
    _check_action(fields)
    if session.scalar(sa.select(Action.id).where(Action.org_id == oid, Action.title == title)):
        raise InputError.keyed("st.refuse.action_exists", column="title", value=title)
    row = Action(org_id=oid, title=title, **{k: v for k, v in fields.items() if v is not None})
    session.add(row)
    session.flush()
    return row.id


def update_action(session: Session, org: str, action_id: int, **fields: Any) -> None:
    row = _action(session, org, action_id)
    _check_action(fields)
    for key, value in fields.items():
        if key not in _ACTION_FIELDS:
            raise InputError.keyed("st.refuse.action_field", column=key, value=str(value))
        if value is not None:
            setattr(row, key, value)


def _action(session: Session, org: str, action_id: int) -> Action:
    row = session.get(Action, action_id)
    if row is None or row.org_id != _oid(session, org):
        raise NotFound(f"no action {action_id}")
    return row


def action_dict(a: Action, scenario: str | None = None) -> dict[str, Any]:
    out = {k: getattr(a, k) for k in ("id", "title", *_ACTION_FIELDS, "avoided")}
    out["scenario"] = scenario
    for k in ("start_date", "due_date"):
        out[k] = out[k].isoformat() if out[k] else None
    return out


def get_action(session: Session, org: str, action_id: int) -> dict[str, Any]:
    """One action as :func:`list_actions` shows it (with its scenario's name)."""
    row = _action(session, org, action_id)
    scenario = session.get(Scenario, row.scenario_id) if row.scenario_id is not None else None
    return action_dict(row, scenario.name if scenario else None)


def list_actions(
    session: Session,
    org: str,
    *,
    status: str | None = None,
    horizon: str | None = None,
    origin: str | None = None,
) -> list[dict[str, Any]]:
    q = (
        sa.select(Action, Scenario.name)
        .outerjoin(Scenario, Scenario.id == Action.scenario_id)
        .where(Action.org_id == _oid(session, org))
    )
    for column, value in ((Action.status, status), (Action.horizon, horizon), (Action.origin, origin)):
        if value:
            q = q.where(column == value)
    return [action_dict(a, s) for a, s in session.execute(q.order_by(Action.due_date, Action.id))]


def avoided_impact(effect: dict[str, Any]) -> dict[str, Any]:
    """Avoided impact per criterion from a stored scenario effect: −delta of the total, with its range."""
    out = {}
    for code, per in effect["cells"].items():
        cell = per["total"]
        if cell["delta"] is None:
            out[code] = {"value": None, "low": None, "high": None, "unit": effect["units"].get(code)}
        else:
            out[code] = {
                "value": -cell["delta"],
                "low": -cell["high"],
                "high": -cell["low"],
                "unit": effect["units"].get(code),
            }
    return out


def action_from_scenario(
    database_url: str, org: str, scenario: str, title: str | None = None, **fields: Any
) -> int:
    """One click: an action whose avoided impact is the scenario's effect (computed now if it has none)."""
    from sobre.strategy import service

    view = service.get_scenario_checked(database_url, org, scenario)
    with session_scope(database_url) as session:
        return add_action(
            session,
            org,
            title or view.name,
            origin="scenario",
            origin_ref=view.name,
            scenario_id=view.id,
            avoided=avoided_impact(view.effect.to_dict()) if view.effect else None,
            description=fields.pop("description", None) or view.description,
            **fields,
        )


def action_from_recommendation(database_url: str, org: str, key: str, lang: str = "fr", **fields: Any) -> int:
    """One click: an action from a diagnosis recommendation (``reco`` key), with its avoided impact."""
    from sobre.core.i18n import t
    from sobre.reporting import service as reporting

    data = reporting.build_report_data(database_url, org, compute_if_missing=False)
    rec = next((r for r in data.recommendations if r.key == key), None)
    if rec is None:
        raise InputError.keyed(
            "st.refuse.no_recommendation",
            column="key",
            value=key,
            expected=", ".join(r.key for r in data.recommendations) or "none",
        )
    avoided = {
        c: {"value": f.value, "low": f.low, "high": f.high, "unit": f.unit} for c, f in rec.avoided.items()
    }
    with session_scope(database_url) as session:
        return add_action(
            session,
            org,
            fields.pop("title", None) or t(f"reco.{rec.key}.short", lang),
            origin="recommendation",
            origin_ref=f"{rec.key} ({rec.practice})",
            avoided=avoided,
            horizon=rec.horizon if rec.horizon in HORIZONS else None,
            owner_role=fields.pop("owner_role", None) or rec.owner,
            **fields,
        )


def action_from_gap(
    database_url: str, org: str, assessment_id: int, item: str, lang: str = "fr", **fields: Any
) -> int:
    """One click: an action from an assessment's gap (maturity practice, RGESN or RGAA criterion)."""
    from sobre.assessment import insights

    with session_scope(database_url) as session:
        proposals = insights.recommendations(session, org, assessment_id)
        proposal = next((p for p in proposals if p.origin[2] == item), None)
        if proposal is None:
            raise InputError.keyed(
                "st.refuse.no_gap",
                column="item",
                value=item,
                expected=", ".join(p.origin[2] for p in proposals[:10]) or "none",
            )
        referential, version, _ = proposal.origin
        kpi_text = [k.get(lang) or next(iter(k.values()), "") for k in proposal.kpis]
        difficulty = proposal.difficulty if proposal.difficulty in EFFORTS else None
        return add_action(
            session,
            org,
            fields.pop("title", None) or (proposal.title.get(lang) or next(iter(proposal.title.values()))),
            origin="rgesn" if referential.lower().startswith("rgesn") else "gap",
            origin_ref=f"{referential} {version} {item}",
            description=fields.pop("description", None)
            or "\n".join(filter(None, [proposal.check.get(lang) if proposal.check else None, *kpi_text])),
            owner_role=fields.pop("owner_role", None) or proposal.owner_role,
            effort=fields.pop("effort", None) or difficulty,
            **fields,
        )


def plan_scenarios(session: Session, org: str) -> list[str]:
    """Names of the scenarios behind the plan's actions that are not cancelled (in the actions' order)."""
    rows = session.execute(
        sa.select(Scenario.name)
        .join(Action, Action.scenario_id == Scenario.id)
        .where(Action.org_id == _oid(session, org), Action.status != "cancelled")
        .order_by(Action.id)
    ).scalars()
    return list(dict.fromkeys(rows))


# ----------------------------------------------------------------------------------------------- indicators


def define_kpi(
    session: Session,
    org: str,
    code: str,
    name: str,
    *,
    source: str = "manual",
    unit: str | None = None,
    direction: str | None = None,
    definition: str = "",
    baseline_value: float | None = None,
    baseline_date: date | None = None,
    target_value: float | None = None,
    target_date: date | None = None,
) -> int:
    """An indicator; an automatic one (``source`` a registered source code) takes its unit and direction."""
    oid = _oid(session, org)
    if source != "manual":
        src, _ = kpi_sources.split(source)
        unit, direction = unit or src.unit, direction or src.direction
    if not unit:
        raise InputError.keyed("st.refuse.kpi_unit", column="--unit", value="")
    _choice(direction or "down", DIRECTIONS, "--direction")
    if session.scalar(sa.select(Kpi.id).where(Kpi.org_id == oid, Kpi.code == code)):
        raise InputError.keyed("st.refuse.kpi_exists", column="code", value=code)
    row = Kpi(
        org_id=oid,
        code=code,
        name=name,
        definition=definition,
        unit=unit,
        direction=direction or "down",
        source=source,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        target_value=target_value,
        target_date=target_date,
    )
    session.add(row)
    session.flush()
    return row.id


def _kpi(session: Session, org: str, code: str) -> Kpi:
    row = session.scalar(sa.select(Kpi).where(Kpi.org_id == _oid(session, org), Kpi.code == code))
    if row is None:
        raise NotFound(f"no indicator {code!r}")
    return row


def _store(session: Session, kpi: Kpi, on: date, values: dict[str, Any]) -> None:
    row = session.scalar(
        sa.select(Measurement).where(Measurement.kpi_id == kpi.id, Measurement.measured_on == on)
    )
    if row is None:
        row = Measurement(org_id=kpi.org_id, kpi_id=kpi.id, measured_on=on)
        session.add(row)
    for k, v in values.items():
        setattr(row, k, v)


def record(
    session: Session,
    org: str,
    code: str,
    value: float,
    on: date,
    by: str,
    *,
    note: str = "",
    low: float | None = None,
    high: float | None = None,
) -> None:
    """A manual measurement, with who and when (replaces that day's measurement)."""
    kpi = _kpi(session, org, code)
    if kpi.source != "manual":
        raise InputError.keyed(
            "st.refuse.kpi_automatic",
            column="code",
            value=code,
            expected="'sobre kpi measure'",
        )
    if not by.strip():
        raise InputError.keyed("st.refuse.measured_by", column="--by", value="")
    if (low is not None and low > value) or (high is not None and high < value):
        raise InputError.keyed("st.refuse.value_range", column="--low", value=f"{low}–{high}")
    _store(
        session,
        kpi,
        on,
        {
            "value": value,
            "low": low,
            "high": high,
            "status": "input",
            "source": "manual",
            "recorded_by": by.strip(),
            "note": note,
        },
    )


def measure(
    database_url: str, org: str, on: date, by: str, codes: list[str] | None = None
) -> list[dict[str, Any]]:
    """Measure the automatic indicators now (as of ``on``) and store the known figures; unknown ones are
    reported with their reason and never stored as zero."""
    with session_scope(database_url) as session:
        kpis = [
            (k.code, k.source)
            for k in session.scalars(
                sa.select(Kpi)
                .where(Kpi.org_id == _oid(session, org), Kpi.source != "manual")
                .order_by(Kpi.code)
            )
            if not codes or k.code in codes
        ]
    out = []
    for code, source in kpis:
        figure = kpi_sources.measure(database_url, org, source, on)
        out.append(
            {
                "code": code,
                "value": figure.value,
                "unit": figure.unit,
                "low": figure.low,
                "high": figure.high,
                "status": str(figure.status),
                "source": figure.source,
                "reason": figure.reason or None,
            }
        )
        if figure.value is None:
            continue
        with session_scope(database_url) as session:
            _store(
                session,
                _kpi(session, org, code),
                on,
                {
                    "value": figure.value,
                    "low": figure.low,
                    "high": figure.high,
                    "status": str(figure.status),
                    "source": figure.source[:1000],
                    "recorded_by": by,
                    "note": "",
                },
            )
    return out


def kpis(session: Session, org: str) -> list[dict[str, Any]]:
    """Every indicator with its measurements (oldest first)."""
    oid = _oid(session, org)
    rows = session.scalars(sa.select(Kpi).where(Kpi.org_id == oid).order_by(Kpi.code)).all()
    points: dict[int, list[dict[str, Any]]] = {}
    for m in session.scalars(
        sa.select(Measurement).where(Measurement.org_id == oid).order_by(Measurement.measured_on)
    ):
        points.setdefault(m.kpi_id, []).append(
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
        )
    out = []
    for k in rows:
        history = points.get(k.id, [])
        out.append(
            {
                "code": k.code,
                "name": k.name,
                "definition": k.definition,
                "unit": k.unit,
                "direction": k.direction,
                "source": k.source,
                "baseline": k.baseline_value,
                "baseline_date": k.baseline_date.isoformat() if k.baseline_date else None,
                "target": k.target_value,
                "target_date": k.target_date.isoformat() if k.target_date else None,
                "measurements": history,
                "latest": history[-1] if history else None,
                "on_track": _on_track(k, history[-1]["value"] if history else None),
            }
        )
    return out


def _on_track(k: Kpi, latest: float | None) -> bool | None:
    if latest is None or k.target_value is None:
        return None
    return latest <= k.target_value if k.direction == "down" else latest >= k.target_value


# -------------------------------------------------------------------------------------------------- reviews


def add_review(
    session: Session,
    org: str,
    title: str,
    held_on: date,
    by: str,
    *,
    notes: str = "",
    decisions: list[str] | None = None,
    adjust: dict[int, dict[str, Any]] | None = None,
) -> int:
    """A steering review with a snapshot of every indicator's latest measurement and target (taken before
    the review's adjustments); ``adjust`` changes actions (action id → fields such as status or due date),
    each adjustment recorded among the decisions."""
    snapshot = [
        {
            "code": k["code"],
            "name": k["name"],
            "unit": k["unit"],
            "target": k["target"],
            "value": (k["latest"] or {}).get("value"),
            "on": (k["latest"] or {}).get("on"),
            "on_track": k["on_track"],
        }
        for k in kpis(session, org)
    ]
    actions = list_actions(session, org)
    counts = {s: sum(1 for a in actions if a["status"] == s) for s in STATUSES}
    decisions = list(decisions or [])
    for action_id, fields in (adjust or {}).items():
        update_action(session, org, action_id, **fields)
        changed = ", ".join(f"{k} = {v.isoformat() if isinstance(v, date) else v}" for k, v in fields.items())
        decisions.append(f"action {action_id} ({_action(session, org, action_id).title}): {changed}")
    row = Review(
        org_id=_oid(session, org),
        held_on=held_on,
        title=title.strip(),
        notes=notes,
        snapshot=snapshot + [{"code": "_actions", **counts}],
        decisions=decisions,
        created_by=by,
    )
    session.add(row)
    session.flush()
    return row.id


def reviews(session: Session, org: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Review).where(Review.org_id == _oid(session, org)).order_by(Review.held_on)
    )
    return [
        {
            "id": r.id,
            "title": r.title,
            "held_on": r.held_on.isoformat(),
            "notes": r.notes,
            "snapshot": r.snapshot,
            "decisions": r.decisions,
            "by": r.created_by,
        }
        for r in rows
    ]
