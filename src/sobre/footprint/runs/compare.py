"""Comparing two stored runs item by item, criterion and stage, with the reason of each difference."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope


def compare_runs(database_url: str, run_a: int, run_b: int) -> pl.DataFrame:
    """Item-by-item comparison of two runs (possibly of different profiles, e.g. Sobre vs G4IT).

    The engine's ``compare_profiles`` gives, per item, criterion and stage, both values, the difference
    and why they differ.
    """
    from sobre.footprint import engine
    from sobre.footprint.runs.service import load_run

    meta_a, result_a = load_run(database_url, run_a)
    meta_b, result_b = load_run(database_url, run_b)
    frame = engine.compare_profiles(result_a, result_b)
    with session_scope(database_url) as session:
        links = _app_targets(session, {meta_a.org_id, meta_b.org_id})
    names = pl.concat(
        [
            result_a.items.select("item_kind", "item_id", "name"),
            result_b.items.select("item_kind", "item_id", "name"),
        ]
    ).unique(["item_kind", "item_id"], keep="first")
    out = _inherit_why(frame, links).join(names, on=["item_kind", "item_id"], how="left")
    return out.select(
        "item_kind", "item_id", "name", *[c for c in out.columns if c not in ("item_kind", "item_id", "name")]
    )


def _app_targets(session: Session, org_ids: set[int]) -> pl.DataFrame:
    """application_id → (target_kind, target_id) for the organisations' application links."""
    from sobre.inventory.models import Application, ApplicationLink

    rows = session.execute(
        sa.select(
            ApplicationLink.application_id,
            ApplicationLink.vm_id,
            ApplicationLink.cloud_instance_id,
            ApplicationLink.equipment_id,
        )
        .join(Application, Application.id == ApplicationLink.application_id)
        .where(Application.org_id.in_(org_ids))
    ).all()
    out = []
    for app_id, vm_id, cloud_id, eq_id in rows:
        kind, target = ("vm", vm_id) if vm_id else ("cloud", cloud_id) if cloud_id else ("equipment", eq_id)
        out.append((app_id, kind, target))
    return pl.DataFrame(
        out, schema={"item_id": pl.Int64, "target_kind": pl.Utf8, "target_id": pl.Int64}, orient="row"
    )


def _inherit_why(frame: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Give every differing row a reason.  An application has no trace of its own: its figure follows its
    VMs, instances or machines, so it takes their reasons ("via vm:2: …")."""
    a, b = pl.col("value_a"), pl.col("value_b")
    differs = (a.is_null() != b.is_null()) | (
        a.is_not_null() & b.is_not_null() & ((a - b).abs() > 1e-12 * pl.max_horizontal(a.abs(), b.abs()))
    )
    keys = ["item_kind", "item_id", "criterion", "stage"]
    targets = frame.filter(pl.col("why").is_not_null()).select(
        pl.col("item_kind").alias("target_kind"),
        pl.col("item_id").alias("target_id"),
        "criterion",
        "stage",
        pl.col("why").alias("target_why"),
    )
    inherited = (
        frame.filter((pl.col("item_kind") == "application") & pl.col("why").is_null())
        .select(keys)
        .join(links, on="item_id")
        .join(targets, on=["target_kind", "target_id", "criterion", "stage"])
        .group_by(keys)
        .agg(
            pl.format("via {}:{}: {}", "target_kind", "target_id", "target_why")
            .str.join("; ")
            .alias("inherited")
        )
    )
    out = (
        frame.join(inherited, on=keys, how="left")
        .with_columns(pl.coalesce("why", "inherited").alias("why"))
        .drop("inherited")
    )
    return out.with_columns(
        pl.when(differs & pl.col("why").is_null())
        .then(pl.lit("the traces agree; see 'sobre footprint explain' on both runs"))
        .otherwise(pl.col("why"))
        .alias("why")
    )
