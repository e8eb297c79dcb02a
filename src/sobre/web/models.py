"""Accounts, memberships, sessions and API tokens of the web application.

Users are people of the installation (a consultant serves several organisations); what they may see and do
is given per organisation by a :class:`Membership`.  Secrets (passwords, session ids, API tokens) are stored
only as hashes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(Base):
    __tablename__ = "web_user"
    __audit_redact__ = ("password_hash",)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-case: the sign-in name.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    #: argon2id hash (PHC string); ``None`` for an account that cannot sign in with a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: Installation administrator: manages accounts, organisations and memberships (not an org's data).
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Preferred language of the pages (fr/en); ``None``: the browser's.
    language: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Membership(Base):
    """A user's role in one organisation."""

    __tablename__ = "web_membership"
    __table_args__ = (sa.UniqueConstraint("user_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class WebSession(Base):
    """A signed-in browser.  The cookie holds a random id; the table holds only its SHA-256."""

    __tablename__ = "web_session"
    __audit__ = False

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: Absolute end of the session, whatever the activity.
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    address: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))


class ApiToken(Base):
    """A credential for the JSON API, scoped to one organisation and one role, shown once."""

    __tablename__ = "web_api_token"
    __audit_redact__ = ("secret_hash",)
    __audit_ignore__ = ("last_used_at",)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("web_user.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(100))
    #: The public part of the token (``sobre_<prefix>_<secret>``): finds the row without scanning hashes.
    prefix: Mapped[str] = mapped_column(sa.String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class SignInFailure(Base):
    """A failed sign-in, kept a day: the throttle counts them per account and per client address."""

    __tablename__ = "web_sign_in_failure"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    address: Mapped[str] = mapped_column(sa.String(64), index=True)


class Secret(Base):
    """Installation secrets (the key that signs CSRF tokens), made at install time, shared by all workers."""

    __tablename__ = "web_secret"
    __audit__ = False

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(128))
