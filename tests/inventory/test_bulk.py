"""SQLite bulk writes through Arrow staging store exactly what the driver's executemany stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sobre.core.db import close_engine, get_engine, session_scope
from sobre.inventory import bulk, importer
from sobre.inventory.importer import import_file
from sobre.orgs import service

HEADER = (
    "name;category;manufacturer;model;serial;quantity;status;purchase_date;retirement_date;lifetime_years;"
    "annual_kwh;refurbished;country;department;user;comment"
)
ROWS = [
    "pc-1;Portable;Dell;Latitude 5400;SN1;1;En service;15/03/2021;;4;12,5;oui;France;Finance;a@b.fr;",
    "pc-2;laptop;HP;EliteBook 840 G6;SN2;2;Rebut;2021-03-15;2025-01-01;;1 234,5;non;Allemagne;IT;;l'été",
    "scr-1;Écran;Dell;P2419H;;3;En stock;20210315;;6;;;FR;;;=1+2",
    "odd-1;Serveur;Acme;Widget 3000;SN4;1;En service;;;30;0;1;Spain;IT;x\u00e9\u4e2d;",
]


def _database(path: Path) -> str:
    url = f"sqlite:///{path}"
    with session_scope(url) as s:
        service.create(s, "Acme")
    return url


def _stored(url: str) -> list[tuple[Any, ...]]:
    """Every stored column of every item, with its SQLite storage class; departments by name (their ids
    follow the order in which an import meets them, which Polars' ``unique`` does not fix)."""
    with get_engine(url).connect() as conn:
        columns = [
            r[1]
            for r in conn.exec_driver_sql("PRAGMA table_info(equipment)")
            if r[1] not in ("id", "import_id", "department_id")
        ]
        picks = ", ".join(f'e."{c}", typeof(e."{c}")' for c in columns)
        sql = (
            f"SELECT {picks}, d.name FROM equipment AS e LEFT JOIN department AS d ON d.id = e.department_id "
            "ORDER BY e.id"
        )
        return [tuple(r) for r in conn.exec_driver_sql(sql)]


def test_staged_rows_equal_bound_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = tmp_path / "eq.csv"
    first.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    changed = tmp_path / "eq2.csv"
    rows = [ROWS[0].replace(";12,5;", ";13;"), ROWS[1].replace("Rebut", "En service"), *ROWS[2:]]
    changed.write_text("\n".join([HEADER, *rows, "new-1;Portable;Dell;X;SN9;1;;;;;;;FR;;;"]) + "\n")

    staged = _database(tmp_path / "staged.db")
    summaries = [import_file(staged, "Acme", f, rejects_dir=tmp_path).to_dict() for f in (first, changed)]

    calls: list[int] = []
    real = bulk.Staging.slices

    def counting(self: bulk.Staging, conn: sa.Connection, frame: Any) -> Any:
        calls.append(frame.height)
        return real(self, conn, frame)

    monkeypatch.setattr(bulk.Staging, "slices", counting)
    again = _database(tmp_path / "again.db")
    [import_file(again, "Acme", f, rejects_dir=tmp_path) for f in (first, changed)]
    assert calls == [4, 1, 2]  # inserts, then the re-import's new row and its two changed rows

    # The reference: the same imports with no staging area, so the rows go through executemany.
    monkeypatch.setattr(bulk.Staging, "slices", lambda *a: pytest.fail("staging used"))
    write_parts = importer._write_parts
    monkeypatch.setattr(importer, "_write_parts", lambda *args: write_parts(*args[:-1], None))
    bound = _database(tmp_path / "bound.db")
    expected = [import_file(bound, "Acme", f, rejects_dir=tmp_path).to_dict() for f in (first, changed)]

    assert _stored(staged) == _stored(bound) == _stored(again)
    assert len(_stored(staged)) == 5
    for got, want in zip(summaries, expected, strict=True):
        got.pop("file"), want.pop("file")
        # Departments are listed in the order the import met them (Polars' unique does not fix it).
        got["created_departments"].sort(), want["created_departments"].sort()
        assert got == want
    for url in (staged, again, bound):
        close_engine(url)


def test_a_bulk_import_leaves_statistics_on_postgresql(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without statistics, the foreign-key checks of a VM import planned a walk of a whole list index per
    row (minutes for a million hosts): the import's COPY refreshes them (from ANALYZE_FROM rows)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL statistics")
    from sobre.inventory import store

    monkeypatch.setattr(store, "ANALYZE_FROM", 3)
    with session_scope(db_url) as s:
        service.create(s, "Acme")
    path = tmp_path / "eq.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    import_file(db_url, "Acme", path, rejects_dir=tmp_path)
    with get_engine(db_url).connect() as conn:
        sql = "SELECT count(*) FROM pg_stats WHERE tablename = 'equipment'"
        analysed = conn.exec_driver_sql(sql).scalar()
    assert analysed
