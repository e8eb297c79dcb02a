"""How much of a result rests on defaults, computed from how each parameter was chosen (pure).

A parameter feeds some stages: the reference item's factor and the lifetime feed the embodied stages, the
annual energy, PUE and country of use feed the use stage, the usage rate feeds every stage.  For each
criterion, a parameter's *default share* is the part of the total (sum of known values) carried by stages
of items whose value for that parameter is a default; the *overall* share counts a stage once when any of
its parameters is a default.  Item statuses are not used: one unknown criterion would otherwise hide the
defaults of the known ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sobre.footprint.engine.frames import with_item_columns
from sobre.footprint.schema import EMBODIED_STAGES, STAGES, Result

#: parameter → (trace column, stages it feeds, methods that are defaults).
PARAMETERS: dict[str, tuple[str, tuple[str, ...], frozenset[str]]] = {
    "factor": ("ref_method", EMBODIED_STAGES, frozenset({"item_type", "category", "archetype"})),
    "lifetime": ("lifetime_method", EMBODIED_STAGES, frozenset({"default", "type_default", "hypothesis"})),
    "energy": ("kwh_method", ("use",), frozenset({"default"})),
    "pue": ("pue_method", ("use",), frozenset({"default"})),
    "usage": ("usage_method", STAGES, frozenset({"cope", "byod", "cope_missing", "byod_missing"})),
    "country": ("country_method", ("use",), frozenset({"world_fallback"})),
}


@dataclass(frozen=True)
class ParameterShare:
    criterion: str
    parameter: str  # a key of PARAMETERS, or "any"
    on_default: float  # part of the total resting on a default for this parameter
    total: float  # sum of the known values of the criterion
    share: float | None  # on_default / total (None when the total is 0)
    items_default: int  # items of the total whose parameter is a default
    items: int  # items of the total


def _in_total() -> pl.Expr:
    return pl.col("item_kind").is_in(["equipment", "cloud"]) | (
        (pl.col("item_kind") == "storage") & pl.col("host_id").is_null()
    )


def _total_rows(result: Result) -> pl.DataFrame:
    return result.items.filter(_in_total())


def default_shares(result: Result) -> list[ParameterShare]:
    """Per criterion and parameter (and ``any``), the share of the total resting on defaults."""
    items = _total_rows(result)
    flags = [
        pl.col(column).is_in(list(methods)).fill_null(False).alias(f"d_{name}")
        for name, (column, _stages, methods) in PARAMETERS.items()
    ]
    items = items.select("item_kind", "item_id", *flags)
    # The flags are attached to every item's impacts (a repeat, not a join: see with_item_columns) and the
    # total's rows kept, rather than joined onto the total's items alone.
    everything = result.items.select("item_kind", "item_id", *flags, _in_total().alias("_total"))
    joined = with_item_columns(
        result.impacts, everything, [f"d_{name}" for name in PARAMETERS] + ["_total"], how="inner"
    ).filter(pl.col("_total") & pl.col("value").is_not_null())
    per_stage = {
        name: pl.col(f"d_{name}") & pl.col("stage").is_in(list(stages))
        for name, (_c, stages, _m) in PARAMETERS.items()
    }
    any_default = pl.any_horizontal(list(per_stage.values()))
    agg = joined.group_by("criterion").agg(
        pl.col("value").sum().alias("total"),
        *[pl.col("value").filter(expr).sum().alias(name) for name, expr in per_stage.items()],
        pl.col("value").filter(any_default).sum().alias("any"),
    )
    counts = items.select(
        pl.len().alias("items"), *[pl.col(f"d_{name}").sum().alias(name) for name in PARAMETERS]
    ).row(0, named=True)
    any_items = items.select(pl.any_horizontal([pl.col(f"d_{n}") for n in PARAMETERS]).sum()).item()
    out = []
    for row in agg.sort("criterion").iter_rows(named=True):
        total = float(row["total"] or 0.0)
        for name in (*PARAMETERS, "any"):
            value = float(row[name] or 0.0)
            out.append(
                ParameterShare(
                    criterion=row["criterion"],
                    parameter=name,
                    on_default=value,
                    total=total,
                    share=value / total if total else None,
                    items_default=int(any_items if name == "any" else counts[name]),
                    items=int(counts["items"]),
                )
            )
    return out


def method_counts(result: Result) -> dict[str, dict[str, int]]:
    """Parameter → {method: number of items of the total} (how each parameter was chosen)."""
    items = _total_rows(result)
    out: dict[str, dict[str, int]] = {}
    for name, (column, _stages, _methods) in PARAMETERS.items():
        counts = items.with_columns(pl.col(column).fill_null("none")).group_by(column).len().sort(column)
        out[name] = {r[column]: int(r["len"]) for r in counts.iter_rows(named=True)}
    return out


__all__ = ["PARAMETERS", "ParameterShare", "default_shares", "method_counts"]
