"""Installed referentials: write a package, read it back, list them, and keep mappings between versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.assessment import importers
from sobre.assessment.models import Referential, ReferentialItem, ReferentialMapping
from sobre.assessment.referentials import Item, Mapping, Package, text
from sobre.core.errors import NotFound, SobreError


def install(session: Session, package: Package, *, sha256: str | None = None, replace: bool = False) -> int:
    """Store ``package`` (all items or nothing); returns the referential's row id.

    Reinstalling the same file is a no-op.  Another file under the same code and version is refused unless
    ``replace``; a version that assessments use cannot be replaced, since their answers point to its items.
    """
    existing = session.scalar(
        sa.select(Referential).where(Referential.code == package.code, Referential.version == package.version)
    )
    if existing is not None:
        if sha256 is not None and existing.source_sha256 == sha256:
            return existing.id
        if not replace:
            raise SobreError(
                f"referential {package.key} is already installed from another file; "
                "give --replace to install this one instead"
            )
        _check_unused(session, existing)
        session.delete(existing)
        session.flush()
    row = Referential(
        code=package.code,
        version=package.version,
        kind=package.kind,
        meta=package.meta(),
        builtin=package.builtin,
        source_sha256=sha256,
    )
    session.add(row)
    session.flush()
    session.execute(
        sa.insert(ReferentialItem),
        [
            {
                "referential_id": row.id,
                "item_id": i.id,
                "theme": i.theme,
                "position": i.position,
                "data": i.to_data(),
            }
            for i in package.items
        ],
    )
    add_mappings(session, package.mappings)
    return row.id


def _check_unused(session: Session, row: Referential) -> None:
    from sobre.assessment.models import Assessment

    used = session.scalar(sa.select(sa.func.count()).where(Assessment.referential_id == row.id))
    if used:
        raise SobreError(
            f"referential {row.code} {row.version} is used by {used} assessment(s); install the new file "
            "under another --version and carry the answers over with a mapping"
        )


def install_file(
    session: Session, name: str, path: Path, *, version: str | None = None, replace: bool = False
) -> Package:
    """Read an official file (or a Sobre package) and install it."""
    package = importers.read(name, path, version)
    install(session, package, sha256=importers.sha256_of(path), replace=replace)
    return package


def ensure_builtin(session: Session) -> Package:
    """Install the built-in maturity model if it is not there yet (so assessments work out of the box)."""
    package = importers.builtin_maturity()
    found = session.scalar(
        sa.select(Referential.id).where(
            Referential.code == package.code, Referential.version == package.version
        )
    )
    if found is None:
        install(session, package, sha256=importers.sha256_of(importers.BUILTIN))
    return package


def add_mappings(session: Session, mappings: tuple[Mapping, ...] | list[Mapping]) -> int:
    """Record item correspondences; one already known is left as it is.  Returns how many were added."""
    added = 0
    for m in mappings:
        exists = session.scalar(
            sa.select(ReferentialMapping.id).where(
                ReferentialMapping.from_code == m.from_code,
                ReferentialMapping.from_version == m.from_version,
                ReferentialMapping.from_item == m.from_item,
                ReferentialMapping.to_code == m.to_code,
                ReferentialMapping.to_version == m.to_version,
                ReferentialMapping.to_item == m.to_item,
            )
        )
        if exists is None:
            session.add(ReferentialMapping(**vars(m)))
            added += 1
    session.flush()
    return added


def mappings_between(session: Session, a: tuple[str, str], b: tuple[str, str]) -> list[Mapping]:
    """Correspondences from referential ``a`` (code, version) to ``b``, whichever way they were recorded."""
    rows = session.scalars(
        sa.select(ReferentialMapping).where(
            sa.or_(
                sa.and_(
                    ReferentialMapping.from_code == a[0],
                    ReferentialMapping.from_version == a[1],
                    ReferentialMapping.to_code == b[0],
                    ReferentialMapping.to_version == b[1],
                ),
                sa.and_(
                    ReferentialMapping.from_code == b[0],
                    ReferentialMapping.from_version == b[1],
                    ReferentialMapping.to_code == a[0],
                    ReferentialMapping.to_version == a[1],
                ),
            )
        )
    )
    found = []
    for r in rows:
        m = Mapping(
            r.from_code, r.from_version, r.from_item, r.to_code, r.to_version, r.to_item, r.method, r.score
        )
        if (r.from_code, r.from_version) != a:  # recorded the other way: turn it round
            m = Mapping(a[0], a[1], r.to_item, b[0], b[1], r.from_item, r.method, r.score)
        found.append(m)
    return found


def referential_row(session: Session, code: str, version: str | None = None) -> Referential:
    """The installed referential ``code`` at ``version`` (default: the newest installed)."""
    q = sa.select(Referential).where(Referential.code == code)
    if version:
        q = q.where(Referential.version == version)
    rows = list(session.scalars(q.order_by(Referential.installed_at.desc(), Referential.id.desc())))
    if not rows:
        if code == importers.builtin_maturity().code:
            ensure_builtin(session)
            return referential_row(session, code, version)
        known = ", ".join(sorted({f"{r.code} {r.version}" for r in session.scalars(sa.select(Referential))}))
        hint = (
            f"; install it with 'sobre referential install {code} --from FILE'"
            if code in importers.READERS
            else ""
        )
        raise NotFound(
            f"no referential {code}{' ' + version if version else ''} installed"
            f"{' (installed: ' + known + ')' if known else ''}{hint}"
        )
    return rows[0]


def load(session: Session, referential_id: int) -> Package:
    """The package of an installed referential, read once per process (packages never change in place)."""
    row = session.get(Referential, referential_id)
    if row is None:
        raise NotFound(f"no referential with id {referential_id}")
    key = (str(session.get_bind().engine.url), row.id, row.installed_at.isoformat())
    package = _CACHE.get(key)
    if package is None:
        package = _CACHE[key] = _read(session, row)
    return package


#: Packages read from a database, by (database URL, row id, install time): a reinstall gets a new entry.
_CACHE: dict[tuple[str, int, str], Package] = {}


def _read(session: Session, row: Referential) -> Package:
    referential_id = row.id
    items = [
        Item.from_data(r.item_id, r.theme, r.position, r.data)
        for r in session.scalars(
            sa.select(ReferentialItem)
            .where(ReferentialItem.referential_id == referential_id)
            .order_by(ReferentialItem.position)
        )
    ]
    return Package.from_meta(row.code, row.version, row.kind, row.meta, items, builtin=row.builtin)


def list_referentials(session: Session, lang: str = "en") -> list[dict[str, Any]]:
    """Every installed referential with its licence and number of items (the built-in model included)."""
    ensure_builtin(session)
    counts = dict(
        session.execute(
            sa.select(ReferentialItem.referential_id, sa.func.count()).group_by(
                ReferentialItem.referential_id
            )
        ).all()
    )
    out = []
    for r in session.scalars(sa.select(Referential).order_by(Referential.code, Referential.version)):
        out.append(
            {
                "code": r.code,
                "version": r.version,
                "kind": r.kind,
                "title": text(r.meta["title"], lang),
                "publisher": r.meta["publisher"],
                "published": r.meta.get("published"),
                "licence": r.meta["licence"],
                "attribution": text(r.meta["attribution"], lang),
                "themes": len(r.meta["themes"]),
                "items": counts.get(r.id, 0),
                "builtin": r.builtin,
                "installed_at": r.installed_at.isoformat(),
            }
        )
    return out
