"""Read one organisation's inventory from the database into the engine's frames (``schema.Inventory``).

Reads are bulk: one SQL statement per table on the raw DBAPI cursor, columns built straight into Polars
(a million equipment rows in a few seconds on SQLite).  Dates are selected as ISO text and booleans as
integers so that SQLite and PostgreSQL give the same Python values without per-row conversion.
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

import sobre.core.models  # noqa: F401  (registers every table in Base.metadata)
from sobre.core.db import Base
from sobre.footprint import schema
from sobre.footprint.schema import Inventory

#: Frame → (table, contract schema).  The SELECT list is built from the contract: a contract column the
#: table does not hold (``measured_kwh`` comes from supervision, a cloud instance's ``model_ref`` from a
#: connector) is selected as NULL, so the frames always match ``footprint.schema`` even as it grows.
_SOURCES: dict[str, tuple[str, dict[str, Any]]] = {
    "sites": ("site", schema.SITES),
    "departments": ("department", schema.DEPARTMENTS),
    "equipment": ("equipment", schema.EQUIPMENT),
    "vms": ("virtual_machine", schema.VMS),
    "cloud": ("cloud_instance", schema.CLOUD),
    "applications": ("application", schema.APPLICATIONS),
    "app_links": ("application_link", schema.APP_LINKS),
    "storage": ("storage_volume", schema.STORAGE),
}
_BATCH = 200_000


def _select(table: str, types: dict[str, Any]) -> str:
    held = set(Base.metadata.tables[table].columns.keys())
    prefix = "l." if table == "application_link" else ""
    parts = []
    for name, dtype in types.items():
        if name not in held:
            parts.append(f"NULL AS {name}")
        elif dtype == pl.Date:
            # ISO text on both backends, parsed once in Polars.
            parts.append(f"CAST({prefix}{name} AS VARCHAR(10)) AS {name}")
        elif dtype == pl.Boolean:
            parts.append(f"CAST({prefix}{name} AS INTEGER) AS {name}")
        else:
            parts.append(f"{prefix}{name}")
    if table == "application_link":
        # Links carry no organisation of their own: they belong to the application's.
        source = "application_link l JOIN application a ON a.id = l.application_id WHERE a.org_id = :org"
    else:
        source = f"{table} WHERE org_id = :org"
    return f"SELECT {', '.join(parts)} FROM {source}"


def _connection(session_or_conn: Session | sa.Connection) -> sa.Connection:
    if isinstance(session_or_conn, Session):
        return session_or_conn.connection()
    return session_or_conn


def _read(conn: sa.Connection, sql: str, types: dict[str, Any], org_id: int) -> pl.DataFrame:
    # The raw DBAPI cursor skips SQLAlchemy's per-row wrapping (a third of the time on a million rows);
    # batches keep the Python tuples of only one batch alive at a time.
    raw_types = {n: pl.Utf8 if t == pl.Date else pl.Int64 if t == pl.Boolean else t for n, t in types.items()}
    if conn.dialect.name == "postgresql":
        sql = sql.replace(":org", "%(org)s")
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    parts = [pl.DataFrame(schema=raw_types)]
    try:
        cursor.execute(sql, {"org": org_id})
        while batch := cursor.fetchmany(_BATCH):
            parts.append(pl.DataFrame(batch, schema=raw_types, orient="row", strict=False))
    finally:
        cursor.close()
    frame = pl.concat(parts)
    converted = []
    for name, dtype in types.items():
        if dtype == pl.Date:
            # Selected as ISO text on both backends; a stored date is always YYYY-MM-DD.
            converted.append(pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            converted.append(pl.col(name).cast(pl.Boolean))
    return frame.with_columns(converted) if converted else frame


def load_inventory(session_or_conn: Session | sa.Connection, org_id: int) -> Inventory:
    """The organisation's inventory as the engine's frames, typed exactly as ``footprint.schema`` says.

    Application links are read through the application table (links carry no organisation of their own),
    so an inventory never sees another organisation's links.
    """
    conn = _connection(session_or_conn)
    frames = {
        name: _read(conn, _select(table, types), types, org_id) for name, (table, types) in _SOURCES.items()
    }
    return Inventory(**frames)


def inputs_hash(inventory: Inventory) -> str:
    """A SHA-256 of the inventory's content, independent of row order and stable across runs.

    Each frame is sorted on all its columns and written as CSV (plain text, so the hash does not depend on
    the Polars version's internal row hash), then fed to the digest with the frame's name and columns.
    """
    digest = hashlib.sha256()
    for name in _SOURCES:
        frame: pl.DataFrame = getattr(inventory, name)
        digest.update(f"\x1e{name}\x1f{','.join(frame.columns)}\n".encode())
        if frame.height:
            ordered = frame.sort(frame.columns, nulls_last=True)
            digest.update(ordered.write_csv(include_header=False, null_value="\\N").encode())
    return digest.hexdigest()
