"""``compute``: the engine's entry point, from an Inventory and a FactorSet to a Result."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl

from sobre.footprint.engine.allocation import (
    HOST_TRACE,
    allocate,
    applications,
    link_targets,
    linked_targets,
)
from sobre.footprint.engine.assets import cloud_assets, counted_equipment, storage_assets
from sobre.footprint.engine.frames import col_v, conform, impact_columns, to_long
from sobre.footprint.engine.messages import entry, parse
from sobre.footprint.engine.physical import compute_assets
from sobre.footprint.engine.profiles import PROFILES, check_profile
from sobre.footprint.schema import (
    FACTOR_CRITERIA,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    FACTOR_ITEM_TYPES,
    FACTOR_MODEL_MATCHING,
    RESULT_ITEMS,
    STAGES,
    FactorSet,
    Inventory,
    Result,
)

#: Item kinds whose impacts add up to the organisation's total (the others are allocations of these).
TOTAL_KINDS = ("equipment", "cloud", "storage")
#: Inventory frames whose rows are computed from (or allocated to) other rows, or are assets of their own.
_LINKED = ("vms", "cloud", "storage", "applications", "app_links")


def methodology(profile: str) -> str:
    """The methodology id stored with a run, e.g. ``sobre-2026.1``."""
    return PROFILES[check_profile(profile)]


def compute(
    inventory: Inventory,
    factors: FactorSet,
    *,
    profile: str = "sobre",
    reference_date: date,
    org_country: str | None = None,
) -> Result:
    """Compute the annual footprint of ``inventory`` with ``factors`` under a methodology profile.

    ``reference_date`` ends the reporting year and replaces "today" in every rule, so a run can be
    reproduced.  Unknown impacts are null with a reason in ``items.warnings`` (never zero).
    """
    check_profile(profile)
    factors = conform_factors(factors)
    criteria = [c for c in factors.criteria["code"].to_list() if c is not None]
    impact_cols = impact_columns(criteria)

    equipment, excluded = counted_equipment(inventory, profile, reference_date)
    # Equipment alone (a what-if scenario's rows): no cloud or storage assets, nothing allocated to a
    # host or linked to an application, so those steps are not run; they would only give empty frames.
    alone = not any(getattr(inventory, name).height for name in _LINKED)
    # Empty parts are left out and the rest made one chunk here, on the assets' few columns: a frame in
    # several chunks is copied whole by later eager steps, by then with every impact column.
    parts = [equipment]
    if not alone:
        parts += [cloud_assets(inventory, factors), storage_assets(inventory, factors)]
    assets = pl.concat([p for p in parts if p.height] or parts[:1], how="vertical", rechunk=True)
    columns = compute_assets(
        assets,
        inventory,
        factors,
        profile=profile,
        reference_date=reference_date,
        org_country=org_country,
        criteria=criteria,
    ).get_columns()
    # Each column in one chunk (every eager step on unaligned columns copies the whole frame), copied one
    # at a time so that each old column is freed at once; a no-op when the plan kept them whole.
    assets = pl.DataFrame([columns.pop().rechunk() for _ in range(len(columns))][::-1])
    del columns
    hosts = _equipment_rows(assets, equipment.height)
    # A declared hypervisor has idle capacity even with no VM on it: allocation still runs for it.
    if alone and not hosts.get_column("hypervisor").fill_null(False).any():
        frames = [assets.with_columns(pl.lit(None, dtype=pl.Int64).alias("host_id"))]
    else:
        frames = _allocated(assets, hosts, excluded, inventory, profile, impact_cols)
    del hosts  # a slice of the assets: it would hold their columns until the end
    # Columns in chunks of the same lengths (``rechunk`` copies only the columns a step left in several).
    wide = pl.concat(
        [conform(f, {**RESULT_ITEMS, **dict.fromkeys(impact_cols, pl.Float64)}).rechunk() for f in frames],
        how="vertical",
    )
    del frames, assets
    unknown = pl.any_horizontal([pl.col(col_v(c, s)).is_null() for c in criteria for s in STAGES])
    if criteria:
        wide = wide.with_columns(
            pl.when(unknown).then(pl.lit("unknown")).otherwise(pl.col("status")).alias("status")
        )
    items = wide.select(list(RESULT_ITEMS))
    impacts = to_long(wide, criteria)
    return Result(
        reference_date=reference_date,
        methodology=methodology(profile),
        items=items,
        impacts=impacts,
        criteria=factors.criteria,
        warnings=_summary(items, excluded, criteria),
    )


def _allocated(
    assets: pl.DataFrame,
    hosts: pl.DataFrame,
    excluded: pl.DataFrame,
    inventory: Inventory,
    profile: str,
    impact_cols: list[str],
) -> list[pl.DataFrame]:
    """The assets' rows, then the VM and volume rows allocated from their hosts, the idle rows and the
    applications' rows (each with its wide impacts)."""
    allocated, idle = allocate(hosts, excluded["id"], inventory, profile, impact_cols)
    target_cols = ["item_kind", "item_id", "status", "data_quality", *impact_cols]
    links = link_targets(inventory)  # once: the targets and the applications both need them
    linked = linked_targets(inventory, links)
    # Columns first, then rows: a semi-join is a filter, and filtering the whole wide frame copied every
    # trace column of the linked rows only for the select to drop them.
    targets = pl.concat(
        [
            _linked_rows(assets.select(target_cols), linked),
            _linked_rows(allocated.select(target_cols), linked),
        ],
        how="vertical_relaxed",
    )
    apps = applications(inventory, targets, impact_cols, links)
    return [
        assets.with_columns(pl.lit(None, dtype=pl.Int64).alias("host_id")),
        allocated.with_columns(pl.lit(None, dtype=pl.Utf8).alias("category")),
        idle.with_columns(pl.col("host_category").alias("category")),
        apps,
    ]


def _linked_rows(frame: pl.DataFrame, linked: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``frame`` whose (item_kind, item_id) is in ``linked``, in order: a semi-join's rows, as
    one integer membership test per linked kind (hashing a label and an id for every row of the whole
    frame cost more, and kinds no application links to cost nothing)."""
    keep = pl.lit(False)
    for kind, ids in linked.drop_nulls().group_by("item_kind").agg("item_id").sort("item_kind").iter_rows():
        ids = pl.Series(ids, dtype=pl.Int64)
        keep = keep | ((pl.col("item_kind") == kind) & pl.col("item_id").is_in(ids.implode()))
    return frame.filter(keep)


def _equipment_rows(assets: pl.DataFrame, n_equipment: int) -> pl.DataFrame:
    """The equipment rows of ``assets``: its first ``n_equipment`` rows as a slice (no copy of the wide
    frame) when they are exactly those rows, as they are when the steps keep the concatenation's order."""
    kinds = assets.get_column("item_kind")
    head, tail = kinds.head(n_equipment), kinds.slice(n_equipment)
    if head.eq_missing("equipment").all() and not tail.eq_missing("equipment").any():
        return assets.slice(0, n_equipment)
    return assets.filter(pl.col("item_kind") == "equipment")


def conform_factors(factors: FactorSet) -> FactorSet:
    """A copy of ``factors`` whose frames have every contract column (callers may pass partial frames)."""
    return replace(
        factors,
        criteria=conform(factors.criteria, FACTOR_CRITERIA),
        impacts=conform(factors.impacts, FACTOR_IMPACTS),
        electricity=conform(factors.electricity, FACTOR_ELECTRICITY),
        defaults=conform(factors.defaults, FACTOR_DEFAULTS),
        model_matching=conform(factors.model_matching, FACTOR_MODEL_MATCHING),
        item_types=conform(factors.item_types, FACTOR_ITEM_TYPES),
    )


#: Warning parameters the summary takes from the item row, by code (so that lines name the reference or
#: country at fault, as the item-level entries do through their row).
_SUMMARY_CONTEXT = {
    "no_impact_factor": "factor_ref",
    "no_electricity_factor": "country",
    "refurbished_no_factor": "category",
}


def _summary(items: pl.DataFrame, excluded: pl.DataFrame, criteria: list[str]) -> list[str]:
    """Aggregated warnings, one line per item kind, code and context: ``code(n=…,kind=…,…)``."""
    out: list[str] = []
    if not criteria:
        out.append("no_criteria")
    if excluded.height:
        counts = excluded.group_by("excluded_reason").len().sort("excluded_reason")
        for reason, n in counts.iter_rows():
            out.append(entry("not_counted", n=n, kind="equipment", reason=reason))
    # Items share few distinct warning texts: count them first, split and parse only the distinct ones
    # (lazily, so that only the five columns counted are filtered, not the whole items frame).
    warned = (
        items.lazy()
        .filter(pl.col("warnings").is_not_null())
        .group_by("item_kind", "factor_ref", "country", "category", "warnings")
        .len("items")
        .select(
            "item_kind",
            "factor_ref",
            "country",
            "category",
            "items",
            pl.col("warnings").str.split("; ").alias("w"),
        )
        .collect()
    )
    if not warned.height:
        return out
    # Per-host figures (the sum of a host's shares) would split the count into one line per host.
    rows = warned.explode("w").with_columns(
        pl.col("w").str.replace(r"\(total=[^)]*\)$", ""),
        pl.col("w").str.extract(r"^([a-z_0-9]+)").alias("code"),
    )
    context = pl.col("code").replace_strict(_SUMMARY_CONTEXT, default=None, return_dtype=pl.Utf8)
    rows = rows.with_columns(
        pl.when(context == "factor_ref")
        .then(pl.col("factor_ref"))
        .when(context == "country")
        .then(pl.col("country"))
        .when(context == "category")
        .then(pl.col("category"))
        .alias("ctx_value"),
        context.alias("ctx_key"),
    )
    counts = (
        rows.group_by("item_kind", "w", "ctx_key", "ctx_value")
        .agg(pl.col("items").sum())
        .sort("item_kind", "w", "ctx_value")
    )
    for kind, warning, ctx_key, ctx_value, n in counts.iter_rows():
        parsed = parse(warning)
        code, params = parsed if parsed is not None else (warning, {})
        extra = {ctx_key.replace("factor_", ""): ctx_value} if ctx_key and ctx_value is not None else {}
        out.append(entry(code, n=n, kind=kind, **extra, **params))
    return out


__all__ = ["HOST_TRACE", "TOTAL_KINDS", "compute", "conform_factors", "methodology"]
