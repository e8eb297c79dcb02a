"""Importing an inventory file: read, map, validate, resolve, write in one transaction, report.

``import_file`` is the one entry point (CLI, web and tests call it).  Valid rows of a file are written in
ONE transaction; rejected rows go to a rejects file with their reasons; ``strict`` refuses the whole file
when any row is rejected; ``dry_run`` does all of it and rolls back.  See docs/inventory.md.
"""

from __future__ import annotations

import csv
import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from sobre.core import audit
from sobre.core.db import get_engine
from sobre.core.errors import InputError, NotFound
from sobre.inventory import finishing, store
from sobre.inventory.chunks import chunks, scan
from sobre.inventory.exporter import neutralise
from sobre.inventory.mappings import FIELDS, KINDS, MANDATORY_HEADERS, Mapping, build_mapping, detect
from sobre.inventory.models import ImportBatch
from sobre.inventory.reading import Source, open_source
from sobre.inventory.validate import ROW, Problem, parse_chunk
from sobre.inventory.vocab import fold
from sobre.orgs.models import Organisation

Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    format: str
    file: str = ""
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    review_count: int = 0
    created_departments: list[str] = field(default_factory=list)
    dry_run: bool = False
    refused: bool = False  # strict mode and at least one reject: nothing was written
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 everything imported, 3 imported with rejects, 2 nothing imported."""
        if self.refused or (self.rejected and not (self.inserted or self.updated)):
            return 2
        return 3 if self.rejected else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "format": self.format,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "rejected": self.rejected,
            "refused": self.refused,
            "rejects_path": str(self.rejects_path) if self.rejects_path else None,
            "review_count": self.review_count,
            "created_departments": self.created_departments,
            "warnings": self.warnings,
            "by_kind": self.by_kind,
            "exit_code": self.exit_code,
        }


@dataclass
class _Part:
    """The rows of one kind read from the file (a G4IT virtual file feeds both vm and cloud)."""

    mapping: Mapping
    frames: list[pl.DataFrame] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unmapped_types: set[str] = field(default_factory=set)

    def add(self, chunk: pl.DataFrame, source: Source) -> None:
        frame, problems, unmapped = parse_chunk(
            self.mapping, chunk, width=len(source.header), xlsx=source.kind == "xlsx"
        )
        self.frames.append(frame)
        self.problems.extend(problems)
        self.unmapped_types |= unmapped


def _parse(
    source: Source,
    parts: dict[str, _Part],
    route: Callable[[pl.DataFrame], pl.Series] | None,
    simple: bool,
    tick: Callable[[int], None],
) -> int:
    """Read the file chunk by chunk and parse each chunk into its part (kind)."""
    wanted = sorted({i for part in parts.values() for i in part.mapping.columns.values()})
    read = 0
    for chunk in chunks(source, wanted, simple):
        read += chunk.height
        if route is None:
            next(iter(parts.values())).add(chunk, source)
        else:
            to_cloud = route(chunk)
            parts["vm"].add(chunk.filter(~to_cloud), source)
            parts["cloud"].add(chunk.filter(to_cloud), source)
        tick(chunk.height)
    return read


def _duplicates(kind: str, frame: pl.DataFrame, headers: dict[str, str]) -> list[Problem]:
    """Every occurrence of a natural key seen twice in the file is rejected, naming the other rows."""
    key = finishing.file_key(kind, frame)
    keyed = frame.select(
        ROW,
        pl.concat_str([pl.col(k).cast(pl.Utf8).fill_null("") for k in key], separator="\x1f").alias("__k"),
        pl.col("name"),
    )
    dup = keyed.filter(pl.col("name").is_not_null() & pl.col("__k").is_duplicated())
    if dup.is_empty():
        return []
    groups: dict[str, list[int]] = defaultdict(list)
    for line, k, _name in dup.iter_rows():
        groups[k].append(line)
    out = []
    column = headers.get("name", "name")
    for line, k, name in dup.iter_rows():
        others = ", ".join(str(x) for x in groups[k] if x != line)
        what = " with the same " + ", ".join(key[1:]) if len(key) > 1 else ""
        out.append(
            Problem(
                line,
                column,
                name,
                f"{name} appears more than once in the file{what} "
                f"(also on rows {others}); the name must be unique",
            )
        )
    return out


def _org_id(conn: sa.Connection, org: str) -> int:
    found = conn.execute(sa.select(Organisation.id).where(Organisation.name == org)).scalar()
    if found is None:
        raise NotFound(f"no organisation named {org!r}; create it with 'sobre org create NAME'")
    return int(found)


def _write_rejects(source: Source, problems: dict[int, list[Problem]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    sep = source.separator if source.kind == "csv" else ";"
    last = max(problems)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=sep, lineterminator="\r\n")
        writer.writerow([neutralise(h) for h in source.header] + ["row", "column", "value", "reason"])
        for line, cells in source.rows():
            found = problems.get(line)
            if found is not None:
                writer.writerow(
                    [neutralise(c) for c in cells]
                    + [
                        line,
                        " | ".join(dict.fromkeys(p.column for p in found)),
                        neutralise(" | ".join(dict.fromkeys(p.value for p in found))),
                        " | ".join(dict.fromkeys(p.reason for p in found)),
                    ]
                )
            if line >= last:
                break  # the rest of the file holds no rejected row


def _router(fmt: str, kind: str, mapping: Mapping) -> Callable[[pl.DataFrame], pl.Series] | None:
    """G4IT's virtual-equipment file mixes VMs and cloud instances: typeInfrastructure says which."""
    idx = mapping.columns.get("infrastructure")
    if fmt != "numecoeval" or kind != "vm" or idx is None:
        return None
    cloud = fold("CLOUD_SERVICES")

    def route(chunk: pl.DataFrame) -> pl.Series:
        cells = chunk[f"c{idx}"]
        folded = {v: fold(v) == cloud for v in cells.drop_nulls().unique().to_list()}
        return cells.replace_strict(folded, default=False, return_dtype=pl.Boolean)

    return route


def import_file(
    database_url: str,
    org: str,
    path: Path,
    *,
    kind: str | None = None,
    fmt: str = "auto",
    dry_run: bool = False,
    strict: bool = False,
    rejects: Path | None = None,
    rejects_dir: Path | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import one CSV/XLSX file of ``kind`` for organisation ``org``; see the module docstring.

    Raises :class:`InputError` (exit code 2) when the file cannot be read at all (encoding, binary,
    missing mandatory columns) and :class:`NotFound` for an unknown organisation.
    """
    with _no_gc():
        return _import_file(
            database_url,
            org,
            Path(path),
            kind=kind,
            fmt=fmt,
            dry_run=dry_run,
            strict=strict,
            rejects=rejects,
            rejects_dir=rejects_dir,
            sheet=sheet,
            progress=progress,
        )


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector during an import.

    An import creates millions of short-lived containers (rows, tuples); each burst of allocations would
    trigger a collection that walks every live object, which doubled the time of a 1M-row import.  The
    importer makes no reference cycles worth collecting meanwhile; the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_file(
    database_url: str,
    org: str,
    path: Path,
    *,
    kind: str | None,
    fmt: str,
    dry_run: bool,
    strict: bool,
    rejects: Path | None,
    rejects_dir: Path | None,
    sheet: str | None,
    progress: Progress | None,
) -> ImportSummary:
    path = Path(path)
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}", expected=", ".join(KINDS))
    source = open_source(path, sheet)
    try:
        fmt, kind = detect(source.header, path.name, fmt=fmt, kind=kind)
    except ValueError as exc:
        raise InputError(str(exc), file=str(path)) from None
    mapping = build_mapping(fmt, kind, source.header)
    missing = MANDATORY_HEADERS.get((fmt, kind), set()) - set(mapping.columns)
    if not mapping.columns or "name" not in mapping.columns or missing:
        need = sorted(missing | ({"name"} - set(mapping.columns)))
        raise InputError(
            f"mandatory columns missing for a {fmt} {kind} file: {', '.join(need)}",
            file=str(path),
            expected=", ".join(f.name for f in FIELDS[kind][:6]) + "… (see docs/inventory.md)",
        )
    summary = ImportSummary(kind=kind, format=fmt, file=str(path), dry_run=dry_run)
    if mapping.unknown:
        summary.warnings.append(f"unknown columns ignored: {', '.join(mapping.unknown)}")

    parts = {kind: _Part(mapping)}
    if fmt == "numecoeval" and kind == "vm" and "infrastructure" in mapping.columns:
        parts["cloud"] = _Part(build_mapping(fmt, "cloud", source.header))
    facts = scan(path, source)
    total = 2 * (facts.lines if source.kind == "csv" else 1000)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done = min(done + n, total - 1)
        if progress:
            progress(done, total)

    summary.rows_read = _parse(source, parts, _router(fmt, kind, mapping), facts.simple, tick)
    target = rejects or (None if dry_run else _default_rejects(path, rejects_dir))
    engine = get_engine(database_url)
    all_problems: dict[int, list[Problem]] = defaultdict(list)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            org_id = _org_id(conn, org)
            batch_id = conn.execute(
                sa.insert(ImportBatch)
                .values(
                    org_id=org_id,
                    file_name=path.name,
                    sha256=facts.sha256,
                    kind=kind,
                    format=fmt,
                    rows_read=summary.rows_read,
                )
                .returning(ImportBatch.id)
            ).scalar_one()
            plans = []
            for part_kind, part in parts.items():
                frame = pl.concat(part.frames, how="vertical") if part.frames else None
                problems = list(part.problems)
                if frame is None or frame.is_empty():
                    for p in problems:
                        all_problems[p.line].append(p)
                    continue
                problems += _duplicates(part_kind, frame, part.mapping.headers)
                frame = finishing.prepare(part_kind, frame)
                frame, ref_problems, created = store.resolve_refs(
                    conn, part_kind, org_id, frame, part.mapping.headers
                )
                problems += ref_problems
                summary.created_departments += created
                frame, extra = finishing.check(part_kind, frame, part.mapping)
                problems += extra
                for p in problems:
                    all_problems[p.line].append(p)
                if part.unmapped_types:
                    summary.warnings.append(
                        "types mapped to category 'other' (data quality low): "
                        + ", ".join(sorted(part.unmapped_types)[:20])
                    )
                plans.append((part_kind, part, frame))
            summary.rejected = len(all_problems)
            if strict and all_problems:
                summary.refused = True
                trans.rollback()
            else:
                for part_kind, part, frame in plans:
                    valid = frame.filter(~pl.col(ROW).is_in(list(all_problems)))
                    ins, upd, reviews = finishing.write(
                        conn, part_kind, part.mapping, org_id, batch_id, valid, tick
                    )
                    summary.inserted += ins
                    summary.updated += upd
                    summary.review_count += reviews
                    summary.by_kind[part_kind] = {"inserted": ins, "updated": upd}
                conn.execute(
                    sa.update(ImportBatch)
                    .where(ImportBatch.id == batch_id)
                    .values(
                        inserted=summary.inserted,
                        updated=summary.updated,
                        rejected=summary.rejected,
                        rejects_path=str(target) if all_problems and target else None,
                    )
                )
                if dry_run:
                    trans.rollback()
                else:
                    # Bulk rows bypass the ORM audit hook: one entry tells what the import did.
                    audit.record(
                        conn,
                        action="bulk",
                        entity="import_batch",
                        entity_id=batch_id,
                        org_id=org_id,
                        summary=f"import of {path.name} ({kind}, {fmt}): {summary.inserted} inserted, "
                        f"{summary.updated} updated, {summary.rejected} rejected",
                        after={"file": path.name, "sha256": facts.sha256, **summary.by_kind},
                    )
                    trans.commit()
        except BaseException:
            trans.rollback()
            raise
    if summary.created_departments:
        summary.warnings.append(f"departments created: {', '.join(sorted(set(summary.created_departments)))}")
    if all_problems and target is not None:
        _write_rejects(source, all_problems, target)
        summary.rejects_path = target
    if summary.refused and not dry_run:
        _record_refused(engine, org, path, summary)
    if progress:
        progress(total, total)
    return summary


def _default_rejects(path: Path, rejects_dir: Path | None) -> Path:
    if rejects_dir is None:
        from sobre.core.settings import load_settings

        rejects_dir = load_settings().rejects_dir
    return rejects_dir / f"{path.stem}.rejects.csv"


def _record_refused(engine: sa.Engine, org: str, path: Path, summary: ImportSummary) -> None:
    """A refused strict import still leaves a trace in the import history."""
    with engine.begin() as conn:
        conn.execute(
            sa.insert(ImportBatch).values(
                org_id=_org_id(conn, org),
                file_name=path.name,
                sha256=_sha256(path),
                kind=summary.kind,
                format=summary.format,
                rows_read=summary.rows_read,
                rejected=summary.rejected,
                rejects_path=str(summary.rejects_path) if summary.rejects_path else None,
            )
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
