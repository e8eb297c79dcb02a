"""Sums of equipment impacts over sets of items: the same bits in any layout, unknowns counted per item."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl

from sobre.footprint.engine import compute
from sobre.footprint.engine.sums import item_sums
from sobre.footprint.schema import EQUIPMENT, SITES, Inventory
from tests.footprint.engine.builders import factor_set

REF = date(2024, 12, 31)
SITES_ = pl.DataFrame([{"id": 1, "name": "Office", "kind": "office", "country": "FR"}], schema=SITES)


def _result():
    rows = [
        {"id": i, "category": "laptop", "quantity": 1.0 + i / 7, "status": "in_use", "site_id": 1}
        for i in range(40, 0, -1)
    ]
    rows.append({"id": 900, "category": "unknown_thing", "quantity": 1.0, "site_id": 1})
    inv = Inventory(sites=SITES_, equipment=pl.DataFrame(rows, schema=EQUIPMENT))
    return compute(inv, factor_set(ranges=0.2), reference_date=REF, org_country="FR")


def test_sums_follow_stages_then_items_in_id_order() -> None:
    result = _result()
    sums = item_sums(result)
    assert sums.ids.tolist() == sorted(sums.ids.tolist())
    totals = sums.totals(sums.rows_of(np.array([1, 2, 3, 900])), ["climate_change", "missing"])
    imp = result.impacts.filter(
        pl.col("item_id").is_in([1, 2, 3, 900]) & (pl.col("criterion") == "climate_change")
    )
    value, low, high, unknown = totals["climate_change"]
    assert value is not None and low is not None and high is not None
    assert math.isclose(value, imp["value"].sum(), rel_tol=1e-12)
    assert low <= value <= high
    assert unknown == imp.filter(pl.col("value").is_null())["item_id"].n_unique() == 1
    assert totals["missing"] == (None, None, None, 0)
    assert sums.totals(sums.rows_of(np.array([900])), ["climate_change"])["climate_change"][:3] == (
        None,
        None,
        None,
    )


def test_any_layout_gives_the_same_bits() -> None:
    result = _result()
    blocks = item_sums(result)
    shuffled = replace(result, impacts=result.impacts.sample(fraction=1.0, shuffle=True, seed=3))
    other = item_sums(shuffled)
    assert np.array_equal(blocks.ids, other.ids)
    for code, cols in blocks.columns.items():
        for a, b in zip(cols, other.columns[code], strict=True):
            assert np.array_equal(a, b)
    everything = slice(0, blocks.ids.size)
    assert blocks.totals(everything, ["climate_change", "adpe"]) == other.totals(
        everything, ["climate_change", "adpe"]
    )
