"""Bulk storage of a Result: items and wide impact rows in, the long Result frames back out.

Writes go through the DBAPI connection under the caller's SQLAlchemy transaction: ``executemany`` on SQLite,
``COPY … FROM STDIN`` on PostgreSQL.  Either the whole Result is written or, when anything fails, the
transaction rolls back and nothing is left.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
import sqlalchemy as sa

from sobre.core.errors import SobreError
from sobre.footprint import schema
from sobre.footprint.runs.models import STAGE_COLUMNS
from sobre.footprint.schema import STAGES, Result

ITEM_COLUMNS = tuple(schema.RESULT_ITEMS)
IMPACT_KEYS = ("item_kind", "item_id", "criterion")
IMPACT_COLUMNS = (*IMPACT_KEYS, "stages", *STAGE_COLUMNS)
#: Primary-key order of footprint_impact: rows are inserted in this order.
WIDE_ORDER = ("criterion", "item_kind", "item_id")
#: Item kinds whose impacts make the organisation's total; vm, application and idle rows are allocations.
TOTAL_KINDS = ("equipment", "cloud", "storage")
_BITS = {stage: 1 << i for i, stage in enumerate(STAGES)}
_CHUNK = 200_000


def in_total() -> pl.Expr:
    """Rows counted in the organisation's total: equipment, cloud and storage not on an equipment."""
    kind = pl.col("item_kind")
    on_equipment = (kind == "storage") & pl.col("host_id").is_not_null()
    return kind.is_in(TOTAL_KINDS) & ~on_equipment


def wide_impacts(impacts: pl.DataFrame) -> pl.DataFrame:
    """Long impacts (one row per stage) → one row per criterion and item with a triple per stage, in key
    order (criterion, item_kind, item_id)."""
    odd = impacts.filter(~pl.col("stage").is_in(STAGES))
    unknown_stages = set(odd.get_column("stage").unique().to_list())
    if unknown_stages:
        raise SobreError(f"the engine returned unknown stages {sorted(unknown_stages)}; expected {STAGES}")
    fast = _wide_from_blocks(impacts)
    if fast is not None:
        return fast
    aggs: list[pl.Expr] = [pl.col("stage").replace_strict(_BITS, return_dtype=pl.Int64).sum().alias("stages")]
    for stage in STAGES:
        on_stage = pl.col("stage") == stage
        for part in ("value", "low", "high"):
            aggs.append(pl.col(part).filter(on_stage).first().alias(f"{stage}_{part}"))
    wide = impacts.group_by(list(IMPACT_KEYS)).agg(aggs)
    return wide.select(IMPACT_COLUMNS).sort(list(WIDE_ORDER))


def _wide_from_blocks(impacts: pl.DataFrame) -> pl.DataFrame | None:
    """The fast path for the engine's own layout: equal blocks, one per (criterion, stage), each listing the
    same items in the same order.  Every part of that claim is checked; None sends the caller to the
    general (slower) reshaping.  On a million items this turns ~15 s of grouping into slicing."""
    height = impacts.height
    if height == 0:
        return None
    # The first block ends where (criterion, stage) first changes: one vectorised pass, no hashing.
    first_c, first_s = impacts.item(0, "criterion"), impacts.item(0, "stage")
    changed = (impacts.get_column("criterion") != first_c) | (impacts.get_column("stage") != first_s)
    size = int(changed.arg_max() or 0) if changed.any() else height
    if size == 0 or height % size:
        return None
    blocks = height // size
    keys = impacts.slice(0, size).select("item_kind", "item_id")
    if keys.is_duplicated().any():
        return None
    order = keys.with_row_index("row").sort("item_kind", "item_id").get_column("row")
    by_criterion: dict[str, dict[str, pl.DataFrame]] = {}
    for b in range(blocks):
        block = impacts.slice(b * size, size)
        criterion, stage = block.item(0, "criterion"), block.item(0, "stage")
        if (block.get_column("criterion") != criterion).any() or (block.get_column("stage") != stage).any():
            return None
        if not (
            block.get_column("item_id").equals(keys.get_column("item_id"))
            and block.get_column("item_kind").equals(keys.get_column("item_kind"))
        ):
            return None
        if stage in by_criterion.setdefault(criterion, {}):
            return None
        by_criterion[criterion][stage] = block
    sorted_keys = keys.select(pl.all().gather(order))
    parts = []
    for criterion in sorted(by_criterion):
        stages = by_criterion[criterion]
        columns: list[pl.Series] = []
        for stage in STAGES:
            for part in ("value", "low", "high"):
                name = f"{stage}_{part}"
                if stage in stages:
                    columns.append(stages[stage].get_column(part).gather(order).alias(name))
                else:
                    columns.append(pl.Series(name, [None] * size, dtype=pl.Float64))
        bits = sum(_BITS[s] for s in stages)
        parts.append(
            sorted_keys.with_columns(
                pl.lit(criterion, pl.Utf8).alias("criterion"),
                pl.lit(bits, pl.Int64).alias("stages"),
                *columns,
            )
        )
    return pl.concat(parts).select(IMPACT_COLUMNS)


def long_impacts(wide: pl.DataFrame) -> pl.DataFrame:
    """The inverse of :func:`wide_impacts`, typed as ``schema.RESULT_IMPACTS``."""
    parts = []
    for stage in STAGES:
        rows = wide.filter((pl.col("stages") & _BITS[stage]) != 0)
        parts.append(
            rows.select(
                "item_kind",
                "item_id",
                "criterion",
                pl.lit(stage).alias("stage"),
                pl.col(f"{stage}_value").alias("value"),
                pl.col(f"{stage}_low").alias("low"),
                pl.col(f"{stage}_high").alias("high"),
            )
        )
    return pl.concat(parts).cast(schema.RESULT_IMPACTS).select(list(schema.RESULT_IMPACTS))  # type: ignore[arg-type]


def _typed(frame: pl.DataFrame, types: dict[str, Any]) -> pl.DataFrame:
    missing = [c for c in types if c not in frame.columns]
    if missing:
        raise SobreError(f"the engine's result lacks columns {missing}")
    # Cast only what differs: a no-op cast still copies 20 million rows.
    return frame.select([pl.col(c) if frame.schema[c] == t else pl.col(c).cast(t) for c, t in types.items()])


def bulk_insert(conn: sa.Connection, table: str, frame: pl.DataFrame) -> None:
    """Insert every row of ``frame`` into ``table`` (columns by name) inside the connection's transaction:
    ``executemany`` on SQLite, ``COPY`` on PostgreSQL.  Dates and booleans must already be ISO text / 0-1."""
    columns = ", ".join(frame.columns)
    raw: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        # COPY in CSV: Polars writes floats in shortest round-trip form, so values come back bit for bit.
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT csv, NULL '\\N')") as copy,
        ):
            for start in range(0, frame.height, _CHUNK):
                buffer = io.BytesIO()
                frame.slice(start, _CHUNK).write_csv(buffer, include_header=False, null_value="\\N")
                copy.write(buffer.getvalue())
        return
    marks = ", ".join("?" for _ in frame.columns)
    cur = raw.cursor()
    try:
        for start in range(0, frame.height, _CHUNK):
            cur.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", frame.slice(start, _CHUNK).iter_rows()
            )
    finally:
        cur.close()


@dataclass
class Prepared:
    """A Result made ready for storage (outside any transaction): typed items, wide impacts, totals."""

    items: pl.DataFrame
    wide: pl.DataFrame
    totals: dict[str, dict[str, Any]]


def prepare(result: Result) -> Prepared:
    """Type the Result's frames to the contract, reshape impacts to wide rows and compute the totals."""
    items = _typed(result.items, schema.RESULT_ITEMS).sort("item_kind", "item_id")
    wide = wide_impacts(_typed(result.impacts, schema.RESULT_IMPACTS))
    return Prepared(items=items, wide=wide, totals=wide_totals(items, wide, result.criteria))


def write_result(conn: sa.Connection, run_id: int, prepared: Prepared) -> int:
    """Insert the prepared items and impacts for ``run_id``; returns the number of items."""
    run = pl.lit(run_id, pl.Int64).alias("run_id")
    bulk_insert(conn, "footprint_item", prepared.items.select(run, *ITEM_COLUMNS))
    bulk_insert(conn, "footprint_impact", prepared.wide.select(run, *IMPACT_COLUMNS))
    return prepared.items.height


def _frame(conn: sa.Connection, sql: str, params: dict[str, Any], types: dict[str, Any]) -> pl.DataFrame:
    # Raw DBAPI cursor in batches: no per-row SQLAlchemy wrapping (a million rows in a few seconds).
    if conn.dialect.name == "postgresql":
        sql = re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", r"%(\1)s", sql)
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    parts = [pl.DataFrame(schema=types)]
    try:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(_CHUNK):
            parts.append(pl.DataFrame(batch, schema=types, orient="row", strict=False))
    finally:
        cursor.close()
    return pl.concat(parts)


WIDE_TYPES: dict[str, Any] = {
    "item_kind": pl.Utf8,
    "item_id": pl.Int64,
    "criterion": pl.Utf8,
    "stages": pl.Int64,
    **{c: pl.Float64 for c in STAGE_COLUMNS},
}


def read_items(
    conn: sa.Connection,
    run_id: int,
    where: str = "",
    params: dict[str, Any] | None = None,
    columns: tuple[str, ...] = ITEM_COLUMNS,
) -> pl.DataFrame:
    """The run's items (``schema.RESULT_ITEMS``, or the given columns), optionally filtered by SQL."""
    sql = f"SELECT {', '.join(columns)} FROM footprint_item WHERE run_id = :run {where}"
    types = {c: schema.RESULT_ITEMS[c] for c in columns}
    return _frame(conn, sql, {"run": run_id, **(params or {})}, types)


def read_wide(
    conn: sa.Connection, run_id: int, where: str = "", params: dict[str, Any] | None = None
) -> pl.DataFrame:
    """The run's wide impact rows, optionally filtered by an SQL condition."""
    sql = f"SELECT {', '.join(IMPACT_COLUMNS)} FROM footprint_impact WHERE run_id = :run {where}"
    return _frame(conn, sql, {"run": run_id, **(params or {})}, WIDE_TYPES)


def read_subset(
    conn: sa.Connection, run_id: int, keys: set[tuple[str, int]]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Items and long impacts of a few items of a run (by (item_kind, item_id)), without reading the rest."""
    items, wides = [], []
    by_kind: dict[str, list[int]] = {}
    for kind, item_id in keys:
        by_kind.setdefault(kind, []).append(int(item_id))
    for kind, ids in sorted(by_kind.items()):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(f":i{n}" for n in range(len(chunk)))
            where = f"AND item_kind = :kind AND item_id IN ({marks})"
            params: dict[str, Any] = {"kind": kind, **{f"i{n}": v for n, v in enumerate(chunk)}}
            items.append(read_items(conn, run_id, where, params))
            wides.append(read_wide(conn, run_id, where, params))
    if not items:
        return pl.DataFrame(schema=schema.RESULT_ITEMS), pl.DataFrame(schema=schema.RESULT_IMPACTS)
    return pl.concat(items), long_impacts(pl.concat(wides))


def read_result(
    conn: sa.Connection,
    run_id: int,
    *,
    reference_date: date,
    methodology: str,
    criteria: list[dict[str, Any]],
    warnings: list[str],
) -> Result:
    """Rebuild the Result of a stored run in the engine's long schema."""
    crit = pl.DataFrame(criteria or [], schema=schema.FACTOR_CRITERIA)
    return Result(
        reference_date=reference_date,
        methodology=methodology,
        items=read_items(conn, run_id),
        impacts=long_impacts(read_wide(conn, run_id)),
        criteria=crit,
        warnings=list(warnings),
    )


def wide_totals(items: pl.DataFrame, wide: pl.DataFrame, criteria: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per criterion over the organisation's total scope: value, low, high (sums of known figures), unit, and
    ``unknown``, the number of items with at least one unknown stage (their impact is not in the sums).
    A criterion with no known figure at all has value None."""
    scope = items.filter(in_total()).select("item_kind", "item_id")
    rows = wide.join(scope, on=["item_kind", "item_id"], how="semi")
    present = {s: (pl.col("stages") & _BITS[s]) != 0 for s in STAGES}
    missing = [present[s] & pl.col(f"{s}_value").is_null() for s in STAGES]
    table = rows.group_by("criterion").agg(
        *[
            pl.sum_horizontal([pl.col(f"{s}_{part}").sum() for s in STAGES]).alias(part)
            for part in ("value", "low", "high")
        ],
        pl.sum_horizontal([(present[s] & pl.col(f"{s}_value").is_not_null()).sum() for s in STAGES]).alias(
            "known"
        ),
        pl.any_horizontal(missing).sum().alias("unknown"),
    )
    found = {r["criterion"]: r for r in table.iter_rows(named=True)}
    meta = {r["code"]: r for r in criteria.iter_rows(named=True)}
    out: dict[str, dict[str, Any]] = {}
    for code in [*meta, *sorted(set(found) - set(meta))]:
        rec = found.get(code)
        row: dict[str, Any]
        if rec is None:
            # No item in scope: an empty sum is zero (nothing is unknown either).
            row = {"value": 0.0, "low": 0.0, "high": 0.0, "unknown": 0}
        elif rec["known"] == 0:
            row = {"value": None, "low": None, "high": None, "unknown": int(rec["unknown"])}
        else:
            row = {
                "value": rec["value"],
                "low": rec["low"],
                "high": rec["high"],
                "unknown": int(rec["unknown"]),
            }
        info = meta.get(code, {})
        row.update(unit=info.get("unit"), label_en=info.get("label_en"), label_fr=info.get("label_fr"))
        out[code] = row
    return out
