"""Use cases of problems: the cause behind recurring incidents, with its diagnosis log, workaround and known
error; and the detection of incidents that recur without a problem yet."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound
from sobre.servicedesk.models import Category, Diagnosis, Problem, Ticket, TicketItem, utcnow
from sobre.servicedesk.service import DIAGNOSIS_STEPS
from sobre.servicedesk.service import get as get_ticket

STATUSES = ("new", "analysis", "known_error", "solved", "closed")


def get(session: Session, org_id: int, number: int) -> Problem:
    p = session.scalar(sa.select(Problem).where(Problem.org_id == org_id, Problem.number == number))
    if p is None:
        raise NotFound(f"no problem P{number} in this organisation")
    return p


def create(
    session: Session,
    org_id: int,
    title: str,
    *,
    description: str = "",
    tickets: list[int] | None = None,
    now: datetime | None = None,
) -> Problem:
    title = title.strip()
    if not title:
        raise InputError("a problem needs a title", column="title", value=title)
    number = (session.scalar(sa.select(sa.func.max(Problem.number)).where(Problem.org_id == org_id)) or 0) + 1
    p = Problem(
        org_id=org_id,
        number=number,
        title=title,
        description=description,
        status="new",
        opened_at=now or utcnow(),
    )
    session.add(p)
    session.flush()
    for n in tickets or ():
        link(session, org_id, number, n)
    return p


def link(session: Session, org_id: int, number: int, ticket: int) -> None:
    p = get(session, org_id, number)
    t = get_ticket(session, org_id, ticket)
    if t.kind != "incident":
        raise InputError("only incidents are linked to a problem", column="ticket", value=ticket)
    t.problem_id = p.id
    session.flush()


def update(
    session: Session,
    org_id: int,
    number: int,
    *,
    status: str | None = None,
    root_cause: str | None = None,
    workaround: str | None = None,
    known_error: bool | None = None,
    now: datetime | None = None,
) -> Problem:
    """Record the cause, the workaround, whether it is a known error, and the status."""
    p = get(session, org_id, number)
    if status is not None:
        if status not in STATUSES:
            raise InputError(
                "unknown problem status", column="status", value=status, expected=", ".join(STATUSES)
            )
        p.status = status
        if status in ("solved", "closed") and p.solved_at is None:
            p.solved_at = now or utcnow()
    if root_cause is not None:
        p.root_cause = root_cause
    if workaround is not None:
        p.workaround = workaround
    if known_error is not None:
        p.known_error = known_error
        if known_error and p.status in ("new", "analysis"):
            p.status = "known_error"
    session.flush()
    return p


def diagnose(
    session: Session,
    org_id: int,
    number: int,
    step: str,
    body: str,
    *,
    author: str,
    now: datetime | None = None,
) -> Diagnosis:
    if step not in DIAGNOSIS_STEPS:
        raise InputError(
            "unknown diagnosis step", column="step", value=step, expected=", ".join(DIAGNOSIS_STEPS)
        )
    if not body.strip():
        raise InputError("cannot be empty", column="body", value=body)
    p = get(session, org_id, number)
    d = Diagnosis(
        org_id=org_id, problem_id=p.id, at=now or utcnow(), author=author, step=step, body=body.strip()
    )
    session.add(d)
    session.flush()
    return d


def view(session: Session, org_id: int, number: int) -> dict[str, Any]:
    p = get(session, org_id, number)
    tickets = session.scalars(sa.select(Ticket).where(Ticket.problem_id == p.id).order_by(Ticket.opened_at))
    log = session.scalars(
        sa.select(Diagnosis).where(Diagnosis.problem_id == p.id).order_by(Diagnosis.at, Diagnosis.id)
    )
    return {
        "number": p.number,
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "root_cause": p.root_cause,
        "workaround": p.workaround,
        "known_error": p.known_error,
        "opened_at": p.opened_at.isoformat(),
        "solved_at": p.solved_at.isoformat() if p.solved_at else None,
        "incidents": [
            {"number": t.number, "title": t.title, "status": t.status, "opened_at": t.opened_at.isoformat()}
            for t in tickets
        ],
        "diagnosis": [
            {"at": d.at.isoformat(), "author": d.author, "step": d.step, "body": d.body} for d in log
        ],
    }


def list_problems(session: Session, org_id: int, *, open_only: bool = False) -> list[dict[str, Any]]:
    q = sa.select(Problem).where(Problem.org_id == org_id).order_by(Problem.number)
    if open_only:
        q = q.where(Problem.status.not_in(("solved", "closed")))
    counts = dict(
        session.execute(
            sa.select(Ticket.problem_id, sa.func.count())
            .where(Ticket.org_id == org_id, Ticket.problem_id.is_not(None))
            .group_by(Ticket.problem_id)
        ).all()
    )
    return [
        {
            "number": p.number,
            "title": p.title,
            "status": p.status,
            "known_error": p.known_error,
            "incidents": counts.get(p.id, 0),
        }
        for p in session.scalars(q)
    ]


def recurring(session: Session, org_id: int, *, since: datetime, min_count: int = 3) -> list[dict[str, Any]]:
    """Groups of at least ``min_count`` incidents since ``since`` on the same item (or, without an item, in
    the same category) that no problem explains yet: candidates for a problem."""
    incidents = list(
        session.scalars(
            sa.select(Ticket).where(
                Ticket.org_id == org_id,
                Ticket.kind == "incident",
                Ticket.opened_at >= since,
                Ticket.problem_id.is_(None),
            )
        )
    )
    by_item: dict[tuple[str, str], list[Ticket]] = {}
    with_item: set[int] = set()
    for t_id, kind, name in session.execute(
        sa.select(TicketItem.ticket_id, TicketItem.item_kind, TicketItem.item_name).where(
            TicketItem.ticket_id.in_([t.id for t in incidents])
        )
    ):
        by_item.setdefault((kind, name), []).append(next(t for t in incidents if t.id == t_id))
        with_item.add(t_id)
    categories = {c.id: c.name for c in session.scalars(sa.select(Category).where(Category.org_id == org_id))}
    for t in incidents:
        if t.id not in with_item and t.category_id:
            by_item.setdefault(("category", categories[t.category_id]), []).append(t)
    out = []
    for (kind, name), group in by_item.items():
        if len(group) >= min_count:
            group.sort(key=lambda t: t.opened_at)
            out.append(
                {
                    "kind": kind,
                    "name": name,
                    "count": len(group),
                    "tickets": [t.number for t in group],
                    "first": group[0].opened_at.isoformat(),
                    "last": group[-1].opened_at.isoformat(),
                }
            )
    return sorted(out, key=lambda g: (-g["count"], g["name"]))


def recurring_since_days(
    session: Session, org_id: int, days: int = 30, *, now: datetime | None = None, min_count: int = 3
) -> list[dict[str, Any]]:
    return recurring(session, org_id, since=(now or utcnow()) - timedelta(days=days), min_count=min_count)
