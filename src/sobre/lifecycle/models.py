"""Lifecycle tables: events of each item, batches, attached proofs, purchases, suppliers and their ESG
assessments, organisation-specific regulatory parameters, and the technology and regulatory watch.

Events keep a snapshot of the item (name, category, purchase date, quantity) taken when they are recorded, so
that a retirement still counts in a regulatory figure after the item leaves the inventory.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow

_NAME = sa.String(255)
_TEXT = sa.String(2000)


def _org() -> sa.ForeignKey:
    return sa.ForeignKey("organisation.id", ondelete="CASCADE")


def _created() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Attachment(Base):
    """A stored proof (WEEE certificate, erasure report, evidence), content-addressed in the data folder."""

    __tablename__ = "lifecycle_attachment"
    __table_args__ = (sa.UniqueConstraint("org_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(sa.String(60))
    original_name: Mapped[str] = mapped_column(_NAME)  # shown to users, never used as a path
    created_at: Mapped[datetime] = _created()


class Batch(Base):
    """Items handled together (a WEEE collection, a donation to a school): one certificate for all."""

    __tablename__ = "lifecycle_batch"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    source_file: Mapped[str | None] = mapped_column(sa.String(500))
    source_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lifecycle_attachment.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()


class Event(Base):
    """One dated step of an item's life (see ``sobre.lifecycle.events.Kind``)."""

    __tablename__ = "lifecycle_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    equipment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("equipment.id", ondelete="SET NULL"), index=True
    )
    item_name: Mapped[str] = mapped_column(_NAME, index=True)
    category: Mapped[str | None] = mapped_column(sa.String(24))
    purchase_date: Mapped[date | None]
    quantity: Mapped[float] = mapped_column(default=1.0)
    kind: Mapped[str] = mapped_column(sa.String(20))
    event_date: Mapped[date] = mapped_column(index=True)
    recorded_by: Mapped[str] = mapped_column(_NAME)
    counterpart: Mapped[str | None] = mapped_column(_NAME)  # new user, recipient, buyer, WEEE body
    reason: Mapped[str | None] = mapped_column(sa.String(20))  # why an item is reformed (events.Reason)
    cost: Mapped[float | None]  # repair cost, € excl. tax
    parts: Mapped[str | None] = mapped_column(_TEXT)
    price: Mapped[float | None]  # resale price, € excl. tax
    certificate: Mapped[str | None] = mapped_column(_NAME)  # WEEE certificate or erasure report number
    weight_kg: Mapped[float | None]
    approved_body: Mapped[bool | None]  # WEEE body or eco-organism approved by the State
    reuse_commitment: Mapped[bool | None]  # the new holder commits to reuse and can prove it
    restricted: Mapped[bool] = mapped_column(default=False)  # classified or security-bound data
    erasure_method: Mapped[str | None] = mapped_column(_NAME)
    notes: Mapped[str | None] = mapped_column(_TEXT)
    batch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lifecycle_batch.id", ondelete="SET NULL"), index=True
    )
    attachment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lifecycle_attachment.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = _created()


class Supplier(Base):
    __tablename__ = "lifecycle_supplier"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    country: Mapped[str | None] = mapped_column(sa.String(8))
    contact: Mapped[str | None] = mapped_column(_NAME)
    notes: Mapped[str | None] = mapped_column(_TEXT)
    created_at: Mapped[datetime] = _created()


class Purchase(Base):
    """One purchase line (or a donation received): what, from whom, when, how many, in which condition."""

    __tablename__ = "lifecycle_purchase"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    reference: Mapped[str | None] = mapped_column(_NAME)  # order or contract number
    supplier_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lifecycle_supplier.id", ondelete="SET NULL"), index=True
    )
    purchase_date: Mapped[date] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(sa.String(24))  # inventory taxonomy category
    manufacturer: Mapped[str | None] = mapped_column(_NAME)
    model: Mapped[str | None] = mapped_column(_NAME)
    quantity: Mapped[float]
    unit_price: Mapped[float]  # € excl. tax; for a donation, its value under the official flat-rate grid
    condition: Mapped[str | None] = mapped_column(sa.String(12))  # purchasing.Condition; None = unknown
    acquisition: Mapped[str] = mapped_column(sa.String(10), default="purchase")  # purchase or donation
    recycled_content_pct: Mapped[float | None]  # None = unknown
    ecolabels: Mapped[list | None] = mapped_column(sa.JSON)
    repairability_index: Mapped[float | None]  # French indice de réparabilité, 0–10
    durability_index: Mapped[float | None]  # French indice de durabilité, 0–10
    warranty_years: Mapped[float | None]
    notes: Mapped[str | None] = mapped_column(_TEXT)
    created_at: Mapped[datetime] = _created()


class PurchaseItem(Base):
    """Which inventory items a purchase line delivered."""

    __tablename__ = "lifecycle_purchase_item"

    purchase_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lifecycle_purchase.id", ondelete="CASCADE"), primary_key=True
    )
    equipment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("equipment.id", ondelete="CASCADE"), primary_key=True, unique=True
    )


class Questionnaire(Base):
    """An ESG questionnaire sent to suppliers: its questions are in ``questions`` (see ``esg.Question``)."""

    __tablename__ = "lifecycle_questionnaire"
    __table_args__ = (sa.UniqueConstraint("org_id", "name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    version: Mapped[str] = mapped_column(sa.String(20))
    questions: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = _created()


class Assessment(Base):
    """A supplier's answers to a questionnaire on one date; the score is kept for history and ranking."""

    __tablename__ = "lifecycle_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    supplier_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lifecycle_supplier.id", ondelete="CASCADE"), index=True
    )
    questionnaire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lifecycle_questionnaire.id", ondelete="CASCADE")
    )
    assessed_on: Mapped[date]
    assessor: Mapped[str | None] = mapped_column(_NAME)
    answers: Mapped[dict] = mapped_column(sa.JSON)  # code → {"answer", "evidence", "comment"}
    score: Mapped[float | None]
    coverage: Mapped[float | None]
    created_at: Mapped[datetime] = _created()


class Parameter(Base):
    """An organisation's own dated parameter (electricity contract, a rate not in the built-in table)."""

    __tablename__ = "lifecycle_parameter"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    key: Mapped[str] = mapped_column(sa.String(120))
    value: Mapped[str] = mapped_column(sa.String(500))
    unit: Mapped[str] = mapped_column(sa.String(40))
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    source: Mapped[str] = mapped_column(_TEXT)
    note: Mapped[str | None] = mapped_column(_TEXT)
    created_at: Mapped[datetime] = _created()


class WatchSource(Base):
    """A feed the user chose to follow (RSS or Atom); nothing is fetched unless one is configured."""

    __tablename__ = "lifecycle_watch_source"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    url: Mapped[str] = mapped_column(sa.String(1000))
    tags: Mapped[list | None] = mapped_column(sa.JSON)
    active: Mapped[bool] = mapped_column(default=True)
    etag: Mapped[str | None] = mapped_column(_NAME)
    last_modified: Mapped[str | None] = mapped_column(_NAME)
    last_fetched_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(_TEXT)


class WatchEntry(Base):
    """A piece of news, a rule or a technology worth knowing, and what the organisation decides about it."""

    __tablename__ = "lifecycle_watch_entry"
    __table_args__ = (sa.UniqueConstraint("org_id", "guid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    source_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("lifecycle_watch_source.id", ondelete="SET NULL")
    )
    guid: Mapped[str] = mapped_column(sa.String(500))
    title: Mapped[str] = mapped_column(sa.String(500))
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    published: Mapped[date | None]
    summary: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(12), default="technology")  # technology or regulation
    tags: Mapped[list | None] = mapped_column(sa.JSON)
    relevance: Mapped[int | None]  # 1 (low) … 5 (high)
    impact: Mapped[str | None] = mapped_column(_TEXT)  # expected impact on the IS
    decision: Mapped[str] = mapped_column(sa.String(12), default="to_assess")  # watch.Decision
    action: Mapped[str | None] = mapped_column(_TEXT)  # follow-up action
    owner: Mapped[str | None] = mapped_column(_NAME)
    due: Mapped[date | None]
    created_at: Mapped[datetime] = _created()
