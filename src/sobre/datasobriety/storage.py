"""The footprint of stored bytes: TB-year × storage factor × copies (replicas and backups).

``impact = TB × years × copies × (kWh per TB-year × PUE × electricity factor + embodied per TB-year)``

- TB are decimal (10¹² bytes), as drive makers and cloud bills count them;
- energy per TB-year and embodied impact per TB-year come from ``data/storage_factors.csv`` (sources and
  licences on each row); the electricity factor of the country and the default PUE come from the
  footprint's factor set (read through ``sobre.footprint.factors``), so a user's own set applies;
- copies = replicas (the primary included) + backup copies; each copy sits on the same media here.

Pure: the caller passes the factor set; nothing here reads a database.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from sobre.core.errors import InputError
from sobre.core.estimate import Estimate, Status
from sobre.footprint.schema import FactorSet

TB = 10**12
MEDIA = ("hdd", "ssd")
_DATA = Path(__file__).parent / "data" / "storage_factors.csv"


@dataclass(frozen=True)
class StorageFactor:
    value: float
    low: float
    high: float
    unit: str
    source: str


@cache
def storage_factors() -> dict[tuple[str, str, str], StorageFactor]:
    """(media, kind, criterion) → factor; kind is ``energy`` (criterion empty) or ``embodied``."""
    with _DATA.open(encoding="utf-8") as f:
        return {
            (r["media"], r["kind"], r["criterion"]): StorageFactor(
                float(r["value"]), float(r["low"]), float(r["high"]), r["unit"], r["source"]
            )
            for r in csv.DictReader(f)
        }


@dataclass(frozen=True)
class StorageParams:
    """Where the bytes live: media, copies, country of the data centre, PUE (None: the set's default)."""

    media: str = "hdd"
    replicas: float = 1.0
    backups: float = 1.0
    country: str = "FR"
    pue: float | None = None
    #: Whether each parameter was given by the user (``input``) or is Sobre's default (``default``).
    given: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.media not in MEDIA:
            raise InputError(
                "unknown storage media", column="--media", value=self.media, expected="hdd or ssd"
            )
        if self.replicas < 1:
            raise InputError(
                "replicas count the primary copy",
                column="--replicas",
                value=self.replicas,
                expected="a number ≥ 1",
            )
        if self.backups < 0:
            raise InputError(
                "invalid number of backup copies",
                column="--backups",
                value=self.backups,
                expected="a number ≥ 0",
            )

    @classmethod
    def described(
        cls,
        media: str | None = None,
        replicas: float | None = None,
        backups: float | None = None,
        country: str | None = None,
        pue: float | None = None,
    ) -> StorageParams:
        """The storage as a user described it: what is None is Sobre's default, the rest is ``input``."""
        values = {"media": media, "replicas": replicas, "backups": backups, "country": country, "pue": pue}
        return cls(
            media=media or "hdd",
            replicas=1.0 if replicas is None else replicas,
            backups=1.0 if backups is None else backups,
            country=(country or "FR").upper(),
            pue=pue,
            given=frozenset(k for k, v in values.items() if v is not None),
        )

    @property
    def copies(self) -> float:
        return self.replicas + self.backups

    def to_dict(self) -> dict[str, object]:
        return {
            "media": self.media,
            "replicas": self.replicas,
            "backups": self.backups,
            "country": self.country,
            "pue": self.pue,
            "given": sorted(self.given),
        }


@dataclass
class StorageFootprint:
    tb_year: float
    kwh: Estimate
    #: criterion → yearly impact of storing the bytes (use + embodied), in the set's unit.
    impacts: dict[str, Estimate]
    warnings: list[str] = field(default_factory=list)


def _electricity(factors: FactorSet, country: str, criterion: str) -> tuple[float, float, float, str] | None:
    rows = factors.electricity.filter(
        (factors.electricity["country"] == country) & (factors.electricity["criterion"] == criterion)
    )
    if rows.height == 0:
        return None
    r = rows.row(0, named=True)
    low = r["low"] if r["low"] is not None else r["value"]
    high = r["high"] if r["high"] is not None else r["value"]
    return r["value"], low, high, f"{factors.id} {factors.version}, {r['row_id']}: {r['source']}"


def footprint(
    size_bytes: int | float, params: StorageParams, factors: FactorSet, *, years: float = 1.0
) -> StorageFootprint:
    """Yearly footprint (per criterion of the factor set) of keeping ``size_bytes`` for ``years``."""
    tb_year = size_bytes / TB * years * params.copies
    table = storage_factors()
    energy = table[(params.media, "energy", "")]
    warnings: list[str] = []
    pue = params.pue if params.pue is not None else factors.hypotheses.get("default_pue")
    if pue is None:
        pue = 1.0
        warnings.append("no PUE given nor in the factor set: 1.0 assumed")
    # Modelled from the user's own description of the storage, or resting on Sobre's defaults.
    status = Status.MODELLED if {"media", "replicas", "backups"} <= params.given else Status.DEFAULT
    kwh = Estimate(
        tb_year * energy.value * pue,
        "kWh",
        tb_year * energy.low * pue,
        tb_year * energy.high * pue,
        status=status,
        source=f"{energy.source}; PUE {pue}",
    )
    impacts: dict[str, Estimate] = {}
    for crit in factors.criteria.iter_rows(named=True):
        code, unit = crit["code"], crit["unit"]
        elec = _electricity(factors, params.country, code)
        embodied = table.get((params.media, "embodied", code))
        if elec is None and embodied is None:
            impacts[code] = Estimate.unknown(unit, f"no electricity or storage factor for {code}")
            continue
        parts: list[str] = []
        value = low = high = 0.0
        if elec is not None:
            assert kwh.value is not None and kwh.low is not None and kwh.high is not None
            value += kwh.value * elec[0]
            low += kwh.low * elec[1]
            high += kwh.high * elec[2]
            parts.append(f"use: {elec[3]}")
        else:
            warnings.append(f"{code}: no electricity factor for {params.country}; use stage not counted")
        if embodied is not None:
            value += tb_year * embodied.value
            low += tb_year * embodied.low
            high += tb_year * embodied.high
            parts.append(f"embodied: {embodied.source}")
        else:
            warnings.append(f"{code}: no embodied storage factor; manufacturing not counted")
        impacts[code] = Estimate(value, unit, low, high, status=kwh.status, source=" | ".join(parts))
    return StorageFootprint(tb_year, kwh, impacts, warnings)
