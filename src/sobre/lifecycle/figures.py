"""A regulatory figure and its explain trail: formula, perimeter, period, the rules used and the rows counted.

Pure data shared by the regulatory computations (``agec``, ``reuse``, ``csrd``) and the documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sobre.core.estimate import Estimate
from sobre.lifecycle.parameters import Param

RATIO = "ratio"


@dataclass
class Trail:
    """How a figure was obtained, in enough detail to recompute it by hand."""

    formula: str
    perimeter: str
    start: date
    end: date
    rules: list[Param] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: How documents say it in the reader's language: message keys under ``lc.formula.`` and
    #: ``lc.perimeter.``, the values they fill in, and notes as (key, values) pairs.
    key: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    note_keys: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "formula": self.formula,
            "perimeter": self.perimeter,
            "period": [self.start.isoformat(), self.end.isoformat()],
            "rules": [p.to_dict() for p in self.rules],
            "rows": [
                {k: (v.isoformat() if isinstance(v, date) else v) for k, v in r.items()} for r in self.rows
            ],
            "notes": list(self.notes),
        }


@dataclass
class Figure:
    """One regulatory figure: its estimate, the target it is held to (if any) and its trail."""

    key: str  # stable code, e.g. agec.reuse_share
    estimate: Estimate
    trail: Trail
    target: float | None = None
    target_rule: Param | None = None
    numerator: float | None = None
    denominator: float | None = None
    unit_of_count: str = "€"  # what numerator and denominator count: € excl. tax, items

    @property
    def met(self) -> bool | None:
        """Whether the figure reaches its target for sure (its low end does), None when it cannot be said."""
        e = self.estimate
        if self.target is None or e.value is None or e.low is None or e.high is None:
            return None
        if e.low >= self.target:
            return True
        if e.high < self.target:
            return False
        return None

    def to_dict(self) -> dict[str, Any]:
        e = self.estimate
        return {
            "key": self.key,
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "unit": e.unit,
            "status": str(e.status),
            "source": e.source,
            "reason": e.reason,
            "warnings": list(e.warnings),
            "numerator": self.numerator,
            "denominator": self.denominator,
            "count_unit": self.unit_of_count,
            "target": self.target,
            "target_rule": self.target_rule.to_dict() if self.target_rule else None,
            "met": self.met,
            "trail": self.trail.to_dict(),
        }


def share(
    key: str,
    sure: float,
    uncertain: float,
    total: float,
    trail: Trail,
    *,
    source: str,
    empty_reason: str,
    count_unit: str = "€",
    target: Param | None = None,
    warnings: tuple[str, ...] = (),
) -> Figure:
    """sure / total, with a range up to (sure + uncertain) / total for rows whose status is not known."""
    from sobre.core.estimate import Status

    if total <= 0:
        estimate = Estimate.unknown(RATIO, empty_reason)
    else:
        estimate = Estimate(
            sure / total,
            RATIO,
            sure / total,
            (sure + uncertain) / total,
            status=Status.INPUT,
            source=source,
            warnings=warnings,
        )
    return Figure(
        key,
        estimate,
        trail,
        target=target.number if target is not None else None,
        target_rule=target,
        numerator=sure,
        denominator=total,
        unit_of_count=count_unit,
    )
