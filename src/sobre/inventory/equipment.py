"""Equipment rows before they are keyed and written: makers, model matching, categories, GLPI keys.

- The manufacturer is normalised (``normalise.manufacturer``) and the text as written kept in
  ``manufacturer_raw``.
- Each distinct (manufacturer, model) is matched once against the catalogue (``matching``); ambiguous
  ones become reviews.
- The category: an explicit ``category`` column wins; else the type label's category.  A GLPI export's
  item type decides where the type cannot: a monitors export is monitors whatever its type says, a phone
  is a smartphone only when its type says mobile; a confident model match settles vague types.
- GLPI's ``ID`` with the item type becomes ``external_key`` (``glpi:Monitor:42``).
- Data quality, when the file gives none: *low* when the category defaulted to ``other`` or neither a
  purchase date nor a lifetime is known; *high* when the model matched a known reference and the purchase
  date and the energy (kWh or power) are known; *medium* otherwise; an unknown status lowers it one step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from sobre.inventory import glpi
from sobre.inventory.matching import match
from sobre.inventory.normalise import manufacturer
from sobre.inventory.vocab import fold

#: Type labels too vague to choose between laptop and desktop, or smartphone and desk phone:
#: a confident model match decides the category instead.
GENERIC_TYPES = {
    fold(t)
    for t in (
        "Personal Computer",
        "Computer",
        "Ordinateur",
        "PC",
        "Communication Device",
        "Phone",
        "Téléphone",
        "Mobile",
        "Terminal",
        "Poste de travail",
        "Other",
        "Autre",
        "Unknown",
        "Inconnu",
    )
}
#: The GLPI item type of a category, for an export whose item type is not known (its IDs need one).
_FAMILY = {
    **dict.fromkeys(
        (
            "laptop",
            "desktop",
            "workstation",
            "thin_client",
            "tablet",
            "rack_server",
            "blade_server",
            "tower_server",
        ),
        "Computer",
    ),
    **dict.fromkeys(("monitor", "display"), "Monitor"),
    **dict.fromkeys(
        ("switch", "router", "firewall", "wifi_access_point", "storage_array"), "NetworkEquipment"
    ),
    **dict.fromkeys(("smartphone", "ip_phone"), "Phone"),
    "printer": "Printer",
}


@dataclass
class Prepared:
    """What preparing equipment found: the frame, model reviews, and facts for the summary."""

    frame: pl.DataFrame
    reviews: list[dict[str, Any]] = field(default_factory=list)
    defaulted: dict[str, set[str]] = field(default_factory=dict)  # item type → type labels defaulted
    other_types: set[str] = field(default_factory=set)  # type labels whose rows ended as "other"
    with_model: int = 0
    matched: int = 0


def category_for(
    item_type: str | None, type_label: str | None, base: str | None, model_cat: str | None
) -> str | None:
    """The category of one row (see the module docstring); None when nothing tells (→ ``other``)."""
    vague = type_label is None or fold(type_label) in GENERIC_TYPES
    if item_type is None:
        if vague and model_cat is not None:
            return model_cat
        return base or model_cat
    allowed = glpi.ALLOWED_CATEGORIES[item_type]
    if item_type == "Phone" and type_label is not None:
        words = fold(type_label).split()
        if any(w in words for w in glpi.MOBILE_WORDS):
            return "smartphone"
    if base in allowed and not (vague and model_cat in allowed):
        return base
    if model_cat in allowed:
        return model_cat
    return glpi.DEFAULT_CATEGORY[item_type]


def _matches(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Match each distinct (manufacturer, model) once; add __ref, __conf, __mcat; collect reviews."""
    maker = pl.col("manufacturer") if "manufacturer" in frame.columns else pl.lit(None, pl.Utf8)
    qty = pl.col("quantity").fill_null(1.0) if "quantity" in frame.columns else pl.lit(1.0)
    pairs = frame.select(maker.alias("__maker"), pl.col("model").alias("__model"), qty.alias("__q"))
    counts = pairs.group_by("__maker", "__model").agg(pl.col("__q").sum())
    rows, reviews = [], []
    for mk, md, q in counts.iter_rows():
        m = match(mk, md)
        rows.append((mk, md, m.ref, m.confidence, m.category))
        if m.ambiguous:
            reviews.append(
                {"manufacturer": mk or "", "model": md, "candidates": m.candidates, "items": int(round(q))}
            )
    found = pl.DataFrame(
        rows,
        orient="row",
        schema={
            "__maker": pl.Utf8,
            "__model": pl.Utf8,
            "__ref": pl.Utf8,
            "__conf": pl.Float64,
            "__mcat": pl.Utf8,
        },
    )
    # Joined on the two key columns only, then added as columns: joining the whole frame would copy every
    # column of a million rows (the import's peak of memory).
    matched = pairs.select("__maker", "__model").join(
        found, on=["__maker", "__model"], how="left", nulls_equal=True, maintain_order="left"
    )
    return frame.with_columns(matched["__ref"], matched["__conf"], matched["__mcat"]), reviews


def prepare(frame: pl.DataFrame, *, item_type: str | None) -> Prepared:
    """Normalise makers, match models, decide categories and GLPI keys (before rows are keyed)."""
    out = Prepared(frame)
    cols = frame.columns
    if "manufacturer" in cols:
        raw = pl.col("manufacturer_raw") if "manufacturer_raw" in cols else pl.col("manufacturer")
        makers = frame["manufacturer"].drop_nulls().unique().to_list()
        normal = {m: manufacturer(m) for m in makers}
        frame = frame.with_columns(
            raw.alias("manufacturer_raw"),
            pl.col("manufacturer").replace_strict(normal, default=None, return_dtype=pl.Utf8),
        )
    if "model" in frame.columns:
        frame, out.reviews = _matches(frame)
        if "model_ref" in cols:  # a reference given in the file (e.g. a Sobre export) wins over matching
            given = pl.col("model_ref").is_not_null()
            conf = pl.col("model_confidence").fill_null(1.0) if "model_confidence" in cols else pl.lit(1.0)
            frame = frame.with_columns(
                pl.when(given).then(pl.col("model_ref")).otherwise(pl.col("__ref")).alias("model_ref"),
                pl.when(given).then(conf).otherwise(pl.col("__conf")).alias("model_confidence"),
            )
        else:
            frame = frame.with_columns(
                pl.col("__ref").alias("model_ref"), pl.col("__conf").alias("model_confidence")
            )
        has_model = frame["model"].is_not_null()
        out.with_model = int(has_model.sum())
        out.matched = int((has_model & frame["model_ref"].is_not_null()).sum())
    else:
        frame = frame.with_columns(pl.lit(None, pl.Utf8).alias("__mcat"))
    frame = _categories(frame, item_type, out)
    if "os_version" in frame.columns and "os" in frame.columns:
        frame = frame.with_columns(
            pl.when(pl.col("os_version").is_not_null())
            .then(pl.concat_str([pl.col("os"), pl.col("os_version")], separator=" ", ignore_nulls=True))
            .otherwise(pl.col("os"))
            .alias("os")
        )
    if "glpi_id" in frame.columns and "external_key" not in cols:
        family = pl.col("__itemtype").fill_null(
            pl.col("category").replace_strict(_FAMILY, default="Peripheral")
        )
        key = pl.concat_str([pl.lit("glpi:"), family, pl.lit(":"), pl.col("glpi_id").cast(pl.Utf8)])
        frame = frame.with_columns(pl.when(pl.col("glpi_id").is_not_null()).then(key).alias("external_key"))
    if "status" not in frame.columns:
        frame = frame.with_columns(pl.lit("unknown").alias("status"))
    out.frame = frame.with_columns(_quality(frame).alias("data_quality"))
    return out


def _categories(frame: pl.DataFrame, item_type: str | None, out: Prepared) -> pl.DataFrame:
    cols = frame.columns
    if "item_type" in cols:
        names = frame["item_type"].drop_nulls().unique().to_list()
        per_row = pl.col("item_type").replace_strict(
            {n: glpi.item_type(n) for n in names}, default=None, return_dtype=pl.Utf8
        )
        itemtype = per_row.fill_null(pl.lit(item_type, pl.Utf8))
    else:
        itemtype = pl.lit(item_type, pl.Utf8)
    label = pl.col("type_label") if "type_label" in cols else pl.lit(None, pl.Utf8)
    base = pl.col("category") if "category" in cols else pl.lit(None, pl.Utf8)
    frame = frame.with_columns(itemtype.alias("__itemtype"), label.alias("__label"), base.alias("__base"))
    combos = frame.select("__itemtype", "__label", "__base", "__mcat").unique()
    decided = []
    for it, lab, b, mc in combos.iter_rows():
        category = category_for(it, lab, b, mc)
        decided.append((it, lab, b, mc, category))
        if category in (None, "other") and lab is not None:
            out.other_types.add(lab)
        defaulted = it is not None and category == glpi.DEFAULT_CATEGORY[it] and lab is not None
        if defaulted and it in ("Computer", "Peripheral") and category not in (b, mc):
            out.defaulted.setdefault(str(it), set()).add(lab)
    table = pl.DataFrame(
        decided,
        orient="row",
        schema={
            "__itemtype": pl.Utf8,
            "__label": pl.Utf8,
            "__base": pl.Utf8,
            "__mcat": pl.Utf8,
            "__cat": pl.Utf8,
        },
    )
    # Joined on the key columns only, then added as a column (as in _matches: no copy of every column).
    on = ["__itemtype", "__label", "__base", "__mcat"]
    cat = frame.select(on).join(table, on=on, how="left", nulls_equal=True, maintain_order="left")["__cat"]
    return frame.with_columns(cat, cat.fill_null("other").alias("category")).drop("__label", "__base")


def _quality(frame: pl.DataFrame) -> pl.Expr:
    cols = frame.columns

    def has(c: str) -> pl.Expr:
        return pl.col(c).is_not_null() if c in cols else pl.lit(False)

    ref = pl.col("model_ref") if "model_ref" in cols else pl.lit(None, pl.Utf8)
    level = (
        pl.when(pl.col("__cat").is_null() | ~(has("purchase_date") | has("lifetime_years")))
        .then(pl.lit(0))
        .when(ref.is_not_null() & has("purchase_date") & (has("annual_kwh") | has("power_w")))
        .then(pl.lit(2))
        .otherwise(pl.lit(1))
    )
    level = pl.when(pl.col("status") == "unknown").then((level - 1).clip(0, 2)).otherwise(level)
    derived = level.replace_strict({0: "low", 1: "medium", 2: "high"}, return_dtype=pl.Utf8)
    return pl.coalesce(pl.col("data_quality"), derived) if "data_quality" in cols else derived
