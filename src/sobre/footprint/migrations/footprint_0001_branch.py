"""open the footprint capability's migration branch

Revision ID: footprint_0001
Revises: 0003
Create Date: 2026-12-01 10:30:00

The footprint's tables (factor sets 0002, runs 0003) were created in the core history; from here on its
migrations live in this folder.  This revision changes nothing: it names the branch.
"""

from __future__ import annotations

revision = "footprint_0001"
down_revision = "0003"
branch_labels = ("footprint",)
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
