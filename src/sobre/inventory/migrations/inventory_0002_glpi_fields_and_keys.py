"""equipment keys, GLPI financial and technical fields, sync state of remote sources

Revision ID: inventory_0002
Revises: inventory_0001
Create Date: 2026-12-10 10:00:00

Equipment names stop being unique (GLPI names monitors after their model): the unique (org, name)
constraint becomes an index, and the source's own key (``external_key``) is unique instead.  SQLite cannot
drop a table constraint, so batch mode rebuilds the table; Sobre runs migrations with foreign keys
suspended, so the rows that refer to equipment (VMs, links, storage) are kept as they are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "inventory_0002"
down_revision = "inventory_0001"
branch_labels = None
depends_on = None

_TEXT = [
    "manufacturer_raw",
    "status_label",
    "alternate_user",
    "group_name",
    "inventory_number",
    "supplier",
    "os",
    "cpu",
]


def upgrade() -> None:
    with op.batch_alter_table("equipment") as batch:
        batch.add_column(sa.Column("external_key", sa.String(length=120), nullable=True))
        for name in _TEXT:
            batch.add_column(sa.Column(name, sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("location", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("purchase_value", sa.Double(), nullable=True))
        batch.add_column(sa.Column("screen_size_in", sa.Double(), nullable=True))
        batch.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch.drop_constraint("uq_equipment_org_id_name", type_="unique")
        batch.create_unique_constraint("uq_equipment_org_id_external_key", ["org_id", "external_key"])
        batch.create_index("ix_equipment_org_id_name", ["org_id", "name"], unique=False)
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=500), nullable=False),
        sa.Column("item_type", sa.String(length=60), nullable=False),
        sa.Column("last_modified", sa.String(length=32), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_sync_state_org_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
        sa.UniqueConstraint(
            "org_id", "source", "scope", "item_type", name=op.f("uq_sync_state_org_id_source_scope_item_type")
        ),
    )


def downgrade() -> None:
    op.drop_table("sync_state")
    with op.batch_alter_table("equipment") as batch:
        batch.drop_index("ix_equipment_org_id_name")
        batch.drop_constraint("uq_equipment_org_id_external_key", type_="unique")
        batch.create_unique_constraint("uq_equipment_org_id_name", ["org_id", "name"])
        for name in ["comment", "screen_size_in", "purchase_value", "location", *_TEXT, "external_key"]:
            batch.drop_column(name)
