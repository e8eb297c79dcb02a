"""data sobriety: scans, findings, retention policies

Revision ID: datasobriety_0001
Revises: inventory_0001
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "datasobriety_0001"
down_revision = "inventory_0001"
branch_labels = ("datasobriety",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "data_scan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("root", sa.String(length=1000), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("obsolete_after", sa.String(length=10), nullable=False),
        sa.Column("files", sa.BigInteger(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("storage", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("rows_stored", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisation.id"], name=op.f("fk_data_scan_org_id_organisation"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_scan")),
    )
    op.create_index(op.f("ix_data_scan_org_id"), "data_scan", ["org_id"])
    op.create_table(
        "data_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.Float(precision=53), nullable=False),
        sa.Column("owner", sa.String(length=255), nullable=True),
        sa.Column("group_no", sa.Integer(), nullable=True),
        sa.Column("digest", sa.String(length=140), nullable=True),
        sa.Column("reason", sa.String(length=255), nullable=True),
        sa.Column("links", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["data_scan.id"], name=op.f("fk_data_finding_scan_id_data_scan"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_finding")),
    )
    op.create_index("ix_data_finding_scan_id_kind", "data_finding", ["scan_id", "kind"])
    op.create_table(
        "data_policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("retention", sa.String(length=10), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("patterns", sa.Text(), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_data_policy_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_policy")),
        sa.UniqueConstraint("org_id", "category", name=op.f("uq_data_policy_org_id_category")),
    )


def downgrade() -> None:
    op.drop_table("data_policy")
    op.drop_index("ix_data_finding_scan_id_kind", table_name="data_finding")
    op.drop_table("data_finding")
    op.drop_index(op.f("ix_data_scan_org_id"), table_name="data_scan")
    op.drop_table("data_scan")
