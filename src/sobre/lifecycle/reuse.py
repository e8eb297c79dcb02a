"""REEN art. 16 (décret 2023-266): share of reformed IT equipment sent to reuse, against the dated minimum.

Pure.  As article 3 of the decree writes it: Result = A / B × 100, with
A = items of article 1 sent to reuse or re-use during year N, and
B = reformed items of article 1 in stock on 1 January N.

Article 1's items are screens over 100 cm² and small IT and telecommunication equipment
(``reen16.categories``); items over ten years old at the date of their reform (``reen16.max_age_years``) and
items holding classified or security-bound data are left out.  An item given away or sold counts in A only
if its new holder commits to reuse it: an unknown commitment widens the range instead of being assumed.
Because B is a stock on 1 January, an item reformed and given away within the same year counts in A only;
the trail says so, and a second figure gives the share of the year's disposals that went to reuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sobre.lifecycle.events import DISPOSALS, REUSE_DISPOSALS, Kind
from sobre.lifecycle.figures import Figure, Trail, share
from sobre.lifecycle.parameters import Param, Table


@dataclass(frozen=True)
class ItemEvent:
    """One event of one item, as the computation needs it (quantities in items)."""

    item: str
    kind: str
    event_date: date
    quantity: float
    category: str | None
    purchase_date: date | None
    reuse_commitment: bool | None = None
    restricted: bool = False
    event_id: int | None = None
    reason: str | None = None
    name: str | None = None  # the item's name when ``item`` is another key


def _age_years(purchased: date | None, on: date) -> float | None:
    return None if purchased is None else (on - purchased).days / 365.25


def _by_item(events: list[ItemEvent]) -> dict[str, list[ItemEvent]]:
    out: dict[str, list[ItemEvent]] = {}
    for e in sorted(events, key=lambda e: (e.event_date, e.event_id or 0)):
        out.setdefault(e.item, []).append(e)
    return out


@dataclass
class ReuseResult:
    year: int
    rate: Figure
    disposals_to_reuse: Figure


def compute(events: list[ItemEvent], year: int, table: Table) -> ReuseResult:
    start, end = date(year, 1, 1), date(year, 12, 31)
    stock_day = start - timedelta(days=1)
    cats_rule = table.at("reen16.categories", start) or table.at("reen16.categories", end)
    age_rule = table.at("reen16.max_age_years", end)
    target = table.at("reen16.reuse_target", start)
    categories = set(cats_rule.items) if cats_rule else set()
    max_age = age_rule.number if age_rule else None

    a_sure = a_unknown = b = 0.0
    all_disposals = reuse_sure = reuse_unknown = 0.0
    rows: list[dict[str, object]] = []
    disposal_rows: list[dict[str, object]] = []
    no_age = 0.0
    for item, history in _by_item(events).items():
        first = history[0]
        reform = next((e for e in history if e.kind == Kind.REFORMED), None)
        restricted = any(e.restricted for e in history)
        category = next((e.category for e in reversed(history) if e.category), first.category)
        purchased = next((e.purchase_date for e in history if e.purchase_date), None)
        in_scope = category in categories
        out_reason = None if in_scope else "category out of scope"
        before = [e for e in history if e.event_date <= stock_day]
        during = [e for e in history if start <= e.event_date <= end]
        disposal = next((e for e in during if e.kind in DISPOSALS), None)
        reform_day = reform.event_date if reform else (disposal.event_date if disposal else None)
        age = _age_years(purchased, reform_day) if reform_day else None
        if in_scope and restricted:
            out_reason = "holds classified or security-bound data"
        elif in_scope and age is not None and max_age is not None and age > max_age:
            out_reason = f"over {max_age:g} years old at reform"
        counted = out_reason is None
        in_stock = bool(before) and before[-1].kind == Kind.REFORMED
        quantity = (disposal or before[-1] if before else disposal or first).quantity
        if counted and age is None and (in_stock or disposal):
            no_age += quantity
        if counted and in_stock:
            b += quantity
        in_a = "no"
        if counted and disposal is not None and disposal.kind in REUSE_DISPOSALS:
            if disposal.reuse_commitment is False:
                in_a = "no (no reuse commitment)"
            elif disposal.reuse_commitment is None:
                a_unknown += quantity
                in_a = "unknown (commitment not recorded)"
            else:
                a_sure += quantity
                in_a = "yes"
        if counted and disposal is not None:
            all_disposals += quantity
            if in_a == "yes":
                reuse_sure += quantity
            elif in_a.startswith("unknown"):
                reuse_unknown += quantity
            disposal_rows.append(
                {
                    "item": history[-1].name or item,
                    "kind": disposal.kind,
                    "date": disposal.event_date,
                    "quantity": quantity,
                    "to_reuse": in_a,
                }
            )
        if in_stock or disposal is not None:
            rows.append(
                {
                    "item": history[-1].name or item,
                    "category": category,
                    "quantity": quantity,
                    "reformed_on": reform.event_date if reform else None,
                    "in_stock_1_january": "yes" if counted and in_stock else "no",
                    "sent_to_reuse_in_year": in_a,
                    "excluded": out_reason or "",
                    "event": disposal.event_id if disposal else (before[-1].event_id if before else None),
                }
            )
    rules = [r for r in (cats_rule, age_rule) if r is not None]
    notes = [
        "B is the stock of reformed items on 1 January: items reformed and disposed of within the year "
        "count in A only, as article 3 of décret 2023-266 defines the ratio"
    ]
    warnings: tuple[str, ...] = ()
    note_keys: list[tuple[str, dict[str, object]]] = []
    if no_age:
        warnings = (f"{no_age:g} items without a purchase date are assumed under the age limit",)
        notes.append(warnings[0])
        note_keys.append(("lc.note.reen_no_age", {"n": no_age}))
    values = {"categories": sorted(categories)}
    trail = Trail(
        "A / B × 100",
        _perimeter(categories),
        start,
        end,
        rules=rules,
        rows=rows,
        notes=notes,
        key="reen16.rate",
        values=values,
        note_keys=note_keys,
    )
    rate = share(
        "reen16.reuse_rate",
        a_sure,
        a_unknown,
        b,
        trail,
        source="lifecycle events; décret 2023-266 art. 3",
        empty_reason=f"no reformed item in stock on 1 January {year}",
        count_unit="items",
        target=target,
        warnings=warnings,
    )
    side = Trail(
        "items disposed of to reuse in the year / items disposed of in the year",
        _perimeter(categories),
        start,
        end,
        rules=rules,
        rows=disposal_rows,
        key="reen16.disposals",
        values=values,
    )
    disposals = share(
        "reen16.disposals_to_reuse",
        reuse_sure,
        reuse_unknown,
        all_disposals,
        side,
        source="lifecycle events",
        empty_reason=f"no item disposed of in {year}",
        count_unit="items",
    )
    return ReuseResult(year, rate, disposals)


def _perimeter(categories: set[str]) -> str:
    return (
        "reformed screens and small IT and telecom equipment ("
        + ", ".join(sorted(categories))
        + "), at most ten years old at reform, without classified data; counted in items"
    )


def target_for(table: Table, year: int) -> Param | None:
    return table.at("reen16.reuse_target", date(year, 1, 1))
