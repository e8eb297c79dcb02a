"""Eco-design tables: EcoIndex measures, reviews of digital services, and their eco-design objectives."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow


def _org() -> sa.ForeignKey:
    return sa.ForeignKey("organisation.id", ondelete="CASCADE")


class EcoIndexMeasure(Base):
    """One measured page (or journey step).  Figures are null when the measure failed (``error``)."""

    __tablename__ = "ecoindex_measure"
    __table_args__ = (sa.Index("ix_ecoindex_measure_org_id_url", "org_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("digital_service.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str] = mapped_column(sa.String(1000))
    journey: Mapped[str | None] = mapped_column(sa.String(255))
    step: Mapped[str | None] = mapped_column(sa.String(255))
    measured_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    dom: Mapped[int | None]
    requests: Mapped[int | None]
    bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    score: Mapped[int | None]
    grade: Mapped[str | None] = mapped_column(sa.String(1))
    ghg_g: Mapped[float | None]
    water_cl: Mapped[float | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    browser: Mapped[str | None] = mapped_column(sa.String(60))
    width: Mapped[int | None]
    height: Mapped[int | None]
    method: Mapped[str] = mapped_column(sa.String(80))


class ServiceReview(Base):
    """A review of a digital service: the opportunity review before build, or a periodic review."""

    __tablename__ = "ecodesign_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("digital_service.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(12))  # opportunity, periodic
    reviewed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    reviewer: Mapped[str | None] = mapped_column(sa.String(255))
    #: What was reviewed: the expectation (opportunity) or the objectives and measures (periodic).
    inputs: Mapped[dict] = mapped_column(sa.JSON)
    #: Figures: the expected footprint (opportunity) or each objective's result (periodic).
    results: Mapped[dict] = mapped_column(sa.JSON)
    recommendation: Mapped[str] = mapped_column(
        sa.String(12)
    )  # go, rework, no-go | met, partly, not-met, unknown
    reasons: Mapped[list] = mapped_column(sa.JSON)


class ServiceObjective(Base):
    """An eco-design objective of a service: an EcoIndex grade, a page weight, a request budget…"""

    __tablename__ = "ecodesign_objective"
    __table_args__ = (sa.UniqueConstraint("service_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("digital_service.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    target: Mapped[str] = mapped_column(sa.String(20))  # a grade letter or a number
    due: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(sa.Text)
