"""Footprint run records: what identifies a stored run (:class:`RunMeta`), looking one up, and the
clean-up of runs whose process died and of dataset folders no run needs.  Shared by computing runs
(``runs.service``) and reading them (``runs.reads``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core import liveness
from sobre.core.db import session_scope
from sobre.core.errors import NotFound
from sobre.footprint.runs import locations
from sobre.footprint.runs.models import FootprintRun
from sobre.orgs.models import Organisation, utcnow

__all__ = ["RunMeta", "RunSummary", "database_url_of", "get_run", "meta_of", "reap", "sweep"]


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


def meta_of(run: FootprintRun, org_name: str) -> RunMeta:
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


def get_run(session: Session, run_id: int, org: Organisation | None = None) -> tuple[FootprintRun, str]:
    run = session.get(FootprintRun, run_id)
    if run is None or (org is not None and run.org_id != org.id):
        owner = f" for organisation {org.name!r}" if org is not None else ""
        raise NotFound(f"no footprint run {run_id}{owner}; list runs with 'sobre footprint runs --org NAME'")
    name = session.scalar(sa.select(Organisation.name).where(Organisation.id == run.org_id)) or ""
    return run, name


def database_url_of(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


# ---------------------------------------------------------------- stale runs and leftover folders


def reap(session: Session, org_id: int | None = None) -> list[str]:
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


def sweep(database_url: str) -> None:
    """Remove dataset folders no run needs (left by crashes, deleted runs or deleted organisations)."""
    loc = locations.location(database_url)
    if not locations.entries(loc):
        return
    with session_scope(database_url) as session:
        rows = session.execute(sa.select(FootprintRun.id, FootprintRun.status, FootprintRun.dataset)).all()
    keep = {name for _, status, name in rows if status == "done" and name}
    busy = {rid for rid, status, _ in rows if status == "running"}
    locations.sweep(loc, keep, busy)
