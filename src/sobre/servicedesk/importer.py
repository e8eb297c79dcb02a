"""Import of GLPI ticket exports: one transaction for the file, rejected rows written beside with the reason.

A ticket already imported (same GLPI ID) is updated, not duplicated: its fields and the history the import
made are replaced, what was added in Sobre (follow-ups, tasks, impact) stays.  Categories and groups named
in the file are created when missing.  The history is rebuilt from the dates GLPI exports: opened, taken
into account (when the export has the delay), solved, closed; a ticket pending now is taken as pending since
its last update, the best the export tells.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from sobre.core.db import write_session
from sobre.core.errors import InputError
from sobre.inventory.reading import open_source
from sobre.orgs import service as orgs
from sobre.servicedesk import desk, glpi, service, sla
from sobre.servicedesk.models import Group, Ticket, TicketEvent, TicketItem

IMPORT_ACTOR = "glpi-import"


@dataclass
class ImportResult:
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    unknown_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: bool = False
    dry_run: bool = False

    @property
    def exit_code(self) -> int:
        return 2 if self.refused else 1 if self.rejected else 0

    def to_dict(self) -> dict:
        return asdict(self)


def _write_rejects(path: Path, rejects: list[glpi.Reject]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["line", "column", "value", "reason"])
        w.writerows([r.line, r.column, r.value, r.reason] for r in rejects)


def import_glpi(
    database_url: str,
    org: str,
    path: Path,
    *,
    rejects_dir: Path,
    rejects: Path | None = None,
    timezone: str | None = None,
    date_order: str = "auto",
    strict: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import a GLPI ticket export into ``org``; dates are read in ``timezone`` (default: the desk's)."""
    source = open_source(Path(path))
    result = ImportResult(file=str(path), dry_run=dry_run)
    with write_session(database_url) as session:  # numbers tickets: read then write
        org_id = orgs.get(session, org).id
        zone = ZoneInfo(timezone or desk.settings(session, org_id).calendar.timezone)
        try:
            tickets, bad, unknown = glpi.parse_rows(source.header, source.rows(), zone, date_order=date_order)
        except ValueError as exc:
            raise InputError(str(exc), file=str(path)) from None
        result.rows = len(tickets) + len(bad)
        result.rejected = len(bad)
        result.unknown_columns = unknown
        if bad:
            target = rejects or rejects_dir / f"{Path(path).stem}.rejects.csv"
            _write_rejects(target, bad)
            result.rejects_path = str(target)
        if (strict and bad) or dry_run:
            result.refused = strict and bool(bad)
            session.rollback()
            return result
        names = {(n["kind"], n["name"]): n for n in _topology(session, org_id)}
        for t in tickets:
            inserted = _upsert(session, org_id, t, names, result)
            if inserted:
                result.inserted += 1
            else:
                result.updated += 1
    return result


def _topology(session: sa.orm.Session, org_id: int) -> list[dict]:
    from sobre.inventory import service as inventory

    return inventory.topology(session, org_id)


def _category(session: sa.orm.Session, org_id: int, name: str | None) -> int | None:
    if not name:
        return None
    found = desk.category_by_name(session, org_id, name, create=True)
    return found.id if found else None


def _group(session: sa.orm.Session, org_id: int, name: str | None) -> int | None:
    if not name:
        return None
    found = session.scalar(sa.select(Group).where(Group.org_id == org_id, Group.name == name))
    return (found or desk.add_group(session, org_id, name)).id


def _upsert(
    session: sa.orm.Session, org_id: int, g: glpi.GlpiTicket, names: dict, result: ImportResult
) -> bool:
    ref = f"glpi:{g.glpi_id}"
    t = session.scalar(sa.select(Ticket).where(Ticket.org_id == org_id, Ticket.external_ref == ref))
    inserted = t is None
    conf = desk.settings(session, org_id)
    priority = g.priority or conf.matrix.priority(g.urgency, g.impact)
    if t is None:
        number = (
            session.scalar(sa.select(sa.func.max(Ticket.number)).where(Ticket.org_id == org_id)) or 0
        ) + 1
        t = Ticket(org_id=org_id, number=number, external_ref=ref, lang="fr")
        session.add(t)
    else:
        session.execute(
            sa.delete(TicketEvent).where(TicketEvent.ticket_id == t.id, TicketEvent.actor == IMPORT_ACTOR)
        )
    t.kind, t.title, t.description, t.status = g.kind, g.title, g.description, g.status
    t.requester, t.assignee, t.source = g.requester, g.assignee, "glpi" if g.source == "glpi" else g.source
    t.urgency, t.impact, t.priority, t.sla_priority = g.urgency, g.impact, priority, priority
    t.category_id, t.group_id = _category(session, org_id, g.category), _group(session, org_id, g.group)
    t.opened_at, t.owned_at, t.solved_at, t.closed_at = g.opened_at, g.owned_at, g.solved_at, g.closed_at
    t.solution, t.satisfaction = g.solution, g.satisfaction
    t.updated_at = g.updated_at or g.closed_at or g.solved_at or g.opened_at
    session.flush()
    for at, status in _history(g):
        session.add(
            TicketEvent(
                org_id=org_id,
                ticket_id=t.id,
                at=at,
                kind="status",
                new=status.value,
                actor=IMPORT_ACTOR,
                detail={"glpi_id": g.glpi_id},
            )
        )
    if g.due_own or g.due_resolve:
        session.add(
            TicketEvent(
                org_id=org_id,
                ticket_id=t.id,
                at=g.opened_at,
                kind="glpi_sla",
                actor=IMPORT_ACTOR,
                detail={
                    "time_to_own": g.due_own and g.due_own.isoformat(),
                    "time_to_resolve": g.due_resolve and g.due_resolve.isoformat(),
                },
            )
        )
    for item in g.items:
        found = next((n for (kind, name), n in names.items() if name == item), None)
        if found is None:
            result.warnings.append(f"line {g.line}: no inventory item named {item!r}; not linked")
            continue
        exists = session.scalar(
            sa.select(TicketItem.id).where(
                TicketItem.ticket_id == t.id,
                TicketItem.item_kind == found["kind"],
                TicketItem.item_id == found["id"],
            )
        )
        if exists is None:
            session.add(
                TicketItem(
                    org_id=org_id,
                    ticket_id=t.id,
                    item_kind=found["kind"],
                    item_id=found["id"],
                    item_name=item,
                )
            )
    service.refresh_sla(session, t, t.updated_at if t.status in sla.DONE else None)
    return inserted


def _history(g: glpi.GlpiTicket) -> list[tuple]:
    """Status changes the export's dates tell, in order."""
    events = [(g.opened_at, sla.Status.NEW)]
    if g.owned_at is not None and g.status != sla.Status.NEW:
        events.append((g.owned_at, sla.Status.ASSIGNED))
    if g.status in (sla.Status.ASSIGNED, sla.Status.PLANNED) and g.owned_at is None:
        events.append((g.updated_at or g.opened_at, g.status))
    if g.status == sla.Status.PLANNED and g.owned_at is not None:
        events.append((max(g.owned_at, g.updated_at or g.owned_at), sla.Status.PLANNED))
    if g.status == sla.Status.PENDING:
        events.append((g.updated_at or g.opened_at, sla.Status.PENDING))
    if g.solved_at is not None and g.status in sla.DONE:
        events.append((g.solved_at, sla.Status.SOLVED))
    if (
        g.closed_at is not None
        and g.status == sla.Status.CLOSED
        and g.closed_at > (g.solved_at or g.opened_at)
    ):
        events.append((g.closed_at, sla.Status.CLOSED))
    elif g.status == sla.Status.CLOSED:
        events.append((g.closed_at or g.opened_at, sla.Status.CLOSED))
    events.sort(key=lambda e: e[0])
    out: list[tuple] = []
    for at, status in events:
        if not out or out[-1][1] != status:
            out.append((at, status))
    return out
