"""Rows the engine computes from factors: counted equipment, cloud instances and storage not on equipment.

All three become *assets* with the same columns, so one set of rules (``physical.py``) computes their
footprint: a cloud instance is a share of a host archetype; a volume not on equipment is
``capacity × replicas`` units of the ``storage_gb`` reference item.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from sobre.footprint.engine.frames import conform
from sobre.footprint.engine.messages import entry, token
from sobre.footprint.engine.profiles import year_before
from sobre.footprint.schema import CLOUD, EQUIPMENT, SITES, STORAGE, FactorSet, Inventory
from sobre.inventory.taxonomy import ACTIVE_STATUSES, SiteKind, Status

#: Reference item for per-GB storage factors; ``storage_gb:<media>`` (hdd, ssd…) is preferred when the set
#: has it.
STORAGE_REF = "storage_gb"
#: Category of an instance, and of a volume held at a cloud region (the instance type stays in the inventory).
CLOUD_CATEGORY = "cloud_instance"
CLOUD_STORAGE_CATEGORY = "cloud_storage"
STORAGE_CATEGORY = "storage_volume"
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
    "hypervisor": pl.Boolean,
    "reuse_share": pl.Float64,
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
            .then(pl.lit("bought_after_reference"))
            .when(~active & ~retired_in_year.fill_null(False))
            .then(pl.lit("inactive_not_retired_in_year"))
            .otherwise(None)
        )
        # Statuses are few: their safe spelling is computed once per distinct value, not per row.
        odd = {v: entry("status_unknown", status=token(v)) for v in eq["status"].drop_nulls().unique()}
        pre = (
            pl.when(~known)
            .then(status.replace_strict(odd, default=None, return_dtype=pl.Utf8))
            .when(~active)
            .then(pl.lit("retired_in_year"))
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
        "hypervisor",
        # Handed on for reuse: the next user bears the end of life (cut-off rule), Sobre profile only.
        pl.when(pl.lit(profile != "g4it") & (status == Status.REUSE.value))
        .then(pl.lit(1.0))
        .otherwise(pl.col("reuse_share"))
        .alias("reuse_share"),
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


def cloud_sites(inventory: Inventory) -> pl.DataFrame:
    """Cloud instance id → the provider's site (kind ``cloud_region``), when the inventory has one.

    A site matches an instance when its provider is the instance's (case-insensitive) and, among several
    such sites, when its name holds the instance's region code (``AWS Paris eu-west-3``), else when its
    country is the instance's; a provider with a single region site takes every instance.
    """
    cloud = conform(inventory.cloud, CLOUD)
    sites = conform(inventory.sites, SITES).filter(
        (pl.col("kind") == SiteKind.CLOUD_REGION.value) & pl.col("provider").is_not_null()
    )
    out: dict[str, list[int | None]] = {"id": [], "site_id": []}
    if cloud.height and sites.height:
        by_provider: dict[str, list[dict]] = {}
        for site in sites.iter_rows(named=True):
            by_provider.setdefault(str(site["provider"]).strip().lower(), []).append(site)
        keys = cloud.select("provider", "region", "country").unique()
        chosen: dict[tuple, int] = {}
        for provider, region, country in keys.iter_rows():
            candidates = by_provider.get(str(provider or "").strip().lower(), [])
            pick = None
            if region:
                named = [c for c in candidates if str(region).lower() in str(c["name"] or "").lower()]
                pick = named[0] if len(named) == 1 else None
            if pick is None and country:
                same = [c for c in candidates if c["country"] == country]
                pick = same[0] if len(same) == 1 else None
            if pick is None and len(candidates) == 1:
                pick = candidates[0]
            if pick is not None:
                chosen[(provider, region, country)] = int(pick["id"])
        for row in cloud.select("id", "provider", "region", "country").iter_rows():
            out["id"].append(row[0])
            out["site_id"].append(chosen.get((row[1], row[2], row[3])))
    return pl.DataFrame(out, schema={"id": pl.Int64, "site_id": pl.Int64})


def cloud_assets(inventory: Inventory, factors: FactorSet) -> pl.DataFrame:
    """Cloud instances as shares of the host archetype: vCPU / archetype threads × hours/8760 (× quantity).

    An instance belongs to its provider's region site (:func:`cloud_sites`): the site's country and PUE
    apply, else the provider's PUE from the set, else the default PUE (applied with the other PUE rules).
    """
    cloud = conform(inventory.cloud, CLOUD).join(cloud_sites(inventory), on="id", how="left")
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
    warn = (
        pl.when(own_ref)
        .then(None)
        .when(pl.lit(ref is None))
        .then(pl.lit("cloud_no_host_archetype"))
        .when(pl.lit(threads is None))
        .then(pl.lit(entry("cloud_archetype_no_threads", archetype=ref)))
        .when(pl.col("vcpu").is_null())
        .then(pl.lit("cloud_no_vcpu"))
        .otherwise(None)
    )
    assets = cloud.select(
        pl.lit("cloud").alias("item_kind"),
        pl.col("id").alias("item_id"),
        "name",
        pl.lit(CLOUD_CATEGORY).alias("category"),
        pl.col("instance_type").alias("type_label"),
        pl.coalesce(pl.col("model_ref"), pl.lit(ref, dtype=pl.Utf8)).alias("forced_ref"),
        pl.col("quantity").fill_null(1.0),
        share.alias("alloc"),
        share.alias("share"),
        pl.when(own_ref).then(pl.lit("cloud_instance")).otherwise(pl.lit("cloud_vcpu")).alias("share_method"),
        pl.lit("in_use").alias("status_in"),
        "country",
        "site_id",
        "department_id",
        "data_quality",
        provider_pue(pl.col("provider"), factors).alias("pue_override"),
        warn.alias("pre_warning"),
    )
    return conform(assets, ASSET_SCHEMA)


def provider_pue(provider: pl.Expr, factors: FactorSet, default: float | None = None) -> pl.Expr:
    """The set's PUE for a cloud provider (``cloud_pue``), else ``default`` (null when both are unknown)."""
    pue_map = {k.lower(): float(v) for k, v in factors.cloud_pue.items()}
    if not pue_map:
        return pl.lit(default, dtype=pl.Float64)
    return provider.str.to_lowercase().replace_strict(pue_map, default=default, return_dtype=pl.Float64)


def storage_ref(media: pl.Expr, factors: FactorSet) -> pl.Expr:
    """``storage_gb:<media>`` when the set has impact rows for it, else ``storage_gb`` (null when neither)."""
    refs = set(factors.impacts["ref"].drop_nulls().to_list())
    by_media = {r.split(":", 1)[1]: r for r in refs if r.startswith(STORAGE_REF + ":")}
    generic = pl.lit(STORAGE_REF if STORAGE_REF in refs else None, dtype=pl.Utf8)
    if not by_media:
        return generic
    found = media.str.to_lowercase().replace_strict(by_media, default=None, return_dtype=pl.Utf8)
    return pl.coalesce(found, generic)


def storage_assets(inventory: Inventory, factors: FactorSet) -> pl.DataFrame:
    """Volumes not on equipment: (capacity or used GB) × replicas units of the ``storage_gb`` item.

    A volume held at a cloud region is cloud storage: the provider's PUE applies when the site gives none.
    """
    st = conform(inventory.storage, STORAGE).filter(pl.col("equipment_id").is_null())
    sites = conform(inventory.sites, SITES).select(
        pl.col("id").alias("site_id"), pl.col("kind").alias("_kind"), pl.col("provider").alias("_provider")
    )
    st = st.join(sites.unique("site_id"), on="site_id", how="left")
    ref = storage_ref(pl.col("media"), factors)
    gb = pl.coalesce("capacity_gb", "used_gb") * pl.col("replicas").fill_null(1.0)
    in_cloud = (pl.col("_kind") == SiteKind.CLOUD_REGION.value).fill_null(False)
    warn = (
        pl.when(ref.is_null())
        .then(pl.lit(entry("storage_no_factor", ref=STORAGE_REF)))
        .when(pl.coalesce("capacity_gb", "used_gb").is_null())
        .then(pl.lit("storage_no_capacity"))
        .when(pl.col("capacity_gb").is_null())
        .then(pl.lit("storage_used_gb"))
        .otherwise(None)
    )
    assets = st.select(
        pl.lit("storage").alias("item_kind"),
        pl.col("id").alias("item_id"),
        "name",
        pl.when(in_cloud)
        .then(pl.lit(CLOUD_STORAGE_CATEGORY))
        .otherwise(pl.lit(STORAGE_CATEGORY))
        .alias("category"),
        pl.col("media").alias("type_label"),
        ref.alias("forced_ref"),
        gb.alias("quantity"),
        pl.lit(1.0).alias("alloc"),
        pl.lit("in_use").alias("status_in"),
        "site_id",
        "department_id",
        "data_quality",
        pl.when(in_cloud).then(provider_pue(pl.col("_provider"), factors)).alias("pue_override"),
        warn.alias("pre_warning"),
    )
    return conform(assets, ASSET_SCHEMA)
