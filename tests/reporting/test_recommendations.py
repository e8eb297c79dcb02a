"""Recommendations: effects computed by the real engine on modified inventories, checked by hand."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sobre.footprint.engine import compute
from sobre.footprint.schema import (
    DEPARTMENTS,
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
from sobre.reporting.data import ReportInputs, build_report_data
from sobre.reporting.model import RunInfo
from sobre.reporting.recommendations import recommend

REF_DATE = date(2025, 12, 31)


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


def factors() -> FactorSet:
    impacts = []
    for ref, per_stage in {"laptop": (170.0, 12.0, 3.0), "rack_server": (1000.0, 20.0, 30.0)}.items():
        for stage, v in zip(("manufacturing", "distribution", "end_of_life"), per_stage, strict=True):
            impacts.append(
                dict(
                    ref=ref,
                    stage=stage,
                    criterion="climate_change",
                    value=v,
                    low=v,
                    high=v,
                    source="test",
                    licence="CC0",
                    row_id=f"{ref}-{stage}",
                )
            )
    return FactorSet(
        id="t",
        version="1",
        publisher="tests",
        year=2025,
        licence="CC0",
        criteria=_frame(
            [
                dict(
                    code="climate_change",
                    label_en="Climate change",
                    label_fr="Changement climatique",
                    unit="kgCO2e",
                )
            ],
            FACTOR_CRITERIA,
        ),
        impacts=_frame(impacts, FACTOR_IMPACTS),
        electricity=_frame(
            [
                dict(
                    country="FR",
                    criterion="climate_change",
                    value=0.05,
                    low=0.05,
                    high=0.05,
                    year=2024,
                    source="test",
                    licence="CC0",
                    row_id="fr",
                )
            ],
            FACTOR_ELECTRICITY,
        ),
        defaults=_frame(
            [
                dict(
                    ref="laptop",
                    lifetime_years=4.0,
                    lifetime_low=4.0,
                    lifetime_high=4.0,
                    annual_kwh=20.0,
                    source="test",
                ),
                dict(
                    ref="rack_server",
                    lifetime_years=5.0,
                    lifetime_low=5.0,
                    lifetime_high=5.0,
                    annual_kwh=1000.0,
                    cpu_threads=32,
                    source="test",
                ),
            ],
            FACTOR_DEFAULTS,
        ),
        item_types=_frame(
            [
                dict(type="laptop", default_ref="laptop", lifetime_years=4.0, is_server=False),
                dict(type="rack_server", default_ref="rack_server", lifetime_years=5.0, is_server=True),
            ],
            FACTOR_ITEM_TYPES,
        ),
        hypotheses={"default_pue": 1.5},
    )


def inventory() -> Inventory:
    return Inventory(
        sites=_frame(
            [
                dict(id=1, name="Office", kind="office", country="FR"),
                dict(id=2, name="Room", kind="server_room", country="FR", pue=2.0),
            ],
            SITES,
        ),
        departments=_frame([dict(id=1, name="IT", headcount=10)], DEPARTMENTS),
        equipment=_frame(
            [
                dict(
                    id=1,
                    name="laptops",
                    category="laptop",
                    quantity=10.0,
                    status="in_use",
                    site_id=1,
                    country="FR",
                    purchase_date=date(2024, 1, 1),
                ),
                dict(
                    id=2,
                    name="host",
                    category="rack_server",
                    quantity=1.0,
                    status="in_use",
                    site_id=2,
                    country="FR",
                    cpu_threads=32,
                    purchase_date=date(2023, 1, 1),
                ),
            ],
            EQUIPMENT,
        ),
        vms=_frame([dict(id=1, name="vm", host_id=2, vcpu=4.0, quantity=1.0)], VMS),
    )


@pytest.fixture(scope="module")
def data():
    inv, fs = inventory(), factors()
    result = compute(inv, fs, profile="sobre", reference_date=REF_DATE, org_country="FR")
    run = RunInfo(None, None, REF_DATE, "sobre", "x", "sobre-x", "t", "1")
    return build_report_data(ReportInputs("Org", run, result, factors=fs, inventory=inv, country="FR"))


def test_lifetime_extension_and_consolidation_effects(data) -> None:
    recs = {r.key: r for r in data.recommendations}
    # 10 laptops: embodied 185 kgCO2e each over 4 years, then over 6 years.
    lifetime = recs["lifetime_extension"]
    assert lifetime.avoided["climate_change"].value == pytest.approx(10 * 185.0 * (1 / 4 - 1 / 6))
    assert lifetime.items == 10 and lifetime.params["years"] == 2
    # The host: 4 of 32 vCPU used → 87.5 % idle; consolidated at 80 % load it needs 0.125 / 0.8 of a host.
    host_total = 1050.0 / 5 + 1000.0 * 0.05 * 2.0
    consolidation = recs["consolidation"]
    assert consolidation.avoided["climate_change"].value == pytest.approx(host_total * (1 - 0.125 / 0.8))
    total = data.total("climate_change").total.value
    assert consolidation.share == pytest.approx(consolidation.avoided["climate_change"].value / total)
    f = consolidation.avoided["climate_change"]
    assert f.low <= f.value <= f.high
    # Largest avoided impact first.
    values = [r.avoided["climate_change"].value for r in data.recommendations]
    assert values == sorted(values, reverse=True)


def test_refurbished_only_when_the_engine_credits_it(data) -> None:
    # Methodology sobre-2025.1 counts refurbished devices as new: a zero effect is not shown as a saving.
    assert "refurbished" not in {r.key for r in data.recommendations}


def test_refurbished_effect_with_an_engine_that_credits_it(data) -> None:
    """With a rule that avoids manufacturing for refurbished devices, 30 % of renewals avoid 30 % of it."""

    def crediting(inv: Inventory, fs: FactorSet, **kw: object):
        result = compute(inv, fs, **kw)
        refurb = inv.equipment.filter(pl.col("refurbished").fill_null(False)).get_column("id")
        impacts = result.impacts.with_columns(
            pl.when((pl.col("item_id").is_in(refurb.implode())) & (pl.col("stage") == "manufacturing"))
            .then(0.0)
            .otherwise(pl.col(c))
            .alias(c)
            for c in ("value", "low", "high")
        )
        result.impacts = impacts
        return result

    inv, fs = inventory(), factors()
    result = compute(inv, fs, profile="sobre", reference_date=REF_DATE)
    run = RunInfo(None, None, REF_DATE, "sobre", "x", "sobre-x", "t", "1")
    inputs = ReportInputs("Org", run, result, factors=fs, inventory=inv, country="FR")
    data = build_report_data(inputs, recommend=lambda i, d: recommend(i, d, compute=crediting))
    refurb = next(r for r in data.recommendations if r.key == "refurbished")
    assert refurb.avoided["climate_change"].value == pytest.approx(0.3 * 10 * 170.0 / 4)
