"""Writing validated frames to the database: reference resolution, insert-or-update by natural key.

Everything here runs on one connection inside the caller's transaction, so a file lands whole or not at
all.  SQLite: new and changed rows go through the driver's ``executemany`` with plain tuples.
PostgreSQL: new rows are streamed with ``COPY``; changed rows are copied into a temporary table and
applied with one ``UPDATE … FROM``.  A million rows in seconds, where ORM objects would take minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import polars as pl
import sqlalchemy as sa

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


def resolve_refs(
    conn: sa.Connection,
    kind: str,
    org_id: int,
    frame: pl.DataFrame,
    headers: dict[str, str],
    *,
    create_departments: bool = True,
) -> tuple[pl.DataFrame, list[Problem], list[str]]:
    """Replace names of parents by ids.  Unknown parents reject the row; unknown departments are created."""
    problems: list[Problem] = []
    created: list[str] = []
    for field, (target, column) in REF_COLUMNS[kind].items():
        if field not in frame.columns:
            continue
        names = [n for n in frame[field].drop_nulls().unique().to_list()]
        known = existing_names(conn, target, org_id) if names else {}
        if target == "application" and names:
            # Applications are keyed by (name, environment): a bare name must designate one.
            counts: dict[str, int] = {}
            for (n,) in conn.execute(sa.select(Application.name).where(Application.org_id == org_id)):
                counts[n] = counts.get(n, 0) + 1
            ambiguous = {n for n, c in counts.items() if c > 1}
        else:
            ambiguous = set()
        missing = [n for n in names if n not in known]
        if target == "department" and missing and create_departments:
            conn.execute(sa.insert(Department), [{"org_id": org_id, "name": n} for n in missing])
            created.extend(missing)
            known = existing_names(conn, "department", org_id)
            missing = []
        mapping = {n: known.get(n) for n in names if n not in ambiguous}
        frame = frame.with_columns(
            pl.col(field).replace_strict(mapping, default=None, return_dtype=pl.Int64).alias(column)
        )
        bad = frame.filter(pl.col(field).is_not_null() & pl.col(column).is_null()).select(ROW, field)
        header = headers.get(field, field)
        for line, name in bad.iter_rows():
            if name in ambiguous:
                reason = f"{_KIND_LABEL[target]} {name} exists in several environments; name one with its id"
            else:
                reason = (
                    f"{_KIND_LABEL[target]} {name} does not exist within the inventory "
                    f"(import it first with --kind {_HOW.get(target, target)})"
                )
            problems.append(Problem(line, header, name, reason))
    return frame, problems, created


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
    sets = ", ".join(f"{q(c)} = s.{q(c)}" for c in columns)
    conn.exec_driver_sql(f"UPDATE {q(table)} AS t SET {sets} FROM {staging} AS s WHERE t.id = s.id")
    conn.exec_driver_sql(f"DROP TABLE {staging}")


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
) -> tuple[int, int]:
    """Insert the rows whose natural key is new, update the others.  Returns (inserted, updated)."""
    model = MODELS[kind]
    table = model.__table__
    existing = conn.execute(sa.select(*[table.c[k] for k in key], table.c.id).where(table.c.org_id == org_id))
    ex = pl.DataFrame(list(existing), schema={**{k: pl.Utf8 for k in key}, "__id": pl.Int64}, orient="row")
    frame = frame.join(ex, on=key, how="left", nulls_equal=True)
    new = frame.filter(pl.col("__id").is_null())
    old = frame.filter(pl.col("__id").is_not_null())
    q = conn.dialect.identifier_preparer.quote  # "user" is a reserved word in PostgreSQL
    if new.height:
        data = new.select([insert_values[c].alias(c) for c in insert_values])
        # Columns that are empty in every row are left to the database (NULL): fewer values to bind.
        cols = [c for c in data.columns if not (data[c].null_count() == data.height and table.c[c].nullable)]
        data = data.select(cols)
        names = ", ".join(map(q, cols))
        if conn.dialect.name == "postgresql":
            _copy(conn, f"COPY {q(table.name)} ({names}) FROM STDIN (FORMAT csv)", data, tick)
        else:
            sql = f"INSERT INTO {q(table.name)} ({names}) VALUES ({', '.join('§' for _ in cols)})"
            _executemany(conn, sql, data, tick)
    if old.height and update_columns:
        data = old.select([insert_values[c].alias(c) for c in update_columns] + [pl.col("__id")])
        if conn.dialect.name == "postgresql":
            _update_by_copy(conn, table.name, update_columns, data, tick)
        else:
            sets = ", ".join(f"{q(c)} = §" for c in update_columns)
            _executemany(conn, f"UPDATE {q(table.name)} SET {sets} WHERE id = §", data, tick)
    return new.height, old.height


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
