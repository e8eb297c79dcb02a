"""A tiny organisation whose results are written by hand, so every report figure can be checked on paper.

Climate change (kgCO2e), per stage (manufacturing, distribution, use, end of life):
- "Portables finances": 10 laptops, 425 + 30 + 10 + 10 = 475   (low 333, high 667)
- "srv-01": 1 rack server, 200 + 10 + 100 + 6 = 316          (low 253, high 379)
- "cloud-web": cloud instance, 20 + 5 = 25                    (low 19, high 31)
- "backup-s3": storage not on equipment, 2 + 1 = 3            (low 2, high 4)
- "nas-share": storage on srv-01 → an allocation, not in the total
- vm-a, vm-b: 1/4 of srv-01 each; idle: the other half (158); application "Compta" runs on both VMs (158)
Total 819 (607 – 1081).  ADPe: laptop distribution and cloud manufacturing are unknown (2 items unknown).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from sobre.footprint.schema import (
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    RESULT_IMPACTS,
    RESULT_ITEMS,
    FactorSet,
    Result,
)
from sobre.reporting.data import Names, ReportInputs
from sobre.reporting.model import ImportStat, RunInfo

HOSTILE = "DSI <script>alert('x')</script>"
STAGES = ("manufacturing", "distribution", "use", "end_of_life")

# (value, low, high) per stage; None = unknown
LAPTOP_CC = [(425.0, 300.0, 600.0), (30.0, 20.0, 40.0), (10.0, 8.0, 12.0), (10.0, 5.0, 15.0)]
SERVER_CC = [(200.0, 150.0, 250.0), (10.0, 8.0, 12.0), (100.0, 90.0, 110.0), (6.0, 5.0, 7.0)]
LAPTOP_ADPE = [(0.01, 0.008, 0.012), None, (0.00001, 0.00001, 0.00001), (0.0001, 0.0001, 0.0001)]
SERVER_ADPE = [(0.05, 0.04, 0.06), (0.001, 0.001, 0.001), (0.0001, 0.0001, 0.0001), (0.0005, 0.0005, 0.0005)]

EXPECTED_TOTAL_CC = (819.0, 607.0, 1081.0)
EXPECTED_TOTAL_ADPE = 0.01011 + 0.0516 + 0.00002 + 0.0001


def _item(kind: str, item_id: int, name: str, category: str | None, **kw: object) -> dict:
    row: dict = {k: None for k in RESULT_ITEMS}
    row.update(item_kind=kind, item_id=item_id, name=name, category=category, quantity=1.0, usage_rate=1.0)
    row.update(kw)
    return row


def _impacts(
    kind: str,
    item_id: int,
    criterion: str,
    per_stage: list,
    factor: float = 1.0,
    stages: tuple[str, ...] = STAGES,
) -> list[dict]:
    rows = []
    for stage, v in zip(stages, per_stage, strict=True):
        value, low, high = (None, None, None) if v is None else (v[0] * factor, v[1] * factor, v[2] * factor)
        rows.append(
            dict(
                item_kind=kind,
                item_id=item_id,
                criterion=criterion,
                stage=stage,
                value=value,
                low=low,
                high=high,
            )
        )
    return rows


def tiny_result() -> Result:
    items = [
        _item(
            "equipment",
            1,
            "Portables finances",
            "laptop",
            site_id=1,
            department_id=1,
            quantity=10.0,
            status="default",
            data_quality="medium",
            factor_ref="laptop",
            lifetime_years=4.0,
            lifetime_method="default",
            kwh_method="default",
            country="FR",
        ),
        _item(
            "equipment",
            2,
            "srv-01",
            "rack_server",
            site_id=2,
            department_id=2,
            status="input",
            data_quality="high",
            factor_ref="rack_server",
            lifetime_years=5.0,
            lifetime_method="dates",
            kwh_method="declared",
            country="FR",
            pue=2.0,
        ),
        _item("vm", 11, "vm-a", None, site_id=2, department_id=2, host_id=2, share=0.25, share_method="vcpu"),
        _item("vm", 12, "vm-b", None, site_id=2, department_id=1, host_id=2, share=0.25, share_method="vcpu"),
        _item("idle", 2, "srv-01", "rack_server", site_id=2, department_id=2, host_id=2, share=0.5),
        _item("application", 21, "Compta", None, department_id=1),
        _item(
            "cloud",
            31,
            "cloud-web",
            "cloud",
            department_id=1,
            status="modelled",
            data_quality="low",
            country="FR",
        ),
        _item("storage", 41, "nas-share", "storage", site_id=2, host_id=2, share=0.1, status="input"),
        _item("storage", 42, "backup-s3", "storage", status="default", data_quality="low"),
    ]
    impacts = (
        _impacts("equipment", 1, "climate_change", LAPTOP_CC)
        + _impacts("equipment", 1, "adpe", LAPTOP_ADPE)
        + _impacts("equipment", 2, "climate_change", SERVER_CC)
        + _impacts("equipment", 2, "adpe", SERVER_ADPE)
        + _impacts("vm", 11, "climate_change", SERVER_CC, 0.25)
        + _impacts("vm", 12, "climate_change", SERVER_CC, 0.25)
        + _impacts("idle", 2, "climate_change", SERVER_CC, 0.5)
        + _impacts("application", 21, "climate_change", SERVER_CC, 0.5)
        + _impacts("vm", 11, "adpe", SERVER_ADPE, 0.25)
        + _impacts("vm", 12, "adpe", SERVER_ADPE, 0.25)
        + _impacts("idle", 2, "adpe", SERVER_ADPE, 0.5)
        + _impacts("application", 21, "adpe", SERVER_ADPE, 0.5)
        + _impacts(
            "cloud",
            31,
            "climate_change",
            [(20.0, 15.0, 25.0), (5.0, 4.0, 6.0)],
            stages=("manufacturing", "use"),
        )
        + _impacts("cloud", 31, "adpe", [None, (0.00002, 0.00002, 0.00002)], stages=("manufacturing", "use"))
        + _impacts("storage", 41, "climate_change", [(3.0, 2.0, 4.0)], stages=("manufacturing",))
        + _impacts(
            "storage",
            42,
            "climate_change",
            [(2.0, 1.0, 3.0), (1.0, 1.0, 1.0)],
            stages=("manufacturing", "use"),
        )
        + _impacts("storage", 42, "adpe", [(0.0001, 0.0001, 0.0001)], stages=("manufacturing",))
    )
    criteria = pl.DataFrame(
        {
            "code": ["climate_change", "adpe"],
            "label_en": ["Climate change", "Minerals and metals (ADPe)"],
            "label_fr": ["Changement climatique", "Ressources minérales et métaux (ADPe)"],
            "unit": ["kgCO2e", "kgSbeq"],
        }
    )
    return Result(
        reference_date=date(2026, 6, 30),
        methodology="sobre-test",
        items=pl.DataFrame(items, schema=RESULT_ITEMS),
        impacts=pl.DataFrame(impacts, schema=RESULT_IMPACTS),
        criteria=criteria,
        warnings=["no_impact_factor(n=1,kind=equipment,ref=laptop,stages=distribution/adpe)"],
    )


def tiny_factors() -> FactorSet:
    impacts = pl.DataFrame(
        [
            dict(
                ref="laptop",
                stage="manufacturing",
                criterion="climate_change",
                value=170.0,
                low=120.0,
                high=240.0,
                source="ADEME impactco2 numérique (2023)",
                licence="Licence Ouverte 2.0",
                row_id="l1",
            ),
            dict(
                ref="rack_server",
                stage="manufacturing",
                criterion="climate_change",
                value=1000.0,
                low=750.0,
                high=1250.0,
                source="Boavizta archetypes (2024)",
                licence="AGPL-3.0 data",
                row_id="s1",
            ),
            dict(
                ref="unused",
                stage="manufacturing",
                criterion="climate_change",
                value=1.0,
                low=1.0,
                high=1.0,
                source="Never used",
                licence="none",
                row_id="u1",
            ),
        ],
        schema=FACTOR_IMPACTS,
    )
    electricity = pl.DataFrame(
        [
            dict(
                country="FR",
                criterion="climate_change",
                value=0.05,
                low=0.04,
                high=0.06,
                year=2024,
                source="Ember (2024)",
                licence="CC BY 4.0",
                row_id="e1",
            )
        ],
        schema=FACTOR_ELECTRICITY,
    )
    defaults = pl.DataFrame(
        [
            dict(
                ref="laptop",
                lifetime_years=4.0,
                lifetime_low=3.0,
                lifetime_high=5.0,
                annual_kwh=None,
                power_w=30.0,
                hours_per_day=8.0,
                days_per_year=220.0,
                cpu_threads=None,
                source="ADEME (2023)",
            )
        ],
        schema=FACTOR_DEFAULTS,
    )
    return FactorSet(
        id="tiny",
        version="1",
        publisher="Tests",
        year=2026,
        licence="CC0",
        impacts=impacts,
        electricity=electricity,
        defaults=defaults,
        hypotheses={"default_pue": 1.58, "cope_rate": 0.8},
        cloud_pue={"aws": 1.135},
    )


def tiny_inputs(*, factors: bool = True) -> ReportInputs:
    return ReportInputs(
        organisation="Tinyville <b>&</b>",
        run=RunInfo(
            run_id=7,
            created_at="2026-07-01T10:00:00",
            reference_date=date(2026, 6, 30),
            profile="sobre",
            engine_version="test-1",
            methodology="sobre-test",
            factor_set_id="tiny",
            factor_set_version="1",
            factor_set_publisher="Tests",
            factor_set_year=2026,
            factor_set_licence="CC0",
            inputs_hash="abc123",
        ),
        result=tiny_result(),
        names=Names(
            sites={1: "Mairie", 2: "Salle serveur"},
            departments={1: "Finances", 2: HOSTILE},
            applications={21: "Compta"},
            application_users={21: 12},
        ),
        employees=15,
        inhabitants=60_000,
        users=12,
        country="FR",
        factors=tiny_factors() if factors else None,
        imports=[
            ImportStat("equipment.csv", "equipment", 13, 11, 0, 2, "/tmp/rejects/equipment.rejects.csv")
        ],
    )
