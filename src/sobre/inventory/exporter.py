"""Exporting an organisation's inventory in Sobre's own format (CSV, XLSX or JSON).

The columns are the import format's (``mappings.SOBRE_COLUMNS``), so an export re-imports losslessly.
Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or CR)
are prefixed with ``'`` in CSV and XLSX; the importer removes that prefix again.  JSON is plain data.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sobre.core.db import get_engine
from sobre.core.errors import InputError, NotFound
from sobre.inventory.mappings import KINDS, SOBRE_COLUMNS
from sobre.inventory.models import (
    Application,
    ApplicationLink,
    CloudInstance,
    Department,
    Equipment,
    Site,
    StorageVolume,
    VirtualMachine,
)
from sobre.orgs.models import Organisation

EXPORT_FORMATS = ("csv", "xlsx", "json")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix ``'`` to text a spreadsheet would treat as a formula (CSV/formula injection)."""
    return "'" + value if value.startswith(_DANGEROUS) else value


def _query(kind: str, org_id: int) -> Any:
    dept = sa.orm.aliased(Department)
    if kind == "equipment":
        site = sa.orm.aliased(Site)
        cols = [getattr(Equipment, c) for c in SOBRE_COLUMNS[kind] if c not in ("site", "department")]
        return (
            sa.select(*cols, site.name.label("site"), dept.name.label("department"))
            .outerjoin(site, site.id == Equipment.site_id)
            .outerjoin(dept, dept.id == Equipment.department_id)
            .where(Equipment.org_id == org_id)
            .order_by(Equipment.name)
        )
    if kind == "vm":
        host = sa.orm.aliased(Equipment)
        cols = [getattr(VirtualMachine, c) for c in SOBRE_COLUMNS[kind] if c not in ("host", "department")]
        return (
            sa.select(*cols, host.name.label("host"), dept.name.label("department"))
            .outerjoin(host, host.id == VirtualMachine.host_id)
            .outerjoin(dept, dept.id == VirtualMachine.department_id)
            .where(VirtualMachine.org_id == org_id)
            .order_by(VirtualMachine.name)
        )
    if kind == "cloud":
        cols = [getattr(CloudInstance, c) for c in SOBRE_COLUMNS[kind] if c != "department"]
        return (
            sa.select(*cols, dept.name.label("department"))
            .outerjoin(dept, dept.id == CloudInstance.department_id)
            .where(CloudInstance.org_id == org_id)
            .order_by(CloudInstance.name)
        )
    if kind == "application":
        vm, cloud, eq = (
            sa.orm.aliased(VirtualMachine),
            sa.orm.aliased(CloudInstance),
            sa.orm.aliased(Equipment),
        )
        cols = [
            getattr(Application, c)
            for c in ("name", "environment", "domain", "subdomain", "users", "data_quality")
        ]
        return (
            sa.select(
                *cols,
                dept.name.label("department"),
                vm.name.label("vm"),
                cloud.name.label("cloud_instance"),
                eq.name.label("equipment"),
            )
            .outerjoin(dept, dept.id == Application.department_id)
            .outerjoin(ApplicationLink, ApplicationLink.application_id == Application.id)
            .outerjoin(vm, vm.id == ApplicationLink.vm_id)
            .outerjoin(cloud, cloud.id == ApplicationLink.cloud_instance_id)
            .outerjoin(eq, eq.id == ApplicationLink.equipment_id)
            .where(Application.org_id == org_id)
            .order_by(Application.name, Application.environment, vm.name, cloud.name, eq.name)
        )
    if kind == "site":
        return (
            sa.select(*[getattr(Site, c) for c in SOBRE_COLUMNS[kind]])
            .where(Site.org_id == org_id)
            .order_by(Site.name)
        )
    if kind == "storage":
        eq, site, app = sa.orm.aliased(Equipment), sa.orm.aliased(Site), sa.orm.aliased(Application)
        cols = [
            getattr(StorageVolume, c)
            for c in ("name", "kind", "media", "capacity_gb", "used_gb", "replicas", "data_quality")
        ]
        return (
            sa.select(
                *cols,
                eq.name.label("equipment"),
                site.name.label("site"),
                app.name.label("application"),
                dept.name.label("department"),
            )
            .outerjoin(eq, eq.id == StorageVolume.equipment_id)
            .outerjoin(site, site.id == StorageVolume.site_id)
            .outerjoin(app, app.id == StorageVolume.application_id)
            .outerjoin(dept, dept.id == StorageVolume.department_id)
            .where(StorageVolume.org_id == org_id)
            .order_by(StorageVolume.name)
        )
    return (
        sa.select(Department.name, Department.headcount)
        .where(Department.org_id == org_id)
        .order_by(Department.name)
    )


def rows(database_url: str, org: str, kind: str) -> list[dict[str, Any]]:
    """The inventory rows of ``kind`` as dicts in Sobre's format (names for references)."""
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}", expected=", ".join(KINDS))
    with get_engine(database_url).connect() as conn:
        org_id = conn.execute(sa.select(Organisation.id).where(Organisation.name == org)).scalar()
        if org_id is None:
            raise NotFound(f"no organisation named {org!r}")
        result = conn.execute(_query(kind, org_id)).mappings().all()
    order = SOBRE_COLUMNS[kind]
    return [{c: r[c] for c in order} for r in result]


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return repr(value)  # numbers are never formulas; repr round-trips floats exactly
    return neutralise(str(value))


def _finite(value: object) -> object:
    """Numbers that are not finite never leave Sobre (the importer refuses them; this is a last guard)."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def export(database_url: str, org: str, kind: str, fmt: str, path: Path) -> int:
    """Write the ``kind`` rows of ``org`` to ``path`` as csv, xlsx or json.  Returns the number of rows.

    The file is written beside under a temporary name and renamed at the end: an interrupted export
    never leaves half a file where the previous one was.
    """
    if fmt not in EXPORT_FORMATS:
        raise InputError(
            "unknown export format", column="--format", value=fmt, expected=", ".join(EXPORT_FORMATS)
        )
    data = [{c: _finite(v) for c, v in r.items()} for r in rows(database_url, org, kind)]
    columns = SOBRE_COLUMNS[kind]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        if fmt == "json":
            text = json.dumps(data, ensure_ascii=False, indent=1, default=str, allow_nan=False)
            tmp.write_text(text, encoding="utf-8")
        elif fmt == "csv":
            # BOM so that Excel opens UTF-8 correctly; ";" so that French Excel splits the columns.
            with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
                writer.writerow(columns)
                writer.writerows([_text(r[c]) for c in columns] for r in data)
        else:
            from openpyxl import Workbook

            book = Workbook(write_only=True)
            sheet = book.create_sheet(kind)
            sheet.append(columns)
            for r in data:
                sheet.append([neutralise(v) if isinstance(v, str) else v for v in (r[c] for c in columns)])
            book.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return len(data)
