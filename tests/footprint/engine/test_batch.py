"""Several equipment-only inventories in one engine call give each the figures of a call of its own."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sobre.footprint.engine import batch, compute
from sobre.footprint.schema import EQUIPMENT, SITES, VMS, Inventory
from tests.footprint.engine.builders import factor_set

REF = date(2024, 12, 31)
COLUMNS = ("item_id", "criterion", "stage", "value", "low", "high")
SITES_ = pl.DataFrame(
    [
        {"id": 1, "name": "DC", "kind": "data_centre", "country": "FR", "pue": 1.8},
        {"id": 2, "name": "Office", "kind": "office", "country": "FR", "pue": None},
    ],
    schema=SITES,
)


def _inventory(rows: list[dict]) -> Inventory:
    return Inventory(sites=SITES_, equipment=pl.DataFrame(rows, schema=EQUIPMENT))


def test_batched_equals_one_call_each() -> None:
    factors = factor_set(ranges=0.2)
    laptops = [
        {"id": i, "category": "laptop", "quantity": 1.0 + i / 7, "status": "in_use", "site_id": 2}
        for i in range(1, 40)
    ]
    servers = [
        {"id": 5, "category": "rack_server", "quantity": 3.0, "status": "in_use", "site_id": 1},
        {"id": 900, "category": "rack_server", "quantity": 1.0, "annual_kwh": 2000.0, "site_id": 1},
        {"id": 901, "category": "unknown_thing", "quantity": 1.0, "site_id": 1},
    ]
    inventories = [_inventory(laptops), _inventory(servers), _inventory(laptops[:3] + servers)]
    result, stride = batch.compute_together(inventories, factors, reference_date=REF, org_country="FR")
    rows = result.impacts.filter(pl.col("item_kind") == "equipment")
    batched = [
        rows.filter(pl.col("item_id") // stride == i)
        .with_columns(pl.col("item_id") - i * stride)
        .select(*COLUMNS)
        for i in range(len(inventories))
    ]
    for inv, got in zip(inventories, batched, strict=True):
        alone = (
            compute(inv, factors, reference_date=REF, org_country="FR")
            .impacts.filter(pl.col("item_kind") == "equipment")
            .select(*COLUMNS)
        )
        # Same rows in the same order, to the last bit (sums over them are then the same too).
        assert got.equals(alone, null_equal=True)
        for col in ("value", "low", "high"):
            assert got[col].sum() == alone[col].sum()


def test_only_equipment_inventories() -> None:
    linked = _inventory([{"id": 1, "category": "rack_server", "quantity": 1.0, "site_id": 1}])
    linked.vms = pl.DataFrame([{"id": 1, "host_id": 1}], schema=VMS)
    with pytest.raises(ValueError, match="equipment-only"):
        batch.compute_together([linked], factor_set(), reference_date=REF)
