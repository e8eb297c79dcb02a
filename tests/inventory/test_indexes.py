"""A large first insert builds the table's secondary indexes afterwards: same indexes, same rows, and a
failed import leaves them as they were (both backends)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.inventory import importer, indexes
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
