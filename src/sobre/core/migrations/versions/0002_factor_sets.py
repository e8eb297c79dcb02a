"""factor sets and overrides

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SET_TABLES = (
    "factor_criterion",
    "factor_impact",
    "factor_electricity",
    "factor_default",
    "factor_model_matching",
    "factor_item_type",
    "factor_parameter",
)


def _set_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["factor_set_id"],
        ["factor_set.id"],
        name=op.f(f"fk_{table}_factor_set_id_factor_set"),
        ondelete="CASCADE",
    )


def _org_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"], ["organisation.id"], name=op.f(f"fk_{table}_org_id_organisation"), ondelete="CASCADE"
    )


def _range() -> list[sa.Column]:
    return [
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("low", sa.Double(), nullable=True),
        sa.Column("high", sa.Double(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "factor_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("licence", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("source_format", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_set")),
        sa.UniqueConstraint("set_id", "version", name=op.f("uq_factor_set_set_id_version")),
    )
    op.create_table(
        "factor_criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=120), nullable=False),
        sa.Column("label_en", sa.String(length=255), nullable=True),
        sa.Column("label_fr", sa.String(length=255), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=True),
        _set_fk("factor_criterion"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_criterion")),
    )
    op.create_table(
        "factor_impact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("criterion", sa.String(length=120), nullable=False),
        *_range(),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("row_id", sa.String(length=255), nullable=True),
        _set_fk("factor_impact"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_impact")),
    )
    op.create_table(
        "factor_electricity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=False),
        sa.Column("criterion", sa.String(length=120), nullable=False),
        *_range(),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("row_id", sa.String(length=255), nullable=True),
        _set_fk("factor_electricity"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_electricity")),
    )
    op.create_table(
        "factor_default",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("lifetime_years", sa.Double(), nullable=True),
        sa.Column("lifetime_low", sa.Double(), nullable=True),
        sa.Column("lifetime_high", sa.Double(), nullable=True),
        sa.Column("annual_kwh", sa.Double(), nullable=True),
        sa.Column("power_w", sa.Double(), nullable=True),
        sa.Column("hours_per_day", sa.Double(), nullable=True),
        sa.Column("days_per_year", sa.Double(), nullable=True),
        sa.Column("cpu_threads", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        _set_fk("factor_default"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_default")),
    )
    op.create_table(
        "factor_model_matching",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=255), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        _set_fk("factor_model_matching"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_model_matching")),
    )
    op.create_table(
        "factor_item_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=255), nullable=False),
        sa.Column("default_ref", sa.String(length=255), nullable=True),
        sa.Column("lifetime_years", sa.Double(), nullable=True),
        sa.Column("is_server", sa.Boolean(), nullable=True),
        _set_fk("factor_item_type"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_item_type")),
    )
    op.create_table(
        "factor_parameter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("licence", sa.Text(), nullable=True),
        _set_fk("factor_parameter"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_parameter")),
    )
    for table in _SET_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_factor_set_id"), ["factor_set_id"], unique=False)

    op.create_table(
        "factor_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("criterion", sa.String(length=120), nullable=False),
        *_range(),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("factor_override"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_factor_override")),
        sa.UniqueConstraint(
            "org_id", "ref", "stage", "criterion", name=op.f("uq_factor_override_org_id_ref_stage_criterion")
        ),
    )
    op.create_table(
        "default_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("lifetime_years", sa.Double(), nullable=True),
        sa.Column("power_w", sa.Double(), nullable=True),
        sa.Column("annual_kwh", sa.Double(), nullable=True),
        sa.Column("hours_per_day", sa.Double(), nullable=True),
        sa.Column("days_per_year", sa.Double(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _org_fk("default_override"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_default_override")),
        sa.UniqueConstraint("org_id", "ref", name=op.f("uq_default_override_org_id_ref")),
    )
    for table in ("factor_override", "default_override"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_org_id"), ["org_id"], unique=False)


def downgrade() -> None:
    for table in ("default_override", "factor_override"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_org_id"))
        op.drop_table(table)
    for table in reversed(_SET_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_factor_set_id"))
        op.drop_table(table)
    op.drop_table("factor_set")
