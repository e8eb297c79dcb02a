"""Sums per criterion of the equipment impacts of sets of items, added in a fixed order (pure).

A Polars group-by adds each group's rows in partial sums whose order changes from one call to the next
(threads, morsels): summing the same frame twice could differ in the last bits, so a lever's "before −
after" was not reproducible to the bit.  Here each item's stages are added in the order of ``STAGES``,
then the items' sums, sorted by id, by NumPy's pairwise summation: the same order whatever the frame's
chunks or the machine's threads, and for the run's rows and a re-run's alike (equal rows, equal sums).

The impacts the engine and a stored run give come in blocks, one per criterion and stage, each listing
the items in the order of the items frame: the blocks are read as columns (no group-by, no join).  Other
layouts are sorted first, with the same additions in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from sobre.footprint.engine.frames import item_blocks
from sobre.footprint.schema import STAGES, Result

#: Per criterion: each item's value, low and high summed over stages (an unknown stage adds nothing), its
#: number of known stages and whether one is unknown.
Columns = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
#: Sums per criterion: value, low, high (None when no stage of any item is known) and the number of items
#: with an unknown stage.
Totals = dict[str, tuple[float | None, float | None, float | None, int]]


@dataclass(frozen=True)
class ItemSums:
    """Each equipment item's sums over its stages, items sorted by id."""

    ids: np.ndarray
    columns: dict[str, Columns]

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Positions of the items ``ids`` (those present), in id order."""
        return np.flatnonzero(np.isin(self.ids, ids))

    def rows_between(self, low: int, high: int) -> slice:
        """Positions of the items whose id is in ``[low, high)``."""
        start, stop = np.searchsorted(self.ids, [low, high])
        return slice(int(start), int(stop))

    def totals(self, rows: slice | np.ndarray, criteria: list[str]) -> Totals:
        """Sums per criterion over the items at ``rows``."""
        out: Totals = {}
        for code in criteria:
            cols = self.columns.get(code)
            if cols is None:
                out[code] = (None, None, None, 0)
                continue
            value, low, high, known, unknown = (c[rows] for c in cols)
            n_unknown = int(np.count_nonzero(unknown))
            if not known.any():
                out[code] = (None, None, None, n_unknown)
            else:
                out[code] = (float(value.sum()), float(low.sum()), float(high.sum()), n_unknown)
        return out


def _stage_rank(stage: str) -> tuple[int, str]:
    return (STAGES.index(stage), "") if stage in STAGES else (len(STAGES), stage)


def criterion_blocks(result: Result) -> list[tuple[str, str, pl.DataFrame]] | None:
    """The impacts as (criterion, stage, rows) blocks in the items' order, or None for another layout."""
    blocks = item_blocks(result.impacts, result.items)
    if blocks is None:
        return None
    out = []
    for block in blocks:
        crit, stage = block.get_column("criterion"), block.get_column("stage")
        c, s = crit[0], stage[0]
        if c is None or s is None or not (crit.eq_missing(c).all() and stage.eq_missing(s).all()):
            return None
        out.append((c, s, block))
    if len({(c, s) for c, s, _ in out}) != len(out):
        return None
    return out


def _add(arrays: list[tuple[np.ndarray, ...]]) -> Columns:
    """Stage arrays (value, low, high with unknowns as 0, known) added in the list's order."""
    value, low, high = (a.copy() for a in arrays[0][:3])
    known = arrays[0][3].astype(np.int64)
    for v, lo, hi, k in arrays[1:]:
        value += v
        low += lo
        high += hi
        known += k
    return value, low, high, known, known < len(arrays)


def figure_arrays(frame: pl.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each figure (value, low, high) of ``frame`` as (values with unknowns as 0, known); a column without
    nulls is read without a copy."""
    out = {}
    for name in ("value", "low", "high"):
        col = frame.get_column(name)
        col = col if col.dtype == pl.Float64 else col.cast(pl.Float64)
        values = (col.fill_null(0.0) if col.null_count() else col).to_numpy()
        out[name] = (values, col.is_not_null().to_numpy())
    return out


def _stage_arrays(frame: pl.DataFrame, at: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """One stage's value, low and high (unknowns as 0) and whether the value is known, at rows ``at``
    (every row when None)."""
    figures = figure_arrays(frame)
    out = [figures[name][0] for name in ("value", "low", "high")] + [figures["value"][1]]
    return tuple(out if at is None else (a[at] for a in out))


def item_sums(result: Result) -> ItemSums:
    """The sums over stages of each equipment item of ``result`` (see the module's docstring)."""
    blocks = criterion_blocks(result)
    if blocks is None:
        return _sorted_sums(result.impacts)
    kinds = result.items.get_column("item_kind")
    at = np.flatnonzero((kinds == "equipment").fill_null(False).to_numpy())
    ids = result.items.get_column("item_id").to_numpy()[at]
    order = np.argsort(ids, kind="stable")
    at, ids = at[order], ids[order]
    # Every row, in order (a batched run's): the blocks' columns are read without a copy.
    every = at.size == result.items.height and bool(np.all(at == np.arange(at.size)))
    by_criterion: dict[str, list[tuple[tuple[int, str], pl.DataFrame]]] = {}
    for c, s, block in blocks:
        by_criterion.setdefault(c, []).append((_stage_rank(s), block))
    columns = {
        c: _add(
            [_stage_arrays(block, None if every else at) for _, block in sorted(parts, key=lambda p: p[0])]
        )
        for c, parts in by_criterion.items()
    }
    return ItemSums(ids.astype(np.int64), columns)


def _sorted_sums(impacts: pl.DataFrame) -> ItemSums:
    """:func:`item_sums` of impacts in any layout: each criterion's stages added in the same order, one
    stage after the other, into arrays of the items sorted by id."""
    eq = impacts.filter(pl.col("item_kind") == "equipment").sort("item_id", maintain_order=True)
    ids = np.unique(eq.get_column("item_id").to_numpy()).astype(np.int64)
    columns: dict[str, Columns] = {}
    for (c,), rows in sorted(eq.partition_by("criterion", as_dict=True).items(), key=lambda p: str(p[0])):
        if c is None:
            continue
        value, low, high = (np.zeros(ids.size) for _ in range(3))
        known, present = (np.zeros(ids.size, dtype=np.int64) for _ in range(2))
        by_stage = rows.partition_by("stage", as_dict=True)
        for (s,) in sorted(by_stage, key=lambda k: _stage_rank(str(k[0]))):
            stage = by_stage[(s,)]
            at = np.searchsorted(ids, stage.get_column("item_id").to_numpy())
            v, lo, hi, k = _stage_arrays(stage, None)
            # In row order, one row after the other (``add.at``), as the blocks are added.
            for dest, src in ((value, v), (low, lo), (high, hi), (known, k.astype(np.int64))):
                np.add.at(dest, at, src)
            np.add.at(present, at, 1)
        columns[str(c)] = (value, low, high, known, known < present)
    return ItemSums(ids, columns)


__all__ = ["ItemSums", "Totals", "item_sums"]
