"""The report's data for the tiny hand-computed organisation equals the hand numbers and the Result's sums."""

from __future__ import annotations

import polars as pl
import pytest

from sobre.core.i18n import missing_translations
from sobre.reporting.data import build_report_data
from tests.reporting.tiny import EXPECTED_TOTAL_ADPE, EXPECTED_TOTAL_CC, HOSTILE, tiny_inputs


@pytest.fixture(scope="module")
def data():
    return build_report_data(tiny_inputs())


def test_every_message_has_french_and_english() -> None:
    assert missing_translations() == []


def test_totals_equal_hand_numbers(data) -> None:
    cc = data.total("climate_change")
    assert (cc.total.value, cc.total.low, cc.total.high) == pytest.approx(EXPECTED_TOTAL_CC)
    assert cc.total.unknown == 0
    assert cc.per_employee.value == pytest.approx(819.0 / 15)
    assert cc.per_user.value == pytest.approx(819.0 / 12)
    adpe = data.total("adpe")
    assert adpe.total.value == pytest.approx(EXPECTED_TOTAL_ADPE)
    # Laptop distribution and cloud manufacturing are unknown: counted, not added as zero.
    assert adpe.total.unknown == 2
    assert data.primary == "climate_change"


def test_totals_equal_result_sums(data) -> None:
    """Independent check: the sum over non-allocation rows of the Result, per criterion."""
    result = tiny_inputs().result
    counted = result.items.filter(
        pl.col("item_kind").is_in(["equipment", "cloud"])
        | ((pl.col("item_kind") == "storage") & pl.col("host_id").is_null())
    ).select("item_kind", "item_id")
    sums = (
        result.impacts.join(counted, on=["item_kind", "item_id"])
        .group_by("criterion")
        .agg(pl.col("value").sum(), pl.col("low").sum(), pl.col("high").sum())
    )
    for row in sums.to_dicts():
        total = data.total(row["criterion"]).total
        assert (total.value, total.low, total.high) == pytest.approx((row["value"], row["low"], row["high"]))


def _values(data, by: str, criterion: str = "climate_change") -> dict[str, float | None]:
    return {r.label: r.value for r in data.breakdowns[by].for_criterion(criterion)}


def test_breakdowns_equal_hand_numbers(data) -> None:
    assert _values(data, "stage") == pytest.approx(
        {"manufacturing": 647.0, "distribution": 40.0, "use": 116.0, "end_of_life": 16.0}
    )
    # Stage rows keep the life-cycle order, not the size order.
    assert [r.key for r in data.breakdowns["stage"].for_criterion("climate_change")] == [
        "manufacturing",
        "distribution",
        "use",
        "end_of_life",
    ]
    assert _values(data, "category") == pytest.approx(
        {"laptop": 475.0, "rack_server": 316.0, "cloud": 25.0, "storage": 3.0}
    )
    assert _values(data, "site") == pytest.approx({"Mairie": 475.0, "Salle serveur": 316.0, "": 28.0})
    # srv-01 (316) is shared infrastructure: each VM's quarter goes to the VM's department, its idle half and
    # the volume without a department stay shared; the laptop lot and the cloud instance are Finances'.
    assert _values(data, "department") == pytest.approx(
        {"Finances": 475.0 + 79.0 + 25.0, HOSTILE: 79.0, "": 158.0 + 3.0}
    )
    assert _values(data, "application") == pytest.approx({"Compta": 158.0})
    for by in ("stage", "category", "site", "department"):
        rows = data.breakdowns[by].for_criterion("climate_change")
        assert sum(r.value for r in rows) == pytest.approx(819.0)
        assert sum(r.share for r in rows) == pytest.approx(1.0)
    laptop_adpe = next(r for r in data.breakdowns["category"].for_criterion("adpe") if r.key == "laptop")
    assert laptop_adpe.unknown == 1 and laptop_adpe.value == pytest.approx(0.01011)


def test_hotspots_idle_and_quality(data) -> None:
    # Each item once: the host's idle half is a column of its own row, not a second entry.
    assert [(h.item_kind, h.name) for h in data.hotspots] == [
        ("equipment", "Portables finances"),
        ("equipment", "srv-01"),
        ("cloud", "cloud-web"),
        ("storage", "backup-s3"),
    ]
    assert data.hotspots[1].idle_share == 0.5 and data.hotspots[0].idle_share is None
    assert data.hotspots[0].figure.value == pytest.approx(475.0)
    assert data.hotspots[0].share == pytest.approx(475.0 / 819.0)
    idle = data.idle
    assert idle.hosts_with_vms == 1 and idle.hosts_over_half_idle == 0
    assert idle.total.value == pytest.approx(158.0)
    assert idle.share_of_total == pytest.approx(158.0 / 819.0)
    assert idle.hosts[0].host == "srv-01" and idle.hosts[0].idle_share == 0.5
    assert idle.hosts[0].host_total.value == pytest.approx(316.0)
    q = data.quality
    assert {r.key: r.items for r in q.by_status} == {"input": 1, "modelled": 1, "default": 2}
    # From each parameter's method: the laptop lot's default lifetime (425 + 30 + 10 of embodied) and default
    # energy (10): 475 of 819 rest on at least one default.  Item statuses are not used.
    assert q.default_share == pytest.approx(475.0 / 819.0)
    shares = {(s.criterion, s.parameter): s.share for s in q.default_shares}
    assert shares["climate_change", "lifetime"] == pytest.approx(465.0 / 819.0)
    assert shares["climate_change", "energy"] == pytest.approx(10.0 / 819.0)
    assert (q.rows_read, q.rows_rejected) == (13, 2)
    assert q.unknown_by_criterion == {"climate_change": 0, "adpe": 2}


def test_sources_are_the_rows_used(data) -> None:
    texts = {(s.kind, s.source, s.licence) for s in data.sources}
    assert ("impacts", "ADEME impactco2 numérique (2023)", "Licence Ouverte 2.0") in texts
    assert ("electricity", "Ember (2024)", "CC BY 4.0") in texts
    assert not any(s.source == "Never used" for s in data.sources)
    assert {a.key for a in data.assumptions} >= {"reference_date", "hypothesis:default_pue", "cloud_pue:aws"}
    assert [d.category for d in data.category_defaults] == ["laptop"]


def test_all_unknown_stays_unknown() -> None:
    inputs = tiny_inputs()
    impacts = inputs.result.impacts.with_columns(
        pl.when(pl.col("criterion") == "adpe").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("value", "low", "high")
    )
    inputs.result.impacts = impacts
    data = build_report_data(inputs)
    adpe = data.total("adpe").total
    assert adpe.value is None and adpe.unknown == 4  # laptop lot, srv-01, cloud-web, backup-s3
    assert all(r.value is None for r in data.breakdowns["stage"].for_criterion("adpe"))


def test_json_ready(data) -> None:
    import json

    payload = json.loads(json.dumps(data.to_dict()))
    assert payload["run"]["reference_date"] == "2026-06-30"
    assert payload["totals"][0]["total"]["value"] == pytest.approx(819.0)


def _rows(data) -> dict:
    return {
        by: [(r.key, r.criterion, r.value, r.low, r.high, r.unknown) for r in b.rows]
        for by, b in data.breakdowns.items()
    }


def test_stored_aggregates_give_the_computed_breakdowns() -> None:
    """The run's stored aggregates (as a stored run holds them) and the computation from its rows give the
    same totals and breakdowns, a missing category named "other" either way."""
    from concurrent.futures import Future

    from sobre.footprint.runs import aggregates, dataset
    from sobre.reporting.prepared import prepare

    inputs = tiny_inputs()
    computed = build_report_data(inputs)
    inputs.aggregates = aggregates.aggregate(*dataset.widen(inputs.result.items, inputs.result.impacts))
    ready = prepare(inputs.result, inputs.aggregates, inputs.names.site_kinds)
    assert ready.sums.computed == []  # every breakdown read from the stored rows
    stored = build_report_data(inputs)
    for by, rows in _rows(computed).items():
        got = _rows(stored)[by]
        assert [r[:2] + r[5:] for r in got] == [r[:2] + r[5:] for r in rows], by
        assert [r[2:5] for r in got] == [pytest.approx(r[2:5]) for r in rows], by
    for new, old in zip(stored.totals, computed.totals, strict=True):
        assert (new.total.value, new.total.low, new.total.high) == pytest.approx(
            (old.total.value, old.total.low, old.total.high)
        )
        assert new.total.unknown == old.total.unknown
    assert [t.unknown_by_stage for t in stored.totals] == [t.unknown_by_stage for t in computed.totals]

    # Figures computed ahead from another result are not used: these inputs' own are computed.
    other = tiny_inputs()
    stale: Future = Future()
    stale.set_result(prepare(other.result, None, {}))
    inputs.prepared = stale
    assert _rows(build_report_data(inputs)) == _rows(stored)


def test_stored_rows_never_merged() -> None:
    """Items without a category and items of category "other" are one group of the report: the stored
    rows keep them apart, so that breakdown is computed from the rows."""
    from sobre.reporting.breakdowns import RunRows, run_sums

    result = tiny_inputs().result
    stored = pl.DataFrame(
        {
            "dimension": ["category", "category"],
            "key": [None, "other"],
            "criterion": ["climate_change"] * 2,
            "stage": [None, None],
            "value": [1.0, 2.0],
            "low": [1.0, 2.0],
            "high": [1.0, 2.0],
            "unknown": [0, 0],
            "known": [1, 1],
            "quantity": [1.0, 1.0],
            "items": [1, 1],
        }
    )
    sums = run_sums(RunRows(result), stored)
    assert "category" in sums.computed and "site" in sums.computed
    assert sums.breakdowns["category"]["value"].to_list() != [1.0, 2.0]
