"""Service desk tables: tickets and their history, problems, communication, knowledge base, technical
documentation with encrypted confidential fields.  Every row belongs to an organisation.

Inventory items are referred to by kind and id with their name kept beside (``item_name``), so that a
ticket still says what it was about after the item left the inventory.  Full-text search tables (SQLite
FTS5) and columns (PostgreSQL ``tsvector``) are created by the migration, not mapped here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base

_NAME = sa.String(255)


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """Instants stored in UTC and read back timezone-aware on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime cannot be stored: {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _org() -> sa.ForeignKey:
    return sa.ForeignKey("organisation.id", ondelete="CASCADE")


def _at() -> Mapped[datetime]:
    return mapped_column(UtcDateTime(), default=utcnow)


class Settings(Base):
    """An organisation's service desk settings: priority matrix, calendar, cost parameters."""

    __tablename__ = "sd_settings"

    org_id: Mapped[int] = mapped_column(_org(), primary_key=True)
    matrix: Mapped[str | None] = mapped_column(sa.Text)  # priority.Matrix.to_json(); None = GLPI's
    timezone: Mapped[str] = mapped_column(sa.String(60), default="Europe/Paris")
    hours: Mapped[str | None] = mapped_column(sa.String(500))  # businesstime.parse_week text
    holiday_country: Mapped[str | None] = mapped_column(sa.String(8), default="FR")
    holiday_subdivision: Mapped[str | None] = mapped_column(sa.String(8))
    closed_days: Mapped[list | None] = mapped_column(sa.JSON)  # ISO dates
    worked_days: Mapped[list | None] = mapped_column(sa.JSON)
    hourly_cost: Mapped[float | None]  # € per user-hour lost; None = the shipped default
    hourly_cost_source: Mapped[str | None] = mapped_column(sa.String(500))
    recovery_cost: Mapped[float | None]  # default recovery cost of an incident, €
    degraded_loss: Mapped[float | None]  # productivity lost while degraded, 0..1
    updated_at: Mapped[datetime] = _at()


class Group(Base):
    """A support group (level 1, network team, supplier)."""

    __tablename__ = "sd_group"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    name: Mapped[str] = mapped_column(_NAME)
    email: Mapped[str | None] = mapped_column(_NAME)
    manager: Mapped[str | None] = mapped_column(_NAME)  # who escalations of this group reach


class Category(Base):
    """A ticket category, ``Parent > Child`` in its name, with its default group."""

    __tablename__ = "sd_category"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    name: Mapped[str] = mapped_column(_NAME)
    kind: Mapped[str] = mapped_column(sa.String(10), default="both")  # incident, request, both
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sd_group.id", ondelete="SET NULL"))


class SlaTarget(Base):
    """An SLA target of one priority: business minutes to own or resolve, escalation levels."""

    __tablename__ = "sd_sla_target"
    __table_args__ = (sa.UniqueConstraint("org_id", "priority", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    priority: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(8))  # own, resolve
    minutes: Mapped[int]
    levels: Mapped[list | None] = mapped_column(sa.JSON)  # [{offset_minutes, action, target}]


class Problem(Base):
    """A problem: the cause behind recurring incidents, its workaround and known error."""

    __tablename__ = "sd_problem"
    __table_args__ = (sa.UniqueConstraint("org_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(_NAME)
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(
        sa.String(12), default="new"
    )  # new, analysis, known_error, solved, closed
    root_cause: Mapped[str | None] = mapped_column(sa.Text)
    workaround: Mapped[str | None] = mapped_column(sa.Text)
    known_error: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime] = _at()
    solved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Ticket(Base):
    """An incident or a request."""

    __tablename__ = "sd_ticket"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "number"),
        sa.UniqueConstraint("org_id", "external_ref"),
        sa.Index("ix_sd_ticket_org_id_status", "org_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    number: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(10))  # incident, request
    title: Mapped[str] = mapped_column(_NAME)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default="new")
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sd_category.id", ondelete="SET NULL"))
    requester: Mapped[str] = mapped_column(_NAME)
    requester_email: Mapped[str | None] = mapped_column(_NAME)
    requester_user_id: Mapped[int | None]  # web account, when opened on the portal
    lang: Mapped[str] = mapped_column(sa.String(2), default="fr")  # the requester's language
    assignee: Mapped[str | None] = mapped_column(_NAME)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sd_group.id", ondelete="SET NULL"))
    urgency: Mapped[int] = mapped_column(default=3)
    impact: Mapped[int] = mapped_column(default=3)
    priority: Mapped[int] = mapped_column(default=3)
    #: The priority whose SLA targets the ticket got when it was opened; raising the priority later (by
    #: hand or by an escalation) does not move its targets, as in GLPI.
    sla_priority: Mapped[int] = mapped_column(default=3)
    source: Mapped[str] = mapped_column(sa.String(10), default="cli")  # portal, phone, email, alert, glpi…
    opened_at: Mapped[datetime] = _at()
    owned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    solved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The SLA clocks as last computed (for queues and indicators; the events are the truth).
    due_own_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_resolve_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_own: Mapped[str | None] = mapped_column(sa.String(10))  # sla.State
    sla_resolve: Mapped[str | None] = mapped_column(sa.String(10))
    solution: Mapped[str | None] = mapped_column(sa.Text)
    solution_article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sd_article.id", ondelete="SET NULL")
    )
    #: Solved at the first contact: by the agent who owned it, without escalation or reassignment.
    first_contact: Mapped[bool | None]
    satisfaction: Mapped[int | None]  # 1..5
    satisfaction_comment: Mapped[str | None] = mapped_column(sa.Text)
    problem_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sd_problem.id", ondelete="SET NULL"))
    external_ref: Mapped[str | None] = mapped_column(sa.String(120))  # GLPI id, alert id
    updated_at: Mapped[datetime] = _at()


class TicketEvent(Base):
    """The history of a ticket: status changes (the SLA clock reads them), assignments, escalations."""

    __tablename__ = "sd_ticket_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = _at()
    kind: Mapped[str] = mapped_column(sa.String(12))  # status, assign, priority, escalation, publish
    old: Mapped[str | None] = mapped_column(_NAME)
    new: Mapped[str | None] = mapped_column(_NAME)
    actor: Mapped[str] = mapped_column(_NAME, default="system")
    detail: Mapped[dict | None] = mapped_column(sa.JSON)


class Followup(Base):
    __tablename__ = "sd_followup"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = _at()
    author: Mapped[str] = mapped_column(_NAME)
    body: Mapped[str] = mapped_column(sa.Text)
    private: Mapped[bool] = mapped_column(default=False)  # agents only


class Task(Base):
    __tablename__ = "sd_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = _at()
    author: Mapped[str] = mapped_column(_NAME)
    body: Mapped[str] = mapped_column(sa.Text)
    minutes: Mapped[int] = mapped_column(default=0)
    done: Mapped[bool] = mapped_column(default=False)
    planned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class TicketItem(Base):
    """An inventory item or digital service a ticket is about."""

    __tablename__ = "sd_ticket_item"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "item_kind", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), index=True)
    item_kind: Mapped[str] = mapped_column(sa.String(12))  # site, equipment, vm, cloud, application, service
    item_id: Mapped[int]
    item_name: Mapped[str] = mapped_column(_NAME)


class Diagnosis(Base):
    """One step of a diagnosis: symptom, hypothesis, test, result, solution or recommendation."""

    __tablename__ = "sd_diagnosis"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), index=True
    )
    problem_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sd_problem.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = _at()
    author: Mapped[str] = mapped_column(_NAME)
    step: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)


class Impact(Base):
    """The impact of an incident: its inputs and the figures computed from them (Estimates as JSON)."""

    __tablename__ = "sd_impact"

    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    outage_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outage_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    degraded_hours: Mapped[float] = mapped_column(default=0.0)
    users: Mapped[int | None]  # given by hand; else found through the inventory
    recovery_cost: Mapped[float | None]
    penalties: Mapped[float] = mapped_column(default=0.0)
    hosts: Mapped[list | None] = mapped_column(sa.JSON)  # [{name, observed_w, baseline_w}] given by hand
    technical: Mapped[dict | None] = mapped_column(sa.JSON)
    energy_kwh: Mapped[dict | None] = mapped_column(sa.JSON)
    kgco2e: Mapped[dict | None] = mapped_column(sa.JSON)
    cost_eur: Mapped[dict | None] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Escalation(Base):
    """An escalation level that fired (recorded once, so that it acts once)."""

    __tablename__ = "sd_escalation"
    __table_args__ = (sa.UniqueConstraint("ticket_id", "kind", "offset_minutes"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    offset_minutes: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(16))
    target: Mapped[str | None] = mapped_column(_NAME)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = _at()


class Template(Base):
    """An organisation's own message template, replacing the shipped one of the same key."""

    __tablename__ = "sd_template"
    __table_args__ = (sa.UniqueConstraint("org_id", "audience", "urgency", "channel", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    audience: Mapped[str] = mapped_column(sa.String(12))
    urgency: Mapped[str] = mapped_column(sa.String(12))
    channel: Mapped[str] = mapped_column(sa.String(12))
    lang: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(_NAME)
    body: Mapped[str] = mapped_column(sa.Text)


class Publication(Base):
    """A status message published about a ticket to its affected users."""

    __tablename__ = "sd_publication"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = _at()
    audience: Mapped[str] = mapped_column(sa.String(12))
    urgency: Mapped[str] = mapped_column(sa.String(12))
    channel: Mapped[str] = mapped_column(sa.String(12))
    lang: Mapped[str] = mapped_column(sa.String(2))
    subject: Mapped[str] = mapped_column(_NAME)
    body: Mapped[str] = mapped_column(sa.Text)
    recipients: Mapped[int | None]
    actor: Mapped[str] = mapped_column(_NAME)


class Article(Base):
    """A knowledge base article: procedure, FAQ, guide, tutorial or eco-gesture."""

    __tablename__ = "sd_article"
    __table_args__ = (sa.UniqueConstraint("org_id", "slug", "lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    slug: Mapped[str] = mapped_column(sa.String(120))
    lang: Mapped[str] = mapped_column(sa.String(2))
    kind: Mapped[str] = mapped_column(sa.String(12))
    audience: Mapped[str] = mapped_column(sa.String(12), default="all")  # end_user, manager, technical, all
    title: Mapped[str] = mapped_column(_NAME)
    summary: Mapped[str] = mapped_column(sa.String(1000), default="")
    body: Mapped[str] = mapped_column(sa.Text)  # Markdown, raw HTML refused at rendering
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sd_category.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")  # draft, published, archived
    version: Mapped[int] = mapped_column(default=1)
    review_on: Mapped[date | None]
    source_title: Mapped[str | None] = mapped_column(sa.String(500))
    source_url: Mapped[str | None] = mapped_column(sa.String(1000))
    author: Mapped[str] = mapped_column(_NAME, default="")
    builtin: Mapped[bool] = mapped_column(default=False)
    views: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = _at()
    updated_at: Mapped[datetime] = _at()


class ArticleVersion(Base):
    __tablename__ = "sd_article_version"
    __table_args__ = (sa.UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_article.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    title: Mapped[str] = mapped_column(_NAME)
    summary: Mapped[str] = mapped_column(sa.String(1000), default="")
    body: Mapped[str] = mapped_column(sa.Text)
    author: Mapped[str] = mapped_column(_NAME)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    at: Mapped[datetime] = _at()


class ArticleTicket(Base):
    """An article linked to a ticket (suggested and used, or used to solve it)."""

    __tablename__ = "sd_article_ticket"

    article_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sd_article.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sd_ticket.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    org_id: Mapped[int] = mapped_column(_org())


class DocRecord(Base):
    """The technical documentation of one inventory item: settings, procedures, contacts, notes."""

    __tablename__ = "sd_doc_record"
    __table_args__ = (sa.UniqueConstraint("org_id", "item_kind", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    item_kind: Mapped[str] = mapped_column(sa.String(12))
    item_id: Mapped[int]
    item_name: Mapped[str] = mapped_column(_NAME)
    settings: Mapped[dict | None] = mapped_column(sa.JSON)  # plain settings (address, OS, ansible_user…)
    procedures: Mapped[str | None] = mapped_column(sa.Text)
    contacts: Mapped[list | None] = mapped_column(sa.JSON)  # [{name, role, phone, email}]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = _at()
    updated_by: Mapped[str] = mapped_column(_NAME, default="")


class DocSecret(Base):
    """A confidential field (password, key, licence): only its ciphertext is stored."""

    __tablename__ = "sd_doc_secret"
    __table_args__ = (sa.UniqueConstraint("record_id", "name"),)
    #: The audit log names the change without copying even the ciphertext.
    __audit_redact__ = ("ciphertext",)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_doc_record.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(12), default="password")  # password, key, licence, other
    ciphertext: Mapped[str] = mapped_column(sa.Text)
    key_id: Mapped[str] = mapped_column(sa.String(16))
    roles: Mapped[str] = mapped_column(sa.String(120), default="admin,technician")
    updated_at: Mapped[datetime] = _at()
    updated_by: Mapped[str] = mapped_column(_NAME, default="")


class SecretReveal(Base):
    """Every attempt to read a confidential field, granted or refused."""

    __tablename__ = "sd_secret_reveal"
    #: Each attempt is written to the audit log explicitly, with a sentence (see ``techdoc.reveal``).
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    secret_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sd_doc_secret.id", ondelete="SET NULL"))
    secret_name: Mapped[str] = mapped_column(sa.String(255))
    at: Mapped[datetime] = _at()
    actor: Mapped[str] = mapped_column(_NAME)
    role: Mapped[str | None] = mapped_column(sa.String(20))
    granted: Mapped[bool]


class Maintenance(Base):
    """A preventive maintenance task of an item, every ``every`` ``unit``."""

    __tablename__ = "sd_maintenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    record_id: Mapped[int] = mapped_column(sa.ForeignKey("sd_doc_record.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(_NAME)
    procedure: Mapped[str | None] = mapped_column(sa.Text)
    every: Mapped[int]
    unit: Mapped[str] = mapped_column(sa.String(8))  # days, weeks, months, years
    next_due: Mapped[date]
    last_done: Mapped[date | None]
    assignee: Mapped[str | None] = mapped_column(_NAME)
