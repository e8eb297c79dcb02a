"""First recommendations, each with its effect computed by re-running the pure engine on a modified inventory.

Only the equipment rows a recommendation touches are recomputed (before and after), so that the cost stays
small for large estates: equipment rows are computed independently of each other by the engine (VM shares
and idle capacity are allocations of their hosts and never enter the total).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import polars as pl

from sobre.footprint.schema import EQUIPMENT, Inventory, Result
from sobre.inventory.taxonomy import ACTIVE_STATUSES, END_USER_CATEGORIES
from sobre.reporting.data import ReportInputs
from sobre.reporting.model import Figure, Recommendation, ReportData

LIFETIME_EXTENSION_YEARS = 2
#: A host is consolidated when more than half of it is idle; the consolidated hosts run at this load.
IDLE_THRESHOLD = 0.5
TARGET_LOAD = 0.8
REFURBISHED_RATE = 0.3

Compute = Callable[..., Result]


def _engine_compute() -> Compute:
    from sobre.footprint.engine import compute

    return compute


def _subset(inventory: Inventory, equipment: pl.DataFrame) -> Inventory:
    """An inventory holding only ``equipment`` (plus sites and departments, which the rules read)."""
    return Inventory(sites=inventory.sites, departments=inventory.departments, equipment=equipment)


def _sums(
    result: Result, criteria: list[str]
) -> dict[str, tuple[float | None, float | None, float | None, int]]:
    eq = result.impacts.filter(pl.col("item_kind") == "equipment")
    agg = eq.group_by("criterion").agg(
        pl.col("value").sum(),
        pl.col("low").sum(),
        pl.col("high").sum(),
        pl.col("value").is_not_null().sum().alias("known"),
        pl.col("item_id").filter(pl.col("value").is_null()).n_unique().alias("unknown"),
    )
    rows = {r["criterion"]: r for r in agg.to_dicts()}
    out: dict[str, tuple[float | None, float | None, float | None, int]] = {}
    for code in criteria:
        r = rows.get(code)
        if r is None or not r["known"]:
            out[code] = (None, None, None, int(r["unknown"]) if r else 0)
        else:
            out[code] = (r["value"], r["low"], r["high"], int(r["unknown"]))
    return out


def _avoided(before: Result, after: Result, data: ReportData) -> dict[str, Figure]:
    """Before − after per criterion; the range is the difference of the bounds, widened to hold the value."""
    codes = [c.code for c in data.criteria]
    units = {c.code: c.unit for c in data.criteria}
    b, a = _sums(before, codes), _sums(after, codes)
    out = {}
    for code in codes:
        bv, bl, bh, bu = b[code]
        av, al, ah, au = a[code]
        if bv is None or av is None or bl is None or al is None or bh is None or ah is None:
            out[code] = Figure(None, None, None, units[code], max(bu, au))
            continue
        value = bv - av
        if value == 0 and (bu or au):
            # Nothing changed in the known part: the stages the change acts on are unknown, so is the effect.
            out[code] = Figure(None, None, None, units[code], max(bu, au))
            continue
        lo, hi = sorted((bl - al, bh - ah))
        out[code] = Figure(value, min(lo, value), max(hi, value), units[code], max(bu, au))
    return out


def _run(compute: Compute, inputs: ReportInputs, inventory: Inventory) -> Result:
    assert inputs.factors is not None
    return compute(
        inventory,
        inputs.factors,
        profile=inputs.run.profile,
        reference_date=inputs.run.reference_date,
        org_country=inputs.country,
    )


def _share(fig: Figure | None, data: ReportData) -> float | None:
    total = data.total(data.primary).total.value
    if fig is None or fig.value is None or not total:
        return None
    return fig.value / total


def _end_user_devices(inventory: Inventory, result: Result) -> pl.DataFrame:
    """Active end-user devices without a retirement date, with the lifetime the run used."""
    eq = inventory.equipment
    lifetimes = result.items.filter(pl.col("item_kind") == "equipment").select(
        pl.col("item_id").alias("id"), pl.col("lifetime_years").alias("_lifetime")
    )
    return eq.filter(
        pl.col("category").is_in([str(c) for c in END_USER_CATEGORIES])
        & pl.col("status").fill_null("in_use").is_in([str(s) for s in ACTIVE_STATUSES])
        & pl.col("retirement_date").is_null()
    ).join(lifetimes, on="id", how="inner")


def lifetime_extension(inputs: ReportInputs, data: ReportData, compute: Compute) -> Recommendation | None:
    """Keep end-user devices ``LIFETIME_EXTENSION_YEARS`` longer: their lifetime becomes a declared one."""
    assert inputs.inventory is not None
    devices = _end_user_devices(inputs.inventory, inputs.result)
    if devices.height == 0:
        return None
    before_eq = devices.drop("_lifetime")
    after_eq = devices.with_columns(
        (pl.col("_lifetime").fill_null(pl.col("lifetime_years")) + LIFETIME_EXTENSION_YEARS).alias(
            "lifetime_years"
        )
    ).drop("_lifetime")
    before = _run(compute, inputs, _subset(inputs.inventory, before_eq))
    after = _run(compute, inputs, _subset(inputs.inventory, after_eq))
    avoided = _avoided(before, after, data)
    scope = _sums(before, [data.primary])[data.primary][0]
    total = data.total(data.primary).total.value
    params: dict[str, float | int | str] = {"years": LIFETIME_EXTENSION_YEARS}
    if scope is not None and total:
        params["scope_share"] = scope / total
    return Recommendation(
        "lifetime_extension",
        params,
        float(devices["quantity"].fill_null(1).sum()),
        avoided,
        _share(avoided.get(data.primary), data),
        "end_user",
    )


def consolidation(inputs: ReportInputs, data: ReportData, compute: Compute) -> Recommendation | None:
    """Hosts more than half idle: the hardware needed is their allocated load at ``TARGET_LOAD``.

    Modelled as a fractional quantity of the same host (allocated share ÷ target load), which scales its
    embodied and use impacts alike; a busier host draws more power, so this is an upper estimate.
    """
    assert inputs.inventory is not None
    idle = inputs.result.items.filter((pl.col("item_kind") == "idle") & (pl.col("share") > IDLE_THRESHOLD))
    if idle.height == 0:
        return None
    keep = idle.select(pl.col("host_id").alias("id"), ((1 - pl.col("share")) / TARGET_LOAD).alias("_keep"))
    hosts = inputs.inventory.equipment.join(keep, on="id", how="inner")
    before = _run(compute, inputs, _subset(inputs.inventory, hosts.drop("_keep")))
    after_eq = hosts.with_columns((pl.col("quantity").fill_null(1.0) * pl.col("_keep")).alias("quantity"))
    after = _run(compute, inputs, _subset(inputs.inventory, after_eq.drop("_keep")))
    avoided = _avoided(before, after, data)
    return Recommendation(
        "consolidation",
        {"target": TARGET_LOAD},
        float(hosts.height),
        avoided,
        _share(avoided.get(data.primary), data),
        "idle",
    )


def refurbished(inputs: ReportInputs, data: ReportData, compute: Compute) -> Recommendation | None:
    """Refurbished for ``REFURBISHED_RATE`` of end-user devices; only if the engine credits refurbishing.

    The engine's rule decides what a refurbished device avoids; when it counts refurbished as new (as
    methodology sobre-2025.1 does), the effect would be a meaningless zero, so no recommendation is made.
    """
    assert inputs.inventory is not None
    devices = _end_user_devices(inputs.inventory, inputs.result).drop("_lifetime")
    devices = devices.filter(~pl.col("refurbished").fill_null(False))
    if devices.height == 0 or not _engine_credits_refurbished(inputs, devices.head(1), compute):
        return None
    offset = int(inputs.inventory.equipment["id"].max() or 0) + 1  # type: ignore[arg-type]
    new = devices.with_columns(pl.col("quantity").fill_null(1.0) * (1 - REFURBISHED_RATE))
    refurb = devices.with_columns(
        pl.col("quantity").fill_null(1.0) * REFURBISHED_RATE,
        pl.lit(True).alias("refurbished"),
        (pl.col("id") + offset).alias("id"),
        (pl.col("name") + " (refurbished)").alias("name"),
    )
    before = _run(compute, inputs, _subset(inputs.inventory, devices))
    after = _run(compute, inputs, _subset(inputs.inventory, pl.concat([new, refurb], how="vertical")))
    avoided = _avoided(before, after, data)
    primary = avoided.get(data.primary)
    base = _sums(before, [data.primary])[data.primary][0]
    if primary is None or primary.value is None or not base or abs(primary.value) <= 1e-9 * abs(base):
        return None
    return Recommendation(
        "refurbished",
        {"rate": REFURBISHED_RATE},
        float(devices["quantity"].fill_null(1).sum()),
        avoided,
        _share(primary, data),
        "renewals",
    )


def _engine_credits_refurbished(inputs: ReportInputs, probe: pl.DataFrame, compute: Compute) -> bool:
    """Whether the engine's rule gives a refurbished device a smaller footprint, tried on one device first
    (cheap) before the whole fleet is recomputed."""
    assert inputs.inventory is not None
    new = _run(compute, inputs, _subset(inputs.inventory, probe))
    refurb = _run(
        compute, inputs, _subset(inputs.inventory, probe.with_columns(pl.lit(True).alias("refurbished")))
    )
    a = new.impacts.filter(pl.col("item_kind") == "equipment").get_column("value").drop_nulls().sum()
    b = refurb.impacts.filter(pl.col("item_kind") == "equipment").get_column("value").drop_nulls().sum()
    return bool(b < a)


def recommend(inputs: ReportInputs, data: ReportData, compute: Compute | None = None) -> list[Recommendation]:
    """The recommendations that apply to this inventory, largest avoided impact first."""
    if inputs.inventory is None or inputs.factors is None:
        return []
    compute = compute or _engine_compute()
    inventory = inputs.inventory
    if inventory.equipment.height == 0:
        return []
    # Frames may come without every contract column (hand-built inputs); the engine conforms them.
    inputs = replace(inputs, inventory=replace(inventory, equipment=_conform(inventory.equipment)))
    found = [
        r
        for r in (
            lifetime_extension(inputs, data, compute),
            consolidation(inputs, data, compute),
            refurbished(inputs, data, compute),
        )
        if r is not None
    ]
    found.sort(key=lambda r: -(r.avoided[data.primary].value or 0.0) if data.primary in r.avoided else 0.0)
    return found


def _conform(frame: pl.DataFrame) -> pl.DataFrame:
    missing = [
        pl.lit(None, dtype=dtype).alias(col) for col, dtype in EQUIPMENT.items() if col not in frame.columns
    ]
    return frame.with_columns(missing) if missing else frame


__all__ = ["consolidation", "lifetime_extension", "recommend", "refurbished"]
