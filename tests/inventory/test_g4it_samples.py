"""Importing G4IT/NumEcoEval's real sample files, checked against G4IT's own expected results."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import sqlalchemy as sa

from sobre.core.db import get_engine
from sobre.inventory.importer import import_file
from sobre.inventory.models import (
    Application,
    ApplicationLink,
    CloudInstance,
    Equipment,
    Site,
    VirtualMachine,
)

ORDER = [
    "DATACENTER_nominal.csv",
    "EQUIPEMENT_PHYSIQUE_nominal.csv",
    "EQUIPEMENT_VIRTUEL_nominal.csv",
    "APPLICATION_nominal.csv",
]


def _names(url: str, model) -> set[str]:  # type: ignore[no-untyped-def]
    with get_engine(url).connect() as conn:
        return set(conn.execute(sa.select(model.name)).scalars())


def test_load_nominal_all_kinds(org_db: str, g4it_dir: Path, tmp_path: Path) -> None:
    folder = g4it_dir / "tests/load/load_nominal/input"
    summaries = [import_file(org_db, "Acme", folder / f, rejects_dir=tmp_path) for f in ORDER]
    assert [s.kind for s in summaries] == ["site", "equipment", "vm", "application"]
    assert all(s.format == "numecoeval" and s.exit_code == 0 for s in summaries)
    assert [s.inserted for s in summaries] == [2, 2, 4, 4]  # 2 applications x 2 environments
    with get_engine(org_db).connect() as conn:
        site = conn.execute(sa.select(Site).where(Site.name == "default2")).one()
        assert (site.kind, site.country, site.pue) == ("data_centre", "DE", 1.25)
        eq2 = conn.execute(sa.select(Equipment).where(Equipment.name == "physical-eq-2")).one()
        # G4IT's dates 20200708 and 01/01/2023 load as ISO dates.
        assert str(eq2.purchase_date) == "2020-07-08" and str(eq2.retirement_date) == "2023-01-01"
        assert (eq2.category, eq2.type_label, eq2.quantity, eq2.cpu_threads) == (
            "rack_server",
            "Server",
            2.0,
            8,
        )
        assert eq2.site_id == conn.execute(sa.select(Site.id).where(Site.name == "default")).scalar()
        assert conn.execute(sa.select(sa.func.count()).select_from(ApplicationLink)).scalar() == 4


def test_load_nominal_applications_match_expected(org_db: str, g4it_dir: Path, tmp_path: Path) -> None:
    base = g4it_dir / "tests/load/load_nominal"
    for f in ORDER:
        import_file(org_db, "Acme", base / "input" / f, rejects_dir=tmp_path)
    expected = json.loads((base / "output/4-applications.json").read_text())
    pairs = {(a["name"], a["environment"]) for a in expected}
    with get_engine(org_db).connect() as conn:
        got = {tuple(r) for r in conn.execute(sa.select(Application.name, Application.environment))}
    assert got == pairs


def test_load_reject_matches_g4it(org_db: str, g4it_dir: Path, tmp_path: Path) -> None:
    """Accepted rows equal G4IT's expected outputs; rejected lines equal its rejects files."""
    base = g4it_dir / "tests/load/load_reject"
    # G4IT's test creates these two before loading (the id -1 entries of its expected JSON).
    parent = tmp_path / "existing_equipment.csv"
    parent.write_text("name;category\nMyMagicalPE;rack_server\n", encoding="utf-8")
    assert import_file(org_db, "Acme", parent, rejects_dir=tmp_path).inserted == 1
    vm = tmp_path / "existing_vm.csv"
    vm.write_text("name;host;vcpu\nMyMagicalVE;MyMagicalPE;2\n", encoding="utf-8")
    assert import_file(org_db, "Acme", vm, rejects_dir=tmp_path).inserted == 1
    summaries = {f: import_file(org_db, "Acme", base / "input" / f, rejects_dir=tmp_path) for f in ORDER}
    for out, model in [
        ("1-datacenters.json", Site),
        ("2-physical_equipments.json", Equipment),
        ("3-virtual_equipments.json", VirtualMachine),
    ]:
        expected = {e["name"] for e in json.loads((base / "output" / out).read_text())}
        assert _names(org_db, model) == expected, out
    apps = {a["name"] for a in json.loads((base / "output/4-applications.json").read_text())}
    # One deliberate difference: G4IT keeps application-2 (line 4) although its VM virtual-eq-2-1 was
    # rejected; Sobre rejects a row whose parent does not exist (docs/inventory.md).
    assert _names(org_db, Application) == apps - {"application-2"}
    # Rejected line numbers are those of G4IT's rejects files (header = line 1).
    for f, rejects in [
        ("DATACENTER_nominal.csv", "rejected_datacenter_20240101_000000.csv"),
        ("EQUIPEMENT_PHYSIQUE_nominal.csv", "rejected_physical_equipment_20240101_000000.csv"),
        ("EQUIPEMENT_VIRTUEL_nominal.csv", "rejected_virtual_equipment_20240101_000000.csv"),
        ("APPLICATION_nominal.csv", "rejected_application_20240101_000000.csv"),
    ]:
        text = (base / "rejects" / rejects).read_text(encoding="utf-8").splitlines()[1:]
        expected_lines = {int(line.split(";")[-2]) for line in text if line.strip()}
        if f == "APPLICATION_nominal.csv":
            expected_lines.add(4)
        s = summaries[f]
        assert s.exit_code == 3 and s.rejects_path is not None
        ours = (s.rejects_path.read_text(encoding="utf-8-sig")).splitlines()
        header = ours[0].split(";")
        rows = [r.split(";") for r in ours[1:]]
        assert {int(r[header.index("row")]) for r in rows} == expected_lines, f


def test_reject_messages_name_column_value_reason(org_sqlite: str, g4it_dir: Path, tmp_path: Path) -> None:
    base = g4it_dir / "tests/load/load_reject/input"
    import_file(org_sqlite, "Acme", base / "DATACENTER_nominal.csv", rejects_dir=tmp_path)
    s = import_file(org_sqlite, "Acme", base / "EQUIPEMENT_PHYSIQUE_nominal.csv", rejects_dir=tmp_path)
    text = s.rejects_path.read_text(encoding="utf-8-sig") if s.rejects_path else ""
    assert text.startswith("\ufeff") is False  # the BOM is consumed by utf-8-sig: it was there
    assert s.rejects_path and s.rejects_path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "the purchase date is after the retirement date" in text and "dateAchat | dateRetrait" in text
    assert "2099-01-01 | 2000-01-01" in text and "not a plausible date" in text  # bought in 2099
    assert "also on rows 5" in text and "also on rows 4" in text


def test_legacy_1971_row_inventory(org_sqlite: str, g4it_dir: Path, tmp_path: Path) -> None:
    folder = g4it_dir / "tests/legacy_batchloading/20230728-100000"
    sites = import_file(
        org_sqlite,
        "Acme",
        folder / "DATACENTER/datacenter_19-07-2023 18-05.csv",
        kind="site",
        rejects_dir=tmp_path,
    )
    assert (sites.inserted, sites.rejected) == (8, 0)  # "Russia" is recognised, unlike in G4IT
    path = folder / "EQUIPEMENT_PHYSIQUE/equipementPhysique-light_19-07-2023 18-05.csv"
    with path.open(encoding="utf-8") as fh:
        late = sum(1 for r in csv.DictReader(fh, delimiter=";") if r["dateAchat"] > r["dateRetrait"])
    assert late > 100  # purchases after the (single) retirement date 2023-06-16
    s = import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)
    assert (s.kind, s.format, s.rows_read) == ("equipment", "numecoeval", 1971)
    assert s.rejected == late and s.inserted == 1971 - late and s.exit_code == 3
    assert set(s.created_departments) == {"ACME SERVICES", "ACME BRAND A France"}
    with get_engine(org_sqlite).connect() as conn:
        countries = dict(
            conn.execute(sa.select(Equipment.country, sa.func.count()).group_by(Equipment.country)).all()
        )
        # "Allemagne" and "FR", which G4IT's referential refuses, are recognised.
        assert countries["DE"] > 0 and countries["FR"] > 1000 and "Allemagne" not in countries
        statuses = set(conn.execute(sa.select(Equipment.status).distinct()).scalars())
        assert statuses <= {
            "in_use",
            "retired",
            "in_stock",
            "lost",
            "disposed",
            "in_repair",
            "in_transit",
            "unknown",
        }
        latitude = conn.execute(sa.select(Equipment).where(Equipment.model == "DELL LATITUDE 5400")).first()
        assert latitude is not None
        assert latitude.model_ref == "dell-latitude-5400" and latitude.category == "laptop"
        assert latitude.type_label == "Personal Computer"
        big = conn.execute(sa.select(sa.func.max(Equipment.quantity))).scalar()
        assert big is not None and big >= 1000


def test_legacy_format_errors_rejected_per_row(org_sqlite: str, g4it_dir: Path, tmp_path: Path) -> None:
    path = (
        g4it_dir
        / "tests/legacy_batchloading/20230420-161015/EQUIPEMENT_PHYSIQUE"
        / "equipementPhysique_avec_erreur_format.csv"
    )
    s = import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)
    assert s.rows_read == 10  # the trailing blank line is skipped
    text = s.rejects_path.read_text(encoding="utf-8-sig") if s.rejects_path else ""
    assert "quantite;v;not a number" in text
    assert "quantite;'-1;must be greater than 0" in text  # neutralised: a leading "-" is a formula in Excel
    assert "2020/02/31" in text and "not a valid date" in text
    assert "nbCoeur;1.7;must be a whole number" in text


def test_legacy_ok_files_and_quotes(org_sqlite: str, g4it_dir: Path, tmp_path: Path) -> None:
    base = g4it_dir / "tests/legacy_batchloading/20230420-161015"
    s = import_file(org_sqlite, "Acme", base / "DATACENTER/dataCenters_ok.csv", rejects_dir=tmp_path)
    assert s.rejected == 0 and s.inserted == 5
    assert "Datacenter%" in _names(org_sqlite, Site)
    s = import_file(
        org_sqlite, "Acme", base / "EQUIPEMENT_PHYSIQUE/equipementPhysique_ok.csv", rejects_dir=tmp_path
    )
    assert s.inserted + s.rejected == 17 and s.inserted > 0
    quoted = g4it_dir / "tests/legacy_batchloading/20230420-161016/DATACENTER/datacenter_with_quote.csv"
    s = import_file(org_sqlite, "Acme", quoted, kind="site", rejects_dir=tmp_path)
    assert 'Datacenter" 12' in _names(org_sqlite, Site)
    s = import_file(
        org_sqlite, "Acme", base / "EQUIPEMENT_VIRTUEL/equipementVirtuel_ok.csv", rejects_dir=tmp_path
    )
    text = s.rejects_path.read_text(encoding="utf-8-sig") if s.rejects_path else ""
    assert "cleRepartition;3.3;must be between 0 and 1" in text


def test_templates_and_generated_samples(org_sqlite: str, g4it_dir: Path, tmp_path: Path) -> None:
    tpl = g4it_dir / "templates"
    for name, kind in [
        ("datacenter.csv", "site"),
        ("physicalEquipment.csv", "equipment"),
        ("virtualEquipment.csv", "vm"),
        ("application.csv", "application"),
    ]:
        s = import_file(org_sqlite, "Acme", tpl / name, rejects_dir=tmp_path)
        assert (s.kind, s.rows_read, s.exit_code) == (kind, 0, 0), name
    s = import_file(org_sqlite, "Acme", tpl / "volume_generation/1-datacenter.csv", rejects_dir=tmp_path)
    assert (s.kind, s.inserted, s.rejected) == ("site", 8, 0)
    s = import_file(
        org_sqlite, "Acme", tpl / "volume_generation/5-cloud-virtual-equipment.csv", rejects_dir=tmp_path
    )
    assert s.by_kind["cloud"]["inserted"] == 1
    with get_engine(org_sqlite).connect() as conn:
        cloud = conn.execute(sa.select(CloudInstance)).one()
        assert (cloud.provider, cloud.instance_type, cloud.quantity) == ("aws", "a1.medium", 2.0)
        assert cloud.average_load == 0.005  # chargeMoy is a percentage
    s = import_file(
        org_sqlite, "Acme", tpl / "prefilled/User_Server_01_InstancesCloud_Template.csv", rejects_dir=tmp_path
    )
    assert s.kind == "cloud" and s.rows_read == 1  # the all-empty row is skipped
    s = import_file(
        org_sqlite, "Acme", tpl / "prefilled/User_Devices_01_Laptop_Template.csv", rejects_dir=tmp_path
    )
    assert s.exit_code == 2 and s.rejected == 1  # placeholders such as <your country> are rejected
    assert any("nbJourUtiliseAn" not in w and "goTelecharge" not in w for w in s.warnings) or not s.warnings
