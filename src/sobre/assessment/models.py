"""Assessment tables: installed referentials (shared by all organisations) and assessments of organisations.

A referential is reference data, like a factor set: installed once, read by every organisation.  An assessment
belongs to an organisation and, for RGESN and RGAA, to one of its digital services.  Answers point to an item
by its id inside the referential version the assessment uses (``1.1``, ``a.3``), never by a row id, so an
export names criteria as the referential does and a mapping can carry answers to another version.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow


def _referential_fk() -> sa.ForeignKey:
    return sa.ForeignKey("referential.id", ondelete="CASCADE")


def _assessment_fk() -> sa.ForeignKey:
    return sa.ForeignKey("assessment.id", ondelete="CASCADE")


class Referential(Base):
    __tablename__ = "referential"
    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60))
    version: Mapped[str] = mapped_column(sa.String(40))
    #: ``maturity``, ``rgesn`` or ``rgaa``: which scoring method and answer scale apply.
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The whole package (titles, publisher, licence, attribution, scale) as plain JSON.
    meta: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    builtin: Mapped[bool] = mapped_column(default=False)
    source_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    installed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class ReferentialItem(Base):
    __tablename__ = "referential_item"
    __table_args__ = (sa.UniqueConstraint("referential_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referential_id: Mapped[int] = mapped_column(_referential_fk())
    item_id: Mapped[str] = mapped_column(sa.String(40))
    theme: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int]
    #: Every other field of the item (question, priority, difficulty, roles, texts, KPIs…) as JSON.
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


class ReferentialMapping(Base):
    """Item ``from_item`` of (from_code, from_version) corresponds to ``to_item`` of (to_code, to_version)."""

    __tablename__ = "referential_mapping"
    __table_args__ = (
        sa.UniqueConstraint(
            "from_code",
            "from_version",
            "from_item",
            "to_code",
            "to_version",
            "to_item",
            name="uq_referential_mapping_pair",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_code: Mapped[str] = mapped_column(sa.String(60))
    from_version: Mapped[str] = mapped_column(sa.String(40))
    from_item: Mapped[str] = mapped_column(sa.String(40))
    to_code: Mapped[str] = mapped_column(sa.String(60))
    to_version: Mapped[str] = mapped_column(sa.String(40))
    to_item: Mapped[str] = mapped_column(sa.String(40))
    #: ``declared`` (shipped with a package), ``text`` (matched on wording, with ``score``) or ``manual``.
    method: Mapped[str] = mapped_column(sa.String(10))
    score: Mapped[float | None] = mapped_column(sa.Double)


class Assessment(Base):
    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    referential_id: Mapped[int] = mapped_column(sa.ForeignKey("referential.id", ondelete="RESTRICT"))
    #: The digital service assessed (RGESN, RGAA); none for an organisation's maturity.
    service_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("digital_service.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(255))
    #: ``draft`` → ``submitted`` → ``validated``; a manager may send a submitted one back to ``draft``.
    status: Mapped[str] = mapped_column(sa.String(12), default="draft")
    assessed_on: Mapped[date]
    started_by: Mapped[str] = mapped_column(sa.String(200))
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(sa.String(200))
    submitted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    validated_by: Mapped[str | None] = mapped_column(sa.String(200))
    validated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The assessment this one started from (answers carried over), if any.
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessment.id", ondelete="SET NULL"))
    #: Declaration and scope details (sample, evaluator, referent, target score and date, plan, contact…).
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: Scores frozen at validation, so that history does not move if scoring code is corrected later.
    frozen_scores: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class AssessmentPage(Base):
    """A page (or screen) of an RGAA audit sample; pages of one ``process`` are judged together."""

    __tablename__ = "assessment_page"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(_assessment_fk())
    code: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(255))
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    process: Mapped[str | None] = mapped_column(sa.String(120))
    position: Mapped[int]


class AssessmentAnswer(Base):
    __tablename__ = "assessment_answer"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "item_id", "page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(_assessment_fk())
    item_id: Mapped[str] = mapped_column(sa.String(40))
    #: RGAA page code; empty for answers that are not per page (kept non-null so the unique key holds).
    page: Mapped[str] = mapped_column(sa.String(20), default="")
    #: Scale code: maturity ``na`` or empty; RGESN and RGAA status codes.
    status: Mapped[str | None] = mapped_column(sa.String(20))
    level: Mapped[int | None]
    target_level: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    answered_by: Mapped[str] = mapped_column(sa.String(200))
    answered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class AssessmentEvidence(Base):
    __tablename__ = "assessment_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessment_answer.id", ondelete="CASCADE"), index=True
    )
    #: ``text``, ``link`` or ``file``.
    kind: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    content: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    added_by: Mapped[str] = mapped_column(sa.String(200))
    added_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class RgaaDerogation(Base):
    """Content under a derogation for disproportionate burden, or exempt content, of an RGAA audit."""

    __tablename__ = "rgaa_derogation"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(_assessment_fk(), index=True)
    #: ``burden`` (dérogation pour charge disproportionnée) or ``exempt`` (contenu non soumis).
    kind: Mapped[str] = mapped_column(sa.String(8))
    content: Mapped[str] = mapped_column(sa.Text)
    justification: Mapped[str | None] = mapped_column(sa.Text)
    #: The accessible alternative offered; a burden derogation without one leaves its criteria applicable.
    alternative: Mapped[str | None] = mapped_column(sa.Text)
    criteria: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    pages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)


class AssessmentEvent(Base):
    """The trail of an assessment: who answered, changed, submitted, validated or imported what, and when."""

    __tablename__ = "assessment_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(_assessment_fk(), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    by: Mapped[str] = mapped_column(sa.String(200))
    #: The role the person acted in (``referent``, ``manager``…), as the caller states it.
    role: Mapped[str | None] = mapped_column(sa.String(40))
    action: Mapped[str] = mapped_column(sa.String(20))
    item_id: Mapped[str | None] = mapped_column(sa.String(40))
    page: Mapped[str | None] = mapped_column(sa.String(20))
    before: Mapped[str | None] = mapped_column(sa.Text)
    after: Mapped[str | None] = mapped_column(sa.Text)
