"""The run's totals and breakdowns by stage, category, site, application and department, for the report.

They are read from the aggregates stored with the run (``footprint.runs.aggregates``: the figures the web
pages show, so report and pages agree to the last digit) and computed from the run's rows only where the
stored ones lack a dimension (runs stored before it was aggregated, results built by hand).  The rules
are the same either way: the total covers equipment, cloud instances and storage not carried by an
equipment; applications are allocations of it; a group whose every figure is unknown has value None,
never 0, and counts its unknown items.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from sobre.footprint.engine.frames import with_item_columns
from sobre.footprint.schema import Result

TOTAL_KINDS = ("equipment", "cloud")
#: The breakdowns read from the stored aggregates → their stored dimension.
STORED = {"stage": "total", "category": "category", "site": "site_id", "application": "item_id"}
_FIGURES = ("value", "low", "high", "unknown")


def total_rows() -> pl.Expr:
    """The rows that make up the organisation's total (the others are allocations of these)."""
    return pl.col("item_kind").is_in(TOTAL_KINDS) | (
        (pl.col("item_kind") == "storage") & pl.col("host_id").is_null()
    )


def aggregate(frame: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    """Sum value/low/high per keys and criterion; count unknown items; all-unknown groups stay unknown."""
    by = [*keys, "criterion"]
    sums = frame.group_by(by).agg(
        pl.col("value").sum().alias("value"),
        pl.col("low").sum().alias("low"),
        pl.col("high").sum().alias("high"),
        pl.col("value").is_not_null().sum().alias("known"),
    )
    # Unknown rows are few: count their distinct items apart, which is much cheaper than in the main pass.
    unknown = (
        frame.filter(pl.col("value").is_null())
        .group_by(by)
        .agg(pl.struct("item_kind", "item_id").n_unique().cast(pl.Int64).alias("unknown"))
    )
    return sums.join(unknown, on=by, how="left", nulls_equal=True).with_columns(
        pl.col("unknown").fill_null(0),
        *(
            pl.when(pl.col("known") > 0).then(pl.col(c)).otherwise(None).alias(c)
            for c in ("value", "low", "high")
        ),
    )


@dataclass
class RunRows:
    """The run's rows with the item columns the breakdowns group or filter by, joined once when needed."""

    result: Result
    _joined: pl.DataFrame | None = field(default=None, repr=False)
    _counted: pl.DataFrame | None = field(default=None, repr=False)

    @property
    def joined(self) -> pl.DataFrame:
        if self._joined is None:
            # Only the columns grouped or filtered by: every column joined is copied to each of the
            # millions of impact rows (names and statuses are read from ``result.items`` where shown).
            self._joined = with_item_columns(
                self.result.impacts, self.result.items, ["category", "site_id", "host_id"]
            )
        return self._joined

    @property
    def counted(self) -> pl.DataFrame:
        """The rows of the organisation's total."""
        if self._counted is None:
            self._counted = self.joined.filter(total_rows())
        return self._counted


@dataclass
class Sums:
    """The totals and breakdowns, as plain figures (no names: the report adds them)."""

    #: Criterion → value, low, high, unknown over the total's scope and every stage.
    totals: dict[str, dict[str, Any]]
    #: Criterion → stage → items whose figure for that stage is unknown (stages with some only).
    unknown_stages: dict[str, dict[str, int]]
    #: stage, category, site, application (and department when stored) → key, criterion, value, low,
    #: high, unknown.
    breakdowns: dict[str, pl.DataFrame]
    #: The breakdowns computed from the run's rows (none stored): for the tests and the curious.
    computed: list[str] = field(default_factory=list)


def run_sums(rows: RunRows, stored: pl.DataFrame | None) -> Sums:
    """Totals and breakdowns from ``stored`` (the run's aggregate rows) where it has them, else from rows."""
    stored = stored if stored is not None else pl.DataFrame()
    dims = (
        {d: f.drop("dimension") for (d,), f in stored.partition_by("dimension", as_dict=True).items()}
        if stored.height
        else {}
    )
    computed: list[str] = []
    total = dims.get("total")
    if total is not None and total.filter(pl.col("stage").is_null()).height:
        all_stages = total.filter(pl.col("stage").is_null())
        totals = {r["criterion"]: {f: r[f] for f in _FIGURES} for r in all_stages.iter_rows(named=True)}
    else:
        totals = _computed_totals(rows)
        computed.append("total")
    per_stage = None if total is None else total.filter(pl.col("stage").is_not_null() & (pl.col("items") > 0))
    breakdowns: dict[str, pl.DataFrame] = {}
    if per_stage is not None and per_stage.height:
        breakdowns["stage"] = _figures(per_stage.with_columns(pl.col("stage").alias("key")))
    category = dims.get("category")
    if category is not None and not _merges(category):
        # The report names a missing category "other" (one group with the items so categorised).
        breakdowns["category"] = _figures(
            _all_stages(category).with_columns(pl.col("key").fill_null("other"))
        )
    # The departments' allocation is stored by runs that made it (else the report allocates the run).
    for name in ("site", "application", "department"):
        frame = dims.get(name)
        if frame is not None and frame.height:
            breakdowns[name] = _figures(_all_stages(frame).with_columns(pl.col("key").cast(pl.Int64)))
    for name, compute in _COMPUTE.items():
        if name not in breakdowns:
            breakdowns[name] = compute(rows)
            computed.append(name)
    unknown_stages: dict[str, dict[str, int]] = {}
    for r in breakdowns["stage"].filter(pl.col("unknown") > 0).iter_rows(named=True):
        unknown_stages.setdefault(r["criterion"], {})[r["key"]] = int(r["unknown"])
    return Sums(totals, unknown_stages, breakdowns, computed)


def _all_stages(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("stage").is_null() & (pl.col("items") > 0))


def _merges(category: pl.DataFrame) -> bool:
    """True when items without a category and items of category "other" would make one group: the
    stored rows keep them apart, so that breakdown is computed (no stored row is ever re-summed)."""
    keys = set(category.get_column("key").to_list())
    return not category.height or (None in keys and "other" in keys)


def _figures(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select("key", "criterion", "value", "low", "high", pl.col("unknown").cast(pl.Int64))


def _computed_totals(rows: RunRows) -> dict[str, dict[str, Any]]:
    frame = aggregate(rows.counted.with_columns(pl.lit("all").alias("_all")), ["_all"])
    return {r["criterion"]: {f: r[f] for f in _FIGURES} for r in frame.iter_rows(named=True)}


def _computed(frame: Callable[[RunRows], pl.DataFrame], key: str) -> Callable[[RunRows], pl.DataFrame]:
    return lambda rows: _figures(aggregate(frame(rows), [key]).rename({key: "key"}))


_COMPUTE: dict[str, Callable[[RunRows], pl.DataFrame]] = {
    "stage": _computed(lambda rows: rows.counted, "stage"),
    "category": _computed(
        lambda rows: rows.counted.with_columns(pl.col("category").fill_null("other")), "category"
    ),
    "site": _computed(lambda rows: rows.counted, "site_id"),
    "application": _computed(
        lambda rows: rows.joined.filter(pl.col("item_kind") == "application"), "item_id"
    ),
}
