"""Silences and maintenance windows: label matchers that mute alerts for a while (Alertmanager's model)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, NotFound
from sobre.orgs import service as orgs
from sobre.supervision import routing
from sobre.supervision.alerts import _aware, _now, _silences
from sobre.supervision.models import (
    Silence,
)


def add_silence(
    database_url: str,
    org: str,
    matchers: str,
    *,
    starts: datetime,
    ends: datetime,
    kind: str = "silence",
    weekdays: Sequence[int] = (),
    timezone: str = "UTC",
    until: datetime | None = None,
    by: str | None = None,
    comment: str | None = None,
) -> int:
    """A silence (or a maintenance window, optionally weekly) over alerts matching ``matchers``."""
    try:
        routing.parse_matchers(matchers)
    except ValueError as exc:
        raise InputError(str(exc), column="matchers", value=matchers) from None
    if ends <= starts:
        raise InputError("a silence must end after it starts", column="ends", value=ends.isoformat())
    if kind not in ("silence", "maintenance"):
        raise InputError("unknown kind", column="kind", value=kind, expected="silence or maintenance")
    if any(not 0 <= d <= 6 for d in weekdays):
        raise InputError("weekdays are 0 (Monday) to 6 (Sunday)", column="weekdays", value=weekdays)
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(timezone)
    except (KeyError, ValueError):
        raise InputError(
            "unknown time zone", column="timezone", value=timezone, expected="e.g. Europe/Paris"
        ) from None
    # Stored in UTC: SQLite keeps no offset.  The window's own zone is kept for its weekly repetition.
    starts, ends = starts.astimezone(UTC), ends.astimezone(UTC)
    until = until.astimezone(UTC) if until else None
    with write_session(database_url) as session:
        s = Silence(
            org_id=orgs.get(session, org).id,
            kind=kind,
            matchers=matchers,
            starts_at=starts,
            ends_at=ends,
            weekdays=",".join(str(d) for d in sorted(set(weekdays))) or None,
            timezone=timezone,
            until=until,
            created_by=by,
            comment=comment,
        )
        session.add(s)
        session.flush()
        return s.id


def list_silences(
    database_url: str, org: str, *, at: datetime | None = None, active_only: bool = False
) -> list[dict[str, Any]]:
    at = at or _now()
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        rows = session.scalars(
            sa.select(Silence).where(Silence.org_id == oid).order_by(Silence.starts_at)
        ).all()
        views = {s.id: s for s in _silences(session, oid)}
        out = []
        for r in rows:
            active = r.expired_at is None and r.id in views and views[r.id].active_at(at)
            if active_only and not active:
                continue
            out.append(
                {
                    "id": r.id,
                    "kind": r.kind,
                    "matchers": r.matchers,
                    "starts_at": _aware(r.starts_at).isoformat(),  # type: ignore[union-attr]
                    "ends_at": _aware(r.ends_at).isoformat(),
                    "weekdays": r.weekdays,
                    "timezone": r.timezone,  # type: ignore[union-attr]
                    "until": _aware(r.until).isoformat() if r.until else None,
                    "created_by": r.created_by,  # type: ignore[union-attr]
                    "comment": r.comment,
                    "expired": r.expired_at is not None,
                    "active": active,
                }
            )
        return out


def expire_silence(database_url: str, org: str, silence_id: int) -> None:
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        s = session.scalar(sa.select(Silence).where(Silence.org_id == oid, Silence.id == silence_id))
        if s is None:
            raise NotFound(f"no silence {silence_id}")
        s.expired_at = _now()
