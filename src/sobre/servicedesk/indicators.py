"""The desk's indicators of a year or a month: the tickets as plain records, computed by
:mod:`sobre.servicedesk.kpis` (the ``servicedesk.kpis`` provider the strategy capability reads)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.servicedesk import sla
from sobre.servicedesk.models import Ticket
from sobre.servicedesk.service import clocks, now_utc


def records(session: Session, org_id: int, since: datetime | None = None) -> list[Any]:
    """Every ticket (opened since ``since``, or still open then) as a plain record for the indicators."""
    from sobre.servicedesk import kpis
    from sobre.servicedesk.impact import from_dict
    from sobre.servicedesk.models import Impact

    q = sa.select(Ticket).where(Ticket.org_id == org_id)
    if since is not None:
        q = q.where(sa.or_(Ticket.opened_at >= since, Ticket.solved_at.is_(None), Ticket.solved_at >= since))
    impacts = {i.ticket_id: i for i in session.scalars(sa.select(Impact).where(Impact.org_id == org_id))}
    out = []
    for t in session.scalars(q):
        own, resolve = clocks(session, t, t.solved_at or now_utc())
        imp = impacts.get(t.id)
        out.append(
            kpis.TicketRecord(
                kind=t.kind,
                opened_at=t.opened_at,
                status=t.status,
                priority=t.priority,
                owned_at=t.owned_at,
                solved_at=t.solved_at,
                own_minutes=own.elapsed_s / 60 if own.done_at else None,
                resolve_minutes=resolve.elapsed_s / 60 if resolve.done_at else None,
                own_met=own.state == sla.State.MET if own.done_at else None,
                resolve_met=resolve.state == sla.State.MET if resolve.done_at else None,
                first_contact=t.first_contact,
                satisfaction=t.satisfaction,
                energy_kwh=from_dict(imp.energy_kwh) if imp and imp.energy_kwh else None,
                kgco2e=from_dict(imp.kgco2e) if imp and imp.kgco2e else None,
                cost_eur=from_dict(imp.cost_eur) if imp and imp.cost_eur else None,
            )
        )
    return out


def kpis(database_url: str, org: str, year: int, month: int | None = None) -> dict[str, Any]:
    """Service desk indicators of a year (or one month), each ``{code, value, low, high, unit, status, reason,
    count, detail}``, plus ``monthly`` (the same per month of the year): what the strategy capability reads
    through ``provider("servicedesk.kpis")``."""
    from datetime import date as day

    from sobre.core.db import session_scope
    from sobre.orgs import service as orgs
    from sobre.servicedesk import kpis as calc
    from sobre.servicedesk import problems, techdoc
    from sobre.servicedesk.desk import settings

    with session_scope(database_url) as session:
        org_id = orgs.get(session, org).id
        zone = settings(session, org_id).calendar.timezone
        periods = calc.months(year, zone)
        start, end = periods[month - 1] if month else (periods[0][0], periods[-1][1])
        rows = records(session, org_id, since=start)
        listed = problems.list_problems(session, org_id, open_only=True)
        recurring = problems.recurring(session, org_id, since=start)
        overdue = techdoc.due(session, org_id, min(day.today(), (end - timedelta(days=1)).date()))
        extra = {
            "problems_open": len(listed),
            "known_errors": sum(p["known_error"] for p in listed),
            "recurring_groups": len(recurring),
            "maintenance_overdue": sum(1 for m in overdue if m["overdue"]),
        }
    result: dict[str, Any] = {k: v.to_dict() for k, v in calc.compute(rows, start, end, **extra).items()}
    result["monthly"] = {
        f"{year}-{i + 1:02d}": {k: v.to_dict() for k, v in calc.compute(rows, a, b, **extra).items()}
        for i, (a, b) in enumerate(periods)
        if month is None or i + 1 == month
    }
    return result
