"""Footprint run and result tables.

A run stores what is needed to reproduce and compare it: engine and methodology versions, factor set id and
version, the hash of the inventory it read, the reference date, the status and the totals.  Results are kept
per item (with the engine's trace) and per (item, criterion) with one value/low/high triple per stage: a wide
row instead of four long ones keeps a million-item estate inside the time budget.  A null stage value means
unknown; the ``stages`` bit mask says which stages the engine produced at all (bit i = ``STAGES[i]``), so a
stage that was never computed is not confused with an unknown one.

On SQLite both result tables are ``WITHOUT ROWID`` (the primary key is the table): one B-tree instead
of two, so a million-item run writes about 15 % less.

Inventory ids (site, department, host) are copied, not foreign keys: a run is a snapshot and must survive
later edits of the inventory.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.footprint.schema import STAGES
from sobre.orgs.models import utcnow

_NAME = sa.String(255)

#: Column names of the wide impact row, per stage: ``<stage>_value``, ``<stage>_low``, ``<stage>_high``.
STAGE_COLUMNS = tuple(f"{stage}_{part}" for stage in STAGES for part in ("value", "low", "high"))


class FootprintRun(Base):
    __tablename__ = "footprint_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    reference_date: Mapped[date]
    profile: Mapped[str] = mapped_column(sa.String(16))
    engine_version: Mapped[str] = mapped_column(sa.String(40))
    methodology_version: Mapped[str] = mapped_column(sa.String(80))
    factor_set_id: Mapped[str] = mapped_column(sa.String(120))
    factor_set_version: Mapped[str] = mapped_column(sa.String(60))
    inputs_hash: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(12), default="running")  # running, done, failed
    error: Mapped[str | None] = mapped_column(sa.Text)
    duration_s: Mapped[float | None]
    item_count: Mapped[int | None]
    #: {criterion: {value, low, high, unit, unknown, label_en, label_fr}} over the organisation's total scope.
    totals: Mapped[dict | None] = mapped_column(sa.JSON)
    warnings: Mapped[list | None] = mapped_column(sa.JSON)
    #: The factor set's criteria (code, label_en, label_fr, unit), to rebuild the Result as computed.
    criteria: Mapped[list | None] = mapped_column(sa.JSON)


class FootprintItem(Base):
    """One result item and its trace (the columns of ``schema.RESULT_ITEMS``)."""

    __tablename__ = "footprint_item"
    __table_args__ = {"sqlite_with_rowid": False}

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("footprint_run.id", ondelete="CASCADE"), primary_key=True
    )
    item_kind: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    name: Mapped[str | None] = mapped_column(_NAME)
    category: Mapped[str | None] = mapped_column(sa.String(40))
    site_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    department_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    host_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    quantity: Mapped[float | None]
    data_quality: Mapped[str | None] = mapped_column(sa.String(8))
    status: Mapped[str | None] = mapped_column(sa.String(12))
    factor_ref: Mapped[str | None] = mapped_column(sa.String(255))
    ref_method: Mapped[str | None] = mapped_column(sa.String(40))
    lifetime_years: Mapped[float | None]
    lifetime_method: Mapped[str | None] = mapped_column(sa.String(40))
    age_years: Mapped[float | None]
    annual_kwh: Mapped[float | None]
    kwh_method: Mapped[str | None] = mapped_column(sa.String(40))
    pue: Mapped[float | None]
    pue_method: Mapped[str | None] = mapped_column(sa.String(40))
    country: Mapped[str | None] = mapped_column(sa.String(8))
    country_method: Mapped[str | None] = mapped_column(sa.String(40))
    usage_rate: Mapped[float | None]
    usage_method: Mapped[str | None] = mapped_column(sa.String(40))
    share: Mapped[float | None]
    share_method: Mapped[str | None] = mapped_column(sa.String(40))
    warnings: Mapped[str | None] = mapped_column(sa.Text)


class FootprintImpact(Base):
    """Impacts of one item for one criterion, one value/low/high triple per stage (null = unknown)."""

    __tablename__ = "footprint_impact"
    __table_args__ = {"sqlite_with_rowid": False}

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("footprint_run.id", ondelete="CASCADE"), primary_key=True
    )
    # Criterion before item: breakdowns read one criterion of a run, and the engine's output arrives
    # criterion by criterion, so rows are appended in key order.
    criterion: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    item_kind: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    stages: Mapped[int] = mapped_column(sa.SmallInteger)
    manufacturing_value: Mapped[float | None]
    manufacturing_low: Mapped[float | None]
    manufacturing_high: Mapped[float | None]
    distribution_value: Mapped[float | None]
    distribution_low: Mapped[float | None]
    distribution_high: Mapped[float | None]
    use_value: Mapped[float | None]
    use_low: Mapped[float | None]
    use_high: Mapped[float | None]
    end_of_life_value: Mapped[float | None]
    end_of_life_low: Mapped[float | None]
    end_of_life_high: Mapped[float | None]
