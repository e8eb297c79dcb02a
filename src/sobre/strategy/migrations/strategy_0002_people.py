"""strategy: communication plan, training plan and attendance, referents and their feedback log

Revision ID: strategy_0002
Revises: strategy_0001
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "strategy_0002"
down_revision = "strategy_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strategy_referent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("site", sa.String(length=255), nullable=False),
        sa.Column("department", sa.String(length=255), nullable=False),
        sa.Column("mission", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_referent_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_referent")),
        sa.UniqueConstraint("org_id", "email", name=op.f("uq_strategy_referent_org_id_email")),
    )
    op.create_index(op.f("ix_strategy_referent_org_id"), "strategy_referent", ["org_id"], unique=False)
    op.create_table(
        "strategy_training_module",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("hours", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_training_module_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_training_module")),
        sa.UniqueConstraint("org_id", "title", name=op.f("uq_strategy_training_module_org_id_title")),
    )
    op.create_index(
        op.f("ix_strategy_training_module_org_id"), "strategy_training_module", ["org_id"], unique=False
    )
    op.create_table(
        "strategy_training_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("trainer", sa.String(length=255), nullable=False),
        sa.Column("place", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["strategy_training_module.id"],
            name=op.f("fk_strategy_training_session_module_id_strategy_training_module"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_training_session_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_training_session")),
    )
    op.create_index(
        op.f("ix_strategy_training_session_org_id"), "strategy_training_session", ["org_id"], unique=False
    )
    op.create_table(
        "strategy_attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=255), nullable=False),
        sa.Column("department", sa.String(length=255), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_attendance_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["strategy_training_session.id"],
            name=op.f("fk_strategy_attendance_session_id_strategy_training_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_attendance")),
        sa.UniqueConstraint("session_id", "person", name=op.f("uq_strategy_attendance_session_id_person")),
    )
    op.create_index(op.f("ix_strategy_attendance_org_id"), "strategy_attendance", ["org_id"], unique=False)
    op.create_table(
        "strategy_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("referent_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["strategy_action.id"],
            name=op.f("fk_strategy_feedback_action_id_strategy_action"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_feedback_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referent_id"],
            ["strategy_referent.id"],
            name=op.f("fk_strategy_feedback_referent_id_strategy_referent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_feedback")),
    )
    op.create_index(op.f("ix_strategy_feedback_org_id"), "strategy_feedback", ["org_id"], unique=False)
    op.create_table(
        "strategy_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["strategy_action.id"],
            name=op.f("fk_strategy_message_action_id_strategy_action"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_message_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_message")),
    )
    op.create_index(op.f("ix_strategy_message_org_id"), "strategy_message", ["org_id"], unique=False)


def downgrade() -> None:

    op.drop_index(op.f("ix_strategy_message_org_id"), table_name="strategy_message")
    op.drop_table("strategy_message")
    op.drop_index(op.f("ix_strategy_feedback_org_id"), table_name="strategy_feedback")
    op.drop_table("strategy_feedback")
    op.drop_index(op.f("ix_strategy_attendance_org_id"), table_name="strategy_attendance")
    op.drop_table("strategy_attendance")
    op.drop_index(op.f("ix_strategy_training_session_org_id"), table_name="strategy_training_session")
    op.drop_table("strategy_training_session")
    op.drop_index(op.f("ix_strategy_training_module_org_id"), table_name="strategy_training_module")
    op.drop_table("strategy_training_module")
    op.drop_index(op.f("ix_strategy_referent_org_id"), table_name="strategy_referent")
    op.drop_table("strategy_referent")
