"""Runs through the database with the real engine, factor importer and inventory importer.

- the hand-computed use-stage case: 10 servers, French data centre, PUE 1.8, 17,082 kWh/yr each, France mix
  0.0813225 kgCO2e/kWh (the G4IT referential's Base IMPACTS value) → 25,004.7 kgCO2e/yr;
- G4IT's own fixture ``tests/evaluate/eval_nominal`` imported with Sobre's importers and computed with the
  ``g4it`` profile reproduces every impact of its expected ``export/ind_*.csv`` to 1e-9;
- a Sobre run and a G4IT run of the same inventory reconcile item by item, each difference with a reason.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from sobre.core.db import session_scope
from sobre.footprint.factors.g4it import import_g4it_referential
from sobre.footprint.loader import inputs_hash, load_inventory
from sobre.footprint.runs import queries, service
from sobre.inventory.importer import import_file
from sobre.inventory.models import Equipment, Site
from sobre.orgs import service as orgs

STAGE = {
    "FABRICATION": "manufacturing",
    "MANUFACTURING": "manufacturing",
    "DISTRIBUTION": "distribution",
    "TRANSPORTATION": "distribution",
    "UTILISATION": "use",
    "USING": "use",
    "FIN_DE_VIE": "end_of_life",
    "END_OF_LIFE": "end_of_life",
}
INPUTS = ("DATACENTER", "EQUIPEMENT_PHYSIQUE", "EQUIPEMENT_VIRTUEL", "APPLICATION")


@pytest.fixture
def eval_nominal(g4it_dir: Path) -> Path:
    return g4it_dir / "tests" / "evaluate" / "eval_nominal"


def _import_g4it(url: str, fixture: Path, org: str = "G4IT fixture") -> None:
    with session_scope(url) as s:
        orgs.create(s, org)
        import_g4it_referential(s, fixture / "ref", "g4it-eval-nominal", "1")
    for kind in INPUTS:
        summary = import_file(url, org, fixture / "input" / f"{kind}_nominal.csv")
        assert summary.rejected == 0, summary


def _expected(fixture: Path) -> list[dict[str, str]]:
    rows = []
    for name, kind, key in (
        ("ind_physical_equipment", "equipment", "equipmentName"),
        ("ind_virtual_equipment", "vm", "virtualEquipmentName"),
        ("ind_application", "application", "applicationName"),
    ):
        with (fixture / "export" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter=";"):
                rows.append(
                    {
                        "kind": kind,
                        "name": row[key],
                        "stage": STAGE[row["acvStep"]],
                        "criterion": row["criteria"],
                        "value": row["unitImpact"],
                    }
                )
    return rows


def test_hand_computed_use_stage_through_the_database(db_url: str, eval_nominal: Path) -> None:
    with session_scope(db_url) as s:
        org = orgs.create(s, "Hand case", country="FR")
        import_g4it_referential(s, eval_nominal / "ref", "g4it-eval-nominal", "1")
        dc = Site(org_id=org.id, name="DC Lyon", kind="data_centre", country="FR", pue=1.8)
        s.add(dc)
        s.flush()
        s.add(
            Equipment(
                org_id=org.id,
                name="rack-lot",
                category="rack_server",
                quantity=10,
                annual_kwh=17082,
                site_id=dc.id,
                purchase_date=date(2022, 1, 1),
                status="in_use",
            )
        )
    summary = service.run_footprint(
        db_url, "Hand case", factor_set="g4it-eval-nominal", version="1", reference_date=date(2025, 12, 31)
    )
    assert summary.status == "done" and summary.profile == "sobre"
    assert summary.factor_set_id == "g4it-eval-nominal" and summary.factor_set_version == "1"
    assert summary.engine_version and summary.methodology_version.startswith("sobre")
    assert summary.reference_date == date(2025, 12, 31)
    # Made while the engine computed, stored with the results: the hash of the inventory read.
    with session_scope(db_url) as s:
        assert summary.inputs_hash == inputs_hash(load_inventory(s, org.id))
    use = queries.breakdown(db_url, "Hand case", "stage", criterion="climate_change", stage="use")
    assert use[0]["value"] == pytest.approx(10 * 17082 * 1.8 * 0.0813225, rel=1e-12)
    assert round(use[0]["value"], 1) == 25004.7
    _, result = service.load_run(db_url, summary.id)
    row = result.items.filter(pl.col("item_kind") == "equipment").row(0, named=True)
    assert row["pue"] == 1.8 and row["annual_kwh"] == 17082 and row["country"] == "FR"


def test_g4it_fixture_end_to_end(sqlite_url: str, eval_nominal: Path) -> None:
    _import_g4it(sqlite_url, eval_nominal)
    # The export's calculation date; both servers have purchase and retirement dates, so it does not matter.
    summary = service.run_footprint(
        sqlite_url,
        "G4IT fixture",
        factor_set="g4it-eval-nominal",
        version="1",
        profile="g4it",
        reference_date=date(2024, 1, 1),
    )
    meta, result = service.load_run(sqlite_url, summary.id)
    assert meta.methodology_version == result.methodology and "g4it" in meta.profile
    labels = {r["label_en"]: r["code"] for r in meta.criteria}
    values = result.impacts.join(
        result.items.select("item_kind", "item_id", "name"), on=["item_kind", "item_id"]
    )
    expected = _expected(eval_nominal)
    assert len(expected) == 6
    for exp in expected:
        found = values.filter(
            (pl.col("item_kind") == exp["kind"])
            & (pl.col("name") == exp["name"])
            & (pl.col("criterion") == labels[exp["criterion"]])
            & (pl.col("stage") == exp["stage"])
        )
        assert found.height == 1, exp
        want = float(exp["value"])
        assert abs(found.item(0, "value") - want) / want < 1e-9, (exp, found.item(0, "value"))
    eq1 = values.filter(
        (pl.col("name") == "physical-eq-1")
        & (pl.col("stage") == "manufacturing")
        & (pl.col("item_kind") == "equipment")
        & (pl.col("criterion") == "climate_change")
    )
    assert eq1.item(0, "value") == pytest.approx(509.1002555528837, rel=1e-12)


def test_sobre_and_g4it_runs_reconcile_item_by_item(sqlite_url: str, eval_nominal: Path) -> None:
    _import_g4it(sqlite_url, eval_nominal)
    common = {"factor_set": "g4it-eval-nominal", "version": "1", "reference_date": date(2024, 1, 1)}
    g4it = service.run_footprint(sqlite_url, "G4IT fixture", profile="g4it", **common)  # type: ignore[arg-type]
    sobre = service.run_footprint(sqlite_url, "G4IT fixture", profile="sobre", **common)  # type: ignore[arg-type]
    assert g4it.inputs_hash == sobre.inputs_hash  # same inventory, different methodology
    diff = service.compare_runs(sqlite_url, sobre.id, g4it.id)
    assert diff.height > 0
    a, b = pl.col("value_a"), pl.col("value_b")
    differing = diff.filter(
        (a.is_null() != b.is_null()) | ((a - b).abs() > 1e-9 * pl.max_horizontal(a.abs(), b.abs()))
    )
    assert differing.height > 0  # the two methodologies do differ on this fixture (lifetime rule at least)
    assert differing.get_column("why").null_count() == 0
    assert (differing.get_column("why") != "").all()
    # Applications carry no trace of their own: their reason is their VM's.
    apps = differing.filter(pl.col("item_kind") == "application").get_column("why")
    assert apps.len() > 0 and apps.str.starts_with("via vm:").all()
    assert not differing.get_column("why").str.starts_with("the traces agree").any()
    latest = service.latest_run(sqlite_url, "G4IT fixture")
    assert latest is not None and latest.id == sobre.id
    assert service.latest_run(sqlite_url, "G4IT fixture", profile="g4it").id == g4it.id  # type: ignore[union-attr]
