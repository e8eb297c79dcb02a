"""A table's secondary indexes set aside while a large insert runs, and built again after it.

Each row inserted into ``equipment`` updates its ten secondary indexes one B-tree insert at a time;
building an index once over the finished table sorts its keys instead, which costs less when the insert
brings most of the table's rows (a first import of a large estate: figures in docs/performance.md, Import).
The indexes are dropped and re-created inside the import's transaction (SQLite's and PostgreSQL's DDL are
transactional), so a failed or killed import leaves the table and its indexes as they were.  Unique
indexes and those behind constraints stay: they check the rows as they arrive.  The statements that
re-create them are the database's own definitions, read before dropping them, so whatever created them
(models, migrations) they come back the same.

On PostgreSQL, ``DROP INDEX`` locks the table against readers until the import commits; it is only done
when the table holds few rows next to the insert (an estate being loaded, not one in daily use), and only
when that lock can be had at once: waiting for it behind another import doing the same would deadlock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

#: Rows inserted from which setting the indexes aside is considered: a small import never touches them.
FROM_ROWS = 50_000
#: ... and only when the table holds at most this share of the inserted rows already: building sorts every
#: row of the table, maintaining costs per inserted row, 1.2 (rows arriving in index order) to 3.4 (random
#: order) times what sorting one row costs (measured on SQLite, docs/performance.md).
EXISTING_SHARE = 0.5


def worth_it(conn: sa.Connection, table: str, inserted: int) -> bool:
    """Whether inserting ``inserted`` rows into ``table`` is faster with its indexes built afterwards."""
    if inserted < FROM_ROWS:
        return False
    q = conn.dialect.identifier_preparer.quote
    limit = int(inserted * EXISTING_SHARE) + 1
    # Counted up to the limit only: a large table is not scanned whole to learn that it is large.
    present = conn.exec_driver_sql(f"SELECT count(*) FROM (SELECT 1 FROM {q(table)} LIMIT {limit}) AS t")
    return int(present.scalar_one()) < limit


def secondary(conn: sa.Connection, table: str) -> list[tuple[str, str]]:
    """The (name, CREATE statement) of ``table``'s indexes that no constraint or uniqueness needs."""
    if conn.dialect.name == "sqlite":
        # Indexes made by UNIQUE or PRIMARY KEY constraints have no SQL of their own.
        rows = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL"
            " AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
            (table,),
        )
    else:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x"
                " JOIN pg_class c ON c.oid = x.indexrelid"
                " WHERE x.indrelid = to_regclass(:t) AND NOT x.indisunique AND NOT x.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)"
                " ORDER BY c.relname"
            ),
            {"t": conn.dialect.identifier_preparer.quote(table)},
        )
    return [(str(name), str(sql)) for name, sql in rows]


def _locked(conn: sa.Connection, table: str) -> bool:
    """PostgreSQL: take the table to ourselves now, or say that it is in use (then the indexes stay).
    The attempt is a savepoint, so a refusal leaves the import's transaction usable."""
    if conn.dialect.name != "postgresql":
        return True  # SQLite: the import's transaction already holds the only write lock
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(
            f"LOCK TABLE {conn.dialect.identifier_preparer.quote(table)} IN ACCESS EXCLUSIVE MODE NOWAIT"
        )
    except sa.exc.OperationalError:
        savepoint.rollback()
        return False
    savepoint.commit()  # the lock stays with the import's transaction
    return True


@contextmanager
def set_aside(conn: sa.Connection, table: str, inserted: int) -> Iterator[bool]:
    """Drop ``table``'s secondary indexes for the block when :func:`worth_it`, and re-create them after it
    (not after an error: the transaction's rollback restores them).  Yields whether they were set aside."""
    if not worth_it(conn, table, inserted) or not _locked(conn, table):
        yield False
        return
    found = secondary(conn, table)
    q = conn.dialect.identifier_preparer.quote
    for name, _sql in found:
        conn.exec_driver_sql(f"DROP INDEX {q(name)}")
    yield bool(found)
    for _name, sql in found:
        conn.exec_driver_sql(sql)
