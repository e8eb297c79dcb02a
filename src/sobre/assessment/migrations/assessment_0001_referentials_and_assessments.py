"""assessments: referentials, maturity, RGESN and RGAA assessments

Revision ID: assessment_0001
Revises: 0003
Create Date: 2026-12-01 11:00:00

Assessments of a digital service point to ``digital_service`` (created by ``inventory_0001``), hence the
dependency on that revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "assessment_0001"
down_revision = "0003"
branch_labels = ("assessment",)
depends_on = ("inventory_0001",)


def upgrade() -> None:
    op.create_table(
        "referential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referential")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_referential_code_version")),
    )
    op.create_table(
        "referential_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_code", sa.String(length=60), nullable=False),
        sa.Column("from_version", sa.String(length=40), nullable=False),
        sa.Column("from_item", sa.String(length=40), nullable=False),
        sa.Column("to_code", sa.String(length=60), nullable=False),
        sa.Column("to_version", sa.String(length=40), nullable=False),
        sa.Column("to_item", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referential_mapping")),
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
    op.create_table(
        "referential_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referential_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referential_id"],
            ["referential.id"],
            name=op.f("fk_referential_item_referential_id_referential"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referential_item")),
        sa.UniqueConstraint(
            "referential_id", "item_id", name=op.f("uq_referential_item_referential_id_item_id")
        ),
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("referential_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("validated_by", sa.String(length=200), nullable=True),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("previous_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("frozen_scores", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_assessment_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_previous_id_assessment"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referential_id"],
            ["referential.id"],
            name=op.f("fk_assessment_referential_id_referential"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["digital_service.id"],
            name=op.f("fk_assessment_service_id_digital_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    op.create_index(op.f("ix_assessment_org_id"), "assessment", ["org_id"], unique=False)
    op.create_index(op.f("ix_assessment_service_id"), "assessment", ["service_id"], unique=False)
    op.create_table(
        "assessment_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("target_level", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_answer_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_answer")),
        sa.UniqueConstraint(
            "assessment_id", "item_id", "page", name=op.f("uq_assessment_answer_assessment_id_item_id_page")
        ),
    )
    op.create_table(
        "assessment_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("item_id", sa.String(length=40), nullable=True),
        sa.Column("page", sa.String(length=20), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_event_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_event")),
    )
    op.create_index(
        op.f("ix_assessment_event_assessment_id"), "assessment_event", ["assessment_id"], unique=False
    )
    op.create_table(
        "assessment_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("process", sa.String(length=120), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_page_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_page")),
        sa.UniqueConstraint("assessment_id", "code", name=op.f("uq_assessment_page_assessment_id_code")),
    )
    op.create_table(
        "rgaa_derogation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("justification", sa.Text(), nullable=True),
        sa.Column("alternative", sa.Text(), nullable=True),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("pages", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_rgaa_derogation_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rgaa_derogation")),
    )
    op.create_index(
        op.f("ix_rgaa_derogation_assessment_id"), "rgaa_derogation", ["assessment_id"], unique=False
    )
    op.create_table(
        "assessment_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["assessment_answer.id"],
            name=op.f("fk_assessment_evidence_answer_id_assessment_answer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_evidence")),
    )
    op.create_index(
        op.f("ix_assessment_evidence_answer_id"), "assessment_evidence", ["answer_id"], unique=False
    )


def downgrade() -> None:
    for table in (
        "assessment_evidence",
        "rgaa_derogation",
        "assessment_page",
        "assessment_event",
        "assessment_answer",
        "assessment",
        "referential_item",
        "referential_mapping",
        "referential",
    ):
        op.drop_table(table)
