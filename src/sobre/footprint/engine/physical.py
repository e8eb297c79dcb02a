"""Footprint of assets (equipment, cloud shares, storage): parameters, then impacts per criterion and stage.

Non-use stages: quantity × alloc × factor[ref, stage, criterion] × usage_rate / lifetime
                (× refurbished factor on manufacturing for a refurbished item, Sobre profile).
Use stage:      quantity × alloc × annual_kWh × electricity[country, criterion] × PUE × usage_rate.
Each parameter is chosen by the profile's rules and recorded with how it was chosen (the trace).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from sobre.footprint.engine.assets import UNPOWERED_STATUSES
from sobre.footprint.engine.frames import (
    STATUS_ORDER,
    col_h,
    col_l,
    col_v,
    conform,
    join_warnings,
    label_expr,
    rank_expr,
)
from sobre.footprint.engine.profiles import hypothesis
from sobre.footprint.schema import EMBODIED_STAGES, SITES, FactorSet, Inventory
from sobre.inventory.taxonomy import PUE_SITE_KINDS

#: G4IT's default PUE when neither the data centre nor the referential gives one (its documentation).
G4IT_DEFAULT_PUE = 1.75


def _lookup(expr: pl.Expr, mapping: dict[Any, Any], dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    """Map values through a small dict (null when absent)."""
    if not mapping:
        return pl.lit(None, dtype=dtype)
    return expr.replace_strict(mapping, default=None, return_dtype=dtype)


def _first_by(df: pl.DataFrame, key: str, value: str) -> dict[Any, Any]:
    sub = df.filter(pl.col(key).is_not_null() & pl.col(value).is_not_null()).unique(key, keep="first")
    return dict(zip(sub[key].to_list(), sub[value].to_list(), strict=True))


#: Hypothesis keys of the refurbished rule: ``refurbished_factor:<category>`` (share of a new item's
#: manufacturing impact a refurbished one carries), with ``_low``/``_high`` variants for its range.
REFURBISHED_KEYS = ("refurbished_factor", "refurbished_factor_low", "refurbished_factor_high")


def refurbished_factors(factors: FactorSet) -> dict[str, tuple[float, float, float]]:
    """Category → (factor, low, high) from the set's ``refurbished_factor:<category>`` hypotheses.

    A missing low or high falls back to the factor; the band is widened to contain it.
    """
    out: dict[str, tuple[float, float, float]] = {}
    prefix = REFURBISHED_KEYS[0] + ":"
    for key, value in factors.hypotheses.items():
        if not key.startswith(prefix) or value is None:
            continue
        cat = key[len(prefix) :]
        v = float(value)
        lo = factors.hypotheses.get(f"{REFURBISHED_KEYS[1]}:{cat}")
        hi = factors.hypotheses.get(f"{REFURBISHED_KEYS[2]}:{cat}")
        out[cat] = (v, min(v, float(lo) if lo is not None else v), max(v, float(hi) if hi is not None else v))
    return out


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
    return table


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
    return table


def compute_assets(
    assets: pl.DataFrame,
    inventory: Inventory,
    factors: FactorSet,
    *,
    profile: str,
    reference_date: date,
    org_country: str | None,
    criteria: list[str],
) -> pl.DataFrame:
    """Add the trace parameters and the wide impact columns to ``assets``."""
    g4it = profile == "g4it"
    impact_refs = set(factors.impacts["ref"].drop_nulls().to_list())
    matching = _first_by(factors.model_matching, "model", "ref")
    type_ref = _first_by(factors.item_types, "type", "default_ref")
    type_life = _first_by(factors.item_types, "type", "lifetime_years")
    default_pue = hypothesis(factors, "default_pue")
    default_life = hypothesis(factors, "default_lifetime")

    # ---------------------------------------------------------------- reference item
    # Lookups are materialised once as columns: the method labels below test them again.
    is_eq = pl.col("item_kind") == "equipment"
    first, second = (
        (pl.col("type_label"), pl.col("category")) if g4it else (pl.col("category"), pl.col("type_label"))
    )
    assets = assets.with_columns(
        pl.coalesce(_lookup(first, type_ref, pl.Utf8), _lookup(second, type_ref, pl.Utf8)).alias("_by_type"),
        _lookup(pl.col("model"), matching, pl.Utf8).alias("_by_match"),
        pl.when(pl.col("model_ref").is_in(list(impact_refs)))
        .then(pl.col("model_ref"))
        .alias("_by_model_ref"),
        pl.when(is_eq)
        .then(pl.coalesce(_lookup(first, type_life, pl.Float64), _lookup(second, type_life, pl.Float64)))
        .alias("_type_life"),
    )
    by_type, by_match, by_model_ref = pl.col("_by_type"), pl.col("_by_match"), pl.col("_by_model_ref")
    if g4it:
        ref = pl.when(is_eq).then(pl.coalesce(by_match, by_type)).otherwise(pl.col("forced_ref"))
        ref_method = (
            pl.when(~is_eq)
            .then(pl.lit("archetype"))
            .when(by_match.is_not_null())
            .then(pl.lit("model_matching"))
            .when(by_type.is_not_null())
            .then(pl.lit("item_type"))
        )
    else:
        ref = pl.when(is_eq).then(pl.coalesce(by_model_ref, by_match, by_type, pl.col("category")))
        ref = ref.otherwise(pl.col("forced_ref"))
        ref_method = (
            pl.when(~is_eq)
            .then(pl.lit("archetype"))
            .when(by_model_ref.is_not_null())
            .then(pl.lit("model_ref"))
            .when(by_match.is_not_null())
            .then(pl.lit("model_matching"))
            .when(by_type.is_not_null())
            .then(pl.lit("item_type"))
            .when(pl.col("category").is_not_null())
            .then(pl.lit("category"))
        )
    a = assets.with_columns(ref.alias("factor_ref"), ref_method.alias("ref_method"))
    defaults = (
        factors.defaults.filter(pl.col("ref").is_not_null())
        .unique("ref", keep="first")
        .select(
            pl.col("ref").alias("factor_ref"),
            *[
                pl.col(c).alias(f"_d_{c}")
                for c in (
                    "lifetime_years",
                    "lifetime_low",
                    "lifetime_high",
                    "annual_kwh",
                    "power_w",
                    "hours_per_day",
                    "days_per_year",
                )
            ],
        )
    )
    a = a.join(defaults, on="factor_ref", how="left")

    # ---------------------------------------------------------------- sites (PUE, country)
    sites = conform(inventory.sites, SITES).unique("id", keep="first")
    a = a.join(
        sites.select(
            pl.col("id").alias("site_id"),
            pl.col("kind").alias("site_kind"),
            pl.col("country").alias("site_country"),
            pl.col("pue").alias("site_pue"),
        ),
        on="site_id",
        how="left",
    )

    # ---------------------------------------------------------------- lifetime
    fr = pl.col("factor_ref")
    type_lifetime = pl.col("_type_life")
    days = (pl.col("retirement_date") - pl.col("purchase_date")).dt.total_days().cast(pl.Float64)
    hyp_life = pl.lit(default_life, dtype=pl.Float64)
    if g4it:
        both = pl.col("retirement_date").is_not_null() & pl.col("purchase_date").is_not_null()
        in_use = pl.col("status_in").is_null() | (pl.col("status_in") == "in_use")
        since = (pl.lit(reference_date) - pl.col("purchase_date")).dt.total_days().cast(pl.Float64) / 365.0
        candidates = [
            ("dates_365", pl.when(both).then(days / 365.0), "input"),
            (
                "purchase_to_reference",
                pl.when(pl.col("purchase_date").is_not_null() & in_use).then(since),
                "modelled",
            ),
            ("type_default", type_lifetime, "default"),
            ("hypothesis", hyp_life, "default"),
        ]
    else:
        dates_ok = days > 0
        candidates = [
            ("dates", pl.when(dates_ok).then(days / 365.25), "input"),
            ("declared", pl.when(pl.col("lifetime_years") > 0).then(pl.col("lifetime_years")), "input"),
            ("default", pl.col("_d_lifetime_years"), "default"),
            ("type_default", type_lifetime, "default"),
            ("hypothesis", hyp_life, "default"),
        ]
    raw = pl.coalesce([c[1] for c in candidates])
    method: pl.Expr = pl.lit("unknown")
    life_status: pl.Expr = pl.lit("unknown")
    for name, expr, status in reversed(candidates):
        method = pl.when(expr.is_not_null()).then(pl.lit(name)).otherwise(method)
        life_status = pl.when(expr.is_not_null()).then(pl.lit(status)).otherwise(life_status)
    a = a.with_columns(
        raw.alias("life_raw"), method.alias("lifetime_method"), life_status.alias("life_status")
    )
    life = pl.max_horizontal(pl.col("life_raw"), pl.lit(1.0))
    is_default = pl.col("lifetime_method") == "default"
    a = a.with_columns(
        pl.when(pl.col("life_raw").is_not_null()).then(life).alias("lifetime_years"),
        pl.when(is_default)
        .then(pl.max_horizontal(pl.min_horizontal(pl.col("_d_lifetime_low"), pl.col("life_raw")), 1.0))
        .otherwise(pl.when(pl.col("life_raw").is_not_null()).then(life))
        .alias("life_low"),
        pl.when(is_default)
        .then(pl.max_horizontal(pl.col("_d_lifetime_high"), pl.col("life_raw"), 1.0))
        .otherwise(pl.when(pl.col("life_raw").is_not_null()).then(life))
        .alias("life_high"),
    )

    # ---------------------------------------------------------------- usage rate
    if g4it:
        a = a.with_columns(pl.lit(1.0).alias("usage_rate"), pl.lit("default").alias("usage_method"))
    else:
        cope, byod = hypothesis(factors, "cope_rate"), hypothesis(factors, "byod_rate")
        mode = pl.col("usage_mode").str.to_lowercase()
        a = a.with_columns(
            pl.when(pl.col("usage_rate").is_not_null())
            .then(pl.col("usage_rate"))
            .when(mode == "cope")
            .then(pl.lit(cope if cope is not None else 1.0))
            .when(mode == "byod")
            .then(pl.lit(byod if byod is not None else 1.0))
            .otherwise(1.0)
            .alias("usage_rate"),
            pl.when(pl.col("usage_rate").is_not_null())
            .then(pl.lit("input"))
            .when(mode == "cope")
            .then(pl.lit("cope" if cope is not None else "cope_missing"))
            .when(mode == "byod")
            .then(pl.lit("byod" if byod is not None else "byod_missing"))
            .otherwise(pl.lit("default"))
            .alias("usage_method"),
        )

    # ---------------------------------------------------------------- refurbished (Sobre profile only)
    # A refurbished item carries a share of a new one's manufacturing impact (factor set hypotheses
    # ``refurbished_factor:<category>``); without a factor for its category it is counted as new.
    refurb = refurbished_factors(factors) if not g4it else {}
    is_refurb = pl.col("refurbished").fill_null(False) & is_eq & pl.lit(not g4it)
    cat_factor = [
        _lookup(pl.col("category"), {k: v[i] for k, v in refurb.items()}, pl.Float64) for i in range(3)
    ]
    a = a.with_columns(
        *[
            pl.when(is_refurb).then(pl.coalesce(cf, pl.lit(1.0))).otherwise(1.0).alias(name)
            for cf, name in zip(cat_factor, ("refurb_factor", "refurb_low", "refurb_high"), strict=True)
        ],
        pl.when(is_refurb & cat_factor[0].is_not_null())
        .then(pl.format("refurbished_factor:{}", pl.col("category")))
        .when(is_refurb)
        .then(pl.lit("no_factor"))
        .otherwise(pl.lit("new"))
        .alias("refurb_method"),
    )

    # ---------------------------------------------------------------- annual energy
    d_kwh = pl.col("_d_annual_kwh")
    if g4it:
        kwh_cands = [("declared", pl.col("annual_kwh"), "input"), ("default", d_kwh, "default")]
    else:
        hours = pl.coalesce(pl.col("hours_per_day"), pl.col("_d_hours_per_day"))
        days_y = pl.coalesce(pl.col("days_per_year"), pl.col("_d_days_per_year"))
        own = pl.col("power_w") * hours * days_y / 1000.0
        dflt_model = pl.col("_d_power_w") * hours * days_y / 1000.0
        unpowered = pl.col("status_in").is_in([s.value for s in UNPOWERED_STATUSES])
        kwh_cands = [
            ("not_powered", pl.when(unpowered).then(pl.lit(0.0)), "input"),
            ("measured", pl.col("measured_kwh"), "measured"),
            ("declared", pl.col("annual_kwh"), "input"),
            ("modelled", own, "modelled"),
            ("default", pl.coalesce(d_kwh, dflt_model), "default"),
        ]
    kwh_method: pl.Expr = pl.lit("unknown")
    kwh_status: pl.Expr = pl.lit("unknown")
    for name, expr, status in reversed(kwh_cands):
        kwh_method = pl.when(expr.is_not_null()).then(pl.lit(name)).otherwise(kwh_method)
        kwh_status = pl.when(expr.is_not_null()).then(pl.lit(status)).otherwise(kwh_status)
    a = a.with_columns(
        pl.coalesce([c[1] for c in kwh_cands]).alias("annual_kwh"),
        kwh_method.alias("kwh_method"),
        kwh_status.alias("kwh_status"),
    )

    # ---------------------------------------------------------------- PUE and country
    dpue = default_pue if default_pue is not None else (G4IT_DEFAULT_PUE if g4it else None)
    if g4it:
        in_dc = pl.col("site_id").is_not_null()
        country: pl.Expr = (
            pl.when(in_dc & pl.col("site_country").is_not_null())
            .then(pl.col("site_country"))
            .otherwise(pl.col("country"))
        )
        country_method = (
            pl.when(in_dc & pl.col("site_country").is_not_null())
            .then(pl.lit("site"))
            .when(pl.col("country").is_not_null())
            .then(pl.lit("item"))
            .otherwise(pl.lit("unknown"))
        )
    else:
        in_dc = pl.col("site_kind").is_in([k.value for k in PUE_SITE_KINDS]).fill_null(False)
        country = pl.coalesce("site_country", "country", pl.lit(org_country, dtype=pl.Utf8), pl.lit("WORLD"))
        country_method = (
            pl.when(pl.col("site_country").is_not_null())
            .then(pl.lit("site"))
            .when(pl.col("country").is_not_null())
            .then(pl.lit("item"))
            .when(pl.lit(org_country is not None))
            .then(pl.lit("organisation"))
            .otherwise(pl.lit("world_fallback"))
        )
    a = a.with_columns(
        pl.when(pl.col("pue_override").is_not_null())
        .then(pl.col("pue_override"))
        .when(in_dc)
        .then(pl.coalesce("site_pue", pl.lit(dpue, dtype=pl.Float64)))
        .when(pl.col("item_kind") == "cloud")
        .then(pl.lit(None, dtype=pl.Float64))
        .otherwise(1.0)
        .alias("pue"),
        pl.when(pl.col("pue_override").is_not_null())
        .then(pl.lit("provider"))
        .when(in_dc & pl.col("site_pue").is_not_null())
        .then(pl.lit("site"))
        .when(in_dc & pl.lit(dpue is not None))
        .then(pl.lit("default"))
        .when(in_dc | (pl.col("item_kind") == "cloud"))
        .then(pl.lit("unknown"))
        .otherwise(pl.lit("not_in_data_centre"))
        .alias("pue_method"),
        country.alias("country"),
        country_method.alias("country_method"),
    )

    # ---------------------------------------------------------------- impacts
    a = a.join(factor_table(factors, criteria), left_on="factor_ref", right_on="ref", how="left")
    a = a.join(electricity_table(factors, criteria), on="country", how="left")
    base = pl.col("quantity") * pl.col("alloc") * pl.col("usage_rate")
    exprs: list[pl.Expr] = []
    for c in criteria:
        for s in EMBODIED_STAGES:
            f, fl, fh = pl.col(f"f|{c}|{s}"), pl.col(f"fl|{c}|{s}"), pl.col(f"fh|{c}|{s}")
            # Only manufacturing is reduced for a refurbished item (factor 1 otherwise).
            rf, rl, rh = (
                (pl.col("refurb_factor"), pl.col("refurb_low"), pl.col("refurb_high"))
                if s == "manufacturing"
                else (pl.lit(1.0), pl.lit(1.0), pl.lit(1.0))
            )
            value = base * rf * f / pl.col("lifetime_years")
            # min/max over the corners keep low ≤ value ≤ high whatever the sign of the factor.
            lives = (pl.col("life_high"), pl.col("life_low"))
            corners_lo = [base * r * fl / life for r in (rl, rh) for life in lives] + [value]
            corners_hi = [base * r * fh / life for r in (rl, rh) for life in lives] + [value]
            exprs += [
                value.alias(col_v(c, s)),
                pl.when(value.is_not_null()).then(pl.min_horizontal(corners_lo)).alias(col_l(c, s)),
                pl.when(value.is_not_null()).then(pl.max_horizontal(corners_hi)).alias(col_h(c, s)),
            ]
        energy = base * pl.col("annual_kwh") * pl.col("pue")
        zero = pl.col("annual_kwh") == 0  # not powered: a known zero, whatever the electricity factor
        e, el, eh = pl.col(f"e|{c}"), pl.col(f"el|{c}"), pl.col(f"eh|{c}")
        value = pl.when(zero).then(0.0).otherwise(energy * e)
        exprs += [
            value.alias(col_v(c, "use")),
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
    a = a.with_columns(exprs)

    # ---------------------------------------------------------------- warnings and status
    missing_factor = [
        pl.when(pl.col(f"f|{c}|{s}").is_null()).then(pl.lit(f"{s}/{c}"))
        for c in criteria
        for s in EMBODIED_STAGES
    ]
    missing_elec = [
        pl.when(pl.col(f"e|{c}").is_null() & (pl.col("annual_kwh") != 0)).then(pl.lit(c)) for c in criteria
    ]
    mf = join_warnings(missing_factor, ", ")
    me = join_warnings(missing_elec, ", ")
    warn_parts = [
        pl.col("pre_warning"),
        pl.when(fr.is_null() & is_eq).then(
            pl.lit("no reference item for this model, type or category: unknown")
        ),
        pl.when(fr.is_not_null() & mf.is_not_null()).then(
            pl.format("no impact factor for '{}' ({}): unknown", fr, mf)
        ),
        pl.when(pl.col("lifetime_years").is_null() & fr.is_not_null()).then(
            pl.lit("no lifetime (dates, declared or default): non-use stages unknown")
        ),
        pl.when(pl.col("life_raw") < 1).then(pl.lit("lifetime below 1 year raised to 1 year")),
        pl.when(pl.col("kwh_method") == "unknown").then(pl.lit("no annual energy: use stage unknown")),
        pl.when(pl.col("pue_method") == "unknown").then(
            pl.lit("no PUE (site or default_pue): use stage unknown")
        ),
        pl.when(pl.col("country_method") == "world_fallback").then(
            pl.lit("no country (site, item or organisation): WORLD electricity factor used")
        ),
        pl.when(pl.col("country").is_null()).then(pl.lit("no country: use stage unknown")),
        pl.when(pl.col("country").is_not_null() & me.is_not_null()).then(
            pl.format("no electricity factor for '{}' ({}): use stage unknown", pl.col("country"), me)
        ),
        pl.when(pl.col("usage_method").str.ends_with("_missing")).then(
            pl.lit("usage mode without a cope_rate/byod_rate hypothesis: usage rate 1 used")
        ),
    ]
    if not g4it:
        warn_parts.append(
            pl.when(pl.col("refurb_method") == "no_factor").then(
                pl.format(
                    "refurbished: counted as new (no refurbished_factor for category '{}')",
                    pl.col("category").fill_null("none"),
                )
            )
        )
    ref_status = (
        pl.when(pl.col("ref_method").is_in(["model_ref", "model_matching"]))
        .then(pl.lit("input"))
        .otherwise(pl.lit("archetype"))
    )
    pue_status = pl.when(pl.col("pue_method") == "default").then(pl.lit("default")).otherwise(pl.lit("input"))
    country_status = (
        pl.when(pl.col("country_method") == "world_fallback")
        .then(pl.lit("default"))
        .otherwise(pl.lit("input"))
    )
    usage_status = (
        pl.when(pl.col("usage_method").is_in(["input", "default"]))
        .then(pl.lit("input"))
        .otherwise(pl.lit("default"))
    )
    ranks = [
        rank_expr(x, STATUS_ORDER)
        for x in (
            pl.col("life_status"),
            pl.col("kwh_status"),
            ref_status,
            pue_status,
            country_status,
            usage_status,
        )
    ]
    a = a.with_columns(
        join_warnings(warn_parts).alias("warnings"),
        label_expr(pl.max_horizontal(ranks), STATUS_ORDER).alias("status"),
    )
    return a
