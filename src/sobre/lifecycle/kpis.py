"""Lifecycle and purchasing KPIs of one year, from events, purchase lines and the fleet.  Pure.

- average lifetime at retirement: (date the item left service − purchase date), items weighted by quantity;
- reuse rate: items leaving the organisation that went to reuse (donated, resold, taken back for reuse)
  / all items leaving it; an unknown reuse commitment widens the range;
- refurbished share: spend on refurbished or second-hand purchases / all purchase spend;
- repair rate: repairs / (repairs + items reformed because they failed);
- fleet age: mean age of the items in use or in stock at the end of the year.

A KPI with nothing to count is unknown with a reason, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sobre.core.estimate import Estimate, Status
from sobre.inventory.taxonomy import ACTIVE_STATUSES
from sobre.lifecycle.agec import PurchaseLine
from sobre.lifecycle.events import DISPOSALS, END_OF_USE, REUSE_DISPOSALS, Kind
from sobre.lifecycle.reuse import ItemEvent

YEARS = "years"
RATIO = "ratio"
AGE_BUCKETS = ((0, 2), (2, 4), (4, 6), (6, 8), (8, None))


@dataclass
class Kpi:
    code: str
    estimate: Estimate
    count: float = 0.0  # how many items, lines or € the KPI rests on
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        e = self.estimate
        return {
            "code": self.code,
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "unit": e.unit,
            "status": str(e.status),
            "reason": e.reason,
            "warnings": list(e.warnings),
            "count": self.count,
            "detail": self.detail,
        }


def _ratio(code: str, sure: float, unknown: float, total: float, reason: str) -> Kpi:
    if total <= 0:
        return Kpi(code, Estimate.unknown(RATIO, reason))
    return Kpi(
        code, Estimate(sure / total, RATIO, sure / total, (sure + unknown) / total, Status.INPUT), total
    )


def _mean(code: str, pairs: list[tuple[float, float]], reason: str, warnings: tuple[str, ...] = ()) -> Kpi:
    weight = sum(q for _v, q in pairs)
    if weight <= 0:
        return Kpi(code, Estimate.unknown(YEARS, reason))
    value = sum(v * q for v, q in pairs) / weight
    return Kpi(code, Estimate(value, YEARS, status=Status.INPUT, warnings=warnings), weight)


def _years(a: date, b: date) -> float:
    return (b - a).days / 365.25


def _histories(events: list[ItemEvent]) -> dict[str, list[ItemEvent]]:
    out: dict[str, list[ItemEvent]] = {}
    for e in sorted(events, key=lambda e: (e.event_date, e.event_id or 0)):
        out.setdefault(e.item, []).append(e)
    return out


def compute(
    events: list[ItemEvent], purchases: list[PurchaseLine], fleet: list[dict[str, Any]], year: int
) -> dict[str, Kpi]:
    start, end = date(year, 1, 1), date(year, 12, 31)
    in_year = [e for e in events if start <= e.event_date <= end]
    out: dict[str, Kpi] = {}

    # Lifetime at retirement, overall and per category (first end-of-use event of the year).
    lifetimes: list[tuple[float, float]] = []
    by_cat: dict[str, list[tuple[float, float]]] = {}
    undated = 0.0
    for history in _histories(events).values():
        ended = next((e for e in history if Kind(e.kind) in END_OF_USE), None)
        if ended is None or not start <= ended.event_date <= end:
            continue
        bought = next((e.purchase_date for e in history if e.purchase_date), None)
        if bought is None:
            undated += ended.quantity
            continue
        pair = (_years(bought, ended.event_date), ended.quantity)
        lifetimes.append(pair)
        by_cat.setdefault(ended.category or "other", []).append(pair)
    warn = (f"{undated:g} retired items without a purchase date are left out",) if undated else ()
    out["average_lifetime_at_retirement"] = _mean(
        "average_lifetime_at_retirement",
        lifetimes,
        f"no item with a purchase date left service in {year}",
        warn,
    )
    out["average_lifetime_at_retirement"].detail = {
        cat: {
            "mean": sum(v * q for v, q in ps) / sum(q for _v, q in ps),
            "min": min(v for v, _ in ps),
            "max": max(v for v, _ in ps),
            "items": sum(q for _v, q in ps),
        }
        for cat, ps in sorted(by_cat.items())
    }

    # Destinations and reuse rate.
    destinations: dict[str, float] = {}
    sure = unknown = total = 0.0
    for e in in_year:
        kind = Kind(e.kind)
        if kind not in DISPOSALS:
            continue
        destinations[kind.value] = destinations.get(kind.value, 0.0) + e.quantity
        total += e.quantity
        if kind in REUSE_DISPOSALS and e.reuse_commitment is not False:
            if e.reuse_commitment is None:
                unknown += e.quantity
            else:
                sure += e.quantity
    out["reuse_rate"] = _ratio("reuse_rate", sure, unknown, total, f"no item left the organisation in {year}")
    out["reuse_rate"].detail = {"destinations": destinations}

    # Refurbished share of purchase spend (all categories).
    lines = [p for p in purchases if start <= p.purchase_date <= end]
    spend = sum(p.amount for p in lines)
    reused = sum(p.amount for p in lines if p.reused() is True)
    unknown_spend = sum(p.amount for p in lines if p.reused() is None)
    out["refurbished_share"] = _ratio(
        "refurbished_share", reused, unknown_spend, spend, f"no purchase in {year}"
    )
    items = sum(p.quantity for p in lines)
    out["refurbished_share"].detail = {
        "spend": spend,
        "items": items,
        "refurbished_items": sum(p.quantity for p in lines if p.reused() is True),
    }

    # Repair rate.
    repairs = sum(e.quantity for e in in_year if e.kind == Kind.REPAIRED)
    failures = sum(e.quantity for e in in_year if e.kind == Kind.REFORMED and e.reason == "failure")
    out["repair_rate"] = _ratio(
        "repair_rate",
        repairs,
        0.0,
        repairs + failures,
        f"no repair and no item reformed for failure in {year}",
    )
    out["repair_rate"].detail = {"repairs": repairs, "reformed_for_failure": failures}

    # Fleet age at the end of the year.
    ages: list[tuple[float, float]] = []
    buckets: dict[str, dict[str, float]] = {}
    no_date = 0.0
    for item in fleet:
        if item["status"] not in ACTIVE_STATUSES or (item["purchase_date"] and item["purchase_date"] > end):
            continue
        qty = float(item["quantity"] or 1)
        if not item["purchase_date"]:
            no_date += qty
            continue
        age = _years(item["purchase_date"], end)
        ages.append((age, qty))
        label = _bucket(age)
        row = buckets.setdefault(item["category"], {b: 0.0 for b in map(_bucket_label, AGE_BUCKETS)})
        row[label] += qty
    warn = (f"{no_date:g} items without a purchase date are left out",) if no_date else ()
    out["fleet_age"] = _mean("fleet_age", ages, "no item in service with a purchase date", warn)
    out["fleet_age"].detail = {"by_category": dict(sorted(buckets.items()))}
    return out


def _bucket_label(bounds: tuple[int, int | None]) -> str:
    low, high = bounds
    return f"{low}+" if high is None else f"{low}-{high}"


def _bucket(age: float) -> str:
    for low, high in AGE_BUCKETS:
        if high is None or age < high:
            return _bucket_label((low, high))
    raise AssertionError("unreachable")
