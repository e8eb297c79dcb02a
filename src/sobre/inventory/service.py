"""Read-side use cases of the inventory: statistics and listings."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import get_engine
from sobre.core.errors import InputError, NotFound

# The dashboard's facts, for other capabilities' pages (written with the inventory's page use cases).
from sobre.inventory.listing import dashboard_facts as dashboard_facts
from sobre.inventory.models import (
    Application,
    ApplicationLink,
    CloudInstance,
    Department,
    DigitalService,
    DigitalServiceApplication,
    Equipment,
    ImportBatch,
    ModelReview,
    Site,
    StorageVolume,
    VirtualMachine,
)
from sobre.inventory.taxonomy import ACTIVE_STATUSES, Status
from sobre.orgs.models import Organisation

_TABLES: dict[str, Any] = {
    "sites": Site,
    "departments": Department,
    "equipment": Equipment,
    "vms": VirtualMachine,
    "cloud_instances": CloudInstance,
    "applications": Application,
    "storage_volumes": StorageVolume,
}


def _org_id(conn: sa.Connection, org: str) -> int:
    found = conn.execute(sa.select(Organisation.id).where(Organisation.name == org)).scalar()
    if found is None:
        raise NotFound(f"no organisation named {org!r}; create it with 'sobre org create NAME'")
    return int(found)


def stats(database_url: str, org: str) -> dict[str, Any]:
    """Counts per table, equipment per category/status/data quality, open model reviews, last imports."""
    with get_engine(database_url).connect() as conn:
        org_id = _org_id(conn, org)
        counts = {
            name: conn.execute(
                sa.select(sa.func.count()).select_from(model).where(model.org_id == org_id)
            ).scalar_one()
            for name, model in _TABLES.items()
        }

        def grouped(column: Any) -> dict[str, dict[str, float]]:
            q = (
                sa.select(column, sa.func.count(), sa.func.sum(Equipment.quantity))
                .where(Equipment.org_id == org_id)
                .group_by(column)
                .order_by(column)
            )
            return {str(k): {"rows": int(n), "quantity": float(q or 0)} for k, n, q in conn.execute(q)}

        reviews = conn.execute(
            sa.select(sa.func.count())
            .select_from(ModelReview)
            .where(ModelReview.org_id == org_id, ModelReview.status == "open")
        ).scalar_one()
        matched = conn.execute(
            sa.select(sa.func.count())
            .select_from(Equipment)
            .where(Equipment.org_id == org_id, Equipment.model_ref.is_not(None))
        ).scalar_one()
        imports = (
            conn.execute(
                sa.select(
                    ImportBatch.file_name,
                    ImportBatch.kind,
                    ImportBatch.format,
                    ImportBatch.inserted,
                    ImportBatch.updated,
                    ImportBatch.rejected,
                    ImportBatch.created_at,
                )
                .where(ImportBatch.org_id == org_id)
                .order_by(ImportBatch.id.desc())
                .limit(5)
            )
            .mappings()
            .all()
        )
        return {
            "organisation": org,
            "counts": counts,
            "equipment_by_category": grouped(Equipment.category),
            "equipment_by_status": grouped(Equipment.status),
            "equipment_by_quality": grouped(Equipment.data_quality),
            "equipment_with_model_ref": matched,
            "open_model_reviews": reviews,
            "last_imports": [dict(r) for r in imports],
        }


def list_equipment(
    database_url: str, org: str, *, category: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Equipment rows (with site and department names), optionally of one category, ordered by name."""
    with get_engine(database_url).connect() as conn:
        org_id = _org_id(conn, org)
        q = (
            sa.select(
                Equipment.name,
                Equipment.category,
                Equipment.type_label,
                Equipment.manufacturer,
                Equipment.model,
                Equipment.model_ref,
                Equipment.quantity,
                Equipment.status,
                Equipment.purchase_date,
                Equipment.country,
                Site.name.label("site"),
                Department.name.label("department"),
                Equipment.data_quality,
            )
            .outerjoin(Site, Site.id == Equipment.site_id)
            .outerjoin(Department, Department.id == Equipment.department_id)
            .where(Equipment.org_id == org_id)
            .order_by(Equipment.name)
        )
        if category:
            q = q.where(Equipment.category == category)
        if limit:
            q = q.limit(limit)
        return [dict(r) for r in conn.execute(q).mappings()]


def list_reviews(database_url: str, org: str) -> list[dict[str, Any]]:
    """Open model reviews: free-text models that matched several references about equally well."""
    with get_engine(database_url).connect() as conn:
        org_id = _org_id(conn, org)
        q = (
            sa.select(ModelReview.manufacturer, ModelReview.model, ModelReview.candidates, ModelReview.items)
            .where(ModelReview.org_id == org_id, ModelReview.status == "open")
            .order_by(ModelReview.model)
        )
        return [dict(r) for r in conn.execute(q).mappings()]


_CRIT_ORDER = ("low", "medium", "high", "critical")


def _highest(*values: str | None) -> str | None:
    known = [v for v in values if v in _CRIT_ORDER]
    return max(known, key=_CRIT_ORDER.index) if known else None


def asset_context(
    database_url: str,
    org: str,
    *,
    equipment_ids: Collection[int] | None = None,
    vm_ids: Collection[int] | None = None,
) -> dict[str, dict[int, dict[str, Any]]]:
    """Equipment and VMs with what supervision needs: capacity, site PUE and *effective* criticality.

    Criticality flows down the links: a digital service's to its applications, an application's to the
    VMs, cloud-free machines it runs on, and a VM's to its host; an item's effective criticality is the
    highest of its own and of everything that runs on it.  Returns ``{"equipment": {id: {...}},
    "vms": {id: {...}}}``.

    With ``equipment_ids`` or ``vm_ids`` only those items are read (with what their criticality rests on:
    the VMs on that equipment, the applications on either), not the whole estate: a list of 200 hosts
    beside 100,000 items reads 200 items.
    """
    only = equipment_ids is not None or vm_ids is not None
    eq_ids = sorted(set(equipment_ids or ()))
    with get_engine(database_url).connect() as conn:
        org_id = _org_id(conn, org)
        vm_stmt = sa.select(
            VirtualMachine.id,
            VirtualMachine.name,
            VirtualMachine.host_id,
            VirtualMachine.vcpu,
            VirtualMachine.ram_gb,
            VirtualMachine.storage_gb,
            VirtualMachine.criticality,
        ).where(VirtualMachine.org_id == org_id)
        if only:
            vm_rows = _in_chunks(conn, vm_stmt, VirtualMachine.id, sorted(set(vm_ids or ())))
            vm_rows += _in_chunks(conn, vm_stmt, VirtualMachine.host_id, eq_ids)  # they raise the host's
        else:
            vm_rows = [dict(r) for r in conn.execute(vm_stmt).mappings()]
        link_stmt = (
            sa.select(ApplicationLink.application_id, ApplicationLink.vm_id, ApplicationLink.equipment_id)
            .join(Application, Application.id == ApplicationLink.application_id)
            .where(Application.org_id == org_id)
        )
        if only:
            links = _in_chunks(conn, link_stmt, ApplicationLink.vm_id, sorted({r["id"] for r in vm_rows}))
            links += _in_chunks(conn, link_stmt, ApplicationLink.equipment_id, eq_ids)
        else:
            links = [dict(r) for r in conn.execute(link_stmt).mappings()]
        app_stmt = sa.select(Application.id, Application.criticality).where(Application.org_id == org_id)
        svc_stmt = (
            sa.select(DigitalServiceApplication.application_id, DigitalService.criticality)
            .join(DigitalService, DigitalService.id == DigitalServiceApplication.service_id)
            .where(DigitalService.org_id == org_id)
        )
        if only:
            app_ids = sorted({r["application_id"] for r in links})
            app_rows = _in_chunks(conn, app_stmt, Application.id, app_ids)
            svc_rows = _in_chunks(conn, svc_stmt, DigitalServiceApplication.application_id, app_ids)
        else:
            app_rows = [dict(r) for r in conn.execute(app_stmt).mappings()]
            svc_rows = [dict(r) for r in conn.execute(svc_stmt).mappings()]
        apps = {r["id"]: r["criticality"] for r in app_rows}
        for r in svc_rows:
            if r["application_id"] in apps:
                apps[r["application_id"]] = _highest(apps[r["application_id"]], r["criticality"])
        on_vm: dict[int, list[str | None]] = {}
        on_eq: dict[int, list[str | None]] = {}
        for r in links:
            if r["vm_id"] is not None:
                on_vm.setdefault(r["vm_id"], []).append(apps.get(r["application_id"]))
            if r["equipment_id"] is not None:
                on_eq.setdefault(r["equipment_id"], []).append(apps.get(r["application_id"]))
        vms: dict[int, dict[str, Any]] = {}
        for r in vm_rows:
            if r["id"] in vms:  # read twice: asked for, and on asked-for equipment
                continue
            item = dict(r)
            item["effective_criticality"] = _highest(r["criticality"], *on_vm.get(r["id"], []))
            vms[r["id"]] = item
            if r["host_id"] is not None:
                on_eq.setdefault(r["host_id"], []).append(item["effective_criticality"])
        eq_stmt = (
            sa.select(
                Equipment.id,
                Equipment.name,
                Equipment.category,
                Equipment.manufacturer,
                Equipment.model,
                Equipment.cpu_threads,
                Equipment.ram_gb,
                Equipment.storage_gb,
                Equipment.power_w,
                Equipment.criticality,
                Site.name.label("site"),
                Site.kind.label("site_kind"),
                Site.pue.label("site_pue"),
            )
            .outerjoin(Site, Site.id == Equipment.site_id)
            .where(Equipment.org_id == org_id)
        )
        eq_rows = (
            _in_chunks(conn, eq_stmt, Equipment.id, eq_ids)
            if only
            else [dict(r) for r in conn.execute(eq_stmt).mappings()]
        )
        equipment: dict[int, dict[str, Any]] = {}
        for r in eq_rows:
            item = dict(r)
            item["effective_criticality"] = _highest(r["criticality"], *on_eq.get(r["id"], []))
            equipment[r["id"]] = item
        return {"equipment": equipment, "vms": vms}


def _in_chunks(conn: sa.Connection, stmt: Any, column: Any, ids: list[int]) -> list[dict[str, Any]]:
    """The rows of ``stmt`` whose ``column`` is one of ``ids``, a few thousand bound values at a time
    (SQLite and PostgreSQL both cap the parameters of one statement)."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), 5_000):
        out += [dict(r) for r in conn.execute(stmt.where(column.in_(ids[i : i + 5_000]))).mappings()]
    return out


#: Equipment fields other capabilities read through :func:`equipment_records` (lifecycle, purchasing).
RECORD_FIELDS = (
    "id",
    "name",
    "external_key",  # names are not unique (GLPI names monitors after their model): this key is
    "category",
    "manufacturer",
    "model",
    "serial",
    "quantity",
    "status",
    "purchase_date",
    "retirement_date",
    "refurbished",
    "user",
)


def equipment_records(
    session: Session, org_id: int, names: list[str] | None = None, ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Equipment rows of an organisation as plain dicts (``RECORD_FIELDS``), optionally only some names or
    ids; for capabilities that follow items through their life without reading the inventory's tables."""
    q = sa.select(*(getattr(Equipment, f) for f in RECORD_FIELDS)).where(Equipment.org_id == org_id)
    if names is not None:
        q = q.where(Equipment.name.in_(names))
    if ids is not None:
        q = q.where(Equipment.id.in_(ids))
    return [dict(r) for r in session.execute(q.order_by(Equipment.name)).mappings()]


def set_equipment_state(
    session: Session,
    org_id: int,
    equipment_id: int,
    *,
    status: str | None = None,
    retirement_date: date | None = None,
    clear_retirement: bool = False,
) -> None:
    """Set an item's status (a ``taxonomy.Status`` value) and retirement date, e.g. when its lifecycle
    events say it was reformed, given away or recycled; the footprint then counts it accordingly."""
    values: dict[str, Any] = {}
    if status is not None:
        if status not in {s.value for s in Status}:
            raise InputError("invalid status", column="status", value=status)
        values["status"] = status
    if retirement_date is not None or clear_retirement:
        values["retirement_date"] = retirement_date
    if values:
        session.execute(
            sa.update(Equipment)
            .where(Equipment.org_id == org_id, Equipment.id == equipment_id)
            .values(**values)
        )


def topology(session: Session, org_id: int) -> list[dict[str, Any]]:
    """Every site, equipment, VM, cloud instance, application and digital service of an organisation as a
    node of the dependency graph: ``{kind, id, name, parents: [(kind, id)], …}`` where parents are what the
    node runs on (equipment → its site, VM → its host, application → its VMs, instances or machines,
    service → its applications).  Nodes carry the facts that incident impact and automation need: users,
    criticality, category, power, PUE, country, capacity."""
    from sobre.inventory.models import ApplicationLink, DigitalService, DigitalServiceApplication

    nodes: list[dict[str, Any]] = []
    for s in session.scalars(sa.select(Site).where(Site.org_id == org_id)):
        nodes.append(
            {
                "kind": "site",
                "id": s.id,
                "name": s.name,
                "parents": [],
                "site_kind": s.kind,
                "pue": s.pue,
                "country": s.country,
                "city": s.city,
            }
        )
    for e in session.scalars(sa.select(Equipment).where(Equipment.org_id == org_id)):
        nodes.append(
            {
                "kind": "equipment",
                "id": e.id,
                "name": e.name,
                "parents": [("site", e.site_id)] if e.site_id else [],
                "category": e.category,
                "criticality": e.criticality,
                "power_w": e.power_w,
                "country": e.country,
                "cpu_threads": e.cpu_threads,
                "ram_gb": e.ram_gb,
                "status": e.status,
                "model": e.model,
                "manufacturer": e.manufacturer,
                "quantity": e.quantity,
            }
        )
    for v in session.scalars(sa.select(VirtualMachine).where(VirtualMachine.org_id == org_id)):
        nodes.append(
            {
                "kind": "vm",
                "id": v.id,
                "name": v.name,
                "parents": [("equipment", v.host_id)] if v.host_id else [],
                "criticality": v.criticality,
                "vcpu": v.vcpu,
                "ram_gb": v.ram_gb,
                "cluster": v.cluster,
            }
        )
    for c in session.scalars(sa.select(CloudInstance).where(CloudInstance.org_id == org_id)):
        nodes.append(
            {
                "kind": "cloud",
                "id": c.id,
                "name": c.name,
                "parents": [],
                "provider": c.provider,
                "region": c.region,
                "country": c.country,
                "instance_type": c.instance_type,
            }
        )
    links: dict[int, list[tuple[str, int]]] = {}
    for link in session.scalars(
        sa.select(ApplicationLink).join(Application).where(Application.org_id == org_id)
    ):
        target = (
            ("vm", link.vm_id)
            if link.vm_id
            else ("cloud", link.cloud_instance_id)
            if link.cloud_instance_id
            else ("equipment", link.equipment_id)
        )
        links.setdefault(link.application_id, []).append(target)  # type: ignore[arg-type]
    for a in session.scalars(sa.select(Application).where(Application.org_id == org_id)):
        nodes.append(
            {
                "kind": "application",
                "id": a.id,
                "name": a.name,
                "environment": a.environment,
                "parents": links.get(a.id, []),
                "users": a.users,
                "criticality": a.criticality,
            }
        )
    apps_of: dict[int, list[tuple[str, int]]] = {}
    for sid, aid in session.execute(
        sa.select(DigitalServiceApplication.service_id, DigitalServiceApplication.application_id)
        .join(DigitalService, DigitalService.id == DigitalServiceApplication.service_id)
        .where(DigitalService.org_id == org_id)
    ):
        apps_of.setdefault(sid, []).append(("application", aid))
    for d in session.scalars(sa.select(DigitalService).where(DigitalService.org_id == org_id)):
        nodes.append(
            {
                "kind": "service",
                "id": d.id,
                "name": d.name,
                "parents": apps_of.get(d.id, []),
                "users": d.users,
                "criticality": d.criticality,
            }
        )
    return nodes


def user_logins(database_url: str, org: str) -> set[str]:
    """Logins of the people who hold equipment still in the organisation (the inventory's users)."""

    with get_engine(database_url).connect() as conn:
        org_id = _org_id(conn, org)
        rows = conn.execute(
            sa.select(Equipment.user)
            .where(
                Equipment.org_id == org_id,
                Equipment.user.is_not(None),
                Equipment.status.in_([str(s) for s in ACTIVE_STATUSES]),
            )
            .distinct()
        )
        return {str(u).strip() for (u,) in rows if str(u).strip()}
