"""``explain``: the detailed trace of one result item (formulas with their numbers, inputs and how each was
chosen, factor rows used, and for a VM, volume, idle row or application the chain to what it is a share of).

It recomputes the item's parameters on a one-item inventory, so it costs nothing on large results.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from sobre.core.errors import NotFound
from sobre.footprint.engine.assets import cloud_assets, counted_equipment, storage_assets
from sobre.footprint.engine.compute import conform_factors
from sobre.footprint.engine.frames import conform
from sobre.footprint.engine.messages import describe_all
from sobre.footprint.engine.physical import compute_assets
from sobre.footprint.engine.profiles import profile_of
from sobre.footprint.schema import (
    APP_LINKS,
    CLOUD,
    EMBODIED_STAGES,
    EQUIPMENT,
    STORAGE,
    FactorSet,
    Inventory,
    Result,
)


def _n(x: float | None) -> str:
    return "unknown" if x is None else f"{x:.6g}"


def _profile(result: Result) -> str:
    return profile_of(result.methodology)


def _item(result: Result, kind: str, item_id: int) -> dict[str, Any]:
    rows = result.items.filter((pl.col("item_kind") == kind) & (pl.col("item_id") == item_id))
    if rows.height == 0:
        raise NotFound(f"no {kind} item with id {item_id} in this result")
    return rows.row(0, named=True)


def _impacts(result: Result, kind: str, item_id: int) -> list[dict[str, Any]]:
    rows = result.impacts.filter((pl.col("item_kind") == kind) & (pl.col("item_id") == item_id))
    return rows.sort("criterion", "stage").to_dicts()


def _asset_params(
    inventory: Inventory,
    factors: FactorSet,
    result: Result,
    kind: str,
    item_id: int,
    country: str | None,
    stored_ref: str | None = None,
) -> dict[str, Any]:
    """Recompute the parameters (and how each was chosen) of one equipment, cloud or storage item.

    ``stored_ref`` is the reference item the run used: when it came from outside the inventory (BoaviztAPI
    rows of the run's factor set), the item is pointed at it, as the run did.
    """
    profile = _profile(result)
    one = Inventory(sites=inventory.sites)
    refs = set(factors.impacts["ref"].drop_nulls().to_list())
    forced = (
        stored_ref
        if stored_ref is not None and stored_ref.startswith("boavizta:") and stored_ref in refs
        else None
    )
    if kind == "equipment":
        one.equipment = conform(inventory.equipment, EQUIPMENT).filter(pl.col("id") == item_id)
        if forced is not None:
            one.equipment = one.equipment.with_columns(pl.lit(forced).alias("model_ref"))
        assets, _ = counted_equipment(one, profile, result.reference_date)
    elif kind == "cloud":
        one.cloud = conform(inventory.cloud, CLOUD).filter(pl.col("id") == item_id)
        if forced is not None:
            one.cloud = one.cloud.with_columns(pl.lit(forced).alias("model_ref"))
        assets = cloud_assets(one, factors)
    else:
        one.storage = conform(inventory.storage, STORAGE).filter(pl.col("id") == item_id)
        assets = storage_assets(one, factors)
    criteria = factors.criteria["code"].to_list()
    frame = compute_assets(
        assets,
        one,
        factors,
        profile=profile,
        reference_date=result.reference_date,
        org_country=country,
        criteria=criteria,
    )
    return frame.row(0, named=True) if frame.height else {}


def _factor_row(factors: FactorSet, ref: str | None, stage: str, criterion: str) -> dict[str, Any] | None:
    rows = factors.impacts.filter(
        (pl.col("ref") == ref) & (pl.col("stage") == stage) & (pl.col("criterion") == criterion)
    )
    if rows.height == 0:
        return None
    r = rows.row(0, named=True)
    return {
        k: r[k] for k in ("ref", "stage", "criterion", "value", "low", "high", "source", "licence", "row_id")
    }


def _electricity_row(factors: FactorSet, country: str | None, criterion: str) -> dict[str, Any] | None:
    rows = factors.electricity.filter((pl.col("country") == country) & (pl.col("criterion") == criterion))
    if rows.height == 0:
        return None
    r = rows.sort("year", descending=True, nulls_last=True).row(0, named=True)
    return {
        k: r[k]
        for k in ("country", "criterion", "value", "low", "high", "year", "source", "licence", "row_id")
    }


def explain(inventory: Inventory, factors: FactorSet, result: Result, item_kind: str, item_id: int) -> dict:
    """A structured trace for one item of ``result`` (computed from ``inventory`` and ``factors``).

    Keys: item (the result row), inputs (value, unit, method), impacts (per criterion and stage: value,
    low, high, formula with its numbers, factor rows used), and ``host`` / ``targets`` for allocations.
    """
    factors = conform_factors(factors)
    item = _item(result, item_kind, item_id)
    units = dict(zip(factors.criteria["code"].to_list(), factors.criteria["unit"].to_list(), strict=True))
    impacts = _impacts(result, item_kind, item_id)
    out: dict[str, Any] = {
        "item": item,
        "methodology": result.methodology,
        "reference_date": result.reference_date.isoformat(),
        "warnings": item["warnings"],
        "warnings_text": describe_all(
            item["warnings"],
            "en",
            {
                "ref": item.get("factor_ref"),
                "country": item.get("country"),
                "category": item.get("category"),
                "host": item.get("host_id"),
            },
            dict(
                zip(factors.criteria["code"].to_list(), factors.criteria["label_en"].to_list(), strict=True)
            ),
        ),
    }
    on_host = item_kind in ("vm", "idle") or (item_kind == "storage" and item["host_id"] is not None)
    if on_host:
        out["host"] = (
            explain(inventory, factors, result, "equipment", item["host_id"])
            if _exists(result, "equipment", item["host_id"])
            else None
        )
        out["inputs"] = {"share": {"value": item["share"], "unit": "1", "method": item["share_method"]}}
        host_values = {
            (r["criterion"], r["stage"]): r["value"]
            for r in _impacts(result, "equipment", item["host_id"] or -1)
        }
        for r in impacts:
            hv = host_values.get((r["criterion"], r["stage"]))
            r["formula"] = (
                f"{_n(hv)} {units.get(r['criterion'], '')} (host {item['host_id']}) × "
                f"{_n(item['share'])} ({item['share_method']})"
            )
        out["impacts"] = impacts
        return out
    if item_kind == "application":
        links = conform(inventory.app_links, APP_LINKS).filter(pl.col("application_id") == item_id)
        targets = []
        for link in links.unique().iter_rows(named=True):
            kind = (
                "vm"
                if link["vm_id"] is not None
                else "cloud"
                if link["cloud_instance_id"] is not None
                else "equipment"
            )
            tid = link["vm_id"] or link["cloud_instance_id"] or link["equipment_id"]
            col = {"vm": "vm_id", "cloud": "cloud_instance_id", "equipment": "equipment_id"}[kind]
            n_apps = (
                conform(inventory.app_links, APP_LINKS)
                .filter(pl.col(col) == tid)["application_id"]
                .n_unique()
            )
            targets.append(
                {
                    "item_kind": kind,
                    "item_id": tid,
                    "applications_on_target": n_apps,
                    "impacts": {
                        (r["criterion"], r["stage"]): r["value"] for r in _impacts(result, kind, tid)
                    },
                }
            )
        for r in impacts:
            key = (r["criterion"], r["stage"])
            terms = [f"{_n(t['impacts'].get(key))} / {t['applications_on_target']}" for t in targets]
            r["formula"] = " + ".join(terms) if terms else "no linked target"
        for t in targets:
            t["impacts"] = [{"criterion": c, "stage": s, "value": v} for (c, s), v in t["impacts"].items()]
        out["targets"] = targets
        out["impacts"] = impacts
        return out
    p = _asset_params(inventory, factors, result, item_kind, item_id, item["country"], item["factor_ref"])

    def method(name: str) -> Any:
        # The run's own record of how a parameter was chosen, else the recomputed one (older runs).
        return item.get(name) or p.get(name)

    out["inputs"] = {
        "quantity": {
            "value": item["quantity"],
            "unit": "GB" if item_kind == "storage" else "items",
            "method": "input",
        },
        "factor_ref": {"value": item["factor_ref"], "unit": "", "method": method("ref_method")},
        "lifetime": {
            "value": item["lifetime_years"],
            "unit": "y",
            "method": item["lifetime_method"],
            "low": p.get("life_low"),
            "high": p.get("life_high"),
        },
        "usage_rate": {"value": item["usage_rate"], "unit": "1", "method": method("usage_method")},
        "annual_kwh": {"value": item["annual_kwh"], "unit": "kWh/y", "method": item["kwh_method"]},
        "pue": {"value": item["pue"], "unit": "1", "method": method("pue_method")},
        "country": {"value": item["country"], "unit": "", "method": method("country_method")},
    }
    if item.get("age_years") is not None:
        out["inputs"]["age"] = {"value": item["age_years"], "unit": "y", "method": "purchase_date"}
    refurb_note = ""
    if p.get("refurb_method") not in (None, "new"):
        out["inputs"]["refurbished_factor"] = {
            "value": p.get("refurb_factor"),
            "unit": "1",
            "method": p.get("refurb_method"),
            "low": p.get("refurb_low"),
            "high": p.get("refurb_high"),
        }
        refurb_note = f" × {_n(p.get('refurb_factor'))} (refurbished, {p.get('refurb_method')})"
    share = ""
    if item_kind == "cloud":
        out["inputs"]["share"] = {"value": item["share"], "unit": "1", "method": item["share_method"]}
        share = f" × {_n(item['share'])} (share of host archetype)"
    q, u = _n(item["quantity"]), _n(item["usage_rate"])
    for r in impacts:
        unit = units.get(r["criterion"], "")
        if r["stage"] in EMBODIED_STAGES:
            row = _factor_row(factors, item["factor_ref"], r["stage"], r["criterion"])
            r["factor_rows"] = [row] if row else []
            refurb = refurb_note if r["stage"] == "manufacturing" else ""
            r["formula"] = (
                f"{q} × {_n(row['value'] if row else None)} {unit}{share}{refurb} × {u} / "
                f"{_n(item['lifetime_years'])} y"
            )
        else:
            row = _electricity_row(factors, item["country"], r["criterion"])
            r["factor_rows"] = [row] if row else []
            r["formula"] = (
                f"{q}{share} × {_n(item['annual_kwh'])} kWh × {_n(row['value'] if row else None)} "
                f"{unit}/kWh × PUE {_n(item['pue'])} × {u}"
            )
        r["formula"] += f" = {_n(r['value'])}"
    out["impacts"] = impacts
    return out


def _exists(result: Result, kind: str, item_id: int | None) -> bool:
    if item_id is None:
        return False
    return result.items.filter((pl.col("item_kind") == kind) & (pl.col("item_id") == item_id)).height > 0
