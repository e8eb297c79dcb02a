"""eco-design: EcoIndex measures, service reviews, objectives

Revision ID: ecodesign_0001
Revises: inventory_0001
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ecodesign_0001"
down_revision = "inventory_0001"
branch_labels = ("ecodesign",)
depends_on = None


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["organisation.id"], name=op.f(f"fk_{table}_org_id_organisation"), ondelete="CASCADE"
    )


def _service(table: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["service_id"],
        ["digital_service.id"],
        name=op.f(f"fk_{table}_service_id_digital_service"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "ecoindex_measure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("journey", sa.String(length=255), nullable=True),
        sa.Column("step", sa.String(length=255), nullable=True),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dom", sa.Integer(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=True),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=True),
        sa.Column("ghg_g", sa.Double(), nullable=True),
        sa.Column("water_cl", sa.Double(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("browser", sa.String(length=60), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=80), nullable=False),
        _org("ecoindex_measure"),
        _service("ecoindex_measure", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecoindex_measure")),
    )
    op.create_index("ix_ecoindex_measure_org_id_url", "ecoindex_measure", ["org_id", "url"])
    op.create_index(op.f("ix_ecoindex_measure_service_id"), "ecoindex_measure", ["service_id"])
    op.create_table(
        "ecodesign_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(length=255), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.String(length=12), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        _org("ecodesign_review"),
        _service("ecodesign_review", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecodesign_review")),
    )
    op.create_index(op.f("ix_ecodesign_review_org_id"), "ecodesign_review", ["org_id"])
    op.create_index(op.f("ix_ecodesign_review_service_id"), "ecodesign_review", ["service_id"])
    op.create_table(
        "ecodesign_objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _org("ecodesign_objective"),
        _service("ecodesign_objective", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecodesign_objective")),
        sa.UniqueConstraint("service_id", "kind", name=op.f("uq_ecodesign_objective_service_id_kind")),
    )
    op.create_index(op.f("ix_ecodesign_objective_org_id"), "ecodesign_objective", ["org_id"])


def downgrade() -> None:
    op.drop_table("ecodesign_objective")
    op.drop_table("ecodesign_review")
    op.drop_table("ecoindex_measure")
