"""Consistency checks of one factor set's criteria (pure): figures that cannot all be right together.

- ``range``: low ≤ value ≤ high on every row;
- ``negative``: a negative impact (a credit) where the criterion is a burden;
- ``fossil_above_primary``: fossil resources (ADPf) cannot exceed primary energy for the same item and stage
  (fossil primary energy is a part of primary energy): the two rows come from sources that disagree;
- ``partial_stages``: a reference item has a criterion on some embodied stages but not the others, so its
  total for that criterion would be partial; a source that gives one total for several stages puts it on one
  stage and 0 on the others ("included in …"), which is complete.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sobre.footprint.schema import EMBODIED_STAGES, FactorSet

#: Problems that make figures wrong; ``partial_stages`` only says a total will be partial.
ERRORS = frozenset({"range", "negative", "fossil_above_primary"})
#: Criteria pairs (part, whole) where the part cannot exceed the whole.
PART_OF = (("fossil_resources", "primary_energy"),)
TOLERANCE = 0.01


@dataclass(frozen=True)
class Problem:
    code: str
    table: str  # impacts or electricity
    key: str  # reference item or country
    criterion: str
    stage: str | None
    message: str


def _ranges(frame: pl.DataFrame, table: str, key: str) -> list[Problem]:
    bad = frame.filter(
        pl.col("value").is_not_null()
        & (
            (pl.col("low").fill_null(pl.col("value")) > pl.col("value"))
            | (pl.col("high").fill_null(pl.col("value")) < pl.col("value"))
        )
    )
    out = [
        Problem(
            "range",
            table,
            r[key],
            r["criterion"],
            r.get("stage"),
            f"low {r['low']} / value {r['value']} / high {r['high']}",
        )
        for r in bad.iter_rows(named=True)
    ]
    neg = frame.filter(pl.col("value") < 0)
    out += [
        Problem("negative", table, r[key], r["criterion"], r.get("stage"), f"value {r['value']}")
        for r in neg.iter_rows(named=True)
    ]
    return out


def _part_of(frame: pl.DataFrame, table: str, keys: list[str]) -> list[Problem]:
    out = []
    for part, whole in PART_OF:
        a = frame.filter(pl.col("criterion") == part).select(*keys, pl.col("value").alias("part"))
        b = frame.filter(pl.col("criterion") == whole).select(*keys, pl.col("value").alias("whole"))
        both = a.join(b, on=keys, how="inner").filter(
            pl.col("part").is_not_null()
            & pl.col("whole").is_not_null()
            & (pl.col("part") > pl.col("whole") * (1 + TOLERANCE) + 1e-12)
        )
        for r in both.iter_rows(named=True):
            out.append(
                Problem(
                    "fossil_above_primary",
                    table,
                    r[keys[0]],
                    part,
                    r.get("stage"),
                    f"{part} {r['part']:g} > {whole} {r['whole']:g}",
                )
            )
    return out


def _partial_stages(impacts: pl.DataFrame) -> list[Problem]:
    emb = impacts.filter(pl.col("stage").is_in(list(EMBODIED_STAGES)) & pl.col("value").is_not_null())
    counts = emb.group_by("ref", "criterion").agg(
        pl.col("stage").n_unique().alias("n"), pl.col("stage").unique()
    )
    out = []
    for r in counts.filter(pl.col("n") < len(EMBODIED_STAGES)).sort("ref", "criterion").iter_rows(named=True):
        missing = sorted(set(EMBODIED_STAGES) - set(r["stage"]))
        out.append(
            Problem(
                "partial_stages",
                "impacts",
                r["ref"],
                r["criterion"],
                None,
                f"no row for {', '.join(missing)}",
            )
        )
    return out


def check_factor_set(factors: FactorSet) -> list[Problem]:
    """Every inconsistency found in ``factors`` (empty when none)."""
    impacts = factors.impacts.filter(pl.col("ref").is_not_null())
    electricity = factors.electricity.sort("year", descending=True, nulls_last=True).unique(
        ["country", "criterion"], keep="first"
    )
    problems = _ranges(impacts, "impacts", "ref") + _ranges(electricity, "electricity", "country")
    problems += _part_of(impacts, "impacts", ["ref", "stage"])
    problems += _part_of(electricity, "electricity", ["country"])
    problems += _partial_stages(impacts)
    return problems


__all__ = ["ERRORS", "PART_OF", "Problem", "check_factor_set"]
