"""Reading tickets: queues, summaries and the whole of one ticket, as plain data (CLI, pages, API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.servicedesk import sla
from sobre.servicedesk.desk import group_by_name
from sobre.servicedesk.models import (
    Category,
    Diagnosis,
    Followup,
    Group,
    Impact,
    Task,
    Ticket,
    TicketEvent,
    TicketItem,
)
from sobre.servicedesk.service import clocks, get

# ---------------------------------------------------------------- reading


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def summary(session: Session, t: Ticket) -> dict[str, Any]:
    """A ticket's main fields as plain data (queues, JSON)."""
    cat = session.get(Category, t.category_id) if t.category_id else None
    g = session.get(Group, t.group_id) if t.group_id else None
    return {
        "number": t.number,
        "kind": t.kind,
        "title": t.title,
        "status": t.status,
        "priority": t.priority,
        "urgency": t.urgency,
        "impact": t.impact,
        "category": cat.name if cat else None,
        "requester": t.requester,
        "assignee": t.assignee,
        "group": g.name if g else None,
        "source": t.source,
        "opened_at": _iso(t.opened_at),
        "owned_at": _iso(t.owned_at),
        "solved_at": _iso(t.solved_at),
        "closed_at": _iso(t.closed_at),
        "due_own_at": _iso(t.due_own_at),
        "due_resolve_at": _iso(t.due_resolve_at),
        "sla_own": t.sla_own,
        "sla_resolve": t.sla_resolve,
        "external_ref": t.external_ref,
    }


def _clock_dict(c: sla.Clock) -> dict[str, Any]:
    return {
        "target_minutes": c.target_s / 60,
        "due": _iso(c.due),
        "done_at": _iso(c.done_at),
        "elapsed_minutes": round(c.elapsed_s / 60, 2),
        "remaining_minutes": round(c.remaining_s / 60, 2),
        "state": c.state.value,
        "breached_at": _iso(c.breached_at),
        "escalations": [
            {"offset": f.level.offset_minutes, "action": f.level.action, "at": f.at.isoformat()}
            for f in c.fired
        ],
        "next_escalation": _iso(c.upcoming.at) if c.upcoming else None,
    }


def view(
    session: Session, org_id: int, number: int, *, now: datetime | None = None, agent: bool = True
) -> dict[str, Any]:
    """Everything about a ticket: fields, SLA clocks, history, follow-ups (private ones for agents only),
    tasks with time spent, linked items, diagnosis log, impact."""
    t = get(session, org_id, number)
    own, resolve = clocks(session, t, now)
    data = summary(session, t)
    data |= {
        "description": t.description,
        "solution": t.solution,
        "solution_article_id": t.solution_article_id,
        "first_contact": t.first_contact,
        "satisfaction": t.satisfaction,
        "satisfaction_comment": t.satisfaction_comment,
        "problem_id": t.problem_id,
        "lang": t.lang,
        "sla": {"own": _clock_dict(own), "resolve": _clock_dict(resolve)},
    }
    data["events"] = [
        {
            "at": e.at.isoformat(),
            "kind": e.kind,
            "old": e.old,
            "new": e.new,
            "actor": e.actor,
            "detail": e.detail,
        }
        for e in session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == t.id)
            .order_by(TicketEvent.at, TicketEvent.id)
        )
    ]
    followups = sa.select(Followup).where(Followup.ticket_id == t.id).order_by(Followup.at, Followup.id)
    if not agent:
        followups = followups.where(Followup.private.is_(False))
    data["followups"] = [
        {"at": f.at.isoformat(), "author": f.author, "body": f.body, "private": f.private}
        for f in session.scalars(followups)
    ]
    tasks = (
        list(session.scalars(sa.select(Task).where(Task.ticket_id == t.id).order_by(Task.at, Task.id)))
        if agent
        else []
    )
    data["tasks"] = [
        {
            "at": k.at.isoformat(),
            "author": k.author,
            "body": k.body,
            "minutes": k.minutes,
            "done": k.done,
            "planned_at": _iso(k.planned_at),
        }
        for k in tasks
    ]
    data["time_spent_minutes"] = sum(k.minutes for k in tasks)
    data["items"] = [
        {"kind": i.item_kind, "name": i.item_name}
        for i in session.scalars(
            sa.select(TicketItem).where(TicketItem.ticket_id == t.id).order_by(TicketItem.id)
        )
    ]
    data["diagnosis"] = (
        [
            {"at": d.at.isoformat(), "author": d.author, "step": d.step, "body": d.body}
            for d in session.scalars(
                sa.select(Diagnosis).where(Diagnosis.ticket_id == t.id).order_by(Diagnosis.at, Diagnosis.id)
            )
        ]
        if agent
        else []
    )
    impact = session.get(Impact, t.id)
    data["assessment"] = (
        {
            "technical": impact.technical,
            "energy_kwh": impact.energy_kwh,
            "kgco2e": impact.kgco2e,
            "cost_eur": impact.cost_eur,
            "computed_at": _iso(impact.computed_at),
        }
        if impact is not None and agent
        else None
    )
    return data


def queue(
    session: Session,
    org_id: int,
    *,
    status: str | None = "open",
    group: str | None = None,
    assignee: str | None = None,
    requester_user_id: int | None = None,
    requester: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Tickets to work on, the most urgent first (priority, then the nearest resolution due date).

    ``status`` is one status, ``open`` (new to pending) or ``all``."""
    q = sa.select(Ticket).where(Ticket.org_id == org_id)
    if status == "open":
        q = q.where(Ticket.status.in_([s.value for s in sla.OPEN]))
    elif status and status != "all":
        # A list's filter comes from a query string: an unknown word is the caller's error, not a crash.
        q = q.where(Ticket.status == sla.status_named(status, extra=("open", "all")).value)
    if group:
        g = group_by_name(session, org_id, group)
        q = q.where(Ticket.group_id == (g.id if g else None))
    if assignee:
        q = q.where(Ticket.assignee == assignee)
    if requester_user_id is not None:
        q = q.where(Ticket.requester_user_id == requester_user_id)
    if requester:
        q = q.where(Ticket.requester == requester)
    q = q.order_by(
        Ticket.priority.desc(), Ticket.due_resolve_at.is_(None), Ticket.due_resolve_at, Ticket.number
    )
    if limit:
        q = q.limit(limit)
    return [summary(session, t) for t in session.scalars(q)]
