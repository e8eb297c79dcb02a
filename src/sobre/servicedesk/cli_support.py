"""What the service desk's commands share: the organisation, the actor, instants and options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import typer
from sqlalchemy.orm import Session

from sobre.core.cli_support import listing, settings
from sobre.core.db import write_session
from sobre.core.errors import InputError

ORG = typer.Option(..., "--org", help="Organisation name.")
HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
JSON = typer.Option(False, "--json", help="Print JSON.")

T = TypeVar("T")


def actor() -> str:
    """Who acts from the command line, as the audit log names it (``cli:<account>``)."""
    from sobre.core.actor import current_actor

    return current_actor().label


@contextmanager
def org_session(ctx: typer.Context, org: str, home: str | None) -> Iterator[tuple[Session, int]]:
    from sobre.orgs import service as orgs

    # The commands read then write (ticket numbers, states) beside the web application: hold the right to
    # write from the start.
    with write_session(settings(ctx, home).database_url) as session:
        yield session, orgs.get(session, org).id


def org_listing(
    ctx: typer.Context,
    org: str,
    home: str | None,
    fetch: Callable[[Session, int], T],
    *,
    as_json: bool,
    show: Callable[[T], None],
    to_json: Callable[[T], Any] | None = None,
) -> None:
    """A list command of the desk: ``fetch`` gets the session and the organisation's id."""
    from sobre.orgs import service as orgs

    listing(
        ctx,
        home,
        lambda s: fetch(s, orgs.get(s, org).id),
        as_json=as_json,
        show=show,
        to_json=to_json,
        session=write_session,
    )


def instant(text: str | None, column: str, timezone: str = "Europe/Paris") -> datetime | None:
    """ISO 8601 (``2025-06-02T09:00``, ``2025-06-02 09:00+02:00``); no offset: the desk's time zone."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            "not a date and time", column=column, value=text, expected="2025-06-02T09:00"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))


def desk_zone(session: Session, org_id: int) -> str:
    from sobre.servicedesk.desk import settings as desk_settings

    return desk_settings(session, org_id).calendar.timezone


def pairs(values: list[str] | None, column: str, sep: str = "=") -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or ():
        key, found, value = v.partition(sep)
        if not found or not key.strip():
            raise InputError(f"expected KEY{sep}VALUE", column=column, value=v)
        out[key.strip()] = value.strip()
    return out


def item(text: str, column: str = "--item") -> tuple[str, str]:
    """``kind:name`` (``application:Portail citoyen``)."""
    kind, found, name = text.partition(":")
    if not found or not name.strip():
        raise InputError(
            "expected KIND:NAME",
            column=column,
            value=text,
            expected="equipment:srv-01, vm:…, application:…, service:…, site:…",
        )
    return kind.strip(), name.strip()
