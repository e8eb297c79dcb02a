"""The scans and findings as the pages and the API list them: sorted, filtered and paged in the database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError
from sobre.datasobriety.models import DataFinding, DataScan
from sobre.datasobriety.service import MAX_ID, STORED_KIND, _factors, _savings, _scan, _scan_dict
from sobre.orgs import service as orgs

#: Sort keys of the scan list → columns.
SCAN_SORTS = {"date": DataScan.id, "root": DataScan.root, "files": DataScan.files, "bytes": DataScan.bytes}
#: Sort keys of a findings list → columns ("modified": the last modification, oldest first ascending).
FINDING_SORTS = {
    "size": DataFinding.size,
    "modified": DataFinding.mtime,
    "path": DataFinding.path,
    "owner": DataFinding.owner,
}
#: Sort keys of the duplicate groups → expressions of the grouped query.
_reclaimable = (sa.func.max(DataFinding.size) * (sa.func.count() - 1)).label("reclaimable")
GROUP_SORTS = {
    "reclaimable": _reclaimable,
    "size": sa.func.max(DataFinding.size),
    "copies": sa.func.count(),
    "path": sa.func.min(DataFinding.path),
    "modified": sa.func.min(DataFinding.mtime),
}


def _ordered(stmt: Any, columns: dict[str, Any], sort: str, tie: Any) -> Any:
    """``stmt`` sorted by ``sort`` (a key of ``columns``, ``-`` first for descending), then by ``tie``."""
    key = sort.lstrip("-")
    if key not in columns:
        raise InputError("unknown sort", column="sort", value=sort, expected=", ".join(columns))
    column = columns[key]
    return stmt.order_by(column.desc() if sort.startswith("-") else column.asc(), tie)


def get_scan(session: Session, org: str, scan_id: int) -> dict[str, Any]:
    """A recorded scan: its totals, storage parameters, unreadable and skipped entries, and savings."""
    scan = _scan(session, org, scan_id)
    summary = scan.summary
    factors = _factors(session, scan.org_id)
    return {
        **_scan_dict(scan),
        "skipped": summary.get("skipped", {}),
        "unreadable": summary.get("unreadable", []),
        "unreadable_count": summary.get("unreadable_count", len(summary.get("unreadable", []))),
        "unverified": summary.get("unverified", []),
        "unverified_count": summary.get("unverified_count", len(summary.get("unverified", []))),
        "options": summary.get("options", {}),
        "savings": _savings(session, scan, factors),
        #: The factor set's criteria (code, label_en, label_fr, unit), in its order.
        "criteria": list(factors.criteria.iter_rows(named=True)),
        "factor_set": f"{factors.id} {factors.version}",
    }


def scans_query(session: Session, org: str, sort: str = "-date") -> Any:
    """The organisation's scans as a SELECT (the caller paginates it), sorted by a key of SCAN_SORTS."""
    org_id = orgs.get(session, org).id
    stmt = sa.select(DataScan).where(DataScan.org_id == org_id)
    return _ordered(stmt, SCAN_SORTS, sort, DataScan.id.desc())


def scan_row(s: DataScan) -> dict[str, Any]:
    """One row of the scan list."""
    return _scan_dict(s)


def findings_query(
    session: Session,
    org: str,
    scan_id: int,
    kind: str,
    *,
    sort: str = "-size",
    group: int | None = None,
    folder: str | None = None,
    owner: str | None = None,
) -> Any:
    """Findings of one kind of a scan as a SELECT of DataFinding (paginated by the caller).

    ``group`` keeps the copies of one duplicate group, ``folder`` the files below a folder (a path
    prefix), ``owner`` one owner's files.
    """
    if kind not in STORED_KIND:
        raise InputError("unknown finding kind", column="kind", value=kind, expected=", ".join(STORED_KIND))
    scan = _scan(session, org, scan_id)
    stmt = sa.select(DataFinding).where(DataFinding.scan_id == scan.id, DataFinding.kind == STORED_KIND[kind])
    if group is not None:
        stmt = stmt.where(DataFinding.group_no == min(max(group, 0), MAX_ID))
    stmt = _below(stmt, folder)
    if owner:
        stmt = stmt.where(DataFinding.owner == owner)
    return _ordered(stmt, FINDING_SORTS, sort, DataFinding.id)


def _prefix(folder: str | None) -> str:
    """A folder as typed (``\\`` or ``/`` separators) as a prefix ending in ``/`` (blank or ``/``: "")."""
    inner = (folder or "").replace("\\", "/").strip().strip("/")
    return inner + "/" if inner else ""


def _below(stmt: Any, folder: str | None) -> Any:
    """``stmt`` kept to the findings below ``folder``, its ``%`` and ``_`` taken literally."""
    prefix = _prefix(folder)
    return stmt.where(DataFinding.path.startswith(prefix, autoescape=True)) if prefix else stmt


def groups_query(
    session: Session, org: str, scan_id: int, *, sort: str = "-reclaimable", folder: str | None = None
) -> Any:
    """The duplicate groups of a scan as rows (group, size, copies, reclaimable, first path, oldest mtime).

    ``folder`` keeps the groups with a copy below that folder (their other copies still count).
    """
    scan = _scan(session, org, scan_id)
    stmt = (
        sa.select(
            DataFinding.group_no.label("group"),
            sa.func.max(DataFinding.size).label("size"),
            sa.func.count().label("copies"),
            _reclaimable,
            sa.func.min(DataFinding.path).label("first_path"),
            sa.func.min(DataFinding.mtime).label("oldest"),
        )
        .where(DataFinding.scan_id == scan.id, DataFinding.kind == "duplicate")
        .group_by(DataFinding.group_no)
    )
    if _prefix(folder):
        inside = sa.select(DataFinding.group_no).where(
            DataFinding.scan_id == scan.id, DataFinding.kind == "duplicate"
        )
        stmt = stmt.where(DataFinding.group_no.in_(_below(inside, folder)))
    return _ordered(stmt, GROUP_SORTS, sort, DataFinding.group_no)


def group_files(
    session: Session, scan_id: int, groups: Iterable[int], per_group: int | None = None
) -> dict[int, list[DataFinding]]:
    """The copies of some duplicate groups (the first ``per_group`` of each, by path)."""
    wanted = list(groups)
    out: dict[int, list[DataFinding]] = {g: [] for g in wanted}
    if not wanted:
        return out
    rows = session.scalars(
        sa.select(DataFinding)
        .where(
            DataFinding.scan_id == scan_id,
            DataFinding.kind == "duplicate",
            DataFinding.group_no.in_(wanted),
        )
        .order_by(DataFinding.group_no, DataFinding.path)
    )
    for row in rows:
        files = out[row.group_no or 0]
        if per_group is None or len(files) < per_group:
            files.append(row)
    return out


def finding_row(row: DataFinding, as_of: datetime) -> dict[str, Any]:
    """A finding as the pages, the API and the exports show it (dates in UTC, age in days)."""
    at = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    return {
        "id": row.id,
        "kind": row.kind,
        "path": row.path,
        "size": row.size,
        "mtime": datetime.fromtimestamp(row.mtime, UTC).isoformat(),
        "age_days": round((at.timestamp() - row.mtime) / 86400, 1),
        "owner": row.owner,
        "group": row.group_no,
        "reason": row.reason,
        "hard_links": (row.links or "").splitlines(),
    }


def iter_findings(
    session: Session,
    org: str,
    scan_id: int,
    kind: str | None = None,
    *,
    folder: str | None = None,
    owner: str | None = None,
) -> Iterable[dict]:
    """Every finding of a scan (or of one kind, below a folder, of an owner), for exports: rows read in
    batches, never all at once."""
    scan = _scan(session, org, scan_id)
    stmt = sa.select(DataFinding).where(DataFinding.scan_id == scan.id)
    if kind is not None:
        if kind not in STORED_KIND:
            raise InputError(
                "unknown finding kind", column="kind", value=kind, expected=", ".join(STORED_KIND)
            )
        stmt = stmt.where(DataFinding.kind == STORED_KIND[kind])
    stmt = _below(stmt, folder)
    if owner:
        stmt = stmt.where(DataFinding.owner == owner)
    stmt = stmt.order_by(DataFinding.kind, DataFinding.group_no, DataFinding.path)
    for row in session.scalars(stmt.execution_options(yield_per=5000)):
        yield finding_row(row, scan.as_of)
