"""Database engine, sessions and automatic migrations (SQLite by default, PostgreSQL when configured).

SQLite runs in WAL mode (readers never wait for a writer) with a busy timeout sized for Sobre's longest
write transactions (a million-row import, a footprint run's results).  Write transactions that read before
they write (an import) begin with ``BEGIN IMMEDIATE`` through :func:`write_transaction`, so that a second
writer waits for the first, says so, and then succeeds, instead of failing with "database is locked".
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase

from sobre.core.errors import SobreError

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
#: How long a writer waits for another one to finish (seconds); ``SOBRE_DB_BUSY_TIMEOUT`` overrides it.
BUSY_TIMEOUT_S = 300.0
#: The first, silent wait for the write lock before saying that we wait (milliseconds).
_QUICK_WAIT_MS = 200
_WRITE = "sobre_write"
_ON_WAIT = "sobre_on_wait"
SUPPORTED = ("sqlite", "postgresql")

# Stable constraint names so that migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)


class DatabaseBusy(SobreError):
    """Another Sobre command held the write lock for longer than the busy timeout."""


def busy_timeout() -> float:
    raw = os.environ.get("SOBRE_DB_BUSY_TIMEOUT")
    try:
        value = float(raw) if raw else BUSY_TIMEOUT_S
    except ValueError:
        raise SobreError(f"SOBRE_DB_BUSY_TIMEOUT must be a number of seconds, not {raw!r}") from None
    return max(value, 0.0)


def _is_busy(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "database is busy" in text


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # The driver must not open transactions on its own: SQLAlchemy's "begin" event does (see _sqlite_begin),
    # which is what lets a write transaction start with BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout() * 1000)}")
    mode = cur.execute("PRAGMA journal_mode").fetchone()
    if not mode or str(mode[0]).lower() != "wal":
        cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    raw: Any = conn.connection.dbapi_connection
    if not conn.info.get(_WRITE):
        raw.execute("BEGIN")
        return
    long_ms = int(busy_timeout() * 1000)
    raw.execute(f"PRAGMA busy_timeout={min(_QUICK_WAIT_MS, long_ms)}")
    try:
        raw.execute("BEGIN IMMEDIATE")
        return
    except Exception as exc:  # sqlite3.OperationalError, without importing the driver here
        if not _is_busy(exc):
            raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={long_ms}")
    notify = conn.info.get(_ON_WAIT)
    if notify is not None:
        notify(busy_timeout())
    try:
        raw.execute("BEGIN IMMEDIATE")
    except Exception as exc:
        if _is_busy(exc):
            raise DatabaseBusy(
                f"another Sobre command has been writing to the database for more than {busy_timeout():g} s; "
                "run this one again when it has finished (or raise SOBRE_DB_BUSY_TIMEOUT)"
            ) from None
        raise


def check_url(url: str) -> sa.URL:
    """Parse a database URL, refusing malformed ones and databases Sobre does not support."""
    try:
        parsed = sa.make_url(url)
    except Exception:
        raise SobreError(
            "the database URL is malformed (SOBRE_DATABASE_URL); expected sqlite:///PATH or "
            "postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgres":  # the spelling of Heroku-style URLs
        parsed = parsed.set(drivername="postgresql")
        backend = "postgresql"
    if backend not in SUPPORTED:
        raise SobreError(
            f"unsupported database {backend!r} (SOBRE_DATABASE_URL); Sobre works with SQLite (the default) "
            "and PostgreSQL"
        )
    return parsed


def make_engine(url: str) -> sa.Engine:
    parsed = check_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        engine = sa.create_engine(parsed, connect_args={"timeout": busy_timeout()})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
    else:
        try:
            engine = sa.create_engine(parsed, connect_args={"connect_timeout": 10})
        except ModuleNotFoundError:
            raise SobreError(
                "PostgreSQL needs its driver: install Sobre with the 'postgres' extra (psycopg)"
            ) from None
    return engine


def alembic_config(url: str) -> Config:
    """Alembic settings: the core's history plus each capability's own ``migrations`` folder.

    Each capability's migrations form a branch (``branch_labels = ("<capability>",)``) hanging off the
    core's history, so capabilities add tables without editing each other's files; ``upgrade`` applies
    every head.
    """
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(p).replace("%", "%%") for p in _migration_folders())
    )
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _migration_folders() -> list[Path]:
    from sobre.core.capabilities import migration_folders

    return migration_folders()


_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*(.+)$", re.M)
_DOWN = re.compile(r"^down_revision\s*(?::[^=]+)?=\s*(.+)$", re.M)


@cache
def known_heads() -> frozenset[str]:
    """The head revisions of every migration branch, read from the migration files' text.

    Reading the two assignments is enough to know whether a database is up to date, without importing
    Alembic and every migration module (a third of a second that small commands should not pay).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for folder in _migration_folders():
        for path in folder.glob("*.py"):
            text = path.read_text(encoding="utf-8")
            rev, down = _REVISION.search(text), _DOWN.search(text)
            if rev is None:
                continue
            revisions.add(str(ast.literal_eval(rev.group(1).strip())))
            value = ast.literal_eval(down.group(1).strip()) if down else None
            if isinstance(value, str):
                parents.add(value)
            elif isinstance(value, tuple | list):
                parents.update(str(v) for v in value)
    return frozenset(revisions - parents)


def _current_heads(conn: sa.Connection) -> set[str]:
    if not sa.inspect(conn).has_table("alembic_version"):
        return set()
    return {str(r) for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars()}


def upgrade(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration; a no-op when it is already there."""
    with engine.connect() as conn:
        if _current_heads(conn) == set(known_heads()):
            return
    from alembic import command

    sqlite = engine.dialect.name == "sqlite"
    with _write_connection(engine, None, foreign_keys=not sqlite) as conn:
        # Checked again under the write lock: another process may have just migrated.
        if _current_heads(conn) == set(known_heads()):
            return
        cfg = alembic_config(engine.url.render_as_string(False))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise SobreError(f"the migration would break {len(broken)} references; nothing was changed")


_ENGINES: dict[str, sa.Engine] = {}


def _engine_for(url: str) -> sa.Engine:
    engine = _ENGINES.get(url)
    if engine is not None:
        return engine
    from sobre.core import audit

    audit.install()  # every change made through this engine's sessions is audited
    engine = make_engine(url)
    try:
        upgrade(engine)
    except BaseException:
        engine.dispose()
        raise
    return _ENGINES.setdefault(url, engine)


def close_engine(url: str) -> None:
    """Close the pooled connections of ``url``'s engine, if one was made (it reconnects when used again):
    a process that works on many databases in turn (a test run) must not hold a pool open for each."""
    engine = _ENGINES.get(url)
    if engine is not None:
        engine.dispose()


_LAST_URL: list[str] = []


def get_engine(url: str) -> sa.Engine:
    """A migrated engine for ``url``, created once per process."""
    _LAST_URL[:] = [url]
    try:
        return _engine_for(url)
    except SobreError:
        raise
    except Exception as exc:
        described = describe_error(exc, url)
        if described is None:
            raise
        raise described from None


def session_factory(url: str) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = session_factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def _write_connection(
    engine: sa.Engine,
    on_wait: Callable[[float], None] | None,
    *,
    foreign_keys: bool = True,
    attach: dict[str, str] | None = None,
) -> Iterator[sa.Connection]:
    """A write transaction.  ``foreign_keys=False`` (SQLite) suspends the enforcement of foreign keys for
    its duration: a migration that rebuilds a table must not fire the ON DELETE actions of the rows that
    refer to it (SQLite's documented procedure for schema changes); the caller checks them itself.
    ``attach`` (SQLite): schema name → database file attached for the transaction's duration."""
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection
        if not foreign_keys:
            raw.execute("PRAGMA foreign_keys=OFF")  # only possible outside a transaction
        for schema, file in (attach or {}).items():
            raw.execute(f'ATTACH DATABASE ? AS "{schema}"', (file,))  # likewise
        conn.info[_WRITE] = True
        conn.info[_ON_WAIT] = on_wait
        try:
            with conn.begin():
                yield conn
        finally:
            conn.info.pop(_WRITE, None)
            conn.info.pop(_ON_WAIT, None)
            if not foreign_keys:
                raw.execute("PRAGMA foreign_keys=ON")
            for schema in attach or {}:
                raw.execute(f'DETACH DATABASE "{schema}"')


@contextmanager
def write_transaction(
    url: str,
    *,
    on_wait: Callable[[float], None] | None = None,
    lock: str | None = None,
    foreign_keys: bool = True,
    attach: dict[str, str] | None = None,
) -> Iterator[sa.Connection]:
    """A connection inside a transaction that holds the right to write from its first statement.

    SQLite: ``BEGIN IMMEDIATE``; when another command writes, ``on_wait(timeout_s)`` is called once and
    the transaction waits up to the busy timeout (then :class:`DatabaseBusy`).  PostgreSQL: rows lock
    themselves; ``lock`` names an advisory lock taken for the transaction (e.g. one per organisation's
    import), with the same ``on_wait`` notice when it is held by another session.
    ``foreign_keys=False`` lets SQLite skip its per-row reference checks, for bulk writes whose references
    the caller resolved from the database inside the same transaction.  ``attach`` (SQLite only, ignored
    elsewhere) attaches database files under schema names for the transaction (ATTACH is refused inside
    one), e.g. staging files that another connection fills and the transaction copies from.
    Commits on success, rolls back on any error.
    """
    engine = get_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with _write_connection(
        engine, on_wait, foreign_keys=foreign_keys or not sqlite, attach=attach if sqlite else None
    ) as conn:
        if lock is not None and engine.dialect.name == "postgresql":
            key = sa.func.hashtext(lock)
            if not conn.execute(sa.select(sa.func.pg_try_advisory_xact_lock(key))).scalar():
                if on_wait is not None:
                    on_wait(busy_timeout())
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(busy_timeout() * 1000)}ms'")
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
        yield conn


@contextmanager
def write_session(url: str, *, on_wait: Callable[[float], None] | None = None) -> Iterator[Session]:
    """A unit of work that holds the right to write from its first statement.

    For work that reads then writes beside other writers (e.g. many agents posting at once): on SQLite a
    deferred transaction that upgrades to writing after another writer committed fails at once with
    "database is locked", without waiting; ``BEGIN IMMEDIATE`` waits its turn instead.
    """
    from sqlalchemy.orm import Session

    with write_transaction(url, on_wait=on_wait) as conn:
        session = Session(bind=conn)
        try:
            yield session
            session.flush()
        finally:
            session.close()


def _sqlite_path(url: str) -> str:
    try:
        database = sa.make_url(url).database
    except Exception:
        return "the database"
    return database or "the in-memory database"


def describe_error(exc: BaseException, url: str | None = None) -> SobreError | None:
    """A one-line, actionable :class:`SobreError` for a database failure, or None when it is not one."""
    if not isinstance(exc, sa.exc.SQLAlchemyError | OSError) and type(exc).__module__ not in (
        "sqlite3",
        "psycopg",
        "psycopg.errors",
    ):
        return None
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    lower = text.lower()
    url = url or (_LAST_URL[0] if _LAST_URL else None)
    where = _sqlite_path(url) if url and url.startswith("sqlite") else "the database"
    if isinstance(exc, sa.exc.NoSuchModuleError):
        return SobreError(f"unsupported database driver ({text}); Sobre works with SQLite and PostgreSQL")
    if isinstance(exc, sa.exc.ArgumentError):
        return SobreError(f"the database URL is malformed ({text})")
    if _is_busy(exc):
        return DatabaseBusy(
            "the database is busy: another Sobre command is writing to it; run this one again when it has "
            "finished (or raise SOBRE_DB_BUSY_TIMEOUT)"
        )
    if "file is not a database" in lower or "malformed" in lower or "not a database" in lower:
        return SobreError(
            f"{where} is not a Sobre database or is corrupt ({text}); restore it from a backup, or point "
            "--home / SOBRE_DATABASE_URL elsewhere"
        )
    if "readonly" in lower or "read-only" in lower:
        return SobreError(
            f"{where} is read-only ({text}); Sobre needs to write to the database file and its folder"
        )
    if "unable to open database file" in lower:
        return SobreError(f"cannot open {where} ({text}); check that its folder exists and is writable")
    if isinstance(exc, sa.exc.OperationalError) and url and url.startswith("postgres"):
        safe = sa.make_url(url).render_as_string(hide_password=True)
        return SobreError(f"cannot reach the PostgreSQL database {safe} ({text})")
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.DatabaseError):
        return SobreError(f"database error: {text}")
    return None
