"""Use cases of an organisation's service desk set-up: settings (priority matrix, business calendar, cost
parameters), support groups, ticket categories and SLA targets per priority."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.core.estimate import Estimate, Status
from sobre.servicedesk import sla
from sobre.servicedesk.businesstime import OFFICE_HOURS, Calendar, format_week, parse_week
from sobre.servicedesk.models import Category, Group, SlaTarget, utcnow
from sobre.servicedesk.models import Settings as SettingsRow
from sobre.servicedesk.priority import DEFAULT as DEFAULT_MATRIX
from sobre.servicedesk.priority import Matrix

#: Cost of an hour of lost work when an organisation has not set its own: average hourly labour cost of
#: the euro area in 2023 (wages and non-wage costs, whole economy), range from the EU average to the highest
#: member state (Luxembourg).  Eurostat, "Hourly labour costs", dataset lc_lci_lev, published March 2024.
DEFAULT_HOURLY_COST = Estimate(
    35.6,
    "EUR/h",
    31.8,
    53.9,
    Status.DEFAULT,
    "Eurostat lc_lci_lev, hourly labour cost 2023, euro area 35.6 €/h (EU 31.8, Luxembourg 53.9)",
)


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class DeskSettings:
    matrix: Matrix
    calendar: Calendar
    hourly_cost: Estimate
    recovery_cost: float
    degraded_loss: float


def _settings_row(session: Session, org_id: int) -> SettingsRow:
    row = session.get(SettingsRow, org_id)
    if row is None:
        row = SettingsRow(org_id=org_id, timezone="Europe/Paris", holiday_country="FR")
        session.add(row)
        session.flush()
    return row


def settings(session: Session, org_id: int) -> DeskSettings:
    """The organisation's matrix, calendar and cost parameters (Sobre's defaults where it set none)."""
    row = session.get(SettingsRow, org_id)
    if row is None:
        return DeskSettings(DEFAULT_MATRIX, Calendar(), DEFAULT_HOURLY_COST, 0.0, 0.5)
    calendar = Calendar(
        timezone=row.timezone,
        week=parse_week(row.hours) if row.hours else OFFICE_HOURS,
        country=row.holiday_country or None,
        subdivision=row.holiday_subdivision or None,
        closed=frozenset(date.fromisoformat(d) for d in row.closed_days or ()),
        worked=frozenset(date.fromisoformat(d) for d in row.worked_days or ()),
    )
    hourly = (
        Estimate(
            row.hourly_cost, "EUR/h", status=Status.INPUT, source=row.hourly_cost_source or "organisation"
        )
        if row.hourly_cost is not None
        else DEFAULT_HOURLY_COST
    )
    return DeskSettings(
        Matrix.from_json(row.matrix) if row.matrix else DEFAULT_MATRIX,
        calendar,
        hourly,
        row.recovery_cost or 0.0,
        0.5 if row.degraded_loss is None else row.degraded_loss,
    )


def configure(session: Session, org_id: int, **fields: Any) -> DeskSettings:
    """Change settings: ``matrix`` (a Matrix), ``timezone``, ``hours`` (``mon-fri 08:30-12:30,…``),
    ``holiday_country``, ``holiday_subdivision``, ``closed_days``/``worked_days`` (dates), ``hourly_cost``
    (€/h, with ``hourly_cost_source``), ``recovery_cost`` (€), ``degraded_loss`` (0..1)."""
    row = _settings_row(session, org_id)
    for key, value in fields.items():
        if value is None:
            continue
        if key == "matrix":
            row.matrix = value.to_json()
        elif key == "hours":
            row.hours = format_week(parse_week(value))
        elif key in ("closed_days", "worked_days"):
            setattr(row, key, sorted(d.isoformat() for d in value))
        elif key in ("hourly_cost", "recovery_cost"):
            if value < 0:
                raise InputError("a cost cannot be negative", column=key, value=value)
            setattr(row, key, float(value))
        elif key == "degraded_loss":
            if not 0 <= value <= 1:
                raise InputError("a share is between 0 and 1", column=key, value=value)
            row.degraded_loss = float(value)
        elif key in ("timezone", "holiday_country", "holiday_subdivision", "hourly_cost_source"):
            setattr(row, key, value or None)
        else:
            raise SobreError(f"unknown setting {key!r}")
    row.updated_at = utcnow()
    session.flush()
    return settings(session, org_id)  # validates the calendar as a whole


def targets(session: Session, org_id: int, priority: int) -> tuple[sla.Target, sla.Target]:
    """The SLA targets (own, resolve) of a priority: the organisation's, else Sobre's defaults."""
    own, resolve = sla.default_targets(priority)
    for row in session.scalars(
        sa.select(SlaTarget).where(SlaTarget.org_id == org_id, SlaTarget.priority == priority)
    ):
        levels = tuple(
            sla.Level(int(x["offset_minutes"]), x.get("action", "notify"), x.get("target", ""))
            for x in row.levels or ()
        )
        if row.kind == sla.Kind.OWN:
            own = sla.Target(sla.Kind.OWN, row.minutes, levels)
        else:
            resolve = sla.Target(sla.Kind.RESOLVE, row.minutes, levels)
    return own, resolve


def set_target(
    session: Session,
    org_id: int,
    priority: int,
    kind: str,
    minutes: int,
    levels: list[sla.Level] | None = None,
) -> None:
    if priority not in sla.DEFAULT_TARGETS:
        raise InputError("unknown priority", column="priority", value=priority, expected="1 to 6")
    if kind not in ("own", "resolve"):
        raise InputError("unknown SLA kind", column="kind", value=kind, expected="own, resolve")
    if minutes <= 0:
        raise InputError("an SLA target is a positive number of minutes", column="minutes", value=minutes)
    for level in levels or ():
        if level.action not in ("notify", "raise_priority", "assign_group"):
            raise InputError(
                "unknown escalation action",
                column="action",
                value=level.action,
                expected="notify, raise_priority, assign_group",
            )
    row = session.scalar(
        sa.select(SlaTarget).where(
            SlaTarget.org_id == org_id, SlaTarget.priority == priority, SlaTarget.kind == kind
        )
    )
    if row is None:
        row = SlaTarget(org_id=org_id, priority=priority, kind=kind, minutes=minutes)
        session.add(row)
    row.minutes = minutes
    if levels is not None:
        row.levels = [
            {"offset_minutes": lv.offset_minutes, "action": lv.action, "target": lv.target} for lv in levels
        ]
    session.flush()


# ---------------------------------------------------------------- groups and categories


def add_group(
    session: Session, org_id: int, name: str, *, email: str | None = None, manager: str | None = None
) -> Group:
    name = name.strip()
    if not name:
        raise InputError("a group needs a name", column="name", value=name)
    if session.scalar(sa.select(Group.id).where(Group.org_id == org_id, Group.name == name)):
        raise SobreError(f"group {name!r} already exists")
    group = Group(org_id=org_id, name=name, email=email, manager=manager)
    session.add(group)
    session.flush()
    return group


def group_by_name(session: Session, org_id: int, name: str | None) -> Group | None:
    if not name:
        return None
    found = session.scalar(sa.select(Group).where(Group.org_id == org_id, Group.name == name))
    if found is None:
        raise NotFound(f"no group named {name!r}; add it with 'sobre desk group add'")
    return found


def add_category(
    session: Session, org_id: int, name: str, *, kind: str = "both", group: str | None = None
) -> Category:
    name = " > ".join(p.strip() for p in name.split(">") if p.strip())
    if not name:
        raise InputError("a category needs a name", column="name", value=name)
    if kind not in ("incident", "request", "both"):
        raise InputError(
            "unknown category kind", column="kind", value=kind, expected="incident, request, both"
        )
    if session.scalar(sa.select(Category.id).where(Category.org_id == org_id, Category.name == name)):
        raise SobreError(f"category {name!r} already exists")
    g = group_by_name(session, org_id, group)
    category = Category(org_id=org_id, name=name, kind=kind, group_id=g.id if g else None)
    session.add(category)
    session.flush()
    return category


def category_by_name(
    session: Session, org_id: int, name: str | None, *, create: bool = False
) -> Category | None:
    if not name:
        return None
    name = " > ".join(p.strip() for p in name.split(">") if p.strip())
    found = session.scalar(sa.select(Category).where(Category.org_id == org_id, Category.name == name))
    if found is None:
        if create:
            return add_category(session, org_id, name)
        raise NotFound(f"no category named {name!r}; add it with 'sobre desk category add'")
    return found


def list_groups(session: Session, org_id: int) -> list[dict[str, Any]]:
    return [
        {"name": g.name, "email": g.email, "manager": g.manager}
        for g in session.scalars(sa.select(Group).where(Group.org_id == org_id).order_by(Group.name))
    ]


def list_categories(session: Session, org_id: int) -> list[dict[str, Any]]:
    groups = {g.id: g.name for g in session.scalars(sa.select(Group).where(Group.org_id == org_id))}
    return [
        {"name": c.name, "kind": c.kind, "group": groups.get(c.group_id) if c.group_id else None}
        for c in session.scalars(sa.select(Category).where(Category.org_id == org_id).order_by(Category.name))
    ]
