"""The report's largest items (hotspots) and the idle capacity of the hosts carrying VMs."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from sobre.footprint.schema import Result
from sobre.reporting.inputs import Names
from sobre.reporting.model import Figure, Hotspot, IdleCapacity, IdleHost

TOP_HOTSPOTS = 10
TOP_IDLE_HOSTS = 15


def figure(row: dict | None, unit: str) -> Figure:
    if row is None:
        return Figure(None, None, None, unit, 0)
    return Figure(row["value"], row["low"], row["high"], unit, int(row["unknown"]))


def hotspots(
    result: Result,
    item_sums: pl.DataFrame,
    primary: str,
    unit: str,
    names: Names,
    share: Callable[[float | None, str], float | None],
) -> list[Hotspot]:
    """Largest items of the total, each named once; a host's idle share is shown on its own row."""
    sums = item_sums.filter(pl.col("value").is_not_null())
    top = sums.sort(["value", "item_kind", "item_id"], descending=[True, False, False]).head(TOP_HOTSPOTS)
    info = result.items.join(top.select("item_kind", "item_id"), on=["item_kind", "item_id"], how="inner")
    by_key = {(r["item_kind"], r["item_id"]): r for r in info.to_dicts()}
    idle = result.items.select("item_kind", "item_id", "share").filter(pl.col("item_kind") == "idle")
    idle_share = dict(zip(idle["item_id"].to_list(), idle["share"].to_list(), strict=True))
    out = []
    for r in top.to_dicts():
        item = by_key.get((r["item_kind"], r["item_id"]), {})
        out.append(
            Hotspot(
                item_kind=r["item_kind"],
                item_id=int(r["item_id"]),
                name=item.get("name") or "",
                category=item.get("category"),
                site=names.sites.get(item["site_id"]) if item.get("site_id") else None,
                quantity=item.get("quantity"),
                status=item.get("status"),
                lifetime_years=item.get("lifetime_years"),
                figure=Figure(r["value"], r["low"], r["high"], unit, int(r["unknown"])),
                share=share(r["value"], primary),
                idle_share=idle_share.get(int(r["item_id"])) if r["item_kind"] == "equipment" else None,
            )
        )
    return out


def _host_names(items: pl.DataFrame) -> dict[int, str]:
    eq = items.filter(pl.col("item_kind") == "equipment").select("item_id", "name")
    return dict(zip(eq.get_column("item_id").to_list(), eq.get_column("name").to_list(), strict=True))


def idle(
    result: Result,
    idle_sums: pl.DataFrame,
    item_sums: pl.DataFrame,
    primary: str,
    unit: str,
    names: Names,
    share: Callable[[float | None, str], float | None],
) -> IdleCapacity:
    """The hosts' idle capacity (``idle_sums``: the idle rows' sums per item, ``item_sums``: the total's)."""
    # The columns read, chosen before the filter: the items carry some thirty.
    idle_items = (
        result.items.select("item_kind", "item_id", "host_id", "name", "site_id", "share")
        .filter(pl.col("item_kind") == "idle")
        .drop("item_kind")
    )
    if idle_items.height == 0:
        return IdleCapacity(0, 0, Figure(None, None, None, unit, 0), None, [])
    # The hosts' own rows only (a few hundred items, not the whole estate).
    host_ids = idle_items.select(pl.coalesce("host_id", "item_id")).to_series().implode()
    is_host = (pl.col("item_kind") == "equipment") & pl.col("item_id").is_in(host_ids)
    host_sums = item_sums.filter(is_host)  # hosts are equipment: items of the total
    host_by_id = {r["item_id"]: r for r in host_sums.to_dicts()}
    sums_by_id = {r["item_id"]: r for r in idle_sums.to_dicts()}
    host_names = _host_names(result.items.select("item_kind", "item_id", "name").filter(is_host))
    hosts: list[IdleHost] = []
    for item in idle_items.to_dicts():
        host_id = item["host_id"] if item["host_id"] is not None else item["item_id"]
        fig = figure(sums_by_id.get(item["item_id"]), unit)
        hosts.append(
            IdleHost(
                host_id=int(host_id),
                host=host_names.get(host_id, item.get("name") or str(host_id)),
                site=names.sites.get(item["site_id"]) if item.get("site_id") else None,
                idle_share=item.get("share"),
                idle=fig,
                host_total=figure(host_by_id.get(host_id), unit),
            )
        )
    hosts.sort(key=lambda h: (h.idle.value is None, -(h.idle.value or 0.0), h.host))
    known = [h.idle for h in hosts if h.idle.value is not None]
    unknown = sum(1 for h in hosts if h.idle.value is None)
    total = (
        Figure(
            sum(f.value or 0.0 for f in known),
            sum(f.low or 0.0 for f in known),
            sum(f.high or 0.0 for f in known),
            unit,
            unknown,
        )
        if known
        else Figure(None, None, None, unit, unknown)
    )
    over_half = sum(1 for h in hosts if h.idle_share is not None and h.idle_share > 0.5)
    return IdleCapacity(len(hosts), over_half, total, share(total.value, primary), hosts[:TOP_IDLE_HOSTS])
