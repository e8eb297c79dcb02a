"""Supervised hosts: declared, created by their agent or mapped from Prometheus, linked to the inventory."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope, write_session
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.orgs import service as orgs
from sobre.orgs.models import Organisation
from sobre.supervision.models import Host

#: Host classes of the power model, and the attributes a technician may set on a host.
HOST_CLASSES = ("server", "vm")
EDITABLE = (
    "equipment",
    "vm",
    "instance",
    "host_class",
    "threads",
    "ram_gb",
    "hdd_gb",
    "ssd_gb",
    "p_idle_w",
    "p_max_w",
    "os_name",
    "os_version",
)
#: Uptime Institute's average on-premise PUE (DESIGN §5), for a data centre whose PUE is not known.
DEFAULT_PUE = 1.58
DEFAULT_PUE_SOURCE = "Uptime Institute global survey average PUE 1.58"
#: A host is down when it has sent nothing for this many of its intervals (at least a minute).
DOWN_AFTER_INTERVALS = 3


def org_id(database_url: str, org: str) -> int:
    with session_scope(database_url) as session:
        return orgs.get(session, org).id


def org_name(database_url: str, oid: int) -> str:
    with get_engine(database_url).connect() as conn:
        name = conn.execute(sa.select(Organisation.name).where(Organisation.id == oid)).scalar()
    if name is None:
        raise NotFound(f"no organisation {oid}")
    return str(name)


def _inventory(
    database_url: str, org: str, hosts: list[Host] | None = None
) -> dict[str, dict[int, dict[str, Any]]]:
    """The inventory context: of the items ``hosts`` are linked to when given, else of the whole estate
    (to find an item by name)."""
    from sobre.inventory import service as inventory

    if hosts is None:
        return inventory.asset_context(database_url, org)
    return inventory.asset_context(
        database_url,
        org,
        equipment_ids={h.equipment_id for h in hosts if h.equipment_id is not None},
        vm_ids={h.vm_id for h in hosts if h.vm_id is not None},
    )


# ---------------------------------------------------------------- hosts


def _host_dict(
    h: Host, now: float, assets: dict[str, dict[int, dict[str, Any]]] | None = None
) -> dict[str, Any]:
    state = "unknown"
    if h.last_seen is not None:
        state = "up" if now - h.last_seen <= max(DOWN_AFTER_INTERVALS * h.interval_s, 60.0) else "down"
    item: dict[str, Any] = {
        "id": h.id,
        "name": h.name,
        "source": h.source,
        "instance": h.instance,
        "state": state,
        "last_seen": None if h.last_seen is None else datetime.fromtimestamp(h.last_seen, UTC).isoformat(),
        "host_class": h.host_class,
        "threads": h.threads,
        "ram_gb": h.ram_gb,
        "hdd_gb": h.hdd_gb,
        "ssd_gb": h.ssd_gb,
        "p_idle_w": h.p_idle_w,
        "p_max_w": h.p_max_w,
        "os_name": h.os_name,
        "os_version": h.os_version,
        "equipment_id": h.equipment_id,
        "vm_id": h.vm_id,
        "equipment": None,
        "vm": None,
        "criticality": None,
    }
    if assets is not None:
        eq = assets["equipment"].get(h.equipment_id) if h.equipment_id else None
        vm = assets["vms"].get(h.vm_id) if h.vm_id else None
        item["equipment"] = eq["name"] if eq else None
        item["vm"] = vm["name"] if vm else None
        item["criticality"] = (vm or eq or {}).get("effective_criticality")
    return item


def _find_asset(assets: dict[str, dict[int, dict[str, Any]]], kind: str, name: str) -> int:
    key = name.strip().lower()
    for asset_id, a in assets[kind].items():
        if a["name"].lower() == key:
            return asset_id
    label = "equipment" if kind == "equipment" else "VM"
    raise NotFound(f"no {label} named {name!r} in the inventory")


def _auto_link(assets: dict[str, dict[int, dict[str, Any]]], name: str) -> tuple[int | None, int | None]:
    """An inventory item whose name is the host's (or its short name): (equipment id, VM id)."""
    names = {name.lower(), name.split(".")[0].lower(), name.split(":")[0].lower()}
    for vm_id, vm in assets["vms"].items():
        if vm["name"].lower() in names:
            return None, vm_id
    for eq_id, eq in assets["equipment"].items():
        if eq["name"].lower() in names:
            return eq_id, None
    return None, None


def _apply(h: Host, fields: dict[str, Any], assets: dict[str, dict[int, dict[str, Any]]]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise SobreError(f"unknown host field(s): {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        if key == "equipment":
            h.equipment_id = _find_asset(assets, "equipment", value) if value else None
        elif key == "vm":
            h.vm_id = _find_asset(assets, "vms", value) if value else None
        elif key == "host_class":
            if value not in HOST_CLASSES:
                raise InputError(
                    "unknown host class", column="host_class", value=value, expected=", ".join(HOST_CLASSES)
                )
            h.host_class = value
        elif (
            key in ("threads", "ram_gb", "hdd_gb", "ssd_gb", "p_idle_w", "p_max_w")
            and value is not None
            and value < 0
        ):
            raise InputError("must not be negative", column=key, value=value)
        else:
            setattr(h, key, value)
    if h.p_idle_w is not None and h.p_max_w is not None and h.p_max_w < h.p_idle_w:
        raise InputError("P_max is below P_idle", column="p_max_w", value=h.p_max_w)


def add_host(
    database_url: str, org: str, name: str, *, source: str = "agent", **fields: Any
) -> dict[str, Any]:
    """Declare a supervised host; links it to the inventory item of the same name unless told otherwise."""
    if not name.strip():
        raise SobreError("a host needs a name")
    assets = _inventory(database_url, org)
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        if session.scalar(sa.select(Host.id).where(Host.org_id == oid, Host.name == name)):
            raise SobreError(f"host {name!r} already exists; change it with 'sobre supervise hosts set'")
        h = Host(org_id=oid, name=name.strip(), source=source, host_class="server", interval_s=15.0)
        if "equipment" not in fields and "vm" not in fields:
            h.equipment_id, h.vm_id = _auto_link(assets, name)
        _apply(h, fields, assets)
        if h.vm_id is not None and "host_class" not in fields:
            h.host_class = "vm"
        _fill_from_inventory(h, assets)
        session.add(h)
        session.flush()
        return _host_dict(h, time.time(), assets)


def _fill_from_inventory(h: Host, assets: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Capacity the inventory knows and the host did not report (threads, memory)."""
    item = (
        assets["vms"].get(h.vm_id)
        if h.vm_id
        else assets["equipment"].get(h.equipment_id)
        if h.equipment_id
        else None
    )
    if not item:
        return
    threads = item.get("vcpu") if h.vm_id else item.get("cpu_threads")
    if h.threads is None and threads:
        h.threads = int(threads)
    if h.ram_gb is None and item.get("ram_gb"):
        h.ram_gb = float(item["ram_gb"])


def update_host(database_url: str, org: str, name: str, **fields: Any) -> dict[str, Any]:
    assets = _inventory(database_url, org)
    with write_session(database_url) as session:
        h = _get_host(session, orgs.get(session, org).id, name)
        _apply(h, fields, assets)
        _fill_from_inventory(h, assets)
        return _host_dict(h, time.time(), assets)


def remove_host(database_url: str, org: str, name: str) -> None:
    with write_session(database_url) as session:
        session.delete(_get_host(session, orgs.get(session, org).id, name))


def _get_host(session: Any, oid: int, name: str) -> Host:
    h = session.scalar(sa.select(Host).where(Host.org_id == oid, Host.name == name))
    if h is None:
        known = session.scalars(
            sa.select(Host.name).where(Host.org_id == oid).order_by(Host.name).limit(10)
        ).all()
        hint = f"; known: {', '.join(known)}" if known else "; add one with 'sobre supervise hosts add'"
        raise NotFound(f"no supervised host named {name!r}{hint}")
    return h


def list_hosts(database_url: str, org: str, *, now: float | None = None) -> list[dict[str, Any]]:
    """Every supervised host with its state (up, down, unknown), inventory link and criticality."""
    now = time.time() if now is None else now
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        hosts = list(session.scalars(sa.select(Host).where(Host.org_id == oid).order_by(Host.name)))
        assets = _inventory(database_url, org, hosts)  # the listed hosts' items only, not the estate
        return [_host_dict(h, now, assets) for h in hosts]


def host_ids(database_url: str, org: str) -> dict[str, int]:
    with get_engine(database_url).connect() as conn:
        oid = org_id(database_url, org)
        return {n: i for n, i in conn.execute(sa.select(Host.name, Host.id).where(Host.org_id == oid))}


# ---------------------------------------------------------------- Prometheus targets


def sync_prometheus_hosts(
    database_url: str, org: str, targets: dict[str, dict[str, Any]], *, now: float | None = None
) -> dict[str, str]:
    """Map each Prometheus ``instance`` to a Sobre host, creating and linking hosts the first time.

    A host already declared with ``--instance`` keeps its name; otherwise the host is named after the
    instance without its port and linked to the inventory item of that name.  Threads and memory come
    from node_exporter.  Returns ``{instance: host name}``.
    """
    assets = None
    out: dict[str, str] = {}
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        hosts = session.scalars(sa.select(Host).where(Host.org_id == oid)).all()
        by_instance = {h.instance: h for h in hosts if h.instance}
        by_name = {h.name: h for h in hosts}
        for instance, metrics in targets.items():
            h = by_instance.get(instance)
            if h is None:
                name = instance.rsplit(":", 1)[0] if instance.count(":") == 1 else instance
                h = by_name.get(name)
                if h is None:
                    if assets is None:
                        assets = _inventory(database_url, org)
                    h = Host(org_id=oid, name=name, source="prometheus", host_class="server", interval_s=15.0)
                    h.equipment_id, h.vm_id = _auto_link(assets, name)
                    if h.vm_id:
                        h.host_class = "vm"
                    session.add(h)
                    by_name[name] = h
                h.instance = instance
                by_instance[instance] = h
            if metrics.get("cpu_threads"):
                h.threads = int(metrics["cpu_threads"])
            if metrics.get("memory_total_bytes"):
                h.ram_gb = round(metrics["memory_total_bytes"] / 2**30, 2)
            if metrics.get("up"):
                h.last_seen = time.time() if now is None else now
            out[instance] = h.name
    return out
