"""drop the equipment index on category alone

Revision ID: inventory_0004
Revises: inventory_0003
Create Date: 2026-12-01 23:00:00

``ix_equipment_category`` (category) serves no query: every query of equipment by category is one
organisation's (the list page's filter and its count, the summary's counts by category, ``list_equipment``),
and ``ix_equipment_list_category`` (org_id, category, id) serves each of them better, reading only the
organisation's rows and covering the count. SQLite's plans of the list page's queries at 1,000,000 items
never chose the dropped index (docs/performance.md, Import). Each index costs every insert: this one about
0.5 s of CPU per 1,000,000 imported rows.
"""

from __future__ import annotations

from alembic import op

revision = "inventory_0004"
down_revision = "inventory_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_equipment_category", table_name="equipment")


def downgrade() -> None:
    op.create_index("ix_equipment_category", "equipment", ["category"])
