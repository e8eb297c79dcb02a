"""Use cases of the people side of the strategy: the communication plan (messages written from templates
adapted to the audience's technical level), the training plan (modules, sessions, attendance, and the
"share of staff trained" indicator), and the referents network with its feedback log, whose entries create
or adjust actions."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound
from sobre.core.estimate import Estimate, Status
from sobre.core.i18n import format_number, t
from sobre.orgs import service as orgs
from sobre.strategy import steering
from sobre.strategy.models import (
    Action,
    Attendance,
    Feedback,
    Message,
    Referent,
    TrainingModule,
    TrainingSession,
)

#: general: every agent, no jargon; manager: decision makers, costs and objectives; technical: IT staff,
#: figures by stage and the method.
LEVELS = ("general", "manager", "technical")
CHANNELS = ("intranet", "email", "newsletter", "poster", "meeting")
FEEDBACK_KINDS = ("idea", "problem", "result")


def _oid(session: Session, org: str) -> int:
    return orgs.get(session, org).id


def _check(value: str, allowed: tuple[str, ...], column: str) -> None:
    if value not in allowed:
        raise InputError.keyed(
            "st.refuse.unknown_value",
            column=column,
            value=value,
            expected=", ".join(allowed),
            name=column.lstrip("-"),
        )


# -------------------------------------------------------------------------------------------- communication


def draft(action: dict[str, Any], level: str, lang: str) -> str:
    """A message announcing ``action`` for an audience of ``level``, from the catalogue's templates."""
    _check(level, LEVELS, "--level")
    avoided = ((action.get("avoided") or {}).get("climate_change") or {}).get("value")
    values = {
        "title": action["title"],
        "due": action.get("due_date") or "—",
        "owner": action.get("owner_role") or "—",
        "avoided": format_number(avoided, lang, 0) if avoided is not None else t("st.unknown", lang),
        "savings": format_number(action["savings_eur"], lang, 0) if action.get("savings_eur") else "—",
        "origin": action.get("origin_ref") or t(f"st.origin.{action.get('origin') or 'free'}", lang),
    }
    return t(f"st.msg.{level}", lang, **values)


def plan_message(
    session: Session,
    org: str,
    title: str,
    *,
    audience: str,
    level: str,
    channel: str,
    planned_on: date,
    action_id: int | None = None,
    body: str | None = None,
    lang: str = "fr",
) -> int:
    """A message of the communication plan; without ``body`` it is drafted from the action's template."""
    oid = _oid(session, org)
    _check(level, LEVELS, "--level")
    _check(channel, CHANNELS, "--channel")
    if body is None:
        if action_id is None:
            raise InputError.keyed("st.refuse.message_body", column="--body", value="")
        action = session.get(Action, action_id)
        if action is None or action.org_id != oid:
            raise NotFound(f"no action {action_id}")
        body = draft(steering.action_dict(action), level, lang)
    row = Message(
        org_id=oid,
        title=title,
        audience=audience,
        level=level,
        channel=channel,
        planned_on=planned_on,
        body=body,
        action_id=action_id,
    )
    session.add(row)
    session.flush()
    return row.id


def messages(session: Session, org: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Message).where(Message.org_id == _oid(session, org)).order_by(Message.planned_on)
    )
    return [
        {
            "id": m.id,
            "title": m.title,
            "audience": m.audience,
            "level": m.level,
            "channel": m.channel,
            "planned_on": m.planned_on.isoformat(),
            "status": m.status,
            "body": m.body,
        }
        for m in rows
    ]


# ------------------------------------------------------------------------------------------------- training


def add_module(session: Session, org: str, title: str, audience: str, hours: float) -> int:
    if hours <= 0:
        raise InputError.keyed("st.refuse.module_hours", column="--hours", value=str(hours))
    oid = _oid(session, org)
    # Refused here, at its field, rather than by the table's unique key as a server error.
    if session.scalar(
        sa.select(TrainingModule.id).where(TrainingModule.org_id == oid, TrainingModule.title == title)
    ):
        raise InputError.keyed("st.refuse.module_exists", column="title", value=title)
    row = TrainingModule(org_id=oid, title=title, audience=audience, hours=hours)
    session.add(row)
    session.flush()
    return row.id


def add_session(
    session: Session, org: str, module: str, held_on: date, trainer: str = "", place: str = ""
) -> int:
    oid = _oid(session, org)
    mod = session.scalar(
        sa.select(TrainingModule).where(TrainingModule.org_id == oid, TrainingModule.title == module)
    )
    if mod is None:
        raise NotFound(f"no training module {module!r}")
    row = TrainingSession(org_id=oid, module_id=mod.id, held_on=held_on, trainer=trainer, place=place)
    session.add(row)
    session.flush()
    return row.id


def record_attendance(session: Session, org: str, session_id: int, people: list[tuple[str, str]]) -> int:
    """Mark (person, department) pairs as having attended the session; returns how many were added."""
    oid = _oid(session, org)
    ts = session.get(TrainingSession, session_id)
    if ts is None or ts.org_id != oid:
        raise NotFound(f"no training session {session_id}")
    known = set(session.scalars(sa.select(Attendance.person).where(Attendance.session_id == session_id)))
    added = 0
    for person, department in people:
        person = person.strip()
        if person and person not in known:
            session.add(Attendance(org_id=oid, session_id=session_id, person=person, department=department))
            known.add(person)
            added += 1
    return added


def training(session: Session, org: str) -> list[dict[str, Any]]:
    """Training modules with their sessions and how many attended each."""
    oid = _oid(session, org)
    counts = dict(
        session.execute(
            sa.select(Attendance.session_id, sa.func.count())
            .where(Attendance.org_id == oid, Attendance.attended.is_(True))
            .group_by(Attendance.session_id)
        ).all()
    )
    sessions: dict[int, list[dict[str, Any]]] = {}
    for ts in session.scalars(
        sa.select(TrainingSession).where(TrainingSession.org_id == oid).order_by(TrainingSession.held_on)
    ):
        sessions.setdefault(ts.module_id, []).append(
            {
                "id": ts.id,
                "held_on": ts.held_on.isoformat(),
                "trainer": ts.trainer,
                "place": ts.place,
                "attended": int(counts.get(ts.id, 0)),
            }
        )
    return [
        {
            "id": m.id,
            "title": m.title,
            "audience": m.audience,
            "hours": m.hours,
            "sessions": sessions.get(m.id, []),
        }
        for m in session.scalars(
            sa.select(TrainingModule).where(TrainingModule.org_id == oid).order_by(TrainingModule.title)
        )
    ]


def trained_share(database_url: str, org: str, on: date, param: str | None = None) -> Estimate:
    """Share of staff trained: distinct people who attended a session held on or before ``on`` (of module
    ``param`` when given) over the organisation's employees, in %."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        q = (
            sa.select(sa.func.count(sa.distinct(Attendance.person)))
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .where(Attendance.org_id == organisation.id, Attendance.attended, TrainingSession.held_on <= on)
        )
        if param:
            q = q.join(TrainingModule, TrainingModule.id == TrainingSession.module_id).where(
                TrainingModule.title == param
            )
        people = int(session.scalar(q) or 0)
        employees = organisation.employees
    if not employees:
        return Estimate.unknown("%", "number of employees unknown")
    return Estimate(
        100.0 * people / employees,
        "%",
        status=Status.INPUT,
        source=f"training attendance: {people} people of {employees} employees",
    )


# ------------------------------------------------------------------------------------------------ referents


def add_referent(
    session: Session,
    org: str,
    name: str,
    email: str,
    *,
    site: str = "",
    department: str = "",
    mission: str = "",
) -> int:
    oid = _oid(session, org)
    if "@" not in email:
        raise InputError.keyed("st.refuse.email", column="--email", value=email)
    email = email.strip().lower()
    if session.scalar(sa.select(Referent.id).where(Referent.org_id == oid, Referent.email == email)):
        raise InputError.keyed("st.refuse.referent_exists", column="--email", value=email)
    row = Referent(org_id=oid, name=name, email=email, site=site, department=department, mission=mission)
    session.add(row)
    session.flush()
    return row.id


def referents(session: Session, org: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(Referent).where(Referent.org_id == _oid(session, org)).order_by(Referent.name)
    )
    return [
        {
            "id": r.id,
            "name": r.name,
            "email": r.email,
            "site": r.site,
            "department": r.department,
            "mission": r.mission,
        }
        for r in rows
    ]


def log_feedback(session: Session, org: str, email: str, text: str, kind: str, received_on: date) -> int:
    oid = _oid(session, org)
    _check(kind, FEEDBACK_KINDS, "--kind")
    ref = session.scalar(
        sa.select(Referent).where(Referent.org_id == oid, Referent.email == email.strip().lower())
    )
    if ref is None:
        raise NotFound(f"no referent {email!r}")
    if not text.strip():
        raise InputError.keyed("st.refuse.feedback_empty", column="text", value="")
    row = Feedback(org_id=oid, referent_id=ref.id, received_on=received_on, kind=kind, text=text.strip())
    session.add(row)
    session.flush()
    return row.id


def _feedback(session: Session, org: str, feedback_id: int) -> Feedback:
    row = session.get(Feedback, feedback_id)
    if row is None or row.org_id != _oid(session, org):
        raise NotFound(f"no feedback {feedback_id}")
    return row


def feedback_to_action(session: Session, org: str, feedback_id: int, title: str, **fields: Any) -> int:
    """A new action from a feedback entry (origin "feedback"); the entry is marked actioned."""
    fb = _feedback(session, org, feedback_id)
    action_id = steering.add_action(
        session,
        org,
        title,
        origin="feedback",
        origin_ref=f"feedback {fb.id}",
        description=fields.pop("description", None) or fb.text,
        **fields,
    )
    fb.action_id, fb.status = action_id, "actioned"
    return action_id


def feedback_adjusts(session: Session, org: str, feedback_id: int, action_id: int, **changes: Any) -> None:
    """Adjust an existing action from a feedback entry: the entry's text is added to the action's
    description and the given fields (status, due date…) are changed."""
    fb = _feedback(session, org, feedback_id)
    action = session.get(Action, action_id)
    if action is None or action.org_id != fb.org_id:
        raise NotFound(f"no action {action_id}")
    steering.update_action(session, org, action_id, **changes)
    action.description = (action.description + "\n" if action.description else "") + (
        f"[{fb.received_on.isoformat()}] {fb.text}"
    )
    fb.action_id, fb.status = action_id, "actioned"


def feedback_log(session: Session, org: str) -> list[dict[str, Any]]:
    q = (
        sa.select(Feedback, Referent.name)
        .join(Referent, Referent.id == Feedback.referent_id)
        .where(Feedback.org_id == _oid(session, org))
        .order_by(Feedback.received_on, Feedback.id)
    )
    return [
        {
            "id": f.id,
            "referent": name,
            "on": f.received_on.isoformat(),
            "kind": f.kind,
            "text": f.text,
            "status": f.status,
            "action_id": f.action_id,
        }
        for f, name in session.execute(q)
    ]
