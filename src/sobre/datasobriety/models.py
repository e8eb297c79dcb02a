"""Data sobriety tables: scans, their findings, and the organisation's retention policies."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow


class DataScan(Base):
    """One ROT scan of a tree or a listing; its findings rows follow (unless too many were found)."""

    __tablename__ = "data_scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    root: Mapped[str] = mapped_column(sa.String(1000))  # a label: the folder or listing scanned
    source: Mapped[str] = mapped_column(sa.String(10))  # tree, listing, spark
    as_of: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    obsolete_after: Mapped[str] = mapped_column(sa.String(10))
    files: Mapped[int] = mapped_column(sa.BigInteger)
    bytes: Mapped[int] = mapped_column(sa.BigInteger)
    #: Storage parameters (media, replicas, backups, country, PUE) the savings are computed with.
    storage: Mapped[dict] = mapped_column(sa.JSON)
    #: Totals per category, skipped entries, unreadable and unverified entries (first ones), options.
    summary: Mapped[dict] = mapped_column(sa.JSON)
    rows_stored: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class DataFinding(Base):
    """One file of one finding category.  Duplicates share a ``group_no`` within their scan."""

    __tablename__ = "data_finding"
    __table_args__ = (sa.Index("ix_data_finding_scan_id_kind", "scan_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(sa.ForeignKey("data_scan.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(12))  # duplicate, obsolete, trivial, empty, orphan, retention
    path: Mapped[str] = mapped_column(sa.Text)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    mtime: Mapped[float] = mapped_column(sa.Float(precision=53))
    owner: Mapped[str | None] = mapped_column(sa.String(255))
    group_no: Mapped[int | None]
    digest: Mapped[str | None] = mapped_column(sa.String(140))
    reason: Mapped[str | None] = mapped_column(sa.String(255))  # pattern, owner, category
    links: Mapped[str | None] = mapped_column(sa.Text)  # other names of the same file, one per line


class DataPolicy(Base):
    """A retention policy of the organisation for one data category."""

    __tablename__ = "data_policy"
    __table_args__ = (sa.UniqueConstraint("org_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(sa.String(80))
    description: Mapped[str | None] = mapped_column(sa.Text)
    retention: Mapped[str] = mapped_column(sa.String(10))
    action: Mapped[str] = mapped_column(sa.String(10))
    patterns: Mapped[str] = mapped_column(sa.Text)  # ';'-separated globs
    legal_basis: Mapped[str | None] = mapped_column(sa.Text)
    source: Mapped[str | None] = mapped_column(sa.Text)
