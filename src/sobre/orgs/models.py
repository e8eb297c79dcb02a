"""Organisations: every record belongs to one; one installation serves several (a consultant's clients)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class Organisation(Base):
    __tablename__ = "organisation"
    #: The audit log files an organisation's own changes under itself.
    __audit_org__ = "id"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: Headcount and population give per-employee figures and tell whether REEN applies.
    employees: Mapped[int | None]
    inhabitants: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(sa.String(8))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
