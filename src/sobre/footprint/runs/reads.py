"""Reading stored footprint runs: list, load, read a few items, resolve, delete, explain one item."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.footprint.loader import load_inventory
from sobre.footprint.runs import dataset, locations
from sobre.footprint.runs.inputs import run_inventory
from sobre.footprint.runs.models import FootprintRun
from sobre.footprint.runs.records import RunMeta, database_url_of, get_run, meta_of, reap
from sobre.footprint.schema import FACTOR_CRITERIA, Inventory, Result
from sobre.orgs import service as orgs
from sobre.orgs.models import Organisation

__all__ = [
    "ITEM_KINDS",
    "delete_run",
    "explain_item",
    "find_item",
    "latest_run",
    "list_runs",
    "load_run",
    "read_items",
    "resolve_run",
    "run_folder",
]

ITEM_KINDS = ("equipment", "vm", "cloud", "application", "storage", "idle")


def _require_done(run: FootprintRun) -> None:
    if run.status != "done":
        raise SobreError(
            f"footprint run {run.id} has status {run.status!r}"
            + (f": {run.error}" if run.error else "")
            + "; it holds no results"
        )


def run_folder(session: Session, run: FootprintRun) -> Path:
    """The local folder of a done run's dataset (extracted from PostgreSQL into the cache if needed)."""
    _require_done(run)
    loc = locations.location(database_url_of(session))
    return locations.local_folder(loc, session.connection(), run.id, run.dataset, run.dataset_files)


def run_inputs(session: Session, run: FootprintRun, inventory: Inventory) -> tuple[Inventory, bool]:
    """Today's ``inventory`` with the energy the run measured, and whether that is the run's inputs
    (:func:`sobre.footprint.runs.inputs.run_inventory`)."""
    return run_inventory(inventory, run_folder(session, run), run.inputs_hash)


def load_run(database_url: str, run_id: int) -> tuple[RunMeta, Result]:
    """A stored run and its Result, as the engine returned it."""
    with session_scope(database_url) as session:
        run, name = get_run(session, run_id)
        meta = meta_of(run, name)
        folder = run_folder(session, run)
    return meta, dataset.read_result(folder)


def read_items(
    session: Session, run: FootprintRun, keys: set[tuple[str, int]]
) -> tuple[pl.DataFrame, pl.DataFrame, dataset.Layout]:
    """The wide rows, items and long impacts of a few items of a run, without reading the rest."""
    folder = run_folder(session, run)
    layout = dataset.layout_of(folder)
    wanted = pl.DataFrame(sorted(keys), schema={"item_kind": pl.Utf8, "item_id": pl.Int64}, orient="row")
    ids = wanted.get_column("item_id").unique().to_list()
    # The id filter is pushed down to the Parquet reader; the semi join then keeps the exact keys.
    wide = (
        dataset.scan(folder)
        .filter(pl.col("item_id").is_in(ids))
        .join(wanted.lazy(), on=["item_kind", "item_id"], how="semi")
        .collect()
    )
    return wide.select(layout.item_columns), dataset.long_impacts(wide, layout), layout


def list_runs(database_url: str, org: str) -> list[RunMeta]:
    """The organisation's runs, newest first.  Runs whose process died are marked failed first."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        dead = reap(session, organisation.id)
        session.flush()
        runs = session.scalars(
            sa.select(FootprintRun)
            .where(FootprintRun.org_id == organisation.id)
            .order_by(FootprintRun.id.desc())
        )
        out = [meta_of(r, organisation.name) for r in runs]
    locations.discard(locations.location(database_url), dead)
    return out


def latest_run(database_url: str, org: str, profile: str | None = None) -> RunMeta | None:
    """The organisation's newest successful run (of ``profile`` when given), or None."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        query = sa.select(FootprintRun).where(
            FootprintRun.org_id == organisation.id, FootprintRun.status == "done"
        )
        if profile is not None:
            query = query.where(FootprintRun.profile == profile)
        run = session.scalars(query.order_by(FootprintRun.id.desc()).limit(1)).first()
        return meta_of(run, organisation.name) if run is not None else None


def resolve_run(session: Session, organisation: Organisation, run_id: int | None) -> FootprintRun:
    """The given run of the organisation (checked), else its newest successful run."""
    if run_id is not None:
        run, _ = get_run(session, run_id, organisation)
        if run.status != "done":
            raise SobreError(f"footprint run {run_id} has status {run.status!r}; it holds no results")
        return run
    found = session.scalars(
        sa.select(FootprintRun)
        .where(FootprintRun.org_id == organisation.id, FootprintRun.status == "done")
        .order_by(FootprintRun.id.desc())
        .limit(1)
    ).first()
    if found is None:
        raise NotFound(
            f"organisation {organisation.name!r} has no footprint run yet; "
            f"compute one with 'sobre footprint run --org {organisation.name!r}'"
        )
    return found


def delete_run(database_url: str, run_id: int, org: str | None = None) -> RunMeta:
    """Delete a run: its record, aggregates and stored files in one transaction, then its folder (or local
    copy).  A run still being computed is refused."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org) if org is not None else None
        dead = reap(session, organisation.id if organisation else None)
        session.flush()
        run, name = get_run(session, run_id, organisation)
        if run.status == "running":
            raise SobreError(
                f"footprint run {run_id} is still being computed (process {run.owner_pid} on "
                f"{run.owner_host}); wait for it to finish or stop it first"
            )
        meta = meta_of(run, name)
        dead.append(run.dataset or "")
        session.delete(run)
    locations.discard(locations.location(database_url), [n for n in dead if n])
    return meta


def find_item(session: Session, run_id: int, item: str) -> tuple[str, int]:
    """Resolve ITEM (``kind:id`` or an item name) to (item_kind, item_id) within a run."""
    run = session.get(FootprintRun, run_id)
    if run is None:
        raise NotFound(f"no footprint run {run_id}")
    scan = dataset.scan(run_folder(session, run))
    kind, sep, rest = item.partition(":")
    if sep and kind in ITEM_KINDS and rest.strip().isdigit():
        key = (kind, int(rest))
        hits = scan.filter((pl.col("item_id") == key[1]) & (pl.col("item_kind") == kind)).select(pl.len())
        if not hits.collect().item():
            raise NotFound(f"run {run_id} has no item {item!r}")
        return key
    rows = scan.filter(pl.col("name") == item).select("item_kind", "item_id").collect().rows()
    if not rows:
        raise NotFound(
            f"run {run_id} has no item named {item!r}; give a name or KIND:ID "
            f"(KIND in {', '.join(ITEM_KINDS)})"
        )
    if len(rows) > 1:
        # A name can be both a host and its idle capacity: the real item wins over the derived one.
        real = [r for r in rows if r[0] != "idle"]
        if len(real) == 1:
            return real[0][0], int(real[0][1])
        choices = ", ".join(f"{k}:{i}" for k, i in sorted(rows))
        raise InputError(
            "several items carry this name", column="ITEM", value=item, expected=f"one of {choices}"
        )
    return rows[0][0], int(rows[0][1])


def explain_item(database_url: str, org: str, item: str, run_id: int | None = None) -> dict[str, Any]:
    """How one item's figures were computed: stored impacts and trace, plus the engine's explanation
    rebuilt from today's inventory and the run's factor set (with a warning if the inventory changed)."""
    from sobre.footprint import engine
    from sobre.footprint.factors.store import load_factor_set

    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        run = resolve_run(session, organisation, run_id)
        kind, item_id = find_item(session, run.id, item)
        inventory, unchanged = run_inputs(session, run, load_inventory(session, organisation.id))
        factors = load_factor_set(session, run.factor_set_id, run.factor_set_version, org_id=organisation.id)
        meta = meta_of(run, organisation.name)
        # Only the rows the explanation reads: the item, its host, an application's targets.
        keys = {(kind, item_id)}
        head = read_items(session, run, keys)[0]
        host = head.item(0, "host_id") if head.height and "host_id" in head.columns else None
        if host is not None:
            keys.add(("equipment", int(host)))
        if kind == "application":
            links = inventory.app_links.filter(pl.col("application_id") == item_id)
            for target_kind, column in (
                ("vm", "vm_id"),
                ("cloud", "cloud_instance_id"),
                ("equipment", "equipment_id"),
            ):
                keys.update((target_kind, int(t)) for t in links.get_column(column).drop_nulls().to_list())
        sub_items, sub_impacts, _ = read_items(session, run, keys)
    result = Result(
        reference_date=meta.reference_date,
        methodology=meta.methodology_version,
        items=sub_items,
        impacts=sub_impacts,
        criteria=pl.DataFrame(meta.criteria or [], schema=FACTOR_CRITERIA),
        warnings=meta.warnings,
    )
    key = (pl.col("item_kind") == kind) & (pl.col("item_id") == item_id)
    warnings: list[str] = []
    if not unchanged:
        warnings.append(
            f"the inventory has changed since run {meta.id}: the explanation below reads today's "
            f"inventory, the stored figures are the run's; run 'sobre footprint run' to refresh"
        )
    explanation = engine.explain(inventory, factors, result, kind, item_id)
    return {
        "run": {k: v for k, v in meta.to_dict().items() if k not in ("totals", "criteria")},
        "item": result.items.filter(key).to_dicts()[0],
        "impacts": result.impacts.filter(key).sort("criterion", "stage").to_dicts(),
        "explanation": explanation,
        "warnings": warnings,
    }
