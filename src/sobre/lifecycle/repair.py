"""Repair or replace: the footprint and cost of each option over the same years, computed by the footprint
engine on the item itself (its category, model, country, usage) with the factor set of the latest run.

Over the extension period H (years the repair keeps the item in service), in the footprint's convention
(embodied impacts spread over the lifetime, yearly use):

- repair: H × (the old item's yearly embodied share with its lifetime lengthened to age + H, plus its yearly
  use) + the parts' manufacturing footprint when known (left out, and said, when not);
- replace: H × (a new or refurbished item's yearly embodied share over its default lifetime, plus its
  yearly use).

The decision view is given too: replacing now causes the whole manufacturing of the replacement at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound
from sobre.inventory import service as inventory
from sobre.lifecycle.gather import gather
from sobre.orgs import service as orgs

CRITERION = "climate_change"
EMBODIED = ("manufacturing", "distribution", "end_of_life")


def _frame(item: dict[str, Any], *, lifetime: float | None, refurbished: bool, country: str | None) -> Any:
    from sobre.footprint.schema import EQUIPMENT, Inventory

    row: dict[str, Any] = dict.fromkeys(EQUIPMENT)
    row.update(
        id=1,
        name=item["name"],
        category=item["category"],
        model=item["model"],
        quantity=1.0,
        status="in_use",
        lifetime_years=lifetime,
        refurbished=refurbished,
        country=country,
        data_quality="medium",
    )
    return Inventory(equipment=pl.DataFrame([row], schema=EQUIPMENT))


def _yearly(result: Any) -> dict[str, tuple[float | None, float | None, float | None]]:
    rows = result.impacts.filter(pl.col("criterion") == CRITERION).to_dicts()
    return {r["stage"]: (r["value"], r["low"], r["high"]) for r in rows}


def _over(
    yearly: dict[str, tuple[float | None, float | None, float | None]], years: float, extra: float = 0.0
) -> dict[str, Any]:
    parts = [yearly.get(s) for s in (*EMBODIED, "use")]
    if any(p is None or p[0] is None for p in parts):
        return {
            "value": None,
            "low": None,
            "high": None,
            "reason": "the engine could not compute every stage",
        }
    out: dict[str, Any] = {}
    for i, key in enumerate(("value", "low", "high")):
        out[key] = sum(float(p[i] or 0.0) for p in parts if p is not None) * years + extra
    return out


def compare(
    database_url: str,
    org: str,
    item: str,
    *,
    repair_cost: float,
    extension_years: float = 2.0,
    new_price: float | None = None,
    replacement: str = "new",
    parts_kgco2e: float | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Both options for inventory item ``item``, as plain data (climate change in kgCO2e, cost in €)."""
    from sobre.footprint import engine
    from sobre.footprint.factors.store import load_factor_set
    from sobre.footprint.runs import service as runs

    if extension_years <= 0:
        raise InputError("the extension must be positive", column="--extension", value=extension_years)
    if replacement not in ("new", "refurbished"):
        raise InputError(
            "unknown replacement", column="--replacement", value=replacement, expected="new, refurbished"
        )
    day = today or date.today()
    latest = runs.latest_run(database_url, org)
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        found = inventory.equipment_records(session, organisation.id, names=[item])
        if not found:
            raise NotFound(f"no equipment named {item!r} in the inventory of {org!r}")
        record = found[0]
        factors = load_factor_set(
            session,
            latest.factor_set_id if latest else None,
            latest.factor_set_version if latest else None,
            org_id=organisation.id,
        )
        country = organisation.country
    age = (day - record["purchase_date"]).days / 365.25 if record["purchase_date"] else None
    if age is None:
        raise InputError(
            f"{item} has no purchase date: its age is needed to spread its manufacturing",
            column="purchase_date",
        )
    old = engine.compute(
        _frame(record, lifetime=max(age + extension_years, 1.0), refurbished=False, country=country),
        factors,
        reference_date=day,
        org_country=country,
    )
    new = engine.compute(
        _frame(record, lifetime=None, refurbished=replacement == "refurbished", country=country),
        factors,
        reference_date=day,
        org_country=country,
    )
    old_y, new_y = _yearly(old), _yearly(new)
    new_life = new.items["lifetime_years"][0]
    notes = [
        f"period compared: {extension_years:g} years; the item is {age:.1f} years old",
        f"factor set {factors.id} {factors.version}; replacement lifetime {new_life:g} years",
    ]
    if parts_kgco2e is None:
        notes.append("the parts' manufacturing footprint is not given: the repair figure leaves it out")
    price_lines = None
    if new_price is None:
        data = gather(database_url, org)
        prices = [
            p.unit_price
            for p in data.purchases
            if p.category == record["category"]
            and (p.condition or "new") == replacement
            and p.acquisition == "purchase"
        ]
        if prices:
            new_price = sum(prices) / len(prices)
            price_lines = len(prices)
            notes.append(
                f"replacement price: average of {len(prices)} {replacement} purchases of this category"
            )
    whole = [new_y.get(s) for s in EMBODIED]
    total = None
    if all(w is not None and w[0] is not None for w in whole):
        total = sum(w[0] for w in whole if w and w[0] is not None) * new_life
        notes.append(
            f"decision view: replacing now causes {total:.0f} kgCO2e of manufacturing, distribution "
            "and end of life at once"
        )
    return {
        "item": item,
        "category": record["category"],
        "age_years": age,
        "extension_years": extension_years,
        "options": [
            {
                "name": "repair",
                "climate_change": _over(old_y, extension_years, parts_kgco2e or 0.0),
                "cost": repair_cost,
            },
            {
                "name": f"replace ({replacement})",
                "climate_change": _over(new_y, extension_years),
                "cost": new_price,
            },
        ],
        "yearly": {"repair": old_y, "replace": new_y},
        "notes": notes,
        # The notes' figures, for pages that say them in their reader's language.
        "facts": {
            "factor_set": f"{factors.id} {factors.version}",
            "replacement": replacement,
            "replacement_lifetime": new_life,
            "parts_known": parts_kgco2e is not None,
            "price_lines": price_lines,
            "decision_kgco2e": total,
        },
    }
