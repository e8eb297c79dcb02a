"""strategy: scenarios computed in the background from a page (status, step, error, owner, heartbeat)

Revision ID: strategy_0003
Revises: strategy_0002
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "strategy_0003"
down_revision = "strategy_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("strategy_scenario") as batch:
        batch.add_column(sa.Column("run_status", sa.String(length=12), nullable=True))
        batch.add_column(sa.Column("run_step", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("run_error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("run_started_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("run_heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("run_owner_host", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("run_owner_pid", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("run_owner_started", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("strategy_scenario") as batch:
        for name in (
            "run_owner_started",
            "run_owner_pid",
            "run_owner_host",
            "run_heartbeat_at",
            "run_started_at",
            "run_error",
            "run_step",
            "run_status",
        ):
            batch.drop_column(name)
