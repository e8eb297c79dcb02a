"""The tickets as plain records for the desk's indicators (:mod:`sobre.servicedesk.kpis` computes them)."""

from __future__ import annotations

from datetime import datetime
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
