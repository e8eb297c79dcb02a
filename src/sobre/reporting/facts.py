"""What a diagnosis says around the footprint (pure): the scope and its split as in the ADEME/Arcep studies,
benchmarks against published references, everyday equivalences, and the fleet's facts (devices per agent,
age pyramid, stock, renewals, items past their default lifetime, servers)."""

from __future__ import annotations

from typing import Any

import polars as pl

from sobre.footprint.schema import FactorSet, Result
from sobre.inventory.taxonomy import (
    END_USER_CATEGORIES,
    NETWORK_CATEGORIES,
    PUE_SITE_KINDS,
    SERVER_CATEGORIES,
    Category,
)
from sobre.reporting import references
from sobre.reporting.model import AgeBand, Benchmark, Equivalence, Figure, FleetFacts, ScopeSplit

#: Age bands of the pyramid (years, lower bound included).
AGE_BANDS = ((0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 8), (8, None))
_END_USER = {str(c) for c in END_USER_CATEGORIES}
_NETWORK = {str(c) for c in NETWORK_CATEGORIES} | {str(Category.UPS)}


def total_rows(result: Result) -> pl.DataFrame:
    kind = pl.col("item_kind")
    return result.items.filter(
        kind.is_in(["equipment", "cloud"]) | ((kind == "storage") & pl.col("host_id").is_null())
    )


def domain_of(category: str | None, item_kind: str, site_kind: str | None) -> str:
    """end_user, network or data_centre, as the ADEME/Arcep studies split a digital footprint.

    Whatever sits in a data centre, server room or cloud region is data centre (its switches and UPS
    included); servers, arrays, cloud and storage anywhere too; network gear and UPS elsewhere are network.
    """
    in_dc = site_kind in {str(k) for k in PUE_SITE_KINDS}
    if item_kind in ("cloud", "storage") or in_dc:
        return "data_centre"
    if category in {str(c) for c in SERVER_CATEGORIES} or category == str(Category.STORAGE_ARRAY):
        return "data_centre"
    if category in _NETWORK:
        return "network"
    return "end_user"


def domain_expr(site_kinds: dict[int, str]) -> pl.Expr:
    """:func:`domain_of` as a column expression over ``category``, ``item_kind`` and ``site_id``."""
    dc_sites = [i for i, k in site_kinds.items() if k in {str(x) for x in PUE_SITE_KINDS}]
    dc_categories = [str(c) for c in SERVER_CATEGORIES] + [str(Category.STORAGE_ARRAY)]
    category = pl.col("category")
    return (
        pl.when(pl.col("item_kind").is_in(["cloud", "storage"]) | pl.col("site_id").is_in(dc_sites))
        .then(pl.lit("data_centre"))
        .when(category.is_in(dc_categories))
        .then(pl.lit("data_centre"))
        .when(category.is_in(sorted(_NETWORK)))
        .then(pl.lit("network"))
        .otherwise(pl.lit("end_user"))
    )


def _sum(frame: pl.DataFrame, unit: str) -> Figure:
    known = frame.filter(pl.col("value").is_not_null())
    unknown = frame.filter(pl.col("value").is_null()).select("item_kind", "item_id").unique().height
    if known.height == 0:
        return Figure(None, None, None, unit, unknown)
    return Figure(
        float(known["value"].sum()), float(known["low"].sum()), float(known["high"].sum()), unit, unknown
    )


def scope_split(
    result: Result,
    primary: str,
    unit: str,
    site_kinds: dict[int, str],
    in_scope: list[str],
    *,
    counted: pl.DataFrame | None = None,
) -> ScopeSplit:
    """The total split into end-user, network and data-centre domains.  ``counted``: the total's impact
    rows with their items' category and site (``breakdowns.RunRows.counted``), when already joined: the
    same rows in the same order as the join here gives them, so the same sums."""
    if counted is not None:
        imp = counted.filter(pl.col("criterion") == primary).with_columns(
            domain_expr(site_kinds).alias("domain")
        )
    else:
        items = total_rows(result).select("item_kind", "item_id", "category", "site_id")
        items = items.with_columns(domain_expr(site_kinds).alias("domain"))
        imp = result.impacts.filter(pl.col("criterion") == primary).join(
            items.select("item_kind", "item_id", "domain"), on=["item_kind", "item_id"], how="inner"
        )
    part = {d: _sum(imp.filter(pl.col("domain") == d), unit) for d in ("end_user", "network", "data_centre")}
    out = [
        "scope.out.telecom_networks",
        "scope.out.saas",
        "scope.out.printing_consumables",
        "scope.out.website_visitors",
        "scope.out.personal_devices",
    ]
    return ScopeSplit(part["end_user"], part["network"], part["data_centre"], in_scope, out)


def in_scope_keys(result: Result) -> list[str]:
    """What the inventory covers, as message keys (only what is there)."""
    items = total_rows(result)
    cats = set(items["category"].drop_nulls().to_list())
    kinds = set(items["item_kind"].to_list())
    keys = []
    if cats & _END_USER:
        keys.append("scope.in.end_user")
    if cats & _NETWORK:
        keys.append("scope.in.network")
    if cats & ({str(c) for c in SERVER_CATEGORIES} | {str(Category.STORAGE_ARRAY)}):
        keys.append("scope.in.servers")
    if "cloud" in kinds:
        keys.append("scope.in.cloud")
    if "storage" in kinds:
        keys.append("scope.in.storage")
    if result.items.filter(pl.col("item_kind") == "application").height:
        keys.append("scope.in.applications")
    return keys


def benchmarks(per_agent: Figure | None, per_inhabitant: Figure | None) -> list[Benchmark]:
    out = []
    for row in references.benchmarks():
        ours = per_agent if row["per"] == "agent" else per_inhabitant
        out.append(
            Benchmark(row["key"], row["per"], float(row["value"]), ours, row["source"], int(row["year"]))
        )
    return out


def equivalences(total: Figure) -> list[Equivalence]:
    out = []
    for row in references.equivalences():
        unit_value = float(row["value"])
        count = total.value / unit_value if total.value is not None else None
        out.append(Equivalence(row["key"], unit_value, count, row["source"]))
    return out


def _band(age: pl.Expr) -> pl.Expr:
    """The age band label of each age (the first band whose upper bound it is below; unknown when null)."""
    band: Any = pl.when(age.is_null()).then(pl.lit("unknown"))
    for lo, hi in AGE_BANDS:
        band = band.when(pl.lit(True) if hi is None else age < hi).then(
            pl.lit(f"{lo}+" if hi is None else f"{lo}-{hi}")
        )
    return band.otherwise(pl.lit("unknown"))


def fleet_facts(result: Result, factors: FactorSet | None, people: int | None) -> FleetFacts:
    """Facts of the counted equipment (units, i.e. quantities), from the run's own trace."""
    # Only the columns read: the items carry some thirty, copied by every filter below otherwise.
    eq = result.items.filter(pl.col("item_kind") == "equipment").select(
        "item_id", "category", "age_years", "kwh_method", pl.col("quantity").fill_null(1.0).alias("q")
    )
    units = {
        r["category"] or "other": float(r["q"])
        for r in eq.group_by("category").agg(pl.col("q").sum()).iter_rows(named=True)
    }
    per_agent = {c: (u / people if people else None) for c, u in units.items()}
    eq = eq.with_columns(_band(pl.col("age_years")).alias("band"))
    labels = [f"{lo}+" if hi is None else f"{lo}-{hi}" for lo, hi in AGE_BANDS] + ["unknown"]
    counts = eq.group_by("band", "category").agg(pl.col("q").sum())
    age_bands = [
        AgeBand(
            label,
            {
                (r["category"] or "other"): float(r["q"])
                for r in counts.filter(pl.col("band") == label).iter_rows(named=True)
            },
        )
        for label in labels
    ]
    median = {
        r["category"] or "other": r["age_years"]
        for r in eq.group_by("category").agg(pl.col("age_years").median()).iter_rows(named=True)
    }
    default_life: dict[str, float] = {}
    if factors is not None:
        d = factors.defaults.filter(pl.col("lifetime_years").is_not_null())
        default_life = dict(zip(d["ref"].to_list(), d["lifetime_years"].to_list(), strict=True))
    life = pl.col("category").replace_strict(default_life, default=None, return_dtype=pl.Float64)
    past = eq.filter(pl.col("age_years") > life).group_by("category").agg(pl.col("q").sum())
    past_default = {r["category"] or "other": float(r["q"]) for r in past.iter_rows(named=True)}
    stock = float(eq.filter(pl.col("kwh_method") == "not_powered")["q"].sum() or 0.0)
    bought = float(eq.filter(pl.col("age_years") < 1)["q"].sum() or 0.0)
    with_age = float(eq.filter(pl.col("age_years").is_not_null())["q"].sum() or 0.0)
    servers = eq.filter(pl.col("category").is_in([str(c) for c in SERVER_CATEGORIES]))
    hosts = set(
        result.items.filter(pl.col("item_kind").is_in(["vm", "idle"]))["host_id"].drop_nulls().to_list()
    )
    n_hosts = servers.filter(pl.col("item_id").is_in(list(hosts))).height
    return FleetFacts(
        per_agent=per_agent,
        units=units,
        age_bands=age_bands,
        median_age=median,
        past_default=past_default,
        in_stock=stock,
        renewal_rate=bought / with_age if with_age else None,
        servers=servers.height,
        virtualisation_hosts=n_hosts,
        plain_servers=servers.height - n_hosts,
    )


__all__ = [
    "AGE_BANDS",
    "benchmarks",
    "domain_expr",
    "domain_of",
    "equivalences",
    "fleet_facts",
    "in_scope_keys",
    "scope_split",
    "total_rows",
]
