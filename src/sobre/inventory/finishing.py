"""Per-kind rules applied to a parsed file before it is written: defaults, model matching, data quality.

Data quality, when the file gives none (documented in docs/inventory.md):

- equipment: *low* when the category had to default to ``other`` or neither a purchase date nor a lifetime
  is known; *high* when the model matched a known reference and the purchase date and the energy (kWh or
  power) are known; *medium* otherwise;
- vm: *low* when neither vCPU, storage nor an allocation key is known; site: *low* for a data centre,
  server room or colocation without PUE; storage: *low* without capacity; *medium* otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import sqlalchemy as sa

from sobre.core.countries import to_code
from sobre.inventory import store
from sobre.inventory.mappings import Mapping
from sobre.inventory.matching import match
from sobre.inventory.taxonomy import PUE_SITE_KINDS
from sobre.inventory.validate import ROW, Problem
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
    )
}
#: Defaults for a missing value, per kind (model defaults; "unknown is never zero" holds: none is a figure).
DEFAULTS: dict[str, dict[str, object]] = {
    "equipment": {"quantity": 1.0, "status": "in_use", "refurbished": False},
    "vm": {"quantity": 1.0, "kind": "compute"},
    "cloud": {"quantity": 1.0},
    "application": {"environment": "production"},
}
SITE_KIND_DEFAULT = {"numecoeval": "data_centre"}  # a G4IT datacenter file holds data centres


def file_key(kind: str, frame: pl.DataFrame) -> list[str]:
    """Columns that must be unique within one file (G4IT: the application triple)."""
    if kind == "application":
        return [c for c in ("name", "environment", "vm", "cloud_instance", "equipment") if c in frame.columns]
    return ["name"]


def prepare(kind: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Adjustments needed before references are resolved."""
    if kind == "application" and "on_cloud" in frame.columns and "vm" in frame.columns:
        # G4IT's associeAvecUnEquipmentCloud: the "virtual equipment" named is a cloud instance.
        on_cloud = pl.col("on_cloud").fill_null(False)
        cloud: Any = pl.when(on_cloud).then(pl.col("vm"))
        if "cloud_instance" in frame.columns:
            cloud = cloud.otherwise(pl.col("cloud_instance"))
        frame = frame.with_columns(
            cloud.alias("cloud_instance"), pl.when(on_cloud).then(None).otherwise(pl.col("vm")).alias("vm")
        )
    return frame


def check(kind: str, frame: pl.DataFrame, mapping: Mapping) -> tuple[pl.DataFrame, list[Problem]]:
    """Row rules that span columns, after references are resolved."""
    problems: list[Problem] = []
    if kind == "application":
        targets = [c for c in ("vm_id", "cloud_instance_id", "equipment_id") if c in frame.columns]
        if len(targets) > 1:
            several = frame.filter(pl.sum_horizontal([pl.col(c).is_not_null() for c in targets]) > 1)
            problems += [
                Problem(
                    line,
                    "vm",
                    "",
                    "a row links the application to one VM, cloud instance or "
                    "equipment, not several (write one row per link)",
                )
                for line in several[ROW]
            ]
    if kind == "vm" and "infrastructure" in frame.columns:
        allowed = {fold("NON_CLOUD_SERVERS"), fold("CLOUD_SERVICES")}
        col = mapping.headers.get("infrastructure", "infrastructure")
        values = frame["infrastructure"].drop_nulls().unique().to_list()
        wrong = [v for v in values if fold(v) not in allowed]
        for line, value in (
            frame.filter(pl.col("infrastructure").is_in(wrong)).select(ROW, "infrastructure").iter_rows()
        ):
            problems.append(Problem(line, col, value, "expected CLOUD_SERVICES or NON_CLOUD_SERVERS"))
    return frame, problems


def _matches(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Match each distinct (manufacturer, model) once; return the frame with match columns, and reviews."""
    maker = pl.col("manufacturer") if "manufacturer" in frame.columns else pl.lit(None, pl.Utf8)
    pairs = frame.select(
        maker.alias("__maker"),
        pl.col("model").alias("__model"),
        pl.col("quantity").fill_null(1.0).alias("__q")
        if "quantity" in frame.columns
        else pl.lit(1.0).alias("__q"),
    )
    counts = pairs.group_by("__maker", "__model").agg(pl.col("__q").sum())
    rows, reviews = [], []
    for mk, md, qty in counts.iter_rows():
        m = match(mk, md)
        rows.append((mk, md, m.ref, m.confidence, m.category))
        if m.ambiguous:
            reviews.append(
                {"manufacturer": mk or "", "model": md, "candidates": m.candidates, "items": int(round(qty))}
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
    frame = frame.with_columns(maker.alias("__maker"), pl.col("model").alias("__model")).join(
        found, on=["__maker", "__model"], how="left", nulls_equal=True
    )
    return frame, reviews


def _equipment(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, pl.Expr], list[dict[str, Any]]]:
    derived: dict[str, pl.Expr] = {}
    reviews: list[dict[str, Any]] = []
    cols = frame.columns
    mcat: pl.Expr = pl.lit(None, pl.Utf8)
    if "model" in cols:
        frame, reviews = _matches(frame)
        mcat = pl.col("__mcat")
        if "model_ref" in cols:  # a reference given in the file (e.g. a Sobre export) wins over matching
            given = pl.col("model_ref").is_not_null()
            derived["model_ref"] = pl.when(given).then(pl.col("model_ref")).otherwise(pl.col("__ref"))
            conf = pl.col("model_confidence").fill_null(1.0) if "model_confidence" in cols else pl.lit(1.0)
            derived["model_confidence"] = pl.when(given).then(conf).otherwise(pl.col("__conf"))
        else:
            derived["model_ref"], derived["model_confidence"] = pl.col("__ref"), pl.col("__conf")
    if "category" in cols:
        category = pl.col("category")
        if "type_label" in cols:
            labels = frame["type_label"].drop_nulls().unique().to_list()
            vague = {t: fold(t) in GENERIC_TYPES for t in labels}  # once per distinct label
            generic = pl.col("type_label").replace_strict(vague, default=False, return_dtype=pl.Boolean)
            category = pl.when(generic & mcat.is_not_null()).then(mcat).otherwise(category)
        category = pl.coalesce(category, mcat)
        frame = frame.with_columns(category.alias("__cat"))
        derived["category"] = pl.col("__cat").fill_null("other")
    else:
        frame = frame.with_columns(mcat.alias("__cat"))
        derived["category"] = pl.col("__cat").fill_null("other")
    ref = derived.get("model_ref", pl.lit(None, pl.Utf8))

    def has(c: str) -> pl.Expr:
        return pl.col(c).is_not_null() if c in cols else pl.lit(False)

    quality = (
        pl.when(pl.col("__cat").is_null() | ~(has("purchase_date") | has("lifetime_years")))
        .then(pl.lit("low"))
        .when(ref.is_not_null() & has("purchase_date") & (has("annual_kwh") | has("power_w")))
        .then(pl.lit("high"))
        .otherwise(pl.lit("medium"))
    )
    derived["data_quality"] = _explicit_quality(cols, quality)
    return frame, derived, reviews


def _explicit_quality(cols: list[str], derived: pl.Expr) -> pl.Expr:
    return pl.coalesce(pl.col("data_quality"), derived) if "data_quality" in cols else derived


def _derived(kind: str, fmt: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, pl.Expr]]:
    cols = frame.columns

    def has(c: str) -> pl.Expr:
        return pl.col(c).is_not_null() if c in cols else pl.lit(False)

    d: dict[str, pl.Expr] = {}
    if kind == "vm":
        low = ~(has("vcpu") | has("storage_gb") | has("allocation_key"))
        d["data_quality"] = _explicit_quality(
            cols, pl.when(low).then(pl.lit("low")).otherwise(pl.lit("medium"))
        )
    elif kind == "cloud":
        d["provider"] = pl.col("provider").str.to_lowercase()
        if "region" in cols:
            regions = frame["region"].drop_nulls().unique().to_list()
            codes = {r: to_code(r) for r in regions}
            by_region = pl.col("region").replace_strict(codes, default=None, return_dtype=pl.Utf8)
            d["country"] = pl.coalesce(pl.col("country"), by_region) if "country" in cols else by_region
        d["data_quality"] = _explicit_quality(cols, pl.lit("medium"))
    elif kind == "site":
        kind_expr = pl.col("kind") if "kind" in cols else pl.lit(None, pl.Utf8)
        d["kind"] = kind_expr.fill_null(SITE_KIND_DEFAULT.get(fmt, "office"))
        low = d["kind"].is_in([str(k) for k in PUE_SITE_KINDS]) & ~has("pue")
        d["data_quality"] = _explicit_quality(
            cols, pl.when(low).then(pl.lit("low")).otherwise(pl.lit("medium"))
        )
    elif kind == "storage":
        low = ~has("capacity_gb")
        d["data_quality"] = _explicit_quality(
            cols, pl.when(low).then(pl.lit("low")).otherwise(pl.lit("medium"))
        )
    elif kind == "application":
        d["data_quality"] = _explicit_quality(cols, pl.lit("medium"))
    return frame, d


def write(
    conn: sa.Connection,
    kind: str,
    mapping: Mapping,
    org_id: int,
    batch_id: int,
    frame: pl.DataFrame,
    tick: Callable[[int], None],
) -> tuple[int, int, int]:
    """Write the valid rows of one kind.  Returns (inserted, updated, review entries)."""
    if frame.is_empty():
        return 0, 0, 0
    reviews: list[dict[str, Any]] = []
    if kind == "equipment":
        frame, derived, reviews = _equipment(frame)
    else:
        frame, derived = _derived(kind, mapping.fmt, frame)
    defaults = DEFAULTS.get(kind, {})
    if kind == "application":
        frame = frame.with_columns(
            pl.col("environment").fill_null("production")
            if "environment" in frame.columns
            else pl.lit("production").alias("environment")
        )
    table = store.MODELS[kind].__table__
    values: dict[str, pl.Expr] = {"org_id": pl.lit(org_id)}
    update: list[str] = []
    if "import_id" in table.c:
        values["import_id"] = pl.lit(batch_id)
        update.append("import_id")
    for column in table.c.keys():  # noqa: SIM118 - a ColumnCollection, not a dict
        if column in ("id", "org_id", "import_id"):
            continue
        if column in derived:
            values[column] = derived[column]
            update.append(column)
        elif column in frame.columns:
            expr = pl.col(column)
            values[column] = expr.fill_null(defaults[column]) if column in defaults else expr
            update.append(column)
        else:
            values[column] = pl.lit(defaults.get(column))
    key = ["name", "environment"] if kind == "application" else ["name"]
    rows = frame.unique(subset=key, keep="first", maintain_order=True) if kind == "application" else frame
    inserted, updated = store.upsert(
        conn, kind, org_id, rows, insert_values=values, update_columns=update, key=key, tick=tick
    )
    if kind == "application":
        store.replace_links(conn, org_id, frame)
    if reviews:
        store.save_reviews(conn, org_id, reviews)
    return inserted, updated, len(reviews)
