"""Published reference figures the report compares an organisation with, each row with its source.

- ``benchmarks.csv``: digital footprints per employee and per inhabitant (kgCO2e a year);
- ``scope.csv``: the split of a national digital footprint into end-user devices, networks, data centres;
- ``equivalences.csv``: everyday equivalents (kgCO2e per unit) from ADEME's Impact CO2.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).parent


@cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    with (FOLDER / name).open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


def benchmarks() -> list[dict[str, str]]:
    return list(_rows("benchmarks.csv"))


def scope_splits() -> list[dict[str, str]]:
    return list(_rows("scope.csv"))


def equivalences() -> list[dict[str, str]]:
    return list(_rows("equivalences.csv"))
