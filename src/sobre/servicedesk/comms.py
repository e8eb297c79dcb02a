"""Use cases of graded communication: preview and publish an incident's status to an audience, the
organisation's own templates, and the status board the portal shows to users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, SobreError
from sobre.core.i18n import format_number
from sobre.servicedesk import messages, sla
from sobre.servicedesk.desk import settings
from sobre.servicedesk.models import Impact, Publication, Template, Ticket, TicketItem, utcnow
from sobre.servicedesk.service import get

_MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def when(moment: datetime, lang: str, timezone: str) -> str:
    """A date and time as people write it: « le 2 juin 2025 à 09:00 », "2 June 2025, 09:00"."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(timezone))
    month = _MONTHS[lang][local.month - 1]
    if lang == "fr":
        day = "1er" if local.day == 1 else str(local.day)
        return f"le {day} {month} {local.year} à {local:%H:%M}"
    return f"{local.day} {month} {local.year}, {local:%H:%M}"


def facts(
    session: Session,
    t: Ticket,
    lang: str,
    *,
    eta: str = "",
    workaround: str = "",
    cause: str = "",
    contact: str = "",
) -> messages.Facts:
    """What the messages may say about ticket ``t``: services by the names users know, items, figures."""
    conf = settings(session, t.org_id)
    links = list(
        session.scalars(sa.select(TicketItem).where(TicketItem.ticket_id == t.id).order_by(TicketItem.id))
    )
    impact = session.get(Impact, t.id)
    services: list[str] = []
    items: list[str] = [link.item_name for link in links]
    users = None
    cost = ""
    if impact is not None and impact.technical:
        affected = impact.technical.get("affected", [])
        services = [n["name"] for n in affected if n["kind"] == "service"]
        services += [n["name"] for n in affected if n["kind"] == "application" and n["name"] not in services]
        items += [n["name"] for n in affected if n["kind"] in ("equipment", "vm") and n["name"] not in items]
        users = impact.technical.get("users")
        if impact.cost_eur and impact.cost_eur.get("value") is not None:
            cost = f"{format_number(impact.cost_eur['value'], lang)} €"
    if not services:
        services = [link.item_name for link in links if link.item_kind in ("service", "application")]
    return messages.Facts(
        ticket=t.number,
        services=tuple(dict.fromkeys(services)),
        items=tuple(dict.fromkeys(items)),
        since=when(t.opened_at, lang, conf.calendar.timezone),
        eta=eta,
        workaround=workaround,
        cause=cause,
        users=users,
        cost=cost,
        contact=contact,
        title=t.title,
    )


def _custom(
    session: Session, org_id: int, audience: str, urgency: str, channel: str, lang: str
) -> dict | None:
    row = session.scalar(
        sa.select(Template).where(
            Template.org_id == org_id,
            Template.audience == audience,
            Template.urgency == urgency,
            Template.channel == channel,
            Template.lang == lang,
        )
    )
    return {"subject": row.subject, "body": row.body} if row else None


def set_template(
    session: Session,
    org_id: int,
    *,
    audience: str,
    urgency: str,
    channel: str,
    lang: str,
    subject: str,
    body: str,
) -> list[str]:
    """Store the organisation's own template; returns the plain-language warnings for end-user texts."""
    for name, value, allowed in (
        ("audience", audience, messages.AUDIENCES),
        ("urgency", urgency, messages.URGENCIES),
        ("channel", channel, messages.CHANNELS),
        ("lang", lang, ("fr", "en")),
    ):
        if value not in allowed:
            raise InputError(f"unknown {name}", column=name, value=value, expected=", ".join(allowed))
    if not body.strip():
        raise InputError("a template needs a body", column="body", value="")
    row = session.scalar(
        sa.select(Template).where(
            Template.org_id == org_id,
            Template.audience == audience,
            Template.urgency == urgency,
            Template.channel == channel,
            Template.lang == lang,
        )
    )
    if row is None:
        row = Template(org_id=org_id, audience=audience, urgency=urgency, channel=channel, lang=lang)
        session.add(row)
    row.subject, row.body = subject, body
    session.flush()
    return messages.plain_language_issues(f"{subject}. {body}", lang) if audience == "end_user" else []


def _phase(t: Ticket, phase: str | None) -> str:
    if phase:
        return phase
    return "resolved" if t.status in sla.DONE else "started"


def preview(
    session: Session,
    org_id: int,
    number: int,
    *,
    audience: str,
    channel: str = "email",
    lang: str | None = None,
    urgency: str | None = None,
    phase: str | None = None,
    **extra: str,
) -> messages.Message:
    t = get(session, org_id, number)
    lang = lang or t.lang
    urgency = urgency or messages.urgency_of(t.priority)
    return messages.compose(
        facts(session, t, lang, **extra),
        audience=audience,
        urgency=urgency,
        channel=channel,
        lang=lang,
        phase=_phase(t, phase),
        custom=_custom(session, org_id, audience, urgency, channel, lang),
    )


def publish(
    session: Session,
    org_id: int,
    number: int,
    *,
    audience: str,
    actor: str,
    channel: str = "email",
    lang: str | None = None,
    urgency: str | None = None,
    phase: str | None = None,
    **extra: str,
) -> tuple[messages.Message, Publication]:
    """Publish an incident's status to an audience: the message is kept with the ticket and, for end users on
    the portal, shown on the status board until the incident is closed."""
    t = get(session, org_id, number)
    if t.kind != "incident":
        raise SobreError(f"#{number} is a request: only incidents are published")
    msg = preview(
        session,
        org_id,
        number,
        audience=audience,
        channel=channel,
        lang=lang,
        urgency=urgency,
        phase=phase,
        **extra,
    )
    impact = session.get(Impact, t.id)
    recipients = (impact.technical or {}).get("users") if impact is not None else None
    pub = Publication(
        org_id=org_id,
        ticket_id=t.id,
        at=utcnow(),
        audience=audience,
        urgency=msg.urgency,
        channel=channel,
        lang=msg.lang,
        subject=msg.subject,
        body=msg.body,
        recipients=recipients,
        actor=actor,
    )
    session.add(pub)
    session.flush()
    return msg, pub


def status_board(session: Session, org_id: int, lang: str) -> list[dict[str, Any]]:
    """The latest portal message of each incident still open (or solved less than a day ago)."""
    rows = session.execute(
        sa.select(Publication, Ticket)
        .join(Ticket, Ticket.id == Publication.ticket_id)
        .where(
            Publication.org_id == org_id,
            Publication.channel == "portal",
            Publication.lang == lang,
            Publication.audience == "end_user",
            Ticket.status != sla.Status.CLOSED,
        )
        .order_by(Publication.at.desc(), Publication.id.desc())
    ).all()
    seen: set[int] = set()
    out = []
    for pub, t in rows:
        if t.id in seen:
            continue
        seen.add(t.id)
        if t.solved_at and (utcnow() - t.solved_at).total_seconds() > 86400:
            continue
        out.append(
            {
                "ticket": t.number,
                "title": pub.subject,
                "body": pub.body,
                "urgency": pub.urgency,
                "at": pub.at.isoformat(),
                "resolved": t.status in sla.DONE,
            }
        )
    return out


def publications(session: Session, org_id: int, number: int) -> list[dict[str, Any]]:
    t = get(session, org_id, number)
    return [
        {
            "at": p.at.isoformat(),
            "audience": p.audience,
            "channel": p.channel,
            "lang": p.lang,
            "urgency": p.urgency,
            "subject": p.subject,
            "body": p.body,
            "recipients": p.recipients,
            "actor": p.actor,
        }
        for p in session.scalars(
            sa.select(Publication).where(Publication.ticket_id == t.id).order_by(Publication.at)
        )
    ]
