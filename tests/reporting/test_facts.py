"""The scope split's domain rule: the column expression agrees with the rule written per item."""

from __future__ import annotations

import itertools

import polars as pl

from sobre.inventory.taxonomy import Category, SiteKind
from sobre.reporting.facts import domain_expr, domain_of


def test_domain_expression_matches_the_per_item_rule() -> None:
    site_kinds = {i: str(kind) for i, kind in enumerate(SiteKind, start=1)}
    sites = [None, *site_kinds, 999]  # 999: a site the organisation does not have
    categories = [None, "unheard_of", *(str(c) for c in Category)]
    kinds = ["equipment", "cloud", "storage"]
    rows = list(itertools.product(kinds, categories, sites))
    frame = pl.DataFrame(
        rows, schema={"item_kind": pl.Utf8, "category": pl.Utf8, "site_id": pl.Int64}, orient="row"
    )
    got = frame.select(domain_expr(site_kinds).alias("domain"))["domain"].to_list()
    expected = [domain_of(c, k, site_kinds.get(s) if s is not None else None) for k, c, s in rows]
    assert got == expected
    assert {"data_centre", "network", "end_user"} <= set(got)
