"""Allocations of computed items: VMs and volumes share their host, the rest is idle; applications sum
their targets' impacts divided by the number of applications on each target.

VM share (Sobre): allocation key, else vCPU / max(Σ vCPU, host threads) (storage VMs: GB / max(Σ GB, host GB))
else equal split.  VM share (G4IT): key, else int(vCPU) / int(Σ vCPU) when every VM on the host has vCPU
(storage alike), else 1 / number of VMs.  The remainder 1 − Σ shares is the host's **idle** row.
"""

from __future__ import annotations

import polars as pl

from sobre.footprint.engine.frames import (
    QUALITY_ORDER,
    STATUS_ORDER,
    conform,
    join_warnings,
    label_expr,
    rank_expr,
)
from sobre.footprint.schema import APP_LINKS, APPLICATIONS, STORAGE, VMS, Inventory

#: Trace fields a VM, volume or idle row inherits from its host.
HOST_TRACE = (
    "factor_ref",
    "ref_method",
    "lifetime_years",
    "lifetime_method",
    "annual_kwh",
    "kwh_method",
    "pue",
    "pue_method",
    "country",
    "country_method",
    "usage_rate",
    "usage_method",
)
_TOLERANCE = 1e-9
_STORAGE_KINDS = ["storage", "stockage"]


def _vm_shares(vms: pl.DataFrame, profile: str) -> pl.DataFrame:
    """Add ``share0`` (before normalisation) and ``share_method`` to the VM rows (host columns joined)."""
    h = "host_id"
    q = pl.col("quantity").fill_null(1.0)
    key = pl.col("allocation_key")
    keyed = key.is_not_null()
    is_sto_kind = pl.col("kind").str.to_lowercase().is_in(_STORAGE_KINDS).fill_null(False)
    if profile == "g4it":
        all_cpu = (pl.col("vcpu").fill_null(0).cast(pl.Int64) > 0).all().over(h)
        all_sto = (pl.col("storage_gb").fill_null(0) > 0).all().over(h)
        icpu = pl.col("vcpu").fill_null(0).cast(pl.Int64)
        n = pl.len().over(h).cast(pl.Float64)
        share = (
            pl.when(keyed)
            .then(key)
            .when(is_sto_kind & all_sto)
            .then(pl.col("storage_gb") / pl.col("storage_gb").sum().over(h))
            .when(~is_sto_kind & all_cpu)
            .then(icpu.cast(pl.Float64) / icpu.sum().over(h).cast(pl.Float64))
            .otherwise(1.0 / n)
        )
        method = (
            pl.when(keyed)
            .then(pl.lit("key"))
            .when(is_sto_kind & all_sto)
            .then(pl.lit("storage"))
            .when(~is_sto_kind & all_cpu)
            .then(pl.lit("vcpu"))
            .otherwise(pl.lit("equal"))
        )
        return vms.with_columns(share.alias("share0"), method.alias("share_method"))
    is_sto = is_sto_kind & pl.col("storage_gb").is_not_null()
    on_cpu = ~keyed & ~is_sto
    vms = vms.with_columns(pl.when(on_cpu).then(pl.col("vcpu")).mean().over(h).alias("_mean_cpu"))
    w_cpu = pl.when(on_cpu).then(pl.coalesce("vcpu", "_mean_cpu") * q)
    w_sto = pl.when(~keyed & is_sto).then(pl.col("storage_gb") * q)
    vms = vms.with_columns(w_cpu.alias("_w_cpu"), w_sto.alias("_w_sto"))
    # Each per-host sum once, as a column: the expressions below use them several times, and an eager
    # frame would compute a window again at every use.
    vms = vms.with_columns(
        pl.col("_w_cpu").sum().over(h).alias("_sum_cpu"),
        pl.col("_w_sto").sum().over(h).alias("_sum_sto"),
        pl.when(on_cpu & pl.col("_w_cpu").is_null()).then(q).sum().over(h).alias("_n_eq"),
        pl.when(keyed).then(key).sum().over(h).alias("_sum_key"),
    )
    sum_cpu, sum_sto, n_eq, sum_key = (pl.col(c) for c in ("_sum_cpu", "_sum_sto", "_n_eq", "_sum_key"))
    share0 = (
        pl.when(pl.col("_w_sto").is_not_null())
        .then(pl.col("_w_sto") / pl.max_horizontal(sum_sto, pl.col("host_storage_gb")))
        .when(pl.col("_w_cpu").is_not_null())
        .then(pl.col("_w_cpu") / pl.max_horizontal(sum_cpu, pl.col("host_threads")))
        .otherwise(q / n_eq)
    )
    share = pl.when(keyed).then(key / pl.max_horizontal(sum_key, 1.0))
    share = share.otherwise(share0 * (1.0 - pl.min_horizontal(sum_key, 1.0)))
    method = (
        pl.when(keyed)
        .then(pl.lit("key"))
        .when(pl.col("_w_sto").is_not_null())
        .then(pl.lit("storage"))
        .when(pl.col("vcpu").is_not_null())
        .then(pl.lit("vcpu"))
        .when(pl.col("_w_cpu").is_not_null())
        .then(pl.lit("vcpu_imputed"))
        .otherwise(pl.lit("equal"))
    )
    warn = (
        pl.when(keyed & (sum_key > 1.0 + _TOLERANCE))
        .then(pl.lit("keys_normalised"))
        .when(pl.col("_w_cpu").is_not_null() & pl.col("vcpu").is_null())
        .then(pl.lit("vcpu_imputed"))
    )
    return vms.with_columns(share.alias("share0"), method.alias("share_method"), warn.alias("pre_warning"))


def allocate(
    hosts: pl.DataFrame, excluded_ids: pl.Series, inventory: Inventory, profile: str, impact_cols: list[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (VM and on-equipment volume rows, idle rows), each with item fields and wide impacts."""
    vms = conform(inventory.vms, VMS)
    vol = conform(inventory.storage, STORAGE).filter(pl.col("equipment_id").is_not_null())
    # Only the hosts some VM or volume names: the joins below then hash those, not every counted item.
    named = pl.concat([vms.get_column("host_id"), vol.get_column("equipment_id")]).drop_nulls().unique()
    host_cols = hosts.filter(pl.col("item_id").is_in(named.implode())).select(
        pl.col("item_id").alias("host_id"),
        pl.col("cpu_threads").cast(pl.Float64).alias("host_threads"),
        pl.col("storage_gb").alias("host_storage_gb"),
    )
    vms = vms.join(host_cols, on="host_id", how="left")
    vms = _vm_shares(vms, profile)
    if "pre_warning" not in vms.columns:
        vms = vms.with_columns(pl.lit(None, dtype=pl.Utf8).alias("pre_warning"))
    vm_rows = vms.select(
        pl.lit("vm").alias("item_kind"),
        pl.col("id").alias("item_id"),
        "name",
        "host_id",
        pl.col("quantity").fill_null(1.0),
        "department_id",
        "data_quality",
        "share0",
        "share_method",
        "pre_warning",
    )
    vol = vol.rename({"equipment_id": "host_id"}).join(host_cols, on="host_id", how="left")
    gb = pl.coalesce("capacity_gb", "used_gb") * pl.col("replicas").fill_null(1.0)
    vol = vol.with_columns(gb.alias("_gb"))
    vol_rows = vol.select(
        pl.lit("storage").alias("item_kind"),
        pl.col("id").alias("item_id"),
        "name",
        "host_id",
        pl.col("_gb").alias("quantity"),
        "department_id",
        "data_quality",
        (
            pl.col("_gb") / pl.max_horizontal(pl.col("_gb").sum().over("host_id"), pl.col("host_storage_gb"))
        ).alias("share0"),
        pl.lit("capacity").alias("share_method"),
        pl.when(pl.col("_gb").is_null()).then(pl.lit("no_capacity_share")).alias("pre_warning"),
    )
    rows = pl.concat([vm_rows, vol_rows], how="vertical_relaxed")
    rows = rows.with_columns(pl.col("share0").sum().over("host_id").alias("_total"))
    total = pl.col("_total")
    over = total > 1.0 + _TOLERANCE
    rows = rows.with_columns(
        pl.when(over).then(pl.col("share0") / total).otherwise(pl.col("share0")).alias("share"),
        join_warnings(
            [
                pl.col("pre_warning"),
                pl.when(over).then(pl.format("allocations_normalised(total={})", total.round(4))),
            ]
        ).alias("pre_warning"),
    ).drop("_total")
    # Idle capacity is a virtualisation host's: one that carries VMs or is declared a hypervisor.  A storage
    # array's unallocated space is not idle compute (its remainder stays with the array).
    declared = hosts.filter(pl.col("hypervisor").fill_null(False)).select(pl.col("item_id").alias("host_id"))
    # A VM's host is counted when it is among the named hosts (declared ones are counted already).
    with_vms = (
        rows.filter((pl.col("item_kind") == "vm") & pl.col("host_id").is_not_null())
        .select("host_id")
        .join(host_cols.select("host_id"), on="host_id", how="semi")
    )
    # Sorted: the idle rows come in host order, the same from one run to the next.
    virtual_hosts = pl.concat([declared, with_vms]).unique().sort("host_id")
    allocated = (
        rows.filter(pl.col("host_id").is_not_null())
        .group_by("host_id")
        .agg(pl.col("share").sum().alias("allocated"))
    )
    idle = (
        virtual_hosts.join(allocated, on="host_id", how="left")
        .with_columns(pl.col("allocated").fill_null(0.0))
        .select(
            pl.lit("idle").alias("item_kind"),
            pl.col("host_id").alias("item_id"),
            "host_id",
            # Rounding noise of Σ shares (1 − 0.9999999999999999) is not idle capacity.
            pl.when(pl.col("allocated") >= 1.0 - _TOLERANCE)
            .then(0.0)
            .otherwise(1.0 - pl.col("allocated"))
            .alias("share"),
            pl.lit("unallocated").alias("share_method"),
        )
    )
    # Only hosts that carry VMs or volumes are joined (a semi-join keeps the wide copy small).
    used = (
        pl.concat([rows.select("host_id"), virtual_hosts]).select(pl.col("host_id").alias("item_id")).unique()
    )
    # Columns first, then rows (the filter copies only the columns kept).
    hosted = hosts.select(
        pl.col("item_id").alias("host_id"),
        "site_id",
        pl.col("category").alias("host_category"),
        pl.col("status").alias("host_status"),
        pl.col("data_quality").alias("host_quality"),
        *HOST_TRACE,
        *impact_cols,
    ).join(used.rename({"item_id": "host_id"}), on="host_id", how="semi")

    def scale(frame: pl.DataFrame) -> pl.DataFrame:
        out = frame.join(hosted, on="host_id", how="left")
        found = pl.col("host_status").is_not_null()
        missing = (
            pl.when(pl.col("host_id").is_null())
            .then(pl.lit("no_host"))
            .when(~found & pl.col("host_id").is_in(excluded_ids.implode()))
            .then(pl.lit("host_not_counted"))
            .when(~found)
            .then(pl.lit("host_not_found"))
        )
        share_status: pl.Expr = (
            pl.when(pl.col("share_method").is_in(["equal", "vcpu_imputed"]))
            .then(pl.lit("default"))
            .otherwise(pl.lit("input"))
        )
        out = out.with_columns(
            *[(pl.col(c) * pl.col("share")).alias(c) for c in impact_cols],
            label_expr(
                pl.max_horizontal(
                    rank_expr(pl.col("host_status"), STATUS_ORDER), rank_expr(share_status, STATUS_ORDER)
                ),
                STATUS_ORDER,
            ).alias("status"),
            join_warnings(
                [pl.col("pre_warning") if "pre_warning" in frame.columns else pl.lit(None, pl.Utf8), missing]
            ).alias("warnings"),
        )
        if "data_quality" in frame.columns:
            q = pl.max_horizontal(
                rank_expr(pl.col("data_quality"), QUALITY_ORDER),
                rank_expr(pl.col("host_quality"), QUALITY_ORDER),
            )
            out = out.with_columns(label_expr(q, QUALITY_ORDER).alias("data_quality"))
        else:
            out = out.with_columns(pl.col("host_quality").alias("data_quality"))
        return out

    return scale(rows), scale(idle)


def link_targets(inventory: Inventory) -> pl.DataFrame:
    """The inventory's application links as (application_id, target_kind, target_id), each once."""
    links = conform(inventory.app_links, APP_LINKS)
    return links.select(
        "application_id",
        pl.when(pl.col("vm_id").is_not_null())
        .then(pl.lit("vm"))
        .when(pl.col("cloud_instance_id").is_not_null())
        .then(pl.lit("cloud"))
        .when(pl.col("equipment_id").is_not_null())
        .then(pl.lit("equipment"))
        .alias("target_kind"),
        pl.coalesce("vm_id", "cloud_instance_id", "equipment_id").alias("target_id"),
    ).unique(maintain_order=True)


def linked_targets(inventory: Inventory, links: pl.DataFrame | None = None) -> pl.DataFrame:
    """The (item_kind, item_id) pairs some application is linked to (``links``: :func:`link_targets`'s,
    when the caller has them)."""
    return (
        (link_targets(inventory) if links is None else links)
        .select(pl.col("target_kind").alias("item_kind"), pl.col("target_id").alias("item_id"))
        .unique()
    )


def applications(
    inventory: Inventory, targets: pl.DataFrame, impact_cols: list[str], links: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Application rows: Σ over linked targets of target impact / number of applications on that target.

    ``targets`` holds item_kind, item_id, status, data_quality and the wide impacts of vm, cloud and
    equipment rows.  A link to a target that is missing (or not counted) makes the application unknown.
    ``links``: :func:`link_targets`'s, when the caller has them.
    """
    apps = conform(inventory.applications, APPLICATIONS)
    links = (link_targets(inventory) if links is None else links).with_columns(
        pl.len().over("target_kind", "target_id").alias("n_apps")
    )
    tg = targets.rename({"item_kind": "target_kind", "item_id": "target_id"})
    joined = links.join(tg, on=["target_kind", "target_id"], how="left", maintain_order="left")
    joined = joined.with_columns(
        *[(pl.col(c) / pl.col("n_apps")).alias(c) for c in impact_cols],
        pl.when(pl.col("status").is_null())
        .then(pl.format("target_missing(target={})", "target_kind"))
        .alias("_warn"),
        rank_expr(pl.col("status"), STATUS_ORDER).alias("_srank"),
        rank_expr(pl.col("data_quality"), QUALITY_ORDER).alias("_qrank"),
    )
    # Sums and null counts as plain aggregations (Polars' fast path; a conditional per group is evaluated
    # group by group), made null-aware afterwards: an unknown target leaves the application unknown.
    agg = joined.group_by("application_id").agg(
        *[pl.col(c).sum() for c in impact_cols],
        *[pl.col(c).null_count().alias(f"_nulls|{c}") for c in impact_cols],
        pl.col("_srank").max(),
        pl.col("_qrank").max(),
        pl.col("_warn").drop_nulls().unique(maintain_order=True).str.join("; ").alias("_warns"),
        pl.len().alias("_n_links"),
    )
    out = apps.select(pl.col("id").alias("item_id"), "name", "department_id").join(
        agg, left_on="item_id", right_on="application_id", how="left"
    )
    return out.with_columns(
        *[pl.when(pl.col(f"_nulls|{c}") > 0).then(None).otherwise(pl.col(c)).alias(c) for c in impact_cols],
        pl.lit("application").alias("item_kind"),
        label_expr(pl.col("_srank"), STATUS_ORDER).alias("status"),
        label_expr(pl.col("_qrank"), QUALITY_ORDER).alias("data_quality"),
        pl.lit("per_target_app_count").alias("share_method"),
        join_warnings(
            [
                pl.when(pl.col("_n_links").is_null()).then(pl.lit("no_link")),
                pl.when(pl.col("_warns") != "").then(pl.col("_warns")),
            ]
        ).alias("warnings"),
    ).drop(f"_nulls|{c}" for c in impact_cols)
