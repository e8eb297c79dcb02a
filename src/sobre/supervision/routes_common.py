"""What supervision's pages and endpoints share: permissions, the menu, clean inputs, time labels."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query

from sobre.web.context import RequestContext
from sobre.web.permissions import ROLES

#: A page number of the pages' lists.
PageNo = Annotated[int, Query(ge=1, le=100_000)]

VIEW = "supervision.view"
#: Acknowledge and resolve alerts, silence them, record what was done about a security event, import.
OPERATE = "supervision.operate"
#: Hosts, rules, the escalation policy and agent tokens.
CONFIGURE = "supervision.configure"

#: Control characters (a NUL byte is refused by PostgreSQL) never reach the database from a form.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Text of one line, for the JSON API's models: no control character.
PLAIN = r"^[^\x00-\x1f\x7f]*$"


def declare(registry: Any) -> None:
    """Supervision's permissions (read for every role; change for those who run the infrastructure)."""
    registry.permission(VIEW, ROLES, "sup.perm.view")
    registry.permission(OPERATE, ("admin", "manager", "technician"), "sup.perm.operate")
    registry.permission(CONFIGURE, ("admin", "technician"), "sup.perm.configure")
    registry.menu("sup.menu.overview", "supervision.overview", permission=VIEW, order=60)
    registry.menu("sup.menu.alerts", "supervision.alerts", permission=VIEW, order=61)


def clean(value: str | None, limit: int = 200) -> str:
    """A form or query value stripped, without control characters, at most ``limit`` characters."""
    return _CONTROL.sub("", value or "").strip()[:limit]


def org(ctx: RequestContext) -> tuple[int, str]:
    assert ctx.org is not None
    return ctx.org.id, ctx.org.name


def actor(ctx: RequestContext) -> str:
    """Who acknowledges, resolves or silences: the signed-in person (or the API token's owner)."""
    assert ctx.user is not None
    return ctx.user.email


def time_label(at: datetime, lang: str, span: str) -> str:
    """A short time for a chart's axis and table (UTC): hours over a day, days and hours beyond."""
    at = at.astimezone(UTC)
    if span == "24h":
        return at.strftime("%H:%M")
    if span == "7d":
        return at.strftime("%d/%m %Hh" if lang == "fr" else "%m-%d %H:00")
    return at.strftime("%d/%m" if lang == "fr" else "%m-%d")


def parse_local(value: str, field: str) -> datetime | None:
    """A ``datetime-local`` form value (``2026-12-01T22:00``) as UTC; None when empty; ValueError if bad."""
    value = clean(value, 40)
    if not value:
        return None
    at = datetime.fromisoformat(value)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def number(
    form: Any,
    name: str,
    ctx: RequestContext,
    *,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    required: bool = False,
) -> float | None:
    """The form field's number (a decimal comma is accepted); None when empty; a message when wrong."""
    raw = clean(str(form.values.get(name, "") or ""), 40).replace("\u202f", "").replace(" ", "")
    if not raw:
        if required:
            form.error(name, ctx.t("web.form.required"))
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")) or (integer and not value.is_integer()):
        form.error(name, ctx.t("web.form.whole_number" if integer else "sup.form.number"))
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        form.error(name, ctx.t("sup.form.between", low=f"{low:g}", high=f"{high:g}"))
        return None
    return value
