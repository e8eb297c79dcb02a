"""Use cases of tickets: open, assign, follow up, plan, wait, solve, close, reopen, rate; SLA clocks and
escalations.  Settings, groups, categories and SLA targets live in :mod:`sobre.servicedesk.desk`, the
indicators in :mod:`sobre.servicedesk.indicators`.

Functions take the unit of work (``session``) and the organisation id; callers (CLI, pages, API, the alert
hook) open the session.  ``actor`` names who acts, as the history shows it.  Instants are timezone-aware;
``now`` may be given (imports, tests) and defaults to the current time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.servicedesk import sla
from sobre.servicedesk.desk import category_by_name, group_by_name, settings, targets
from sobre.servicedesk.models import (
    Diagnosis,
    Escalation,
    Followup,
    Group,
    Task,
    Ticket,
    TicketEvent,
    TicketItem,
)

KINDS = ("incident", "request")
SOURCES = ("portal", "phone", "email", "walk_in", "alert", "glpi", "cli", "api")
DIAGNOSIS_STEPS = ("symptom", "hypothesis", "test", "result", "solution", "recommendation")
ITEM_KINDS = ("site", "equipment", "vm", "cloud", "application", "service")


def now_utc() -> datetime:
    return datetime.now(UTC)


def _when(moment: datetime | None) -> datetime:
    if moment is None:
        return now_utc()
    if moment.tzinfo is None:
        raise InputError("an instant needs its time zone", value=moment.isoformat())
    return moment.astimezone(UTC)


# ---------------------------------------------------------------- tickets


def get(session: Session, org_id: int, number: int) -> Ticket:
    ticket = session.scalar(sa.select(Ticket).where(Ticket.org_id == org_id, Ticket.number == number))
    if ticket is None:
        raise NotFound(f"no ticket #{number} in this organisation")
    return ticket


def _event(
    session: Session, t: Ticket, kind: str, old: Any, new: Any, actor: str, at: datetime, **detail: Any
) -> None:
    session.add(
        TicketEvent(
            org_id=t.org_id,
            ticket_id=t.id,
            at=at,
            kind=kind,
            old=None if old is None else str(old),
            new=None if new is None else str(new),
            actor=actor,
            detail=detail or None,
        )
    )


def _check_text(value: str, column: str, limit: int = 255) -> str:
    value = (value or "").strip()
    if not value:
        raise InputError("cannot be empty", column=column, value=value)
    if len(value) > limit:
        raise InputError(f"longer than {limit} characters", column=column, value=value)
    return value


def open_ticket(
    session: Session,
    org_id: int,
    *,
    title: str,
    requester: str,
    kind: str = "incident",
    description: str = "",
    urgency: int = 3,
    impact: int = 3,
    category: str | None = None,
    requester_email: str | None = None,
    requester_user_id: int | None = None,
    lang: str = "fr",
    source: str = "cli",
    assignee: str | None = None,
    group: str | None = None,
    items: list[tuple[str, str]] | None = None,
    external_ref: str | None = None,
    actor: str = "system",
    now: datetime | None = None,
) -> Ticket:
    """Open an incident or a request; its priority comes from the organisation's matrix."""
    at = _when(now)
    if kind not in KINDS:
        raise InputError("unknown ticket kind", column="kind", value=kind, expected=", ".join(KINDS))
    if source not in SOURCES:
        raise InputError("unknown source", column="source", value=source, expected=", ".join(SOURCES))
    if lang not in ("fr", "en"):
        raise InputError("unsupported language", column="lang", value=lang, expected="fr, en")
    conf = settings(session, org_id)
    priority = conf.matrix.priority(urgency, impact)
    cat = category_by_name(session, org_id, category)
    g = group_by_name(session, org_id, group)
    if g is None and cat is not None and cat.group_id:
        g = session.get(Group, cat.group_id)
    number = _next_number(session, org_id)
    t = Ticket(
        org_id=org_id,
        number=number,
        kind=kind,
        title=_check_text(title, "title"),
        description=description or "",
        status=sla.Status.NEW,
        category_id=cat.id if cat else None,
        requester=_check_text(requester, "requester"),
        requester_email=requester_email,
        requester_user_id=requester_user_id,
        lang=lang,
        urgency=int(urgency),
        impact=int(impact),
        priority=priority,
        sla_priority=priority,
        source=source,
        group_id=g.id if g else None,
        opened_at=at,
        updated_at=at,
        external_ref=external_ref,
    )
    session.add(t)
    session.flush()
    _event(session, t, "status", None, sla.Status.NEW, actor, at)
    for item_kind, item_name in items or ():
        link_item(session, org_id, t.number, item_kind, item_name)
    if assignee:
        assign(session, org_id, t.number, assignee=assignee, actor=actor, now=at)
    refresh_sla(session, t, at)
    return t


def _next_number(session: Session, org_id: int) -> int:
    """The organisation's next ticket number.  On PostgreSQL (read committed) two openings would read the
    same highest number: a transaction-scoped advisory lock per organisation makes the second wait for the
    first's commit and read past it.  SQLite callers hold BEGIN IMMEDIATE, which already serialises them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext("servicedesk.ticket_number"), org_id))
        )
    return (session.scalar(sa.select(sa.func.max(Ticket.number)).where(Ticket.org_id == org_id)) or 0) + 1


def _set_status(session: Session, t: Ticket, status: sla.Status, actor: str, at: datetime) -> None:
    current = sla.Status(t.status)
    if status == current:
        return
    if status not in sla.TRANSITIONS[current]:
        raise SobreError(f"ticket #{t.number} is {current.value}: it cannot become {status.value}")
    last = session.scalar(
        sa.select(sa.func.max(TicketEvent.at)).where(
            TicketEvent.ticket_id == t.id, TicketEvent.kind == "status"
        )
    )
    if last is not None and at < last:
        raise InputError("a status change cannot precede the previous one", column="at", value=at.isoformat())
    _event(session, t, "status", current, status, actor, at)
    t.status = status
    if status in (sla.Status.ASSIGNED, sla.Status.PLANNED) and t.owned_at is None:
        t.owned_at = at
    if status == sla.Status.SOLVED:
        t.solved_at = at
    elif status == sla.Status.CLOSED:
        t.closed_at = at
        t.solved_at = t.solved_at or at
    elif current in sla.DONE:
        t.solved_at = None  # reopened
    t.updated_at = at


def assign(
    session: Session,
    org_id: int,
    number: int,
    *,
    assignee: str | None = None,
    group: str | None = None,
    actor: str = "system",
    now: datetime | None = None,
) -> Ticket:
    """Give the ticket to a person and/or a group; a new ticket becomes assigned (taken into account)."""
    at = _when(now)
    t = get(session, org_id, number)
    if sla.Status(t.status) in sla.DONE:
        raise SobreError(f"ticket #{number} is {t.status}; reopen it first")
    if assignee is not None and assignee != t.assignee:
        _event(session, t, "assign", t.assignee, assignee, actor, at)
        t.assignee = assignee.strip() or None
    g = group_by_name(session, org_id, group)
    if g is not None and g.id != t.group_id:
        _event(session, t, "group", t.group_id, g.name, actor, at)
        t.group_id = g.id
    if t.status == sla.Status.NEW and t.assignee:
        _set_status(session, t, sla.Status.ASSIGNED, actor, at)
    t.updated_at = at
    refresh_sla(session, t, at)
    return t


def set_status(
    session: Session,
    org_id: int,
    number: int,
    status: str,
    *,
    actor: str = "system",
    now: datetime | None = None,
) -> Ticket:
    """Move a ticket to ``status`` (planned, pending, assigned…); solving goes through :func:`solve`."""
    at = _when(now)
    target = sla.status_named(status)
    t = get(session, org_id, number)
    if target == sla.Status.SOLVED:
        raise SobreError("give the solution: 'sobre ticket solve'")
    _set_status(session, t, target, actor, at)
    refresh_sla(session, t, at)
    return t


def follow_up(
    session: Session,
    org_id: int,
    number: int,
    body: str,
    *,
    author: str,
    private: bool = False,
    agent: bool = True,
    now: datetime | None = None,
) -> Followup:
    """Add a follow-up; an agent's first answer takes the ticket into account (time to own)."""
    at = _when(now)
    t = get(session, org_id, number)
    if t.status == sla.Status.CLOSED:
        raise SobreError(f"ticket #{number} is closed")
    f = Followup(
        org_id=org_id,
        ticket_id=t.id,
        at=at,
        author=_check_text(author, "author"),
        body=_check_text(body, "body", 100_000),
        private=private,
    )
    session.add(f)
    if agent and t.owned_at is None:
        t.owned_at = at
    if not agent and t.status == sla.Status.PENDING and t.assignee:
        # The requester answered: the ticket is no longer waiting for them.
        _set_status(session, t, sla.Status.ASSIGNED, author, at)
    t.updated_at = at
    session.flush()
    refresh_sla(session, t, at)
    return f


def add_task(
    session: Session,
    org_id: int,
    number: int,
    body: str,
    *,
    author: str,
    minutes: int = 0,
    done: bool = True,
    planned_at: datetime | None = None,
    now: datetime | None = None,
) -> Task:
    """A task on the ticket with the time it took; a task planned ahead makes a new ticket "planned"."""
    at = _when(now)
    if minutes < 0:
        raise InputError("time spent cannot be negative", column="minutes", value=minutes)
    t = get(session, org_id, number)
    task = Task(
        org_id=org_id,
        ticket_id=t.id,
        at=at,
        author=_check_text(author, "author"),
        body=_check_text(body, "body", 100_000),
        minutes=minutes,
        done=done,
        planned_at=_when(planned_at) if planned_at else None,
    )
    session.add(task)
    if planned_at and not done and t.status in (sla.Status.NEW, sla.Status.ASSIGNED):
        _set_status(session, t, sla.Status.PLANNED, author, at)
    t.updated_at = at
    session.flush()
    refresh_sla(session, t, at)
    return task


def solve(
    session: Session,
    org_id: int,
    number: int,
    solution: str,
    *,
    actor: str,
    article_id: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Solve with a solution text (and the knowledge base article that solved it, if one did)."""
    at = _when(now)
    t = get(session, org_id, number)
    t.solution = _check_text(solution, "solution", 100_000)
    if article_id is not None:
        from sobre.servicedesk.kb import link_ticket

        link_ticket(session, org_id, article_id, t.id)
        t.solution_article_id = article_id
    if t.owned_at is None:
        t.owned_at = at
    _set_status(session, t, sla.Status.SOLVED, actor, at)
    session.flush()
    t.first_contact = _first_contact(session, t, actor)
    refresh_sla(session, t, at)
    return t


def _first_contact(session: Session, t: Ticket, solver: str) -> bool:
    """Solved by whoever first handled it, with no reassignment, escalation or reopening."""
    assigns = (
        session.scalar(
            sa.select(sa.func.count()).where(
                TicketEvent.ticket_id == t.id, TicketEvent.kind.in_(("assign", "group"))
            )
        )
        or 0
    )
    reopened = (
        session.scalar(
            sa.select(sa.func.count()).where(
                TicketEvent.ticket_id == t.id,
                TicketEvent.kind == "status",
                TicketEvent.old.in_(("solved", "closed")),
            )
        )
        or 0
    )
    escalated = session.scalar(sa.select(sa.func.count()).where(Escalation.ticket_id == t.id)) or 0
    return assigns <= 1 and not reopened and not escalated and (t.assignee in (None, solver))


def close(session: Session, org_id: int, number: int, *, actor: str, now: datetime | None = None) -> Ticket:
    at = _when(now)
    t = get(session, org_id, number)
    if t.status != sla.Status.SOLVED:
        raise SobreError(f"ticket #{number} is {t.status}; only a solved ticket can be closed")
    _set_status(session, t, sla.Status.CLOSED, actor, at)
    refresh_sla(session, t, at)
    return t


def reopen(
    session: Session, org_id: int, number: int, reason: str, *, actor: str, now: datetime | None = None
) -> Ticket:
    """The requester says the solution did not work: back to assigned, the clock resumes."""
    at = _when(now)
    t = get(session, org_id, number)
    if t.status != sla.Status.SOLVED:
        raise SobreError(f"ticket #{number} is {t.status}; only a solved ticket can be reopened")
    _set_status(session, t, sla.Status.ASSIGNED, actor, at)
    session.add(
        Followup(
            org_id=org_id, ticket_id=t.id, at=at, author=actor, body=_check_text(reason, "reason", 100_000)
        )
    )
    t.first_contact = False
    refresh_sla(session, t, at)
    return t


def rate(session: Session, org_id: int, number: int, score: int, comment: str | None = None) -> Ticket:
    """The requester's satisfaction, 1 (not at all satisfied) to 5 (very satisfied), once solved."""
    t = get(session, org_id, number)
    if t.status not in sla.DONE:
        raise SobreError(f"ticket #{number} is not solved yet")
    if score not in range(1, 6):
        raise InputError("satisfaction is 1 to 5", column="satisfaction", value=score)
    t.satisfaction, t.satisfaction_comment = score, (comment or None)
    session.flush()
    return t


def link_item(session: Session, org_id: int, number: int, kind: str, name: str) -> TicketItem:
    """Say the ticket is about an inventory item or digital service (found by name)."""
    from sobre.inventory import service as inventory

    if kind not in ITEM_KINDS:
        raise InputError("unknown item kind", column="item", value=kind, expected=", ".join(ITEM_KINDS))
    t = get(session, org_id, number)
    found = [n for n in inventory.topology(session, org_id) if n["kind"] == kind and n["name"] == name]
    if not found:
        raise NotFound(f"no {kind} named {name!r} in the inventory")
    node = found[0]
    existing = session.scalar(
        sa.select(TicketItem).where(
            TicketItem.ticket_id == t.id, TicketItem.item_kind == kind, TicketItem.item_id == node["id"]
        )
    )
    if existing is not None:
        return existing
    link = TicketItem(org_id=org_id, ticket_id=t.id, item_kind=kind, item_id=node["id"], item_name=name)
    session.add(link)
    session.flush()
    return link


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
    """One line of the ticket's diagnosis log."""
    if step not in DIAGNOSIS_STEPS:
        raise InputError(
            "unknown diagnosis step", column="step", value=step, expected=", ".join(DIAGNOSIS_STEPS)
        )
    t = get(session, org_id, number)
    d = Diagnosis(
        org_id=org_id,
        ticket_id=t.id,
        at=_when(now),
        author=_check_text(author, "author"),
        step=step,
        body=_check_text(body, "body", 100_000),
    )
    session.add(d)
    session.flush()
    return d


# ---------------------------------------------------------------- SLA


def timeline(session: Session, t: Ticket) -> sla.Timeline:
    changes = session.execute(
        sa.select(TicketEvent.at, TicketEvent.new)
        .where(TicketEvent.ticket_id == t.id, TicketEvent.kind == "status")
        .order_by(TicketEvent.at, TicketEvent.id)
    ).all()
    return sla.Timeline(t.opened_at, tuple((at, sla.Status(str(s))) for at, s in changes), t.owned_at)


def clocks(session: Session, t: Ticket, now: datetime | None = None) -> tuple[sla.Clock, sla.Clock]:
    """The time-to-own and time-to-resolve clocks of a ticket."""
    at = _when(now)
    conf = settings(session, t.org_id)
    own, resolve = targets(session, t.org_id, t.sla_priority)
    tl = timeline(session, t)
    return sla.clock(own, tl, conf.calendar, at), sla.clock(resolve, tl, conf.calendar, at)


def refresh_sla(session: Session, t: Ticket, now: datetime | None = None) -> list[dict[str, Any]]:
    """Recompute the clocks, store due dates and states, and act on escalation levels that fired (once
    each).  Returns the escalations done now: ``{ticket, kind, offset, action, target, due_at}``."""
    at = _when(now)
    session.flush()
    own, resolve = clocks(session, t, at)
    t.due_own_at, t.sla_own = own.due, own.state.value
    t.due_resolve_at, t.sla_resolve = resolve.due, resolve.state.value
    done = {
        (e.kind, e.offset_minutes)
        for e in session.scalars(sa.select(Escalation).where(Escalation.ticket_id == t.id))
    }
    acted = []
    for c in (own, resolve):
        for fired in c.fired:
            key = (c.kind.value, fired.level.offset_minutes)
            if key in done:
                continue
            acted.append(_escalate(session, t, c.kind.value, fired, at))
            done.add(key)
    session.flush()
    return acted


def _escalate(session: Session, t: Ticket, kind: str, fired: sla.Fired, at: datetime) -> dict[str, Any]:
    level = fired.level
    target = level.target
    if level.action == "notify":
        if target == "group" and t.group_id:
            g = session.get(Group, t.group_id)
            target = f"group {g.name}" + (f" <{g.email}>" if g and g.email else "") if g else "group"
        elif target == "manager" and t.group_id:
            g = session.get(Group, t.group_id)
            target = (g.manager if g else None) or "manager"
        elif target == "assignee":
            target = t.assignee or "assignee (none yet)"
    elif level.action == "raise_priority" and t.priority < 6:
        _event(session, t, "priority", t.priority, t.priority + 1, "sla", at, reason="escalation")
        t.priority += 1
    elif level.action == "assign_group":
        g = group_by_name(session, t.org_id, target)
        if g is not None and g.id != t.group_id:
            _event(session, t, "group", t.group_id, g.name, "sla", at, reason="escalation")
            t.group_id = g.id
    session.add(
        Escalation(
            org_id=t.org_id,
            ticket_id=t.id,
            kind=kind,
            offset_minutes=level.offset_minutes,
            action=level.action,
            target=target,
            due_at=fired.at,
            recorded_at=at,
        )
    )
    _event(
        session,
        t,
        "escalation",
        None,
        level.action,
        "sla",
        at,
        clock=kind,
        offset=level.offset_minutes,
        target=target,
        fired_at=fired.at.isoformat(),
    )
    return {
        "ticket": t.number,
        "kind": kind,
        "offset": level.offset_minutes,
        "action": level.action,
        "target": target,
        "due_at": fired.at.isoformat(),
    }


def sweep(session: Session, org_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """Refresh the clocks of every open ticket (run it every few minutes): the escalations it did."""
    at = _when(now)
    out: list[dict[str, Any]] = []
    for t in session.scalars(
        sa.select(Ticket).where(Ticket.org_id == org_id, Ticket.status.in_([s.value for s in sla.OPEN]))
    ):
        out.extend(refresh_sla(session, t, at))
    return out
