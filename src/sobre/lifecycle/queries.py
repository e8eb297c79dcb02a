"""Lists and details that pages and the API show of purchases, suppliers and the watch: filters, sorting and
pagination done in the database (the caller paginates the ``SELECT``), rows resolved in a few queries.

Functions take an open session and the organisation's id, as the web shell's handlers hold them.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound
from sobre.inventory import service as inventory
from sobre.lifecycle import esg
from sobre.lifecycle.models import (
    Assessment,
    Purchase,
    PurchaseItem,
    Questionnaire,
    Supplier,
    WatchEntry,
    WatchSource,
)

# ------------------------------------------------------------------------------------------- purchases

#: Sort keys of :func:`purchases_query`.
PURCHASE_SORTS = ("date", "category", "supplier", "quantity", "amount")


def purchases_query(
    org_id: int,
    *,
    year: int | None = None,
    category: str | None = None,
    condition: str | None = None,
    supplier_id: int | None = None,
    sort: str = "date",
    descending: bool = True,
) -> sa.Select[Any]:
    """Purchase lines with filters (``condition="unknown"`` for lines whose condition is not known)."""
    q = sa.select(Purchase).where(Purchase.org_id == org_id)
    if year:
        q = q.where(Purchase.purchase_date.between(date(year, 1, 1), date(year, 12, 31)))
    if category:
        q = q.where(Purchase.category == category)
    if condition == "unknown":
        q = q.where(Purchase.condition.is_(None))
    elif condition:
        q = q.where(Purchase.condition == condition)
    if supplier_id is not None:
        q = q.where(Purchase.supplier_id == supplier_id)
    if sort == "supplier":
        q = q.outerjoin(Supplier, Supplier.id == Purchase.supplier_id)
        column: Any = Supplier.name
    else:
        column = {
            "category": Purchase.category,
            "quantity": Purchase.quantity,
            "amount": Purchase.quantity * Purchase.unit_price,
        }.get(sort, Purchase.purchase_date)
    return q.order_by(column.desc() if descending else column.asc(), Purchase.id.desc())


def purchase_views(session: Session, purchases: list[Purchase]) -> list[dict[str, Any]]:
    """Purchase lines as shown in lists: supplier name and number of items linked, in two queries."""
    suppliers = dict(
        session.execute(
            sa.select(Supplier.id, Supplier.name).where(Supplier.id.in_({p.supplier_id for p in purchases}))
        ).all()
    )
    linked = dict(
        session.execute(
            sa.select(PurchaseItem.purchase_id, sa.func.count())
            .where(PurchaseItem.purchase_id.in_([p.id for p in purchases]))
            .group_by(PurchaseItem.purchase_id)
        ).all()
    )
    return [
        {
            "id": p.id,
            "date": p.purchase_date,
            "supplier": suppliers.get(p.supplier_id) if p.supplier_id else None,
            "supplier_id": p.supplier_id,
            "reference": p.reference,
            "category": p.category,
            "manufacturer": p.manufacturer,
            "model": p.model,
            "quantity": p.quantity,
            "unit_price": p.unit_price,
            "amount": p.quantity * p.unit_price,
            "condition": p.condition,
            "acquisition": p.acquisition,
            "recycled_content_pct": p.recycled_content_pct,
            "ecolabels": p.ecolabels or [],
            "repairability_index": p.repairability_index,
            "durability_index": p.durability_index,
            "warranty_years": p.warranty_years,
            "notes": p.notes,
            "linked": int(linked.get(p.id, 0)),
        }
        for p in purchases
    ]


def purchase(session: Session, org_id: int, purchase_id: int) -> dict[str, Any]:
    """One purchase line with the inventory items it delivered (id and name)."""
    row = session.get(Purchase, purchase_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no purchase {purchase_id}")
    view = purchase_views(session, [row])[0]
    ids = list(
        session.scalars(sa.select(PurchaseItem.equipment_id).where(PurchaseItem.purchase_id == row.id))
    )
    view["items"] = [
        {"id": r["id"], "name": r["name"], "status": r["status"]}
        for r in (inventory.equipment_records(session, org_id, ids=ids) if ids else [])
    ]
    return view


def purchase_years(session: Session, org_id: int) -> list[int]:
    days = session.scalars(
        sa.select(Purchase.purchase_date).where(Purchase.org_id == org_id).distinct()
    ).all()
    return sorted({d.year for d in days}, reverse=True)


def purchase_categories(session: Session, org_id: int) -> list[str]:
    return sorted(
        session.scalars(sa.select(Purchase.category).where(Purchase.org_id == org_id).distinct()).all()
    )


# ------------------------------------------------------------------------------------------- suppliers


def supplier_options(session: Session, org_id: int) -> list[tuple[int, str]]:
    """(id, name) of the organisation's suppliers, by name."""
    rows = session.execute(
        sa.select(Supplier.id, Supplier.name).where(Supplier.org_id == org_id).order_by(Supplier.name)
    )
    return [(int(i), str(n)) for i, n in rows]


def _supplier(session: Session, org_id: int, supplier_id: int) -> Supplier:
    row = session.get(Supplier, supplier_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no supplier {supplier_id}")
    return row


def supplier(session: Session, org_id: int, supplier_id: int) -> dict[str, Any]:
    """A supplier, its ESG assessments (oldest first, with the score of each theme) and its spend by year."""
    s = _supplier(session, org_id, supplier_id)
    questionnaires = {
        q.id: esg.questions_from(q.questions)
        for q in session.scalars(sa.select(Questionnaire).where(Questionnaire.org_id == org_id))
    }
    assessments = []
    for a in session.scalars(
        sa.select(Assessment)
        .where(Assessment.supplier_id == s.id)
        .order_by(Assessment.assessed_on, Assessment.id)
    ):
        result = esg.score(questionnaires[a.questionnaire_id], a.answers)
        assessments.append(
            {
                "id": a.id,
                "date": a.assessed_on,
                "assessor": a.assessor,
                "score": a.score,
                "coverage": a.coverage,
                "themes": result.themes,
                "unproven": result.unproven,
                "unanswered": result.unanswered,
            }
        )
    year = sa.extract("year", Purchase.purchase_date)
    spend = session.execute(
        sa.select(year, sa.func.sum(Purchase.quantity * Purchase.unit_price), sa.func.count())
        .where(Purchase.supplier_id == s.id, Purchase.acquisition == "purchase")
        .group_by(year)
        .order_by(year)
    ).all()
    return {
        "id": s.id,
        "name": s.name,
        "country": s.country,
        "contact": s.contact,
        "notes": s.notes,
        "assessments": assessments,
        "spend": [{"year": int(y), "amount": float(a or 0.0), "lines": int(n)} for y, a, n in spend],
    }


def assessment(session: Session, org_id: int, supplier_id: int, assessment_id: int) -> dict[str, Any]:
    """One assessment question by question: the answer, its evidence and what it scored (0..1, None = n/a)."""
    s = _supplier(session, org_id, supplier_id)
    a = session.get(Assessment, assessment_id)
    if a is None or a.supplier_id != s.id:
        raise NotFound(f"no assessment {assessment_id} of supplier {supplier_id}")
    q = session.get(Questionnaire, a.questionnaire_id)
    assert q is not None
    result = esg.score(esg.questions_from(q.questions), a.answers)
    rows = []
    for question in esg.questions_from(q.questions):
        given = a.answers.get(question.code) or {}
        text = str(given.get("answer") or "").strip()
        if question.code in result.unanswered:
            scored: float | None = 0.0
        elif question.code in result.unproven:
            scored = 0.0
        else:
            scored = esg.answer_score(question, text)
        rows.append(
            {
                **question.to_dict(),
                "answer": text,
                "evidence_given": str(given.get("evidence") or ""),
                "scored": scored,
                "unproven": question.code in result.unproven,
            }
        )
    return {
        "id": a.id,
        "supplier": s.name,
        "supplier_id": s.id,
        "date": a.assessed_on,
        "assessor": a.assessor,
        "questionnaire": f"{q.name} {q.version}",
        "score": a.score,
        "coverage": a.coverage,
        "themes": result.themes,
        "questions": rows,
    }


# ----------------------------------------------------------------------------------------------- watch

#: Sort keys of :func:`entries_query`.
ENTRY_SORTS = ("relevance", "published", "title", "due")


def entries_query(
    org_id: int,
    *,
    since: date | None = None,
    decision: str | None = None,
    kind: str | None = None,
    tag: str | None = None,
    min_relevance: int | None = None,
    sort: str = "relevance",
    descending: bool = True,
) -> sa.Select[Any]:
    """Watch entries with filters; unknown relevance, dates and due dates sort last."""
    from sobre.lifecycle.watch import KINDS, Decision

    q = sa.select(WatchEntry).where(WatchEntry.org_id == org_id)
    if since:
        q = q.where(sa.or_(WatchEntry.published >= since, WatchEntry.published.is_(None)))
    if decision:
        if decision not in {d.value for d in Decision}:
            raise InputError("unknown decision", column="decision", value=decision)
        q = q.where(WatchEntry.decision == decision)
    if kind:
        if kind not in KINDS:
            raise InputError("unknown kind", column="kind", value=kind, expected=", ".join(KINDS))
        q = q.where(WatchEntry.kind == kind)
    if tag:
        # Tags are a JSON list, stored as text on SQLite and as json on PostgreSQL: both cast to the same
        # serialisation, so the quoted tag is found as a substring.
        q = q.where(sa.cast(WatchEntry.tags, sa.Text).contains(json.dumps(tag), autoescape=True))
    if min_relevance:
        q = q.where(WatchEntry.relevance >= min_relevance)
    columns: dict[str, Any] = {
        "relevance": WatchEntry.relevance,
        "published": WatchEntry.published,
        "title": WatchEntry.title,
        "due": WatchEntry.due,
    }
    column = columns.get(sort, WatchEntry.relevance)
    ordered = column.desc() if descending else column.asc()
    return q.order_by(ordered.nulls_last(), WatchEntry.published.desc().nulls_last(), WatchEntry.id.desc())


def entry_views(session: Session, entries: list[WatchEntry]) -> list[dict[str, Any]]:
    """Entries as shown in lists and on their page, with the name of the feed each came from."""
    names = dict(
        session.execute(
            sa.select(WatchSource.id, WatchSource.name).where(
                WatchSource.id.in_({e.source_id for e in entries if e.source_id})
            )
        ).all()
    )
    return [
        {
            "id": e.id,
            "title": e.title,
            "url": e.url,
            "published": e.published,
            "source": names.get(e.source_id) if e.source_id else None,
            "kind": e.kind,
            "tags": e.tags or [],
            "relevance": e.relevance,
            "impact": e.impact,
            "decision": e.decision,
            "action": e.action,
            "owner": e.owner,
            "due": e.due,
            "summary": e.summary,
        }
        for e in entries
    ]


def entry(session: Session, org_id: int, entry_id: int) -> dict[str, Any]:
    row = session.get(WatchEntry, entry_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no watch entry {entry_id}")
    return entry_views(session, [row])[0]


def sources(session: Session, org_id: int) -> list[dict[str, Any]]:
    """The feeds the organisation follows, with their last fetch and error."""
    return [
        {
            "id": s.id,
            "name": s.name,
            "url": s.url,
            "tags": s.tags or [],
            "active": s.active,
            "last_fetched_at": s.last_fetched_at,
            "last_error": s.last_error,
            "entries": session.scalar(sa.select(sa.func.count()).where(WatchEntry.source_id == s.id)),
        }
        for s in session.scalars(
            sa.select(WatchSource).where(WatchSource.org_id == org_id).order_by(WatchSource.name)
        )
    ]


def entry_tags(session: Session, org_id: int) -> list[str]:
    """Every tag used by the organisation's entries (the choices of a tag filter)."""
    tags: set[str] = set()
    for row in session.scalars(sa.select(WatchEntry.tags).where(WatchEntry.org_id == org_id)):
        tags.update(str(t) for t in row or [])
    return sorted(tags)
