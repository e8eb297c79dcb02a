"""indexes of the inventory lists' sort orders

Revision ID: inventory_0003
Revises: inventory_0002
Create Date: 2026-12-01 10:00:00

A list page reads one organisation's rows ordered by a column, ties by id: (org_id, column, id) lets the
database read a page in order instead of sorting 100,000 rows (see ``LIST_ORDER_INDEXES`` in models.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "inventory_0003"
down_revision = "inventory_0002"
branch_labels = None
depends_on = None

_EQUIPMENT_ASC = ("category", "manufacturer", "model", "quantity", "status", "data_quality")


def upgrade() -> None:
    op.create_index("ix_equipment_list_name_desc", "equipment", ["org_id", sa.text("name DESC"), "id"])
    for column in _EQUIPMENT_ASC:
        op.create_index(f"ix_equipment_list_{column}", "equipment", ["org_id", column, "id"])
    op.create_index(
        "ix_virtual_machine_list_name_desc", "virtual_machine", ["org_id", sa.text("name DESC"), "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_virtual_machine_list_name_desc", table_name="virtual_machine")
    for column in reversed(_EQUIPMENT_ASC):
        op.drop_index(f"ix_equipment_list_{column}", table_name="equipment")
    op.drop_index("ix_equipment_list_name_desc", table_name="equipment")
