"""Use cases of data sobriety: run and record scans, read findings with their savings, policies, the plan.

The CLI, the pages and the API call these; they read other capabilities only through their public
functions (organisations, the inventory's users, the footprint's factor sets).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.core.estimate import Estimate
from sobre.datasobriety import rot, storage
from sobre.datasobriety.models import DataFinding, DataPolicy, DataScan
from sobre.datasobriety.plan import PlanItem, Policy, build_plan, default_policies
from sobre.datasobriety.rot import DuplicateFile, DuplicateGroup, Findings, Item
from sobre.orgs import service as orgs

#: Finding kinds as stored, per Findings list.
_STORED = {
    "obsolete": "obsolete",
    "trivial": "trivial",
    "empty": "empty",
    "orphans": "orphan",
    "retention": "retention",
}
#: Finding kinds as the CLI and the pages name them → as stored.
STORED_KIND = {
    "duplicates": "duplicate",
    "obsolete": "obsolete",
    "trivial": "trivial",
    "empty": "empty",
    "orphans": "orphan",
    "retention": "retention",
}
#: Beyond this many rows a scan keeps its totals only (a listing of billions of objects).
MAX_ROWS = 2_000_000
SORTS = ("size", "age", "path")


# ------------------------------------------------------------------ recording scans


def record_scan(
    session: Session,
    org: str,
    findings: Findings,
    params: storage.StorageParams,
    *,
    options: dict[str, Any] | None = None,
    totals: dict[str, Any] | None = None,
    rows_complete: bool = True,
) -> int:
    """Store a scan and its findings rows; returns the scan id.

    ``totals`` may come from Spark; ``rows_complete`` False means the findings rows were written elsewhere
    (Parquet) and only the totals are kept.
    """
    org_id = orgs.get(session, org).id
    doc = rot.to_json(findings)
    rows = _rows(findings)
    stored = rows_complete and len(rows) <= MAX_ROWS
    scan = DataScan(
        org_id=org_id,
        root=findings.root,
        source=findings.source,
        as_of=findings.as_of,
        obsolete_after=findings.obsolete_after,
        files=findings.files,
        bytes=findings.bytes,
        storage=params.to_dict(),
        summary={
            "totals": totals or doc["totals"],
            "skipped": findings.skipped,
            "unreadable": findings.unreadable[:1000],
            "unreadable_count": len(findings.unreadable),
            "unverified": findings.unverified[:1000],
            "unverified_count": len(findings.unverified),
            "options": options or {},
        },
        rows_stored=stored,
    )
    session.add(scan)
    session.flush()
    if stored and rows:
        for row in rows:
            row["scan_id"] = scan.id
        for start in range(0, len(rows), 10_000):
            session.execute(sa.insert(DataFinding), rows[start : start + 10_000])
    return scan.id


def _rows(findings: Findings) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for n, g in enumerate(findings.duplicate_groups, 1):
        for f in g.files:
            rows.append(
                {
                    "kind": "duplicate",
                    "path": f.path,
                    "size": g.size,
                    "mtime": f.mtime,
                    "owner": f.owner,
                    "group_no": n,
                    "digest": g.digest,
                    "reason": None,
                    "links": "\n".join(f.links) or None,
                }
            )
    for attr, kind in _STORED.items():
        for i in getattr(findings, attr) or []:
            rows.append(
                {
                    "kind": kind,
                    "path": i.path,
                    "size": i.size,
                    "mtime": i.mtime,
                    "owner": i.owner,
                    "group_no": None,
                    "digest": None,
                    "reason": i.reason or None,
                    "links": None,
                }
            )
    return rows


#: Row ids are 32-bit integers: anything larger names no row (and SQLite cannot even bind it).
MAX_ID = 2**31 - 1


def _scan(session: Session, org: str, scan_id: int | None) -> DataScan:
    if scan_id is not None and not 0 < scan_id <= MAX_ID:
        raise NotFound(f"no scan {scan_id} in this organisation")
    org_id = orgs.get(session, org).id
    q = sa.select(DataScan).where(DataScan.org_id == org_id)
    q = q.where(DataScan.id == scan_id) if scan_id else q.order_by(DataScan.id.desc()).limit(1)
    found = session.scalar(q)
    if found is None:
        raise NotFound(
            f"no scan {scan_id} in this organisation"
            if scan_id
            else "no scan yet for this organisation; run 'sobre data scan PATH --org ORG'"
        )
    return found


def load_findings(session: Session, org: str, scan_id: int | None = None) -> tuple[DataScan, Findings]:
    """A stored scan's findings, rebuilt (the plan and the pages start from them)."""
    scan = _scan(session, org, scan_id)
    as_of = scan.as_of if scan.as_of.tzinfo else scan.as_of.replace(tzinfo=UTC)
    f = Findings(
        root=scan.root,
        as_of=as_of,
        obsolete_after=scan.obsolete_after,
        source=scan.source,
        files=scan.files,
        bytes=scan.bytes,
    )
    f.skipped = dict(scan.summary.get("skipped", {}))
    f.unreadable = list(scan.summary.get("unreadable", []))
    f.unverified = list(scan.summary.get("unverified", []))
    totals = scan.summary.get("totals", {})
    f.orphans = None if (totals.get("orphans") or {}).get("count") is None else []
    groups: dict[int, list[DataFinding]] = {}
    for row in session.scalars(
        sa.select(DataFinding).where(DataFinding.scan_id == scan.id).order_by(DataFinding.path)
    ):
        if row.kind == "duplicate":
            groups.setdefault(row.group_no or 0, []).append(row)
            continue
        attr = {v: k for k, v in _STORED.items()}[row.kind]
        items = getattr(f, attr)
        items.append(Item(row.path, row.size, row.mtime, row.owner, row.reason or ""))
    f.duplicate_groups = rot.sort_groups(
        DuplicateGroup(
            members[0].size,
            members[0].digest or "",
            tuple(
                DuplicateFile(m.path, m.mtime, m.owner, tuple((m.links or "").splitlines())) for m in members
            ),
        )
        for members in groups.values()
    )
    return scan, f


def list_scans(session: Session, org: str) -> list[dict[str, Any]]:
    org_id = orgs.get(session, org).id
    scans = session.scalars(sa.select(DataScan).where(DataScan.org_id == org_id).order_by(DataScan.id))
    return [_scan_dict(s) for s in scans]


def _scan_dict(s: DataScan) -> dict[str, Any]:
    return {
        "id": s.id,
        "root": s.root,
        "source": s.source,
        "as_of": s.as_of.isoformat(),
        "obsolete_after": s.obsolete_after,
        "files": s.files,
        "bytes": s.bytes,
        "totals": s.summary.get("totals", {}),
        "storage": s.storage,
        "rows_stored": s.rows_stored,
        "created_at": s.created_at.isoformat(),
    }


# ------------------------------------------------------------------ findings and savings


def _params(scan: DataScan) -> storage.StorageParams:
    p = scan.storage
    return storage.StorageParams(
        media=p["media"],
        replicas=p["replicas"],
        backups=p["backups"],
        country=p["country"],
        pue=p.get("pue"),
        given=frozenset(p.get("given", [])),
    )


def _factors(session: Session, org_id: int) -> Any:
    from sobre.footprint.factors.store import load_factor_set

    return load_factor_set(session, org_id=org_id)


@dataclass
class FindingsView:
    """What a findings page shows: the scan, the rows of one kind (sorted) and each kind's savings."""

    scan: dict[str, Any]
    kind: str | None
    rows: list[dict[str, Any]]
    total_rows: int
    #: kind → {"count", "bytes", "footprint": {criterion: Estimate}} (footprint of a year of keeping them).
    savings: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scan": self.scan,
            "kind": self.kind,
            "rows": self.rows,
            "total_rows": self.total_rows,
            "savings": {
                k: {**v, "footprint": {c: asdict(e) for c, e in v["footprint"].items()}}
                for k, v in self.savings.items()
            },
        }


def findings(
    session: Session,
    org: str,
    *,
    scan_id: int | None = None,
    kind: str | None = None,
    sort: str = "size",
    limit: int | None = 50,
) -> FindingsView:
    """Findings of a scan (the latest by default), of one kind or all, sorted, with their savings."""
    if sort not in SORTS:
        raise InputError("unknown sort", column="--sort", value=sort, expected=", ".join(SORTS))
    if kind is not None and kind not in STORED_KIND:
        raise InputError("unknown finding kind", column="--kind", value=kind, expected=", ".join(STORED_KIND))
    scan = _scan(session, org, scan_id)
    q = sa.select(DataFinding).where(DataFinding.scan_id == scan.id)
    if kind:
        q = q.where(DataFinding.kind == STORED_KIND[kind])
    order = {
        "size": (DataFinding.size.desc(), DataFinding.path),
        "age": (DataFinding.mtime, DataFinding.path),
        "path": (DataFinding.path,),
    }[sort]
    total = session.scalar(sa.select(sa.func.count()).select_from(q.subquery())) or 0
    q = q.order_by(DataFinding.kind, *order) if not kind else q.order_by(*order)
    if limit:
        q = q.limit(limit)
    as_of = scan.as_of.timestamp()
    rows = [
        {
            "kind": r.kind,
            "path": r.path,
            "size": r.size,
            "age_days": round((as_of - r.mtime) / 86400, 1),
            "mtime": datetime.fromtimestamp(r.mtime, UTC).isoformat(),
            "owner": r.owner,
            "group": r.group_no,
            "reason": r.reason,
            "hard_links": (r.links or "").splitlines(),
        }
        for r in session.scalars(q)
    ]
    return FindingsView(_scan_dict(scan), kind, rows, int(total), _savings(session, scan))


def _savings(session: Session, scan: DataScan, factors: Any = None) -> dict[str, dict[str, Any]]:
    """Per finding kind: count, bytes and the yearly footprint of keeping those bytes (per criterion)."""
    factors = factors if factors is not None else _factors(session, scan.org_id)
    params = _params(scan)
    savings = {}
    for name, t in scan.summary.get("totals", {}).items():
        size = t.get("bytes")
        savings[name] = {
            "count": t.get("count"),
            "bytes": size,
            "footprint": storage.footprint(size, params, factors).impacts if size is not None else {},
        }
    return savings


# ------------------------------------------------------------------ policies


def _policy(row: DataPolicy) -> Policy:
    return Policy(
        category=row.category,
        retention=row.retention,
        action=row.action,
        patterns=tuple(p for p in row.patterns.split(";") if p),
        description=row.description or "",
        legal_basis=row.legal_basis or "",
        source=row.source or "",
    )


def list_policies(session: Session, org: str) -> list[Policy]:
    org_id = orgs.get(session, org).id
    rows = session.scalars(sa.select(DataPolicy).where(DataPolicy.org_id == org_id).order_by(DataPolicy.id))
    return [_policy(r) for r in rows]


def set_policy(session: Session, org: str, policy: Policy) -> Policy:
    """Add or replace the organisation's policy for ``policy.category``."""
    org_id = orgs.get(session, org).id
    row = session.scalar(
        sa.select(DataPolicy).where(DataPolicy.org_id == org_id, DataPolicy.category == policy.category)
    )
    if row is None:
        row = DataPolicy(org_id=org_id, category=policy.category)
        session.add(row)
    row.retention, row.action, row.patterns = policy.retention, policy.action, ";".join(policy.patterns)
    row.description, row.legal_basis, row.source = policy.description, policy.legal_basis, policy.source
    session.flush()
    return _policy(row)


def remove_policy(session: Session, org: str, category: str) -> None:
    org_id = orgs.get(session, org).id
    done = session.execute(
        sa.delete(DataPolicy).where(DataPolicy.org_id == org_id, DataPolicy.category == category)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no retention policy for category {category!r}")


def install_default_policies(
    session: Session, org: str, categories: Iterable[str] | None = None
) -> list[Policy]:
    """Copy Sobre's catalogue (all, or the categories named) into the organisation's policies."""
    wanted = set(categories) if categories else None
    catalogue = {p.category: p for p in default_policies()}
    if wanted and wanted - set(catalogue):
        raise SobreError(
            f"unknown default categories: {', '.join(sorted(wanted - set(catalogue)))}; "
            f"known: {', '.join(catalogue)}"
        )
    return [set_policy(session, org, p) for c, p in catalogue.items() if wanted is None or c in wanted]


def retention_rules(session: Session, org: str) -> tuple[rot.RetentionRule, ...]:
    return tuple(p.rule() for p in list_policies(session, org))


def known_users(database_url: str, org: str, extra: Path | None = None) -> frozenset[str] | None:
    """The inventory's users (and those listed in ``extra``); None when nothing names any user."""
    from sobre.inventory.service import user_logins

    users = set(user_logins(database_url, org))
    if extra is not None:
        users |= read_users(extra)
    return frozenset(users) if users else None


def read_users(path: Path) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the list of users: {exc.strerror}", file=str(path)) from None
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


# ------------------------------------------------------------------ plan


@dataclass
class PlanView:
    scan: dict[str, Any]
    items: list[PlanItem]

    def total(self, criterion: str = "climate_change") -> Estimate | None:
        parts = [i.footprint[criterion] for i in self.items if criterion in i.footprint]
        if not parts:
            return None
        total = parts[0]
        for p in parts[1:]:
            total = total + p
        return total

    @staticmethod
    def summary(i: PlanItem) -> dict[str, Any]:
        """One item without its files: kind, action, files, bytes, note, owner, effort, footprint."""
        return {
            "kind": i.kind,
            "action": i.action,
            "files": len(i.files),
            "bytes": i.bytes,
            "note": i.note,
            "owner_role": i.owner_role,
            "effort": i.effort,
            "footprint": {c: asdict(e) for c, e in i.footprint.items()},
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "scan": self.scan,
            "bytes": sum(i.bytes for i in self.items),
            "items": [
                {**self.summary(i), "paths": [f.path for f in i.files], "kept": i.kept} for i in self.items
            ],
            "actions": [i.as_action(self.scan["id"]) for i in self.items],
        }


def plan(session: Session, org: str, scan_id: int | None = None) -> PlanView:
    """The deletion and archiving plan of a scan, under the organisation's retention policies."""
    scan, f = load_findings(session, org, scan_id)
    if not scan.rows_stored:
        raise SobreError(
            f"scan {scan.id} kept only its totals (more than {MAX_ROWS:,} findings): "
            "plan from the Parquet output of the Spark scan"
        )
    items = build_plan(f, list_policies(session, org), _params(scan), _factors(session, scan.org_id))
    return PlanView(_scan_dict(scan), items)
