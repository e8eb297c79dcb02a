"""The report's sources (factor set, the references it used) and assumptions (hypotheses, defaults)."""

from __future__ import annotations

import polars as pl

from sobre.reporting.inputs import ReportInputs
from sobre.reporting.model import Assumption, CategoryDefault, Source


def sources_and_assumptions(
    inputs: ReportInputs,
) -> tuple[list[Source], list[Assumption], list[CategoryDefault]]:
    run, result, factors = inputs.run, inputs.result, inputs.factors
    assumptions = [
        Assumption("reference_date", run.reference_date.isoformat()),
        Assumption("profile", run.profile),
        Assumption("methodology", run.methodology),
    ]
    if factors is None:
        src = [
            Source(f"{run.factor_set_id} {run.factor_set_version}", run.factor_set_licence, 0, "factor_set")
        ]
        return src, assumptions, []
    sources = [
        Source(
            f"{factors.id} {factors.version} — {factors.publisher} ({factors.year})",
            factors.licence,
            factors.impacts.height + factors.electricity.height,
            "factor_set",
        )
    ]
    refs = result.items.get_column("factor_ref").drop_nulls().unique()
    used_impacts = factors.impacts.filter(pl.col("ref").is_in(refs.implode()))
    countries = result.items.get_column("country").drop_nulls().unique()
    used_elec = factors.electricity.filter(pl.col("country").is_in(countries.implode()))
    for kind, frame in (("impacts", used_impacts), ("electricity", used_elec)):
        agg = (
            frame.with_columns(pl.col("source").fill_null(""), pl.col("licence").fill_null(""))
            .group_by("source", "licence")
            .len()
            .sort(["len", "source"], descending=[True, False])
        )
        sources += [Source(r["source"], r["licence"], int(r["len"]), kind) for r in agg.to_dicts()]
    for key in sorted(factors.hypotheses):
        assumptions.append(Assumption(f"hypothesis:{key}", f"{factors.hypotheses[key]:g}"))
    for provider in sorted(factors.cloud_pue):
        assumptions.append(Assumption(f"cloud_pue:{provider}", f"{factors.cloud_pue[provider]:g}"))

    categories = result.items.filter(pl.col("item_kind") == "equipment").get_column("category").drop_nulls()
    defaults = factors.defaults.filter(pl.col("ref").is_in(categories.unique().implode())).sort("ref")
    category_defaults = [
        CategoryDefault(
            r["ref"],
            r["lifetime_years"],
            r["lifetime_low"],
            r["lifetime_high"],
            r["annual_kwh"],
            r["power_w"],
            r["hours_per_day"],
            r["days_per_year"],
            r["source"] or "",
        )
        for r in defaults.to_dicts()
    ]
    return sources, assumptions, category_defaults
