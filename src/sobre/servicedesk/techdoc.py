"""Use cases of the technical documentation: one record per inventory item (settings, procedures, contacts,
notes), its confidential fields encrypted with the installation's key file (:mod:`sobre.servicedesk.vault`),
and its preventive maintenance plan.

A confidential field is read only through :func:`reveal`, which checks the caller's role against the roles
the field allows and writes every attempt, granted or refused, to the reveal log (and to the audit log) in
the caller's unit of work, so a refusal is recorded as surely as a reveal.  The command line acts as the
installation's operator, who holds the key file: it is allowed, and logged under its account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.servicedesk.maintenance import UNITS, next_due
from sobre.servicedesk.models import DocRecord, DocSecret, Maintenance, SecretReveal, utcnow
from sobre.servicedesk.vault import Vault, additional_data

#: The roles of an organisation (the web shell's), widest first.
ROLES = ("admin", "manager", "technician", "referent", "viewer")
SECRET_KINDS = ("password", "key", "licence", "certificate", "other")
DEFAULT_ROLES = ("admin", "technician")
#: The role name the command line acts with: the operator who holds the key file.
OPERATOR = "operator"


def _item(session: Session, org_id: int, kind: str, name: str) -> dict[str, Any]:
    from sobre.inventory import service as inventory

    for node in inventory.topology(session, org_id):
        if node["kind"] == kind and node["name"] == name:
            return node
    raise NotFound(f"no {kind} named {name!r} in the inventory")


def _record(session: Session, org_id: int, kind: str, name: str, *, create: bool = False) -> DocRecord:
    node = _item(session, org_id, kind, name)
    found = session.scalar(
        sa.select(DocRecord).where(
            DocRecord.org_id == org_id, DocRecord.item_kind == kind, DocRecord.item_id == node["id"]
        )
    )
    if found is None:
        if not create:
            raise NotFound(f"{kind} {name!r} has no documentation yet; write it with 'sobre doc set'")
        found = DocRecord(
            org_id=org_id, item_kind=kind, item_id=node["id"], item_name=name, settings={}, contacts=[]
        )
        session.add(found)
        session.flush()
    return found


def write(
    session: Session,
    org_id: int,
    kind: str,
    name: str,
    *,
    actor: str,
    settings: dict[str, str] | None = None,
    unset: list[str] | None = None,
    procedures: str | None = None,
    contacts: list[dict[str, str]] | None = None,
    notes: str | None = None,
) -> DocRecord:
    """Create or update an item's record; ``settings`` are merged, ``unset`` removes keys."""
    r = _record(session, org_id, kind, name, create=True)
    merged = dict(r.settings or {})
    for key, value in (settings or {}).items():
        key = key.strip()
        if not key or len(key) > 120:
            raise InputError("a setting needs a name of at most 120 characters", column="setting", value=key)
        if _looks_secret(key):
            raise InputError(
                "this looks like a confidential value: store it with 'sobre doc secret set' (encrypted)",
                column="setting",
                value=key,
            )
        merged[key] = str(value)
    for key in unset or ():
        merged.pop(key, None)
    r.settings = merged
    if procedures is not None:
        r.procedures = procedures
    if contacts is not None:
        for c in contacts:
            if not c.get("name"):
                raise InputError("a contact needs a name", column="contact", value=c)
        r.contacts = contacts
    if notes is not None:
        r.notes = notes
    r.updated_at, r.updated_by = utcnow(), actor
    session.flush()
    return r


def _looks_secret(key: str) -> bool:
    lowered = key.lower()
    return any(
        w in lowered
        for w in ("password", "passwd", "mot_de_passe", "motdepasse", "secret", "token", "private_key")
    )


def view(session: Session, org_id: int, kind: str, name: str) -> dict[str, Any]:
    """The record with its confidential fields listed by name, kind and allowed roles, never their values."""
    r = _record(session, org_id, kind, name)
    secrets = session.scalars(
        sa.select(DocSecret).where(DocSecret.record_id == r.id).order_by(DocSecret.name)
    )
    plan = session.scalars(
        sa.select(Maintenance).where(Maintenance.record_id == r.id).order_by(Maintenance.next_due)
    )
    return {
        "item": {"kind": r.item_kind, "name": r.item_name},
        "settings": r.settings or {},
        "procedures": r.procedures,
        "contacts": r.contacts or [],
        "notes": r.notes,
        "updated_at": r.updated_at.isoformat(),
        "updated_by": r.updated_by,
        "secrets": [
            {
                "name": s.name,
                "kind": s.kind,
                "roles": s.roles.split(","),
                "updated_at": s.updated_at.isoformat(),
                "updated_by": s.updated_by,
            }
            for s in secrets
        ],
        "maintenance": [_task(m) for m in plan],
    }


def records(session: Session, org_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        sa.select(DocRecord)
        .where(DocRecord.org_id == org_id)
        .order_by(DocRecord.item_kind, DocRecord.item_name)
    )
    return [
        {
            "id": r.id,
            "kind": r.item_kind,
            "name": r.item_name,
            "settings": r.settings or {},
            "item_id": r.item_id,
        }
        for r in rows
    ]


# ---------------------------------------------------------------- confidential fields


def _roles(roles: list[str] | None) -> str:
    chosen = list(roles or DEFAULT_ROLES)
    unknown = [r for r in chosen if r not in ROLES]
    if unknown or not chosen:
        raise InputError("unknown role", column="roles", value=",".join(unknown), expected=", ".join(ROLES))
    return ",".join(r for r in ROLES if r in chosen)


def set_secret(
    session: Session,
    vault: Vault,
    org_id: int,
    kind: str,
    name: str,
    field: str,
    value: str,
    *,
    actor: str,
    secret_kind: str = "password",
    roles: list[str] | None = None,
) -> DocSecret:
    """Store (or replace) a confidential field of an item's record, encrypted."""
    field = field.strip()
    if not field or len(field) > 120:
        raise InputError(
            "a confidential field needs a name of at most 120 characters", column="field", value=field
        )
    if secret_kind not in SECRET_KINDS:
        raise InputError(
            "unknown kind of secret", column="kind", value=secret_kind, expected=", ".join(SECRET_KINDS)
        )
    if not value:
        raise InputError("an empty value is not stored", column="value", value="")
    r = _record(session, org_id, kind, name, create=True)
    ciphertext, key = vault.encrypt(value, additional_data(org_id, r.id, field))
    s = session.scalar(sa.select(DocSecret).where(DocSecret.record_id == r.id, DocSecret.name == field))
    if s is None:
        s = DocSecret(org_id=org_id, record_id=r.id, name=field)
        session.add(s)
    s.kind, s.ciphertext, s.key_id = secret_kind, ciphertext, key
    if roles is not None or not s.roles:
        s.roles = _roles(roles)
    s.updated_at, s.updated_by = utcnow(), actor
    session.flush()
    return s


def delete_secret(session: Session, org_id: int, kind: str, name: str, field: str) -> None:
    r = _record(session, org_id, kind, name)
    s = session.scalar(sa.select(DocSecret).where(DocSecret.record_id == r.id, DocSecret.name == field))
    if s is None:
        raise NotFound(f"{kind} {name!r} has no confidential field {field!r}")
    session.delete(s)
    session.flush()


@dataclass(frozen=True)
class Reveal:
    granted: bool
    value: str | None
    reason: str = ""


def allowed(secret: DocSecret, role: str | None) -> bool:
    return role == OPERATOR or role in secret.roles.split(",")


def reveal(
    session: Session,
    vault: Vault,
    org_id: int,
    kind: str,
    name: str,
    field: str,
    *,
    actor: str,
    role: str | None,
) -> Reveal:
    """Decrypt a confidential field for ``actor`` acting with ``role``; every attempt is logged."""
    r = _record(session, org_id, kind, name)
    s = session.scalar(sa.select(DocSecret).where(DocSecret.record_id == r.id, DocSecret.name == field))
    if s is None:
        raise NotFound(f"{kind} {name!r} has no confidential field {field!r}")
    granted = allowed(s, role)
    label = f"{kind} {name} / {field}"
    session.add(
        SecretReveal(
            org_id=org_id,
            secret_id=s.id,
            secret_name=label,
            at=utcnow(),
            actor=actor,
            role=role,
            granted=granted,
        )
    )
    _audit(session, org_id, s, label, granted, role)
    session.flush()
    if not granted:
        return Reveal(False, None, f"the role {role or 'none'} may not read {field!r} (allowed: {s.roles})")
    return Reveal(True, vault.decrypt(s.ciphertext, s.key_id, additional_data(org_id, r.id, field)))


def _audit(session: Session, org_id: int, s: DocSecret, label: str, granted: bool, role: str | None) -> None:
    """The attempt in the installation's audit log, with the caller the session names."""
    from sobre.core import audit

    audit.record(
        session,
        action="event",
        entity="sd_doc_secret",
        entity_id=s.id,
        org_id=org_id,
        summary=f"{'revealed' if granted else 'refused'}: {label} (role {role or 'none'})",
    )


def reveals(session: Session, org_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The reveal log, newest first."""
    q = (
        sa.select(SecretReveal)
        .where(SecretReveal.org_id == org_id)
        .order_by(SecretReveal.at.desc(), SecretReveal.id.desc())
        .limit(limit)
    )
    return [
        {
            "at": e.at.isoformat(),
            "actor": e.actor,
            "role": e.role,
            "field": e.secret_name,
            "granted": e.granted,
        }
        for e in session.scalars(q)
    ]


def reencrypt_all(session: Session, vault: Vault) -> int:
    """Re-encrypt every confidential field of the database under the vault's current key (after a rotation);
    returns how many changed.  Run in one unit of work: all or nothing."""
    current = vault.load()[0].id
    changed = 0
    for s in session.scalars(sa.select(DocSecret).where(DocSecret.key_id != current)):
        aad = additional_data(s.org_id, s.record_id, s.name)
        s.ciphertext, s.key_id = vault.encrypt(vault.decrypt(s.ciphertext, s.key_id, aad), aad)
        changed += 1
    session.flush()
    return changed


def keys_in_use(session: Session) -> dict[str, int]:
    return {
        k: n
        for k, n in session.execute(sa.select(DocSecret.key_id, sa.func.count()).group_by(DocSecret.key_id))
    }


def retire_key(session: Session, vault: Vault, kid: str) -> None:
    """Drop an old key from the key file once no value of this database needs it."""
    if vault.load()[0].id == kid:
        raise SobreError("the current key cannot be retired; rotate first")
    if keys_in_use(session).get(kid):
        raise SobreError(f"key {kid} still encrypts values: run 'sobre doc key rotate' first")
    vault.retire(kid)


# ---------------------------------------------------------------- maintenance plan


def _task(m: Maintenance) -> dict[str, Any]:
    return {
        "id": m.id,
        "title": m.title,
        "every": m.every,
        "unit": m.unit,
        "next_due": m.next_due.isoformat(),
        "last_done": m.last_done.isoformat() if m.last_done else None,
        "assignee": m.assignee,
        "procedure": m.procedure,
    }


def plan(
    session: Session,
    org_id: int,
    kind: str,
    name: str,
    title: str,
    *,
    every: int,
    unit: str,
    first_due: date,
    assignee: str | None = None,
    procedure: str | None = None,
) -> Maintenance:
    """Add a preventive task to an item's maintenance plan (every ``every`` days, weeks, months or years)."""
    if unit not in UNITS:
        raise InputError("unknown unit", column="unit", value=unit, expected=", ".join(UNITS))
    if every < 1:
        raise InputError("a task repeats every 1 or more units", column="every", value=every)
    if not title.strip():
        raise InputError("a task needs a title", column="title", value=title)
    r = _record(session, org_id, kind, name, create=True)
    m = Maintenance(
        org_id=org_id,
        record_id=r.id,
        title=title.strip(),
        every=every,
        unit=unit,
        next_due=first_due,
        assignee=assignee,
        procedure=procedure,
    )
    session.add(m)
    session.flush()
    return m


def done(session: Session, org_id: int, task_id: int, on: date) -> Maintenance:
    """Record that a preventive task was done on ``on``; its next date follows from it."""
    m = session.get(Maintenance, task_id)
    if m is None or m.org_id != org_id:
        raise NotFound(f"no maintenance task {task_id}")
    m.last_done = on
    m.next_due = next_due(on, m.every, m.unit)
    session.flush()
    return m


def due(session: Session, org_id: int, today: date, *, within_days: int = 0) -> list[dict[str, Any]]:
    """Preventive tasks due by ``today + within_days`` (overdue ones first), with their item."""
    limit = today + timedelta(days=within_days)
    q = (
        sa.select(Maintenance, DocRecord)
        .join(DocRecord, DocRecord.id == Maintenance.record_id)
        .where(Maintenance.org_id == org_id, Maintenance.next_due <= limit)
        .order_by(Maintenance.next_due, Maintenance.id)
    )
    return [
        {**_task(m), "item": {"kind": r.item_kind, "name": r.item_name}, "overdue": m.next_due < today}
        for m, r in session.execute(q)
    ]
