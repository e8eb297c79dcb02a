"""Dated, versioned regulatory parameters with their sources (rates, scopes, thresholds): data, never code.

The built-in table (``data/regulatory_parameters.csv``, version :data:`TABLE_VERSION`) holds the rates of the
French rules; an organisation adds its own rows (an electricity contract, a rate the table lacks), which win
over built-in rows valid on the same day.  A figure that needs a parameter asks for it *at a date*, so a
purchase of June 2024 meets the rule of décret 2021-254 and one of July 2024 that of décret 2024-134.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).parent / "data" / "regulatory_parameters.csv"
#: Version of the built-in table: change it whenever a row changes, so reports say which table they used.
TABLE_VERSION = "2026.1"


@dataclass(frozen=True)
class Param:
    key: str
    value: str
    unit: str
    valid_from: date
    valid_to: date | None
    instrument: str
    reference: str
    source_url: str
    note: str = ""
    origin: str = "builtin"  # builtin (TABLE_VERSION) or organisation

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def number(self) -> float:
        return float(self.value)

    @property
    def items(self) -> list[str]:
        return [x.strip() for x in self.value.split(";") if x.strip()]

    def cite(self) -> str:
        """How a report names the rule: instrument, reference, address."""
        parts = [self.instrument, self.reference]
        if self.origin != "builtin":
            parts.append("organisation's own parameter")
        text = " — ".join(p for p in parts if p)
        return f"{text} ({self.source_url})" if self.source_url else text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["valid_from"] = self.valid_from.isoformat()
        data["valid_to"] = self.valid_to.isoformat() if self.valid_to else None
        return data


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


@cache
def builtin() -> tuple[Param, ...]:
    with TABLE_PATH.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        start = _day(r["valid_from"])
        assert start is not None, f"{r['key']}: every built-in parameter has a start date"
        out.append(
            Param(
                key=r["key"],
                value=r["value"],
                unit=r["unit"],
                valid_from=start,
                valid_to=_day(r["valid_to"]),
                instrument=r["instrument"],
                reference=r["reference"],
                source_url=r["source_url"],
                note=r["note"],
            )
        )
    return tuple(out)


class Table:
    """The parameters in force for one organisation: its own rows over the built-in ones."""

    def __init__(self, rows: Iterable[Param] = (), *, include_builtin: bool = True) -> None:
        own = list(rows)
        self.rows = own + (list(builtin()) if include_builtin else [])
        self.version = TABLE_VERSION

    def at(self, key: str, day: date) -> Param | None:
        """The row for ``key`` in force on ``day`` (an organisation's row first), or None."""
        found = [p for p in self.rows if p.key == key and p.valid_on(day)]
        found.sort(key=lambda p: (p.origin == "builtin", -p.valid_from.toordinal()))
        return found[0] if found else None

    def keys(self, prefix: str = "") -> list[str]:
        return sorted({p.key for p in self.rows if p.key.startswith(prefix)})

    def segments(self, key: str, start: date, end: date) -> list[tuple[date, date, Param | None]]:
        """Split [start, end] into the spans over which one row of ``key`` is in force (None for a gap)."""
        cuts = {start, end + timedelta(days=1)}
        for p in self.rows:
            if p.key != key:
                continue
            for d in (p.valid_from, (p.valid_to + timedelta(days=1)) if p.valid_to else None):
                if d is not None and start < d <= end:
                    cuts.add(d)
        edges = sorted(cuts)
        out: list[tuple[date, date, Param | None]] = []
        for a, b in zip(edges, edges[1:], strict=False):
            param = self.at(key, a)
            last = b - timedelta(days=1)
            if out and out[-1][2] == param:
                out[-1] = (out[-1][0], last, param)
            else:
                out.append((a, last, param))
        return out
