"""Reading runs: stored aggregates and dataset scans agree; filters, any dimension, one item, two runs."""

from __future__ import annotations

from datetime import date

import pytest

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.footprint.runs import queries, service
from sobre.footprint.runs.models import FootprintRun
from sobre.footprint.schema import STAGES
from sobre.inventory.models import Equipment
from tests.footprint.runs.helpers import make_result, seed_inventory, store_run


def _same(a: list[dict], b: list[dict]) -> None:
    key = lambda r: (str(r["key"]), r.get("stage"))  # noqa: E731
    assert len(a) == len(b)
    for x, y in zip(sorted(a, key=key), sorted(b, key=key), strict=True):
        assert x["key"] == y["key"] and x["unknown"] == y["unknown"] and x["items"] == y["items"]
        assert x["known"] == y["known"] and x["quantity"] == pytest.approx(y["quantity"])
        for part in ("value", "low", "high"):
            assert (x[part] is None) == (y[part] is None)
            if x[part] is not None:
                assert x[part] == pytest.approx(y[part], rel=1e-12)


def test_stored_aggregates_and_dataset_scans_agree(db_url: str) -> None:
    ids = seed_inventory(db_url)
    store_run(db_url, ids["org"], make_result(ids))
    service.run_footprint(db_url, "Ville A", reference_date=date(2025, 6, 30))  # a real run too
    with session_scope(db_url) as session:
        for run in session.query(FootprintRun).all():
            # The departments are the stored allocation, not a scan of the items (test_storage).
            for by in ("stage", "criterion", "category", "site", "application"):
                for stage in (None, "use", "manufacturing"):
                    if by == "application" and stage:
                        continue  # applications store all stages together only: such rows are scanned
                    criterion = None if by == "criterion" else "climate_change"
                    scanned = queries._scanned(session, run, by, criterion, stage, None, None)
                    stored = queries._stored(session.connection(), run.id, by, criterion, stage)
                    assert stored, (by, stage)
                    _same(stored, scanned)


def test_any_item_column_is_a_dimension_and_filters_are_pushed_down(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    store_run(sqlite_url, ids["org"], make_result(ids))
    by_quality = queries.breakdown(sqlite_url, "Ville A", "data_quality")
    assert [r["key"] for r in by_quality] == ["medium"] and by_quality[0]["label"] == "medium"
    everything = {r["key"]: r for r in queries.breakdown(sqlite_url, "Ville A", "category")}
    office = queries.breakdown(sqlite_url, "Ville A", "category", where={"site_id": ids["office"]})
    assert {r["key"] for r in office} == {"laptop", "other"}
    assert office[0]["value"] == everything["laptop"]["value"]
    assert office[0]["share"] == pytest.approx(everything["laptop"]["share"])  # still of the whole total
    several = queries.breakdown(sqlite_url, "Ville A", "site", where={"category": ["laptop", "rack_server"]})
    assert {r["label"] for r in several} == {"Mairie", "DC Paris"}
    none_dept = queries.breakdown(sqlite_url, "Ville A", "category", where={"department_id": None})
    assert [r["key"] for r in none_dept] == ["other"] and none_dept[0]["value"] is None
    top = queries.breakdown(sqlite_url, "Ville A", "item", limit=1)
    assert len(top) == 1 and top[0]["label"] == "pc-lot"
    use_by_app = queries.breakdown(sqlite_url, "Ville A", "application", stage="use")
    assert use_by_app[0]["value"] == pytest.approx(36.6)
    assert (
        queries.breakdown(sqlite_url, "Ville A", "category", where={"quantity": "20"})[0]["key"] == "laptop"
    )
    with pytest.raises(InputError, match="not a number"):
        queries.breakdown(sqlite_url, "Ville A", "category", where={"site_id": "Mairie"})
    with pytest.raises(InputError, match="--where"):
        queries.breakdown(sqlite_url, "Ville A", "site", where={"colour": "red"})
    with pytest.raises(InputError, match="--by"):
        queries.breakdown(sqlite_url, "Ville A", "colour")


def test_one_item_figures_and_two_runs_compared(db_url: str) -> None:
    ids = seed_inventory(db_url)
    first = service.run_footprint(db_url, "Ville A", reference_date=date(2025, 6, 30))
    with session_scope(db_url) as s:
        s.get(Equipment, ids["pc"]).quantity = 40  # type: ignore[union-attr]
    second = service.run_footprint(db_url, "Ville A", reference_date=date(2025, 6, 30))
    figures = queries.item_figures(db_url, "Ville A", "pc-lot", run_id=first.id)
    assert figures["item"]["quantity"] == 20 and figures["run"]["id"] == first.id
    assert {(r["criterion"], r["stage"]) for r in figures["impacts"]} >= {
        ("climate_change", s) for s in STAGES
    }
    rows = {
        r["key"]: r for r in queries.compare_breakdown(db_url, "Ville A", first.id, second.id, "category")
    }
    laptop = rows["laptop"]
    assert laptop["value_b"] == pytest.approx(2 * laptop["value_a"])
    assert laptop["relative_difference"] == pytest.approx(1.0)
    assert rows["rack_server"]["difference"] == pytest.approx(0.0, abs=1e-9)
    meta, scan, layout = queries.scan_run(db_url, "Ville A", second.id)
    assert meta.id == second.id and "climate_change" in layout.criteria
    assert scan.select("item_kind").collect().height == second.item_count
