"""Footprint of assets (equipment, cloud shares, storage): how each parameter is chosen, then the impacts.

Non-use stages: quantity × alloc × factor[ref, stage, criterion] × usage_rate / lifetime
                (× refurbished factor on manufacturing for a refurbished item, Sobre profile).
Use stage:      quantity × alloc × annual_kWh × electricity[country, criterion] × PUE × usage_rate.
Each parameter is chosen by the profile's rules and recorded with how it was chosen (the trace); the
impacts, warnings and statuses are computed in ``impacts.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import polars as pl

from sobre.footprint.engine.assets import UNPOWERED_STATUSES
from sobre.footprint.engine.frames import ENGINE, conform
from sobre.footprint.engine.impacts import add_impacts, capacity_refs
from sobre.footprint.engine.profiles import hypothesis
from sobre.footprint.schema import SITES, FactorSet, Inventory
from sobre.inventory.taxonomy import ACTIVE_STATUSES, PUE_SITE_KINDS

#: G4IT's default PUE when neither the data centre nor the referential gives one (its documentation).
G4IT_DEFAULT_PUE = 1.75
#: Days per year in the Sobre profile's lifetimes and ages (Julian year).
DAYS_PER_YEAR = 365.25
#: The parameter steps run on a lazy frame (one plan, shared sub-expressions computed once) or eagerly.
Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


def _lookup(expr: pl.Expr, mapping: dict[Any, Any], dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    """Map values through a small dict (null when absent)."""
    if not mapping:
        return pl.lit(None, dtype=dtype)
    return expr.replace_strict(mapping, default=None, return_dtype=dtype)


def _first_by(df: pl.DataFrame, key: str, value: str, *, fold: bool = False) -> dict[Any, Any]:
    sub = df.filter(pl.col(key).is_not_null() & pl.col(value).is_not_null()).unique(key, keep="first")
    keys = sub[key].to_list()
    if fold:
        keys = [str(k).strip().lower() for k in keys]
    return dict(zip(keys, sub[value].to_list(), strict=True))


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


def _chosen(frame: Frame, candidates: list[tuple[str, pl.Expr, str]], names: tuple[str, str, str]) -> Frame:
    """First non-null candidate: (value, method, status) columns named ``names``."""
    method: pl.Expr = pl.lit("unknown")
    status: pl.Expr = pl.lit("unknown")
    for name, expr, stat in reversed(candidates):
        method = pl.when(expr.is_not_null()).then(pl.lit(name)).otherwise(method)
        status = pl.when(expr.is_not_null()).then(pl.lit(stat)).otherwise(status)
    return frame.with_columns(
        pl.coalesce([c[1] for c in candidates]).alias(names[0]),
        method.alias(names[1]),
        status.alias(names[2]),
    )


def _reference(assets: pl.DataFrame, factors: FactorSet, g4it: bool) -> pl.DataFrame:
    """``factor_ref`` and ``ref_method``: model reference, model matching, item type, category."""
    impact_refs = set(factors.impacts["ref"].drop_nulls().to_list())
    matching = _first_by(factors.model_matching, "model", "ref")
    is_eq = pl.col("item_kind") == "equipment"
    if g4it:
        type_ref = _first_by(factors.item_types, "type", "default_ref")
        type_life = _first_by(factors.item_types, "type", "lifetime_years")
        first, second = pl.col("type_label"), pl.col("category")
    else:
        # A type written in the source ("Vidéoprojecteur") can be more precise than its category
        # ("display"): it is looked up first, case-insensitively.
        type_ref = _first_by(factors.item_types, "type", "default_ref", fold=True)
        type_life = _first_by(factors.item_types, "type", "lifetime_years", fold=True)
        first, second = pl.col("type_label").str.strip_chars().str.to_lowercase(), pl.col("category")
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
        method = (
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
        method = (
            pl.when(~is_eq & pl.col("forced_ref").is_not_null())
            .then(pl.lit("archetype"))
            .when(~is_eq)
            .then(None)
            .when(by_model_ref.is_not_null())
            .then(pl.lit("model_ref"))
            .when(by_match.is_not_null())
            .then(pl.lit("model_matching"))
            .when(by_type.is_not_null())
            .then(pl.lit("item_type"))
            .when(pl.col("category").is_not_null())
            .then(pl.lit("category"))
        )
    return assets.with_columns(ref.alias("factor_ref"), method.alias("ref_method"))


_DEFAULT_FIELDS = (
    "lifetime_years",
    "lifetime_low",
    "lifetime_high",
    "annual_kwh",
    "power_w",
    "hours_per_day",
    "days_per_year",
)


def _defaults(a: pl.DataFrame, factors: FactorSet) -> pl.DataFrame:
    """The reference item's defaults as ``_d_<field>`` columns; a storage array's drives add theirs."""
    table = factors.defaults.filter(pl.col("ref").is_not_null()).unique("ref", keep="first")
    a = a.join(
        table.select(
            pl.col("ref").alias("factor_ref"), *[pl.col(c).alias(f"_d_{c}") for c in _DEFAULT_FIELDS]
        ),
        on="factor_ref",
        how="left",
    )
    for ref, per_gb in capacity_refs(a, factors).items():
        row = table.filter(pl.col("ref") == per_gb)
        kwh_gb = row["annual_kwh"][0] if row.height else None
        if kwh_gb is None:
            continue
        on = (pl.col("factor_ref") == ref) & pl.col("storage_gb").is_not_null()
        # The chassis's energy plus the drives' (per GB), so the use stage follows the capacity too.
        a = a.with_columns(
            pl.when(on)
            .then(pl.col("_d_annual_kwh").fill_null(0.0) + pl.col("storage_gb") * kwh_gb)
            .otherwise(pl.col("_d_annual_kwh"))
            .alias("_d_annual_kwh")
        )
    return a


def _sites(a: pl.DataFrame, inventory: Inventory) -> pl.DataFrame:
    sites = conform(inventory.sites, SITES).unique("id", keep="first")
    return a.join(
        sites.select(
            pl.col("id").alias("site_id"),
            pl.col("kind").alias("site_kind"),
            pl.col("country").alias("site_country"),
            pl.col("pue").alias("site_pue"),
        ),
        on="site_id",
        how="left",
    )


def _lifetime(a: Frame, factors: FactorSet, g4it: bool, reference_date: date) -> Frame:
    """``lifetime_years`` (≥ 1 y) with its range and method, and ``age_years`` at the reference date."""
    default_life = hypothesis(factors, "default_lifetime")
    type_lifetime = pl.col("_type_life")
    days = (pl.col("retirement_date") - pl.col("purchase_date")).dt.total_days().cast(pl.Float64)
    age_days = (pl.lit(reference_date) - pl.col("purchase_date")).dt.total_days().cast(pl.Float64)
    hyp_life = pl.lit(default_life, dtype=pl.Float64)
    if g4it:
        both = pl.col("retirement_date").is_not_null() & pl.col("purchase_date").is_not_null()
        in_use = pl.col("status_in").is_null() | (pl.col("status_in") == "in_use")
        candidates = [
            ("dates_365", pl.when(both).then(days / 365.0), "input"),
            (
                "purchase_to_reference",
                pl.when(pl.col("purchase_date").is_not_null() & in_use).then(age_days / 365.0),
                "modelled",
            ),
            ("type_default", type_lifetime, "default"),
            ("hypothesis", hyp_life, "default"),
        ]
    else:
        candidates = [
            ("dates", pl.when(days > 0).then(days / DAYS_PER_YEAR), "input"),
            ("declared", pl.when(pl.col("lifetime_years") > 0).then(pl.col("lifetime_years")), "input"),
            ("default", pl.col("_d_lifetime_years"), "default"),
            ("type_default", type_lifetime, "default"),
            ("hypothesis", hyp_life, "default"),
        ]
    a = a.with_columns(
        pl.when(pl.col("purchase_date").is_not_null() & (age_days >= 0))
        .then(age_days / DAYS_PER_YEAR)
        .alias("age_years")
    )
    a = _chosen(a, candidates, ("life_raw", "lifetime_method", "life_status"))
    if not g4it:
        # An item still in service has lived at least its age: a 9-year-old PC is not amortised over 6.
        active = pl.col("status_in").is_null() | pl.col("status_in").is_in([s.value for s in ACTIVE_STATUSES])
        older = (
            active
            & pl.col("retirement_date").is_null()
            & pl.col("age_years").is_not_null()
            & (pl.col("age_years") > pl.col("life_raw").fill_null(0.0))
        )
        a = a.with_columns(
            pl.when(older).then(pl.col("age_years")).otherwise(pl.col("life_raw")).alias("life_raw"),
            pl.when(older).then(pl.lit("age")).otherwise(pl.col("lifetime_method")).alias("lifetime_method"),
            pl.when(older).then(pl.lit("input")).otherwise(pl.col("life_status")).alias("life_status"),
        )
    life = pl.max_horizontal(pl.col("life_raw"), pl.lit(1.0))
    known = pl.col("life_raw").is_not_null()
    method = pl.col("lifetime_method")
    # A default lifetime carries the set's range; an age is a lower bound (the item is still in service),
    # so its range reaches the default's high end.
    low = (
        pl.when(method == "default")
        .then(pl.max_horizontal(pl.min_horizontal(pl.col("_d_lifetime_low"), pl.col("life_raw")), 1.0))
        .when(known)
        .then(life)
    )
    high = (
        pl.when(method.is_in(["default", "age"]))
        .then(pl.max_horizontal(pl.col("_d_lifetime_high"), pl.col("life_raw"), 1.0))
        .when(known)
        .then(life)
    )
    return a.with_columns(
        pl.when(known).then(life).alias("lifetime_years"), low.alias("life_low"), high.alias("life_high")
    )


def _usage_rate(a: Frame, factors: FactorSet) -> Frame:
    """Usage rate: the row's, else COPE/BYOD hypotheses (NumEcoEval 0.8 / 0.57), else 1 — both profiles."""
    cope, byod = hypothesis(factors, "cope_rate"), hypothesis(factors, "byod_rate")
    mode = pl.col("usage_mode").str.to_lowercase()
    given = pl.col("usage_rate").is_not_null()
    return a.with_columns(
        pl.when(given)
        .then(pl.col("usage_rate"))
        .when(mode == "cope")
        .then(pl.lit(cope if cope is not None else 1.0))
        .when(mode == "byod")
        .then(pl.lit(byod if byod is not None else 1.0))
        .otherwise(1.0)
        .alias("usage_rate"),
        pl.when(given)
        .then(pl.lit("input"))
        .when(mode == "cope")
        .then(pl.lit("cope" if cope is not None else "cope_missing"))
        .when(mode == "byod")
        .then(pl.lit("byod" if byod is not None else "byod_missing"))
        .otherwise(pl.lit("full"))
        .alias("usage_method"),
    )


def _refurbished(a: Frame, factors: FactorSet, g4it: bool) -> Frame:
    """A refurbished item carries a share of a new one's manufacturing (Sobre profile); without a factor for
    its category it is counted as new, with a warning."""
    refurb = refurbished_factors(factors) if not g4it else {}
    is_refurb = (
        pl.col("refurbished").fill_null(False) & (pl.col("item_kind") == "equipment") & pl.lit(not g4it)
    )
    cat_factor = [
        _lookup(pl.col("category"), {k: v[i] for k, v in refurb.items()}, pl.Float64) for i in range(3)
    ]
    return a.with_columns(
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


def _energy(a: Frame, g4it: bool) -> Frame:
    """annual kWh: measured > declared > power × profile > the reference item's default."""
    d_kwh = pl.col("_d_annual_kwh")
    if g4it:
        candidates = [("declared", pl.col("annual_kwh"), "input"), ("default", d_kwh, "default")]
    else:
        hours = pl.coalesce(pl.col("hours_per_day"), pl.col("_d_hours_per_day"))
        days_y = pl.coalesce(pl.col("days_per_year"), pl.col("_d_days_per_year"))
        own = pl.col("power_w") * hours * days_y / 1000.0
        # A declared schedule applies to the default power too (an item switched off at night).
        scheduled = pl.col("hours_per_day").is_not_null() | pl.col("days_per_year").is_not_null()
        dflt_model = pl.col("_d_power_w") * hours * days_y / 1000.0
        unpowered = pl.col("status_in").is_in([s.value for s in UNPOWERED_STATUSES])
        candidates = [
            ("not_powered", pl.when(unpowered).then(pl.lit(0.0)), "input"),
            ("measured", pl.col("measured_kwh"), "measured"),
            ("declared", pl.col("annual_kwh"), "input"),
            ("modelled", own, "modelled"),
            ("scheduled", pl.when(scheduled).then(dflt_model), "modelled"),
            ("default", pl.coalesce(d_kwh, dflt_model), "default"),
        ]
    return _chosen(a, candidates, ("annual_kwh", "kwh_method", "kwh_status"))


def _pue_country(a: Frame, g4it: bool, default_pue: float | None, org_country: str | None) -> Frame:
    """PUE (site, else provider, else default; 1 outside data centres) and the country of use."""
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
    site_pue, provider = pl.col("site_pue"), pl.col("pue_override")
    cloud = pl.col("item_kind") == "cloud"
    default = pl.lit(dpue, dtype=pl.Float64)
    return a.with_columns(
        pl.when(in_dc)
        .then(pl.coalesce(site_pue, provider, default))
        .when(cloud)
        .then(pl.coalesce(provider, default))
        .otherwise(1.0)
        .alias("pue"),
        pl.when(in_dc & site_pue.is_not_null())
        .then(pl.lit("site"))
        .when((in_dc | cloud) & provider.is_not_null())
        .then(pl.lit("provider"))
        .when((in_dc | cloud) & pl.lit(dpue is not None))
        .then(pl.lit("default"))
        .when(in_dc | cloud)
        .then(pl.lit("unknown"))
        .otherwise(pl.lit("not_in_data_centre"))
        .alias("pue_method"),
        country.alias("country"),
        country_method.alias("country_method"),
    )


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
    a = _reference(assets, factors, g4it)
    a = _defaults(a, factors)
    a = _sites(a, inventory)
    # The column-only steps as one lazy plan: eager frames run without optimisations, and the rules'
    # chains of candidates evaluated the same sub-expressions again and again.
    lazy = _lifetime(a.lazy(), factors, g4it, reference_date)
    lazy = _usage_rate(lazy, factors)
    lazy = _refurbished(lazy, factors, g4it)
    lazy = _energy(lazy, g4it)
    lazy = _pue_country(lazy, g4it, hypothesis(factors, "default_pue"), org_country)
    return add_impacts(lazy.collect(engine=ENGINE), factors, criteria, g4it)
