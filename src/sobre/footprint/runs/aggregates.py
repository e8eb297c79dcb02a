"""The figures pages and reports show most, computed once per run from its wide results (pure, no I/O).

Per dimension (the organisation's total, category, site, application), key, criterion and
stage (and all stages together, ``stage`` None; applications: all stages only): value, low, high (sums of
the known figures), ``unknown`` (items with an unknown figure), ``known`` (items with a known one),
quantity and item count.  The rules are
the breakdowns' own: an item counts for the stages the engine produced; a group whose every figure is
unknown has value None, never 0; the total covers equipment, cloud instances and storage not carried by an
equipment, the application rows are allocations of that total.

The department dimension is the total's allocation to departments
(``footprint.engine.departments``: VMs by vCPU share, volumes by capacity, shared items by their
applications' users, end-user devices to their own department, the rest shared / unallocated, key None),
not the department column of the items, which would give every server to the IT department that manages
it; ``department_part`` keeps each department's part per allocation key, all stages together.  Their
counts are parts (an item split among three departments counts in each), and no quantity is kept.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from sobre.footprint.runs.dataset import Layout

#: Item kinds whose impacts make the organisation's total; vm, application and idle rows are allocations.
TOTAL_KINDS = ("equipment", "cloud", "storage")
#: Stored dimension → the item column it groups by (None: one group, the whole scope).
DIMENSIONS: dict[str, str | None] = {
    "total": None,
    "category": "category",
    "site": "site_id",
    "application": "item_id",
}
COLUMNS = (
    "dimension",
    "key",
    "criterion",
    "stage",
    "value",
    "low",
    "high",
    "unknown",
    "known",
    "quantity",
    "items",
)
_SUMS = ("value", "low", "high")


def in_total() -> pl.Expr:
    """Rows counted in the organisation's total: equipment, cloud and storage not on an equipment."""
    kind = pl.col("item_kind")
    on_equipment = (kind == "storage") & pl.col("host_id").is_not_null()
    return kind.is_in(TOTAL_KINDS) & ~on_equipment


def scope_of(dimension: str) -> pl.Expr:
    """The rows a dimension groups: application rows for the application breakdown, else the total's."""
    return pl.col("item_kind") == "application" if dimension == "application" else in_total()


def group_exprs(layout: Layout, criterion: str, stages: list[str] | None) -> dict[str, pl.Expr]:
    """Aggregations for one criterion over the chosen stages (None: one row per stage *and* the
    all-stages row), named ``<stage or *>|<figure>``.  Per item: the sums of its known figures, whether any
    is unknown or known, whether it has any of the stages.

    Plain sums of when/then columns (no filter inside the aggregation): Polars vectorises them, which keeps
    the five stored dimensions of a million-item run well under a second."""
    produced = layout.stages_of(criterion)
    combos: list[tuple[str, list[str]]] = []
    if stages is None:
        combos += [(s, [s]) for s in produced]
        combos.append(("*", produced))
    else:
        combos.append(("*", [s for s in stages if s in produced]))
    out: dict[str, pl.Expr] = {}
    for name, chosen in combos:
        if not chosen:
            continue
        present = [pl.col(layout.present(criterion, s)) for s in chosen]
        values = [pl.col(layout.value(criterion, s)) for s in chosen]
        for part in _SUMS:
            # An unknown or absent figure is null, so a sum of the column is the sum of the known ones.
            out[f"{name}|{part}"] = pl.sum_horizontal(
                [pl.col(layout.column(criterion, s, part)).sum() for s in chosen]
            )
        known = pl.any_horizontal([v.is_not_null() for v in values])
        unknown = pl.any_horizontal([p & v.is_null() for p, v in zip(present, values, strict=True)])
        anywhere = present[0] if len(present) == 1 else pl.any_horizontal(present)
        out[f"{name}|unknown"] = unknown.sum()
        out[f"{name}|known"] = known.sum()
        out[f"{name}|quantity"] = pl.when(anywhere).then(pl.col("quantity")).sum()
        out[f"{name}|items"] = anywhere.sum()
    return out


def rows_from(
    grouped: pl.DataFrame, criterion: str, key: str | None, *, keep_empty: bool = False
) -> list[pl.DataFrame]:
    """Turn a group_by result of :func:`group_exprs` into long rows (key, criterion, stage, figures…)."""
    names = {c.split("|", 1)[0] for c in grouped.columns if "|" in c}
    out = []
    for name in sorted(names):
        frame = grouped.select(
            (pl.col(key).cast(pl.Utf8) if key else pl.lit(None, dtype=pl.Utf8)).alias("key"),
            pl.lit(criterion, dtype=pl.Utf8).alias("criterion"),
            pl.lit(None if name == "*" else name, dtype=pl.Utf8).alias("stage"),
            *[pl.col(f"{name}|{f}").alias(f) for f in (*_SUMS, "unknown", "known", "quantity", "items")],
        )
        if not keep_empty:
            frame = frame.filter(pl.col("items") > 0)
        out.append(
            frame.with_columns(
                [pl.when(pl.col("known") > 0).then(pl.col(p)).alias(p) for p in _SUMS]
                + [pl.col(c).cast(pl.Int64) for c in ("unknown", "known", "items")]
                + [pl.col("quantity").cast(pl.Float64)]
            )
        )
    return out


def aggregate(
    wide: pl.DataFrame, layout: Layout, dimensions: dict[str, str | None] | None = None
) -> pl.DataFrame:
    """The rows (``COLUMNS``) of the dimensions read from the items (default ``DIMENSIONS``; dimension →
    the item column it groups by) for one run."""
    parts = []
    lazy = wide.lazy()
    plans = []
    for dimension, key in (dimensions or DIMENSIONS).items():
        scoped = lazy.filter(scope_of(dimension))
        for criterion in layout.criteria:
            # Applications can be tens of thousands: their stage-by-stage rows are left to a scan.
            exprs = group_exprs(layout, criterion, layout.stages_of(criterion) if key == "item_id" else None)
            named = [e.alias(n) for n, e in exprs.items()]
            # Sorted by key: a run's rows are stored in the same order each time (a group-by's is not).
            plan = scoped.group_by(key).agg(named).sort(key, nulls_last=True) if key else scoped.select(named)
            plans.append((dimension, key, criterion, plan))
    frames = pl.collect_all([p for *_, p in plans])
    for (dimension, key, criterion, _), grouped in zip(plans, frames, strict=True):
        for rows in rows_from(grouped, criterion, key, keep_empty=dimension == "total"):
            parts.append(rows.with_columns(pl.lit(dimension, dtype=pl.Utf8).alias("dimension")))
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return pl.concat(parts).select(list(COLUMNS))


def department_rows(allocation: pl.DataFrame) -> pl.DataFrame:
    """The ``department`` and ``department_part`` rows (``COLUMNS``) of an allocation made with its
    all-stages rows (``allocate_departments(..., all_stages=True)``)."""
    figures = [pl.col(c).sum() for c in (*_SUMS, "items", "known", "unknown")]
    # A group whose every part is unknown stays unknown (None), as in the allocation itself.
    unknown_stays = [pl.when(pl.col("known") > 0).then(pl.col(c)).alias(c) for c in _SUMS]
    departments = (
        allocation.group_by("department_id", "criterion", "stage")
        .agg(*figures)
        .with_columns(unknown_stays)
        .sort("criterion", "stage", "department_id", nulls_last=True)
        .select(
            pl.lit("department").alias("dimension"),
            pl.col("department_id").cast(pl.Utf8).alias("key"),
            pl.exclude("department_id"),
        )
    )
    parts = allocation.filter(pl.col("stage").is_null()).select(
        pl.lit("department_part").alias("dimension"),
        pl.format("{}|{}", pl.col("department_id").cast(pl.Utf8).fill_null(""), "key").alias("key"),
        pl.exclude("department_id", "key"),
    )
    out = pl.concat([departments, parts], how="diagonal")
    return (
        out.with_columns(pl.lit(None, dtype=pl.Float64).alias("quantity"))
        .select(list(COLUMNS))
        .cast(pl.Schema(SCHEMA))
    )


def part_key(key: str) -> tuple[int | None, str]:
    """A ``department_part`` key back as (department id or None, allocation key)."""
    department, _, allocation_key = key.partition("|")
    return (int(department) if department else None), allocation_key


SCHEMA: dict[str, Any] = {
    "dimension": pl.Utf8,
    "key": pl.Utf8,
    "criterion": pl.Utf8,
    "stage": pl.Utf8,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "unknown": pl.Int64,
    "known": pl.Int64,
    "quantity": pl.Float64,
    "items": pl.Int64,
}


def totals(aggregates: pl.DataFrame, criteria: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per criterion over the organisation's total scope: value, low, high, unit, labels and ``unknown``.
    A criterion with no item in scope is zero (nothing is unknown either); one with items but no known
    figure is None."""
    rows = aggregates.filter((pl.col("dimension") == "total") & pl.col("stage").is_null())
    found = {r["criterion"]: r for r in rows.iter_rows(named=True)}
    meta = {r["code"]: r for r in criteria.iter_rows(named=True)}
    out: dict[str, dict[str, Any]] = {}
    for code in [*meta, *sorted(set(found) - set(meta))]:
        rec = found.get(code)
        row: dict[str, Any]
        if rec is None or rec["items"] == 0:
            row = {"value": 0.0, "low": 0.0, "high": 0.0, "unknown": 0}
        else:
            row = {p: rec[p] for p in _SUMS} | {"unknown": int(rec["unknown"])}
        info = meta.get(code, {})
        row.update(unit=info.get("unit"), label_en=info.get("label_en"), label_fr=info.get("label_fr"))
        out[code] = row
    return out
