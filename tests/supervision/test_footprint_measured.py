"""A footprint run takes supervision's measured energy: those items show ``measured``, the rest keep the
engine's own methods, and the use-stage totals equal the hand-computed ones."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import pytest

from sobre.footprint.runs import service as runs
from sobre.supervision import service
from tests.supervision.conftest import ORG

DAY = date(2026, 12, 7)
FR_CLIMATE = 0.04418  # default factor set, row elec-FR-climate_change (Ember 2024)
PUE = 1.4  # the DC Nord site of the fixture


def _use(result: Any, name: str) -> float:
    items = result.items.filter((pl.col("item_kind") == "equipment") & (pl.col("name") == name))
    item_id = items["item_id"][0]
    use = result.impacts.filter(
        (pl.col("item_kind") == "equipment")
        & (pl.col("item_id") == item_id)
        & (pl.col("stage") == "use")
        & (pl.col("criterion") == "climate_change")
    )
    return float(use["value"].sum())


def test_measured_hosts_feed_the_use_stage(estate: tuple[str, dict[str, int]]) -> None:
    url, ids = estate
    service.add_host(url, ORG, "srv-web")
    service.add_host(url, ORG, "srv-db")
    start = datetime(2026, 12, 6, tzinfo=UTC).timestamp()
    # srv-web: a PDU outlet at 200 W for two whole days, every 5 minutes; srv-db: CPU only (modelled).
    pdu = [["power_watts", {"method": "pdu"}, start + 300 * i, 200.0] for i in range(2 * 288 + 1)]
    cpu = [["cpu_utilisation", {}, start + 300 * i, 0.3] for i in range(2 * 288 + 1)]
    service.ingest(url, ids["org"], {"host": "srv-web", "interval": 300, "points": pdu})
    service.ingest(url, ids["org"], {"host": "srv-db", "interval": 300, "points": cpu})
    assert service.measured_energy(url, ORG, DAY) == {ids["srv-web"]: pytest.approx(4.8 * 365)}

    with_measured = runs.run_footprint(url, ORG, reference_date=DAY)
    without = runs.run_footprint(url, ORG, reference_date=DAY, measured_energy=False)
    assert with_measured.inputs_hash != without.inputs_hash
    _, result = runs.load_run(url, with_measured.id)
    _, plain = runs.load_run(url, without.id)
    items = {r["name"]: r for r in result.items.filter(pl.col("item_kind") == "equipment").to_dicts()}
    assert (items["srv-web"]["kwh_method"], items["srv-web"]["annual_kwh"]) == (
        "measured",
        pytest.approx(1752.0),
    )
    assert items["srv-db"]["kwh_method"] != "measured" and items["pc-accueil"]["kwh_method"] != "measured"
    plain_items = {r["name"]: r for r in plain.items.filter(pl.col("item_kind") == "equipment").to_dicts()}
    assert plain_items["srv-web"]["kwh_method"] != "measured"

    # Hand computation: quantity 1 × 1,752 kWh × PUE 1.4 × 0.04418 kgCO2e/kWh, usage rate 1.
    assert _use(result, "srv-web") == pytest.approx(1752.0 * PUE * FR_CLIMATE, rel=1e-9)
    assert _use(result, "srv-db") == pytest.approx(_use(plain, "srv-db"), rel=1e-12)
    total_use = result.impacts.filter(
        (pl.col("item_kind") == "equipment")
        & (pl.col("stage") == "use")
        & (pl.col("criterion") == "climate_change")
    )["value"].sum()
    plain_use = plain.impacts.filter(
        (pl.col("item_kind") == "equipment")
        & (pl.col("stage") == "use")
        & (pl.col("criterion") == "climate_change")
    )["value"].sum()
    hand = plain_use - _use(plain, "srv-web") + 1752.0 * PUE * FR_CLIMATE
    assert total_use == pytest.approx(hand, rel=1e-9)
    # The stored run's total for the use stage says the same.
    from sobre.footprint.runs import queries

    stored = queries.breakdown(
        url, ORG, "stage", criterion="climate_change", stage="use", run_id=with_measured.id
    )
    assert stored[0]["value"] == pytest.approx(hand, rel=1e-9)

    # The diagnosis report says how much of the use-stage energy was measured.
    from sobre.reporting import render
    from sobre.reporting import service as reporting

    data = reporting.build_report_data(url, ORG, with_measured.id)
    assert data.quality.kwh_measured == pytest.approx(1752.0)
    assert data.quality.kwh_measured < data.quality.kwh_total
    html = render.render_html(data, "fr")
    assert "La supervision a mesuré 1" in html and "kWh annuels" in html
    assert "Supervision measured" in render.render_html(data, "en")
    plain_data = reporting.build_report_data(url, ORG, without.id)
    assert plain_data.quality.kwh_measured == 0 and "Supervision measured" not in render.render_html(
        plain_data, "en"
    )
