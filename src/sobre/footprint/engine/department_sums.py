"""The departmental allocation's sums, read block by block over the items (pure).

The engine and a stored run give the impacts in blocks, one per criterion and stage, each listing the items
in the items frame's order.  The allocation's weights are per item, so each block's value, low and high are
taken as arrays of the items and summed per (department, key) group with NumPy: no frame of the two million
impact rows of a 100,000-item estate (twenty million at a million items) is built, joined or grouped.  The
rules are :func:`footprint.engine.departments.allocate_departments`' row by row ones (its other path, for
impacts in any layout): a host's own rows are replaced by its children's and by its remainder (the host
minus its known children, so an unknown child's part stays in it and the parts add up to the host; rounding
noise is no remainder), a part is the row times its weight, a group's figure is unknown when none of its
values is known.  Each group's parts are added in the items' order, so the same inputs give the same bits.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from sobre.footprint.engine.sums import figure_arrays
from sobre.footprint.schema import DEPARTMENT_ALLOCATION

SUMS = ("value", "low", "high")
#: Children whose host's own rows they replace (with the host's remainder).
CHILD_KINDS = ("vm", "storage", "idle")
#: A remainder this small beside the host's children is rounding noise, not capacity left unallocated.
NOISE = 1e-9


def _host_positions(items: pl.DataFrame, host_ids: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the hosts among the items, of their children, and each child's host (an index into
    the hosts).  Children of a host the items do not hold are left out, as no remainder is made for it."""
    kinds, ids = items.get_column("item_kind"), items.get_column("item_id")
    is_host = ((kinds == "equipment") & ids.is_in(host_ids.drop_nulls().implode())).fill_null(False)
    host_pos = np.flatnonzero(is_host.to_numpy())
    carriers = items.get_column("host_id")
    child = (kinds.is_in(list(CHILD_KINDS)) & carriers.is_not_null()).fill_null(False)
    child_pos = np.flatnonzero(child.to_numpy())
    host_items = ids.to_numpy()[host_pos]
    if not host_items.size:
        return host_pos, child_pos[:0], child_pos[:0]
    order = np.argsort(host_items, kind="stable")
    ranked = host_items[order]
    wanted = carriers.fill_null(-1).to_numpy()[child_pos]
    at = np.minimum(np.searchsorted(ranked, wanted), ranked.size - 1)
    found = ranked[at] == wanted
    return host_pos, child_pos[found], order[at[found]]


def _remainders(
    arrays: dict[str, tuple[np.ndarray, np.ndarray]],
    host_pos: np.ndarray,
    child_pos: np.ndarray,
    parent: np.ndarray,
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per host: its figure minus the sum of its known children's, and whether it is known."""
    hosts = host_pos.size
    out, children = {}, {}
    for name, (values, known) in arrays.items():
        summed = np.bincount(parent, weights=values[child_pos], minlength=hosts)  # unknowns are 0 here
        out[name] = (values[host_pos] - summed, known[host_pos].copy())
        children[name] = summed
    value, known = out["value"]
    noise = known & (np.abs(value) <= NOISE * (np.abs(value) + np.abs(children["value"])))
    for rest, rest_known in out.values():
        rest[noise] = 0.0
        rest_known[noise] = True
    return out


def _accumulate(together: dict[str, dict[str, np.ndarray]], criterion: str, known: np.ndarray) -> None:
    """Note, per part of ``criterion``, whether one more stage is known or unknown."""
    acc = together.setdefault(
        criterion, {"any_known": np.zeros(known.size, bool), "any_unknown": np.zeros(known.size, bool)}
    )
    acc["any_known"] |= known
    acc["any_unknown"] |= ~known


def _group_rows(
    groups: pl.DataFrame,
    criterion: str,
    stage: str | None,
    columns: dict[str, np.ndarray],
    counts: np.ndarray,
    unknown: np.ndarray,
) -> pl.DataFrame:
    """One row per (department, key) group of one criterion and stage (null: all stages)."""
    return groups.select(
        "department_id",
        "key",
        pl.lit(criterion, dtype=pl.Utf8).alias("criterion"),
        pl.lit(stage, dtype=pl.Utf8).alias("stage"),
        *(pl.Series(name, columns[name], dtype=pl.Float64) for name in SUMS),
        pl.Series("items", counts, dtype=pl.UInt32),
        pl.Series("unknown", unknown, dtype=pl.UInt32),
        pl.Series("known", columns["_known"], dtype=pl.UInt32),
    )


def sum_blocks(
    items: pl.DataFrame,
    blocks: list[tuple[str, str, pl.DataFrame]],
    weights: pl.DataFrame,
    host_ids: pl.Series,
    *,
    all_stages: bool = False,
) -> pl.DataFrame:
    """``allocate_departments`` of impacts given as ``blocks`` ((criterion, stage, rows in the items'
    order)), the items' ``weights`` (kind ``remainder``: a host's remainder) and the hosts' ids;
    ``all_stages`` adds each criterion's all-stages rows (stage null)."""
    index = items.select("item_kind", "item_id").with_row_index("_pos")
    parts = weights.filter(pl.col("item_kind") != "remainder").join(
        index, on=["item_kind", "item_id"], how="inner", maintain_order="left"
    )
    host_pos, child_pos, parent = _host_positions(items, host_ids)
    # One group per (department, key); a host's remainder goes to the shared / unallocated group.
    labels = parts.select("department_id", "key")
    if host_pos.size:
        labels = pl.concat([labels, labels.clear(1).with_columns(pl.lit("unallocated").alias("key"))])
    groups = labels.unique(maintain_order=True).with_row_index("_group")
    if groups.is_empty():
        return pl.DataFrame(schema=DEPARTMENT_ALLOCATION)
    codes = (
        labels.join(groups, on=["department_id", "key"], how="left", nulls_equal=True, maintain_order="left")
        .get_column("_group")
        .to_numpy()
        .astype(np.int64)
    )
    if host_pos.size:
        codes = np.concatenate([codes[:-1], np.full(host_pos.size, codes[-1])])
    pos = parts.get_column("_pos").to_numpy().astype(np.int64)
    weight = parts.get_column("weight").cast(pl.Float64).to_numpy()
    # Each group's parts are added in the items' order (then by weight, for an item split twice into one
    # department), whatever order the weights came in: the same inputs give the same bits.
    order = np.lexsort(
        (np.concatenate([weight, np.ones(host_pos.size)]), np.concatenate([pos, host_pos]), codes)
    )
    starts = np.searchsorted(codes[order], np.arange(groups.height))
    counts = np.bincount(codes, minlength=groups.height)
    # Each part in that order: its row among a block's items followed by the hosts' remainders, and its
    # weight (1 for a remainder); a block's figures are then gathered once per figure.
    source = np.concatenate([pos, items.height + np.arange(host_pos.size)])[order]
    weight = np.concatenate([weight, np.ones(host_pos.size)])[order]

    frames = []
    # Per criterion over its stages: the group sums, and per part whether any stage is known / unknown.
    together: dict[str, dict[str, np.ndarray]] = {}
    for criterion, stage, block in blocks:
        arrays = figure_arrays(block)
        rests = _remainders(arrays, host_pos, child_pos, parent) if host_pos.size else {}
        columns: dict[str, np.ndarray] = {}
        for name, (values, known) in arrays.items():
            if name in rests:
                rest, rest_known = rests[name]
                # Unknown figures are 0 in the arrays, an unknown host's remainder too.
                values = np.concatenate([values, np.where(rest_known, rest, 0.0)])
                known = np.concatenate([known, rest_known])
            columns[name] = np.add.reduceat(values[source] * weight, starts)
            if name == "value":
                ordered = known[source]
                columns["_known"] = np.add.reduceat(ordered.astype(np.int64), starts)
                if all_stages:
                    _accumulate(together, criterion, ordered)
        frames.append(_group_rows(groups, criterion, stage, columns, counts, counts - columns["_known"]))
        if all_stages:
            sums = together[criterion]
            for name in SUMS:
                sums[name] = sums[name] + columns[name] if name in sums else columns[name]
    for criterion, acc in together.items():
        acc["_known"] = np.add.reduceat(acc["any_known"].astype(np.int64), starts)
        unknown = np.add.reduceat(acc["any_unknown"].astype(np.int64), starts)
        frames.append(_group_rows(groups, criterion, None, acc, counts, unknown))
    if not frames:
        return pl.DataFrame(schema=DEPARTMENT_ALLOCATION)
    return (
        pl.concat(frames)
        .with_columns(*(pl.when(pl.col("known") > 0).then(pl.col(c)).alias(c) for c in SUMS))
        .select(*DEPARTMENT_ALLOCATION)
        .sort("criterion", "stage", "key", "department_id", nulls_last=True)
    )
