"""Footprint runs: the run record, its most-read aggregates and (on PostgreSQL) its stored result files.

A run stores what is needed to reproduce and compare it: engine and methodology versions, factor set id and
version, the hash of the inventory it read, the reference date, the status and the totals.  Its per-item
results are a Parquet dataset (``runs.dataset``), one folder per run named in ``dataset``; the database keeps
the aggregates that pages and reports show most (``FootprintAggregate``).  Where the dataset lives:
``runs.locations`` (a folder beside the SQLite file; rows of ``footprint_run_file`` on PostgreSQL).

``status`` is ``running``, ``done`` or ``failed``; ``done`` is set in the transaction that makes the dataset
and aggregates visible, and is the only proof that they are complete.  ``owner_*`` and ``heartbeat_at`` say
which process computes a running run, so that a run whose process died is found and marked failed.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow


class FootprintRun(Base):
    __tablename__ = "footprint_run"
    #: The heartbeat alone is no change worth an audit entry.
    __audit_ignore__ = ("heartbeat_at",)

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
    #: Folder name of the run's dataset (``run-<id>-<token>``), chosen when the run starts.
    dataset: Mapped[str | None] = mapped_column(sa.String(80))
    #: {file name: size in bytes} of the dataset, recorded with the ``done`` status.
    dataset_files: Mapped[dict | None] = mapped_column(sa.JSON)
    owner_host: Mapped[str | None] = mapped_column(sa.String(255))
    owner_pid: Mapped[int | None]
    #: The owner process's start time (clock ticks since boot, Linux): a reused pid is not taken for it.
    owner_started: Mapped[int | None] = mapped_column(sa.BigInteger)
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class FootprintAggregate(Base):
    """One figure of a run for a dimension (total, category, site, department, application), a key of it
    (None: no key, e.g. items without a site), a criterion and a stage (None: all stages together)."""

    __tablename__ = "footprint_aggregate"
    __audit__ = False  # derived from the run's results (its storage is audited once, as a bulk write)
    __table_args__ = (sa.Index("ix_footprint_aggregate_run", "run_id", "dimension", "criterion"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("footprint_run.id", ondelete="CASCADE"))
    dimension: Mapped[str] = mapped_column(sa.String(16))
    key: Mapped[str | None] = mapped_column(sa.String(255))
    criterion: Mapped[str] = mapped_column(sa.String(80))
    stage: Mapped[str | None] = mapped_column(sa.String(16))
    value: Mapped[float | None]
    low: Mapped[float | None]
    high: Mapped[float | None]
    unknown: Mapped[int]
    known: Mapped[int]
    quantity: Mapped[float | None]
    items: Mapped[int]


class FootprintRunFile(Base):
    """A chunk of one file of a run's dataset, on PostgreSQL (where no shared folder can be assumed)."""

    __tablename__ = "footprint_run_file"
    __audit__ = False  # derived from the run's results

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("footprint_run.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
