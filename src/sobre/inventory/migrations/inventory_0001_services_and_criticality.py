"""digital services and asset criticality

Revision ID: inventory_0001
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "inventory_0001"
down_revision = "0003"
branch_labels = ("inventory",)
depends_on = None


def upgrade() -> None:
    for table in ("equipment", "virtual_machine", "application"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("criticality", sa.String(length=10), nullable=True))
    op.create_table(
        "digital_service",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=True),
        sa.Column("audience", sa.String(length=255), nullable=True),
        sa.Column("users", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("criticality", sa.String(length=10), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_digital_service_department_id_department"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_digital_service_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digital_service")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_digital_service_org_id_name")),
    )
    op.create_index(op.f("ix_digital_service_department_id"), "digital_service", ["department_id"])
    op.create_table(
        "digital_service_application",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_digital_service_application_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["digital_service.id"],
            name=op.f("fk_digital_service_application_service_id_digital_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "application_id", name=op.f("pk_digital_service_application")),
    )
    op.create_index(
        op.f("ix_digital_service_application_application_id"),
        "digital_service_application",
        ["application_id"],
    )


def downgrade() -> None:
    op.drop_table("digital_service_application")
    op.drop_table("digital_service")
    for table in ("application", "virtual_machine", "equipment"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("criticality")
