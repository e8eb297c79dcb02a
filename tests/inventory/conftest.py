"""Fixtures for inventory tests: a database with one organisation."""

from __future__ import annotations

import pytest

from sobre.core.db import session_scope
from sobre.orgs import service


@pytest.fixture
def org_db(db_url: str) -> str:
    """A fresh database (SQLite and PostgreSQL) holding organisation "Acme"."""
    with session_scope(db_url) as s:
        service.create(s, "Acme")
    return db_url


@pytest.fixture
def org_sqlite(sqlite_url: str) -> str:
    with session_scope(sqlite_url) as s:
        service.create(s, "Acme")
    return sqlite_url
