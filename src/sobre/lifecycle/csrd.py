"""CSRD ESRS E1-5 and E1-6 figures of the IT perimeter, and the IT lines of a French GHG inventory (BEGES),
from one footprint run.  Pure: the run's result frames and the parameter table in, tables out.

The partition, which sums to the run's climate-change total (equipment, cloud and storage not on equipment):

- use stage of the organisation's own equipment → Scope 2 location-based → BEGES 2.1 électricité;
- manufacturing of own equipment → Scope 3 cat. 2 capital goods → BEGES 4.2 immobilisations de biens;
- distribution of own equipment → Scope 3 cat. 4 upstream transport → BEGES 3.1 transport amont;
- end of life of own equipment → Scope 3 cat. 5 waste → BEGES 4.3 gestion des déchets;
- every stage of cloud instances → Scope 3 cat. 1 purchased services → BEGES 4.5 achats de services.

Embodied impacts are annualised over the items' lifetimes, as the footprint (and the BEGES method for
immobilisations) does; the GHG Protocol counts capital goods in their year of purchase instead, and the
report says so.  Energy (E1-5) = Σ quantity × share × usage rate × annual kWh × PUE of own items.  Its split
by source and the market-based Scope 2 need the organisation's electricity contract as dated parameters
(``csrd.electricity.share.{renewable,nuclear,fossil}[.<country>]``, ``csrd.electricity.market_factor``);
without them those figures are unknown, never guessed.  Scope 1 (generators, refrigerants) is outside the
footprint's perimeter and is reported as not covered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from sobre.core.estimate import Estimate, Status
from sobre.lifecycle.parameters import Param, Table

MWH, TCO2E, PCT = "MWh", "tCO2e", "ratio"
OWN = ("equipment", "storage")
SOURCES = ("renewable", "nuclear", "fossil")
#: ESRS datapoints (EFRAG IG 3 list of ESRS data points, E1 sheet) → (footprint part, BEGES poste).
SCOPE3 = {
    "cat1": ("cloud", "4.5"),
    "cat2": ("manufacturing", "4.2"),
    "cat4": ("distribution", "3.1"),
    "cat5": ("end_of_life", "4.3"),
}


@dataclass
class Line:
    """One reported figure: a datapoint id (or BEGES poste), its estimate, and what it rests on."""

    code: str
    estimate: Estimate
    items: int = 0
    unknown: int = 0
    rules: list[Param] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        e = self.estimate
        return {
            "code": self.code,
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "unit": e.unit,
            "status": str(e.status),
            "reason": e.reason,
            "items": self.items,
            "unknown": self.unknown,
            "rules": [r.to_dict() for r in self.rules],
        }


@dataclass
class CsrdResult:
    criterion: str
    e15: list[Line]
    e16: list[Line]
    beges: list[Line]
    run_total: Estimate
    partition_total: Estimate
    energy_by_country: dict[str, float]
    #: Scope 3 of the IT purchases by equipment category (embodied stages of own items; "cloud" for cloud).
    scope3_by_category: list[Line] = field(default_factory=list)

    def line(self, code: str) -> Line:
        return next(x for x in self.e15 + self.e16 + self.beges if x.code == code)


def _sum(frame: pl.DataFrame, unit: str, scale: float, reason: str) -> tuple[Estimate, int, int]:
    """Σ value/low/high of the known rows (× scale); unknown rows are counted, never added as zero."""
    known = frame.filter(pl.col("value").is_not_null())
    items = frame.select(pl.struct("item_kind", "item_id").n_unique()).item() if frame.height else 0
    unknown = frame.filter(pl.col("value").is_null()).height
    if frame.height == 0:  # nothing of this kind in the run: a true zero, not an unknown
        return Estimate(0.0, unit, status=Status.INPUT, source="no item of this kind"), 0, 0
    if known.height == 0:
        return Estimate.unknown(unit, reason), items, unknown
    v, lo, hi = (float(known[c].sum()) * scale for c in ("value", "low", "high"))
    warnings = (f"{unknown} item-stage figures unknown, left out",) if unknown else ()
    return Estimate(v, unit, min(lo, v), max(hi, v), Status.MODELLED, warnings=warnings), items, unknown


def _param(table: Table, key: str, country: str | None, day: date) -> Param | None:
    return (table.at(f"{key}.{country}", day) if country else None) or table.at(key, day)


def compute(
    items: pl.DataFrame, impacts: pl.DataFrame, criterion: str, table: Table, day: date, run_total: Estimate
) -> CsrdResult:
    scope = items.filter(
        pl.col("item_kind").is_in(["equipment", "cloud"])
        | ((pl.col("item_kind") == "storage") & pl.col("host_id").is_null())
    )
    keyed = impacts.filter(pl.col("criterion") == criterion).join(
        scope.select("item_kind", "item_id"), on=["item_kind", "item_id"]
    )
    own = keyed.filter(pl.col("item_kind").is_in(OWN))
    cloud = keyed.filter(pl.col("item_kind") == "cloud")

    parts: dict[str, tuple[Estimate, int, int]] = {
        "use": _sum(
            own.filter(pl.col("stage") == "use"), TCO2E, 1e-3, "no use-stage figure for own equipment"
        ),
        "cloud": _sum(cloud, TCO2E, 1e-3, "no cloud instance in the run"),
    }
    for stage in ("manufacturing", "distribution", "end_of_life"):
        parts[stage] = _sum(own.filter(pl.col("stage") == stage), TCO2E, 1e-3, f"no {stage} figure")

    # Energy of own items, per country (for the contract parameters).
    own_items = scope.filter(pl.col("item_kind").is_in(OWN))
    energy = own_items.with_columns(
        (
            pl.col("quantity")
            * pl.col("share").fill_null(1.0)
            * pl.col("usage_rate").fill_null(1.0)
            * pl.col("annual_kwh")
            * pl.col("pue")
        ).alias("kwh")
    )
    unknown_energy = energy.filter(pl.col("kwh").is_null()).height
    by_country = {
        str(r["country"] or "unknown"): float(r["kwh"])
        for r in energy.filter(pl.col("kwh").is_not_null())
        .group_by("country")
        .agg(pl.col("kwh").sum())
        .to_dicts()
    }
    total_mwh = sum(by_country.values()) / 1000
    energy_est = (
        Estimate(
            total_mwh,
            MWH,
            status=Status.MODELLED,
            warnings=(f"{unknown_energy} items without annual energy left out",) if unknown_energy else (),
        )
        if by_country
        else Estimate.unknown(MWH, "no own item with a known annual energy")
    )
    e15 = [Line("E1-5_01", energy_est, own_items.height, unknown_energy)]
    mix: dict[str, float] = dict.fromkeys(SOURCES, 0.0)
    missing: list[str] = []
    rules: list[Param] = []
    for country, kwh in by_country.items():
        found = {s: _param(table, f"csrd.electricity.share.{s}", country, day) for s in SOURCES}
        if any(p is None for p in found.values()):
            missing.append(country)
            continue
        for s, p in found.items():
            assert p is not None
            mix[s] += kwh / 1000 * p.number
            rules.append(p)

    def mix_line(code: str, value: float | None, unit: str) -> Line:
        if value is None or missing or not by_country:
            reason = (
                (
                    f"no electricity mix for {', '.join(sorted(missing))}: set csrd.electricity.share.* "
                    "from your supplier's disclosure"
                )
                if missing
                else "no energy figure"
            )
            return Line(code, Estimate.unknown(unit, reason), rules=rules)
        return Line(code, Estimate(value, unit, status=Status.INPUT), rules=rules)

    share = (lambda s: mix[s] / total_mwh) if total_mwh else (lambda s: None)
    e15 += [
        mix_line("E1-5_02", mix["fossil"], MWH),
        mix_line("E1-5_14", mix["fossil"], MWH),
        mix_line("E1-5_15", share("fossil"), PCT),
        mix_line("E1-5_03", mix["nuclear"], MWH),
        mix_line("E1-5_04", share("nuclear"), PCT),
        mix_line("E1-5_05", mix["renewable"], MWH),
        mix_line("E1-5_07", mix["renewable"], MWH),
        mix_line("E1-5_09", share("renewable"), PCT),
    ]

    # Market-based Scope 2: the contract's factor per country (kgCO2e/kWh).
    market_rules: list[Param] = []
    market = 0.0
    no_factor = []
    for country, kwh in by_country.items():
        p = _param(table, "csrd.electricity.market_factor", country, day)
        if p is None:
            no_factor.append(country)
        else:
            market += kwh * p.number / 1000
            market_rules.append(p)
    market_est = (
        Estimate.unknown(
            TCO2E,
            f"no market-based factor for {', '.join(sorted(no_factor))}: set "
            "csrd.electricity.market_factor (supplier-specific or residual mix)",
        )
        if no_factor or not by_country
        else Estimate(market, TCO2E, status=Status.INPUT)
    )
    s2, s2_items, s2_unknown = parts["use"]
    scope3 = _add([parts[SCOPE3[c][0]][0] for c in SCOPE3])
    e16 = [
        Line(
            "E1-6_07",
            Estimate.unknown(TCO2E, "Scope 1 (generators, refrigerants) is outside the IT footprint"),
        ),
        Line("E1-6_09", s2, s2_items, s2_unknown),
        Line("E1-6_10", market_est, rules=market_rules),
    ]
    e16 += [Line(f"E1-6_04.{c}", parts[SCOPE3[c][0]][0], *parts[SCOPE3[c][0]][1:]) for c in SCOPE3]
    e16 += [
        Line("E1-6_11", scope3),
        Line("E1-6_12", _add([s2, scope3])),
        Line("E1-6_13", market_est + scope3 if scope3.known else scope3),
    ]
    beges = [Line("2.1", s2, s2_items, s2_unknown)] + [
        Line(SCOPE3[c][1], parts[SCOPE3[c][0]][0], *parts[SCOPE3[c][0]][1:]) for c in SCOPE3
    ]
    beges.sort(key=lambda x: tuple(int(p) for p in x.code.split(".")))
    partition = _add([s2, scope3])
    embodied = own.filter(pl.col("stage") != "use").join(
        scope.select("item_kind", "item_id", "category"), on=["item_kind", "item_id"]
    )
    by_category = [
        Line(str(cat), *_sum(embodied.filter(pl.col("category") == cat), TCO2E, 1e-3, "unknown"))
        for cat in sorted(embodied["category"].drop_nulls().unique().to_list())
    ]
    by_category.append(Line("cloud", *parts["cloud"]))
    by_category.sort(key=lambda x: -(x.estimate.value or 0))
    return CsrdResult(
        criterion,
        e15,
        e16,
        beges,
        _tonnes(run_total),
        partition,
        by_country,
        by_category,
    )


def _tonnes(kg: Estimate) -> Estimate:
    if kg.value is None:
        return Estimate.unknown(TCO2E, kg.reason)
    assert kg.low is not None and kg.high is not None
    return Estimate(kg.value / 1000, TCO2E, kg.low / 1000, kg.high / 1000, kg.status, kg.source, kg.warnings)


def _add(parts: list[Estimate]) -> Estimate:
    """Sum of the known parts (an unknown part is left out, and said), unknown only if all are."""
    known = [p for p in parts if p.value is not None]
    if not known:
        return Estimate.unknown(parts[0].unit, "; ".join(p.reason for p in parts))
    total = known[0]
    for p in known[1:]:
        total = total + p
    if len(known) < len(parts):
        total = Estimate(
            total.value,
            total.unit,
            total.low,
            total.high,
            total.status,
            total.source,
            total.warnings + ("some parts unknown, left out",),
        )
    return total
