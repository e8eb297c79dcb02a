"""A synthetic estate for benchmarks: ``generate_inventory`` and ``benchmark_factor_set`` (no database).

The mix is plausible, not real: mostly end-user devices in offices, servers in a few data centres with a
PUE, hosts carrying VMs, applications on VMs.  Seeded, so every run measures the same data.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from sobre.footprint.schema import (
    APP_LINKS,
    APPLICATIONS,
    EMBODIED_STAGES,
    EQUIPMENT,
    FACTOR_CRITERIA,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    SITES,
    VMS,
    FactorSet,
    Inventory,
)
from sobre.inventory.taxonomy import Category

#: Share of each category in the generated estate (sums to 1).
MIX = {
    "laptop": 0.30,
    "desktop": 0.12,
    "monitor": 0.25,
    "smartphone": 0.15,
    "tablet": 0.03,
    "printer": 0.02,
    "ip_phone": 0.04,
    "thin_client": 0.01,
    "rack_server": 0.03,
    "blade_server": 0.005,
    "storage_array": 0.002,
    "switch": 0.02,
    "router": 0.003,
    "firewall": 0.001,
    "wifi_access_point": 0.015,
    "ups": 0.002,
    "display": 0.004,
    "tower_server": 0.003,
}
COUNTRIES = ["FR", "DE", "ES", "IT", "BE"]
SERVERS = ("rack_server", "blade_server", "tower_server")


def generate_inventory(
    n_equipment: int = 1_000_000, n_vms: int = 200_000, n_apps: int = 20_000, seed: int = 0
) -> Inventory:
    """An estate of ``n_equipment`` items, ``n_vms`` VMs on its servers and ``n_apps`` applications."""
    rng = np.random.default_rng(seed)
    n_sites = 200
    site_kind = np.where(
        np.arange(n_sites) < 10, "data_centre", np.where(np.arange(n_sites) < 30, "server_room", "office")
    )
    sites = (
        pl.DataFrame(
            {
                "id": np.arange(1, n_sites + 1),
                "name": [f"site-{i}" for i in range(1, n_sites + 1)],
                "kind": site_kind,
                "country": rng.choice(COUNTRIES, n_sites),
                "pue": np.where(site_kind == "data_centre", rng.uniform(1.2, 2.0, n_sites), np.nan),
            }
        )
        .with_columns(pl.col("pue").fill_nan(None), pl.lit(None, dtype=pl.Utf8).alias("provider"))
        .cast(pl.Schema(SITES))
    )
    cats = np.array(list(MIX))
    p = np.array(list(MIX.values()))
    category = rng.choice(cats, n_equipment, p=p / p.sum())
    is_server = np.isin(category, SERVERS + ("storage_array", "switch", "router", "firewall"))
    site = np.where(is_server, rng.integers(1, 31, n_equipment), rng.integers(31, n_sites + 1, n_equipment))
    ref = date(2024, 12, 31)
    purchase_days = rng.integers(30, 3000, n_equipment)
    has_purchase = rng.random(n_equipment) < 0.8
    retire = rng.random(n_equipment) < 0.05
    status = np.where(
        retire, "retired", rng.choice(["in_use", "in_use", "in_use", "in_stock", "in_repair"], n_equipment)
    )
    purchase = np.datetime64(ref) - purchase_days.astype("timedelta64[D]")
    retirement = np.datetime64(ref) - rng.integers(0, 700, n_equipment).astype("timedelta64[D]")
    equipment = pl.DataFrame(
        {
            "id": np.arange(1, n_equipment + 1),
            "name": pl.Series(np.arange(1, n_equipment + 1)).cast(pl.Utf8),
            "category": category,
            "quantity": np.where(rng.random(n_equipment) < 0.9, 1.0, rng.integers(2, 20, n_equipment)).astype(
                float
            ),
            "status": status,
            "purchase_date": pl.Series(purchase).cast(pl.Date),
            "has_p": has_purchase,
            "retirement_date": pl.Series(retirement).cast(pl.Date),
            "retire": retire,
            "annual_kwh": np.where(rng.random(n_equipment) < 0.3, rng.uniform(10, 5000, n_equipment), np.nan),
            "usage_mode": rng.choice(["", "cope", "byod"], n_equipment, p=[0.9, 0.07, 0.03]),
            "cpu_threads": np.where(np.isin(category, SERVERS), rng.choice([32, 64, 128], n_equipment), 0),
            "country": rng.choice(COUNTRIES, n_equipment),
            "site_id": site,
            "data_quality": rng.choice(["high", "medium", "low"], n_equipment),
        }
    ).with_columns(
        pl.when(pl.col("has_p")).then(pl.col("purchase_date")).alias("purchase_date"),
        pl.when(pl.col("retire")).then(pl.col("retirement_date")).alias("retirement_date"),
        pl.col("annual_kwh").fill_nan(None),
        pl.when(pl.col("usage_mode") != "").then(pl.col("usage_mode")).alias("usage_mode"),
        pl.when(pl.col("cpu_threads") > 0).then(pl.col("cpu_threads")).alias("cpu_threads"),
    )
    equipment = equipment.select(
        [
            pl.col(c).cast(t) if c in equipment.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in EQUIPMENT.items()
        ]
    )
    server_ids = equipment.filter(pl.col("category").is_in(SERVERS) & (pl.col("status") != "retired"))["id"]
    hosts = rng.choice(server_ids.to_numpy(), n_vms)
    vms = pl.DataFrame(
        {
            "id": np.arange(1, n_vms + 1),
            "name": pl.Series(np.arange(1, n_vms + 1)).cast(pl.Utf8),
            "host_id": hosts,
            "vcpu": rng.choice([1.0, 2.0, 4.0, 8.0, 16.0], n_vms),
            "storage_gb": rng.uniform(20, 500, n_vms),
            "kind": rng.choice(["compute", "storage"], n_vms, p=[0.95, 0.05]),
            "quantity": 1.0,
        }
    )
    vms = vms.select(
        [pl.col(c).cast(t) if c in vms.columns else pl.lit(None, dtype=t).alias(c) for c, t in VMS.items()]
    )
    apps = pl.DataFrame({"id": np.arange(1, n_apps + 1), "name": [f"app-{i}" for i in range(1, n_apps + 1)]})
    apps = apps.select(
        [
            pl.col(c).cast(t) if c in apps.columns else pl.lit(None, dtype=t).alias(c)
            for c, t in APPLICATIONS.items()
        ]
    )
    # Every VM runs one application, a quarter of them a second one.
    n_extra = n_vms // 4
    links = (
        pl.DataFrame(
            {
                "application_id": np.concatenate(
                    [rng.integers(1, n_apps + 1, n_vms), rng.integers(1, n_apps + 1, n_extra)]
                ),
                "vm_id": np.concatenate([np.arange(1, n_vms + 1), rng.integers(1, n_vms + 1, n_extra)]),
            }
        )
        .with_columns(
            pl.lit(None, dtype=pl.Int64).alias("cloud_instance_id"),
            pl.lit(None, dtype=pl.Int64).alias("equipment_id"),
        )
        .cast(pl.Schema(APP_LINKS))
    )
    return Inventory(sites=sites, equipment=equipment, vms=vms, applications=apps, app_links=links)


def benchmark_factor_set(seed: int = 0) -> FactorSet:
    """Every category × embodied stage × 4 criteria, electricity for the countries used (made-up values)."""
    rng = np.random.default_rng(seed)
    crit = [("climate_change", "kgCO2e"), ("adpe", "kgSbeq"), ("primary_energy", "MJ"), ("water", "m3")]
    scale = {"climate_change": 1.0, "adpe": 1e-5, "primary_energy": 12.0, "water": 0.5}
    rows = []
    for cat in Category:
        base = rng.uniform(20, 3000)
        for stage, k in zip(EMBODIED_STAGES, (1.0, 0.05, 0.02), strict=True):
            for code, _ in crit:
                v = base * k * scale[code]
                rows.append(
                    {
                        "ref": cat.value,
                        "stage": stage,
                        "criterion": code,
                        "value": v,
                        "low": v * 0.7,
                        "high": v * 1.4,
                        "source": "benchmark",
                        "licence": "none",
                        "row_id": f"{cat}/{stage}/{code}",
                    }
                )
    el = [
        {
            "country": c,
            "criterion": code,
            "value": rng.uniform(0.03, 0.6) * scale[code],
            "low": None,
            "high": None,
            "year": 2024,
            "source": "benchmark",
            "licence": "none",
            "row_id": f"el/{c}/{code}",
        }
        for c in COUNTRIES
        for code, _ in crit
    ]
    defaults = [
        {
            "ref": cat.value,
            "lifetime_years": 5.0,
            "lifetime_low": 4.0,
            "lifetime_high": 7.0,
            "power_w": float(rng.uniform(2, 400)),
            "hours_per_day": 8.0,
            "days_per_year": 230.0,
            "cpu_threads": 64 if cat.value in SERVERS else None,
        }
        for cat in Category
    ]
    return FactorSet(
        id="benchmark",
        version="1",
        publisher="benchmarks",
        year=2024,
        licence="none",
        criteria=pl.DataFrame(
            [{"code": c, "label_en": c, "label_fr": c, "unit": u} for c, u in crit], schema=FACTOR_CRITERIA
        ),
        impacts=pl.DataFrame(rows, schema=FACTOR_IMPACTS),
        electricity=pl.DataFrame(el, schema=FACTOR_ELECTRICITY),
        defaults=pl.DataFrame(defaults, schema=FACTOR_DEFAULTS),
        hypotheses={"default_pue": 1.58, "cope_rate": 0.8, "byod_rate": 0.57},
    )
