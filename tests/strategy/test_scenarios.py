"""Scenarios on an organisation computed by hand (factors of ``tests.footprint.engine.builders``).

10 laptops declared to last 4 years, 50 kWh a year each in France (0.0813225 kgCO2e/kWh); one rack server.
Laptop embodied per unit: manufacturing 170 + distribution 17 + end of life 8.5 = 195.5 kgCO2e.
- today: 10 × 195.5 / 4 = 488.75 kgCO2e a year embodied; use 10 × 50 × 0.0813225 = 40.66125;
- kept 6 years: 10 × 195.5 / 6 = 325.8333… → delta −162.91666… (manufacturing 10 × 170 × (1/6 − 1/4));
- half of them removed as well: 5 × 195.5 / 6 + 5 × 50 × 0.0813225 → delta −325.8333… − 20.330625.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sobre.core.errors import InputError
from sobre.footprint.engine import compute
from sobre.footprint.schema import EQUIPMENT, SITES, Inventory
from sobre.strategy.scenarios import ChangeSpec, check_spec, evaluate
from tests.footprint.engine.builders import factor_set

REF = date(2025, 12, 31)
FR = 0.0813225


def _org() -> Inventory:
    rows = [
        {
            "id": 1,
            "category": "laptop",
            "country": "FR",
            "quantity": 10.0,
            "lifetime_years": 4.0,
            "annual_kwh": 50.0,
        },
        {"id": 2, "category": "rack_server", "country": "FR", "quantity": 1.0, "annual_kwh": 1500.0},
    ]
    return Inventory(equipment=pl.DataFrame(rows, schema=EQUIPMENT))


def _effect(*specs: ChangeSpec):
    inv, fs = _org(), factor_set()
    base = compute(inv, fs, reference_date=REF)
    return evaluate(list(specs), inv, fs, base, compute, reference_date=REF)


LIFE = ChangeSpec("extend_lifetime", {"category": "laptop", "to_years": 6.0})
HALF = ChangeSpec("fewer_devices", {"category": "laptop", "share": 0.5})


def test_extending_laptop_lifetime_from_4_to_6_years_gives_the_hand_computed_delta() -> None:
    effect = _effect(LIFE)
    assert effect.cells["climate_change"]["total"].before == pytest.approx(488.75 + 10 * 50 * FR, rel=1e-12)
    assert effect.delta("climate_change") == pytest.approx(10 * 195.5 / 6 - 488.75, rel=1e-12)
    assert effect.delta("climate_change", "manufacturing") == pytest.approx(
        10 * 170 * (1 / 6 - 1 / 4), rel=1e-12
    )
    assert effect.delta("climate_change", "use") == pytest.approx(0.0, abs=1e-12)
    assert effect.delta("adpe") == pytest.approx((10 * 195.5 / 6 - 488.75) * 1e-6, rel=1e-9)
    # The server is untouched: the organisation's total drops by the laptops' delta only.
    assert effect.items == 1 and effect.changes[0]["units"] == 10.0
    server = 2226.09 * 1.15 / 5 + 1500 * FR  # default 5-year lifetime of the builders' set
    total = effect.totals["climate_change"][0]
    assert total == pytest.approx(488.75 + 10 * 50 * FR + server, rel=1e-12)
    assert effect.relative("climate_change") == pytest.approx((10 * 195.5 / 6 - 488.75) / total, rel=1e-12)


def test_a_combined_scenario_of_overlapping_changes_is_not_the_sum_of_its_parts() -> None:
    life, half, both = _effect(LIFE), _effect(HALF), _effect(LIFE, HALF)
    expected = (5 * 195.5 / 6 - 488.75) - 5 * 50 * FR
    assert both.delta("climate_change") == pytest.approx(expected, rel=1e-12)
    summed = life.delta("climate_change") + half.delta("climate_change")  # type: ignore[operator]
    assert summed == pytest.approx(-162.91666666666666 - 244.375 - 5 * 50 * FR, rel=1e-12)
    assert abs(both.delta("climate_change") - summed) > 80  # type: ignore[operator]
    # Order matters only through what the changes are: removing first then extending gives the same.
    assert _effect(HALF, LIFE).delta("climate_change") == pytest.approx(expected, rel=1e-12)


def test_a_change_with_no_row_to_act_on_changes_nothing() -> None:
    effect = _effect(ChangeSpec("reuse", {"category": "smartphone", "share": 1.0}))
    assert effect.delta("climate_change") == 0.0 and effect.changes[0]["rows"] == 0


def test_ranges_hold_the_value() -> None:
    inv, fs = _org(), factor_set(ranges=0.2)
    base = compute(inv, fs, reference_date=REF)
    cell = evaluate([LIFE], inv, fs, base, compute, reference_date=REF).cells["climate_change"]["total"]
    assert cell.low is not None and cell.high is not None and cell.delta is not None
    assert cell.low <= cell.delta <= cell.high and cell.low < cell.high


def test_switch_off_and_reuse_and_refurbished() -> None:
    inv = _org()
    fs = factor_set(hypotheses={"refurbished_factor:laptop": 0.3})
    base = compute(inv, fs, reference_date=REF)
    off = evaluate(
        [ChangeSpec("switch_off", {"category": "laptop", "hours_per_day": 12.0, "days_per_year": 365.0})],
        inv,
        fs,
        base,
        compute,
        reference_date=REF,
    )
    assert off.delta("climate_change", "use") == pytest.approx(-0.5 * 10 * 50 * FR, rel=1e-12)
    reuse = evaluate(
        [ChangeSpec("reuse", {"category": "laptop", "share": 1.0})],
        inv,
        fs,
        base,
        compute,
        reference_date=REF,
    )
    assert reuse.delta("climate_change", "end_of_life") == pytest.approx(-10 * 8.5 / 4, rel=1e-12)
    refurb = evaluate(
        [ChangeSpec("refurbished", {"category": "laptop", "share": 0.5})],
        inv,
        fs,
        base,
        compute,
        reference_date=REF,
    )
    assert refurb.delta("climate_change", "manufacturing") == pytest.approx(-5 * 170 * 0.7 / 4, rel=1e-12)


@pytest.mark.parametrize(
    ("kind", "params", "column"),
    [
        ("grow_trees", {}, "kind"),
        ("refurbished", {"category": "laptop"}, "share"),
        ("refurbished", {"category": "laptop", "share": "1,5"}, "share"),
        ("refurbished", {"category": "laptop", "share": 1.5}, "share"),
        ("extend_lifetime", {"category": "laptop"}, "years"),
        ("switch_off", {"category": "laptop", "hours_per_day": 30, "days_per_year": 200}, "hours_per_day"),
        ("reuse", {"category": "laptop", "share": 0.5, "colour": "red"}, "colour"),
    ],
)
def test_bad_changes_name_the_parameter(kind: str, params: dict, column: str) -> None:
    with pytest.raises(InputError) as err:
        check_spec(kind, params)
    assert err.value.column == column


def test_a_market_based_electricity_factor_for_one_site() -> None:
    """Laptops at the town hall (site 1); the server elsewhere: only the laptops' use stage changes."""
    sites = pl.DataFrame([{"id": 1, "name": "Mairie", "kind": "office", "country": "FR"}], schema=SITES)
    inv = _org()
    inv = Inventory(
        sites=sites,
        equipment=inv.equipment.with_columns(
            pl.when(pl.col("id") == 1).then(1).otherwise(None).cast(pl.Int64).alias("site_id")
        ),
    )
    fs = factor_set()
    base = compute(inv, fs, reference_date=REF)
    spec = check_spec("electricity_factor", {"site": "Mairie", "kgco2e_per_kwh": "0.02"})
    effect = evaluate([spec], inv, fs, base, compute, reference_date=REF)
    assert effect.delta("climate_change", "use") == pytest.approx(10 * 50 * (0.02 - FR), rel=1e-12)
    assert effect.delta("climate_change", "manufacturing") == 0.0
    assert effect.delta("adpe", "use") == pytest.approx(0.0, abs=1e-15)  # other criteria keep the country's
    assert effect.changes[0]["rows"] == 1
    with pytest.raises(InputError) as err:
        evaluate(
            [ChangeSpec("electricity_factor", {"site": "Gare", "kgco2e_per_kwh": 0.0})],
            inv,
            fs,
            base,
            compute,
            reference_date=REF,
        )
    assert err.value.column == "site" and err.value.value == "Gare"
