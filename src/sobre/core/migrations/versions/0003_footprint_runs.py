"""footprint runs and results

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

_STAGES = ("manufacturing", "distribution", "use", "end_of_life")


def upgrade() -> None:
    op.create_table(
        "footprint_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference_date", sa.Date(), nullable=False),
        sa.Column("profile", sa.String(length=16), nullable=False),
        sa.Column("engine_version", sa.String(length=40), nullable=False),
        sa.Column("methodology_version", sa.String(length=80), nullable=False),
        sa.Column("factor_set_id", sa.String(length=120), nullable=False),
        sa.Column("factor_set_version", sa.String(length=60), nullable=False),
        sa.Column("inputs_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=True),
        sa.Column("totals", sa.JSON(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.Column("criteria", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_footprint_run_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footprint_run")),
    )
    with op.batch_alter_table("footprint_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_footprint_run_org_id"), ["org_id"], unique=False)

    op.create_table(
        "footprint_item",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("item_kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("site_id", sa.BigInteger(), nullable=True),
        sa.Column("department_id", sa.BigInteger(), nullable=True),
        sa.Column("host_id", sa.BigInteger(), nullable=True),
        sa.Column("quantity", sa.Double(), nullable=True),
        sa.Column("data_quality", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=True),
        sa.Column("factor_ref", sa.String(length=255), nullable=True),
        sa.Column("lifetime_years", sa.Double(), nullable=True),
        sa.Column("lifetime_method", sa.String(length=40), nullable=True),
        sa.Column("annual_kwh", sa.Double(), nullable=True),
        sa.Column("kwh_method", sa.String(length=40), nullable=True),
        sa.Column("pue", sa.Double(), nullable=True),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("usage_rate", sa.Double(), nullable=True),
        sa.Column("share", sa.Double(), nullable=True),
        sa.Column("share_method", sa.String(length=40), nullable=True),
        sa.Column("warnings", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["footprint_run.id"],
            name=op.f("fk_footprint_item_run_id_footprint_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "item_kind", "item_id", name=op.f("pk_footprint_item")),
        sqlite_with_rowid=False,
    )

    stage_columns: list[sa.Column[float]] = [
        sa.Column(f"{stage}_{part}", sa.Double(), nullable=True)
        for stage in _STAGES
        for part in ("value", "low", "high")
    ]
    op.create_table(
        "footprint_impact",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("criterion", sa.String(length=80), nullable=False),
        sa.Column("item_kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("stages", sa.SmallInteger(), nullable=False),
        *stage_columns,
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["footprint_run.id"],
            name=op.f("fk_footprint_impact_run_id_footprint_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "run_id", "criterion", "item_kind", "item_id", name=op.f("pk_footprint_impact")
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("footprint_impact")
    op.drop_table("footprint_item")
    with op.batch_alter_table("footprint_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_footprint_run_org_id"))
    op.drop_table("footprint_run")
