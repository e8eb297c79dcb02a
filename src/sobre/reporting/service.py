"""Use cases of the report: gather one run's results and names from the database, render, export."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core import collector
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.core.i18n import LANGUAGES
from sobre.footprint.runs import store
from sobre.inventory.models import Application, Department, Equipment, ImportBatch, Site
from sobre.inventory.taxonomy import ACTIVE_STATUSES
from sobre.orgs import service as orgs
from sobre.reporting.data import Names, ReportInputs
from sobre.reporting.data import build_report_data as build_from_inputs
from sobre.reporting.model import ImportStat, ReportData, RunInfo
from sobre.reporting.prepared import allocate, prepare, start_measuring

FORMATS = ("html", "pdf")
#: The stored aggregates the report reads (departments are allocated, not the items' own column).
REPORTED_DIMENSIONS = ("total", "category", "site", "application", "department", "department_part")


#: Categories of the devices a person needs one of (computers) or two of (monitors).
COMPUTERS = ("laptop", "desktop", "thin_client", "workstation")
MAX_MONITORS = 2


def surplus_devices(session: Session, org_id: int) -> list[int]:
    """Equipment ids a person holds beyond one computer, a desk phone beside a smartphone, and two monitors.

    Only single items assigned to a person and in service count; the newest device of each kind is kept.
    The names of people are read here and never leave this function.
    """
    rows = session.execute(
        sa.select(Equipment.id, Equipment.user, Equipment.category, Equipment.purchase_date).where(
            Equipment.org_id == org_id,
            Equipment.user.is_not(None),
            Equipment.user != "",
            Equipment.quantity == 1,
            Equipment.status.in_([str(s) for s in ACTIVE_STATUSES]),
        )
    ).all()
    by_person: dict[str, dict[str, list[tuple]]] = {}
    for item_id, user, category, bought in rows:
        by_person.setdefault(str(user), {}).setdefault(category, []).append((bought or date.min, item_id))
    surplus: list[int] = []
    for held in by_person.values():
        computers = sorted((d for c in COMPUTERS for d in held.get(c, [])), reverse=True)
        surplus += [i for _, i in computers[1:]]
        if held.get("smartphone"):
            surplus += [i for _, i in held.get("ip_phone", [])]
        monitors = sorted(held.get("monitor", []), reverse=True)
        surplus += [i for _, i in monitors[MAX_MONITORS:]]
    return sorted(surplus)


# Reading a run and an inventory makes about a million short-lived objects: the collector's pauses (0.5 s
# at 100,000 items, every thread waiting) are left until the report's data is built.
@collector.paused()
def report_inputs(
    database_url: str,
    org: str,
    run_id: int | None = None,
    *,
    compute_if_missing: bool = True,
    progress: Callable[[str], None] | None = None,
    author: str | None = None,
    ahead: bool = True,
) -> ReportInputs:
    """Everything a report needs for one run (default: the organisation's latest successful run; when there
    is none and ``compute_if_missing``, one is computed now with the default factor set).

    ``ahead``: start computing the run's figures (:mod:`sobre.reporting.prepared`) while the rest is read,
    for a report built from these inputs next (exports of the items need none of them)."""
    from sobre.footprint.factors.store import load_factor_set
    from sobre.footprint.loader import inputs_hash, load_inventory
    from sobre.footprint.runs import service as runs
    from sobre.footprint.runs.inputs import with_run_energy
    from sobre.footprint.runs.records import get_run

    if run_id is None:
        latest = runs.latest_run(database_url, org)
        if latest is None:
            if not compute_if_missing:
                raise InputError(
                    f"organisation {org!r} has no footprint run yet",
                    expected="run 'sobre footprint run --org NAME' first",
                )
            run_id = runs.run_footprint(database_url, org, progress=progress).id
        else:
            run_id = latest.id
    with session_scope(database_url) as session:
        # The run's rows are read, then its figures computed (they need neither the inventory nor names
        # but the sites' kinds), in a thread while the inventory is read here: Polars releases the
        # interpreter lock, reading rows does not.  The allocation to departments follows as soon as
        # the inventory is read.  (The session above made the engine: the thread's sessions reuse it.)
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sobre-report-figures")
        try:
            loading = pool.submit(runs.load_run, database_url, run_id)
            try:
                organisation = orgs.get(session, org)
            except Exception:
                loading.result()  # an unknown run is reported first, as before
                raise
            oid = organisation.id
            stored = store.read_run_aggregates(session.connection(), run_id, REPORTED_DIMENSIONS)
            sites = session.execute(sa.select(Site.id, Site.name, Site.kind).where(Site.org_id == oid)).all()
            names = Names(sites={r[0]: r[1] for r in sites}, site_kinds={r[0]: r[2] for r in sites})
            kinds = dict(names.site_kinds)
            prepared = pool.submit(lambda: prepare(loading.result()[1], stored, kinds)) if ahead else None
            inventory = load_inventory(session, oid)
            meta, result = loading.result()
            if meta.org_id != organisation.id:
                raise InputError(
                    f"footprint run {run_id} belongs to another organisation ({meta.org_name!r})",
                    column="--run",
                    value=run_id,
                )
            # The inventory as the run computed it (with the energy it measured), before anything reads it.
            inventory = with_run_energy(inventory, runs.run_folder(session, get_run(session, run_id)[0]))
            # Runs store their allocation to departments; one stored without it is allocated here.
            allocating = ahead and not (stored["dimension"] == "department_part").any()
            allocated = pool.submit(allocate, result, inventory) if allocating else None
        finally:
            pool.shutdown(wait=False)
        factors = load_factor_set(session, meta.factor_set_id, meta.factor_set_version, org_id=oid)
        matches = inputs_hash(inventory) == meta.inputs_hash
        # Recommendations re-run the engine on the inventory: on a changed one they would not match.
        surplus = surplus_devices(session, oid) if matches else []
        inputs = ReportInputs(
            organisation=organisation.name,
            run=RunInfo(
                run_id=meta.id,
                created_at=meta.created_at.isoformat(),
                reference_date=meta.reference_date,
                profile=meta.profile,
                engine_version=meta.engine_version,
                methodology=meta.methodology_version,
                factor_set_id=meta.factor_set_id,
                factor_set_version=meta.factor_set_version,
                factor_set_publisher=factors.publisher,
                factor_set_year=factors.year,
                factor_set_licence=factors.licence,
                inputs_hash=meta.inputs_hash,
            ),
            result=result,
            names=names,
            inhabitants=organisation.inhabitants,
            country=organisation.country,
            factors=factors,
            inventory=inventory,
            inventory_matches_run=matches,
            surplus_devices=surplus,
            author=author or "",
            issued=date.today().isoformat(),
            notes=[] if matches else [f"inventory_changed(run={meta.id})"],
            aggregates=stored,
            prepared=prepared,
            allocated=allocated,
        )
        # The longest part of a report starts now, and runs while the rest is read and the breakdowns
        # are built (it reads none of what follows).
        if ahead and matches:
            inputs.measuring = start_measuring(inputs)
        names.departments = dict(
            session.execute(sa.select(Department.id, Department.name).where(Department.org_id == oid)).all()
        )
        for app_id, name, env, users in session.execute(
            sa.select(Application.id, Application.name, Application.environment, Application.users).where(
                Application.org_id == oid
            )
        ):
            names.applications[app_id] = name if env in (None, "", "production") else f"{name} ({env})"
            if users:
                names.application_users[app_id] = users
        # Users: the people with at least one device assigned (a count, never a guess when none is given).
        users = session.scalar(
            sa.select(sa.func.count(sa.distinct(Equipment.user))).where(
                Equipment.org_id == oid, Equipment.user.is_not(None), Equipment.user != ""
            )
        )
        headcount = session.scalar(
            sa.select(sa.func.sum(Department.headcount)).where(Department.org_id == oid)
        )
        inputs.employees = organisation.employees or (int(headcount) if headcount else None)
        inputs.users = int(users) if users else None
        inputs.imports = [
            ImportStat(b.file_name, b.kind, b.rows_read, b.inserted, b.updated, b.rejected, b.rejects_path)
            for b in session.scalars(
                sa.select(ImportBatch).where(ImportBatch.org_id == oid).order_by(ImportBatch.id)
            )
        ]
        return inputs


def build_report_data(
    database_url: str,
    org: str,
    run_id: int | None = None,
    *,
    compute_if_missing: bool = True,
    author: str | None = None,
) -> ReportData:
    """The report's data for one run of ``org`` (default: its latest run; computed if it has none)."""
    return with_capability_sections(
        build_from_inputs(
            report_inputs(database_url, org, run_id, compute_if_missing=compute_if_missing, author=author)
        ),
        database_url,
        org,
    )


def with_capability_sections(data: ReportData, database_url: str, org: str) -> ReportData:
    """``data`` with the sections other capabilities add (maturity…) in every language."""
    from sobre.core.capabilities import report_sections

    data.extra_sections = {lang: report_sections(database_url, org, lang) for lang in LANGUAGES}
    return data


@dataclass
class Written:
    path: Path
    format: str
    lang: str


def checked_language(lang: str) -> str:
    """``lang`` if the report exists in it, else an error naming the choices (not a traceback)."""
    if lang not in LANGUAGES:
        raise InputError("unsupported language", column="--lang", value=lang, expected=", ".join(LANGUAGES))
    return lang


def write_report(data: ReportData, fmt: str, lang: str, out: Path) -> Written:
    """Write the report as ``fmt`` (html or pdf) in ``lang`` at ``out`` (a file, or a folder)."""
    from sobre.reporting import render

    checked_language(lang)
    if fmt not in FORMATS:
        raise InputError("unknown report format", column="--format", value=fmt, expected=", ".join(FORMATS))
    if out.is_dir():
        out = out / f"diagnostic-{lang}.{fmt}"
    if fmt == "html":
        render.write_html(data, lang, out)
    else:
        render.write_pdf(data, lang, out)
    return Written(out, fmt, lang)
