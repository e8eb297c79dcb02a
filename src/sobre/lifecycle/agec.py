"""AGEC art. 58: shares of the year's spend on IT and telephony that is reused or has recycled content.

Pure.  The calendar year is cut where the decree in force changes (``agec.regime``: décret 2021-254 until
30 June 2024, décret 2024-134 from 1 July 2024); each span is held to the targets of its own decree, read
from the dated parameter table at the span's start.  Amounts are quantity × unit price, € excl. tax.

- décret 2021-254: one share, spend *reused or with recycled content* / spend (a line that is both counts
  once); donations received do not count.
- décret 2024-134: two shares, spend *reused* (refurbished or second-hand) / spend, and spend *with recycled
  content* / spend; donations received count at their flat-rate value (``agec.donations_count``).

A line whose condition or recycled content is unknown widens the range (low: not counted, high: counted)
rather than being guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sobre.lifecycle.figures import Figure, Trail, share
from sobre.lifecycle.parameters import Param, Table


class Condition(StrEnum):
    NEW = "new"
    REFURBISHED = "refurbished"  # reconditionné: reuse (réemploi) through a refurbisher
    REUSED = "reused"  # second-hand as is


REUSE_CONDITIONS = frozenset({Condition.REFURBISHED, Condition.REUSED})


@dataclass(frozen=True)
class PurchaseLine:
    id: int
    purchase_date: date
    category: str
    quantity: float
    unit_price: float
    condition: str | None  # Condition, None = unknown
    acquisition: str = "purchase"  # purchase or donation
    recycled_content_pct: float | None = None  # None = unknown
    supplier: str | None = None
    model: str | None = None

    @property
    def amount(self) -> float:
        return self.quantity * self.unit_price

    def reused(self) -> bool | None:
        return None if self.condition is None else self.condition in REUSE_CONDITIONS

    def recycled(self) -> bool | None:
        return None if self.recycled_content_pct is None else self.recycled_content_pct > 0


@dataclass
class Span:
    """One part of the year under one decree, with its figures."""

    start: date
    end: date
    regime: Param | None
    figures: list[Figure] = field(default_factory=list)


@dataclass
class AgecResult:
    year: int
    spans: list[Span]
    annual: list[Figure]
    table_version: str

    def all_figures(self) -> list[Figure]:
        return [f for s in self.spans for f in s.figures] + self.annual


PERIMETER = "purchases and donations received of IT and telephony ({categories}), € excl. tax"


def _both(flags: list[bool | None]) -> bool | None:
    """Either flag true → true; all known and false → false; else unknown."""
    if any(f is True for f in flags):
        return True
    return False if all(f is False for f in flags) else None


def _figure(
    key: str,
    lines: list[PurchaseLine],
    test: str,
    start: date,
    end: date,
    rules: list[Param],
    target: Param | None,
    categories: list[str],
    formula: str,
) -> Figure:
    sure = uncertain = total = 0.0
    rows = []
    for line in lines:
        flag = {
            "reuse": line.reused(),
            "recycled": line.recycled(),
            "reuse_or_recycled": _both([line.reused(), line.recycled()]),
        }[test]
        total += line.amount
        if flag is True:
            sure += line.amount
        elif flag is None:
            uncertain += line.amount
        rows.append(
            {
                "purchase": line.id,
                "date": line.purchase_date,
                "category": line.category,
                "acquisition": line.acquisition,
                "condition": line.condition,
                "recycled_content_pct": line.recycled_content_pct,
                "amount": round(line.amount, 2),
                "counted": {True: "yes", False: "no", None: "unknown"}[flag],
            }
        )
    notes, note_keys = [], []
    if uncertain:
        notes.append(f"{uncertain:.2f} € of lines with unknown condition or recycled content widen the range")
        note_keys.append(("lc.note.agec_uncertain", {"amount": uncertain}))
    if target is None:
        notes.append("no target for this share in the parameter table")
    trail = Trail(
        formula,
        PERIMETER.format(categories=", ".join(categories)),
        start,
        end,
        rules=[r for r in rules + ([target] if target else []) if r is not None],
        rows=rows,
        notes=notes,
        key=f"agec.{test}",
        values={"categories": categories},
        note_keys=note_keys,
    )
    return share(
        key,
        sure,
        uncertain,
        total,
        trail,
        source=f"{len(lines)} purchase lines; " + "; ".join(r.instrument for r in rules if r),
        empty_reason="no IT or telephony purchase in the period",
        target=target,
    )


_FORMULAS = {
    "reuse": "Σ amount of reused or refurbished lines / Σ amount of all lines",
    "recycled": "Σ amount of lines with recycled content / Σ amount of all lines",
    "reuse_or_recycled": "Σ amount of lines reused or with recycled content (once) / Σ amount of all lines",
}
#: Shares each decree sets, with the parameter key of its target.
_SHARES = {
    "2021-254": [("reuse_or_recycled", "agec.it_telephony.reuse_or_recycled_share")],
    "2024-134": [
        ("reuse", "agec.it_telephony.reuse_share"),
        ("recycled", "agec.it_telephony.recycled_share"),
    ],
}


def _in_scope(
    lines: list[PurchaseLine], table: Table, start: date, end: date
) -> tuple[list[PurchaseLine], list[str]]:
    cats = table.at("agec.it_telephony.categories", start)
    categories = cats.items if cats else []
    kept = []
    for line in lines:
        if not (start <= line.purchase_date <= end) or line.category not in categories:
            continue
        if line.acquisition == "donation" and table.at("agec.donations_count", line.purchase_date) is None:
            continue
        kept.append(line)
    return kept, categories


def compute(lines: list[PurchaseLine], year: int, table: Table) -> AgecResult:
    """The year's AGEC figures: one set per span of one decree, then the whole year against the decree in
    force on 31 December (the one the yearly declaration follows)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    spans = []
    for a, b, regime in table.segments("agec.regime", start, end):
        span = Span(a, b, regime)
        if regime is not None:
            scoped, categories = _in_scope(lines, table, a, b)
            cat_rule = table.at("agec.it_telephony.categories", a)
            for test, target_key in _SHARES.get(regime.value, []):
                span.figures.append(
                    _figure(
                        f"agec.{test}_share",
                        scoped,
                        test,
                        a,
                        b,
                        [regime, cat_rule] if cat_rule else [regime],
                        table.at(target_key, a),
                        categories,
                        _FORMULAS[test],
                    )
                )
        spans.append(span)
    annual: list[Figure] = []
    final = table.at("agec.regime", end)
    if final is not None:
        # Over the whole year each line is counted under the decree in force on its own date.
        scoped = [x for s in spans for x in _in_scope(lines, table, s.start, s.end)[0]]
        cats = table.at("agec.it_telephony.categories", end)
        for test in ("reuse", "recycled", "reuse_or_recycled"):
            target = dict(_SHARES.get(final.value, [])).get(test)
            annual.append(
                _figure(
                    f"agec.year.{test}_share",
                    scoped,
                    test,
                    start,
                    end,
                    [final],
                    table.at(target, end) if target else None,
                    cats.items if cats else [],
                    _FORMULAS[test],
                )
            )
    return AgecResult(year, spans, annual, table.version)
