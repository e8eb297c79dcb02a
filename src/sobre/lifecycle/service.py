"""Use cases of the equipment lifecycle: record and list events, bulk import, proofs, parameters, KPIs.

Items are the inventory's equipment, reached through ``sobre.inventory.service`` (never its tables).  Each
recorded event sets the item's inventory status and retirement date from its whole history, in the same
transaction, so the footprint sees a reformed or recycled item as such.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.inventory import service as inventory
from sobre.lifecycle import attachments, importer
from sobre.lifecycle.events import END_OF_USE, EventFacts, Kind, check, status_after
from sobre.lifecycle.models import Attachment, Batch, Event, Parameter
from sobre.lifecycle.parameters import Param, Table
from sobre.orgs import service as orgs


@dataclass
class EventView:
    id: int
    item: str
    category: str | None
    kind: str
    date: str
    by: str
    counterpart: str | None
    quantity: float
    batch: str | None
    certificate: str | None
    attachment: str | None
    details: dict[str, Any] = field(default_factory=dict)
    #: The inventory row (None once the item left the inventory) and the batch, for links in pages.
    equipment_id: int | None = None
    batch_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _org_id(session: Session, org: str) -> int:
    return orgs.get(session, org).id


def _items(session: Session, org_id: int, names: list[str]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in inventory.equipment_records(session, org_id, names=sorted(set(names)))}


def _store_attachment(session: Session, org_id: int, home: Path, path: Path) -> Attachment:
    stored = attachments.store(home, path)
    found = session.scalar(
        sa.select(Attachment).where(Attachment.org_id == org_id, Attachment.sha256 == stored.sha256)
    )
    if found is not None:
        return found
    row = Attachment(
        org_id=org_id,
        sha256=stored.sha256,
        size=stored.size,
        media_type=stored.media_type,
        original_name=stored.original_name,
    )
    session.add(row)
    session.flush()
    return row


def _insert(session: Session, org_id: int, item: dict[str, Any], facts: EventFacts, **extra: Any) -> Event:
    event = Event(
        org_id=org_id,
        equipment_id=item["id"],
        item_name=item["name"],
        category=item["category"],
        purchase_date=item["purchase_date"],
        quantity=float(item["quantity"] or 1),
        kind=str(facts.kind),
        event_date=facts.event_date,
        recorded_by=facts.recorded_by.strip(),
        counterpart=facts.counterpart,
        reason=facts.reason,
        cost=facts.cost,
        parts=facts.parts,
        price=facts.price,
        certificate=facts.certificate,
        weight_kg=facts.weight_kg,
        approved_body=facts.approved_body,
        reuse_commitment=facts.reuse_commitment,
        restricted=facts.restricted,
        erasure_method=facts.erasure_method,
        notes=facts.notes,
        **extra,
    )
    session.add(event)
    return event


def _follow(session: Session, org_id: int, equipment_ids: set[int]) -> None:
    """Give each item the status and retirement date its events say."""
    session.flush()
    for equipment_id in sorted(equipment_ids):
        history = session.execute(
            sa.select(Event.kind, Event.event_date)
            .where(Event.org_id == org_id, Event.equipment_id == equipment_id)
            .order_by(Event.event_date, Event.id)
        ).all()
        status = status_after(k for k, _d in history)
        if status is None:
            continue
        last_kind = Kind(history[-1][0])
        ended = [d for k, d in history if Kind(k) in END_OF_USE]
        if last_kind in END_OF_USE:
            inventory.set_equipment_state(
                session, org_id, equipment_id, status=status, retirement_date=ended[0]
            )
        else:
            inventory.set_equipment_state(session, org_id, equipment_id, status=status, clear_retirement=True)


def record_event(
    database_url: str, home: Path, org: str, item: str, facts: EventFacts, *, attachment: Path | None = None
) -> EventView:
    """Record one event of inventory item ``item`` (its name), with an optional proof file."""
    with write_session(database_url) as session:
        org_id = _org_id(session, org)
        found = _items(session, org_id, [item]).get(item)
        if found is None:
            raise NotFound(f"no equipment named {item!r} in the inventory of {org!r}")
        check(facts, purchase_date=found["purchase_date"])
        extra: dict[str, Any] = {}
        if attachment is not None:
            extra["attachment_id"] = _store_attachment(session, org_id, home, attachment).id
        event = _insert(session, org_id, found, facts, **extra)
        _follow(session, org_id, {found["id"]})
        session.flush()
        return _views(session, [event])[0]


def _views(session: Session, events: list[Event]) -> list[EventView]:
    batches = {
        b.id: b for b in session.scalars(sa.select(Batch).where(Batch.id.in_({e.batch_id for e in events})))
    }
    att_ids = {e.attachment_id for e in events} | {b.attachment_id for b in batches.values()}
    files = {a.id: a for a in session.scalars(sa.select(Attachment).where(Attachment.id.in_(att_ids)))}
    out = []
    for e in events:
        batch = batches.get(e.batch_id) if e.batch_id else None
        att = files.get(e.attachment_id or (batch.attachment_id if batch else None) or -1)
        details = {
            k: getattr(e, k)
            for k in (
                "reason",
                "cost",
                "parts",
                "price",
                "weight_kg",
                "approved_body",
                "reuse_commitment",
                "erasure_method",
                "notes",
            )
            if getattr(e, k) is not None
        }
        if e.restricted:
            details["restricted"] = True
        out.append(
            EventView(
                id=e.id,
                item=e.item_name,
                category=e.category,
                kind=e.kind,
                date=e.event_date.isoformat(),
                by=e.recorded_by,
                counterpart=e.counterpart,
                quantity=e.quantity,
                batch=batch.name if batch else None,
                certificate=e.certificate,
                attachment=att.original_name if att else None,
                details=details,
                equipment_id=e.equipment_id,
                batch_id=e.batch_id,
            )
        )
    return out


def list_events(
    database_url: str,
    org: str,
    *,
    item: str | None = None,
    kind: str | None = None,
    year: int | None = None,
    limit: int | None = None,
) -> list[EventView]:
    """Events of the organisation, newest first, optionally of one item, kind or year."""
    with session_scope(database_url) as session:
        org_id = _org_id(session, org)
        q = sa.select(Event).where(Event.org_id == org_id)
        if item:
            q = q.where(Event.item_name == item)
        if kind:
            q = q.where(Event.kind == Kind(kind).value)
        if year:
            q = q.where(Event.event_date.between(date(year, 1, 1), date(year, 12, 31)))
        q = q.order_by(Event.event_date.desc(), Event.id.desc())
        if limit:
            q = q.limit(limit)
        return _views(session, list(session.scalars(q)))


@dataclass
class ImportSummary:
    file: str
    rows: int
    inserted: int
    batch: str | None
    items: int
    dry_run: bool
    rejects_path: str | None = None
    certificate: str | None = None


def import_events(
    database_url: str,
    home: Path,
    org: str,
    path: Path,
    *,
    default_by: str | None = None,
    batch: str | None = None,
    certificate: Path | None = None,
    dry_run: bool = False,
    rejects: Path | None = None,
    sheet: str | None = None,
) -> ImportSummary:
    """Import a file of events as one batch: every row is checked first, and one problem anywhere refuses
    the whole file (with a rejects file naming each line, column and value); nothing is half-written."""
    parsed = importer.parse(path, default_by, sheet)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with write_session(database_url) as session:
        org_id = _org_id(session, org)
        items = _items(session, org_id, [r.item for r in parsed.rows])
        item_column = parsed.columns.get("item", "item")
        for row in parsed.rows:
            found = items.get(row.item)
            if found is None:
                parsed.problems.append(
                    importer.Problem(
                        row.line, item_column, row.item, "no equipment of that name in the inventory"
                    )
                )
                continue
            try:
                check(row.facts, purchase_date=found["purchase_date"])
            except InputError as exc:
                parsed.problems.append(
                    importer.Problem(
                        row.line,
                        parsed.columns.get("date", "date"),
                        row.facts.event_date.isoformat(),
                        str(exc).split(": ", 1)[-1],
                    )
                )
        if parsed.problems:
            target = rejects or (home / "rejects" / f"{path.stem}.rejects.csv")
            importer.write_rejects(parsed, target)
            first = min(parsed.problems, key=lambda p: (p.line, p.column))
            lines = len({p.line for p in parsed.problems})
            raise InputError(
                f"{first.reason}; {len(parsed.problems)} problem(s) in {lines} row(s), nothing imported "
                f"(details in {target})",
                file=str(path),
                row=first.line,
                column=first.column,
                value=first.value or None,
            )
        again = session.scalar(
            sa.select(Batch.name).where(Batch.org_id == org_id, Batch.source_sha256 == digest)
        )
        if again is not None:
            raise SobreError(f"{path.name} was already imported as batch {again!r}; nothing imported again")
        name = batch or f"{path.stem} {date.today().isoformat()}"
        if session.scalar(sa.select(Batch.id).where(Batch.org_id == org_id, Batch.name == name)) is not None:
            raise InputError("a batch of that name exists", column="--batch", value=name)
        summary = ImportSummary(
            str(path), len(parsed.rows), 0, name, len({r.item for r in parsed.rows}), dry_run
        )
        if dry_run:
            session.rollback()
            return summary
        att = _store_attachment(session, org_id, home, certificate) if certificate else None
        row_batch = Batch(
            org_id=org_id,
            name=name,
            source_file=path.name,
            source_sha256=digest,
            attachment_id=att.id if att else None,
        )
        session.add(row_batch)
        session.flush()
        for row in parsed.rows:
            _insert(session, org_id, items[row.item], row.facts, batch_id=row_batch.id)
        _follow(session, org_id, {items[r.item]["id"] for r in parsed.rows})
        summary.inserted = len(parsed.rows)
        summary.certificate = att.original_name if att else None
        return summary


def attach_certificate(database_url: str, home: Path, org: str, batch: str, path: Path) -> str:
    """Attach a certificate (PDF, PNG or JPEG) to a batch: every item of the batch then offers it."""
    with write_session(database_url) as session:
        org_id = _org_id(session, org)
        row = session.scalar(sa.select(Batch).where(Batch.org_id == org_id, Batch.name == batch))
        if row is None:
            raise NotFound(f"no batch named {batch!r}; see 'sobre lifecycle list'")
        row.attachment_id = _store_attachment(session, org_id, home, path).id
        return row.name


def certificate_for_item(database_url: str, home: Path, org: str, item: str) -> attachments.StoredFile:
    """The proof of an item's end of life (its event's own file, else its batch's certificate), checked
    against its hash: what a page offers for download from each item of a batch."""
    with session_scope(database_url) as session:
        org_id = _org_id(session, org)
        return _latest_proof(session, home, org_id, Event.item_name == item, f"item {item!r}")


def certificate_for_equipment(
    session: Session, home: Path, org_id: int, equipment_id: int
) -> attachments.StoredFile:
    """:func:`certificate_for_item` for an inventory row (pages and the API name items by id)."""
    return _latest_proof(session, home, org_id, Event.equipment_id == equipment_id, f"item {equipment_id}")


def proof_of_event(session: Session, home: Path, org_id: int, event_id: int) -> attachments.StoredFile:
    """The proof of one event: its own file, else its batch's certificate."""
    return _latest_proof(session, home, org_id, Event.id == event_id, f"event {event_id}")


def _latest_proof(
    session: Session, home: Path, org_id: int, which: Any, label: str
) -> attachments.StoredFile:
    events = session.scalars(
        sa.select(Event)
        .where(Event.org_id == org_id, which)
        .order_by(Event.event_date.desc(), Event.id.desc())
    ).all()
    if not events:
        raise NotFound(f"{label} has no lifecycle event")
    for e in events:
        att_id = e.attachment_id
        if att_id is None and e.batch_id is not None:
            att_id = session.scalar(sa.select(Batch.attachment_id).where(Batch.id == e.batch_id))
        if att_id is not None:
            a = session.get(Attachment, att_id)
            assert a is not None and a.org_id == org_id
            return attachments.open_stored(home, a.sha256, a.media_type, a.original_name, a.size)
    raise NotFound(f"no certificate or proof is attached to the events of {label}")


# ------------------------------------------------------------------------------------ lists for pages

#: Sort keys of :func:`events_query`.
EVENT_SORTS = ("date", "item", "kind", "by")


def events_query(
    org_id: int,
    *,
    item: str | None = None,
    kind: str | None = None,
    year: int | None = None,
    batch_id: int | None = None,
    equipment_id: int | None = None,
    sort: str = "date",
    descending: bool = True,
) -> sa.Select[Any]:
    """The organisation's events with filters and one sort key, for pagination in the database (``item``:
    a case-insensitive part of its name)."""
    q = sa.select(Event).where(Event.org_id == org_id)
    if item:
        q = q.where(sa.func.lower(Event.item_name).contains(item.lower(), autoescape=True))
    if kind:
        try:
            q = q.where(Event.kind == Kind(kind).value)
        except ValueError:
            raise InputError(
                "unknown lifecycle event",
                column="kind",
                value=kind,
                expected=", ".join(k.value for k in Kind),
            ) from None
    if year:
        q = q.where(Event.event_date.between(date(year, 1, 1), date(year, 12, 31)))
    if batch_id is not None:
        q = q.where(Event.batch_id == batch_id)
    if equipment_id is not None:
        q = q.where(Event.equipment_id == equipment_id)
    columns = {"date": Event.event_date, "item": Event.item_name, "kind": Event.kind, "by": Event.recorded_by}
    column = columns.get(sort, Event.event_date)
    return q.order_by(column.desc() if descending else column.asc(), Event.id.desc())


def event_views(session: Session, events: list[Event]) -> list[EventView]:
    """What pages and the API show of events (batch, proof and details resolved in three queries)."""
    return _views(session, events)


def event_years(session: Session, org_id: int) -> list[int]:
    """Years that have events, newest first (the choices of a year filter)."""
    days = session.scalars(sa.select(Event.event_date).where(Event.org_id == org_id).distinct()).all()
    return sorted({d.year for d in days}, reverse=True)


def item_record(session: Session, org_id: int, equipment_id: int) -> dict[str, Any]:
    """The inventory row of an item (name, category, model, status, dates), or NotFound."""
    found = inventory.equipment_records(session, org_id, ids=[equipment_id])
    if not found:
        raise NotFound(f"no equipment {equipment_id} in this organisation's inventory")
    return found[0]


def batches_query(org_id: int) -> sa.Select[Any]:
    """Batches, newest first, with their number of events and the name of their certificate."""
    events = (
        sa.select(sa.func.count(Event.id))
        .where(Event.batch_id == Batch.id)
        .correlate(Batch)
        .scalar_subquery()
    )
    return (
        sa.select(Batch, events.label("events"), Attachment.original_name.label("certificate"))
        .outerjoin(Attachment, Attachment.id == Batch.attachment_id)
        .where(Batch.org_id == org_id)
        .order_by(Batch.created_at.desc(), Batch.id.desc())
    )


def batch_id(session: Session, org_id: int, name: str) -> int:
    found = session.scalar(sa.select(Batch.id).where(Batch.org_id == org_id, Batch.name == name))
    if found is None:
        raise NotFound(f"no batch named {name!r}")
    return int(found)


def batch(session: Session, org_id: int, batch_id: int) -> dict[str, Any]:
    """A batch with its certificate's name and its events (each item's line links to its proof)."""
    row = session.get(Batch, batch_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no batch {batch_id}")
    att = session.get(Attachment, row.attachment_id) if row.attachment_id else None
    events = list(session.scalars(events_query(org_id, batch_id=batch_id, sort="item", descending=False)))
    return {
        "id": row.id,
        "name": row.name,
        "source_file": row.source_file,
        "created_at": row.created_at,
        "certificate": att.original_name if att else None,
        "events": _views(session, events),
    }


# ---------------------------------------------------------------------------------------- parameters


def parameter_table(session: Session, org_id: int) -> Table:
    own = [
        Param(
            p.key,
            p.value,
            p.unit,
            p.valid_from,
            p.valid_to,
            p.source,
            p.note or "",
            "",
            origin="organisation",
        )
        for p in session.scalars(sa.select(Parameter).where(Parameter.org_id == org_id))
    ]
    return Table(own)


def parameters(database_url: str, org: str, prefix: str = "") -> list[dict[str, Any]]:
    """Every parameter row (the organisation's own, then the built-in table), optionally under a prefix."""
    with session_scope(database_url) as session:
        table = parameter_table(session, _org_id(session, org))
    return [p.to_dict() for p in table.rows if p.key.startswith(prefix)]


def set_parameter(
    database_url: str,
    org: str,
    key: str,
    value: str,
    *,
    unit: str,
    valid_from: date,
    valid_to: date | None = None,
    source: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Add an organisation's own dated parameter (it wins over a built-in row valid on the same days)."""
    if not source.strip():
        raise InputError("every parameter needs its source", column="--source")
    if valid_to is not None and valid_to < valid_from:
        raise InputError("the end date is before the start date", column="--to", value=valid_to.isoformat())
    if unit in ("ratio", "kgCO2e/kWh", "years", "number"):
        try:
            float(value)
        except ValueError:
            raise InputError("not a number", column="VALUE", value=value) from None
        if unit == "ratio" and not 0 <= float(value) <= 1:
            raise InputError("a ratio is between 0 and 1", column="VALUE", value=value)
    with write_session(database_url) as session:
        row = Parameter(
            org_id=_org_id(session, org),
            key=key,
            value=value,
            unit=unit,
            valid_from=valid_from,
            valid_to=valid_to,
            source=source,
            note=note,
        )
        session.add(row)
    return {
        "key": key,
        "value": value,
        "unit": unit,
        "valid_from": valid_from.isoformat(),
        "valid_to": valid_to.isoformat() if valid_to else None,
        "source": source,
    }


def kpis(database_url: str, org: str, year: int) -> dict[str, Any]:
    """Lifecycle KPIs of the year (average lifetime at retirement, reuse rate, refurbished share, repair
    rate…), as plain data: what the strategy capability reads through ``provider("lifecycle.kpis")``."""
    from sobre.lifecycle import kpis as calc
    from sobre.lifecycle.gather import gather

    data = gather(database_url, org)
    return {k: v.to_dict() for k, v in calc.compute(data.events, data.purchases, data.fleet, year).items()}
