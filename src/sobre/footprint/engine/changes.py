"""Changes to the engine's inputs: the step a what-if scenario repeats before re-running the engine (pure).

A change is a small frozen dataclass naming the equipment rows it acts on (``ids``) and what it does;
:func:`apply_changes` applies a list of them **in order on one copy** of the inventory and factor set, so
that changes acting on the same rows compound instead of being added (no double counting), and returns
the ids it touched: the engine computes equipment rows independently of each other, so re-running it on
those rows alone gives the effect on the organisation's total.

Changes that need what the run used (the lifetime an item was amortised over, its yearly energy) take the
run's ``Result``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from sobre.footprint.engine.frames import conform
from sobre.footprint.schema import EQUIPMENT, FactorSet, Inventory, Result


@dataclass(frozen=True)
class ExtendLifetime:
    """Keep the items ``years`` longer than the lifetime the run used (a declared lifetime); with
    ``to_years``, keep them that long instead (items the run already kept longer stay as they are)."""

    ids: frozenset[int]
    years: float
    to_years: float | None = None


@dataclass(frozen=True)
class BuyRefurbished:
    """A ``share`` of the items is bought refurbished (new rows, ids above the inventory's)."""

    ids: frozenset[int]
    share: float


@dataclass(frozen=True)
class ScaleQuantity:
    """Multiply each item's quantity by its factor (0 removes it; 0.2 keeps a fifth of the hardware)."""

    factors: dict[int, float] = field(default_factory=dict)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(self.factors)


@dataclass(frozen=True)
class Reschedule:
    """Items switched off outside ``hours_per_day`` × ``days_per_year``: their yearly energy is scaled from
    the run's by the ratio of the new schedule to the one the run assumed (``from_hours`` × ``from_days``)."""

    ids: frozenset[int]
    hours_per_day: float
    days_per_year: float
    from_hours: float = 24.0
    from_days: float = 365.0


@dataclass(frozen=True)
class ReuseAtEndOfLife:
    """A ``share`` of the items leaves through reuse (donation, resale): the next user bears their end of
    life (cut-off rule)."""

    ids: frozenset[int]
    share: float


@dataclass(frozen=True)
class EfficientModels:
    """Renewals choose models whose manufacturing and yearly energy are the given fractions of the
    reference item's (e.g. the first quartile of manufacturers' footprints); the rows point at a copy of
    their reference item, ``<ref>+efficient``."""

    ids: frozenset[int]
    manufacturing: dict[str, float]  # reference item → factor on manufacturing
    energy: dict[str, float]  # reference item → factor on yearly energy


Change = ExtendLifetime | BuyRefurbished | ScaleQuantity | Reschedule | ReuseAtEndOfLife | EfficientModels


def _trace(result: Result | None) -> pl.DataFrame:
    schema = {"id": pl.Int64, "_life": pl.Float64, "_kwh": pl.Float64, "_ref": pl.Utf8}
    if result is None:
        return pl.DataFrame(schema=schema)
    return result.items.filter(pl.col("item_kind") == "equipment").select(
        pl.col("item_id").alias("id"),
        pl.col("lifetime_years").alias("_life"),
        pl.col("annual_kwh").alias("_kwh"),
        pl.col("factor_ref").alias("_ref"),
    )


def _on(ids: Iterable[int]) -> pl.Expr:
    return pl.col("id").is_in(list(ids))


def apply_changes(
    inventory: Inventory, factors: FactorSet, changes: Sequence[Change], result: Result | None = None
) -> tuple[Inventory, FactorSet, frozenset[int]]:
    """Copies of the inputs with every change applied in order, and the equipment ids touched (rows added
    by a change count as touched).  The inputs are not modified."""
    eq = conform(inventory.equipment, EQUIPMENT).join(_trace(result), on="id", how="left")
    impacts, defaults = factors.impacts, factors.defaults
    touched: set[int] = set()
    # Rows split off an item (its refurbished share) are still that item for the changes that follow.
    derived: dict[int, set[int]] = {}
    next_id = int(eq["id"].max() or 0) + 1 if eq.height else 1  # type: ignore[arg-type]
    for change in changes:
        ids = set(change.ids)
        for i in derived.keys() & ids:  # derived is small; change.ids may hold every item
            ids |= derived[i]
        touched |= ids
        on = _on(ids)
        if isinstance(change, ExtendLifetime):
            life = pl.coalesce("_life", "lifetime_years")
            longer = (
                life + change.years if change.to_years is None else pl.max_horizontal(life, change.to_years)
            )
            eq = eq.with_columns(
                pl.when(on & life.is_not_null())
                .then(longer)
                .otherwise(pl.col("lifetime_years"))
                .alias("lifetime_years"),
                pl.when(on & life.is_not_null()).then(longer).otherwise(pl.col("_life")).alias("_life"),
            )
        elif isinstance(change, BuyRefurbished):
            chosen = eq.filter(on & ~pl.col("refurbished").fill_null(False))
            if chosen.height == 0:
                continue
            q = pl.col("quantity").fill_null(1.0)
            added = chosen.with_columns(
                (q * change.share).alias("quantity"),
                pl.lit(True).alias("refurbished"),
                (pl.int_range(0, pl.len(), dtype=pl.Int64) + next_id).alias("id"),
            )
            next_id += added.height
            touched |= set(added["id"].to_list())
            for old, new in zip(chosen["id"].to_list(), added["id"].to_list(), strict=True):
                derived.setdefault(int(old), set()).add(int(new))
            eq = pl.concat(
                [
                    eq.with_columns(
                        pl.when(on & ~pl.col("refurbished").fill_null(False))
                        .then(q * (1.0 - change.share))
                        .otherwise(pl.col("quantity"))
                        .alias("quantity")
                    ),
                    added,
                ]
            )
        elif isinstance(change, ScaleQuantity):
            factors_by_id = dict(change.factors)
            for old, factor_ in change.factors.items():
                factors_by_id.update(dict.fromkeys(derived.get(old, ()), factor_))
            factor = pl.col("id").replace_strict(factors_by_id, default=1.0, return_dtype=pl.Float64)
            eq = eq.with_columns((pl.col("quantity").fill_null(1.0) * factor).alias("quantity"))
        elif isinstance(change, Reschedule):
            ratio = (change.hours_per_day * change.days_per_year) / (change.from_hours * change.from_days)
            kwh = pl.coalesce("_kwh", "annual_kwh")
            eq = eq.with_columns(
                pl.when(on & kwh.is_not_null())
                .then(kwh * ratio)
                .otherwise(pl.col("annual_kwh"))
                .alias("annual_kwh"),
                pl.when(on & kwh.is_not_null()).then(kwh * ratio).otherwise(pl.col("_kwh")).alias("_kwh"),
            )
        elif isinstance(change, ReuseAtEndOfLife):
            eq = eq.with_columns(
                pl.when(on).then(pl.lit(change.share)).otherwise(pl.col("reuse_share")).alias("reuse_share")
            )
        elif isinstance(change, EfficientModels):
            impacts, defaults = _efficient_refs(impacts, defaults, change)
            ref = pl.coalesce("_ref", "model_ref")
            targets = set(change.manufacturing) | set(change.energy)
            # New models only: a refurbished share stays the model it is.
            new = on & ~pl.col("refurbished").fill_null(False)
            eq = eq.with_columns(
                pl.when(new & ref.is_in(list(targets)))
                .then(ref + "+efficient")
                .otherwise(pl.col("model_ref"))
                .alias("model_ref")
            )
    new_inventory = replace(inventory, equipment=eq.select(list(EQUIPMENT)))
    new_factors = replace(
        factors,
        impacts=impacts,
        defaults=defaults,
        hypotheses=dict(factors.hypotheses),
        cloud_pue=dict(factors.cloud_pue),
    )
    return new_inventory, new_factors, frozenset(touched)


def _efficient_refs(
    impacts: pl.DataFrame, defaults: pl.DataFrame, change: EfficientModels
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Copies ``<ref>+efficient`` of the reference items: manufacturing rows and default energy scaled."""
    refs = sorted(set(change.manufacturing) | set(change.energy))
    present = set(impacts["ref"].drop_nulls().to_list())
    new_imp, new_def = [], []
    for ref in refs:
        name = f"{ref}+efficient"
        if name in present or ref not in present:
            continue
        k = change.manufacturing.get(ref, 1.0)
        rows = impacts.filter(pl.col("ref") == ref)
        scale = pl.when(pl.col("stage") == "manufacturing").then(pl.lit(k)).otherwise(1.0)
        new_imp.append(
            rows.with_columns(
                pl.lit(name).alias("ref"),
                *[(pl.col(c) * scale).alias(c) for c in ("value", "low", "high")],
                (pl.lit(f"{ref} × {k:g} on manufacturing (efficient purchase); ") + pl.col("source")).alias(
                    "source"
                ),
            )
        )
        e = change.energy.get(ref, 1.0)
        new_def.append(
            defaults.filter(pl.col("ref") == ref).with_columns(
                pl.lit(name).alias("ref"),
                (pl.col("annual_kwh") * e).alias("annual_kwh"),
                (pl.col("power_w") * e).alias("power_w"),
            )
        )
    if new_imp:
        impacts = pl.concat([impacts, *new_imp], how="vertical_relaxed")
    if new_def:
        defaults = pl.concat([defaults, *new_def], how="vertical_relaxed")
    return impacts, defaults


def subset(inventory: Inventory, ids: Iterable[int]) -> Inventory:
    """An inventory holding only the equipment rows ``ids`` (plus the sites and departments the rules read):
    enough to compute those rows' footprint."""
    eq = conform(inventory.equipment, EQUIPMENT).filter(_on(ids))
    return Inventory(sites=inventory.sites, departments=inventory.departments, equipment=eq)


__all__ = [
    "BuyRefurbished",
    "Change",
    "EfficientModels",
    "ExtendLifetime",
    "Reschedule",
    "ReuseAtEndOfLife",
    "ScaleQuantity",
    "apply_changes",
    "subset",
]
