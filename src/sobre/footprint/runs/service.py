"""Footprint runs: compute and store, read back, compare and explain (the use cases behind the CLI and web).

A run is first recorded as ``running`` with everything that identifies it (versions, factor set, inputs
hash).  The results are then written in one transaction together with the ``done`` status, so a reader
never sees half a run; when computing or storing fails, the run is marked ``failed`` with the error and
holds no results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import get_engine, session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.footprint.boavizta import BoaviztClient
from sobre.footprint.boavizta_rows import apply_boavizta
from sobre.footprint.loader import inputs_hash, load_inventory
from sobre.footprint.runs import store
from sobre.footprint.runs.models import FootprintItem, FootprintRun
from sobre.footprint.schema import FACTOR_CRITERIA, Result
from sobre.orgs import service as orgs
from sobre.orgs.models import Organisation

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
    )


def _get_run(session: Session, run_id: int, org: Organisation | None = None) -> tuple[FootprintRun, str]:
    run = session.get(FootprintRun, run_id)
    if run is None or (org is not None and run.org_id != org.id):
        owner = f" for organisation {org.name!r}" if org is not None else ""
        raise NotFound(f"no footprint run {run_id}{owner}; list runs with 'sobre footprint runs --org NAME'")
    name = session.scalar(sa.select(Organisation.name).where(Organisation.id == run.org_id)) or ""
    return run, name


def _mark_failed(database_url: str, run_id: int, error: str, started: float) -> None:
    with session_scope(database_url) as session:
        run = session.get(FootprintRun, run_id)
        assert run is not None
        run.status, run.error, run.duration_s = "failed", error[:4000], time.perf_counter() - started


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
) -> RunSummary:
    """Load the organisation's inventory and factor set, compute its footprint and store the run.

    ``reference_date`` (default today) is the date lifetimes and ages are counted to; it is stored with the
    run.  With ``boavizta`` (a BoaviztAPI client), servers and cloud instances take BoaviztAPI's bottom-up
    figures instead of the factor set's category rows; the run's methodology version says so.
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
        factors = load_factor_set(session, factor_set, version, org_id=organisation.id)
        inventory = load_inventory(session, organisation.id)
        org_id, org_name, org_country = organisation.id, organisation.name, organisation.country
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
    with session_scope(database_url) as session:
        run = FootprintRun(
            org_id=org_id,
            reference_date=reference_date,
            profile=profile,
            engine_version=str(engine.ENGINE_VERSION),
            methodology_version=methodology,
            factor_set_id=factors.id,
            factor_set_version=factors.version,
            inputs_hash=digest,
            status="running",
        )
        session.add(run)
        session.flush()
        run_id = run.id
    timings["load"] = time.perf_counter() - started

    try:
        step("compute")
        mark = time.perf_counter()
        result = engine.compute(
            inventory, factors, profile=profile, reference_date=reference_date, org_country=org_country
        )
        timings["compute"] = time.perf_counter() - mark
        step("store")
        mark = time.perf_counter()
        prepared = store.prepare(result)
        with get_engine(database_url).begin() as conn:
            count = store.write_result(conn, run_id, prepared)
            conn.execute(
                sa.update(FootprintRun)
                .where(FootprintRun.id == run_id)
                .values(
                    status="done",
                    methodology_version=methodology,
                    duration_s=time.perf_counter() - started,
                    item_count=count,
                    totals=prepared.totals,
                    warnings=list(result.warnings),
                    criteria=result.criteria.to_dicts(),
                )
            )
        timings["store"] = time.perf_counter() - mark
    except BaseException as exc:
        # Interrupted (Ctrl-C) runs are marked failed too, so no run stays "running" for ever.
        _mark_failed(database_url, run_id, f"{type(exc).__name__}: {exc}", started)
        if not isinstance(exc, Exception):
            raise
        raise RunFailed(run_id, str(exc)) from exc
    step("done")
    with session_scope(database_url) as session:
        stored, _ = _get_run(session, run_id)
        meta = _meta(stored, org_name)
    return RunSummary(**asdict(meta), timings=timings)


def load_run(database_url: str, run_id: int) -> tuple[RunMeta, Result]:
    """A stored run and its Result, rebuilt in the engine's long schema."""
    with session_scope(database_url) as session:
        run, name = _get_run(session, run_id)
        meta = _meta(run, name)
        if run.status != "done":
            raise SobreError(
                f"footprint run {run_id} has status {run.status!r}"
                + (f": {run.error}" if run.error else "")
                + "; it holds no results"
            )
        result = store.read_result(
            session.connection(),
            run_id,
            reference_date=run.reference_date,
            methodology=run.methodology_version,
            criteria=meta.criteria,
            warnings=meta.warnings,
        )
    return meta, result


def list_runs(database_url: str, org: str) -> list[RunMeta]:
    """The organisation's runs, newest first."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        runs = session.scalars(
            sa.select(FootprintRun)
            .where(FootprintRun.org_id == organisation.id)
            .order_by(FootprintRun.id.desc())
        )
        return [_meta(r, organisation.name) for r in runs]


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


def compare_runs(database_url: str, run_a: int, run_b: int) -> pl.DataFrame:
    """Item-by-item comparison of two runs (possibly of different profiles, e.g. Sobre vs G4IT).

    The engine's ``compare_profiles`` gives, per item, criterion and stage, both values, the difference
    and why they differ.
    """
    from sobre.footprint import engine

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


def find_item(session: Session, run_id: int, item: str) -> tuple[str, int]:
    """Resolve ITEM (``kind:id`` or an item name) to (item_kind, item_id) within a run."""
    kind, sep, rest = item.partition(":")
    if sep and kind in ITEM_KINDS and rest.strip().isdigit():
        key = (kind, int(rest))
        found = session.get(FootprintItem, (run_id, *key))
        if found is None:
            raise NotFound(f"run {run_id} has no item {item!r}")
        return key
    rows = session.execute(
        sa.select(FootprintItem.item_kind, FootprintItem.item_id).where(
            FootprintItem.run_id == run_id, FootprintItem.name == item
        )
    ).all()
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
        choices = ", ".join(f"{k}:{i}" for k, i in rows)
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
        head = store.read_subset(session.connection(), run.id, keys)[0]
        host = head.item(0, "host_id") if head.height else None
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
        sub_items, sub_impacts = store.read_subset(session.connection(), run.id, keys)
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
