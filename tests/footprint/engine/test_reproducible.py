"""The same inventory and factors give the same result to the last bit, in the same row order, run after
run: figures that differ in their last digits between two runs of unchanged inputs would show as changes
in a comparison and in the item exports."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import polars as pl
from benchmarks.estate import benchmark_factor_set, generate_inventory
from polars.testing import assert_frame_equal

from sobre.footprint.engine import compute
from sobre.footprint.engine.departments import allocate_departments
from sobre.footprint.engine.frames import conform
from sobre.footprint.runs import store
from sobre.footprint.schema import APP_LINKS, CLOUD, STORAGE, Inventory


def _estate() -> Inventory:
    """The benchmark's estate (VMs on servers, applications on VMs), with volumes on hosts and on their
    own, cloud instances and applications linked to devices and instances too: every allocation path."""
    inventory = generate_inventory(20_000, 4_000, 400, seed=3)
    rng = np.random.default_rng(3)
    hosts = inventory.vms.get_column("host_id").unique().sort().to_numpy()
    n_vol, n_cloud = 1_500, 300
    storage = pl.DataFrame(
        {
            "id": np.arange(1, n_vol + 1),
            "name": [f"vol-{i}" for i in range(n_vol)],
            "media": rng.choice(["ssd", "hdd"], n_vol),
            "capacity_gb": rng.uniform(100, 4_000, n_vol),
            "replicas": rng.choice([1.0, 2.0, 3.0], n_vol),
            # Two volumes in three on a VM host, the rest on their own at a site.
            "equipment_id": np.where(np.arange(n_vol) % 3 < 2, rng.choice(hosts, n_vol), -1),
            "site_id": rng.integers(1, 11, n_vol),
            "application_id": rng.integers(1, 401, n_vol),
        }
    ).with_columns(pl.when(pl.col("equipment_id") >= 0).then(pl.col("equipment_id")).alias("equipment_id"))
    cloud = pl.DataFrame(
        {
            "id": np.arange(1, n_cloud + 1),
            "name": [f"cloud-{i}" for i in range(n_cloud)],
            "provider": rng.choice(["aws", "azure", "ovh"], n_cloud),
            "instance_type": rng.choice(["m5.large", "c5.xlarge"], n_cloud),
            "region": rng.choice(["eu-west-3", "francecentral"], n_cloud),
            "quantity": 1.0,
            "hours_per_year": 8_760.0,
            "vcpu": rng.choice([2.0, 4.0], n_cloud),
        }
    )
    devices = inventory.equipment.filter(pl.col("category").is_not_null()).get_column("id").to_numpy()
    links = pl.DataFrame(
        {
            "application_id": rng.integers(1, 401, 2 * n_cloud),
            "cloud_instance_id": np.concatenate([np.arange(1, n_cloud + 1), np.full(n_cloud, -1)]),
            "equipment_id": np.concatenate([np.full(n_cloud, -1), rng.choice(devices, n_cloud)]),
        }
    ).with_columns(
        pl.when(pl.col(c) >= 0).then(pl.col(c)).alias(c) for c in ("cloud_instance_id", "equipment_id")
    )

    # Seven departments, one item in ten in none (the departments' allocation then has rows to compare).
    n_eq = inventory.equipment.height
    department = np.where(np.arange(n_eq) % 10 == 0, -1, rng.integers(1, 8, n_eq))
    equipment = inventory.equipment.with_columns(
        pl.when(pl.lit(department) >= 0).then(pl.lit(department)).cast(pl.Int64).alias("department_id")
    )
    return dataclasses.replace(
        inventory,
        equipment=equipment,
        storage=conform(storage, STORAGE),
        cloud=conform(cloud, CLOUD),
        app_links=pl.concat([inventory.app_links, conform(links, APP_LINKS)]),
    )


def test_the_same_inputs_give_the_same_result_to_the_bit() -> None:
    inventory, factors = _estate(), benchmark_factor_set()
    first = compute(inventory, factors, reference_date=date(2025, 12, 31), org_country="FR")
    departments = allocate_departments(first, inventory)
    kinds = set(first.items.get_column("item_kind").unique())
    # Every kind of row is there (an allocation path left out would be reproducible by absence).
    assert {"equipment", "vm", "idle", "storage", "cloud", "application"} <= kinds
    for _ in range(3):
        again = compute(inventory, factors, reference_date=date(2025, 12, 31), org_country="FR")
        assert_frame_equal(again.items, first.items, check_exact=True)
        assert_frame_equal(again.impacts, first.impacts, check_exact=True)
        assert_frame_equal(allocate_departments(again, inventory), departments, check_exact=True)


def test_a_run_stores_the_same_aggregates_in_the_same_order() -> None:
    """The aggregate rows a run stores (by category, site, department, application; the departments'
    parts), sorted by key within each dimension, criterion and stage, the same from one computation to
    the next: keys and counts
    exactly, sums to 1e-12 (Polars' streaming group-by adds partial sums in the order its threads finish;
    its in-memory engine, which does not, took four times as long on a million-item run)."""
    inventory, factors = _estate(), benchmark_factor_set()
    runs = [
        store.prepare(
            compute(inventory, factors, reference_date=date(2025, 12, 31), org_country="FR"),
            inventory=inventory,
        )
        for _ in range(3)
    ]
    first = runs[0].aggregates
    for dimension in ("category", "site", "department", "department_part", "application"):
        rows = first.filter(pl.col("dimension") == dimension)
        assert rows.get_column("key").n_unique() >= 2, dimension
        if dimension == "department_part":
            continue  # keys "<department>|<allocation key>", in the allocation's order
        for (_, _), group in rows.group_by("criterion", "stage", maintain_order=True):
            keys = group.get_column("key").to_list()
            known = [k for k in keys if k is not None]
            # Numbers sort as numbers (site 10 after site 9), the group without a key comes last.
            assert known == sorted(known, key=lambda k: (len(k), k) if k.isdigit() else (0, k)), dimension
            assert None not in keys or keys[-1] is None
    for again in runs[1:]:
        assert_frame_equal(again.aggregates, first, check_exact=False, rel_tol=1e-12, abs_tol=0.0)
        assert_frame_equal(
            again.aggregates.select(pl.exclude(pl.Float64)),
            first.select(pl.exclude(pl.Float64)),
            check_exact=True,
        )
