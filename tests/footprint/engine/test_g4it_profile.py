"""The G4IT compatibility profile reproduces G4IT's own evaluation fixture (eval_nominal)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from sobre.footprint.engine import compare_profiles, compute
from tests.footprint.engine.g4it_fixture import expected, load

REFERENCE_DATE = date(2024, 1, 1)  # the fixture's calculationDate


@pytest.fixture(scope="module")
def fixture_dir(g4it_dir: Path) -> Path:
    return g4it_dir / "tests" / "evaluate" / "eval_nominal"


def test_reproduces_every_expected_impact(fixture_dir: Path) -> None:
    inventory, factors, ids = load(fixture_dir)
    result = compute(inventory, factors, profile="g4it", reference_date=REFERENCE_DATE)
    labels = dict(zip(factors.criteria["label_en"], factors.criteria["code"], strict=True))
    rows = expected(fixture_dir)
    assert len(rows) == 6
    for kind, name, stage, label, want in rows:
        got = result.impacts.filter(
            (pl.col("item_kind") == kind)
            & (pl.col("item_id") == ids[kind][name])
            & (pl.col("stage") == stage)
            & (pl.col("criterion") == labels[label])
        )["value"]
        assert got.len() == 1, (kind, name)
        assert got[0] is not None
        assert abs(got[0] - want) / want < 1e-9, (kind, name, got[0], want)


def test_worked_example_trace(fixture_dir: Path) -> None:
    inventory, factors, ids = load(fixture_dir)
    result = compute(inventory, factors, profile="g4it", reference_date=REFERENCE_DATE)
    eq1 = result.items.filter(
        (pl.col("item_kind") == "equipment") & (pl.col("item_id") == ids["equipment"]["physical-eq-1"])
    ).row(0, named=True)
    assert eq1["lifetime_years"] == pytest.approx(4.372602739726028, rel=1e-15)
    assert eq1["lifetime_method"] == "dates_365"
    assert eq1["factor_ref"] == "blade-server-1"
    assert eq1["pue"] == 1.75 and eq1["country"] == "FR"
    value = result.impacts.filter(
        (pl.col("item_kind") == "equipment")
        & (pl.col("item_id") == ids["equipment"]["physical-eq-1"])
        & (pl.col("stage") == "manufacturing")
        & (pl.col("criterion") == "climate_change")
    )["value"][0]
    assert value == pytest.approx(509.1002555528837, rel=1e-12)
    # Use stage (our arithmetic): 1.2 kWh declared × PUE 1.75 × French mix 0.0813225.
    use = result.impacts.filter(
        (pl.col("item_kind") == "equipment")
        & (pl.col("item_id") == ids["equipment"]["physical-eq-1"])
        & (pl.col("stage") == "use")
        & (pl.col("criterion") == "climate_change")
    )["value"][0]
    assert use == pytest.approx(1.2 * 1.75 * 0.0813225, rel=1e-12)
    # Criteria without factors in the fixture are unknown, never zero.
    other = result.impacts.filter(
        (pl.col("criterion") == "acidification") & (pl.col("item_kind") == "equipment")
    )
    assert other["value"].null_count() == other.height > 0


def test_sobre_profile_differs_only_by_lifetime_rule(fixture_dir: Path) -> None:
    inventory, factors, ids = load(fixture_dir)
    g4it = compute(inventory, factors, profile="g4it", reference_date=REFERENCE_DATE)
    sobre = compute(inventory, factors, profile="sobre", reference_date=REFERENCE_DATE)
    diff = (
        compare_profiles(g4it, sobre)
        .filter(
            (pl.col("criterion") == "climate_change")
            & (pl.col("stage") == "manufacturing")
            & (pl.col("item_kind") == "equipment")
            & (pl.col("item_id") == ids["equipment"]["physical-eq-1"])
        )
        .row(0, named=True)
    )
    # Sobre divides days by 365.25, G4IT by 365.
    assert diff["value_b"] == pytest.approx(2226.09317222576 / (1596 / 365.25), rel=1e-12)
    assert diff["relative_difference"] == pytest.approx(365.25 / 365 - 1, rel=1e-9)
    assert "lifetime_years" in diff["why"] and "dates_365" in diff["why"] and "(dates)" in diff["why"]
    assert "factor_ref" not in diff["why"]
