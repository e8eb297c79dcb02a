"""footprint items: how each parameter was chosen, and the item's age

Revision ID: footprint_0002
Revises: footprint_0001
Create Date: 2026-12-02 09:00:00

The data-quality share of a run is computed from how each parameter (reference item, lifetime, energy,
PUE, usage rate, country) was chosen; lifetimes and energy methods were already kept, these columns keep
the others and the item's age at the reference date (fleet age).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "footprint_0002"
down_revision = "footprint_0001"
branch_labels = None
depends_on = None

_METHODS = ("ref_method", "pue_method", "country_method", "usage_method")


def upgrade() -> None:
    with op.batch_alter_table("footprint_item", schema=None) as batch_op:
        for name in _METHODS:
            batch_op.add_column(sa.Column(name, sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("age_years", sa.Double(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("footprint_item", schema=None) as batch_op:
        batch_op.drop_column("age_years")
        for name in reversed(_METHODS):
            batch_op.drop_column(name)
