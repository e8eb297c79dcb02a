"""The departmental allocation summed block by block over the items equals its row-by-row sums.

``allocate_departments`` takes the block path for the engine's and a stored run's layout, the row path for
any other; both must give the same groups, counts and (to rounding) figures on every allocation path: VMs
and volumes with departments of their own, items split among their applications' users, end-user devices,
cloud instances, hosts' remainders and unknown figures.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl
import pytest
from benchmarks.estate import benchmark_factor_set
from polars.testing import assert_frame_equal

from sobre.footprint.engine import compute
from sobre.footprint.engine import departments as allocation
from sobre.footprint.engine.department_sums import sum_blocks
from sobre.footprint.engine.sums import criterion_blocks
from sobre.footprint.schema import DEPARTMENT_ALLOCATION, Inventory, Result
from tests.footprint.engine.test_reproducible import _estate


def _with_departments(inventory: Inventory, seed: int = 2) -> Inventory:
    """Seven items in ten of every kind in one of eleven departments, the others in none."""
    rng = np.random.default_rng(seed)

    def assign(frame: pl.DataFrame) -> pl.DataFrame:
        n = frame.height
        chosen = np.where(rng.random(n) < 0.7, rng.integers(1, 12, n), -1)
        return frame.with_columns(pl.Series("department_id", chosen).replace(-1, None).cast(pl.Int64))

    return replace(
        inventory,
        equipment=assign(inventory.equipment),
        vms=assign(inventory.vms),
        storage=assign(inventory.storage),
        cloud=assign(inventory.cloud),
        applications=assign(inventory.applications),
    )


@pytest.fixture(scope="module")
def estate() -> tuple[Result, Inventory]:
    inventory = _with_departments(_estate())
    result = compute(inventory, benchmark_factor_set(), reference_date=date(2025, 12, 31), org_country="FR")
    return result, inventory


def _both(
    result: Result, inventory: Inventory, *, all_stages: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    weights, hosts = allocation._weight_rows(result.items, inventory)
    blocks = criterion_blocks(result)
    assert blocks is not None  # the engine's layout
    rows = allocation._sum_rows(result, weights, hosts, all_stages=all_stages)
    by_blocks = sum_blocks(result.items, blocks, weights, hosts.get_column("host_id"), all_stages=all_stages)
    assert by_blocks.schema == rows.schema == pl.Schema(DEPARTMENT_ALLOCATION)
    # Groups, their order and counts exactly; sums to rounding (the additions are made in another order).
    assert_frame_equal(by_blocks.select(pl.exclude(pl.Float64)), rows.select(pl.exclude(pl.Float64)))
    assert_frame_equal(by_blocks, rows, check_exact=False, rel_tol=1e-12, abs_tol=0.0)
    return rows, by_blocks


def test_every_key_is_summed_alike(estate: tuple[Result, Inventory]) -> None:
    result, inventory = estate
    rows, by_blocks = _both(result, inventory)
    assert set(rows.get_column("key")) == set(allocation.KEYS)
    # The allocation takes the block path, and its parts add up to the organisation's total.
    assert_frame_equal(allocation.allocate_departments(result, inventory), by_blocks, check_exact=True)
    total = result.impacts.join(
        result.items.filter(allocation._is_total()).select("item_kind", "item_id"),
        on=["item_kind", "item_id"],
    )
    for (criterion,), group in by_blocks.group_by("criterion"):
        expected = total.filter(pl.col("criterion") == criterion).get_column("value").sum()
        assert group.get_column("value").sum() == pytest.approx(expected, rel=1e-9)


def test_unknown_figures_are_summed_alike(estate: tuple[Result, Inventory]) -> None:
    """One row in twenty unknown, and one criterion's use stage unknown for every item: the groups there
    are unknown (null), never 0, on both paths."""
    result, inventory = estate
    rng = np.random.default_rng(5)
    some = pl.Series(rng.random(result.impacts.height) < 0.05)
    criterion = result.impacts.get_column("criterion")[0]
    every = (pl.col("criterion") == criterion) & (pl.col("stage") == "use")
    impacts = result.impacts.with_columns(
        pl.when(pl.lit(some) | every).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("value", "low", "high")
    )
    rows, by_blocks = _both(replace(result, impacts=impacts), inventory)
    unknown = by_blocks.filter((pl.col("criterion") == criterion) & (pl.col("stage") == "use"))
    assert unknown.height and unknown.get_column("value").null_count() == unknown.height
    assert (by_blocks.get_column("unknown") > 0).sum() > by_blocks.height // 2


def test_another_layout_takes_the_row_path(estate: tuple[Result, Inventory]) -> None:
    result, inventory = estate
    shuffled = replace(result, impacts=result.impacts.sample(fraction=1.0, shuffle=True, seed=1))
    assert criterion_blocks(shuffled) is None
    assert_frame_equal(
        allocation.allocate_departments(shuffled, inventory),
        allocation.allocate_departments(result, inventory),
        check_exact=False,
        rel_tol=1e-12,
        abs_tol=1e-9,
    )


def test_a_fully_allocated_host_leaves_no_remainder() -> None:
    """0.3 − (0.1 + 0.2) is rounding noise (−5.6e-17), not capacity left: the remainder is 0.  A host with an
    unknown child keeps what its known children do not take."""
    from sobre.footprint.engine.department_sums import _remainders

    values = np.array([0.3, 0.1, 0.2, 5.0, 1.0, 0.0])
    known = np.array([True, True, True, True, True, False])
    arrays = {name: (values.copy(), known.copy()) for name in ("value", "low", "high")}
    hosts, children, parent = np.array([0, 3]), np.array([1, 2, 4, 5]), np.array([0, 0, 1, 1])
    out = _remainders(arrays, hosts, children, parent)
    value, value_known = out["value"]
    assert value.tolist() == [0.0, 4.0] and value_known.tolist() == [True, True]


def test_the_parts_add_up_to_the_total_when_a_child_is_unknown(estate: tuple[Result, Inventory]) -> None:
    """A VM whose figure is unknown leaves its host's known figure whole: the host's remainder is the host
    minus its known children, so the departments and the shared row still add up to the total (the VM
    counts as unknown in its department), on both paths."""
    result, inventory = estate
    vms = result.items.filter(pl.col("item_kind") == "vm").get_column("item_id").head(200)
    unknown = (pl.col("item_kind") == "vm") & pl.col("item_id").is_in(vms.implode())
    impacts = result.impacts.with_columns(
        pl.when(unknown).then(None).otherwise(pl.col(c)).alias(c) for c in ("value", "low", "high")
    )
    changed = replace(result, impacts=impacts)
    rows, by_blocks = _both(changed, inventory)
    total = impacts.join(
        result.items.filter(allocation._is_total()).select("item_kind", "item_id"),
        on=["item_kind", "item_id"],
    )
    for (criterion, stage), group in by_blocks.group_by("criterion", "stage"):
        expected = total.filter((pl.col("criterion") == criterion) & (pl.col("stage") == stage))
        assert group.get_column("value").sum() == pytest.approx(expected.get_column("value").sum(), rel=1e-9)
        assert group.get_column("unknown").sum() >= 1


def test_all_stages_count_each_part_once(estate: tuple[Result, Inventory]) -> None:
    """The all-stages rows (stage null) are the sums of the stage rows, and count a part once: as unknown
    when any of its stages is (one row in twenty unknown here), on both paths alike."""
    result, inventory = estate
    rng = np.random.default_rng(7)
    some = pl.Series(rng.random(result.impacts.height) < 0.05)
    impacts = result.impacts.with_columns(
        pl.when(pl.lit(some)).then(None).otherwise(pl.col(c)).alias(c) for c in ("value", "low", "high")
    )
    rows, by_blocks = _both(replace(result, impacts=impacts), inventory, all_stages=True)
    group = ["department_id", "key", "criterion"]
    together = by_blocks.filter(pl.col("stage").is_null()).sort(group, nulls_last=True)
    stages = by_blocks.filter(pl.col("stage").is_not_null())
    summed = (
        stages.group_by(group)
        .agg(
            pl.col("value").sum(),
            pl.col("items").max(),
            pl.col("unknown").max(),
            pl.col("unknown").sum().alias("u"),
        )
        .sort(group, nulls_last=True)
    )
    assert together.height == summed.height > 0
    assert together.get_column("value").to_list() == pytest.approx(
        summed.get_column("value").to_list(), rel=1e-12
    )
    assert together.get_column("items").to_list() == summed.get_column("items").to_list()
    unknown = together.get_column("unknown").cast(pl.Int64)
    # At least the worst stage's unknown parts, at most their sum, and some part unknown in two stages.
    assert (unknown >= summed.get_column("unknown")).all() and (unknown <= summed.get_column("u")).all()
    assert (unknown < summed.get_column("u")).any()
    # Without the option, the same stage rows.
    assert_frame_equal(stages, allocation.allocate_departments(replace(result, impacts=impacts), inventory))
