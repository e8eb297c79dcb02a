"""Frame helpers: conform inputs to the contract, name the wide impact columns, cut impacts into blocks.

The engine works on *wide* frames (one row per item, one column per criterion × stage for value, low and
high) because column expressions over a million rows are fast; it turns them into the contract's long
``impacts`` frame only at the end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import polars as pl

from sobre.footprint.schema import RESULT_IMPACTS, STAGES

#: Estimate statuses from strongest to weakest (the same order as ``sobre.core.estimate``).
STATUS_ORDER = ("measured", "input", "modelled", "archetype", "default", "unknown")
#: Data quality from best to worst.
QUALITY_ORDER = ("high", "medium", "low")
#: Engine of the engine's lazy plans.  Polars' default (streaming) hands every column back in morsels,
#: pass-through columns included, and each later eager step on such a frame copies it whole; the
#: in-memory engine keeps one chunk per column.  The plans are element-wise, so both give the same bits.
ENGINE: Literal["in-memory"] = "in-memory"


def conform(df: pl.DataFrame | None, schema: Mapping[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    """Give ``df`` every column of ``schema`` (missing ones null) with the contract's types."""
    if df is None:
        return pl.DataFrame(schema=dict(schema))
    have = df.schema  # built anew on every access: once here, not once per column
    exprs = []
    for name, dtype in schema.items():
        if name in have:
            exprs.append(pl.col(name).cast(dtype, strict=False) if have[name] != dtype else pl.col(name))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return df.select(exprs)


def col_v(criterion: str, stage: str) -> str:
    return f"v|{criterion}|{stage}"


def col_l(criterion: str, stage: str) -> str:
    return f"l|{criterion}|{stage}"


def col_h(criterion: str, stage: str) -> str:
    return f"h|{criterion}|{stage}"


def impact_columns(criteria: Iterable[str]) -> list[str]:
    """All wide impact column names for these criteria, value/low/high for every stage."""
    return [f(c, s) for c in criteria for s in STAGES for f in (col_v, col_l, col_h)]


def rank_expr(expr: pl.Expr, order: tuple[str, ...]) -> pl.Expr:
    """Position of a status/quality label in ``order`` (null stays null)."""
    return expr.replace_strict({v: i for i, v in enumerate(order)}, default=None, return_dtype=pl.Int8)


def label_expr(expr: pl.Expr, order: tuple[str, ...]) -> pl.Expr:
    """Inverse of :func:`rank_expr`."""
    return expr.replace_strict(dict(enumerate(order)), default=None, return_dtype=pl.Utf8)


def join_warnings(parts: Sequence[pl.Expr], separator: str = "; ") -> pl.Expr:
    """Join optional warning strings (null when there is none)."""
    if not parts:
        return pl.lit(None, dtype=pl.Utf8)
    joined = pl.concat_str(parts, separator=separator, ignore_nulls=True)
    return pl.when(joined == "").then(None).otherwise(joined)


#: Most fixed texts one code may stand for (its table has 2**n entries).
_MAX_FLAGS = 8


def join_flagged(parts: Sequence[pl.Expr | tuple[pl.Expr, str]], separator: str = "; ") -> pl.Expr:
    """:func:`join_warnings` where a part may be a ``(condition, text)`` flag: the text when the condition
    holds.  Each run of flags becomes one part through a code per row (bit i set when flag i holds) and a
    table from code to the run's texts joined, so the row's string is built from a few parts instead of
    one string column per flag; the result is the same string."""
    merged: list[pl.Expr] = []
    run: list[tuple[pl.Expr, str]] = []

    def flush() -> None:
        if run:
            code = sum(
                (c.fill_null(False).cast(pl.UInt16) * (1 << i) for i, (c, _) in enumerate(run)),
                start=pl.lit(0, dtype=pl.UInt16),
            )
            texts = {
                k: separator.join(t for i, (_, t) in enumerate(run) if k >> i & 1)
                for k in range(1, 1 << len(run))
            }
            merged.append(code.replace_strict(texts, default=None, return_dtype=pl.Utf8))
            run.clear()

    for part in parts:
        if isinstance(part, tuple):
            run.append(part)
            if len(run) == _MAX_FLAGS:
                flush()
        else:
            flush()
            merged.append(part)
    flush()
    return join_warnings(merged, separator)


def to_long(wide: pl.DataFrame, criteria: list[str]) -> pl.DataFrame:
    """Wide impact columns → the contract's long frame (item_kind, item_id, criterion, stage, value, …).

    The long frame is built from the wide one's columns without copying them (one part per criterion and
    stage, not rechunked), and each criterion's and stage's label column is made once and shared by the
    parts that carry it: labels repeated on every row were a third of the long frame's memory.
    """
    if not criteria:
        return pl.DataFrame(schema=RESULT_IMPACTS)
    n = wide.height
    kinds, ids = wide.get_column("item_kind"), wide.get_column("item_id")
    label = {
        # One value repeated (``new_from_index``: a quarter of ``pl.repeat``'s time for a string).
        (name, text): pl.Series(name, [text], dtype=pl.Utf8).new_from_index(0, n)
        for name, texts in (("criterion", criteria), ("stage", STAGES))
        for text in texts
    }
    parts = [
        pl.DataFrame(
            [
                kinds,
                ids,
                label["criterion", c],
                label["stage", s],
                wide.get_column(col_v(c, s)).alias("value"),
                wide.get_column(col_l(c, s)).alias("low"),
                wide.get_column(col_h(c, s)).alias("high"),
            ]
        )
        for c in criteria
        for s in STAGES
    ]
    return pl.concat(parts, rechunk=False)


def item_blocks(impacts: pl.DataFrame, items: pl.DataFrame) -> list[pl.DataFrame] | None:
    """``impacts`` cut into its blocks when it lists the items block by block, each block in the items
    frame's order (as the engine and a stored run give them, one block per criterion and stage); else None."""
    size = items.height
    if not size or not impacts.height or impacts.height % size:
        return None
    kinds, ids = items.get_column("item_kind"), items.get_column("item_id")
    blocks = [impacts.slice(b * size, size) for b in range(impacts.height // size)]
    for block in blocks:
        if not (block.get_column("item_id").equals(ids) and block.get_column("item_kind").equals(kinds)):
            return None
    return blocks


def with_item_columns(
    impacts: pl.DataFrame,
    items: pl.DataFrame,
    columns: Sequence[str],
    *,
    how: Literal["left", "inner"] = "left",
) -> pl.DataFrame:
    """``impacts`` with ``columns`` of their items: the join on (item_kind, item_id), items being unique by
    that key (the Result contract).

    The engine and a stored run give the impacts in blocks, one per criterion and stage, each listing the
    items in the items frame's order: the columns are then repeated block by block instead of joined (the
    join on a text and an integer key costs about 0.4 s of CPU over the two million impact rows of a
    100,000-item estate, the repeat and its check a few tens of ms).  Same rows, in the same order."""
    keys = ["item_kind", "item_id"]
    extra = [c for c in columns if c not in keys]
    blocks = item_blocks(impacts, items)
    if blocks is not None:
        repeated = pl.concat([items.select(extra)] * len(blocks), rechunk=True)
        return impacts.hstack(repeated.get_columns())
    return impacts.join(items.select(*keys, *extra), on=keys, how=how)
