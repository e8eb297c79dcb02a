"""strategy: vision, commitments, objectives, scenarios, actions, indicators, measurements, reviews

Revision ID: strategy_0001
Revises: inventory_0001
Create Date: 2026-12-01 13:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "strategy_0001"
down_revision = "inventory_0001"
branch_labels = ("strategy",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "strategy_commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("detail", sa.String(length=4000), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_commitment_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_commitment")),
        sa.UniqueConstraint("org_id", "title", name=op.f("uq_strategy_commitment_org_id_title")),
    )
    op.create_index(op.f("ix_strategy_commitment_org_id"), "strategy_commitment", ["org_id"], unique=False)
    op.create_table(
        "strategy_kpi",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("definition", sa.String(length=4000), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("baseline_value", sa.Double(), nullable=True),
        sa.Column("baseline_date", sa.Date(), nullable=True),
        sa.Column("target_value", sa.Double(), nullable=True),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_kpi_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_kpi")),
        sa.UniqueConstraint("org_id", "code", name=op.f("uq_strategy_kpi_org_id_code")),
    )
    op.create_index(op.f("ix_strategy_kpi_org_id"), "strategy_kpi", ["org_id"], unique=False)
    op.create_table(
        "strategy_objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("criterion", sa.String(length=80), nullable=False),
        sa.Column("per", sa.String(length=20), nullable=False),
        sa.Column("baseline_year", sa.Integer(), nullable=False),
        sa.Column("baseline_value", sa.Double(), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("reduction", sa.Double(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_objective_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_objective")),
        sa.UniqueConstraint("org_id", "title", name=op.f("uq_strategy_objective_org_id_title")),
    )
    op.create_index(op.f("ix_strategy_objective_org_id"), "strategy_objective", ["org_id"], unique=False)
    op.create_table(
        "strategy_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("notes", sa.String(length=4000), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_review_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_review")),
    )
    op.create_index(op.f("ix_strategy_review_org_id"), "strategy_review", ["org_id"], unique=False)
    op.create_table(
        "strategy_scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("effect", sa.JSON(), nullable=True),
        sa.Column("baseline_run_id", sa.Integer(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_scenario_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_scenario")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_strategy_scenario_org_id_name")),
    )
    op.create_index(op.f("ix_strategy_scenario_org_id"), "strategy_scenario", ["org_id"], unique=False)
    op.create_table(
        "strategy_vision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("vision", sa.String(length=4000), nullable=False),
        sa.Column("scope", sa.String(length=4000), nullable=False),
        sa.Column("governance", sa.String(length=4000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_vision_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_vision")),
        sa.UniqueConstraint("org_id", name=op.f("uq_strategy_vision_org_id")),
    )
    op.create_table(
        "strategy_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("origin_ref", sa.String(length=255), nullable=True),
        sa.Column("scenario_id", sa.Integer(), nullable=True),
        sa.Column("avoided", sa.JSON(), nullable=True),
        sa.Column("capex_eur", sa.Double(), nullable=True),
        sa.Column("opex_eur", sa.Double(), nullable=True),
        sa.Column("savings_eur", sa.Double(), nullable=True),
        sa.Column("effort", sa.String(length=10), nullable=False),
        sa.Column("horizon", sa.String(length=10), nullable=False),
        sa.Column("owner_role", sa.String(length=80), nullable=True),
        sa.Column("stakeholders", sa.String(length=1000), nullable=False),
        sa.Column("commitment_level", sa.String(length=20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_action_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["strategy_scenario.id"],
            name=op.f("fk_strategy_action_scenario_id_strategy_scenario"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_action")),
        sa.UniqueConstraint("org_id", "title", name=op.f("uq_strategy_action_org_id_title")),
    )
    op.create_index(op.f("ix_strategy_action_org_id"), "strategy_action", ["org_id"], unique=False)
    op.create_table(
        "strategy_measurement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("kpi_id", sa.Integer(), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("low", sa.Double(), nullable=True),
        sa.Column("high", sa.Double(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("recorded_by", sa.String(length=255), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["kpi_id"],
            ["strategy_kpi.id"],
            name=op.f("fk_strategy_measurement_kpi_id_strategy_kpi"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_measurement_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_measurement")),
        sa.UniqueConstraint("kpi_id", "measured_on", name=op.f("uq_strategy_measurement_kpi_id_measured_on")),
    )
    op.create_index(op.f("ix_strategy_measurement_kpi_id"), "strategy_measurement", ["kpi_id"], unique=False)
    op.create_index(op.f("ix_strategy_measurement_org_id"), "strategy_measurement", ["org_id"], unique=False)
    op.create_table(
        "strategy_scenario_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_strategy_scenario_change_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["strategy_scenario.id"],
            name=op.f("fk_strategy_scenario_change_scenario_id_strategy_scenario"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_scenario_change")),
    )
    op.create_index(
        op.f("ix_strategy_scenario_change_org_id"), "strategy_scenario_change", ["org_id"], unique=False
    )
    op.create_index(
        op.f("ix_strategy_scenario_change_scenario_id"),
        "strategy_scenario_change",
        ["scenario_id"],
        unique=False,
    )


def downgrade() -> None:

    op.drop_index(op.f("ix_strategy_scenario_change_scenario_id"), table_name="strategy_scenario_change")
    op.drop_index(op.f("ix_strategy_scenario_change_org_id"), table_name="strategy_scenario_change")
    op.drop_table("strategy_scenario_change")
    op.drop_index(op.f("ix_strategy_measurement_org_id"), table_name="strategy_measurement")
    op.drop_index(op.f("ix_strategy_measurement_kpi_id"), table_name="strategy_measurement")
    op.drop_table("strategy_measurement")
    op.drop_index(op.f("ix_strategy_action_org_id"), table_name="strategy_action")
    op.drop_table("strategy_action")
    op.drop_table("strategy_vision")
    op.drop_index(op.f("ix_strategy_scenario_org_id"), table_name="strategy_scenario")
    op.drop_table("strategy_scenario")
    op.drop_index(op.f("ix_strategy_review_org_id"), table_name="strategy_review")
    op.drop_table("strategy_review")
    op.drop_index(op.f("ix_strategy_objective_org_id"), table_name="strategy_objective")
    op.drop_table("strategy_objective")
    op.drop_index(op.f("ix_strategy_kpi_org_id"), table_name="strategy_kpi")
    op.drop_table("strategy_kpi")
    op.drop_index(op.f("ix_strategy_commitment_org_id"), table_name="strategy_commitment")
    op.drop_table("strategy_commitment")
