"""Reading GLPI's ticket list export (Assistance > Tickets > export CSV), in French or English.

What GLPI writes (``CSVSearchOutput`` and ``ExportSearchOutput`` in glpi-project/glpi): a UTF-8 BOM, ``;``
between cells (the ``csv_delimiter`` setting), every cell quoted, a ``"`` inside a value written as two
apostrophes, a delimiter after the last cell too (an empty last column), multiple values of one cell
separated by ``<br>``.  Column titles are the labels of the search options shown, prefixed by their group
for actors (``Demandeur - Demandeur``, ``Attribué à - Technicien``, ``Assigned to - Technician group``).
Dates are in the GLPI user's format (``Y-m-d H:i`` by default, or ``d-m-Y H:i`` / ``m-d-Y H:i``) and in the
GLPI server's time zone.  Statuses, priorities and types are their display names, or numbers in a raw export.

:func:`parse_rows` turns the rows into :class:`GlpiTicket` values and rejects (row, column, value, reason);
it reads no database.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sobre.inventory.vocab import fold
from sobre.servicedesk.sla import GLPI_STATUS, Status

#: Field ← column titles (folded: lower case, no accents, punctuation as spaces), French then English.
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("titre", "title", "nom", "name"),
    "status": ("statut", "status"),
    "opened_at": ("date d ouverture", "opening date"),
    "updated_at": ("derniere modification", "last update"),
    "closed_at": ("date de cloture", "closing date"),
    "solved_at": ("date de resolution", "resolution date"),
    "priority": ("priorite", "priority"),
    "urgency": ("urgence", "urgency"),
    "impact": ("impact",),
    "kind": ("type",),
    "category": ("categorie", "category"),
    "source": ("source de la demande", "request source"),
    "description": ("description",),
    "requester": ("demandeur demandeur", "requester requester", "demandeur", "requester"),
    "assignee": ("attribue a technicien", "assigned to technician", "technicien", "technician"),
    "group": (
        "attribue a groupe de techniciens",
        "assigned to technician group",
        "groupe de techniciens",
        "technician group",
    ),
    "due_own": ("temps de prise en compte", "time to own"),
    "due_resolve": ("temps de resolution", "time to resolve"),
    "owned_after": ("delai de prise en compte", "take into account time"),
    "solution": ("solution solution", "solution"),
    "satisfaction": ("satisfaction satisfaction", "satisfaction"),
    "items": ("elements associes", "associated elements", "elements", "items"),
}
#: Columns GLPI exports that Sobre reads on purpose no further (no warning for them).
IGNORED = frozenset(
    fold(h)
    for h in (
        "Entité",
        "Entity",
        "Lieu",
        "Location",
        "Demandeur - Groupe demandeur",
        "Requester - Requester group",
        "Observateur - Observateur",
        "Watcher - Watcher",
        "Date de création",
        "Creation date",
        "Dernière modification par",
        "Last edit by",
        "Durée totale",
        "Total duration",
    )
)
_INDEX = {h: name for name, headers in HEADERS.items() for h in headers}

STATUS_NAMES = {
    fold(k): v
    for k, v in {
        "Nouveau": Status.NEW,
        "New": Status.NEW,
        "En cours (Attribué)": Status.ASSIGNED,
        "Processing (assigned)": Status.ASSIGNED,
        "En cours (Planifié)": Status.PLANNED,
        "Processing (planned)": Status.PLANNED,
        "En attente": Status.PENDING,
        "Pending": Status.PENDING,
        "Résolu": Status.SOLVED,
        "Solved": Status.SOLVED,
        "Clos": Status.CLOSED,
        "Closed": Status.CLOSED,
    }.items()
}
LEVEL_NAMES = {
    fold(k): v
    for k, v in {
        "Très basse": 1,
        "Very low": 1,
        "Basse": 2,
        "Low": 2,
        "Moyenne": 3,
        "Medium": 3,
        "Haute": 4,
        "High": 4,
        "Très haute": 5,
        "Very high": 5,
        "Majeure": 6,
        "Major": 6,
    }.items()
}
KIND_NAMES = {
    "incident": "incident",
    "demande": "request",
    "request": "request",
    "1": "incident",
    "2": "request",
}
SOURCE_NAMES = {
    "helpdesk": "portal",
    "e mail": "email",
    "email": "email",
    "courriel": "email",
    "telephone": "phone",
    "phone": "phone",
    "direct": "walk_in",
}
_DURATION = re.compile(r"(\d+)\s*(jours?|days?|heures?|hours?|h|minutes?|min|secondes?|seconds?|s)\b")
_UNIT_SECONDS = {"j": 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}


@dataclass
class GlpiTicket:
    line: int
    glpi_id: str
    title: str
    status: Status
    kind: str
    opened_at: datetime
    updated_at: datetime | None = None
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    owned_at: datetime | None = None
    urgency: int = 3
    impact: int = 3
    priority: int | None = None
    category: str | None = None
    source: str = "glpi"
    description: str = ""
    requester: str = "GLPI"
    assignee: str | None = None
    group: str | None = None
    due_own: datetime | None = None
    due_resolve: datetime | None = None
    solution: str | None = None
    satisfaction: int | None = None
    items: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reject:
    line: int
    column: str
    value: str
    reason: str


def columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Field → column index, and the titles Sobre does not know (an empty trailing title is GLPI's)."""
    found: dict[str, int] = {}
    unknown: list[str] = []
    for i, title in enumerate(header):
        key = fold(title)
        if not key:
            continue
        name = _INDEX.get(key) or (_INDEX.get(fold(title.rsplit(" - ", 1)[1])) if " - " in title else None)
        if name and name not in found:
            found[name] = i
        elif key not in IGNORED and name is None:
            unknown.append(title)
    return found, unknown


def clean(value: str) -> str:
    """A GLPI cell as text: entities decoded, ``<br>`` as new lines, other tags dropped, ``''`` as ``"``."""
    value = re.sub(r"<br\s*/?>|<hr\s*/?>", "\n", value, flags=re.I)
    value = re.sub(r"<[^>]+>", "", value)
    return html.unescape(value).replace("''", '"').strip()


def parse_datetime(text: str, zone: ZoneInfo, order: str = "auto") -> datetime:
    """``2025-06-02 09:15``, ``02-06-2025 09:15`` (dmy) or ``06-02-2025 09:15`` (mdy); seconds optional."""
    text = text.strip().replace("/", "-")
    m = re.fullmatch(r"(\d{1,4})-(\d{1,2})-(\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", text)
    if not m:
        raise ValueError("not a date")
    a, b, c, hh, mm, ss = m.groups()
    if len(a) == 4:
        y, mo, d = int(a), int(b), int(c)
    elif len(c) == 4:
        y = int(c)
        mo, d = (int(a), int(b)) if order == "mdy" else (int(b), int(a))
    else:
        raise ValueError("not a date")
    return datetime(y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0), tzinfo=zone)


def parse_duration(text: str) -> float | None:
    """Seconds in ``3600``, ``1 heure 5 minutes`` or ``2 days 3 hours``; None when there is none."""
    text = text.strip().lower()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    parts = _DURATION.findall(text)
    if not parts:
        raise ValueError("not a duration")
    return float(sum(int(n) * _UNIT_SECONDS[unit[0]] for n, unit in parts))


def _level(text: str, column: str) -> int:
    key = fold(text)
    if key.isdigit() and 1 <= int(key) <= 6:
        return int(key)
    if key in LEVEL_NAMES:
        return LEVEL_NAMES[key]
    raise ValueError(f"not a {column} level")


def parse_rows(
    header: list[str], rows: Iterable[tuple[int, list[str]]], zone: ZoneInfo, *, date_order: str = "auto"
) -> tuple[list[GlpiTicket], list[Reject], list[str]]:
    """(tickets, rejects, unknown column titles) of a GLPI ticket export."""
    cols, unknown = columns(header)
    missing = [f for f in ("id", "title", "status", "opened_at") if f not in cols]
    if missing:
        wanted = {
            "id": "ID",
            "title": "Titre/Title",
            "status": "Statut/Status",
            "opened_at": "Date d'ouverture/Opening date",
        }
        raise ValueError(
            "not a GLPI ticket export: missing column(s) " + ", ".join(wanted[m] for m in missing)
        )
    tickets: list[GlpiTicket] = []
    rejects: list[Reject] = []
    seen: set[str] = set()
    for line, cells in rows:
        values = {name: clean(cells[i]) for name, i in cols.items() if i < len(cells)}

        def cell(name: str, default: str = "", values: dict[str, str] = values) -> str:
            return values.get(name, default)

        current = ""
        try:
            current = "id"
            gid = re.sub(r"\s", "", cell("id", ""))  # "1 204" with a number format's thin space
            if not gid:
                raise ValueError("an ID is required")
            if gid in seen:
                raise ValueError("this ID appears twice in the file")
            current = "title"
            title = cell("title", "").splitlines()[0][:255] if cell("title", "") else ""
            if not title:
                raise ValueError("a title is required")
            current = "status"
            raw_status = cell("status", "")
            status = (
                GLPI_STATUS.get(int(raw_status))
                if raw_status.isdigit()
                else STATUS_NAMES.get(fold(raw_status))
            )
            if status is None:
                raise ValueError("unknown status")
            current = "opened_at"
            t = GlpiTicket(
                line, gid, title, status, "incident", parse_datetime(cell("opened_at", ""), zone, date_order)
            )
            for name in ("updated_at", "solved_at", "closed_at", "due_own", "due_resolve"):
                current = name
                if cell(name):
                    setattr(t, name, parse_datetime(cell(name), zone, date_order))
            for name in ("urgency", "impact", "priority"):
                current = name
                if cell(name):
                    setattr(t, name, _level(cell(name), name))
            if t.urgency == 6 or t.impact == 6:
                current = "urgency" if t.urgency == 6 else "impact"
                raise ValueError("major is a priority, not an urgency or impact")
            current = "kind"
            if cell("kind", ""):
                kind = KIND_NAMES.get(fold(cell("kind", "")))
                if kind is None:
                    raise ValueError("unknown type (incident or request)")
                t.kind = kind
            current = "owned_after"
            delay = parse_duration(cell("owned_after", "")) if cell("owned_after", "") else None
            if delay is not None:
                t.owned_at = t.opened_at + timedelta(seconds=delay)
            current = "satisfaction"
            if cell("satisfaction", ""):
                score = int(float(cell("satisfaction", "").replace(",", ".")))
                if not 0 <= score <= 5:
                    raise ValueError("satisfaction is 0 to 5")
                t.satisfaction = score or None
            current = "dates"
            for name in ("solved_at", "closed_at"):
                moment = getattr(t, name)
                if moment is not None and moment < t.opened_at:
                    current = name
                    raise ValueError("before the opening date")
        except ValueError as exc:
            i = cols.get(current)
            value = cells[i] if i is not None and i < len(cells) else ""
            rejects.append(Reject(line, header[i] if i is not None else current, value, str(exc)))
            continue
        t.category = cell("category", "") or None
        t.source = SOURCE_NAMES.get(fold(cell("source", "")), "glpi")
        t.description = cell("description", "")
        people = [p.strip() for p in cell("requester", "").splitlines() if p.strip()]
        t.requester = people[0] if people else "GLPI"
        techs = [p.strip() for p in cell("assignee", "").splitlines() if p.strip()]
        t.assignee = ", ".join(techs) or None
        groups = [g.strip() for g in cell("group", "").splitlines() if g.strip()]
        t.group = groups[0] if groups else None
        t.solution = cell("solution", "") or None
        t.items = [i.strip() for i in cell("items", "").splitlines() if i.strip()]
        if t.status in (Status.SOLVED, Status.CLOSED) and t.solved_at is None:
            t.solved_at = t.closed_at or t.updated_at
        if t.status == Status.CLOSED and t.closed_at is None:
            t.closed_at = t.solved_at
        seen.add(gid)
        tickets.append(t)
    return tickets, rejects, unknown
