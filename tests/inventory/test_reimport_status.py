"""Re-importing a file keeps the lifecycle statuses set in Sobre since the last import (both databases)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.inventory.importer import import_file
from sobre.inventory.models import Equipment
from sobre.inventory.service import set_equipment_state

HEADER = "name;category;manufacturer;model;serial;status;purchase_date;retirement_date;department"
ROWS = [
    "pc-1;Portable;Dell;Latitude 5400;SN1;En service;15/03/2021;;Finance",
    "pc-2;Portable;Dell;Latitude 5400;SN2;En service;15/03/2021;;Finance",
    "pc-3;Portable;Dell;Latitude 5400;SN3;En stock;15/03/2021;;IT",
]


def _file(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _state(url: str) -> dict[str, tuple[str, date | None, str | None]]:
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            sa.select(Equipment.name, Equipment.status, Equipment.retirement_date, Equipment.status_label)
        ).all()
    return {name: (status, retired, label) for name, status, retired, label in rows}


def _set_in_sobre(url: str, name: str, status: str, retired: date | None) -> None:
    """What the lifecycle capability does when an event is recorded (through the inventory's service)."""
    with session_scope(url) as s:
        org_id, item_id = s.execute(
            sa.select(Equipment.org_id, Equipment.id).where(Equipment.name == name)
        ).one()
        set_equipment_state(s, org_id, item_id, status=status, retirement_date=retired)


def test_status_set_in_sobre_wins_over_an_unchanged_file(org_db: str, tmp_path: Path) -> None:
    path = _file(tmp_path / "eq.csv", ROWS)
    assert import_file(org_db, "Acme", path, rejects_dir=tmp_path).inserted == 3
    _set_in_sobre(org_db, "pc-1", "retired", date(2025, 6, 30))
    _set_in_sobre(org_db, "pc-2", "reuse", date(2025, 7, 1))

    again = import_file(org_db, "Acme", path, rejects_dir=tmp_path)
    assert (again.inserted, again.updated, again.unchanged, again.changed_fields) == (0, 0, 3, {})
    assert again.kept_statuses == 2
    assert any("2 items keep the status set in Sobre" in w for w in again.warnings)
    state = _state(org_db)
    assert state["pc-1"] == ("retired", date(2025, 6, 30), "En service")
    assert state["pc-2"] == ("reuse", date(2025, 7, 1), "En service")
    assert state["pc-3"][0] == "in_stock"

    # A changed file status is applied (and reported); an unchanged one still loses to Sobre's.
    changed = [ROWS[0], ROWS[1].replace("En service", "En stock"), ROWS[2].replace("En stock", "En service")]
    s = import_file(org_db, "Acme", _file(tmp_path / "eq2.csv", changed), rejects_dir=tmp_path)
    assert (s.updated, s.unchanged, s.kept_statuses) == (2, 1, 1)
    assert s.changed_fields == {"status": 2, "status_label": 2, "retirement_date": 1}
    state = _state(org_db)
    assert state["pc-1"] == ("retired", date(2025, 6, 30), "En service")
    assert state["pc-2"] == ("in_stock", None, "En stock")
    assert state["pc-3"] == ("in_use", None, "En service")
    assert json.loads(json.dumps(s.to_dict()))["kept_statuses"] == 1


def test_file_retirement_date_and_missing_status_column(org_db: str, tmp_path: Path) -> None:
    path = _file(tmp_path / "eq.csv", ROWS)
    import_file(org_db, "Acme", path, rejects_dir=tmp_path)
    _set_in_sobre(org_db, "pc-1", "retired", date(2025, 6, 30))
    # The file now gives a retirement date for pc-1 (status text unchanged): the status set in Sobre
    # stays, the file's date is applied.
    dated = [ROWS[0].replace("15/03/2021;;", "15/03/2021;01/09/2025;"), *ROWS[1:]]
    s = import_file(org_db, "Acme", _file(tmp_path / "eq2.csv", dated), rejects_dir=tmp_path)
    assert (s.updated, s.kept_statuses, s.changed_fields) == (1, 1, {"retirement_date": 1})
    assert _state(org_db)["pc-1"][:2] == ("retired", date(2025, 9, 1))

    # A file without a status column leaves every stored status alone; new items are unknown.
    header = HEADER.replace(";status", "")
    rows = [
        ";".join(r.split(";")[:5] + r.split(";")[6:])
        for r in [*dated, "pc-4;Portable;Dell;X;SN4;En service;;;IT"]
    ]
    s = import_file(org_db, "Acme", _file(tmp_path / "eq3.csv", rows, header), rejects_dir=tmp_path)
    assert s.inserted == 1 and "status" not in s.changed_fields
    state = _state(org_db)
    assert [state[n][0] for n in ("pc-1", "pc-2", "pc-3", "pc-4")] == [
        "retired",
        "in_use",
        "in_stock",
        "unknown",
    ]
    assert any("items already in the inventory keep theirs" in w for w in s.warnings)
