"""Rows the engine computes from factors: counted equipment, cloud instances and storage not on equipment.

All three become *assets* with the same columns, so one set of rules (``physical.py``) computes their
footprint: a cloud instance is a share of a host archetype; a volume not on equipment is
``capacity × replicas`` units of the ``storage_gb`` reference item.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from sobre.footprint.engine.frames import conform
from sobre.footprint.engine.profiles import year_before
from sobre.footprint.schema import CLOUD, EQUIPMENT, STORAGE, FactorSet, Inventory
from sobre.inventory.taxonomy import ACTIVE_STATUSES, Status

#: Reference item for per-GB storage factors.
STORAGE_REF = "storage_gb"
#: Host archetypes for cloud instances, in order of preference.
CLOUD_HOST_REFS = ("cloud_host", "rack_server")
HOURS_PER_YEAR = 8760.0
#: Statuses whose equipment is not powered (embodied stages count, the use stage is 0 kWh).
UNPOWERED_STATUSES = frozenset({Status.IN_STOCK, Status.IN_TRANSIT})

ASSET_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "item_kind": pl.Utf8,
    "item_id": pl.Int64,
    "name": pl.Utf8,
    "category": pl.Utf8,
    "type_label": pl.Utf8,
    "model": pl.Utf8,
    "model_ref": pl.Utf8,
    "forced_ref": pl.Utf8,
    "quantity": pl.Float64,
    "alloc": pl.Float64,
    "share": pl.Float64,
    "share_method": pl.Utf8,
    "status_in": pl.Utf8,
    "purchase_date": pl.Date,
    "retirement_date": pl.Date,
    "lifetime_years": pl.Float64,
    "hours_per_day": pl.Float64,
    "days_per_year": pl.Float64,
    "power_w": pl.Float64,
    "annual_kwh": pl.Float64,
    "measured_kwh": pl.Float64,
    "usage_mode": pl.Utf8,
    "usage_rate": pl.Float64,
    "refurbished": pl.Boolean,
    "cpu_threads": pl.Int64,
    "storage_gb": pl.Float64,
    "country": pl.Utf8,
    "site_id": pl.Int64,
    "department_id": pl.Int64,
    "data_quality": pl.Utf8,
    "pue_override": pl.Float64,
    "pre_warning": pl.Utf8,
}


def counted_equipment(
    inventory: Inventory, profile: str, reference_date: date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the equipment into (counted rows as assets, excluded rows with a reason).

    Sobre counts the reporting year ending at ``reference_date``: active statuses, plus inactive items
    retired within the year; nothing bought after the reference date.  G4IT counts every row.
    """
    eq = conform(inventory.equipment, EQUIPMENT)
    status = pl.col("status")
    active = status.is_null() | status.is_in([s.value for s in ACTIVE_STATUSES])
    known = status.is_null() | status.is_in([s.value for s in Status])
    retired_in_year = pl.col("retirement_date").is_between(
        year_before(reference_date), reference_date, closed="right"
    )
    if profile == "g4it":
        reason = pl.lit(None, dtype=pl.Utf8)
        pre = pl.lit(None, dtype=pl.Utf8)
    else:
        reason = (
            pl.when(pl.col("purchase_date") > reference_date)
            .then(pl.lit("bought after the reference date"))
            .when(~active & ~retired_in_year.fill_null(False))
            .then(pl.lit("inactive status and not retired during the reporting year"))
            .otherwise(None)
        )
        pre = (
            pl.when(~known)
            .then(pl.format("unknown status '{}' counted as in use", status))
            .when(~active)
            .then(pl.lit("retired during the reporting year: counted for the full year"))
            .otherwise(None)
        )
    eq = eq.with_columns(reason.alias("excluded_reason"), pre.alias("pre_warning"))
    excluded = eq.filter(pl.col("excluded_reason").is_not_null()).select("id", "category", "excluded_reason")
    kept = eq.filter(pl.col("excluded_reason").is_null())
    assets = kept.select(
        pl.lit("equipment").alias("item_kind"),
        pl.col("id").alias("item_id"),
        "name",
        "category",
        "type_label",
        "model",
        "model_ref",
        pl.lit(None, dtype=pl.Utf8).alias("forced_ref"),
        pl.col("quantity").fill_null(1.0),
        pl.lit(1.0).alias("alloc"),
        pl.lit(None, dtype=pl.Float64).alias("share"),
        pl.lit(None, dtype=pl.Utf8).alias("share_method"),
        pl.col("status").alias("status_in"),
        "purchase_date",
        "retirement_date",
        "lifetime_years",
        "hours_per_day",
        "days_per_year",
        "power_w",
        "annual_kwh",
        "measured_kwh",
        "usage_mode",
        "usage_rate",
        "refurbished",
        "cpu_threads",
        "storage_gb",
        "country",
        "site_id",
        "department_id",
        "data_quality",
        pl.lit(None, dtype=pl.Float64).alias("pue_override"),
        "pre_warning",
    )
    return conform(assets, ASSET_SCHEMA), excluded


def cloud_host_ref(factors: FactorSet) -> str | None:
    """The host archetype of cloud vCPUs: ``cloud_host`` if the set has it, else ``rack_server``."""
    refs = set(factors.defaults["ref"].to_list())
    for ref in CLOUD_HOST_REFS:
        if ref in refs:
            return ref
    return None


def cloud_assets(inventory: Inventory, factors: FactorSet, default_pue: float | None) -> pl.DataFrame:
    """Cloud instances as shares of the host archetype: vCPU / archetype threads × hours/8760 (× quantity)."""
    cloud = conform(inventory.cloud, CLOUD)
    ref = cloud_host_ref(factors)
    threads = None
    if ref is not None:
        row = factors.defaults.filter(pl.col("ref") == ref).head(1)
        threads = row["cpu_threads"][0] if row.height else None
    hours = pl.col("hours_per_year").fill_null(HOURS_PER_YEAR)
    own_ref = pl.col("model_ref").is_not_null()
    # An instance with its own reference (e.g. BoaviztAPI's figures) is one whole unit for its hours.
    share = (
        pl.when(own_ref)
        .then(hours / HOURS_PER_YEAR)
        .otherwise(pl.col("vcpu") / pl.lit(threads, dtype=pl.Float64) * hours / HOURS_PER_YEAR)
    )
    pue_map = {k.lower(): float(v) for k, v in factors.cloud_pue.items()}
    pue = (
        pl.col("provider")
        .str.to_lowercase()
        .replace_strict(pue_map, default=default_pue, return_dtype=pl.Float64)
    )
    warn = (
        pl.when(own_ref)
        .then(None)
        .when(pl.lit(ref is None))
        .then(
            pl.lit("no host archetype ('cloud_host' or 'rack_server') in the factor set: cloud share unknown")
        )
        .when(pl.lit(threads is None))
        .then(pl.format("host archetype '{}' has no cpu_threads: cloud share unknown", pl.lit(ref)))
        .when(pl.col("vcpu").is_null())
        .then(pl.lit("no vCPU: cloud share unknown"))
        .otherwise(None)
    )
    assets = cloud.select(
        pl.lit("cloud").alias("item_kind"),
        pl.col("id").alias("item_id"),
        "name",
        pl.col("instance_type").alias("category"),
        pl.coalesce(pl.col("model_ref"), pl.lit(ref, dtype=pl.Utf8)).alias("forced_ref"),
        pl.col("quantity").fill_null(1.0),
        share.alias("alloc"),
        share.alias("share"),
        pl.when(own_ref).then(pl.lit("cloud_instance")).otherwise(pl.lit("cloud_vcpu")).alias("share_method"),
        pl.lit("in_use").alias("status_in"),
        "country",
        "department_id",
        "data_quality",
        pue.alias("pue_override"),
        warn.alias("pre_warning"),
    )
    return conform(assets, ASSET_SCHEMA)


def storage_assets(inventory: Inventory, factors: FactorSet) -> pl.DataFrame:
    """Volumes not on equipment: (capacity or used GB) × replicas units of the ``storage_gb`` item."""
    st = conform(inventory.storage, STORAGE).filter(pl.col("equipment_id").is_null())
    has_ref = STORAGE_REF in set(factors.impacts["ref"].to_list())
    gb = pl.coalesce("capacity_gb", "used_gb") * pl.col("replicas").fill_null(1.0)
    warn = (
        pl.when(pl.lit(not has_ref))
        .then(pl.lit(f"not on equipment and no '{STORAGE_REF}' factor in the set: unknown"))
        .when(pl.coalesce("capacity_gb", "used_gb").is_null())
        .then(pl.lit("no capacity or used GB: unknown"))
        .when(pl.col("capacity_gb").is_null())
        .then(pl.lit("no capacity: used GB counted"))
        .otherwise(None)
    )
    assets = st.select(
        pl.lit("storage").alias("item_kind"),
        pl.col("id").alias("item_id"),
        "name",
        pl.col("media").alias("category"),
        pl.lit(STORAGE_REF if has_ref else None, dtype=pl.Utf8).alias("forced_ref"),
        gb.alias("quantity"),
        pl.lit(1.0).alias("alloc"),
        pl.lit("in_use").alias("status_in"),
        "site_id",
        "department_id",
        "data_quality",
        warn.alias("pre_warning"),
    )
    return conform(assets, ASSET_SCHEMA)
