"""Small factor sets and inventories for the engine's tests."""

from __future__ import annotations

from typing import Any

import polars as pl

from sobre.footprint.schema import (
    EMBODIED_STAGES,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    FactorSet,
)

CRITERIA = pl.DataFrame(
    {
        "code": ["climate_change", "adpe"],
        "label_en": ["Climate change", "Resources"],
        "label_fr": ["Changement climatique", "Ressources"],
        "unit": ["kgCO2e", "kgSbeq"],
    }
)


def factor_set(
    embodied: dict[str, float] | None = None,
    electricity: dict[str, float] | None = None,
    defaults: list[dict[str, Any]] | None = None,
    hypotheses: dict[str, float] | None = None,
    ranges: float = 0.0,
) -> FactorSet:
    """Factors for each ref: manufacturing = v, distribution = v/10, end_of_life = v/20, adpe = v/1e6.

    ``ranges`` > 0 gives every factor low = v × (1 − ranges) and high = v × (1 + ranges).
    """
    embodied = {"rack_server": 2226.09, "laptop": 170.0} if embodied is None else embodied
    electricity = {"FR": 0.0813225} if electricity is None else electricity
    rows = []
    for ref, v in embodied.items():
        for stage, k in zip(EMBODIED_STAGES, (1.0, 0.1, 0.05), strict=True):
            for crit, c in (("climate_change", 1.0), ("adpe", 1e-6)):
                val = v * k * c
                rows.append(
                    {
                        "ref": ref,
                        "stage": stage,
                        "criterion": crit,
                        "value": val,
                        "low": val * (1 - ranges),
                        "high": val * (1 + ranges),
                        "source": "test",
                        "licence": "test",
                        "row_id": f"{ref}/{stage}/{crit}",
                    }
                )
    el = [
        {
            "country": country,
            "criterion": crit,
            "value": v * c,
            "low": v * c * (1 - ranges),
            "high": v * c * (1 + ranges),
            "year": 2024,
            "source": "test",
            "licence": "test",
            "row_id": f"el/{country}/{crit}",
        }
        for country, v in electricity.items()
        for crit, c in (("climate_change", 1.0), ("adpe", 1e-7))
    ]
    dflt = (
        defaults
        if defaults is not None
        else [
            {
                "ref": "rack_server",
                "lifetime_years": 5.0,
                "lifetime_low": 4.0,
                "lifetime_high": 7.0,
                "annual_kwh": 1500.0,
                "cpu_threads": 64,
            },
            {
                "ref": "laptop",
                "lifetime_years": 4.0,
                "lifetime_low": 3.0,
                "lifetime_high": 6.0,
                "power_w": 30.0,
                "hours_per_day": 8.0,
                "days_per_year": 220.0,
            },
        ]
    )
    return FactorSet(
        id="test",
        version="1",
        publisher="tests",
        year=2024,
        licence="test",
        criteria=CRITERIA,
        impacts=pl.DataFrame(rows, schema=FACTOR_IMPACTS),
        electricity=pl.DataFrame(el, schema=FACTOR_ELECTRICITY),
        defaults=pl.DataFrame(dflt, schema=FACTOR_DEFAULTS),
        hypotheses={"default_pue": 1.58, "cope_rate": 0.8, "byod_rate": 0.57}
        if hypotheses is None
        else hypotheses,
    )


def value(
    result: Any, kind: str, item_id: int, stage: str, criterion: str = "climate_change"
) -> float | None:
    rows = result.impacts.filter(
        (pl.col("item_kind") == kind)
        & (pl.col("item_id") == item_id)
        & (pl.col("stage") == stage)
        & (pl.col("criterion") == criterion)
    )
    assert rows.height == 1, (kind, item_id, stage, criterion, rows)
    return rows["value"][0]


def item(result: Any, kind: str, item_id: int) -> dict[str, Any]:
    rows = result.items.filter((pl.col("item_kind") == kind) & (pl.col("item_id") == item_id))
    assert rows.height == 1
    return rows.row(0, named=True)
