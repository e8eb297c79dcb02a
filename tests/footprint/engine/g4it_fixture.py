"""Build an Inventory and a FactorSet straight from G4IT's ``eval_nominal`` fixture files (';' CSVs).

Deliberately independent of Sobre's importers: it checks the engine alone against G4IT's expected exports.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import polars as pl

from sobre.core.countries import to_code
from sobre.footprint.schema import (
    APP_LINKS,
    APPLICATIONS,
    EQUIPMENT,
    FACTOR_CRITERIA,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    FACTOR_ITEM_TYPES,
    SITES,
    VMS,
    FactorSet,
    Inventory,
)

STAGE = {
    "MANUFACTURING": "manufacturing",
    "TRANSPORTATION": "distribution",
    "USING": "use",
    "END_OF_LIFE": "end_of_life",
}
ACV_STEP = {
    "FABRICATION": "manufacturing",
    "DISTRIBUTION": "distribution",
    "UTILISATION": "use",
    "FIN_DE_VIE": "end_of_life",
}


def read(path: Path) -> list[dict[str, str]]:
    """Rows of a G4IT CSV: ';' separator, trailing ';' (an empty-named column), blank lines skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    return [
        {k: (v or "").strip() for k, v in r.items() if k}
        for r in rows
        if any((v or "").strip() for v in r.values())
    ]


def parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _num(text: str) -> float | None:
    return float(text) if text else None


def load(folder: Path) -> tuple[Inventory, FactorSet, dict[str, dict[str, int]]]:
    """Return (inventory, factor set, ids by kind and G4IT name)."""
    inp, ref = folder / "input", folder / "ref"
    dcs = read(inp / "DATACENTER_nominal.csv")
    site_id = {r["nomCourtDatacenter"]: i + 1 for i, r in enumerate(dcs)}
    sites = pl.DataFrame(
        [
            {
                "id": site_id[r["nomCourtDatacenter"]],
                "name": r["nomLongDatacenter"],
                "kind": "data_centre",
                "country": to_code(r["localisation"]),
                "pue": _num(r["pue"]),
            }
            for r in dcs
        ],
        schema=SITES,
    )
    pes = read(inp / "EQUIPEMENT_PHYSIQUE_nominal.csv")
    eq_id = {r["nomEquipementPhysique"]: i + 1 for i, r in enumerate(pes)}
    equipment = pl.DataFrame(
        [
            {
                "id": eq_id[r["nomEquipementPhysique"]],
                "name": r["nomEquipementPhysique"],
                "category": "rack_server",
                "type_label": r["type"],
                "model": r["modele"],
                "quantity": float(r["quantite"]),
                "status": "in_use" if r["statut"] == "In use" else r["statut"],
                "purchase_date": parse_date(r["dateAchat"]),
                "retirement_date": parse_date(r["dateRetrait"]),
                "annual_kwh": _num(r["consoElecAnnuelle"]),
                "country": to_code(r["paysDUtilisation"]),
                "site_id": site_id.get(r["nomCourtDatacenter"]),
            }
            for r in pes
        ],
        schema=EQUIPMENT,
    )
    ves = read(inp / "EQUIPEMENT_VIRTUEL_nominal.csv")
    vm_id = {r["nomEquipementVirtuel"]: i + 1 for i, r in enumerate(ves)}
    vms = pl.DataFrame(
        [
            {
                "id": vm_id[r["nomEquipementVirtuel"]],
                "name": r["nomEquipementVirtuel"],
                "host_id": eq_id[r["nomEquipementPhysique"]],
                "vcpu": _num(r["vCPU"]),
                "storage_gb": _num(r["capaciteStockage"]),
                "allocation_key": _num(r["cleRepartition"]),
                "kind": {"calcul": "compute", "stockage": "storage"}.get(r["typeEqv"], r["typeEqv"]),
                "quantity": 1.0,
            }
            for r in ves
        ],
        schema=VMS,
    )
    apps_in = read(inp / "APPLICATION_nominal.csv")
    app_id: dict[str, int] = {}
    for r in apps_in:
        app_id.setdefault(f"{r['nomApplication']}|{r['typeEnvironnement']}", len(app_id) + 1)
    applications = pl.DataFrame(
        [{"id": i, "name": k.split("|")[0], "environment": k.split("|")[1]} for k, i in app_id.items()],
        schema=APPLICATIONS,
    )
    links = pl.DataFrame(
        [
            {
                "application_id": app_id[f"{r['nomApplication']}|{r['typeEnvironnement']}"],
                "vm_id": vm_id[r["nomEquipementVirtuel"]],
            }
            for r in apps_in
        ],
        schema=APP_LINKS,
    )
    inventory = Inventory(
        sites=sites, equipment=equipment, vms=vms, applications=applications, app_links=links
    )

    crit = read(ref / "criterion.csv")
    criteria = pl.DataFrame(
        [
            {"code": r["code"].lower(), "label_en": r["label"], "label_fr": r["label"], "unit": r["unit"]}
            for r in crit
        ],
        schema=FACTOR_CRITERIA,
    )
    items = read(ref / "itemImpact.csv")
    mixes = [r for r in items if r["category"] == "electricity-mix"]
    devices = [r for r in items if r["category"] != "electricity-mix"]
    impacts = pl.DataFrame(
        [
            {
                "ref": r["name"],
                "stage": STAGE[r["lifecycleStep"]],
                "criterion": r["criterion"].lower(),
                "value": float(r["value"]),
                "source": r["source"],
                "licence": "fixture",
                "row_id": f"itemImpact:{i + 2}",
            }
            for i, r in enumerate(items)
            if r in devices
        ],
        schema=FACTOR_IMPACTS,
    )
    electricity = pl.DataFrame(
        [
            {
                "country": to_code(r["location"]),
                "criterion": r["criterion"].lower(),
                "value": float(r["value"]),
                "source": r["source"],
                "licence": "fixture",
                "row_id": f"itemImpact:{i + 2}",
            }
            for i, r in enumerate(items)
            if r in mixes
        ],
        schema=FACTOR_ELECTRICITY,
    )
    defaults = pl.DataFrame(
        [
            {"ref": r["name"], "annual_kwh": _num(r["avgElectricityConsumption"]), "source": r["source"]}
            for r in {d["name"]: d for d in devices}.values()
        ],
        schema=FACTOR_DEFAULTS,
    )
    types = pl.DataFrame(
        [
            {
                "type": r["type"],
                "default_ref": r["refDefaultItem"],
                "lifetime_years": _num(r["defaultLifespan"]),
                "is_server": r["isServer"] == "true",
            }
            for r in read(ref / "itemType.csv")
        ],
        schema=FACTOR_ITEM_TYPES,
    )
    hypotheses = {r["code"]: float(r["value"]) for r in read(ref / "hypothesis.csv")}
    factors = FactorSet(
        id="g4it-eval-nominal",
        version="fixture",
        publisher="G4IT",
        year=2024,
        licence="Apache-2.0",
        criteria=criteria,
        impacts=impacts,
        electricity=electricity,
        defaults=defaults,
        item_types=types,
        hypotheses=hypotheses,
    )
    ids = {"equipment": eq_id, "vm": vm_id, "application": app_id}
    return inventory, factors, ids


def expected(folder: Path) -> list[tuple[str, str, str, str, float]]:
    """(item_kind, G4IT name, stage, criterion label, expected value) from the fixture's ``ind_*.csv``."""
    out: list[tuple[str, str, str, str, float]] = []
    exp = folder / "export"
    for r in read(exp / "ind_physical_equipment.csv"):
        out.append(
            ("equipment", r["equipmentName"], ACV_STEP[r["acvStep"]], r["criteria"], float(r["unitImpact"]))
        )
    for r in read(exp / "ind_virtual_equipment.csv"):
        out.append(
            ("vm", r["virtualEquipmentName"], ACV_STEP[r["acvStep"]], r["criteria"], float(r["unitImpact"]))
        )
    for r in read(exp / "ind_application.csv"):
        key = f"{r['applicationName']}|{r['environmentType']}"
        out.append(("application", key, ACV_STEP[r["acvStep"]], r["criteria"], float(r["unitImpact"])))
    return out
