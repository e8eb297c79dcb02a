"""Several equipment-only inventories computed in one engine call (what-if scenarios on a few rows each).

The engine computes equipment rows independently of each other, but each call pays a fixed cost
(conforming and planning its frames, the factor tables, the allocation steps with nothing to allocate):
about 0.1 s of CPU, which the report's recommendations paid once per lever.  Here each inventory's ids are
moved to a range of their own and the rows are computed together: the rows of each inventory are those
a call of its own gives, in the same order (so sums over them are the same to the last bit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

import polars as pl

from sobre.footprint.engine.compute import compute as engine_compute
from sobre.footprint.engine.frames import conform
from sobre.footprint.schema import EQUIPMENT, FactorSet, Inventory, Result

Compute = Callable[..., Result]
#: Frames an inventory may not hold here: their rows are computed from (or allocated to) several items.
_LINKED = ("vms", "cloud", "applications", "app_links", "storage")


def _shared(inventories: Sequence[Inventory]) -> Inventory:
    first = inventories[0]
    for inv in inventories:
        if any(getattr(inv, name).height for name in _LINKED):
            raise ValueError("batched runs take equipment-only inventories (no VMs, cloud, storage, links)")
        if not (inv.sites.equals(first.sites) and inv.departments.equals(first.departments)):
            raise ValueError("batched runs take inventories with the same sites and departments")
    return first


def compute_together(
    inventories: Sequence[Inventory],
    factors: FactorSet,
    *,
    profile: str = "sobre",
    reference_date: date,
    org_country: str | None = None,
    compute: Compute = engine_compute,
) -> tuple[Result, int]:
    """One engine call over every inventory's equipment, and the stride of their id ranges: the rows of
    inventory ``k`` have ids ``id + k × stride`` in the result (``item_id // stride`` is the inventory)."""
    first = _shared(inventories)
    frames = [conform(inv.equipment, EQUIPMENT) for inv in inventories]
    if any(f.height and int(f["id"].min()) < 0 for f in frames):  # type: ignore[arg-type]
        raise ValueError("batched runs take equipment ids ≥ 0 (each inventory gets a range of its own)")
    top = max((int(f["id"].max() or 0) for f in frames if f.height), default=0)  # type: ignore[arg-type]
    stride = top + 1
    moved = [f.with_columns(pl.col("id") + i * stride) for i, f in enumerate(frames)]
    both = Inventory(sites=first.sites, departments=first.departments, equipment=pl.concat(moved))
    result = compute(both, factors, profile=profile, reference_date=reference_date, org_country=org_country)
    return result, stride


__all__ = ["compute_together"]
