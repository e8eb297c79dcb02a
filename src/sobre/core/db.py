"""Database engine, sessions and automatic migrations (SQLite by default, PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

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


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> sa.Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = sa.create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(url: str) -> Config:
    """Alembic settings: the core's history plus each capability's own ``migrations`` folder.

    Each capability's migrations form a branch (``branch_labels = ("<capability>",)``) hanging off the
    core's history, so capabilities add tables without editing each other's files; ``upgrade`` applies
    every head.
    """
    from sobre.core.capabilities import migration_folders

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option(
        "version_locations", os.pathsep.join(str(p).replace("%", "%%") for p in migration_folders())
    )
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: sa.Engine) -> None:
    """Bring the schema to the newest migration; a no-op when it is already there."""
    script = ScriptDirectory.from_config(alembic_config(engine.url.render_as_string(False)))
    with engine.begin() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
        if set(current) == set(script.get_heads()):
            return
        cfg = alembic_config(engine.url.render_as_string(False))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


@cache
def _engine_for(url: str) -> sa.Engine:
    from sobre.core import audit

    audit.install()  # every change made through this engine's sessions is audited
    engine = make_engine(url)
    upgrade(engine)
    return engine


def get_engine(url: str) -> sa.Engine:
    """A migrated engine for ``url``, created once per process."""
    return _engine_for(url)


def session_factory(url: str) -> sessionmaker[Session]:
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
