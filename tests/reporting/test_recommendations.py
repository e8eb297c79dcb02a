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

REF_DATE = date(2025, 12, 31)


def _frame(rows: list[dict], schema: dict) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


PHONE_W = 4.0
FR = 0.05
RATIO = 11 * 251 / (24 * 365)  # opening hours over always on


def _impact(ref: str, per_stage: tuple[float, float, float]) -> list[dict]:
    return [
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
        for stage, v in zip(("manufacturing", "distribution", "end_of_life"), per_stage, strict=True)
    ]


def factors() -> FactorSet:
    impacts = (
        _impact("laptop", (170.0, 12.0, 3.0))
        + _impact("rack_server", (1000.0, 20.0, 30.0))
        + _impact("ip_phone", (60.0, 0.6, 1.6))
        + _impact("printer", (100.0, 0.0, 0.0))
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
                    value=FR,
                    low=FR,
                    high=FR,
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
                dict(
                    ref="ip_phone",
                    lifetime_years=5.0,
                    lifetime_low=5.0,
                    lifetime_high=5.0,
                    power_w=PHONE_W,
                    hours_per_day=24.0,
                    days_per_year=365.0,
                    source="test",
                ),
                dict(
                    ref="printer",
                    lifetime_years=5.0,
                    lifetime_low=5.0,
                    lifetime_high=5.0,
                    annual_kwh=20.0,
                    source="test",
                ),
            ],
            FACTOR_DEFAULTS,
        ),
        item_types=_frame(
            [
                dict(type=c, default_ref=c, lifetime_years=life, is_server=c == "rack_server")
                for c, life in (("laptop", 4.0), ("rack_server", 5.0), ("ip_phone", 5.0), ("printer", 5.0))
            ],
            FACTOR_ITEM_TYPES,
        ),
        hypotheses={
            "default_pue": 1.5,
            "refurbished_factor:laptop": 0.5,
            "efficient_manufacturing:laptop": 0.75,
            "efficient_energy:laptop": 0.8,
        },
    )


def inventory() -> Inventory:
    office, room = (
        dict(site_id=1, country="FR", status="in_use"),
        dict(site_id=2, country="FR", status="in_use"),
    )
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
                    purchase_date=date(2024, 1, 1),
                    **office,
                ),
                dict(
                    id=2,
                    name="host",
                    category="rack_server",
                    quantity=1.0,
                    cpu_threads=32,
                    purchase_date=date(2023, 1, 1),
                    **room,
                ),
                dict(
                    id=3,
                    name="plain",
                    category="rack_server",
                    quantity=1.0,
                    purchase_date=date(2023, 1, 1),
                    **room,
                ),
                dict(id=4, name="phones", category="ip_phone", quantity=5.0, **office),
                dict(
                    id=5,
                    name="single printers",
                    category="printer",
                    type_label="Imprimante",
                    quantity=2.0,
                    **office,
                ),
                dict(
                    id=6,
                    name="mfp",
                    category="printer",
                    type_label="Imprimante multifonction",
                    quantity=1.0,
                    **office,
                ),
                dict(
                    id=7,
                    name="second laptop",
                    category="laptop",
                    quantity=1.0,
                    purchase_date=date(2024, 1, 1),
                    **office,
                ),
            ],
            EQUIPMENT,
        ),
        vms=_frame([dict(id=1, name="vm", host_id=2, vcpu=4.0, quantity=1.0)], VMS),
    )


def _inputs() -> ReportInputs:
    inv, fs = inventory(), factors()
    result = compute(inv, fs, profile="sobre", reference_date=REF_DATE, org_country="FR")
    run = RunInfo(None, None, REF_DATE, "sobre", "x", "sobre-x", "t", "1")
    return ReportInputs("Org", run, result, factors=fs, inventory=inv, country="FR", surplus_devices=[7])


@pytest.fixture(scope="module")
def data():
    return build_report_data(_inputs())


def _avoided(data, key: str) -> float:
    rec = next(r for r in data.recommendations if r.key == key)
    return rec.avoided["climate_change"].value


# Per year, by hand (climate change, kg CO2e):
LAPTOPS = 10 * 185 / 4 + 10 * 20 * FR  # ten laptops, default 4 years, 20 kWh each
HOST = 1050 / 5 + 1000 * FR * 2.0  # embodied over 5 years + use at PUE 2
PHONES = 5 * 62.2 / 5 + 5 * PHONE_W * 24 * 365 / 1000 * FR
PRINTER = 100 / 5 + 20 * FR


def test_eight_levers_each_quantified(data) -> None:
    assert {r.key for r in data.recommendations} == {
        "lifetime_extension",
        "refurbished",
        "fewer_devices",
        "servers",
        "switch_off",
        "printing",
        "reuse",
        "purchasing",
    }
    # Two more years for laptops (both rows), phones and printers.
    assert _avoided(data, "lifetime_extension") == pytest.approx(
        11 * 185 * (1 / 4 - 1 / 6) + 5 * 62.2 * (1 / 5 - 1 / 7) + 3 * 100 * (1 / 5 - 1 / 7)
    )
    # 30 % of the laptops refurbished, carrying half of a new one's manufacturing.
    assert _avoided(data, "refurbished") == pytest.approx(0.3 * 11 * 170 / 4 * 0.5)
    assert _avoided(data, "fewer_devices") == pytest.approx(185 / 4 + 20 * FR)
    # The host is 4/32 used: its hardware becomes (4/32)/0.6; the plain server keeps 0.15/0.6 of itself.
    assert _avoided(data, "servers") == pytest.approx(HOST * (1 - (4 / 32) / 0.6) + HOST * (1 - 0.15 / 0.6))
    assert _avoided(data, "switch_off") == pytest.approx(5 * PHONE_W * 24 * 365 / 1000 * FR * (1 - RATIO))
    assert _avoided(data, "printing") == pytest.approx(2 * PRINTER)  # the MFP stays
    assert _avoided(data, "reuse") == pytest.approx(11 * 3 / 4 + 5 * 1.6 / 5)
    assert _avoided(data, "purchasing") == pytest.approx(11 * (170 / 4 * 0.25 + 20 * FR * 0.2))
    for rec in data.recommendations:
        assert rec.owner and rec.horizon and rec.kpi and rec.cost and rec.practice


def test_combined_counts_overlaps_once(data) -> None:
    """Every change in sequence on one copy: the second laptop goes, the others live 6 years, 30 % of them
    are refurbished, the new ones efficient; phones live 7 years and sleep at night; the single printers go;
    servers are consolidated; end-user devices leave through reuse."""
    laptops_after = 7 * 170 * 0.75 / 6 + 3 * 170 * 0.5 / 6 + 10 * 12 / 6 + 7 * 20 * 0.8 * FR + 3 * 20 * FR
    phones_after = 5 * 60.6 / 7 + 5 * PHONE_W * 24 * 365 / 1000 * FR * RATIO
    mfp_after = 100 / 7 + 20 * FR
    host_after = HOST * (4 / 32) / 0.6 + HOST * 0.15 / 0.6
    before = LAPTOPS + (185 / 4 + 20 * FR) + PHONES + 3 * PRINTER + 2 * HOST
    after = laptops_after + phones_after + mfp_after + host_after
    combined = data.combined.avoided["climate_change"].value
    assert combined == pytest.approx(before - after)
    assert combined < sum(r.avoided["climate_change"].value for r in data.recommendations)
    assert data.combined.share == pytest.approx(combined / data.total("climate_change").total.value)


def test_levers_computed_apart_keep_their_own_figures(data, monkeypatch) -> None:
    """Levers batched together whose factor sets turn out to differ are computed one call each: every
    lever's figures stay its own (the batched path's, lever for lever)."""
    from sobre.reporting import recommendations

    monkeypatch.setattr(recommendations, "_same_factors", lambda a, b: a is b)
    apart = build_report_data(_inputs())
    by_lever = {r.key: r.avoided for r in data.recommendations}
    assert {r.key: r.avoided for r in apart.recommendations} == by_lever
    assert apart.combined == data.combined


def test_no_recommendation_on_a_changed_inventory() -> None:
    inv, fs = inventory(), factors()
    result = compute(inv, fs, profile="sobre", reference_date=REF_DATE, org_country="FR")
    run = RunInfo(None, None, REF_DATE, "sobre", "x", "sobre-x", "t", "1")
    inputs = ReportInputs("Org", run, result, factors=fs, inventory=inv, inventory_matches_run=False)
    data = build_report_data(inputs)
    assert data.recommendations == [] and data.combined is None
