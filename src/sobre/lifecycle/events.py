"""Lifecycle event kinds, what each requires, and the item status that follows from an item's events.

Pure: no database.  An item's status is the status of its latest event (by date, then by recording order);
statuses are the inventory's (``taxonomy.Status``), so the footprint sees a reformed or recycled item as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sobre.core.errors import InputError
from sobre.inventory.taxonomy import Status


class Kind(StrEnum):
    ORDERED = "ordered"
    RECEIVED = "received"
    IN_SERVICE = "in_service"
    REASSIGNED = "reassigned"
    REPAIRED = "repaired"
    IN_STOCK = "in_stock"
    REUSED_INTERNALLY = "reused_internally"
    REFORMED = "reformed"  # declared out of use (réformé), waiting for its destination
    DONATED = "donated"
    RESOLD = "resold"
    REUSE_TAKEBACK = "reuse_takeback"  # taken back for reuse by an approved eco-organism or the supplier
    RECYCLED = "recycled"
    DESTROYED = "destroyed"


class Reason(StrEnum):
    """Why an item is reformed (the repair rate counts failures)."""

    FAILURE = "failure"
    OBSOLETE = "obsolete"
    END_OF_LEASE = "end_of_lease"
    SURPLUS = "surplus"
    LOST = "lost"
    OTHER = "other"


#: Status an item takes after each kind of event.
STATUS_AFTER: dict[Kind, Status] = {
    Kind.ORDERED: Status.IN_TRANSIT,
    Kind.RECEIVED: Status.IN_STOCK,
    Kind.IN_SERVICE: Status.IN_USE,
    Kind.REASSIGNED: Status.IN_USE,
    Kind.REPAIRED: Status.IN_USE,
    Kind.IN_STOCK: Status.IN_STOCK,
    Kind.REUSED_INTERNALLY: Status.IN_USE,
    Kind.REFORMED: Status.RETIRED,
    Kind.DONATED: Status.REUSE,
    Kind.RESOLD: Status.REUSE,
    Kind.REUSE_TAKEBACK: Status.REUSE,
    Kind.RECYCLED: Status.DISPOSED,
    Kind.DESTROYED: Status.DISPOSED,
}
#: Kinds by which an item leaves the organisation, and those of them that give it a second life.
DISPOSALS = frozenset({Kind.DONATED, Kind.RESOLD, Kind.REUSE_TAKEBACK, Kind.RECYCLED, Kind.DESTROYED})
REUSE_DISPOSALS = frozenset({Kind.DONATED, Kind.RESOLD, Kind.REUSE_TAKEBACK})
#: Kinds after which the item is out of service for good (its retirement date is set).
END_OF_USE = DISPOSALS | {Kind.REFORMED}

#: Fields each kind requires, with what the user is told.
REQUIRED: dict[Kind, dict[str, str]] = {
    Kind.REASSIGNED: {"counterpart": "the new user or department (--to)"},
    Kind.REPAIRED: {"cost": "the repair cost in € excl. tax (--cost)"},
    Kind.DONATED: {"counterpart": "who receives it (--to)"},
    Kind.RESOLD: {"price": "the resale price in € excl. tax (--price)"},
    Kind.REUSE_TAKEBACK: {"counterpart": "the eco-organism or supplier taking it back (--to)"},
    Kind.RECYCLED: {
        "counterpart": "the approved WEEE body or eco-organism (--to)",
        "certificate": "the number of its treatment certificate (--certificate)",
    },
    Kind.DESTROYED: {"erasure_method": "how the data was erased or the media destroyed (--erasure)"},
}


@dataclass(frozen=True)
class EventFacts:
    """What an event says, as checked before it is stored (quantities in items, money in € excl. tax)."""

    kind: Kind
    event_date: date
    recorded_by: str
    counterpart: str | None = None
    reason: str | None = None
    cost: float | None = None
    parts: str | None = None
    price: float | None = None
    certificate: str | None = None
    weight_kg: float | None = None
    approved_body: bool | None = None
    reuse_commitment: bool | None = None
    restricted: bool = False
    erasure_method: str | None = None
    notes: str | None = None


def parse_kind(text: str, column: str = "event") -> Kind:
    """An event kind from its code or a common French or English word for it."""
    from sobre.inventory.vocab import fold

    key = fold(text).replace(" ", "_")
    found = _SYNONYMS.get(key)
    if found is None:
        raise InputError(
            "unknown lifecycle event", column=column, value=text, expected=", ".join(k.value for k in Kind)
        )
    return found


_SYNONYMS: dict[str, Kind] = {k.value: k for k in Kind} | {
    "commande": Kind.ORDERED,
    "recu": Kind.RECEIVED,
    "reception": Kind.RECEIVED,
    "livre": Kind.RECEIVED,
    "mise_en_service": Kind.IN_SERVICE,
    "en_service": Kind.IN_SERVICE,
    "deployed": Kind.IN_SERVICE,
    "reaffecte": Kind.REASSIGNED,
    "reaffectation": Kind.REASSIGNED,
    "repare": Kind.REPAIRED,
    "reparation": Kind.REPAIRED,
    "repair": Kind.REPAIRED,
    "stock": Kind.IN_STOCK,
    "en_stock": Kind.IN_STOCK,
    "reemploi_interne": Kind.REUSED_INTERNALLY,
    "reforme": Kind.REFORMED,
    "reformed": Kind.REFORMED,
    "retired": Kind.REFORMED,
    "don": Kind.DONATED,
    "donne": Kind.DONATED,
    "donation": Kind.DONATED,
    "vendu": Kind.RESOLD,
    "revendu": Kind.RESOLD,
    "sold": Kind.RESOLD,
    "cession": Kind.RESOLD,
    "reprise_reemploi": Kind.REUSE_TAKEBACK,
    "recycle": Kind.RECYCLED,
    "deee": Kind.RECYCLED,
    "weee": Kind.RECYCLED,
    "detruit": Kind.DESTROYED,
    "destruction": Kind.DESTROYED,
}


def check(
    facts: EventFacts, *, purchase_date: date | None = None, file: str | None = None, row: int | None = None
) -> None:
    """Refuse an event that lacks what its kind requires or whose figures make no sense."""

    def refuse(message: str, column: str, value: object = None, expected: str | None = None) -> InputError:
        return InputError(message, file=file, row=row, column=column, value=value, expected=expected)

    for name, what in REQUIRED.get(facts.kind, {}).items():
        value = getattr(facts, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise refuse(f"a '{facts.kind}' event needs {what}", name)
    for name in ("cost", "price", "weight_kg"):
        value = getattr(facts, name)
        if value is not None and value < 0:
            raise refuse("must not be negative", name, value)
    if facts.reason is not None and facts.reason not in {r.value for r in Reason}:
        raise refuse("unknown reason", "reason", facts.reason, ", ".join(r.value for r in Reason))
    if purchase_date is not None and facts.event_date < purchase_date and facts.kind != Kind.ORDERED:
        raise refuse(
            f"the event is dated before the item's purchase ({purchase_date.isoformat()})",
            "date",
            facts.event_date.isoformat(),
        )
    if not facts.recorded_by.strip():
        raise refuse("say who records the event", "by")


def status_after(kinds_in_order: Iterable[str]) -> Status | None:
    """The status that the last of an item's events (in date order) gives it, or None without events."""
    last = None
    for kind in kinds_in_order:
        last = kind
    return STATUS_AFTER[Kind(last)] if last is not None else None
