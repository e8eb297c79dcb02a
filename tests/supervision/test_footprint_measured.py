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


def _ingest(
    url: str, org_id: int, host: str, metric: str, labels: dict[str, str], value: float, day: int = 6
) -> None:
    """Two whole days from December ``day`` (by default the two before DAY) of ``metric`` at ``value``, every
    5 minutes."""
    start = datetime(2026, 12, day, tzinfo=UTC).timestamp()
    points = [[metric, labels, start + 300 * i, value] for i in range(2 * 288 + 1)]
    service.ingest(url, org_id, {"host": host, "interval": 300, "points": points})


def test_measured_hosts_feed_the_use_stage(estate: tuple[str, dict[str, int]]) -> None:
    url, ids = estate
    service.add_host(url, ORG, "srv-web")
    service.add_host(url, ORG, "srv-db")
    # srv-web: a PDU outlet at 200 W for two whole days, every 5 minutes; srv-db: CPU only (modelled).
    _ingest(url, ids["org"], "srv-web", "power_watts", {"method": "pdu"}, 200.0)
    _ingest(url, ids["org"], "srv-db", "cpu_utilisation", {}, 0.3)
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


def test_a_measured_run_is_read_back_as_its_inputs(
    estate: tuple[str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report, ``explain`` and a scenario's baseline rebuild the run's inventory from the kWh it stored
    (not from a new measurement): they find it unchanged, and a scenario acts on the measured figures."""
    from sobre.core.db import session_scope
    from sobre.footprint import engine
    from sobre.footprint.loader import inputs_hash, read_inventory
    from sobre.inventory.models import Equipment
    from sobre.reporting import service as reporting
    from sobre.strategy import service as strategy

    url, ids = estate
    with session_scope(url) as s:
        web = s.get(Equipment, ids["srv-web"])
        assert web is not None
        spare = Equipment(
            org_id=ids["org"],
            name="srv-spare",
            category="rack_server",
            status="in_stock",
            site_id=web.site_id,
        )
        s.add(spare)
        s.flush()
        ids["srv-spare"] = spare.id
    for host in ("srv-web", "srv-spare"):
        service.add_host(url, ORG, host)
        _ingest(url, ids["org"], host, "power_watts", {"method": "pdu"}, 200.0)
    assert set(service.measured_energy(url, ORG, DAY)) == {ids["srv-web"], ids["srv-spare"]}

    run = runs.run_footprint(url, ORG, reference_date=DAY)
    _, result = runs.load_run(url, run.id)
    methods = dict(
        result.items.filter(pl.col("item_kind") == "equipment").select("name", "kwh_method").rows()
    )
    # In stock: no energy whatever is measured, and the measurement is not part of the run's inputs.
    assert (methods["srv-web"], methods["srv-spare"]) == ("measured", "not_powered")

    # Supervision goes on measuring (two more days at 400 W): the readers still take the run's own kWh.
    _ingest(url, ids["org"], "srv-web", "power_watts", {"method": "pdu"}, 400.0, day=8)
    assert service.measured_energy(url, ORG, date(2026, 12, 10))[ids["srv-web"]] > 1752.0 * 1.1
    inputs = reporting.report_inputs(url, ORG, run.id)
    assert inputs.inventory_matches_run and inputs.notes == []
    assert inputs.inventory is not None
    measured = dict(inputs.inventory.equipment.select("name", "measured_kwh").rows())
    assert measured["srv-web"] == pytest.approx(1752.0) and measured["srv-spare"] is None
    explained = runs.explain_item(url, ORG, "srv-web", run.id)
    assert explained["warnings"] == []
    assert explained["explanation"]["inputs"]["annual_kwh"]["method"] == "measured"

    # The scenario's baseline is the stored run, not a computation without the measurements.
    def no_compute(*args: object, **kwargs: object) -> None:
        raise AssertionError("the baseline was computed again")

    with monkeypatch.context() as patch:
        patch.setattr(engine, "compute", no_compute)
        base = strategy.baseline(url, ORG)
    assert base.run_id == run.id
    assert base.result.items.equals(result.items) and base.result.impacts.equals(result.impacts)
    # Switching the servers off half the time halves their use stage, the measured one's included.
    with session_scope(url) as s:
        strategy.create_scenario(s, ORG, "nuit")
        strategy.add_change(
            s,
            ORG,
            "nuit",
            "switch_off",
            {"category": "rack_server", "hours_per_day": 12, "days_per_year": 365},
        )
    effect = strategy.run_scenario(url, ORG, "nuit", base).effect
    assert effect is not None
    halved = (_use(result, "srv-web") + _use(result, "srv-db")) / 2
    assert effect.delta("climate_change", "use") == pytest.approx(-halved, rel=1e-9)

    # Once the inventory changes, the run no longer matches it.
    with session_scope(url) as s:
        pc = s.get(Equipment, ids["pc"])
        assert pc is not None
        pc.quantity = 3
    assert runs.explain_item(url, ORG, "srv-web", run.id)["warnings"]
    assert not reporting.report_inputs(url, ORG, run.id).inventory_matches_run

    # The G4IT profile reads no measured energy: its run's inputs are the inventory as stored.
    g4it = runs.run_footprint(url, ORG, reference_date=DAY, profile="g4it")
    assert g4it.inputs_hash == inputs_hash(read_inventory(url, ids["org"]))
    assert runs.explain_item(url, ORG, "srv-web", g4it.id)["warnings"] == []
