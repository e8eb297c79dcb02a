"""Importing an inventory file: read, map, validate, resolve, write in one transaction, report.

``import_file`` is the entry point for files, ``import_source`` for rows from elsewhere (the GLPI API);
the CLI, the web and the tests call them.  Valid rows are written in ONE transaction, which holds the
database's write lock from its first statement (another writer waits, and the import says so through
``on_wait``); rejected rows go to a rejects file with their reasons; ``strict`` refuses the whole file
when any row is rejected; ``dry_run`` does all of it and rolls back.  See docs/inventory.md.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from sobre.core import audit
from sobre.core.db import get_engine, write_transaction
from sobre.core.errors import InputError, NotFound
from sobre.inventory import bulk, equipment, finishing, glpi, keys, store
from sobre.inventory.chunks import chunks, scan
from sobre.inventory.mappings import (
    FIELDS,
    FORMATS,
    KINDS,
    MANDATORY_HEADERS,
    Mapping,
    build_mapping,
    detect,
    duplicate_headers,
)
from sobre.inventory.models import Equipment, ImportBatch
from sobre.inventory.reading import Source, open_source
from sobre.inventory.summary import ImportSummary, add_warnings, write_rejects
from sobre.inventory.validate import ROW, Problem, parse_chunk
from sobre.inventory.vocab import fold
from sobre.orgs.models import Organisation

Progress = Callable[[int, int], None]


@dataclass
class _Part:
    """The rows of one kind read from the file (a G4IT virtual file feeds both vm and cloud)."""

    mapping: Mapping
    frames: list[pl.DataFrame] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unmapped_types: set[str] = field(default_factory=set)
    unknown_statuses: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Options:
    """How to import (everything but the database, the organisation and the rows)."""

    kind: str | None = None
    fmt: str = "auto"
    dry_run: bool = False
    strict: bool = False
    rejects: Path | None = None
    rejects_dir: Path | None = None
    item_type: str | None = None
    site_level: int = 1
    reference_date: date | None = None
    progress: Progress | None = None
    on_wait: Callable[[float], None] | None = None
    #: Called inside the import's transaction once the rows are written (not in a dry run): a source
    #: records there how far it has read, so that the mark and the rows are committed together.
    after_write: Callable[[sa.Connection, int], None] | None = None


def _parse(
    source: Source,
    parts: dict[str, _Part],
    route: Any,
    simple: bool,
    tick: Callable[[int], None],
    today: date,
) -> int:
    """Read the file chunk by chunk and parse each chunk into its part (kind)."""
    wanted = sorted({i for part in parts.values() for i in part.mapping.columns.values()})
    read = 0

    def add(part: _Part, chunk: pl.DataFrame) -> None:
        parsed = parse_chunk(
            part.mapping, chunk, width=len(source.header), xlsx=source.kind == "xlsx", reference_date=today
        )
        part.frames.append(parsed.frame)
        part.problems.extend(parsed.problems)
        part.unmapped_types |= parsed.unmapped_types
        part.unknown_statuses |= parsed.unknown_statuses

    for chunk in chunks(source, wanted, simple):
        read += chunk.height
        if route is None:
            add(next(iter(parts.values())), chunk)
        else:
            to_cloud = route(chunk)
            add(parts["vm"], chunk.filter(~to_cloud))
            add(parts["cloud"], chunk.filter(to_cloud))
        tick(chunk.height)
    return read


def _duplicates(kind: str, frame: pl.DataFrame, headers: dict[str, str]) -> list[Problem]:
    """Every occurrence of a natural key seen twice in the file is rejected, naming the other rows."""
    if kind == "equipment":
        return keys.file_duplicates(frame, headers)
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
                f"{name} appears more than once in the file{what} (also on rows {others}); "
                "the name must be unique",
            )
        )
    return out


def _org_id(conn: sa.Connection, org: str) -> int:
    found = conn.execute(sa.select(Organisation.id).where(Organisation.name == org)).scalar()
    if found is None:
        raise NotFound(f"no organisation named {org!r}; create it with 'sobre org create NAME'")
    return int(found)


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
    item_type: str | None = None,
    site_level: int = 1,
    reference_date: date | None = None,
    on_wait: Callable[[float], None] | None = None,
) -> ImportSummary:
    """Import one CSV/XLSX file of ``kind`` for organisation ``org``; see the module docstring.

    ``item_type`` (GLPI: Computer, Monitor, NetworkEquipment, Phone, Printer, Peripheral) says what a
    GLPI export holds when neither its columns nor its name tell; ``site_level`` how many levels of a
    hierarchical location name the site.  Raises :class:`InputError` (exit code 2) when the file cannot be
    read at all (encoding, binary, missing mandatory columns) and :class:`NotFound` for an unknown
    organisation.
    """
    options = Options(
        kind,
        fmt,
        dry_run,
        strict,
        rejects,
        rejects_dir,
        item_type,
        site_level,
        reference_date,
        progress,
        on_wait,
    )
    _check_options(options)
    path = Path(path)
    source = open_source(path, sheet)
    facts = scan(path, source)
    with _no_gc():
        return _import(
            database_url, org, source, options, sha256=facts.sha256, lines=facts.lines, simple=facts.simple
        )


def import_source(
    database_url: str, org: str, source: Source, options: Options, *, rejects_name: str
) -> ImportSummary:
    """Import rows already in memory (``reading.rows_source``), e.g. from the GLPI API."""
    _check_options(options)
    digest = hashlib.sha256(
        "\x1e".join("\x1f".join(r) for r in [source.header, *source.data]).encode()
    ).hexdigest()
    if options.rejects is None and options.rejects_dir is not None:
        options = dataclasses.replace(options, rejects=options.rejects_dir / f"{rejects_name}.rejects.csv")
    with _no_gc():
        return _import(
            database_url, org, source, options, sha256=digest, lines=len(source.data) + 1, simple=False
        )


def _check_options(options: Options) -> None:
    if options.kind is not None and options.kind not in KINDS:
        raise InputError("unknown kind", column="--kind", value=options.kind, expected=", ".join(KINDS))
    if options.fmt != "auto" and options.fmt not in FORMATS:
        raise InputError(
            "unknown format", column="--format", value=options.fmt, expected="auto, " + ", ".join(FORMATS)
        )
    if options.item_type is not None and glpi.item_type(options.item_type) is None:
        raise InputError(
            "unknown GLPI item type",
            column="--item-type",
            value=options.item_type,
            expected=", ".join(glpi.ITEM_TYPES),
        )
    if not 1 <= options.site_level <= 10:
        raise InputError(
            "the site level must be between 1 and 10", column="--site-level", value=options.site_level
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


def _item_type(options: Options, fmt: str, source: Source, mapping: Mapping) -> str | None:
    """The GLPI item type of the whole export: given, else told by the file name or its columns."""
    if options.item_type is not None:
        return glpi.item_type(options.item_type)
    if fmt != "glpi" or mapping.kind != "equipment":
        return None
    found = glpi.item_type_from_file_name(source.path.name)
    if found is None and "screen_size_in" in mapping.columns:
        found = "Monitor"
    if found is None and ({"os", "cpu", "os_version"} & set(mapping.columns)):
        found = "Computer"
    return found


class _Rollback(Exception):
    """Leaves the write transaction without committing (dry run, refused strict import)."""


def _import(
    database_url: str, org: str, source: Source, options: Options, *, sha256: str, lines: int, simple: bool
) -> ImportSummary:
    name = source.name
    twice = duplicate_headers(source.header)
    if twice is not None:
        a, b, title = twice
        raise InputError(
            f"columns {a} and {b} have the same title {title!r}; rename or remove one", file=name
        )
    try:
        fmt, kind = detect(source.header, source.path.name, fmt=options.fmt, kind=options.kind)
    except ValueError as exc:
        raise InputError(str(exc), file=name) from None
    mapping = build_mapping(fmt, kind, source.header)
    missing = MANDATORY_HEADERS.get((fmt, kind), set()) - set(mapping.columns)
    if not mapping.columns or "name" not in mapping.columns or missing:
        need = sorted(missing | ({"name"} - set(mapping.columns)))
        raise InputError(
            f"mandatory columns missing for a {fmt} {kind} file: {', '.join(need)}",
            file=name,
            expected=", ".join(f.name for f in FIELDS[kind][:6]) + "… (see docs/inventory.md)",
        )
    with get_engine(database_url).connect() as conn:
        _org_id(conn, org)  # an unknown organisation is said before the file is read
    summary = ImportSummary(kind=kind, format=fmt, file=name, dry_run=options.dry_run)
    summary.item_type = _item_type(options, fmt, source, mapping)
    if mapping.unknown:
        summary.warnings.append(f"unknown columns ignored: {', '.join(mapping.unknown)}")

    parts = {kind: _Part(mapping)}
    if fmt == "numecoeval" and kind == "vm" and "infrastructure" in mapping.columns:
        parts["cloud"] = _Part(build_mapping(fmt, "cloud", source.header))
    total = 2 * (lines if source.kind != "xlsx" else 1000)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done = min(done + n, total - 1)
        if options.progress:
            options.progress(done, total)

    today = options.reference_date or date.today()
    summary.rows_read = _parse(source, parts, _router(fmt, kind, mapping), simple, tick, today)
    target = options.rejects or (
        None if options.dry_run else _default_rejects(source.path, options.rejects_dir)
    )
    all_problems: dict[int, list[Problem]] = defaultdict(list)
    try:
        with (
            bulk.staging() as stage,
            write_transaction(
                database_url,
                on_wait=options.on_wait,
                lock=f"sobre-import:{org}",
                foreign_keys=False,
                attach=stage.attach,
            ) as conn,
        ):
            staging = stage if bulk.usable(conn) else None  # PostgreSQL streams with COPY
            _write_parts(conn, org, source, parts, summary, all_problems, options, sha256, tick, staging)
    except _Rollback:
        pass
    add_warnings(summary, parts)
    if all_problems and target is not None:
        write_rejects(source, all_problems, target)
        summary.rejects_path = target
    if summary.refused and not options.dry_run:
        _record_refused(database_url, org, source, sha256, summary)
    if options.progress:
        options.progress(total, total)
    return summary


def _write_parts(
    conn: sa.Connection,
    org: str,
    source: Source,
    parts: dict[str, _Part],
    summary: ImportSummary,
    all_problems: dict[int, list[Problem]],
    options: Options,
    sha256: str,
    tick: Callable[[int], None],
    stage: bulk.Staging | None,
) -> None:
    """Inside the write transaction: resolve, check and write every part; raise _Rollback to undo."""
    org_id = _org_id(conn, org)
    batch_id = conn.execute(
        sa.insert(ImportBatch)
        .values(
            org_id=org_id,
            file_name=source.path.name[:500],
            sha256=sha256,
            kind=summary.kind,
            format=summary.format,
            rows_read=summary.rows_read,
        )
        .returning(ImportBatch.id)
    ).scalar_one()
    plans = []
    for part_kind, part in parts.items():
        frame = pl.concat(part.frames, how="vertical") if part.frames else None
        part.frames = []  # the chunks' copies are no longer needed (memory at a million rows)
        problems = list(part.problems)
        if frame is None or frame.is_empty():
            for p in problems:
                all_problems[p.line].append(p)
            continue
        reviews: list[dict[str, Any]] = []
        if part_kind == "equipment":
            if part.mapping.fmt == "glpi":
                frame = store.split_locations(frame, options.site_level)
            prepared = equipment.prepare(frame, item_type=summary.item_type)
            frame, reviews = keys.with_keys(prepared.frame), prepared.reviews
            part.unmapped_types = prepared.other_types  # after item types and models had their say
            summary.models_total += prepared.with_model
            summary.models_matched += prepared.matched
            for itemtype, labels in prepared.defaulted.items():
                summary.warnings.append(
                    f"{itemtype} types not recognised, counted as {glpi.DEFAULT_CATEGORY[itemtype]}: "
                    + ", ".join(sorted(labels)[:20])
                )
        problems += _duplicates(part_kind, frame, part.mapping.headers)
        frame = finishing.prepare(part_kind, frame)
        refs = store.resolve_refs(
            conn,
            part_kind,
            org_id,
            frame,
            part.mapping.headers,
            create_sites=part.mapping.fmt in ("glpi", "sobre"),
        )
        frame = refs.frame
        problems += refs.problems
        summary.created_departments += refs.created_departments
        summary.created_sites += refs.created_sites
        problems += finishing.check(part_kind, frame, part.mapping)
        for p in problems:
            all_problems[p.line].append(p)
        plans.append((part_kind, part, frame, reviews))
    summary.rejected = len(all_problems)
    if options.strict and all_problems:
        summary.refused = True
        raise _Rollback
    for part_kind, part, frame, reviews in plans:
        valid = frame.filter(~pl.col(ROW).is_in(list(all_problems))) if all_problems else frame
        ids = None
        if part_kind == "equipment":
            existing = conn.execute(
                sa.select(
                    Equipment.id,
                    Equipment.name,
                    Equipment.external_key,
                    Equipment.manufacturer,
                    Equipment.serial,
                ).where(Equipment.org_id == org_id)
            ).all()
            ids = keys.match_existing(valid, keys.existing_keys([tuple(r) for r in existing]))
        written = finishing.write(
            conn,
            part_kind,
            part.mapping,
            org_id,
            batch_id,
            valid,
            tick,
            reviews=reviews,
            ids=ids,
            staging=stage,
        )
        summary.inserted += written.inserted
        summary.updated += written.updated
        summary.unchanged += written.unchanged
        summary.review_count += written.reviews
        summary.kept_statuses += written.kept_statuses
        for column, n in written.changed_fields.items():
            summary.changed_fields[column] = summary.changed_fields.get(column, 0) + n
        summary.by_kind[part_kind] = {
            "inserted": written.inserted,
            "updated": written.updated,
            "unchanged": written.unchanged,
        }
    target = options.rejects or (
        None if options.dry_run else _default_rejects(source.path, options.rejects_dir)
    )
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
    if options.dry_run:
        raise _Rollback
    if options.after_write is not None:
        options.after_write(conn, org_id)
    # Bulk rows bypass the ORM audit hook: one entry tells what the import did.
    audit.record(
        conn,
        action="bulk",
        entity="import_batch",
        entity_id=batch_id,
        org_id=org_id,
        summary=f"import of {source.path.name} ({summary.kind}, {summary.format}): "
        f"{summary.inserted} inserted, {summary.updated} updated, {summary.unchanged} unchanged, "
        f"{summary.rejected} rejected",
        after={"file": source.path.name, "sha256": sha256, **summary.by_kind},
    )


def _default_rejects(path: Path, rejects_dir: Path | None) -> Path:
    if rejects_dir is None:
        from sobre.core.settings import load_settings

        rejects_dir = load_settings().rejects_dir
    return rejects_dir / f"{path.stem}.rejects.csv"


def _record_refused(database_url: str, org: str, source: Source, sha256: str, summary: ImportSummary) -> None:
    """A refused strict import still leaves a trace in the import history."""
    with get_engine(database_url).begin() as conn:
        conn.execute(
            sa.insert(ImportBatch).values(
                org_id=_org_id(conn, org),
                file_name=source.path.name[:500],
                sha256=sha256,
                kind=summary.kind,
                format=summary.format,
                rows_read=summary.rows_read,
                rejected=summary.rejected,
                rejects_path=str(summary.rejects_path) if summary.rejects_path else None,
            )
        )
