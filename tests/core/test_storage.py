"""Storage works the same on SQLite and PostgreSQL: migrations, organisations, atomic units of work."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.core.errors import NotFound, SobreError
from sobre.orgs import service


def test_migrations_create_every_table(empty_db_url: str) -> None:
    tables = set(sa.inspect(get_engine(empty_db_url)).get_table_names())
    assert {
        "organisation",
        "site",
        "department",
        "equipment",
        "virtual_machine",
        "cloud_instance",
        "application",
        "application_link",
        "storage_volume",
        "import_batch",
    } <= tables
    assert "alembic_version" in tables


def test_organisations_are_separate_and_unique(db_url: str) -> None:
    with session_scope(db_url) as s:
        service.create(s, "Ville A", employees=10)
        service.create(s, "Client B")
    with session_scope(db_url) as s:
        assert [o.name for o in service.list_all(s)] == ["Client B", "Ville A"]
        with pytest.raises(SobreError, match="already exists"):
            service.create(s, "Ville A")
    with session_scope(db_url) as s, pytest.raises(NotFound, match="Ville A"):
        service.get(s, "Nowhere")


def test_a_failed_unit_of_work_leaves_nothing(db_url: str) -> None:
    with pytest.raises(RuntimeError), session_scope(db_url) as s:
        service.create(s, "Half")
        raise RuntimeError("boom")
    with session_scope(db_url) as s:
        assert service.list_all(s) == []
