"""``with_item_columns``: the item columns repeated block by block are the join's rows, in its order."""

from __future__ import annotations

import polars as pl

from sobre.footprint.engine.frames import with_item_columns

ITEMS = pl.DataFrame(
    {
        "item_kind": ["equipment", "equipment", "vm", "storage"],
        "item_id": [1, 2, 1, 7],
        "site_id": [10, None, 11, 12],
        "category": ["laptop", "rack_server", None, None],
    }
)


def _blocked() -> pl.DataFrame:
    """The engine's layout: one block per (criterion, stage), each listing the items in their order."""
    blocks = []
    for n, (criterion, stage) in enumerate((("climate_change", "use"), ("climate_change", "manufacturing"))):
        blocks.append(
            ITEMS.select(
                "item_kind",
                "item_id",
                pl.lit(criterion).alias("criterion"),
                pl.lit(stage).alias("stage"),
                (pl.int_range(0, pl.len()) + 10 * n).cast(pl.Float64).alias("value"),
            )
        )
    return pl.concat(blocks)


def _joined(impacts: pl.DataFrame, how: str = "left") -> pl.DataFrame:
    return impacts.join(
        ITEMS.select("item_kind", "item_id", "site_id", "category"),
        on=["item_kind", "item_id"],
        how=how,  # type: ignore[arg-type]
        maintain_order="left",
    )


def test_blocks_are_repeated_like_the_join() -> None:
    impacts = _blocked()
    got = with_item_columns(impacts, ITEMS, ["site_id", "category"])
    assert got.equals(_joined(impacts))


def test_other_layouts_fall_back_to_the_join() -> None:
    # Rows out of the items' order, and an impact of no item (dropped by the inner join only).
    impacts = pl.concat(
        [
            _blocked().reverse(),
            pl.DataFrame(
                {"item_kind": ["cloud"], "item_id": [3], "criterion": ["x"], "stage": ["use"], "value": [1.0]}
            ),
        ]
    )
    left = with_item_columns(impacts, ITEMS, ["site_id", "category"])
    assert left.sort("item_kind", "item_id", "stage").equals(
        _joined(impacts).sort("item_kind", "item_id", "stage")
    )
    inner = with_item_columns(impacts, ITEMS, ["site_id", "category"], how="inner")
    assert inner.height == impacts.height - 1
    assert inner.filter(pl.col("item_kind") == "cloud").height == 0
