"""Scenario changes that act on where things run and what is stored, and the part of the estate a scenario
re-runs (pure: Polars frames in, engine changes out).

- ``move_to_site``: VMs (by name), the VMs and servers of applications (by name) or every VM hosted at a
  site move to a target site (``sobre.footprint.engine.changes.MoveToSite`` says what moves physically).
- ``delete_data``: a volume of data (GB or TB, one copy) or a share of the stored data of named volumes, of
  an application's volumes, or of every volume (pro rata of their stored GB when where the data lives is
  not known, e.g. a ROT finding of a file share) is deleted (``DeleteStoredData``).

:func:`scope` is the inventory the engine re-runs for a scenario: the touched equipment and volumes, the VMs
on those hosts, the applications linked to any of them and everything those applications run on (so an
application's figure is whole), with the hosts of those VMs and all their VMs (so VM shares are whole).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

from sobre.core.errors import InputError
from sobre.footprint.engine.changes import Change, DeleteStoredData, MoveToSite
from sobre.footprint.engine.frames import conform
from sobre.footprint.schema import APP_LINKS, APPLICATIONS, CLOUD, STORAGE, VMS, Inventory

#: Decimal units, as storage is sold and billed: 1 TB = 1,000 GB.
GB_PER_TB = 1000.0


def names(value: str) -> list[str]:
    """A list of names typed as ``a, b; c`` (order kept, duplicates dropped)."""
    return list(dict.fromkeys(n.strip() for n in re.split(r"[,;]", value) if n.strip()))


def _in(column: str, ids: Iterable[int]) -> pl.Expr:
    """``column`` is one of ``ids`` (a typed Series: a large set is not converted value by value)."""
    return pl.col(column).is_in(pl.Series(list(ids), dtype=pl.Int64).implode())


def _ids(frame: pl.DataFrame, column: str = "id") -> set[int]:
    return {int(i) for i in frame[column].drop_nulls().to_list()}


def _by_name(frame: pl.DataFrame, wanted: list[str], column: str) -> pl.DataFrame:
    """The rows of ``frame`` named in ``wanted``, or an InputError naming the first unknown one."""
    found = frame.filter(pl.col("name").is_in(wanted))
    missing = [n for n in wanted if n not in set(found["name"].to_list())]
    if missing:
        known = sorted(frame["name"].drop_nulls().unique().to_list())
        raise InputError.keyed(
            "st.refuse.no_such_name",
            what=column.rstrip("s"),
            column=column,
            value=missing[0],
            expected=", ".join(known[:10]) or "none in the inventory",
        )
    return found


def site_row(sites: pl.DataFrame, name: str, column: str) -> tuple[int, str | None]:
    """(id, country) of the site called ``name``, or an InputError listing the sites."""
    row = _by_name(sites, [name], column).row(0, named=True)
    return int(row["id"]), row["country"]


def move(inventory: Inventory, counted: pl.DataFrame, p: Mapping[str, Any]) -> list[Change]:
    """``move_to_site``: the VMs and servers selected, on counted equipment, and the volumes on no
    equipment of the applications or the site selected.  Cloud instances and cloud storage of an
    application stay with their provider."""
    site_id, country = site_row(inventory.sites, p["to_site"], "to_site")
    vms = conform(inventory.vms, VMS)
    links = conform(inventory.app_links, APP_LINKS)
    loose = conform(inventory.storage, STORAGE).filter(pl.col("equipment_id").is_null())
    vm_ids: set[int] = set()
    eq_ids: set[int] = set()
    volumes: set[int] = set()
    if "vms" in p:
        vm_ids |= _ids(_by_name(vms, names(p["vms"]), "vms"))
    if "applications" in p:
        apps = _by_name(
            conform(inventory.applications, APPLICATIONS), names(p["applications"]), "applications"
        )
        linked = links.filter(_in("application_id", _ids(apps)))
        vm_ids |= _ids(linked, "vm_id")
        eq_ids |= _ids(linked, "equipment_id")
        volumes |= _ids(loose.filter(_in("application_id", _ids(apps))))
    if "from_site" in p:
        from_id, _ = site_row(inventory.sites, p["from_site"], "from_site")
        there = _ids(counted.filter(pl.col("site_id") == from_id))
        vm_ids |= _ids(vms.filter(_in("host_id", there)))
        eq_ids |= there & _ids(links, "equipment_id")
        volumes |= _ids(loose.filter(pl.col("site_id") == from_id))
    # Only what runs on counted equipment (where it is when the move comes is the engine change's
    # business: an earlier change may have moved it).
    vm_ids = _ids(vms.filter(_in("id", vm_ids) & pl.col("host_id").is_in(counted["id"].implode())))
    eq_ids = _ids(counted.filter(_in("id", eq_ids)))
    if not vm_ids and not eq_ids and not volumes:
        return []
    return [MoveToSite(site_id, country, frozenset(vm_ids), frozenset(eq_ids), frozenset(volumes))]


def delete(inventory: Inventory, p: Mapping[str, Any]) -> list[Change]:
    """``delete_data``: the GB deleted from each volume selected, pro rata of its stored GB (used, else
    capacity); an InputError when the selection holds less than the volume deleted."""
    st = conform(inventory.storage, STORAGE)
    if "volume" in p:
        st = _by_name(st, names(p["volume"]), "volume")
    elif "application" in p:
        app = _by_name(conform(inventory.applications, APPLICATIONS), [p["application"]], "application")
        st = st.filter(_in("application_id", _ids(app)))
        if st.height == 0:
            raise InputError.keyed("st.refuse.app_no_volume", column="application", value=p["application"])
    stored = st.select("id", pl.coalesce("used_gb", "capacity_gb").alias("gb")).filter(pl.col("gb") > 0)
    total = float(stored["gb"].sum() or 0.0)
    if total <= 0:
        raise InputError.keyed(
            "st.refuse.no_stored_data",
            column="volume",
            value=str(p.get("volume") or p.get("application") or ""),
            expected="storage volumes with used_gb or capacity_gb in the inventory",
        )
    if "share" in p:
        gb, column = float(p["share"]) * total, "share"
    elif "tb" in p:
        gb, column = float(p["tb"]) * GB_PER_TB, "tb"
    else:
        gb, column = float(p["gb"]), "gb"
    if gb > total * (1 + 1e-9):
        raise InputError.keyed(
            "st.refuse.more_than_stored",
            column=column,
            value=str(p[column]),
            expected=f"≤ {total:,.1f} GB",
        )
    return [DeleteStoredData({int(i): gb * float(g) / total for i, g in stored.iter_rows()})]


def scope(inventory: Inventory, equipment: Iterable[int], volumes: Iterable[int]) -> Inventory:
    """The part of ``inventory`` to re-run for the touched ``equipment`` and ``volumes`` (module notes)."""
    vms = conform(inventory.vms, VMS)
    links = conform(inventory.app_links, APP_LINKS)
    hosts = set(equipment)
    vm_ids = _ids(vms.filter(_in("host_id", hosts)))
    on = _in("vm_id", vm_ids) | _in("equipment_id", hosts)
    apps = _ids(links.filter(on), "application_id")
    links = links.filter(_in("application_id", apps))
    if apps:
        linked_vms = vms.filter(_in("id", _ids(links, "vm_id")))
        hosts |= _ids(links, "equipment_id") | _ids(linked_vms, "host_id")
        vm_ids = _ids(vms.filter(_in("host_id", hosts)))
    storage = conform(inventory.storage, STORAGE).filter(_in("equipment_id", hosts) | _in("id", volumes))
    return Inventory(
        sites=inventory.sites,
        departments=inventory.departments,
        equipment=inventory.equipment.filter(_in("id", hosts)),
        vms=vms.filter(_in("id", vm_ids)),
        cloud=conform(inventory.cloud, CLOUD).filter(_in("id", _ids(links, "cloud_instance_id"))),
        applications=conform(inventory.applications, APPLICATIONS).filter(_in("id", apps)),
        app_links=links,
        storage=storage,
    )


__all__ = ["GB_PER_TB", "delete", "move", "names", "scope", "site_row"]
