"""Golden tests: a town hall's GLPI exports, as GLPI writes them and as Excel re-saves them.

Every valid row is imported with the expected normalised values; every invalid one is rejected naming
its row, column and value; the CSV and the XLSX of the same computers give identical inventories.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.inventory.exporter import rows as export_rows
from sobre.inventory.importer import import_file
from sobre.inventory.models import Department, Equipment, Site
from sobre.orgs import service
from tests.inventory import glpi_golden as golden

REFERENCE = date(2026, 1, 15)


def _stored(url: str) -> dict[str, list[dict[str, Any]]]:
    """Equipment by name (several items may share one), with site and department names."""
    with get_engine(url).connect() as conn:
        q = (
            sa.select(Equipment, Site.name.label("site"), Department.name.label("department"))
            .outerjoin(Site, Site.id == Equipment.site_id)
            .outerjoin(Department, Department.id == Equipment.department_id)
        )
        out: dict[str, list[dict[str, Any]]] = {}
        for row in conn.execute(q).mappings():
            data = {k: v for k, v in row.items()}
            out.setdefault(row["name"], []).append(data)
        return out


def _rejects(path: Path) -> list[dict[str, str]]:
    """The rejects file's rows, with the cells' formula neutralisation (a leading ') undone."""
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    return [{k: v[1:] if v[:2] in ("'-", "'=", "'+", "'@") else v for k, v in r.items()} for r in rows]


def _check_items(url: str, items: list[golden.Item], summary: Any, name_title: str) -> None:
    stored = _stored(url)
    by_key = {e["external_key"]: e for rows in stored.values() for e in rows}
    rejects = _rejects(summary.rejects_path) if summary.rejects_path else []
    rejected_lines = {int(r["row"]): r for r in rejects}
    for line, item in enumerate(items, start=2):
        if item.reject is not None:
            column, value = item.reject
            assert line in rejected_lines, (line, item.cells[name_title])
            found = rejected_lines[line]
            assert column in found["column"].split(" | "), found
            spellings = {value.isoformat(), f"{value:%d/%m/%Y}"} if isinstance(value, date) else {value}
            assert spellings & set(found["value"].split(" | ")), found
            continue
        assert line not in rejected_lines, rejected_lines.get(line)
        key = item.expected.get("external_key") or next(
            k for k, e in by_key.items() if e["name"] == item.cells[name_title]
        )
        row = by_key[key]
        for attribute, expected in item.expected.items():
            assert row[attribute] == expected, (item.cells[name_title], attribute, row[attribute], expected)


@pytest.fixture
def town(db_url: str) -> str:
    with session_scope(db_url) as s:
        service.create(s, "Bourg-sur-Lys")
    return db_url


def test_computers_excel_resaved_in_windows_1252(town: str, tmp_path: Path) -> None:
    items = golden.computers()
    path = golden.write_excel_csv(tmp_path / "ordinateurs.csv", golden.COMPUTER_TITLES, items)
    assert b"\r\n" in path.read_bytes() and "É".encode("cp1252") in path.read_bytes()
    s = import_file(town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE)
    assert (s.format, s.kind, s.item_type) == ("glpi", "equipment", "Computer")
    expected_rejects = sum(1 for i in items if i.reject)
    assert (s.rows_read, s.rejected, s.inserted, s.exit_code) == (
        len(items),
        expected_rejects,
        len(items) - expected_rejects,
        3,
    )
    _check_items(town, items, s, "Nom")
    # Every location became a site (its top level) without a single reject for it.
    assert sorted(set(s.created_sites)) == [
        "Archives",
        "Mairie",
        "Médiathèque",
        "Police municipale",
        "Écoles",
    ]
    assert not any("Lieu" in r["column"] for r in _rejects(s.rejects_path))
    assert s.match_rate is not None and s.models_matched >= 0.7 * s.models_total
    assert any("En attente de décision" in w for w in s.warnings)  # the unknown status is named
    # Re-importing the same file changes nothing; a changed cell is reported with its column.
    again = import_file(town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, s.inserted)
    items[0].cells["Valeur"] = "1 199,00"
    items[1].cells["Lieu"] = "Médiathèque > Réserve"
    golden.write_excel_csv(path, golden.COMPUTER_TITLES, items)
    changed = import_file(town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 2, s.inserted - 2)
    assert changed.changed_fields == {"purchase_value": 1, "site_id": 1, "location": 1}


def test_csv_and_xlsx_give_identical_inventories(tmp_path: Path) -> None:
    items = golden.computers()
    inventories = []
    for fmt in ("csv", "xlsx"):
        url = f"sqlite:///{tmp_path / f'{fmt}.db'}"
        with session_scope(url) as s:
            service.create(s, "Bourg-sur-Lys")
        if fmt == "csv":
            path = golden.write_excel_csv(tmp_path / "ordinateurs.csv", golden.COMPUTER_TITLES, items)
        else:
            path = golden.write_xlsx(tmp_path / "ordinateurs.xlsx", golden.COMPUTER_TITLES, items)
        s = import_file(url, "Bourg-sur-Lys", path, rejects_dir=tmp_path / fmt, reference_date=REFERENCE)
        assert s.rejected == sum(1 for i in items if i.reject), s.to_dict()
        rows = [{k: v for k, v in r.items()} for r in export_rows(url, "Bourg-sur-Lys", "equipment")]
        inventories.append(sorted(rows, key=lambda r: r["external_key"]))
        rejected = sorted(int(r["row"]) for r in _rejects(s.rejects_path))
        inventories.append(rejected)  # the same rows rejected too
    assert inventories[0] == inventories[2] and inventories[1] == inventories[3]
    assert len(inventories[0]) == sum(1 for i in items if not i.reject)


def test_monitors_named_after_their_model_all_import(town: str, tmp_path: Path) -> None:
    items = golden.monitors(120)
    path = golden.write_excel_csv(tmp_path / "moniteurs.csv", golden.MONITOR_TITLES, items)
    s = import_file(town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE)
    assert (s.item_type, s.rows_read, s.inserted, s.rejected, s.exit_code) == ("Monitor", 120, 120, 0, 0)
    stored = _stored(town)
    assert len(stored["P2419H"]) == 30  # one name, thirty monitors: each keyed by its GLPI ID
    _check_items(town, items, s, "Nom")
    assert s.models_total == 120 and s.models_matched == 75  # P2419H, E2216H, S24R350, HP E24 G4
    # GLPI re-exports them later with a monitor renamed: it stays the same item.
    items[3].cells["Nom"] = "Écran accueil"
    golden.write_excel_csv(path, golden.MONITOR_TITLES, items)
    again = import_file(town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE)
    assert (again.inserted, again.updated, again.changed_fields) == (0, 1, {"name": 1})


def test_network_devices_glpi_csv_in_english_utf8_bom(town: str, tmp_path: Path) -> None:
    items = golden.network()
    path = golden.write_glpi10_csv(tmp_path / "network_equipment_en.csv", golden.NETWORK_TITLES, items)
    assert path.read_bytes().startswith(b'\xef\xbb\xbf"ID";')
    s = import_file(town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE)
    assert (s.format, s.item_type, s.inserted, s.rejected) == ("glpi", "NetworkEquipment", 5, 1)
    _check_items(town, items, s, "Name")
    reject = _rejects(s.rejects_path)[0]
    assert reject["reason"] == "must be greater than 0 and at most 30"
    # The rejects file keeps the row aligned on the header (GLPI's trailing separator included).
    assert list(reject)[: len(golden.NETWORK_TITLES)] == golden.NETWORK_TITLES


def test_computers_from_a_glpi_xlsx_export(town: str, tmp_path: Path) -> None:
    items = golden.computers()
    path = golden.write_xlsx(tmp_path / "glpi.xlsx", golden.COMPUTER_TITLES, items)
    s = import_file(
        town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE, item_type="Computer"
    )
    _check_items(town, items, s, "Nom")


def test_memory_and_disks_in_glpi_units(town: str, tmp_path: Path) -> None:
    """GLPI shows sizes in MiB, or with a unit; Sobre stores GB."""
    path = tmp_path / "ordinateurs-composants.csv"
    path.write_text(
        "ID;Nom;Statut;Type;Composants - Mémoire;Composants - Disque dur;Lieu\n"
        "1;PC-1;En service;Portable;8192;256000;Mairie\n"
        "2;PC-2;En service;Portable;16 Gio;1 To;Mairie\n"
        "3;PC-3;En service;Portable;beaucoup;512 Go;Mairie\n",
        encoding="utf-8",
    )
    s = import_file(town, "Bourg-sur-Lys", path, rejects_dir=tmp_path, reference_date=REFERENCE)
    assert (s.item_type, s.inserted, s.rejected) == ("Computer", 2, 1)
    stored = {name: rows[0] for name, rows in _stored(town).items()}
    assert (stored["PC-1"]["ram_gb"], stored["PC-1"]["storage_gb"]) == (8.0, 250.0)
    assert (stored["PC-2"]["ram_gb"], stored["PC-2"]["storage_gb"]) == (16.0, 1024.0)
    reject = _rejects(s.rejects_path)[0]
    assert (reject["column"], reject["value"], reject["reason"]) == (
        "Composants - Mémoire",
        "beaucoup",
        "not a number",
    )
