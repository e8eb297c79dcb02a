"""The report's data quality: the total by status and quality level, methods, defaults, imports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from sobre.footprint.engine.quality import ParameterShare
from sobre.footprint.schema import Result
from sobre.reporting.breakdowns import total_rows
from sobre.reporting.model import DataQuality, DefaultShare, ImportStat, QualityRow

STATUS_ORDER = ("measured", "input", "modelled", "archetype", "default", "unknown")
LEVEL_ORDER = ("high", "medium", "low")


def data_quality(
    result: Result,
    item_sums: pl.DataFrame,
    primary: str,
    codes: list[str],
    imports: list[ImportStat],
    share: Callable[[float | None, str], float | None],
    *,
    unknown: dict[str, dict[str, Any]],
    defaults: list[ParameterShare],
    methods: dict[str, dict[str, int]],
) -> DataQuality:
    """``unknown``: the totals per criterion (their unknown counts); ``defaults`` and ``methods``: what
    ``footprint.engine.quality`` gives for the run."""
    items = result.items.filter(total_rows())
    prim = item_sums.select("item_kind", "item_id", pl.col("value").alias("v"), pl.col("known").alias("k"))
    items = items.join(prim, on=["item_kind", "item_id"], how="left").with_columns(
        pl.when(pl.col("k") > 0).then(pl.col("v")).otherwise(None).alias("v")
    )

    def rows(col: str, order: Sequence[str]) -> list[QualityRow]:
        agg = (
            items.with_columns(pl.col(col).fill_null("unknown"))
            .group_by(col)
            .agg(
                pl.len().alias("n"),
                pl.col("quantity").fill_null(0).sum().alias("q"),
                pl.col("v").sum().alias("v"),
                pl.col("v").is_not_null().sum().alias("k"),
            )
        )
        out = [
            QualityRow(
                r[col],
                int(r["n"]),
                float(r["q"]),
                r["v"] if r["k"] else None,
                share(r["v"] if r["k"] else None, primary),
            )
            for r in agg.to_dicts()
        ]
        out.sort(key=lambda q: (order.index(q.key) if q.key in order else len(order), q.key))
        return out

    def counts(col: str) -> dict[str, int]:
        agg = items.with_columns(pl.col(col).fill_null("none")).group_by(col).len().sort(col)
        return {r[col]: int(r["len"]) for r in agg.to_dicts()}

    unknown_by = {c: 0 for c in codes}
    unknown_by.update({c: int(t["unknown"]) for c, t in unknown.items()})
    by_status = rows("status", STATUS_ORDER)
    shares = [DefaultShare(s.criterion, s.parameter, s.share, s.items_default, s.items) for s in defaults]
    overall = next((s.share for s in shares if s.criterion == primary and s.parameter == "any"), None)
    energy = items.select(
        (pl.col("quantity").fill_null(0) * pl.col("annual_kwh").fill_null(0)).alias("kwh"), "kwh_method"
    )
    kwh_total = float(energy["kwh"].sum() or 0.0)
    kwh_measured = float(energy.filter(pl.col("kwh_method") == "measured")["kwh"].sum() or 0.0)
    return DataQuality(
        by_status=by_status,
        by_level=rows("data_quality", LEVEL_ORDER),
        lifetime_methods=counts("lifetime_method"),
        kwh_methods=counts("kwh_method"),
        kwh_total=kwh_total,
        kwh_measured=kwh_measured,
        unknown_by_criterion=unknown_by,
        default_share=overall,
        rows_read=sum(i.rows_read for i in imports),
        rows_rejected=sum(i.rejected for i in imports),
        imports=imports,
        warnings=list(result.warnings),
        default_shares=shares,
        methods=methods,
    )
