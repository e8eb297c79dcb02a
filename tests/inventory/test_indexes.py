"""A large first insert builds the table's secondary indexes afterwards: same indexes, same rows, and a
failed import leaves them as they were (both backends)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sobre.core.db import close_engine, get_engine, session_scope
from sobre.inventory import importer, indexes, store
from sobre.inventory.importer import import_file
from sobre.orgs import service

HEADER = "name;category;manufacturer;model;serial;quantity;status;purchase_date;country;department"
ROWS = [
    "pc-1;Portable;Dell;Latitude 5400;SN1;1;En service;15/03/2021;France;Finance",
    "pc-2;laptop;HP;EliteBook 840 G6;SN2;2;Rebut;2021-03-15;Allemagne;IT",
    "scr-1;Écran;Dell;P2419H;;3;En stock;20210315;FR;",
    "srv-1;Serveur;Acme;Widget 3000;SN4;1;En service;;Spain;IT",
]


def _secondary(url: str) -> list[tuple[str, str]]:
    with get_engine(url).connect() as conn:
        return indexes.secondary(conn, "equipment")


def _rows(url: str) -> list[tuple[Any, ...]]:
    with get_engine(url).connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.text(
                    "SELECT name, category, manufacturer, serial, quantity, status FROM equipment ORDER BY id"
                )
            )
        ]


def _file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "eq.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_indexes_come_back_the_same(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with session_scope(db_url) as s:
        service.create(s, "Acme")
    before = _secondary(db_url)
    assert len(before) >= 7  # the list orders' indexes at least
    used = []
    real = indexes.set_aside

    def spy(conn: sa.Connection, table: str, inserted: int) -> Any:
        used.append((table, inserted, indexes.worth_it(conn, table, inserted)))
        return real(conn, table, inserted)

    monkeypatch.setattr(indexes, "FROM_ROWS", 2)
    monkeypatch.setattr(indexes, "set_aside", spy)
    summary = import_file(db_url, "Acme", _file(tmp_path, ROWS), rejects_dir=tmp_path)
    assert summary.inserted == 4
    assert used == [("equipment", 4, True)]
    assert _secondary(db_url) == before
    assert [r[0] for r in _rows(db_url)] == ["pc-1", "pc-2", "scr-1", "srv-1"]
    # A second import of as many rows into a table that holds them already keeps the indexes.
    more = [r.replace("-1;", "-9;").replace("pc-2", "pc-8").replace(";SN", ";SX") for r in ROWS]
    import_file(db_url, "Acme", _file(tmp_path, more), rejects_dir=tmp_path)
    assert used[-1] == ("equipment", 4, False)
    assert _secondary(db_url) == before
    assert len(_rows(db_url)) == 8


def test_a_failed_import_leaves_the_indexes(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(db_url) as s:
        service.create(s, "Acme")
    before = _secondary(db_url)
    monkeypatch.setattr(indexes, "FROM_ROWS", 2)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer.audit, "record", fail)  # after the rows and the indexes are written
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(db_url, "Acme", _file(tmp_path, ROWS), rejects_dir=tmp_path)
    assert _secondary(db_url) == before
    assert _rows(db_url) == []


def test_small_imports_keep_the_indexes(db_url: str) -> None:
    with get_engine(db_url).connect() as conn:
        assert not indexes.worth_it(conn, "equipment", indexes.FROM_ROWS - 1)
        assert indexes.worth_it(conn, "equipment", indexes.FROM_ROWS)


def test_a_table_in_use_keeps_its_indexes_on_postgresql(db_url: str) -> None:
    """Another transaction holding the table: the import keeps the indexes instead of waiting for it."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL locks")
    from sobre.core.db import write_transaction

    engine = get_engine(db_url)
    with engine.connect() as other, other.begin():
        other.exec_driver_sql("SELECT count(*) FROM equipment").scalar()  # holds ACCESS SHARE
        with write_transaction(db_url) as conn, indexes.set_aside(conn, "equipment", 10**6) as aside:
            assert aside is False
            assert conn.exec_driver_sql("SELECT count(*) FROM equipment").scalar() == 0  # still usable
    with engine.connect() as conn, conn.begin(), indexes.set_aside(conn, "equipment", 10**6) as aside:
        assert aside is True


def _schema(url: str) -> list[tuple[Any, ...]]:
    """SQLite: every table, index and trigger as the database defines it; PostgreSQL: every index."""
    with get_engine(url).connect() as conn:
        if conn.dialect.name == "sqlite":
            rows = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
        else:
            rows = conn.exec_driver_sql(
                "SELECT 'index', indexname, tablename, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema() ORDER BY indexname"
            )
        return [tuple(r) for r in rows]


def _all_rows(url: str) -> list[tuple[Any, ...]]:
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM equipment ORDER BY id")]


def _many(prefix: str, n: int) -> list[str]:
    return [
        f"{prefix}-{i};Portable;Dell;Latitude 5400;{prefix}SN{i};1;En service;;France;IT" for i in range(n)
    ]


def test_the_index_set_after_an_import_is_the_migrations(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The indexes re-created from their stored definitions are the ones a freshly migrated database has,
    every index of ``sqlite_master`` compared (name, table, SQL)."""
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    get_engine(fresh)  # opening a new database runs every migration
    with session_scope(sqlite_url) as s:
        service.create(s, "Acme")
    monkeypatch.setattr(indexes, "FROM_ROWS", 2)
    assert (
        import_file(sqlite_url, "Acme", _file(tmp_path, _many("pc", 30)), rejects_dir=tmp_path).inserted == 30
    )
    # Indexes only: the tables' CREATE statements list their constraints in whatever order the migrations
    # met them, which differs between a migrated template and a database migrated in this test.
    imported = [r for r in _schema(sqlite_url) if r[0] == "index"]
    assert len(imported) >= 20
    assert imported == [r for r in _schema(fresh) if r[0] == "index"]
    close_engine(fresh)


def test_a_reader_during_a_large_import_sees_the_committed_table_with_its_indexes(
    org_sqlite: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WAL: while the import has dropped the indexes and inserted its rows (not yet committed), another
    connection sees the old rows, the indexes in the schema, and its query plans use them."""
    import_file(org_sqlite, "Acme", _file(tmp_path, ROWS), rejects_dir=tmp_path)
    before = _all_rows(org_sqlite)
    monkeypatch.setattr(indexes, "FROM_ROWS", 2)
    path = sa.make_url(org_sqlite).database
    seen: dict[str, Any] = {}
    real = store._insert

    def insert_then_look(conn: sa.Connection, table: str, *args: Any, **kwargs: Any) -> None:
        real(conn, table, *args, **kwargs)
        mine = conn.exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_equipment_org_id_name'"
        )
        seen["dropped here"] = mine.scalar_one() == 0
        seen["inserted here"] = conn.exec_driver_sql("SELECT count(*) FROM equipment").scalar_one()
        with sqlite3.connect(path) as reader:
            seen["rows"] = reader.execute("SELECT * FROM equipment ORDER BY id").fetchall()
            seen["plan"] = " ".join(
                str(r[-1])
                for r in reader.execute(
                    "EXPLAIN QUERY PLAN SELECT id, name FROM equipment WHERE org_id = 1"
                    " ORDER BY name, id LIMIT 50"
                )
            )
            seen["indexes"] = {
                r[0] for r in reader.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            }

    monkeypatch.setattr(store, "_insert", insert_then_look)
    summary = import_file(org_sqlite, "Acme", _file(tmp_path, _many("nb", 20)), rejects_dir=tmp_path)
    assert summary.inserted == 20
    assert seen["dropped here"] and seen["inserted here"] == 24
    assert seen["rows"] == [tuple(r) for r in before]
    assert "ix_equipment_org_id_name" in seen["indexes"]
    assert "INDEX ix_equipment_org_id_name" in seen["plan"], seen["plan"]
    with sqlite3.connect(path) as reader:
        assert reader.execute("SELECT count(*) FROM equipment").fetchone() == (24,)


def test_a_failure_midway_leaves_schema_and_rows_as_they_were(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The import fails with its indexes dropped and its rows inserted, before re-creating them: the
    rollback restores the schema (every table and index) and the rows exactly."""
    with session_scope(db_url) as s:
        service.create(s, "Acme")
    import_file(db_url, "Acme", _file(tmp_path, ROWS), rejects_dir=tmp_path)
    schema, rows = _schema(db_url), _all_rows(db_url)
    monkeypatch.setattr(indexes, "FROM_ROWS", 2)
    real = store._insert
    dropped = []

    def insert_then_fail(conn: sa.Connection, table: str, *args: Any, **kwargs: Any) -> None:
        real(conn, table, *args, **kwargs)
        dropped.append(indexes.secondary(conn, "equipment"))
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_insert", insert_then_fail)
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(db_url, "Acme", _file(tmp_path, _many("nb", 20)), rejects_dir=tmp_path)
    assert dropped == [[]]  # it did fail midway, the secondary indexes gone
    assert _schema(db_url) == schema
    assert _all_rows(db_url) == rows
