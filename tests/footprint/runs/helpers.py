"""Hand-built inventories and Results for the run-storage tests (no engine needed)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from sobre.core.db import session_scope
from sobre.footprint import schema
from sobre.footprint.runs import service
from sobre.footprint.schema import Result
from sobre.inventory.models import Application, ApplicationLink, Department, Equipment, Site, VirtualMachine
from sobre.orgs import service as orgs

CRITERIA = [
    {
        "code": "climate_change",
        "label_en": "Climate change",
        "label_fr": "Changement climatique",
        "unit": "kgCO2e",
    },
    {"code": "adpe", "label_en": "Minerals and metals", "label_fr": "Minéraux et métaux", "unit": "kgSbeq"},
]


def seed_inventory(url: str, name: str = "Ville A") -> dict[str, int]:
    """An organisation with 2 sites, 2 departments, 3 pieces of equipment, a VM and an application."""
    with session_scope(url) as s:
        org = orgs.create(s, name, employees=40, country="FR")
        dc = Site(org_id=org.id, name="DC Paris", kind="data_centre", country="FR", pue=1.8)
        office = Site(org_id=org.id, name="Mairie", kind="office", country="FR")
        it = Department(org_id=org.id, name="DSI", headcount=10)
        rh = Department(org_id=org.id, name="RH", headcount=30)
        s.add_all([dc, office, it, rh])
        s.flush()
        srv = Equipment(
            org_id=org.id,
            name="srv-1",
            category="rack_server",
            quantity=1,
            site_id=dc.id,
            department_id=it.id,
            purchase_date=date(2020, 7, 8),
            annual_kwh=1000.0,
            cpu_threads=16,
            refurbished=True,
        )
        pc = Equipment(
            org_id=org.id,
            name="pc-lot",
            category="laptop",
            quantity=20,
            site_id=office.id,
            department_id=rh.id,
        )
        odd = Equipment(org_id=org.id, name="mystery", category="other", quantity=1, site_id=office.id)
        s.add_all([srv, pc, odd])
        s.flush()
        vm = VirtualMachine(org_id=org.id, name="vm-1", host_id=srv.id, vcpu=4, department_id=it.id)
        app = Application(org_id=org.id, name="Paie", environment="production", users=25, department_id=rh.id)
        s.add_all([vm, app])
        s.flush()
        s.add(ApplicationLink(application_id=app.id, vm_id=vm.id))
        return {
            "org": org.id,
            "dc": dc.id,
            "office": office.id,
            "it": it.id,
            "rh": rh.id,
            "srv": srv.id,
            "pc": pc.id,
            "odd": odd.id,
            "vm": vm.id,
            "app": app.id,
        }


def _item(
    kind: str,
    item_id: int,
    name: str,
    category: str | None,
    site: int | None,
    dept: int | None,
    quantity: float,
    host: int | None = None,
    warnings: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(schema.RESULT_ITEMS)
    row.update(
        item_kind=kind,
        item_id=item_id,
        name=name,
        category=category,
        site_id=site,
        department_id=dept,
        quantity=quantity,
        host_id=host,
        status="input",
        data_quality="medium",
        warnings=warnings,
    )
    return row


def make_result(ids: dict[str, int]) -> Result:
    """srv: every stage known; pc-lot: use known, embodied known; mystery: climate unknown at every stage;
    vm-1 and Paie: allocations of srv (not in the total); idle: srv's unallocated capacity."""
    items = [
        _item("equipment", ids["srv"], "srv-1", "rack_server", ids["dc"], ids["it"], 1),
        _item("equipment", ids["pc"], "pc-lot", "laptop", ids["office"], ids["rh"], 20),
        _item(
            "equipment",
            ids["odd"],
            "mystery",
            "other",
            ids["office"],
            None,
            1,
            warnings="no factor for other",
        ),
        _item("vm", ids["vm"], "vm-1", None, ids["dc"], ids["it"], 1, host=ids["srv"]),
        _item("idle", ids["srv"], "srv-1", "rack_server", ids["dc"], ids["it"], 1, host=ids["srv"]),
        _item("application", ids["app"], "Paie", None, None, ids["rh"], 1),
    ]
    impacts = []

    def add(kind: str, item_id: int, crit: str, values: dict[str, float | None], spread: float = 0.1) -> None:
        for stage, v in values.items():
            low = None if v is None else v * (1 - spread)
            high = None if v is None else v * (1 + spread)
            impacts.append(
                {
                    "item_kind": kind,
                    "item_id": item_id,
                    "criterion": crit,
                    "stage": stage,
                    "value": v,
                    "low": low,
                    "high": high,
                }
            )

    add(
        "equipment",
        ids["srv"],
        "climate_change",
        {"manufacturing": 400.0, "distribution": 10.0, "use": 1800.0 * 0.0813225, "end_of_life": 5.0},
    )
    add("equipment", ids["srv"], "adpe", {"manufacturing": 0.01, "use": 1.2e-7})
    add(
        "equipment",
        ids["pc"],
        "climate_change",
        {"manufacturing": 850.0, "distribution": 61.5, "use": 30.0, "end_of_life": 13.95},
    )
    add("equipment", ids["pc"], "adpe", {"manufacturing": 0.05, "use": None})
    add(
        "equipment",
        ids["odd"],
        "climate_change",
        {"manufacturing": None, "distribution": None, "use": None, "end_of_life": None},
    )
    add("vm", ids["vm"], "climate_change", {"manufacturing": 100.0, "use": 36.6})
    add("idle", ids["srv"], "climate_change", {"manufacturing": 300.0, "use": 109.8})
    add("application", ids["app"], "climate_change", {"manufacturing": 100.0, "use": 36.6})
    return Result(
        reference_date=date(2025, 6, 30),
        methodology="test-1",
        items=pl.DataFrame(items, schema=schema.RESULT_ITEMS),
        impacts=pl.DataFrame(impacts, schema=schema.RESULT_IMPACTS),
        criteria=pl.DataFrame(CRITERIA, schema=schema.FACTOR_CRITERIA),
        warnings=["mystery: no factor for other"],
    )


def store_run(
    url: str, org_id: int, result: Result, profile: str = "sobre", inputs_hash: str = "x" * 64
) -> int:
    """Store a hand-built Result as a done run, as run_footprint does."""
    return service.store_result(
        url,
        org_id,
        result,
        profile=profile,
        engine_version="test",
        factor_set_id="test",
        factor_set_version="1",
        inputs_hash=inputs_hash,
    )
