"""Footprint runs: compute and store, list, read back, delete, explain (the use cases of the CLI and web).

A run is first recorded as ``running`` with everything that identifies it (versions, factor set, inputs
hash, the process computing it).  Its dataset is then written and fsynced apart, and published together
with the aggregates and the ``done`` status in one transaction, so a reader never sees half a run
(``runs.locations``).  When computing or storing fails the run is marked ``failed`` with the error and holds
no results; when its process is killed outright, the next listing or run finds it dead and marks it
failed (``core.liveness``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core import audit, liveness
from sobre.core.db import get_engine, session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.footprint.boavizta import BoaviztClient
from sobre.footprint.boavizta_rows import apply_boavizta
from sobre.footprint.loader import inputs_hash, load_inventory, read_inventory
from sobre.footprint.runs import dataset, locations, store
from sobre.footprint.runs.compare import compare_runs
from sobre.footprint.runs.models import FootprintRun
from sobre.footprint.schema import FACTOR_CRITERIA, Result
from sobre.orgs import service as orgs
from sobre.orgs.models import Organisation, utcnow

__all__ = [
    "ITEM_KINDS",
    "RunFailed",
    "RunMeta",
    "RunSummary",
    "compare_runs",
    "delete_run",
    "explain_item",
    "find_item",
    "latest_run",
    "list_runs",
    "load_run",
    "read_items",
    "resolve_run",
    "run_folder",
    "run_footprint",
    "store_result",
]

Progress = Callable[[str], None]
ITEM_KINDS = ("equipment", "vm", "cloud", "application", "storage", "idle")


class RunFailed(SobreError):
    """The engine or the storage failed; the run is kept with status ``failed`` and its error."""

    def __init__(self, run_id: int, error: str) -> None:
        self.run_id = run_id
        super().__init__(f"footprint run {run_id} failed: {error}")


@dataclass
class RunMeta:
    """What identifies a stored run and its totals (no per-item results)."""

    id: int
    org_id: int
    org_name: str
    created_at: datetime
    reference_date: date
    profile: str
    engine_version: str
    methodology_version: str
    factor_set_id: str
    factor_set_version: str
    inputs_hash: str
    status: str
    error: str | None
    duration_s: float | None
    item_count: int | None
    totals: dict[str, dict[str, Any]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    #: Bytes of the stored dataset (None while running or when it failed).
    dataset_bytes: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["reference_date"] = self.reference_date.isoformat()
        return data


@dataclass
class RunSummary(RunMeta):
    """A run just made, with the time each step took (seconds)."""

    timings: dict[str, float] = field(default_factory=dict)


def _meta(run: FootprintRun, org_name: str) -> RunMeta:
    return RunMeta(
        id=run.id,
        org_id=run.org_id,
        org_name=org_name,
        created_at=run.created_at,
        reference_date=run.reference_date,
        profile=run.profile,
        engine_version=run.engine_version,
        methodology_version=run.methodology_version,
        factor_set_id=run.factor_set_id,
        factor_set_version=run.factor_set_version,
        inputs_hash=run.inputs_hash,
        status=run.status,
        error=run.error,
        duration_s=run.duration_s,
        item_count=run.item_count,
        totals=run.totals or {},
        warnings=list(run.warnings or []),
        criteria=list(run.criteria or []),
        dataset_bytes=sum(run.dataset_files.values()) if run.dataset_files else None,
    )


def _get_run(session: Session, run_id: int, org: Organisation | None = None) -> tuple[FootprintRun, str]:
    run = session.get(FootprintRun, run_id)
    if run is None or (org is not None and run.org_id != org.id):
        owner = f" for organisation {org.name!r}" if org is not None else ""
        raise NotFound(f"no footprint run {run_id}{owner}; list runs with 'sobre footprint runs --org NAME'")
    name = session.scalar(sa.select(Organisation.name).where(Organisation.id == run.org_id)) or ""
    return run, name


def _url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


# ---------------------------------------------------------------- stale runs and leftover folders


def _reap(session: Session, org_id: int | None = None) -> list[str]:
    """Mark failed every running run (of ``org_id``, or all) whose process is gone; returns their dataset
    names, to be removed once this transaction commits."""
    query = sa.select(FootprintRun).where(FootprintRun.status == "running")
    if org_id is not None:
        query = query.where(FootprintRun.org_id == org_id)
    now = utcnow()
    names = []
    for run in session.scalars(query):
        owner = liveness.Owner(run.owner_host or "", run.owner_pid or 0, run.owner_started)
        if liveness.alive(owner, run.heartbeat_at, now):
            continue
        who = f"process {run.owner_pid} on {run.owner_host}" if run.owner_pid else "the process computing it"
        run.status = "failed"
        run.error = f"interrupted: {who} stopped before the run was stored; run it again"
        if run.dataset:
            names.append(run.dataset)
    return names


def _sweep(database_url: str) -> None:
    """Remove dataset folders no run needs (left by crashes, deleted runs or deleted organisations)."""
    loc = locations.location(database_url)
    if not locations.entries(loc):
        return
    with session_scope(database_url) as session:
        rows = session.execute(sa.select(FootprintRun.id, FootprintRun.status, FootprintRun.dataset)).all()
    keep = {name for _, status, name in rows if status == "done" and name}
    busy = {rid for rid, status, _ in rows if status == "running"}
    locations.sweep(loc, keep, busy)


def _mark_failed(database_url: str, run_id: int, error: str, started: float) -> None:
    with session_scope(database_url) as session:
        run = session.get(FootprintRun, run_id)
        assert run is not None
        run.status, run.error, run.duration_s = "failed", error[:4000], time.perf_counter() - started


def _beat(database_url: str, run_id: int) -> Callable[[], None]:
    def beat() -> None:
        with get_engine(database_url).begin() as conn:
            conn.execute(
                sa.update(FootprintRun)
                .where(FootprintRun.id == run_id, FootprintRun.status == "running")
                .values(heartbeat_at=utcnow())
            )

    return beat


def _new_run(database_url: str, **fields: Any) -> tuple[int, str]:
    """Record a ``running`` run owned by this process; returns its id and dataset folder name."""
    owner = liveness.me()
    with session_scope(database_url) as session:
        run = FootprintRun(
            **fields,
            status="running",
            owner_host=owner.host,
            owner_pid=owner.pid,
            owner_started=owner.started,
            heartbeat_at=utcnow(),
        )
        session.add(run)
        session.flush()
        run.dataset = locations.new_name(run.id)
        return run.id, run.dataset


def _store(database_url: str, org_id: int, run_id: int, name: str, result: Result, started: float) -> None:
    """Write the dataset apart (fsynced), then publish it with the aggregates and the ``done`` status in
    one transaction."""
    loc = locations.location(database_url)
    folder = locations.temporary(loc, name)
    prepared = store.prepare(result, lambda wide, layout: dataset.write(folder, result, wide, layout))
    files = prepared.files or {}
    with get_engine(database_url).begin() as conn:
        locations.publish(loc, conn, run_id, name, files)
        store.write_aggregates(conn, run_id, prepared.aggregates)
        audit.record(
            conn,
            action="bulk",
            entity="footprint_run",
            entity_id=run_id,
            org_id=org_id,
            summary=f"stored {prepared.item_count} result items and {prepared.aggregates.height} aggregates",
        )
        conn.execute(
            sa.update(FootprintRun)
            .where(FootprintRun.id == run_id)
            .values(
                status="done",
                duration_s=time.perf_counter() - started,
                item_count=prepared.item_count,
                totals=prepared.totals,
                warnings=list(result.warnings),
                criteria=result.criteria.to_dicts(),
                dataset_files=files,
            )
        )
    locations.after_commit(loc, name)


def _failed(database_url: str, run_id: int, name: str, exc: BaseException, started: float) -> None:
    # Interrupted (Ctrl-C) runs are marked failed too, so no run stays "running" for ever.
    locations.discard(locations.location(database_url), [name])
    _mark_failed(database_url, run_id, f"{type(exc).__name__}: {exc}", started)


def store_result(
    database_url: str,
    org_id: int,
    result: Result,
    *,
    profile: str,
    engine_version: str,
    factor_set_id: str,
    factor_set_version: str,
    inputs_hash: str,
) -> int:
    """Store a Result computed elsewhere (a scenario, an import of another tool's figures) as a done run of
    organisation ``org_id``; returns its id.  Raises :class:`RunFailed` after recording the failure."""
    started = time.perf_counter()
    run_id, name = _new_run(
        database_url,
        org_id=org_id,
        reference_date=result.reference_date,
        profile=profile,
        engine_version=engine_version,
        methodology_version=result.methodology,
        factor_set_id=factor_set_id,
        factor_set_version=factor_set_version,
        inputs_hash=inputs_hash,
    )
    try:
        _store(database_url, org_id, run_id, name, result, started)
    except BaseException as exc:
        _failed(database_url, run_id, name, exc, started)
        if not isinstance(exc, Exception):
            raise
        raise RunFailed(run_id, str(exc)) from exc
    return run_id


# ---------------------------------------------------------------- computing a run


def run_footprint(
    database_url: str,
    org: str,
    *,
    factor_set: str | None = None,
    version: str | None = None,
    profile: str = "sobre",
    reference_date: date | None = None,
    progress: Progress | None = None,
    boavizta: BoaviztClient | None = None,
    measured_energy: bool = True,
    on_started: Callable[[int], None] | None = None,
) -> RunSummary:
    """Load the organisation's inventory and factor set, compute its footprint and store the run.

    ``reference_date`` (default today) is the date lifetimes and ages are counted to; it is stored with the
    run.  With ``boavizta`` (a BoaviztAPI client), servers and cloud instances take BoaviztAPI's bottom-up
    figures instead of the factor set's category rows; the run's methodology version says so.
    With ``measured_energy`` (the default), equipment whose yearly energy supervision measured takes it in
    the use stage (status ``measured``), see :func:`with_measured_energy`.  ``on_started`` receives the
    run's id as soon as it is recorded (a page launching a run in the background follows it by that id).
    Raises :class:`RunFailed` (after storing the failed run) when the computation or storage fails.
    """
    from sobre.footprint import engine
    from sobre.footprint.factors.store import load_factor_set

    if profile not in engine.PROFILES:
        raise InputError(
            "unknown calculation profile",
            column="profile",
            value=profile,
            expected=", ".join(engine.PROFILES),
        )
    step = progress or (lambda _name: None)
    reference_date = reference_date or date.today()
    started = time.perf_counter()
    timings: dict[str, float] = {}

    step("load")
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        dead = _reap(session, organisation.id)
        factors = load_factor_set(session, factor_set, version, org_id=organisation.id)
        org_id, org_name, org_country = organisation.id, organisation.name, organisation.country
    locations.discard(locations.location(database_url), dead)
    _sweep(database_url)
    inventory = read_inventory(database_url, org_id)
    if measured_energy:
        inventory = with_measured_energy(database_url, org_name, inventory, reference_date)
    digest = inputs_hash(inventory)
    methodology = str(engine.PROFILES[profile])
    if boavizta is not None:
        from sobre.footprint.factors.store import save_derived

        step("boavizta")
        base = factors
        inventory, factors = apply_boavizta(inventory, factors, boavizta)
        methodology += "+boavizta"
        # The run points at a stored set holding BoaviztAPI's rows, so 'explain' finds them later.
        with session_scope(database_url) as session:
            factors = save_derived(
                session,
                factors,
                base,
                "boavizta",
                f"{base.id} {base.version} with the BoaviztAPI rows of the servers, cloud instances and "
                f"terminals of {org_name} (computed by {getattr(boavizta, 'label', 'BoaviztAPI')})",
            )
    run_id, name = _new_run(
        database_url,
        org_id=org_id,
        reference_date=reference_date,
        profile=profile,
        engine_version=str(engine.ENGINE_VERSION),
        methodology_version=methodology,
        factor_set_id=factors.id,
        factor_set_version=factors.version,
        inputs_hash=digest,
    )
    if on_started is not None:
        on_started(run_id)
    timings["load"] = time.perf_counter() - started

    try:
        with liveness.Heartbeat(_beat(database_url, run_id)):
            step("compute")
            mark = time.perf_counter()
            result = engine.compute(
                inventory, factors, profile=profile, reference_date=reference_date, org_country=org_country
            )
            # The run's methodology says how servers were computed (``+boavizta``): the stored Result too.
            result = dataclasses.replace(result, methodology=methodology)
            del inventory
            timings["compute"] = time.perf_counter() - mark
            step("store")
            mark = time.perf_counter()
            _store(database_url, org_id, run_id, name, result, started)
            timings["store"] = time.perf_counter() - mark
    except BaseException as exc:
        _failed(database_url, run_id, name, exc, started)
        if not isinstance(exc, Exception):
            raise
        raise RunFailed(run_id, str(exc)) from exc
    step("done")
    with session_scope(database_url) as session:
        stored, _ = _get_run(session, run_id)
        meta = _meta(stored, org_name)
    return RunSummary(**asdict(meta), timings=timings)


#: What a capability ``provides`` under this name: ``f(database_url, org, reference_date)`` returning
#: ``{equipment_id: kWh}``, the measured yearly electricity of one unit of the equipment (supervision).
MEASURED_ENERGY = "footprint.measured_energy"


def with_measured_energy(database_url: str, org: str, inventory: Any, reference_date: date) -> Any:
    """The inventory with ``measured_kwh`` filled from the capability that measures energy, if any.

    The engine ranks it first (measured > declared > modelled) and applies the site's PUE to it.
    """
    from dataclasses import replace

    from sobre.core.capabilities import provider

    measure = provider(MEASURED_ENERGY)
    if measure is None:
        return inventory
    measured = measure(database_url, org, reference_date)
    if not measured:
        return inventory
    values = pl.DataFrame(
        {"id": list(measured), "_measured": [float(v) for v in measured.values()]},
        schema={"id": pl.Int64, "_measured": pl.Float64},
    )
    equipment = (
        inventory.equipment.join(values, on="id", how="left")
        .with_columns(pl.coalesce("_measured", "measured_kwh").alias("measured_kwh"))
        .drop("_measured")
    )
    return replace(inventory, equipment=equipment)


# ---------------------------------------------------------------- reading runs


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
    loc = locations.location(_url(session))
    return locations.local_folder(loc, session.connection(), run.id, run.dataset, run.dataset_files)


def load_run(database_url: str, run_id: int) -> tuple[RunMeta, Result]:
    """A stored run and its Result, as the engine returned it."""
    with session_scope(database_url) as session:
        run, name = _get_run(session, run_id)
        meta = _meta(run, name)
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
        dead = _reap(session, organisation.id)
        session.flush()
        runs = session.scalars(
            sa.select(FootprintRun)
            .where(FootprintRun.org_id == organisation.id)
            .order_by(FootprintRun.id.desc())
        )
        out = [_meta(r, organisation.name) for r in runs]
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
        return _meta(run, organisation.name) if run is not None else None


def resolve_run(session: Session, organisation: Organisation, run_id: int | None) -> FootprintRun:
    """The given run of the organisation (checked), else its newest successful run."""
    if run_id is not None:
        run, _ = _get_run(session, run_id, organisation)
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
        dead = _reap(session, organisation.id if organisation else None)
        session.flush()
        run, name = _get_run(session, run_id, organisation)
        if run.status == "running":
            raise SobreError(
                f"footprint run {run_id} is still being computed (process {run.owner_pid} on "
                f"{run.owner_host}); wait for it to finish or stop it first"
            )
        meta = _meta(run, name)
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
        inventory = load_inventory(session, organisation.id)
        factors = load_factor_set(session, run.factor_set_id, run.factor_set_version, org_id=organisation.id)
        meta = _meta(run, organisation.name)
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
    if inputs_hash(inventory) != meta.inputs_hash:
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
