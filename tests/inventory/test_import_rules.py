"""Import behaviours on files written here.

Dialects, defects, hostile text, re-import, strict, dry-run, export.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from sobre.core.db import get_engine
from sobre.core.errors import InputError
from sobre.inventory.exporter import export
from sobre.inventory.importer import import_file
from sobre.inventory.models import Equipment, ImportBatch, ModelReview
from sobre.inventory.service import list_equipment, stats

HEADER = (
    "name;category;manufacturer;model;quantity;status;purchase_date;retirement_date;"
    "annual_kwh;country;department"
)
ROWS = [
    "pc-1;Portable;Dell;Latitude 5400;1;En service;15/03/2021;;12,5;France;Finance",
    "pc-2;laptop;HP;EliteBook 840 G6;2;In use;2021-03-15;2025-01-01;1 234,5;Allemagne;IT",
    "scr-1;Écran;Dell;P2419H;3;En stock;20210315;;;FR;IT",
]


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _equipment(url: str) -> dict[str, Equipment]:
    with get_engine(url).connect() as conn:
        return {e.name: e for e in conn.execute(sa.select(Equipment)).all()}


@pytest.mark.parametrize(("sep", "encoding"), [(";", "utf-8"), (",", "utf-8-sig"), ("\t", "cp1252")])
def test_separators_and_encodings(org_sqlite: str, tmp_path: Path, sep: str, encoding: str) -> None:
    rows = [r.replace("12,5", "12.5").replace("1 234,5", "1234.5") if sep == "," else r for r in ROWS]
    text = "\n".join([HEADER, *rows]).replace(";", sep) + "\n"
    s = import_file(org_sqlite, "Acme", _write(tmp_path / "eq.csv", text, encoding), rejects_dir=tmp_path)
    assert (s.format, s.kind, s.inserted, s.rejected) == ("sobre", "equipment", 3, 0)
    eq = _equipment(org_sqlite)
    assert eq["scr-1"].category == "monitor" and eq["scr-1"].status == "in_stock"
    assert eq["pc-2"].annual_kwh == 1234.5 and eq["pc-2"].country == "DE"
    assert str(eq["pc-1"].purchase_date) == "2021-03-15" and eq["pc-1"].annual_kwh == 12.5


def test_database_round_trip_both_backends(org_db: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "eq.csv", "\n".join([HEADER, *ROWS]))
    s = import_file(org_db, "Acme", path, rejects_dir=tmp_path)
    assert (s.inserted, s.exit_code) == (3, 0)
    assert sorted(s.created_departments) == ["Finance", "IT"]
    # Re-importing a corrected file updates instead of duplicating.
    fixed = _write(tmp_path / "eq2.csv", "\n".join([HEADER, ROWS[0].replace(";1;", ";4;"), *ROWS[1:]]))
    s = import_file(org_db, "Acme", fixed, rejects_dir=tmp_path)
    assert (s.inserted, s.updated, s.unchanged, s.changed_fields) == (0, 1, 2, {"quantity": 1})
    eq = _equipment(org_db)
    assert len(eq) == 3 and eq["pc-1"].quantity == 4
    assert eq["pc-1"].model_ref == "dell-latitude-5400" and eq["pc-1"].model_confidence == 1.0
    with get_engine(org_db).connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ImportBatch)).scalar() == 2
    assert stats(org_db, "Acme")["counts"]["equipment"] == 3


def test_defects_are_rejected_with_reasons(org_sqlite: str, tmp_path: Path) -> None:
    text = (
        "\n".join(
            [
                HEADER,
                ROWS[0],
                "bad-qty;laptop;;;abc;;;;;;",
                "neg;laptop;;;-2;;;;;;",
                "bad-date;laptop;;;1;;31/02/2020;;;;",
                "late;laptop;;;1;;2024-01-01;2020-01-01;;;",
                "ragged;laptop;;;1;;",
                "bad-country;laptop;;;1;;;;;Atlantis;",
                "bad-status;laptop;;;1;Évaporé;;;;;",
                '"multi\nline";laptop;;;1;;;;;;',
                "",
                "dup;laptop;;;1;;;;;;",
                "dup;laptop;;;1;;;;;;",
            ]
        )
        + "\n"
    )
    s = import_file(org_sqlite, "Acme", _write(tmp_path / "bad.csv", text), rejects_dir=tmp_path)
    assert s.inserted == 3 and s.rejected == 8 and s.exit_code == 3
    eq = _equipment(org_sqlite)
    assert set(eq) == {"pc-1", "multi\nline", "bad-status"}
    # An unknown status is kept as written and stored as unknown, with a warning (not a reject).
    assert (eq["bad-status"].status, eq["bad-status"].status_label) == ("unknown", "Évaporé")
    assert any("Évaporé" in w for w in s.warnings)
    rejects = (tmp_path / "bad.rejects.csv").read_text(encoding="utf-8-sig")
    for expected in [
        "quantity;abc;not a number",
        "quantity;'-2;must be greater than 0",
        'purchase_date;31/02/2020;"not a valid date',
        "the purchase date is after the retirement date",
        "the row has 7 fields but the header has 11",
        "country;Atlantis;unknown country",
        "also on rows 14",
    ]:
        assert expected in rejects, expected


def test_strict_and_dry_run(org_sqlite: str, tmp_path: Path) -> None:
    text = "\n".join([HEADER, ROWS[0], "x;laptop;;;zero;;;;;;"])
    path = _write(tmp_path / "s.csv", text)
    s = import_file(org_sqlite, "Acme", path, strict=True, rejects_dir=tmp_path)
    assert s.refused and s.exit_code == 2 and s.rejected == 1 and _equipment(org_sqlite) == {}
    d = import_file(org_sqlite, "Acme", path, dry_run=True, rejects_dir=tmp_path)
    assert d.dry_run and d.inserted == 1 and d.rejected == 1 and d.exit_code == 3
    assert _equipment(org_sqlite) == {}


def test_unreadable_files_fail_cleanly(org_sqlite: str, tmp_path: Path) -> None:
    cases = {
        "binary.csv": b"\x00\x01\x02PK garbage\x00\xff" * 50,
        "empty.csv": b"",
        "huge.csv": b"name;category\n" + b"a" * 1_200_000 + b"\n",
        "bigfield.csv": b'name;category\n"' + b"a" * 200_000 + b'";laptop\n',
        "nocolumn.csv": b"foo;bar\n1;2\n",
        "fake.xlsx": b"PK\x03\x04 not really a zip",
        "undefined.csv": b"name;category\n\x81\x8d;laptop\n",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(InputError) as info:
            import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)
        assert name in str(info.value) and info.value.exit_code == 2


def test_hostile_text_is_inert(org_sqlite: str, tmp_path: Path) -> None:
    evil = [
        "<script>alert(1)</script>",
        '=HYPERLINK("http://x")',
        "+1+2",
        "@SUM(A1)",
        "'; DROP TABLE equipment;--",
        "[red]markup[/red]",
    ]
    text = "name;category;model\n" + "\n".join(f'"{e.replace(chr(34), chr(34) * 2)}";laptop;-3' for e in evil)
    s = import_file(org_sqlite, "Acme", _write(tmp_path / "evil.csv", text), rejects_dir=tmp_path)
    assert s.inserted == len(evil)
    assert set(_equipment(org_sqlite)) == set(evil)  # stored literally, nothing executed or escaped
    out = tmp_path / "out.csv"
    export(org_sqlite, "Acme", "equipment", "csv", out)
    cells = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in cells and "'+1+2" in cells and "'@SUM" in cells and ";'-3;" in cells
    assert "\n=" not in cells and ";=" not in cells
    xlsx = tmp_path / "out.xlsx"
    export(org_sqlite, "Acme", "equipment", "xlsx", xlsx)
    values = [
        c for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row if isinstance(c, str)
    ]
    assert not any(v.startswith(("=", "+", "@")) for v in values)
    data = json.loads((tmp_path / "o.json").write_text("") or "[]")
    export(org_sqlite, "Acme", "equipment", "json", tmp_path / "o.json")
    data = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert {d["name"] for d in data} == set(evil)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_reimports_losslessly(org_sqlite: str, tmp_path: Path, fmt: str) -> None:
    import_file(
        org_sqlite, "Acme", _write(tmp_path / "eq.csv", "\n".join([HEADER, *ROWS])), rejects_dir=tmp_path
    )
    before = list_equipment(org_sqlite, "Acme")
    out = tmp_path / f"export.{fmt}"
    assert export(org_sqlite, "Acme", "equipment", fmt, out) == 3
    s = import_file(org_sqlite, "Acme", out, rejects_dir=tmp_path)
    assert (s.format, s.inserted, s.updated, s.unchanged, s.rejected) == ("sobre", 0, 0, 3, 0)
    assert list_equipment(org_sqlite, "Acme") == before


def test_glpi_exports_french_and_english(org_sqlite: str, tmp_path: Path) -> None:
    fr = (
        "Nom;Entité;Statut;Fabricant;Modèle;Type;Numéro de série;Lieu;Utilisateur;Date d'achat\n"
        "PC-001;Compta;En service;Dell Inc.;Latitude 5420;Portable;ABC123;;jdupont;01/09/2022\n"
        "PC-002;Compta;En réparation;Hewlett-Packard;EliteBook 840;Portable;ABC124;;;\n"
    )
    s = import_file(org_sqlite, "Acme", _write(tmp_path / "glpi_fr.csv", fr, "cp1252"), rejects_dir=tmp_path)
    assert (s.format, s.kind, s.inserted) == ("glpi", "equipment", 2)
    en = (
        "Name,Entity,Status,Manufacturer,Model,Type,Serial number,User,Date of purchase\n"
        "MON-1,IT,In stock,Dell,P2419H,Monitor,S1,,2020-01-02\n"
    )
    s = import_file(org_sqlite, "Acme", _write(tmp_path / "glpi_en.csv", en), rejects_dir=tmp_path)
    assert (s.format, s.inserted) == ("glpi", 1)
    eq = _equipment(org_sqlite)
    assert eq["PC-001"].model_ref == "dell-latitude-5420" and eq["PC-001"].category == "laptop"
    assert eq["PC-002"].status == "in_repair" and eq["PC-002"].model_ref is None  # three G5/G6/G7 candidates
    assert eq["MON-1"].category == "monitor" and eq["MON-1"].status == "in_stock"
    with get_engine(org_sqlite).connect() as conn:
        review = conn.execute(sa.select(ModelReview)).one()
    assert review.model == "EliteBook 840" and len(review.candidates) >= 2 and review.items == 1


def test_xlsx_with_dates_and_serials(org_sqlite: str, tmp_path: Path) -> None:
    from datetime import datetime

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "category", "purchase_date", "quantity"])
    sheet.append(["a", "laptop", datetime(2021, 5, 4), 2])
    sheet.append(["b", "desktop", 44320, 1.0])  # an Excel serial day: 2021-05-04
    path = tmp_path / "eq.xlsx"
    book.save(path)
    s = import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)
    assert s.inserted == 2 and s.rejected == 0
    eq = _equipment(org_sqlite)
    assert str(eq["a"].purchase_date) == str(eq["b"].purchase_date) == "2021-05-04"


def test_data_quality_explicit_and_derived(org_sqlite: str, tmp_path: Path) -> None:
    text = (
        "name;type;purchase_date;data_quality\nq1;Portable;2020-01-01;haute\nq2;Gizmo;2020-01-01;\n"
        "q3;Portable;;\n"
    )
    s = import_file(org_sqlite, "Acme", _write(tmp_path / "q.csv", text), rejects_dir=tmp_path)
    assert any("Gizmo" in w for w in s.warnings)
    eq = _equipment(org_sqlite)
    assert eq["q1"].data_quality == "high"
    assert (eq["q2"].category, eq["q2"].data_quality) == ("other", "low")
    assert eq["q3"].data_quality == "low"  # no purchase date nor lifetime
