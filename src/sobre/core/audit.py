"""The audit log: who changed what, when, with the values before and after, for every capability.

Capabilities write no audit code.  A session hook (:func:`install`, done once by
:func:`sobre.core.db.get_engine`) records every ORM insert, update and delete at flush time, in the same
transaction as the change, so a rolled-back change leaves no entry and a committed one always has its entry.
The actor comes from :mod:`sobre.core.actor` (the signed-in user, the API token's owner, the CLI's account) or
from ``session.info["actor"]``.

Writes that bypass the ORM (bulk imports through ``executemany`` or ``COPY``) call :func:`record` once, with
a summary and counts, on the same connection.

A mapped class tunes its entries with class attributes:

- ``__audit__ = False``: not audited (web sessions, throttling counters, secrets);
- ``__audit_redact__ = ("password_hash",)``: columns whose values are never written (only "changed");
- ``__audit_ignore__ = ("last_seen_at",)``: columns whose changes alone make no entry;
- ``__audit_org__ = "id"``: the column naming the organisation (default ``org_id``).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from sobre.core.actor import Actor, current_actor
from sobre.core.db import Base

REDACTED = "[redacted]"
ACTIONS = ("create", "update", "delete", "bulk", "sign-in", "sign-out", "event")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AuditEntry(Base):
    """One change.  ``org_id`` is a plain number (no foreign key) so that entries outlive what they name."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_org_id_at", "org_id", "at"),)
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=_utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(255))
    actor_user_id: Mapped[int | None]
    via: Mapped[str] = mapped_column(sa.String(10))
    address: Mapped[str | None] = mapped_column(sa.String(64))
    org_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(sa.String(10))
    entity: Mapped[str] = mapped_column(sa.String(100))
    entity_id: Mapped[str | None] = mapped_column(sa.String(100))
    summary: Mapped[str | None] = mapped_column(sa.Text)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


_TABLE = cast(sa.Table, AuditEntry.__table__)


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a column value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return str(value)


def _audited(obj: object) -> bool:
    return getattr(type(obj), "__audit__", True) is not False


def _columns(obj: object) -> list[str]:
    return [attr.key for attr in sa.inspect(type(obj)).column_attrs]


def _value(cls: type, key: str, value: Any) -> Any:
    return REDACTED if key in getattr(cls, "__audit_redact__", ()) else _plain(value)


def _identity(obj: object) -> str | None:
    # New rows have their primary key by now but no identity key yet: read the key from the columns.
    ident = sa.inspect(type(obj)).primary_key_from_instance(obj)
    if not ident or all(part is None for part in ident):
        return None
    return "/".join(str(part) for part in ident)


def _org_of(obj: object) -> int | None:
    value = getattr(obj, getattr(type(obj), "__audit_org__", "org_id"), None)
    return value if isinstance(value, int) else None


def _row(actor: Actor, action: str, obj: object, before: dict | None, after: dict | None) -> dict[str, Any]:
    return {
        "at": _utcnow(),
        "actor": actor.label[:255],
        "actor_user_id": actor.user_id,
        "via": actor.via,
        "address": actor.address,
        "org_id": _org_of(obj),
        "action": action,
        "entity": sa.inspect(type(obj)).local_table.name,
        "entity_id": _identity(obj),
        "summary": None,
        "before": before,
        "after": after,
    }


def _changes(obj: object) -> tuple[dict[str, Any], dict[str, Any]]:
    """Changed columns of a dirty object: (before, after), ignored columns left out."""
    cls = type(obj)
    state = sa.inspect(obj)
    ignore = set(getattr(cls, "__audit_ignore__", ()))
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(obj):
        if key in ignore:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[key] = _value(cls, key, old)
        after[key] = _value(cls, key, new)
    return before, after


def _snapshot(obj: object) -> dict[str, Any]:
    cls = type(obj)
    state = sa.inspect(obj)
    values: dict[str, Any] = {}
    for key in _columns(obj):
        attr = state.attrs[key]
        # Deleted rows keep their loaded values; an unloaded column is named rather than fetched again.
        value = attr.loaded_value
        values[key] = None if value is sa.orm.attributes.NO_VALUE else _value(cls, key, value)
    return values


def _after_flush(session: Session, _context: Any) -> None:
    actor = session.info.get("actor") or current_actor()
    rows: list[dict[str, Any]] = []
    for obj in session.new:
        if _audited(obj):
            rows.append(_row(actor, "create", obj, None, _snapshot(obj)))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after or before:
                rows.append(_row(actor, "update", obj, before, after))
    for obj in session.deleted:
        if _audited(obj):
            rows.append(_row(actor, "delete", obj, _snapshot(obj), None))
    if rows:
        session.connection().execute(sa.insert(_TABLE), rows)


_installed = False


def install() -> None:
    """Record the changes of every ORM session from now on (idempotent)."""
    global _installed
    if not _installed:
        sa.event.listen(Session, "after_flush", _after_flush)
        _installed = True


def record(
    target: Session | sa.Connection,
    *,
    action: str,
    entity: str,
    summary: str,
    org_id: int | None = None,
    entity_id: str | int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """Write one entry explicitly: a bulk write (an import of 10,000 rows), a sign-in, an export.

    ``target`` is the session or connection of the change itself, so that the entry commits or rolls back
    with it.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {', '.join(ACTIONS)}")
    if actor is None:
        info = target.info if isinstance(target, Session) else {}
        actor = info.get("actor") or current_actor()
    row = {
        "at": _utcnow(),
        "actor": actor.label[:255],
        "actor_user_id": actor.user_id,
        "via": actor.via,
        "address": actor.address,
        "org_id": org_id,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "summary": summary,
        "before": {k: _plain(v) for k, v in before.items()} if before is not None else None,
        "after": {k: _plain(v) for k, v in after.items()} if after is not None else None,
    }
    conn = target.connection() if isinstance(target, Session) else target
    conn.execute(sa.insert(_TABLE), [row])


def query(
    *,
    org_id: int | None = None,
    all_orgs: bool = False,
    entity: str | None = None,
    action: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> sa.Select[AuditEntry]:
    """Entries, newest first, filtered; ``all_orgs`` (installation administrators) drops the org filter."""
    stmt = sa.select(AuditEntry)
    if not all_orgs:
        stmt = stmt.where(AuditEntry.org_id == org_id)
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor.contains(actor, autoescape=True))
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


EXPORT_COLUMNS = (
    "id",
    "at",
    "actor",
    "via",
    "address",
    "org_id",
    "action",
    "entity",
    "entity_id",
    "summary",
    "before",
    "after",
)


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    """One entry as plain data (exports, the JSON API)."""
    return {
        "id": entry.id,
        "at": entry.at.isoformat() if entry.at else None,
        "actor": entry.actor,
        "via": entry.via,
        "address": entry.address,
        "org_id": entry.org_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
    }


def entities(session: Session, org_id: int | None, all_orgs: bool = False) -> list[str]:
    """Entity names present in the log (filter choices)."""
    stmt = sa.select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)
    if not all_orgs:
        stmt = stmt.where(AuditEntry.org_id == org_id)
    return list(session.scalars(stmt))


def iter_export(session: Session, stmt: sa.Select[AuditEntry]) -> Iterable[dict[str, Any]]:
    """Stream entries for an export, in batches, without loading the whole log."""
    for entry in session.scalars(stmt.execution_options(yield_per=1000)):
        yield as_dict(entry)
