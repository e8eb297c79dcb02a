"""Strategy tables: vision and commitments, objectives, scenarios and their changes, actions, indicators
and their measurements, steering reviews.  Every row belongs to an organisation."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow

_NAME = sa.String(255)
_TEXT = sa.String(4000)


def _org() -> Mapped[int]:
    return mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)


def _created() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Vision(Base):
    """The organisation's vision, scope and governance: the opening of its strategy document."""

    __tablename__ = "strategy_vision"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), unique=True)
    vision: Mapped[str] = mapped_column(_TEXT, default="")
    scope: Mapped[str] = mapped_column(_TEXT, default="")
    governance: Mapped[str] = mapped_column(_TEXT, default="")
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Commitment(Base):
    """A commitment of the organisation (the charter is made of them)."""

    __tablename__ = "strategy_commitment"
    __table_args__ = (sa.UniqueConstraint("org_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    title: Mapped[str] = mapped_column(_NAME)
    detail: Mapped[str] = mapped_column(_TEXT, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = _created()


class Objective(Base):
    """A reduction objective on one criterion: −``reduction`` of the baseline year's figure by the target
    year, for the whole organisation or per agent."""

    __tablename__ = "strategy_objective"
    __table_args__ = (sa.UniqueConstraint("org_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    title: Mapped[str] = mapped_column(_NAME)
    criterion: Mapped[str] = mapped_column(sa.String(80))
    per: Mapped[str] = mapped_column(sa.String(20), default="total")  # total or agent
    baseline_year: Mapped[int]
    baseline_value: Mapped[float | None]
    target_year: Mapped[int]
    reduction: Mapped[float]  # 0.3 = −30 %
    created_at: Mapped[datetime] = _created()


class Scenario(Base):
    """A named list of changes; its last computed effect is kept with the run it started from.

    ``run_*`` follow a computation launched from a page (:mod:`sobre.strategy.background`): ``running``
    with its step and the owner process's heartbeat, or ``failed`` with the error; none once it is done."""

    __tablename__ = "strategy_scenario"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)
    #: The heartbeat and the step alone are no change worth an audit entry.
    __audit_ignore__ = ("run_heartbeat_at", "run_step")

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    name: Mapped[str] = mapped_column(_NAME)
    description: Mapped[str] = mapped_column(_TEXT, default="")
    effect: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    baseline_run_id: Mapped[int | None]
    computed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    run_status: Mapped[str | None] = mapped_column(sa.String(12))  # running, failed
    run_step: Mapped[str | None] = mapped_column(sa.String(20))
    run_error: Mapped[str | None] = mapped_column(sa.Text)
    run_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    run_heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    run_owner_host: Mapped[str | None] = mapped_column(sa.String(255))
    run_owner_pid: Mapped[int | None]
    run_owner_started: Mapped[int | None] = mapped_column(sa.BigInteger)


class ScenarioChange(Base):
    __tablename__ = "strategy_scenario_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    scenario_id: Mapped[int] = mapped_column(
        sa.ForeignKey("strategy_scenario.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(40))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class Action(Base):
    """An action of the plan.  ``origin`` says where it comes from (gap, rgesn, hotspot, scenario, rot,
    incident, feedback, free) and ``origin_ref`` which one; ``avoided`` holds the avoided impact per criterion
    (value, low, high, unit) copied from its scenario when it has one."""

    __tablename__ = "strategy_action"
    __table_args__ = (sa.UniqueConstraint("org_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    title: Mapped[str] = mapped_column(_NAME)
    description: Mapped[str] = mapped_column(_TEXT, default="")
    origin: Mapped[str] = mapped_column(sa.String(20), default="free")
    origin_ref: Mapped[str | None] = mapped_column(_NAME)
    scenario_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("strategy_scenario.id", ondelete="SET NULL")
    )
    avoided: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    capex_eur: Mapped[float | None]
    opex_eur: Mapped[float | None]
    savings_eur: Mapped[float | None]
    effort: Mapped[str] = mapped_column(sa.String(10), default="medium")  # low, medium, high
    horizon: Mapped[str] = mapped_column(sa.String(10), default="short")  # short, medium, long
    owner_role: Mapped[str | None] = mapped_column(sa.String(80))
    stakeholders: Mapped[str] = mapped_column(sa.String(1000), default="")
    commitment_level: Mapped[str] = mapped_column(
        sa.String(20), default="planned"
    )  # proposed/planned/committed
    start_date: Mapped[date | None]
    due_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")
    kpis: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = _created()


class Kpi(Base):
    """An indicator: ``source`` is ``manual`` or the code of an automatic source (see
    ``sobre.strategy.sources``)."""

    __tablename__ = "strategy_kpi"
    __table_args__ = (sa.UniqueConstraint("org_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    code: Mapped[str] = mapped_column(sa.String(80))
    name: Mapped[str] = mapped_column(_NAME)
    definition: Mapped[str] = mapped_column(_TEXT, default="")
    unit: Mapped[str] = mapped_column(sa.String(40))
    direction: Mapped[str] = mapped_column(sa.String(10))  # down or up
    source: Mapped[str] = mapped_column(sa.String(80), default="manual")
    baseline_value: Mapped[float | None]
    baseline_date: Mapped[date | None]
    target_value: Mapped[float | None]
    target_date: Mapped[date | None]
    created_at: Mapped[datetime] = _created()


class Measurement(Base):
    """One measurement of an indicator: its figure with range, status and source, who recorded it and when."""

    __tablename__ = "strategy_measurement"
    __table_args__ = (sa.UniqueConstraint("kpi_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("strategy_kpi.id", ondelete="CASCADE"), index=True)
    measured_on: Mapped[date]
    value: Mapped[float]
    low: Mapped[float | None]
    high: Mapped[float | None]
    status: Mapped[str] = mapped_column(sa.String(20))
    source: Mapped[str] = mapped_column(sa.String(1000), default="")
    recorded_by: Mapped[str] = mapped_column(_NAME)
    recorded_at: Mapped[datetime] = _created()
    note: Mapped[str] = mapped_column(sa.String(1000), default="")


class Review(Base):
    """A steering review (plan, do, check, act): the indicators as they stood, the decisions taken."""

    __tablename__ = "strategy_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    held_on: Mapped[date]
    title: Mapped[str] = mapped_column(_NAME)
    notes: Mapped[str] = mapped_column(_TEXT, default="")
    snapshot: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    decisions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_by: Mapped[str] = mapped_column(_NAME)
    created_at: Mapped[datetime] = _created()


class Message(Base):
    """A message of the communication plan: audience and its technical level, channel, date, text."""

    __tablename__ = "strategy_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    title: Mapped[str] = mapped_column(_NAME)
    audience: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[str] = mapped_column(sa.String(20))  # general, manager, technical
    channel: Mapped[str] = mapped_column(sa.String(40))
    planned_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(20), default="planned")  # planned, sent
    body: Mapped[str] = mapped_column(_TEXT)
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("strategy_action.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _created()


class TrainingModule(Base):
    __tablename__ = "strategy_training_module"
    __table_args__ = (sa.UniqueConstraint("org_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    title: Mapped[str] = mapped_column(_NAME)
    audience: Mapped[str] = mapped_column(sa.String(40))
    hours: Mapped[float]


class TrainingSession(Base):
    __tablename__ = "strategy_training_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("strategy_training_module.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    trainer: Mapped[str] = mapped_column(_NAME, default="")
    place: Mapped[str] = mapped_column(_NAME, default="")


class Attendance(Base):
    """One person's attendance at a session (a pseudonymous identifier is enough: e-mail or staff number)."""

    __tablename__ = "strategy_attendance"
    __table_args__ = (sa.UniqueConstraint("session_id", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("strategy_training_session.id", ondelete="CASCADE"))
    person: Mapped[str] = mapped_column(_NAME)
    department: Mapped[str] = mapped_column(_NAME, default="")
    attended: Mapped[bool] = mapped_column(default=True)


class Referent(Base):
    """A responsible-digital referent of a site or department, with their mission."""

    __tablename__ = "strategy_referent"
    __table_args__ = (sa.UniqueConstraint("org_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    name: Mapped[str] = mapped_column(_NAME)
    email: Mapped[str] = mapped_column(_NAME)
    site: Mapped[str] = mapped_column(_NAME, default="")
    department: Mapped[str] = mapped_column(_NAME, default="")
    mission: Mapped[str] = mapped_column(sa.String(1000), default="")


class Feedback(Base):
    """An entry of the referents' feedback log; it may create an action or adjust one (``action_id``)."""

    __tablename__ = "strategy_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = _org()
    referent_id: Mapped[int] = mapped_column(sa.ForeignKey("strategy_referent.id", ondelete="CASCADE"))
    received_on: Mapped[date]
    kind: Mapped[str] = mapped_column(sa.String(20))  # idea, problem, result
    text: Mapped[str] = mapped_column(sa.String(2000))
    status: Mapped[str] = mapped_column(sa.String(20), default="open")  # open, actioned, closed
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("strategy_action.id", ondelete="SET NULL"))
