"""Imports of the kinds not covered by the G4IT samples: storage volumes, departments, a G4IT virtual file
mixing VMs and cloud instances, GLPI "Item - Label" titles, and awkward text through PostgreSQL's COPY."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import get_engine
from sobre.inventory.importer import import_file
from sobre.inventory.models import (
    Application,
    CloudInstance,
    Department,
    Equipment,
    Site,
    StorageVolume,
    VirtualMachine,
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _rows(url: str, model) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with get_engine(url).connect() as conn:
        return {r.name: r for r in conn.execute(sa.select(model)).all()}


def _id(url: str, model, name: str) -> int:  # type: ignore[no-untyped-def]
    with get_engine(url).connect() as conn:
        return int(conn.execute(sa.select(model.id).where(model.name == name)).scalar_one())


def test_departments_with_headcounts(org_db: str, tmp_path: Path) -> None:
    text = "name;headcount\nFinance;120\nIT;1 250\nSales;\nBad;-3\nHalf;12,5\nFinance2;abc\n"
    s = import_file(org_db, "Acme", _write(tmp_path / "dept.csv", text), rejects_dir=tmp_path)
    assert (s.kind, s.format, s.inserted, s.rejected, s.exit_code) == ("department", "sobre", 3, 3, 3)
    depts = _rows(org_db, Department)
    assert depts["IT"].headcount == 1250 and depts["Finance"].headcount == 120  # type: ignore[attr-defined]
    assert depts["Sales"].headcount is None  # type: ignore[attr-defined]  # unknown is not zero
    rejects = (tmp_path / "dept.rejects.csv").read_text(encoding="utf-8-sig")
    assert "headcount;'-3;must be between 0 and" in rejects
    assert "headcount;12,5;must be a whole number" in rejects and "headcount;abc;not a number" in rejects
    # Re-import: updates by name, nothing duplicated.
    s = import_file(
        org_db, "Acme", _write(tmp_path / "d2.csv", "name;headcount\nIT;1300\n"), kind="department"
    )
    assert (s.inserted, s.updated) == (0, 1)
    assert _rows(org_db, Department)["IT"].headcount == 1300  # type: ignore[attr-defined]
    assert len(_rows(org_db, Department)) == 3


def test_storage_volumes_resolve_every_parent(org_db: str, tmp_path: Path) -> None:
    def load(name: str, text: str) -> None:
        s = import_file(org_db, "Acme", _write(tmp_path / name, text), rejects_dir=tmp_path)
        assert s.exit_code == 0, s.to_dict()

    load("site.csv", "name;kind;country;pue\nDC1;Datacenter;France;1,4\n")
    load("eq.csv", "name;category;site\nnas-1;NAS;DC1\n")
    load("app.csv", "name;environment;equipment\nERP;production;nas-1\n")
    text = (
        "name;kind;media;capacity_gb;used_gb;replicas;equipment;site;application;department\n"
        "vol-1;NFS;SSD;2 048,5;1024;2;nas-1;DC1;ERP;Finance\n"
        "vol-2;objet;;;;;;;;\n"
        "vol-3;block;hdd;100;;;ghost;;;\n"
        "vol-4;block;floppy;100;;;;;;\n"
        "vol-5;block;hdd;-1;;;;;;\n"
        "vol-6;block;hdd;10;;;;;Nowhere;\n"
    )
    s = import_file(org_db, "Acme", _write(tmp_path / "storage.csv", text), rejects_dir=tmp_path)
    assert (s.kind, s.inserted, s.rejected, s.exit_code) == ("storage", 2, 4, 3)
    assert s.created_departments == ["Finance"]
    vols = _rows(org_db, StorageVolume)
    v1 = vols["vol-1"]
    assert (v1.kind, v1.media, v1.capacity_gb, v1.used_gb, v1.replicas) == (  # type: ignore[attr-defined]
        "file",
        "ssd",
        2048.5,
        1024.0,
        2.0,
    )
    assert v1.equipment_id == _id(org_db, Equipment, "nas-1")  # type: ignore[attr-defined]
    assert v1.site_id == _id(org_db, Site, "DC1")  # type: ignore[attr-defined]
    assert v1.application_id == _id(org_db, Application, "ERP")  # type: ignore[attr-defined]
    assert v1.department_id == _id(org_db, Department, "Finance")  # type: ignore[attr-defined]
    assert v1.data_quality == "medium" and vols["vol-2"].data_quality == "low"  # type: ignore[attr-defined]
    assert vols["vol-2"].kind == "object" and vols["vol-2"].capacity_gb is None  # type: ignore[attr-defined]
    rejects = (tmp_path / "storage.rejects.csv").read_text(encoding="utf-8-sig")
    assert "equipment;ghost;Physical equipment ghost does not exist within the inventory" in rejects
    assert 'media;floppy;"unknown value; accepted: hdd, ssd, tape"' in rejects
    assert "capacity_gb;'-1;must be between 0 and 100000000" in rejects
    assert "application;Nowhere;Application Nowhere does not exist" in rejects


def test_g4it_virtual_file_mixing_vms_and_cloud(org_db: str, tmp_path: Path) -> None:
    _write(tmp_path / "hosts.csv", "name;category\nsrv-1;Serveur\n")
    assert import_file(org_db, "Acme", tmp_path / "hosts.csv", rejects_dir=tmp_path).inserted == 1
    header = (
        "nomEquipementVirtuel;nomEquipementPhysique;nomSourceDonneeEquipementPhysique;cleRepartition;vCPU;"
        "cluster;consoElecAnnuelle;typeEqv;capaciteStockage;nomEntite;nomSourceDonnee;typeInfrastructure;"
        "quantite;location;provider;typeInstance;chargeMoy;dureeUtilisationAnnuelle"
    )
    rows = [
        "vm-1;srv-1;;0,5;4;C1;;calcul;;IT;;NON_CLOUD_SERVERS;;;;;;",
        "vm-2;srv-1;;;2;C1;;stockage;500;IT;;;;;;;;",  # empty typeInfrastructure: a VM, as in G4IT
        "cl-1;;;;;;;;;IT;;CLOUD_SERVICES;2;FR;AWS;a1.medium;50;8000",
        "cl-2;;;;;;;;;;;cloud_services;1;;azure;Standard_D2;;",  # lower case still cloud; no region
        "cl-3;;;;;;;;;;;CLOUD_SERVICES;1;FR;aws;;150;9000",  # no type, load > 100 %, hours > a year
        "vm-3;ghost;;;2;;;calcul;;;;NON_CLOUD_SERVERS;;;;;;",
    ]
    path = _write(tmp_path / "EQUIPEMENT_VIRTUEL_mixed.csv", "\n".join([header, *rows]) + "\n")
    s = import_file(org_db, "Acme", path, rejects_dir=tmp_path)
    assert (s.format, s.kind, s.rows_read, s.rejected, s.exit_code) == ("numecoeval", "vm", 6, 2, 3)
    assert s.by_kind == {
        "vm": {"inserted": 2, "updated": 0, "unchanged": 0},
        "cloud": {"inserted": 2, "updated": 0, "unchanged": 0},
    }
    vms = _rows(org_db, VirtualMachine)
    assert set(vms) == {"vm-1", "vm-2"}
    assert vms["vm-1"].allocation_key == 0.5 and vms["vm-2"].kind == "storage"  # type: ignore[attr-defined]
    assert vms["vm-1"].host_id == _id(org_db, Equipment, "srv-1")  # type: ignore[attr-defined]
    clouds = _rows(org_db, CloudInstance)
    assert set(clouds) == {"cl-1", "cl-2"}
    c1 = clouds["cl-1"]
    assert (c1.provider, c1.instance_type, c1.quantity, c1.average_load, c1.hours_per_year) == (  # type: ignore[attr-defined]
        "aws",
        "a1.medium",
        2.0,
        0.5,
        8000.0,
    )
    assert c1.country == "FR" and clouds["cl-2"].region is None  # type: ignore[attr-defined]
    rejects = (tmp_path / "EQUIPEMENT_VIRTUEL_mixed.rejects.csv").read_text(encoding="utf-8-sig")
    assert (
        "cl-3;;;;;;;;;;;CLOUD_SERVICES;1;FR;aws;;150;9000;6;"
        "typeInstance | chargeMoy | dureeUtilisationAnnuelle; | 150 | 9000;"
        "must not be empty | must be between 0 and 100 (a percentage) | must be between 0 and 8784"
    ) in rejects
    assert "nomEquipementPhysique;ghost;Physical equipment ghost does not exist" in rejects


def test_glpi_item_label_titles(org_sqlite: str, tmp_path: Path) -> None:
    """GLPI names linked fields "Item - Label" (e.g. "Système d'exploitation - Nom"): those that Sobre
    does not read are skipped even when placed before "Nom", and a known label still maps."""
    text = (
        '"Système d\'exploitation - Nom";"Composants - Processeur";"Nom";"Statut";"Fabricant";'
        '"Ordinateur - Numéro de série";"Lieu";"Type"\n'
        '"Windows 11";"Intel Core i5";"PC-9";"En service";"Lenovo";"S-9";"";"Portable"\n'
    )
    s = import_file(org_sqlite, "Acme", _write(tmp_path / "glpi.csv", text), rejects_dir=tmp_path)
    assert (s.format, s.kind, s.inserted, s.rejected, s.warnings) == ("glpi", "equipment", 1, 0, [])
    pc = _rows(org_sqlite, Equipment)["PC-9"]
    assert (pc.serial, pc.status, pc.category) == ("S-9", "in_use", "laptop")  # type: ignore[attr-defined]


def test_awkward_text_round_trips_both_backends(org_db: str, tmp_path: Path) -> None:
    """Text that COPY (PostgreSQL) or a CSV writer could misread is stored exactly."""
    names = ["\\.", "a,b", 'say "hi"', "multi\nline", "NULL", "\\N", "tab\there", "é€"]
    body = "\n".join(f'"{n.replace(chr(34), chr(34) * 2)}";laptop;{i}' for i, n in enumerate(names, 1))
    s = import_file(
        org_db,
        "Acme",
        _write(tmp_path / "odd.csv", "name;category;user\n" + body + "\n"),
        rejects_dir=tmp_path,
    )
    assert (s.inserted, s.rejected) == (len(names), 0)
    got = _rows(org_db, Equipment)
    assert set(got) == set(names)
    assert [got[n].user for n in names] == [str(i) for i in range(1, len(names) + 1)]  # type: ignore[attr-defined]
    assert all(got[n].manufacturer is None for n in names)  # type: ignore[attr-defined]
    # Re-import (the UPDATE path: COPY into a staging table on PostgreSQL) with the text moved to "user".
    body = "\n".join(f'"{n}";desktop;"{n.replace(chr(34), chr(34) * 2)}"' for n in names if '"' not in n)
    s = import_file(
        org_db,
        "Acme",
        _write(tmp_path / "odd2.csv", "name;category;user\n" + body + "\n"),
        rejects_dir=tmp_path,
    )
    assert (s.inserted, s.updated, s.rejected) == (0, len(names) - 1, 0)
    got = _rows(org_db, Equipment)
    assert all(got[n].user == n and got[n].category == "desktop" for n in names if '"' not in n)  # type: ignore[attr-defined]
    assert got['say "hi"'].user == "3" and len(got) == len(names)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("label", "category"),
    [
        ("IP Router", "router"),
        ("IP Switch", "switch"),
        ("Switch PoE 48 ports", "switch"),
        ("Serveur de stockage", "storage_array"),
        ("Téléphone portable pro", "smartphone"),
        ("Borne WiFi", "wifi_access_point"),
        ("Onduleur APC", "ups"),
        ("Ecran 24 pouces", "monitor"),
        ("Network Load Balancer", None),  # no category fits: stays unknown (→ other, low quality)
        ("Cash registered device", None),
    ],
)
def test_free_text_types_find_their_category(label: str, category: str | None) -> None:
    from sobre.inventory.vocab import lookup

    assert lookup("category", label) == category


def test_g4it_usage_rate_and_mode(org_sqlite: str, tmp_path: Path) -> None:
    """NumEcoEval's tauxUtilisation and modeUtilisation land in usage_rate and usage_mode, validated."""
    text = (
        "nomEquipementPhysique;type;statut;tauxUtilisation;modeUtilisation\n"
        "pc-cope;Laptop;In use;0,8;COPE\n"
        "pc-byod;Laptop;In use;0.57;byod\n"
        "pc-none;Laptop;In use;;\n"
        "pc-over;Laptop;In use;1,5;COPE\n"
        "pc-mode;Laptop;In use;1;LEASED\n"
    )
    path = _write(tmp_path / "EQUIPEMENT_PHYSIQUE_usage.csv", text)
    s = import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)
    assert (s.format, s.inserted, s.rejected) == ("numecoeval", 3, 2)
    rows = _rows(org_sqlite, Equipment)
    assert (rows["pc-cope"].usage_rate, rows["pc-cope"].usage_mode) == (0.8, "cope")  # type: ignore[attr-defined]
    assert (rows["pc-byod"].usage_rate, rows["pc-byod"].usage_mode) == (0.57, "byod")  # type: ignore[attr-defined]
    assert rows["pc-none"].usage_rate is None  # type: ignore[attr-defined]  # unknown, not 1 nor 0
    rejects = (tmp_path / "EQUIPEMENT_PHYSIQUE_usage.rejects.csv").read_text(encoding="utf-8-sig")
    assert "tauxUtilisation;1,5;must be between 0 and 1" in rejects
    assert 'modeUtilisation;LEASED;"unknown value; accepted: byod, cope"' in rejects
