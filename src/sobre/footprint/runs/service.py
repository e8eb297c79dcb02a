"""Footprint runs: compute and store (the use cases of the CLI and web; reading runs back is in
``runs.reads``, the run records in ``runs.records``, both re-exported here).

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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from sobre.core import audit, liveness
from sobre.core.db import get_engine, session_scope
from sobre.core.errors import InputError, SobreError
from sobre.footprint.boavizta import BoaviztClient
from sobre.footprint.boavizta_rows import apply_boavizta
from sobre.footprint.engine.departments import allocation_inputs
from sobre.footprint.loader import inputs_hash, read_inventory
from sobre.footprint.runs import dataset, locations, store
from sobre.footprint.runs.compare import compare_runs
from sobre.footprint.runs.inputs import MEASURED_ENERGY, with_measured_energy
from sobre.footprint.runs.models import FootprintRun
from sobre.footprint.runs.reads import (
    ITEM_KINDS,
    delete_run,
    explain_item,
    find_item,
    latest_run,
    list_runs,
    load_run,
    read_items,
    resolve_run,
    run_folder,
    run_inputs,
)
from sobre.footprint.runs.records import RunMeta, RunSummary, get_run, meta_of, reap, sweep
from sobre.footprint.schema import Inventory, Result
from sobre.orgs import service as orgs
from sobre.orgs.models import utcnow

__all__ = [
    "ITEM_KINDS",
    "MEASURED_ENERGY",
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
    "run_inputs",
    "store_result",
    "with_measured_energy",
]

Progress = Callable[[str], None]


class RunFailed(SobreError):
    """The engine or the storage failed; the run is kept with status ``failed`` and its error."""

    def __init__(self, run_id: int, error: str) -> None:
        self.run_id = run_id
        super().__init__(f"footprint run {run_id} failed: {error}")


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
    """Record a ``running`` run owned by this process; returns its id and dataset folder name.  Its inputs'
    hash comes with its results (:func:`_store`)."""
    owner = liveness.me()
    with session_scope(database_url) as session:
        run = FootprintRun(
            **fields,
            inputs_hash="",
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


def _store(
    database_url: str,
    org_id: int,
    run_id: int,
    name: str,
    result: Result,
    started: float,
    inputs_hash: str,
    inventory: Inventory,
) -> None:
    """Write the dataset apart (fsynced), then publish it with the aggregates (the departmental allocation's
    from ``inventory``, what the result was computed from), the ``inputs_hash`` and the ``done`` status in
    one transaction."""
    loc = locations.location(database_url)
    folder = locations.temporary(loc, name)
    prepared = store.prepare(
        result, lambda wide, layout: dataset.write(folder, result, wide, layout), inventory
    )
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
                inputs_hash=inputs_hash,
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
    inventory: Inventory | None = None,
) -> int:
    """Store a Result computed elsewhere (a scenario, an import of another tool's figures) as a done run of
    organisation ``org_id``; returns its id.  ``inventory``: what the result was computed from, for its
    allocation to departments (default: the organisation's inventory now).  Raises :class:`RunFailed`
    after recording the failure."""
    started = time.perf_counter()
    if inventory is None:
        inventory = read_inventory(database_url, org_id)
    run_id, name = _new_run(
        database_url,
        org_id=org_id,
        reference_date=result.reference_date,
        profile=profile,
        engine_version=engine_version,
        methodology_version=result.methodology,
        factor_set_id=factor_set_id,
        factor_set_version=factor_set_version,
    )
    try:
        _store(database_url, org_id, run_id, name, result, started, inputs_hash, inventory)
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
        dead = reap(session, organisation.id)
        factors = load_factor_set(session, factor_set, version, org_id=organisation.id)
        org_id, org_name, org_country = organisation.id, organisation.name, organisation.country
    locations.discard(locations.location(database_url), dead)
    sweep(database_url)
    inventory = read_inventory(database_url, org_id)
    if measured_energy:
        inventory = with_measured_energy(database_url, org_name, inventory, reference_date, profile)
    # The inputs' hash (each frame as CSV through SHA-256: about 1 s for a million items) is made while the
    # engine computes, Polars' CSV writer and hashlib leaving the interpreter lock; it is stored with the
    # results (a run that fails keeps none).
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sobre-inputs-hash")
    digest = hashing.submit(inputs_hash, inventory)
    hashing.shutdown(wait=False)
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
            # Only what the allocation to departments reads is kept past the engine.
            kept = allocation_inputs(inventory)
            del inventory
            timings["compute"] = time.perf_counter() - mark
            step("store")
            mark = time.perf_counter()
            _store(database_url, org_id, run_id, name, result, started, digest.result(), kept)
            timings["store"] = time.perf_counter() - mark
    except BaseException as exc:
        _failed(database_url, run_id, name, exc, started)
        if not isinstance(exc, Exception):
            raise
        raise RunFailed(run_id, str(exc)) from exc
    step("done")
    with session_scope(database_url) as session:
        stored, _ = get_run(session, run_id)
        meta = meta_of(stored, org_name)
    return RunSummary(**asdict(meta), timings=timings)


# ---------------------------------------------------------------- reading runs
