"""departments by allocation: the stored department figures become the total's allocation

Revision ID: footprint_0004
Revises: footprint_0003
Create Date: 2026-12-03 16:00:00

Runs stored the department dimension of ``footprint_aggregate`` as the sums over the items' own
department column, which gives every server to the department that manages it, while the report
allocated the total (VMs by vCPU share, volumes by capacity, shared items by their applications' users).
From here on the stored ``department`` rows are that allocation, with ``department_part`` beside them
(``sobre.footprint.runs.aggregates.department_rows``).  This migration replaces the department rows of
every done run with the allocation of its stored results; the applications and their links are not kept
with a run, so they are read from the organisation's inventory as it is now (what the report used until
now).  A run whose dataset cannot be read keeps no department rows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "footprint_0004"
down_revision = "footprint_0003"
branch_labels = None
depends_on = None


_RUN = sa.table(
    "footprint_run",
    sa.column("id"),
    sa.column("org_id"),
    sa.column("status"),
    sa.column("dataset"),
    sa.column("dataset_files", sa.JSON),
)
_AGGREGATE = sa.table("footprint_aggregate", sa.column("run_id"), sa.column("dimension"))


def _runs(write: Callable[[sa.Connection, int, int, Path], None]) -> None:
    """Replace the department rows of every done run whose dataset can be read with ``write``'s."""
    from sobre.core.errors import SobreError
    from sobre.footprint.runs import locations

    bind = op.get_bind()
    bind.execute(_AGGREGATE.delete().where(_AGGREGATE.c.dimension.in_(("department", "department_part"))))
    rows = bind.execute(
        sa.select(_RUN.c.id, _RUN.c.org_id, _RUN.c.dataset, _RUN.c.dataset_files)
        .where(_RUN.c.status == "done")
        .order_by(_RUN.c.org_id, _RUN.c.id)
    ).all()
    if not rows:
        return
    loc = locations.location(bind.engine.url.render_as_string(hide_password=False))
    for run_id, org_id, name, files in rows:
        try:
            folder = locations.local_folder(loc, bind, run_id, name, files)
        except (SobreError, OSError):
            continue
        write(bind, run_id, org_id, folder)


def upgrade() -> None:
    from sobre.footprint.engine.departments import allocate_departments, allocation_inputs
    from sobre.footprint.loader import load_inventory
    from sobre.footprint.runs import aggregates, dataset, store
    from sobre.footprint.schema import Inventory

    inventories: dict[int, Inventory] = {}

    def allocated(bind: sa.Connection, run_id: int, org_id: int, folder: Path) -> None:
        if org_id not in inventories:  # the runs come by organisation: one inventory held at a time
            inventories.clear()
            inventories[org_id] = allocation_inputs(load_inventory(bind, org_id))
        result = dataset.read_result(folder)
        allocation = allocate_departments(result, inventories[org_id], all_stages=True)
        store.write_aggregates(bind, run_id, aggregates.department_rows(allocation))

    _runs(allocated)


def downgrade() -> None:
    """Back to the sums over the items' own department column."""
    from sobre.footprint.runs import aggregates, dataset, store

    def own(bind: sa.Connection, run_id: int, org_id: int, folder: Path) -> None:
        wide = dataset.scan(folder).collect()
        rows = aggregates.aggregate(wide, dataset.layout_of(folder), {"department": "department_id"})
        store.write_aggregates(bind, run_id, rows)

    _runs(own)
