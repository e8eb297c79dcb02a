"""Supervision tables: hosts, their metric points, energy, rules, alerts, silences, security events.

Every row belongs to an organisation: directly (``org_id``) or through its host.  Times of metric points
are Unix seconds (float) for cheap bulk writes and range scans; other times are timezone-aware.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow

_NAME = sa.String(255)
_TS = sa.DateTime(timezone=True)


def _org() -> sa.ForeignKey:
    return sa.ForeignKey("organisation.id", ondelete="CASCADE")


def _host() -> sa.ForeignKey:
    return sa.ForeignKey("sup_host.id", ondelete="CASCADE")


class Host(Base):
    """A supervised machine, linked to an inventory item (physical equipment or VM) when known."""

    __tablename__ = "sup_host"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    equipment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("equipment.id", ondelete="SET NULL"), index=True
    )
    vm_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("virtual_machine.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(sa.String(12), default="agent")  # agent, prometheus, import
    instance: Mapped[str | None] = mapped_column(_NAME)  # Prometheus ``instance`` label
    host_class: Mapped[str] = mapped_column(sa.String(20), default="server")
    threads: Mapped[int | None]
    ram_gb: Mapped[float | None]
    hdd_gb: Mapped[float | None]
    ssd_gb: Mapped[float | None]
    p_idle_w: Mapped[float | None]
    p_max_w: Mapped[float | None]
    os_name: Mapped[str | None] = mapped_column(_NAME)
    os_version: Mapped[str | None] = mapped_column(sa.String(80))
    interval_s: Mapped[float] = mapped_column(default=15.0)
    last_seen: Mapped[float | None]  # Unix seconds
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)


class AgentToken(Base):
    """A secret an agent presents; only its SHA-256 is stored."""

    __tablename__ = "sup_agent_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    name: Mapped[str] = mapped_column(_NAME)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(_TS, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(_TS)
    revoked: Mapped[bool] = mapped_column(default=False)


class Point(Base):
    """One raw metric point, kept for the retention period, then only in rollups."""

    __tablename__ = "sup_point"
    __table_args__ = (
        sa.Index("ix_sup_point_series", "host_id", "metric", "ts"),
        sa.Index("ix_sup_point_ts", "ts"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    host_id: Mapped[int] = mapped_column(_host())
    metric: Mapped[str] = mapped_column(sa.String(64))
    labels: Mapped[str] = mapped_column(sa.String(255), default="")  # "k=v,k=v", sorted
    ts: Mapped[float]
    value: Mapped[float]


class Latest(Base):
    """The newest value of each series: what rules are evaluated on."""

    __tablename__ = "sup_latest"

    host_id: Mapped[int] = mapped_column(_host(), primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    labels: Mapped[str] = mapped_column(sa.String(255), primary_key=True, default="")
    ts: Mapped[float]
    value: Mapped[float]


class Rollup(Base):
    """Downsampled points: count, sum, min, max and last of a series over a bucket of ``step`` seconds."""

    __tablename__ = "sup_rollup"

    host_id: Mapped[int] = mapped_column(_host(), primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    labels: Mapped[str] = mapped_column(sa.String(255), primary_key=True, default="")
    step: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[float] = mapped_column(primary_key=True)
    n: Mapped[int]
    total: Mapped[float]
    vmin: Mapped[float]
    vmax: Mapped[float]
    last: Mapped[float]


class EnergyDay(Base):
    """A host's IT energy for one day (UTC), measured or modelled, with its range and source."""

    __tablename__ = "sup_energy_day"

    host_id: Mapped[int] = mapped_column(_host(), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    kwh: Mapped[float]
    low: Mapped[float]
    high: Mapped[float]
    status: Mapped[str] = mapped_column(sa.String(10))
    method: Mapped[str] = mapped_column(sa.String(10))  # pdu, bmc, rapl, model
    source: Mapped[str] = mapped_column(sa.Text)
    warnings: Mapped[list | None] = mapped_column(sa.JSON)
    coverage: Mapped[float]  # share of the day the samples cover
    pue: Mapped[float | None]
    facility_kwh: Mapped[float | None]


class AlertRule(Base):
    __tablename__ = "sup_rule"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(sa.String(120))
    metric: Mapped[str] = mapped_column(sa.String(64))
    op: Mapped[str] = mapped_column(sa.String(2))
    threshold: Mapped[float]
    clear: Mapped[float | None]
    for_s: Mapped[int] = mapped_column(default=0)
    keep_firing_for_s: Mapped[int] = mapped_column(default=0)
    severity: Mapped[str] = mapped_column(sa.String(12), default="warning")
    labels: Mapped[dict | None] = mapped_column(sa.JSON)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    enabled: Mapped[bool] = mapped_column(default=True)


class Alert(Base):
    """An alert from a rule, Alertmanager, SMART, an anomaly or a forecast, through its life."""

    __tablename__ = "sup_alert"
    __table_args__ = (sa.Index("ix_sup_alert_open", "org_id", "state", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    alertname: Mapped[str] = mapped_column(sa.String(120))
    source: Mapped[str] = mapped_column(sa.String(16))  # rule, alertmanager, smart, anomaly, capacity
    host_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sup_host.id", ondelete="SET NULL"), index=True)
    labels: Mapped[dict] = mapped_column(sa.JSON)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    severity: Mapped[str] = mapped_column(sa.String(16))  # as the detector said it
    level: Mapped[str] = mapped_column(sa.String(10))  # detector level on Sobre's scale
    criticality: Mapped[str | None] = mapped_column(sa.String(10))  # the asset's, as used for the grade
    grade: Mapped[str] = mapped_column(sa.String(10))
    state: Mapped[str] = mapped_column(sa.String(10))  # pending, firing, resolved
    started_at: Mapped[datetime] = mapped_column(_TS)
    fired_at: Mapped[datetime | None] = mapped_column(_TS)
    clear_since: Mapped[datetime | None] = mapped_column(_TS)
    ended_at: Mapped[datetime | None] = mapped_column(_TS)
    acknowledged_at: Mapped[datetime | None] = mapped_column(_TS)
    acknowledged_by: Mapped[str | None] = mapped_column(_NAME)
    resolved_by: Mapped[str | None] = mapped_column(_NAME)
    last_value: Mapped[float | None]
    muted_by: Mapped[str | None] = mapped_column(sa.String(40))
    incident_ref: Mapped[str | None] = mapped_column(sa.String(120))


class AlertEvent(Base):
    """The alert's timeline: opened, fired, graded, muted, notified, acknowledged, resolved…"""

    __tablename__ = "sup_alert_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("sup_alert.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(_TS)
    kind: Mapped[str] = mapped_column(sa.String(16))
    detail: Mapped[dict | None] = mapped_column(sa.JSON)


class EscalationSent(Base):
    """One escalation step sent for one alert (step -1: the resolution message)."""

    __tablename__ = "sup_escalation_sent"

    alert_id: Mapped[int] = mapped_column(sa.ForeignKey("sup_alert.id", ondelete="CASCADE"), primary_key=True)
    step: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(_TS)
    channel: Mapped[str] = mapped_column(sa.String(10))
    target: Mapped[str] = mapped_column(sa.String(500))
    error: Mapped[str | None] = mapped_column(sa.Text)


class EscalationStep(Base):
    __tablename__ = "sup_escalation_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    position: Mapped[int]
    after_minutes: Mapped[float]
    channel: Mapped[str] = mapped_column(sa.String(10))  # email, webhook
    target: Mapped[str] = mapped_column(sa.String(500))
    min_grade: Mapped[str] = mapped_column(sa.String(10), default="minor")


class Silence(Base):
    """A silence or maintenance window (optionally weekly) over alerts matching its matchers."""

    __tablename__ = "sup_silence"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="silence")  # silence, maintenance
    matchers: Mapped[str] = mapped_column(sa.Text)
    starts_at: Mapped[datetime] = mapped_column(_TS)
    ends_at: Mapped[datetime] = mapped_column(_TS)
    weekdays: Mapped[str | None] = mapped_column(sa.String(20))  # "5,6" (0 = Monday)
    timezone: Mapped[str] = mapped_column(sa.String(60), default="UTC")
    until: Mapped[datetime | None] = mapped_column(_TS)
    created_by: Mapped[str | None] = mapped_column(_NAME)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    expired_at: Mapped[datetime | None] = mapped_column(_TS)


class SecurityEvent(Base):
    """A graded security event with the measure to take and what was done."""

    __tablename__ = "sup_security_event"
    __table_args__ = (sa.UniqueConstraint("org_id", "source", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    source: Mapped[str] = mapped_column(sa.String(12))  # wazuh, syslog, advisory
    external_id: Mapped[str] = mapped_column(sa.String(255))
    at: Mapped[datetime] = mapped_column(_TS)
    host_name: Mapped[str] = mapped_column(_NAME)
    host_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sup_host.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(16))
    level: Mapped[str] = mapped_column(sa.String(10))
    score: Mapped[float | None]
    criticality: Mapped[str | None] = mapped_column(sa.String(10))
    grade: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")  # open, done, dismissed
    action_taken: Mapped[str | None] = mapped_column(sa.Text)
    done_at: Mapped[datetime | None] = mapped_column(_TS)
    done_by: Mapped[str | None] = mapped_column(_NAME)
    details: Mapped[dict | None] = mapped_column(sa.JSON)


class SmartReadingRow(Base):
    """One ``smartctl --json`` reading of one disk, with the risk assessed from it."""

    __tablename__ = "sup_smart_reading"
    __table_args__ = (sa.Index("ix_sup_smart_disk", "host_id", "serial", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(_host())
    device: Mapped[str] = mapped_column(sa.String(120))
    serial: Mapped[str] = mapped_column(sa.String(120))
    model: Mapped[str] = mapped_column(_NAME)
    at: Mapped[datetime] = mapped_column(_TS)
    reading: Mapped[dict] = mapped_column(sa.JSON)
    grade: Mapped[str] = mapped_column(sa.String(10))
    reasons: Mapped[list] = mapped_column(sa.JSON)
