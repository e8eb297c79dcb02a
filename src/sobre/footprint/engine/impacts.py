"""Impacts of assets once their parameters are chosen (``physical.py``): factor tables, the wide impact
columns per criterion and stage, the warning codes and the item's status.

A storage array's drives follow its capacity: when the set has the ``storage_array_gb`` reference, an
array's embodied factors are its chassis's plus ``storage_gb`` × the per-GB drive factors (``CAPACITY_REFS``).
"""

from __future__ import annotations

import polars as pl

from sobre.footprint.engine.frames import (
    ENGINE,
    STATUS_ORDER,
    col_h,
    col_l,
    col_v,
    join_flagged,
    join_warnings,
    label_expr,
    rank_expr,
)
from sobre.footprint.engine.messages import token
from sobre.footprint.schema import EMBODIED_STAGES, FactorSet

#: Reference item → the per-GB reference its drives add (value × the item's ``storage_gb``).
CAPACITY_REFS = {"storage_array": "storage_array_gb"}
#: How a reference item was found, and the statuses they give: a category's factor is an archetype.
INPUT_REF_METHODS = ("model_ref", "model_matching")


def factor_table(factors: FactorSet, criteria: list[str]) -> pl.DataFrame:
    """One row per reference item with value/low/high columns for every embodied stage × criterion."""
    imp = factors.impacts.filter(pl.col("stage").is_in(list(EMBODIED_STAGES)))
    table = imp.select(pl.col("ref").unique()).filter(pl.col("ref").is_not_null())
    for c in criteria:
        for s in EMBODIED_STAGES:
            rows = imp.filter((pl.col("criterion") == c) & (pl.col("stage") == s)).unique("ref", keep="first")
            table = table.join(
                rows.select(
                    "ref",
                    pl.col("value").alias(f"f|{c}|{s}"),
                    pl.col("low").fill_null(pl.col("value")).alias(f"fl|{c}|{s}"),
                    pl.col("high").fill_null(pl.col("value")).alias(f"fh|{c}|{s}"),
                ),
                on="ref",
                how="left",
            )
    # The warning names the missing stages/criteria of each reference: built once per reference here.
    missing = [
        pl.when(pl.col(f"f|{c}|{s}").is_null()).then(pl.lit(f"{s}/{token(c)}"))
        for c in criteria
        for s in EMBODIED_STAGES
    ]
    gaps = join_warnings(missing, "+")
    return table.with_columns(
        pl.when(gaps.is_not_null()).then(pl.format("no_impact_factor(stages={})", gaps)).alias("_factor_gap"),
        pl.lit(True).alias("_factor_found"),
    )


def _all_missing(criteria: list[str], stages: tuple[str, ...], code: str, key: str) -> str:
    if key == "criteria":
        listed = "+".join(token(c) for c in criteria)
    else:
        listed = "+".join(f"{s}/{token(c)}" for c in criteria for s in stages)
    return f"{code}({key}={listed})"


def electricity_table(factors: FactorSet, criteria: list[str]) -> pl.DataFrame:
    """One row per country with value/low/high columns per criterion (the most recent year wins)."""
    el = factors.electricity.sort("year", descending=True, nulls_last=True)
    table = el.select(pl.col("country").unique()).filter(pl.col("country").is_not_null())
    for c in criteria:
        rows = el.filter(pl.col("criterion") == c).unique("country", keep="first")
        table = table.join(
            rows.select(
                "country",
                pl.col("value").alias(f"e|{c}"),
                pl.col("low").fill_null(pl.col("value")).alias(f"el|{c}"),
                pl.col("high").fill_null(pl.col("value")).alias(f"eh|{c}"),
            ),
            on="country",
            how="left",
        )
    gaps = join_warnings([pl.when(pl.col(f"e|{c}").is_null()).then(pl.lit(token(c))) for c in criteria], "+")
    return table.with_columns(
        pl.when(gaps.is_not_null())
        .then(pl.format("no_electricity_factor(criteria={})", gaps))
        .alias("_elec_gap"),
        pl.lit(True).alias("_elec_found"),
    )


def capacity_refs(assets: pl.DataFrame, factors: FactorSet) -> dict[str, str]:
    """The ``CAPACITY_REFS`` that apply here: the set has the per-GB reference and some asset uses the
    chassis reference (checked first, so estates without arrays pay nothing)."""
    refs = set(factors.impacts["ref"].drop_nulls().to_list())
    used = {r for r in CAPACITY_REFS if r in refs and CAPACITY_REFS[r] in refs}
    if not used:
        return {}
    present = set(assets.filter(pl.col("factor_ref").is_in(list(used)))["factor_ref"].unique().to_list())
    return {r: CAPACITY_REFS[r] for r in used if r in present}


def _capacity_step(table: pl.DataFrame, ref: str, gb_ref: str, criterion: str) -> list[pl.Expr]:
    """``storage_gb`` × the per-GB factors of ``gb_ref`` added to one criterion's chassis factors of the
    items whose reference is ``ref`` (the factor columns already gathered)."""
    at = table.get_column("ref").to_list()
    row = table.row(at.index(gb_ref), named=True) if gb_ref in at else None
    on = (pl.col("factor_ref") == ref) & pl.col("storage_gb").is_not_null()
    exprs = []
    for s in EMBODIED_STAGES:
        for prefix in ("f", "fl", "fh"):
            name = f"{prefix}|{criterion}|{s}"
            g = row[name] if row is not None else None
            # Drives without a factor for this criterion make the array's figure unknown, not its chassis
            # alone.
            added = pl.lit(None, dtype=pl.Float64) if g is None else pl.col(name) + pl.col("storage_gb") * g
            exprs.append(pl.when(on).then(added).otherwise(pl.col(name)).alias(name))
    return exprs


def _position(table: pl.DataFrame, key: str, on: str, name: str) -> pl.Expr:
    """The row of ``table`` whose ``key`` is the asset's ``on`` (null when none, or when ``on`` is null):
    a left join's match as a position, so each factor column is gathered when needed instead of joining
    them all, with a copy of the whole wide frame per join."""
    keys = table.get_column(key).to_list()
    if not keys:
        return pl.lit(None, dtype=pl.UInt32).alias(name)
    return (
        pl.col(on)
        .replace_strict(keys, list(range(len(keys))), default=None, return_dtype=pl.UInt32)
        .alias(name)
    )


def _gathered(table: pl.DataFrame, names: list[str], position: str) -> list[pl.Expr]:
    return [pl.lit(table.get_column(n)).gather(pl.col(position)).alias(n) for n in names]


def _bases() -> list[pl.Expr]:
    """Quantity × alloc × usage rate, times each stage's reduction (refurbished, reuse), and the use
    stage's energy.  Only manufacturing is reduced for a refurbished item, only end of life by reuse;
    other stages multiply by 1.0, which leaves the base unchanged."""
    base = pl.col("quantity") * pl.col("alloc") * pl.col("usage_rate")
    reuse = 1.0 - pl.col("reuse_share").fill_null(0.0)
    return [
        base.alias("_b"),
        (base * pl.col("refurb_factor")).alias("_b|mf"),
        (base * pl.col("refurb_low")).alias("_b|mf|l"),
        (base * pl.col("refurb_high")).alias("_b|mf|h"),
        (base * reuse).alias("_b|eol"),
        (base * pl.col("annual_kwh") * pl.col("pue")).alias("_energy"),
    ]


def _impact_steps(c: str) -> tuple[list[pl.Expr], list[pl.Expr]]:
    """One criterion's wide impact columns in two steps, from the bases (:func:`_bases`) and its factors:
    the values, then the low/high bounds reusing them.  The arithmetic is the same, in the same order, as
    one expression per column would do: only repeated work goes (a value was evaluated five times, each
    corner re-multiplied its base)."""

    def reduced(stage: str) -> tuple[pl.Expr, list[pl.Expr]]:
        """The stage's base for the value, and its distinct bases for the corners (one when the stage
        has no reduction range: the same corner twice changes no minimum and costs a product)."""
        if stage == "manufacturing":
            return pl.col("_b|mf"), [pl.col("_b|mf|l"), pl.col("_b|mf|h")]
        b = pl.col("_b|eol") if stage == "end_of_life" else pl.col("_b")
        return b, [b]

    life = pl.col("lifetime_years")
    lives = (pl.col("life_high"), pl.col("life_low"))
    energy = pl.col("_energy")
    zero = pl.col("annual_kwh") == 0  # not powered: a known zero, whatever the electricity factor
    values: list[pl.Expr] = []
    bounds: list[pl.Expr] = []
    for s in EMBODIED_STAGES:
        f, fl, fh = pl.col(f"f|{c}|{s}"), pl.col(f"fl|{c}|{s}"), pl.col(f"fh|{c}|{s}")
        bv, corner_bases = reduced(s)
        values.append((bv * f / life).alias(col_v(c, s)))
        value = pl.col(col_v(c, s))
        # min/max over the corners keep low ≤ value ≤ high whatever the sign of the factor.
        corners_lo = [b * fl / lf for b in corner_bases for lf in lives] + [value]
        corners_hi = [b * fh / lf for b in corner_bases for lf in lives] + [value]
        bounds += [
            pl.when(value.is_not_null()).then(pl.min_horizontal(corners_lo)).alias(col_l(c, s)),
            pl.when(value.is_not_null()).then(pl.max_horizontal(corners_hi)).alias(col_h(c, s)),
        ]
    e, el, eh = pl.col(f"e|{c}"), pl.col(f"el|{c}"), pl.col(f"eh|{c}")
    values.append(pl.when(zero).then(0.0).otherwise(energy * e).alias(col_v(c, "use")))
    value = pl.col(col_v(c, "use"))
    bounds += [
        pl.when(zero)
        .then(0.0)
        .when(value.is_not_null())
        .then(pl.min_horizontal(energy * el, energy * eh, value))
        .alias(col_l(c, "use")),
        pl.when(zero)
        .then(0.0)
        .when(value.is_not_null())
        .then(pl.max_horizontal(energy * el, energy * eh, value))
        .alias(col_h(c, "use")),
    ]
    return values, bounds


def _warnings(g4it: bool, criteria: list[str]) -> pl.Expr:
    fr = pl.col("factor_ref")
    is_eq = pl.col("item_kind") == "equipment"
    no_factor = _all_missing(criteria, EMBODIED_STAGES, "no_impact_factor", "stages")
    no_elec = _all_missing(criteria, EMBODIED_STAGES, "no_electricity_factor", "criteria")
    # Fixed texts as (condition, text) flags: :func:`join_flagged` joins each run of them through a code
    # per row instead of a string column per warning.
    parts: list[pl.Expr | tuple[pl.Expr, str]] = [
        pl.col("pre_warning"),
        (fr.is_null() & is_eq, "no_reference_item"),
        (fr.is_not_null() & pl.col("_factor_found").is_null(), no_factor),
        pl.when(fr.is_not_null()).then(pl.col("_factor_gap")),
        (pl.col("lifetime_years").is_null() & fr.is_not_null(), "no_lifetime"),
        (pl.col("lifetime_method") == "age", "lifetime_age"),
        (pl.col("life_raw") < 1, "lifetime_raised"),
        (pl.col("kwh_method") == "unknown", "no_energy"),
        (pl.col("pue_method") == "unknown", "no_pue"),
        (pl.col("country_method") == "world_fallback", "world_electricity"),
        (pl.col("country").is_null(), "no_country"),
        pl.when(pl.col("country").is_not_null() & (pl.col("annual_kwh") != 0)).then(
            pl.when(pl.col("_elec_found").is_null()).then(pl.lit(no_elec)).otherwise(pl.col("_elec_gap"))
        ),
        (pl.col("usage_method").str.ends_with("_missing"), "usage_mode_no_rate"),
    ]
    if not g4it:
        parts.append((pl.col("refurb_method") == "no_factor", "refurbished_no_factor"))
    return join_flagged(parts)


def _status() -> pl.Expr:
    """The weakest input: a category factor is an archetype, default lifetime/energy/PUE are defaults."""

    def rank(label: str) -> pl.Expr:
        return pl.lit(STATUS_ORDER.index(label), dtype=pl.Int8)

    # The rules' statuses as ranks directly: labels made per row only to be looked up again cost more
    # than the rest of the status.
    ref_status = pl.when(pl.col("ref_method").is_in(list(INPUT_REF_METHODS))).then(rank("input"))
    pue_status = pl.when(pl.col("pue_method") == "default").then(rank("default"))
    country_status = pl.when(pl.col("country_method") == "world_fallback").then(rank("default"))
    usage_status = pl.when(pl.col("usage_method").is_in(["input", "full"])).then(rank("input"))
    ranks = [
        rank_expr(pl.col("life_status"), STATUS_ORDER),
        rank_expr(pl.col("kwh_status"), STATUS_ORDER),
        ref_status.otherwise(rank("archetype")),
        pue_status.otherwise(rank("input")),
        country_status.otherwise(rank("input")),
        usage_status.otherwise(rank("default")),
    ]
    return label_expr(pl.max_horizontal(ranks), STATUS_ORDER)


def add_impacts(a: pl.DataFrame, factors: FactorSet, criteria: list[str], g4it: bool) -> pl.DataFrame:
    """Look up the factor and electricity tables, compute the wide impacts, the warnings and the status.

    One plan, one criterion at a time: its factor columns are gathered, used and dropped before the next
    criterion's, so the wide frame never holds every criterion's factors beside its impacts.
    """
    factor_rows = factor_table(factors, criteria)
    electricity = electricity_table(factors, criteria)
    extra = capacity_refs(a, factors)
    lazy = a.lazy().with_columns(
        _position(factor_rows, "ref", "factor_ref", "_fpos"),
        _position(electricity, "country", "country", "_epos"),
    )
    lazy = lazy.with_columns(
        *_gathered(factor_rows, ["_factor_gap", "_factor_found"], "_fpos"),
        *_gathered(electricity, ["_elec_gap", "_elec_found"], "_epos"),
        *(_bases() if criteria else []),
    )
    values: list[str] = []
    bounds: list[str] = []
    for c in criteria:
        embodied = [f"{p}|{c}|{s}" for s in EMBODIED_STAGES for p in ("f", "fl", "fh")]
        use = [f"{p}|{c}" for p in ("e", "el", "eh")]
        lazy = lazy.with_columns(
            *_gathered(factor_rows, embodied, "_fpos"), *_gathered(electricity, use, "_epos")
        )
        for ref, gb_ref in extra.items():
            lazy = lazy.with_columns(_capacity_step(factor_rows, ref, gb_ref, c))
        value_exprs, bound_exprs = _impact_steps(c)
        lazy = lazy.with_columns(value_exprs).with_columns(bound_exprs).drop(embodied + use)
        values += [e.meta.output_name() for e in value_exprs]
        bounds += [e.meta.output_name() for e in bound_exprs]
    if not criteria:
        lazy = lazy.with_columns(pl.col("pre_warning").alias("warnings"), _status().alias("status"))
    else:
        lazy = lazy.with_columns(_warnings(g4it, criteria).alias("warnings"), _status().alias("status"))
    # Factor columns and working columns are not part of the trace; the columns in their former order
    # (all values, then all bounds).  Kept apart, the criteria's steps must not be merged into one.
    kept = [c for c in a.columns if not c.startswith("_")] + values + bounds + ["warnings", "status"]
    return lazy.select(kept).collect(
        engine=ENGINE, optimizations=pl.QueryOptFlags(cluster_with_columns=False)
    )
