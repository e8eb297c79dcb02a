"""Use cases for organisations."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import NotFound, SobreError
from sobre.orgs.models import Organisation


def slug(name: str) -> str:
    """A file-name-safe form of an organisation's name (``Ville d'Écully`` → ``ville-d-ecully``)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60] or "organisation"


def create(
    session: Session,
    name: str,
    *,
    employees: int | None = None,
    inhabitants: int | None = None,
    country: str | None = None,
) -> Organisation:
    """Create an organisation; counts must not be negative, a country must be a known one."""
    from sobre.core.countries import to_code
    from sobre.core.errors import InputError

    name = name.strip()
    if not name:
        raise SobreError("an organisation needs a name")
    for label, value in (("employees", employees), ("inhabitants", inhabitants)):
        if value is not None and value < 0:
            raise InputError("must not be negative", column=f"--{label}", value=value, expected="0 or more")
    if country is not None:
        code = to_code(country)
        if code is None:
            raise InputError(
                "unknown country", column="--country", value=country, expected="a country name or ISO code"
            )
        country = code
    if session.scalar(sa.select(Organisation).where(Organisation.name == name)) is not None:
        raise SobreError(f"organisation {name!r} already exists")
    org = Organisation(name=name, employees=employees, inhabitants=inhabitants, country=country)
    session.add(org)
    session.flush()
    return org


def get(session: Session, name: str) -> Organisation:
    org = session.scalar(sa.select(Organisation).where(Organisation.name == name))
    if org is None:
        known = session.scalars(sa.select(Organisation.name).order_by(Organisation.name)).all()
        hint = f"; known: {', '.join(known)}" if known else "; create it with 'sobre org create NAME'"
        raise NotFound(f"no organisation named {name!r}{hint}")
    return org


def list_all(session: Session) -> list[Organisation]:
    return list(session.scalars(sa.select(Organisation).order_by(Organisation.name)))


def get_by_id(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    return org


def names(session: Session, ids: list[int] | set[int]) -> dict[int, str]:
    """Organisation id → name, for the given ids."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(list(ids)))
    )
    return {org_id: name for org_id, name in rows}
