"""``compare_profiles``: reconcile two results item by item (two profiles or two runs) and say why."""

from __future__ import annotations

import polars as pl

from sobre.footprint.engine.frames import join_warnings
from sobre.footprint.schema import Result

_KEYS = ["item_kind", "item_id", "criterion", "stage"]
#: Trace fields that explain a difference, with the method field shown beside each value.
_EMBODIED_FIELDS = (
    ("factor_ref", None),
    ("lifetime_years", "lifetime_method"),
    ("usage_rate", None),
    ("share", "share_method"),
)
_USE_FIELDS = (
    ("annual_kwh", "kwh_method"),
    ("pue", None),
    ("country", None),
    ("usage_rate", None),
    ("share", "share_method"),
)


def _differs(name: str) -> pl.Expr:
    a, b = pl.col(f"{name}_a"), pl.col(f"{name}_b")
    if name in ("factor_ref", "country", "lifetime_method", "kwh_method", "share_method"):
        return a.ne_missing(b)
    # Floats: equal within 1e-12 relative, so rounding noise is not called a difference.
    close = (a - b).abs() <= 1e-12 * pl.max_horizontal(a.abs(), b.abs())
    return (a.is_null() != b.is_null()) | (a.is_not_null() & b.is_not_null() & ~close)


def _describe(name: str, method: str | None) -> pl.Expr:
    def side(s: str) -> pl.Expr:
        text = pl.col(f"{name}_{s}").cast(pl.Utf8).fill_null("—")
        if method is None:
            return text
        return pl.format("{} ({})", text, pl.col(f"{method}_{s}").fill_null("—"))

    changed = _differs(name) if method is None else (_differs(name) | _differs(method))
    return pl.when(changed).then(pl.format("{}: {} → {}", pl.lit(name), side("a"), side("b")))


def compare_profiles(a: Result, b: Result) -> pl.DataFrame:
    """Item by item and criterion/stage: value_a, value_b, difference (b − a), relative difference
    (to |a|) and ``why``: the trace fields that differ for that stage, or which side is unknown/absent."""
    fields = sorted({f for pair in _EMBODIED_FIELDS + _USE_FIELDS for f in pair if f is not None})
    ia = a.items.select("item_kind", "item_id", *[pl.col(f).alias(f"{f}_a") for f in fields])
    ib = b.items.select("item_kind", "item_id", *[pl.col(f).alias(f"{f}_b") for f in fields])
    items = ia.join(ib, on=["item_kind", "item_id"], how="full", coalesce=True)
    items = items.with_columns(
        join_warnings([_describe(f, m) for f, m in _EMBODIED_FIELDS]).alias("_why_embodied"),
        join_warnings([_describe(f, m) for f, m in _USE_FIELDS]).alias("_why_use"),
    ).select("item_kind", "item_id", "_why_embodied", "_why_use")
    va = a.impacts.select(*_KEYS, pl.col("value").alias("value_a"), pl.lit(True).alias("_in_a"))
    vb = b.impacts.select(*_KEYS, pl.col("value").alias("value_b"), pl.lit(True).alias("_in_b"))
    out = va.join(vb, on=_KEYS, how="full", coalesce=True).join(
        items, on=["item_kind", "item_id"], how="left"
    )
    diff = pl.col("value_b") - pl.col("value_a")
    trace_why = pl.when(pl.col("stage") == "use").then(pl.col("_why_use")).otherwise(pl.col("_why_embodied"))
    why = join_warnings(
        [
            pl.when(pl.col("_in_a").is_null()).then(pl.lit("only in b")),
            pl.when(pl.col("_in_b").is_null()).then(pl.lit("only in a")),
            pl.when(pl.col("_in_a") & pl.col("value_a").is_null()).then(pl.lit("unknown in a")),
            pl.when(pl.col("_in_b") & pl.col("value_b").is_null()).then(pl.lit("unknown in b")),
            trace_why,
        ]
    )
    return out.select(
        *_KEYS,
        "value_a",
        "value_b",
        diff.alias("difference"),
        pl.when(pl.col("value_a") != 0).then(diff / pl.col("value_a").abs()).alias("relative_difference"),
        why.alias("why"),
    ).sort(_KEYS)
