"""Writing validated frames to the database: reference resolution, insert-or-update by natural key.

Everything here runs on one connection inside the caller's transaction, so a file lands whole or not at
all.  SQLite: new and changed rows are staged as Arrow columns (:mod:`sobre.inventory.bulk`) and copied
with one ``INSERT … SELECT`` or ``UPDATE … FROM``; without a staging area, through the driver's
``executemany`` with plain tuples.  PostgreSQL: new rows are streamed with ``COPY``; changed rows are
copied into a temporary table and applied with one ``UPDATE … FROM``.  A million rows in seconds, where ORM
objects would take minutes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import polars as pl
import sqlalchemy as sa

from sobre.inventory import indexes
from sobre.inventory.bulk import Staging
from sobre.inventory.models import (
    Application,
    ApplicationLink,
    CloudInstance,
    Department,
    Equipment,
    ModelReview,
    Site,
    StorageVolume,
    VirtualMachine,
)
from sobre.inventory.validate import ROW, Problem

MODELS: dict[str, Any] = {
    "equipment": Equipment,
    "vm": VirtualMachine,
    "cloud": CloudInstance,
    "application": Application,
    "site": Site,
    "storage": StorageVolume,
    "department": Department,
}
#: How a reference field is stored: (referred kind, column).
REF_COLUMNS: dict[str, dict[str, tuple[str, str]]] = {
    "equipment": {"site": ("site", "site_id"), "department": ("department", "department_id")},
    "vm": {"host": ("equipment", "host_id"), "department": ("department", "department_id")},
    "cloud": {"department": ("department", "department_id")},
    "application": {
        "department": ("department", "department_id"),
        "vm": ("vm", "vm_id"),
        "cloud_instance": ("cloud", "cloud_instance_id"),
        "equipment": ("equipment", "equipment_id"),
    },
    "storage": {
        "equipment": ("equipment", "equipment_id"),
        "site": ("site", "site_id"),
        "application": ("application", "application_id"),
        "department": ("department", "department_id"),
    },
    "site": {},
    "department": {},
}
#: The words of G4IT's messages for a missing parent.
_KIND_LABEL = {
    "equipment": "Physical equipment",
    "vm": "Virtual equipment",
    "cloud": "Cloud instance",
    "site": "Site",
    "application": "Application",
    "department": "Department",
}
_HOW = {"equipment": "equipment", "vm": "vm", "cloud": "cloud", "site": "site", "application": "application"}
BATCH = 20_000


def existing_names(conn: sa.Connection, kind: str, org_id: int) -> dict[str, int]:
    model = MODELS[kind]
    rows = conn.execute(sa.select(model.name, model.id).where(model.org_id == org_id))
    return {name: id_ for name, id_ in rows}


def _repeated_names(conn: sa.Connection, kind: str, org_id: int) -> set[str]:
    """Names that designate several rows (applications in several environments, equipment named after
    their model): a reference by such a name cannot tell which one is meant."""
    model = MODELS[kind]
    q = sa.select(model.name).where(model.org_id == org_id).group_by(model.name).having(sa.func.count() > 1)
    return set(conn.execute(q).scalars())


@dataclass
class Refs:
    """What resolving references did: the frame with ids, problems, and the parents created."""

    frame: pl.DataFrame
    problems: list[Problem] = field(default_factory=list)
    created_departments: list[str] = field(default_factory=list)
    created_sites: list[str] = field(default_factory=list)


def split_locations(frame: pl.DataFrame, site_level: int) -> pl.DataFrame:
    """A hierarchical location (GLPI's ``Mairie > Bâtiment A > 2e étage``): its first ``site_level`` levels
    name the site, the rest is kept as the item's ``location``.

    The department is GLPI's service column when there is one, else its group (in GLPI, groups are the
    organisation's services: ``DSI``, ``Finances``), else the last level of its entity
    (``Entité racine > Ville``)."""
    sources = [pl.col(c) for c in ("department", "group_name") if c in frame.columns]
    if "entity" in frame.columns:
        leaf = pl.col("entity").str.split(">").list.last().str.strip_chars()
        sources.append(pl.when(leaf != "").then(leaf))
    if sources:
        frame = frame.with_columns(pl.coalesce(sources).alias("department"))
    if "site" not in frame.columns:
        return frame
    parts = (
        pl.col("site")
        .str.split(">")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )
    site = parts.list.head(site_level).list.join(" > ")
    rest = parts.list.slice(site_level).list.join(" > ")
    rest = pl.when(rest != "").then(rest)
    location = pl.coalesce(pl.col("location"), rest) if "location" in frame.columns else rest
    return frame.with_columns(pl.when(site != "").then(site).alias("site"), location.alias("location"))


def resolve_refs(
    conn: sa.Connection,
    kind: str,
    org_id: int,
    frame: pl.DataFrame,
    headers: dict[str, str],
    *,
    create_departments: bool = True,
    create_sites: bool = False,
) -> Refs:
    """Replace names of parents by ids.  Unknown parents reject the row; unknown departments (and sites,
    with ``create_sites``) are created."""
    out = Refs(frame)
    for name_field, (target, column) in REF_COLUMNS[kind].items():
        if name_field not in out.frame.columns:
            continue
        # File order (not hash order): departments and sites created from one file get the same ids in
        # every fresh database.
        names = [n for n in out.frame[name_field].drop_nulls().unique(maintain_order=True).to_list()]
        known = existing_names(conn, target, org_id) if names else {}
        ambiguous = (
            _repeated_names(conn, target, org_id)
            if names and target in ("application", "equipment")
            else set()
        )
        missing = [n for n in names if n not in known]
        creates = (target == "department" and create_departments) or (target == "site" and create_sites)
        if missing and creates:
            if target == "site":
                conn.execute(
                    sa.insert(Site),
                    [{"org_id": org_id, "name": n, "kind": "office", "data_quality": "low"} for n in missing],
                )
                out.created_sites.extend(missing)
            else:
                conn.execute(sa.insert(Department), [{"org_id": org_id, "name": n} for n in missing])
                out.created_departments.extend(missing)
            known = existing_names(conn, target, org_id)
            missing = []
        mapping = {n: known.get(n) for n in names if n not in ambiguous}
        out.frame = out.frame.with_columns(
            pl.col(name_field).replace_strict(mapping, default=None, return_dtype=pl.Int64).alias(column)
        )
        bad = out.frame.filter(pl.col(name_field).is_not_null() & pl.col(column).is_null()).select(
            ROW, name_field
        )
        header = headers.get(name_field, name_field)
        for line, name in bad.iter_rows():
            if name in ambiguous and target == "application":
                reason = f"{_KIND_LABEL[target]} {name} exists in several environments; name one with its id"
            elif name in ambiguous:
                reason = (
                    f"{_KIND_LABEL[target]} {name} names several items of the inventory; rename them apart"
                )
            else:
                reason = (
                    f"{_KIND_LABEL[target]} {name} does not exist within the inventory "
                    f"(import it first with --kind {_HOW.get(target, target)})"
                )
            out.problems.append(Problem(line, header, name, reason))
    return out


def _batches(frame: pl.DataFrame, sqlite: bool) -> Iterator[list[tuple[object, ...]]]:
    """Lists of row tuples, BATCH rows at a time, built column-wise (no Python loop per row)."""
    if sqlite:
        # SQLAlchemy's own storage format for Date on SQLite.
        frame = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
    for start in range(0, frame.height, BATCH):
        part = frame.slice(start, BATCH)
        yield list(zip(*(s.to_list() for s in part.iter_columns()), strict=True))


def _executemany(conn: sa.Connection, sql: str, frame: pl.DataFrame, tick: Callable[[int], None]) -> None:
    """Run ``sql`` (``§`` marks the parameters) once per row of ``frame``, through the driver."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = sql.replace("§", mark)
    for batch in _batches(frame, conn.dialect.name == "sqlite"):
        conn.exec_driver_sql(sql, batch)  # type: ignore[arg-type]
        tick(len(batch))


def _copy(conn: sa.Connection, sql: str, frame: pl.DataFrame, tick: Callable[[int], None]) -> None:
    """PostgreSQL: stream the rows with COPY, as CSV written by Polars (no Python object per value).

    Text, dates and booleans are quoted ("non_numeric"), so an empty unquoted field is NULL, ``""`` is an
    empty string, and a value such as ``\\.`` can never be read as COPY's end-of-data marker.
    """
    driver: Any = conn.connection.driver_connection  # psycopg, inside the caller's transaction
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for start in range(0, frame.height, BATCH):
            part = frame.slice(start, BATCH)
            copy.write(part.write_csv(include_header=False, quote_style="non_numeric"))
            tick(part.height)


#: Rows written by COPY from which the table's statistics are refreshed inside the import's transaction.
ANALYZE_FROM = 10_000


def _analyze(conn: sa.Connection, table: str, rows: int) -> None:
    """PostgreSQL: refresh ``table``'s statistics after a bulk write.

    Without them, the next statements of the transaction (foreign-key checks of the rows that reference
    these, the UPDATE … FROM of a re-import) are planned as over an empty table: a key lookup can then walk a
    whole (org_id, column, id) index instead of the primary key, minutes for a million rows.  ANALYZE samples
    a fixed number of rows, so it costs well under a second at any size.
    """
    if rows >= ANALYZE_FROM:
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(table)}")


def _update_by_copy(
    conn: sa.Connection, table: str, columns: list[str], data: pl.DataFrame, tick: Callable[[int], None]
) -> None:
    """PostgreSQL: COPY the new values into a temporary table, then one UPDATE … FROM joins them by id.

    One statement instead of one per row; the temporary table has the target's column types and lives
    only inside the import's transaction.
    """
    q = conn.dialect.identifier_preparer.quote
    staging = q(f"sobre_update_{table}")
    cols = ", ".join(q(c) for c in columns)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {staging}")
    conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS SELECT {cols}, id FROM {q(table)} WITH NO DATA"
    )
    _copy(conn, f"COPY {staging} ({cols}, id) FROM STDIN (FORMAT csv)", data, tick)
    _analyze(conn, f"sobre_update_{table}", data.height)
    sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in columns)
    conn.exec_driver_sql(f"UPDATE {q(table)} AS t SET {sets} FROM {staging} AS s WHERE t.id = s.id")
    conn.exec_driver_sql(f"DROP TABLE {staging}")


def _literal(value: object) -> str | None:
    """``value`` as an SQLite literal, for the few types a column holds; None when it has to be bound."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, date) and not isinstance(value, datetime):
        return f"'{value.isoformat()}'"  # SQLAlchemy's storage format for Date on SQLite
    if isinstance(value, str) and len(value) <= 255 and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _one_value(column: pl.Series) -> bool:
    """The same non-null value in every row (min and max are one scan each, where counting the distinct
    values hashes every string)."""
    return column.null_count() == 0 and column.min() == column.max()


@dataclass
class Upserted:
    """Rows inserted, updated (and how many changed in each column), and found unchanged."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_fields: dict[str, int] = field(default_factory=dict)
    #: Items whose status set in Sobre was kept over the file's unchanged status (see ``sobre_status_wins``).
    kept_statuses: int = 0


def _current(
    conn: sa.Connection, table: Any, org_id: int, columns: list[str], types: dict[str, Any]
) -> pl.DataFrame:
    """The stored values of ``columns`` for the organisation's rows, typed like the new values."""
    q = conn.dialect.identifier_preparer.quote
    parts = []
    raw_types: dict[str, Any] = {"__id": pl.Int64}
    for c in columns:
        dtype = types[c]
        if dtype == pl.Date:
            parts.append(f"CAST({q(c)} AS VARCHAR(10))")
            raw_types[c] = pl.Utf8
        elif dtype == pl.Boolean:
            parts.append(f"CAST({q(c)} AS INTEGER)")
            raw_types[c] = pl.Int64
        else:
            parts.append(q(c))
            raw_types[c] = dtype if dtype != pl.Null else pl.Utf8
    sql = f"SELECT id, {', '.join(parts)} FROM {q(table.name)} WHERE org_id = {int(org_id)}"
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    chunks = [pl.DataFrame(schema=raw_types)]
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(100_000):
            chunks.append(pl.DataFrame(batch, schema=raw_types, orient="row", strict=False))
    finally:
        cursor.close()
    frame = pl.concat(chunks)
    fixes = []
    for c in columns:
        if types[c] == pl.Date:
            fixes.append(pl.col(c).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        elif types[c] == pl.Boolean:
            fixes.append(pl.col(c).cast(pl.Boolean))
    return frame.with_columns(fixes) if fixes else frame


def sobre_status_wins(columns: list[str]) -> pl.Expr | None:
    """Rows of a re-import whose stored status must be kept: the file's status text is the one the last
    import stored (``status_label``), yet the stored status differs, so it was set in Sobre since (a
    lifecycle event: retired, reused, given away).  A changed file text is applied as any other change.

    The retirement date goes with such a status when the file gives none.  None: the file has no status.
    """
    if not {"status", "status_label"} <= set(columns):
        return None
    same_text = pl.col("status_label").eq_missing(pl.col("status_label__old"))
    set_in_sobre = pl.col("status__old").is_not_null() & pl.col("status").ne_missing(pl.col("status__old"))
    return same_text & set_in_sobre


def _insert(
    conn: sa.Connection,
    table: str,
    cols: list[str],
    data: pl.DataFrame,
    tick: Callable[[int], None],
    staging: Staging | None,
) -> None:
    """Insert the rows of ``data`` (its columns ``cols``): COPY on PostgreSQL; on SQLite through the
    staging area when there is one, else ``executemany``."""
    q = conn.dialect.identifier_preparer.quote
    names = ", ".join(map(q, cols))
    if conn.dialect.name == "postgresql":
        _copy(conn, f"COPY {q(table)} ({names}) FROM STDIN (FORMAT csv)", data, tick)
        return
    # A column with one value in every row (the organisation, the import, often a status or a
    # country) is written once in the statement instead of bound a million times.
    literals = {c: _literal(data[c][0]) for c in cols if data.height > 1 and _one_value(data[c])}
    same = {c: v for c, v in literals.items() if v is not None}
    bound = data.drop(list(same))
    if staging is not None and bound.width:
        picks = ", ".join(same.get(c, q(c)) for c in cols)
        for staged, height in staging.slices(conn, bound):
            conn.exec_driver_sql(
                f"INSERT INTO {q(table)} ({names}) SELECT {picks} FROM {staged} ORDER BY rowid"
            )
            tick(height)
    else:
        marks = ", ".join(same.get(c, "§") for c in cols)
        _executemany(conn, f"INSERT INTO {q(table)} ({names}) VALUES ({marks})", bound, tick)


def upsert(
    conn: sa.Connection,
    kind: str,
    org_id: int,
    frame: pl.DataFrame,
    *,
    insert_values: dict[str, pl.Expr],
    update_columns: list[str],
    key: list[str],
    tick: Callable[[int], None] = lambda n: None,
    ids: pl.Series | None = None,
    staging: Staging | None = None,
) -> Upserted:
    """Insert the rows whose natural key is new; update, among the others, those whose values changed.

    ``ids`` (equipment) gives the existing row each row updates; otherwise rows are matched on ``key``.
    Only the ``update_columns`` present in the file are compared and written; an updated row also takes
    the new import's id.  Returns the counts, with how many rows changed in each column.  ``staging``
    (SQLite): bulk writes through staging files (:mod:`sobre.inventory.bulk`) instead of ``executemany``.
    """
    model = MODELS[kind]
    table = model.__table__
    if ids is not None:
        frame = frame.with_columns(ids.alias("__id"))
    else:
        existing = conn.execute(
            sa.select(*[table.c[k] for k in key], table.c.id).where(table.c.org_id == org_id)
        )
        ex = pl.DataFrame(
            list(existing), schema={**{k: pl.Utf8 for k in key}, "__id": pl.Int64}, orient="row"
        )
        frame = frame.join(ex, on=key, how="left", nulls_equal=True)
    if frame["__id"].null_count() == frame.height:  # a first import: no copy of the rows
        new, old = frame, frame.clear()
    else:
        new, old = frame.filter(pl.col("__id").is_null()), frame.filter(pl.col("__id").is_not_null())
    q = conn.dialect.identifier_preparer.quote  # "user" is a reserved word in PostgreSQL
    out = Upserted(inserted=new.height)
    if new.height:
        data = new.select([insert_values[c].alias(c) for c in insert_values])
        # Columns that are empty in every row are left to the database (NULL): fewer values to bind.
        cols = [c for c in data.columns if not (data[c].null_count() == data.height and table.c[c].nullable)]
        data = data.select(cols)
        with indexes.set_aside(conn, table.name, data.height):
            _insert(conn, table.name, cols, data, tick, staging)
        if conn.dialect.name == "postgresql":
            _analyze(conn, table.name, data.height)
    if old.height and update_columns:
        data = old.select([insert_values[c].alias(c) for c in update_columns] + [pl.col("__id")])
        stored = _current(conn, table, org_id, update_columns, dict(data.schema))
        joined = data.join(stored, on="__id", how="left", suffix="__old", maintain_order="left")
        kept = sobre_status_wins(update_columns)
        if kept is not None:
            out.kept_statuses = int(joined.select(kept.sum()).item())
            keep = {"status": kept}
            if "retirement_date" in update_columns:  # the date that goes with such a status
                keep["retirement_date"] = kept & pl.col("retirement_date").is_null()
            joined = joined.with_columns(
                pl.when(k).then(pl.col(f"{c}__old")).otherwise(pl.col(c)).alias(c) for c, k in keep.items()
            )
            data = joined.select(data.columns)
        changes = {}
        for c in update_columns:
            new_values, old_values = joined[c], joined[f"{c}__old"]
            if new_values.dtype == pl.Null:
                changes[c] = old_values.is_not_null()
            else:
                changes[c] = new_values.ne_missing(old_values.cast(new_values.dtype, strict=False))
        out.changed_fields = {c: int(m.sum()) for c, m in changes.items() if m.any()}
        changed = pl.any_horizontal(list(changes.values())) if changes else pl.lit(False)
        data = data.filter(joined.select(changed.alias("m"))["m"])
        out.updated, out.unchanged = data.height, old.height - data.height
        if data.height:
            stamp = ["import_id"] if "import_id" in table.c and "import_id" in insert_values else []
            data = data.with_columns(*[insert_values[c].alias(c) for c in stamp]) if stamp else data
            data = data.select([*update_columns, *stamp, "__id"])
            if conn.dialect.name == "postgresql":
                _update_by_copy(conn, table.name, [*update_columns, *stamp], data, tick)
            elif staging is not None:
                sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in [*update_columns, *stamp])
                target = q(table.name)
                for staged, height in staging.slices(conn, data):
                    conn.exec_driver_sql(
                        f"UPDATE {target} SET {sets} FROM {staged} AS s WHERE {target}.id = s.__id"
                    )
                    tick(height)
            else:
                sets = ", ".join(f"{q(c)} = §" for c in [*update_columns, *stamp])
                _executemany(conn, f"UPDATE {q(table.name)} SET {sets} WHERE id = §", data, tick)
    return out


def replace_links(conn: sa.Connection, org_id: int, frame: pl.DataFrame) -> int:
    """Set the links of the applications in ``frame`` to exactly the targets the file gives."""
    ids = {
        (n, e): i
        for n, e, i in conn.execute(
            sa.select(Application.name, Application.environment, Application.id).where(
                Application.org_id == org_id
            )
        )
    }
    app_ids = [ids[(n, e)] for n, e in frame.select("name", "environment").unique().iter_rows()]
    table: Any = ApplicationLink.__table__
    for start in range(0, len(app_ids), 1000):
        conn.execute(sa.delete(table).where(table.c.application_id.in_(app_ids[start : start + 1000])))
    links = [
        {"application_id": ids[(n, e)], "vm_id": vm, "cloud_instance_id": cl, "equipment_id": eq}
        for n, e, vm, cl, eq in frame.select(
            "name",
            "environment",
            *[
                pl.col(c) if c in frame.columns else pl.lit(None, pl.Int64).alias(c)
                for c in ("vm_id", "cloud_instance_id", "equipment_id")
            ],
        )
        .unique()
        .iter_rows()
        if vm is not None or cl is not None or eq is not None
    ]
    if links:
        conn.execute(sa.insert(table), links)
    return len(links)


def save_reviews(conn: sa.Connection, org_id: int, reviews: list[dict[str, Any]]) -> None:
    """Add or refresh one review row per ambiguous (manufacturer, model); resolved ones are left alone."""
    table: Any = ModelReview.__table__
    for r in reviews:
        where = sa.and_(
            table.c.org_id == org_id, table.c.manufacturer == r["manufacturer"], table.c.model == r["model"]
        )
        found = conn.execute(sa.select(table.c.id, table.c.status).where(where)).first()
        if found is None:
            conn.execute(sa.insert(table).values(org_id=org_id, status="open", **r))
        elif found.status == "open":
            conn.execute(
                sa.update(table)
                .where(table.c.id == found.id)
                .values(candidates=r["candidates"], items=r["items"])
            )
