"""Per-kind rules applied to a parsed file before it is written: defaults, cross-column checks, quality.

Equipment has its own module (:mod:`sobre.inventory.equipment`).  Data quality of the other kinds, when
the file gives none (documented in docs/inventory.md): vm *low* when neither vCPU, storage nor an
allocation key is known; site *low* for a data centre, server room or colocation without PUE; storage
*low* without capacity; *medium* otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa

from sobre.core.countries import to_code
from sobre.inventory import store
from sobre.inventory.bulk import Staging
from sobre.inventory.mappings import Mapping
from sobre.inventory.taxonomy import PUE_SITE_KINDS
from sobre.inventory.validate import ROW, Problem
from sobre.inventory.vocab import fold

#: Defaults for a missing value, per kind (model defaults; "unknown is never zero" holds: none is a figure).
DEFAULTS: dict[str, dict[str, object]] = {
    "equipment": {"quantity": 1.0, "status": "unknown", "refurbished": False},
    "vm": {"quantity": 1.0, "kind": "compute"},
    "cloud": {"quantity": 1.0},
    "application": {"environment": "production"},
}
SITE_KIND_DEFAULT = {"numecoeval": "data_centre"}  # a G4IT datacenter file holds data centres


@dataclass
class Written(store.Upserted):
    """What writing one kind did: the rows (see ``store.upsert``) and the model reviews saved."""

    reviews: int = 0


def file_key(kind: str, frame: pl.DataFrame) -> list[str]:
    """Columns that must be unique within one file (G4IT: the application triple); not for equipment,
    whose keys are :mod:`sobre.inventory.keys`'s."""
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


def check(kind: str, frame: pl.DataFrame, mapping: Mapping) -> list[Problem]:
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
    if kind == "storage" and {"used_gb", "capacity_gb"} <= set(frame.columns):
        over = frame.filter((pl.col("used_gb") > pl.col("capacity_gb")).fill_null(False))
        col = mapping.headers.get("used_gb", "used_gb")
        problems += [
            Problem(line, col, f"{used:g}", "more space used than the volume's capacity")
            for line, used in over.select(ROW, "used_gb").iter_rows()
        ]
    return problems


def _explicit_quality(cols: list[str], derived: pl.Expr) -> pl.Expr:
    return pl.coalesce(pl.col("data_quality"), derived) if "data_quality" in cols else derived


def _derived(kind: str, fmt: str, frame: pl.DataFrame) -> dict[str, pl.Expr]:
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
    return d


def write(
    conn: sa.Connection,
    kind: str,
    mapping: Mapping,
    org_id: int,
    batch_id: int,
    frame: pl.DataFrame,
    tick: Callable[[int], None],
    *,
    reviews: list[dict[str, Any]] | None = None,
    ids: pl.Series | None = None,
    staging: Staging | None = None,
) -> Written:
    """Write the valid rows of one kind.  ``ids``: for equipment, the existing item each row updates."""
    if frame.is_empty():
        return Written()
    derived = {} if kind == "equipment" else _derived(kind, mapping.fmt, frame)
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
    if kind == "equipment" and "status" not in mapping.columns and "status" in update:
        update.remove("status")  # a file without statuses leaves the stored ones (new items: unknown)
    if "import_id" in table.c:
        values["import_id"] = pl.lit(batch_id)
    key = ["name", "environment"] if kind == "application" else ["name"]
    rows = frame.unique(subset=key, keep="first", maintain_order=True) if kind == "application" else frame
    outcome = store.upsert(
        conn,
        kind,
        org_id,
        rows,
        insert_values=values,
        update_columns=update,
        key=key,
        tick=tick,
        ids=ids,
        staging=staging,
    )
    result = Written(**vars(outcome))
    if kind == "application":
        store.replace_links(conn, org_id, frame)
    if reviews:
        store.save_reviews(conn, org_id, reviews)
        result.reviews = len(reviews)
    return result
