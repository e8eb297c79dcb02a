"""SQLite bulk writes: Arrow columns bound in C, then one statement inside the import's transaction.

Python's ``sqlite3.executemany`` binds every value of every row from a Python object (a million rows of
twenty columns: twenty million objects made, then bound one by one).  Instead, each slice of rows is
written as Arrow columns by ADBC's SQLite driver (``adbc-driver-sqlite``, which binds them in C) into a
scratch database file outside the database; the import's own connection loads that file's image into an
in-memory schema (``sqlite3.Connection.deserialize``) and copies the rows with one ``INSERT … SELECT`` or
``UPDATE … FROM``.  The database changes only through the import's transaction, so a failed or killed
import leaves nothing in it; the scratch file lives in a temporary folder removed afterwards.

The in-memory schema is attached before the transaction begins (SQLite refuses ``ATTACH`` inside one; see
``core.db.write_transaction(attach=…)``); reloading its image inside the transaction is allowed.
Figures: docs/performance.md (Import); the choice: docs/decisions.md.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

#: Rows per slice: a slice's scratch image is held twice in memory (file bytes, SQLite's copy).
SLICE = 200_000


class Staging:
    """The scratch file and the in-memory schema of one import (SQLite)."""

    schema = "sobre_stage"

    def __init__(self, folder: Path) -> None:
        self.file = folder / "stage.db"

    @property
    def attach(self) -> dict[str, str]:
        """What ``write_transaction`` attaches before the transaction begins."""
        return {self.schema: ":memory:"}

    def slices(self, conn: sa.Connection, frame: pl.DataFrame) -> Iterator[tuple[str, int]]:
        """Load ``frame`` slice by slice into the staging schema; yields its table's qualified name and the
        slice's height, to be copied before the next slice replaces it."""
        # The low-level API: the DB-API module imports pyarrow.dataset and pandas (seconds at start-up);
        # Polars hands its columns over through the Arrow C stream interface, without pyarrow.
        import adbc_driver_manager as adbc
        import adbc_driver_sqlite

        raw: Any = conn.connection.dbapi_connection
        ready = _arrow_ready(frame)
        for start in range(0, ready.height, SLICE):
            part = ready.slice(start, SLICE)
            self.file.unlink(missing_ok=True)
            with (
                adbc_driver_sqlite.connect(str(self.file)) as database,
                adbc.AdbcConnection(database) as scratch,
                adbc.AdbcStatement(scratch) as statement,
            ):
                statement.set_sql_query("PRAGMA journal_mode=OFF")  # a scratch file: nothing to recover
                statement.execute_update()
                statement.set_options(
                    **{
                        adbc.INGEST_OPTION_TARGET_TABLE: "rows",
                        adbc.INGEST_OPTION_MODE: adbc.INGEST_OPTION_MODE_CREATE,
                    }
                )
                statement.bind_stream(part)
                statement.execute_update()
            raw.deserialize(self.file.read_bytes(), name=self.schema)
            yield f'"{self.schema}"."rows"', part.height


def _arrow_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Values stored as ``executemany`` binds them: dates as SQLAlchemy's ``YYYY-MM-DD`` text, booleans as
    0/1, a column empty in every row as text (Arrow's null type has no SQLite column type)."""
    fixes = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            fixes.append(pl.col(name).dt.to_string("%Y-%m-%d"))
        elif dtype == pl.Boolean:
            fixes.append(pl.col(name).cast(pl.Int64))
        elif dtype == pl.Null:
            fixes.append(pl.col(name).cast(pl.Utf8))
    return frame.with_columns(fixes) if fixes else frame


def usable(conn: sa.Connection) -> bool:
    """Whether the connection can load a staging image (SQLite with ``deserialize``: Python 3.11+ on an
    SQLite built with it, which is the default); otherwise the import binds its rows with executemany."""
    return conn.dialect.name == "sqlite" and hasattr(conn.connection.dbapi_connection, "deserialize")


@contextmanager
def staging() -> Iterator[Staging]:
    """A staging area in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="sobre-import-") as folder:
        yield Staging(Path(folder))
