"""Factor-set tables: versioned sets with their rows, and each organisation's overrides.

One ``factor_set`` row per (set_id, version); every row table points to it and is deleted with it.  Values are
stored as double precision so that imported figures keep their exact float value.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow


def _set_fk() -> sa.ForeignKey:
    return sa.ForeignKey("factor_set.id", ondelete="CASCADE")


def _org_fk() -> sa.ForeignKey:
    return sa.ForeignKey("organisation.id", ondelete="CASCADE")


class FactorSetRow(Base):
    __tablename__ = "factor_set"
    __table_args__ = (sa.UniqueConstraint("set_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[str] = mapped_column(sa.String(80))
    version: Mapped[str] = mapped_column(sa.String(40))
    publisher: Mapped[str] = mapped_column(sa.String(200))
    year: Mapped[int]
    licence: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    builtin: Mapped[bool] = mapped_column(default=False)
    source_format: Mapped[str] = mapped_column(sa.String(20), default="csv")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class FactorCriterion(Base):
    __tablename__ = "factor_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(_set_fk(), index=True)
    code: Mapped[str] = mapped_column(sa.String(120))
    label_en: Mapped[str | None] = mapped_column(sa.String(255))
    label_fr: Mapped[str | None] = mapped_column(sa.String(255))
    unit: Mapped[str | None] = mapped_column(sa.String(40))


class FactorImpact(Base):
    __tablename__ = "factor_impact"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(_set_fk(), index=True)
    ref: Mapped[str] = mapped_column(sa.String(255))
    stage: Mapped[str] = mapped_column(sa.String(20))
    criterion: Mapped[str] = mapped_column(sa.String(120))
    value: Mapped[float] = mapped_column(sa.Double)
    low: Mapped[float | None] = mapped_column(sa.Double)
    high: Mapped[float | None] = mapped_column(sa.Double)
    source: Mapped[str | None] = mapped_column(sa.Text)
    licence: Mapped[str | None] = mapped_column(sa.Text)
    row_id: Mapped[str | None] = mapped_column(sa.String(255))


class FactorElectricity(Base):
    __tablename__ = "factor_electricity"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(_set_fk(), index=True)
    country: Mapped[str] = mapped_column(sa.String(8))
    criterion: Mapped[str] = mapped_column(sa.String(120))
    value: Mapped[float] = mapped_column(sa.Double)
    low: Mapped[float | None] = mapped_column(sa.Double)
    high: Mapped[float | None] = mapped_column(sa.Double)
    year: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(sa.Text)
    licence: Mapped[str | None] = mapped_column(sa.Text)
    row_id: Mapped[str | None] = mapped_column(sa.String(255))


class FactorDefault(Base):
    __tablename__ = "factor_default"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(_set_fk(), index=True)
    ref: Mapped[str] = mapped_column(sa.String(255))
    lifetime_years: Mapped[float | None] = mapped_column(sa.Double)
    lifetime_low: Mapped[float | None] = mapped_column(sa.Double)
    lifetime_high: Mapped[float | None] = mapped_column(sa.Double)
    annual_kwh: Mapped[float | None] = mapped_column(sa.Double)
    power_w: Mapped[float | None] = mapped_column(sa.Double)
    hours_per_day: Mapped[float | None] = mapped_column(sa.Double)
    days_per_year: Mapped[float | None] = mapped_column(sa.Double)
    cpu_threads: Mapped[int | None]
    source: Mapped[str | None] = mapped_column(sa.Text)


class FactorModelMatching(Base):
    __tablename__ = "factor_model_matching"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(_set_fk(), index=True)
    model: Mapped[str] = mapped_column(sa.String(255))
    ref: Mapped[str] = mapped_column(sa.String(255))


class FactorItemType(Base):
    __tablename__ = "factor_item_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(_set_fk(), index=True)
    type: Mapped[str] = mapped_column(sa.String(255))
    default_ref: Mapped[str | None] = mapped_column(sa.String(255))
    lifetime_years: Mapped[float | None] = mapped_column(sa.Double)
    is_server: Mapped[bool | None]


class FactorParameter(Base):
    """Scalars of a set: kind ``hypothesis`` (default_pue, cope_rate…) or ``cloud_pue`` (key: provider)."""

    __tablename__ = "factor_parameter"

    id: Mapped[int] = mapped_column(primary_key=True)
    factor_set_id: Mapped[int] = mapped_column(_set_fk(), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    key: Mapped[str] = mapped_column(sa.String(120))
    value: Mapped[float] = mapped_column(sa.Double)
    source: Mapped[str | None] = mapped_column(sa.Text)
    licence: Mapped[str | None] = mapped_column(sa.Text)


class FactorOverride(Base):
    """An organisation's own impact factor for a category code or model ref; replaces the set's row."""

    __tablename__ = "factor_override"
    __table_args__ = (sa.UniqueConstraint("org_id", "ref", "stage", "criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org_fk(), index=True)
    ref: Mapped[str] = mapped_column(sa.String(255))
    stage: Mapped[str] = mapped_column(sa.String(20))
    criterion: Mapped[str] = mapped_column(sa.String(120))
    value: Mapped[float] = mapped_column(sa.Double)
    low: Mapped[float | None] = mapped_column(sa.Double)
    high: Mapped[float | None] = mapped_column(sa.Double)
    source: Mapped[str | None] = mapped_column(sa.Text)
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class DefaultOverride(Base):
    """An organisation's own lifetime or usage profile for a category code or model ref."""

    __tablename__ = "default_override"
    __table_args__ = (sa.UniqueConstraint("org_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org_fk(), index=True)
    ref: Mapped[str] = mapped_column(sa.String(255))
    lifetime_years: Mapped[float | None] = mapped_column(sa.Double)
    power_w: Mapped[float | None] = mapped_column(sa.Double)
    annual_kwh: Mapped[float | None] = mapped_column(sa.Double)
    hours_per_day: Mapped[float | None] = mapped_column(sa.Double)
    days_per_year: Mapped[float | None] = mapped_column(sa.Double)
    source: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
