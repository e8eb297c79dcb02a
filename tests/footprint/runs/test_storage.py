"""Run storage on SQLite and PostgreSQL: round trip, totals, breakdowns, unknowns, the inventory loader."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound
from sobre.footprint import schema
from sobre.footprint.loader import inputs_hash, load_inventory
from sobre.footprint.runs import queries, service
from sobre.inventory.models import Equipment
from tests.footprint.runs.helpers import make_result, seed_inventory, store_run

_ORDER = ["item_kind", "item_id", "criterion", "stage"]


def test_a_result_comes_back_from_the_database_unchanged(db_url: str) -> None:
    ids = seed_inventory(db_url)
    result = make_result(ids)
    run_id = store_run(db_url, ids["org"], result)
    meta, back = service.load_run(db_url, run_id)
    assert meta.status == "done" and meta.item_count == 6 and meta.org_name == "Ville A"
    assert back.reference_date == result.reference_date and back.methodology == "test-1"
    assert_frame_equal(
        back.items.sort("item_kind", "item_id"), result.items.sort("item_kind", "item_id"), check_exact=True
    )
    # Unknown stays unknown (null), and a stage the engine did not produce is not invented.
    assert_frame_equal(back.impacts.sort(_ORDER), result.impacts.sort(_ORDER), check_exact=True)
    assert back.criteria.to_dicts() == result.criteria.to_dicts()
    assert back.warnings == ["mystery: no factor for other"]


def test_totals_cover_equipment_only_and_count_unknowns(db_url: str) -> None:
    ids = seed_inventory(db_url)
    run_id = store_run(db_url, ids["org"], make_result(ids))
    meta, _ = service.load_run(db_url, run_id)
    climate = meta.totals["climate_change"]
    expected = 400 + 10 + 1800 * 0.0813225 + 5 + 850 + 61.5 + 30 + 13.95  # vm, idle, app are allocations
    assert climate["value"] == pytest.approx(expected)
    assert climate["low"] == pytest.approx(expected * 0.9) and climate["high"] == pytest.approx(
        expected * 1.1
    )
    assert climate["unknown"] == 1 and climate["unit"] == "kgCO2e"
    adpe = meta.totals["adpe"]
    assert adpe["value"] == pytest.approx(0.06 + 1.2e-7) and adpe["unknown"] == 1  # pc-lot's use


@pytest.mark.parametrize("by", ["stage", "category", "site", "department", "item"])
def test_breakdowns_add_up_to_the_total(db_url: str, by: str) -> None:
    ids = seed_inventory(db_url)
    run_id = store_run(db_url, ids["org"], make_result(ids))
    meta, _ = service.load_run(db_url, run_id)
    rows = queries.breakdown(db_url, "Ville A", by)
    assert sum(r["value"] or 0 for r in rows) == pytest.approx(meta.totals["climate_change"]["value"])
    assert sum(r["share"] or 0 for r in rows) == pytest.approx(1.0)
    assert sum(r["unknown"] for r in rows) >= 1
    assert all(r["unit"] == "kgCO2e" for r in rows)


def test_breakdown_labels_unknowns_and_stage_filter(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    store_run(sqlite_url, ids["org"], make_result(ids))
    by_site = {r["label"]: r for r in queries.breakdown(sqlite_url, "Ville A", "site")}
    assert set(by_site) == {"DC Paris", "Mairie"}
    assert by_site["Mairie"]["unknown"] == 1 and by_site["Mairie"]["items"] == 2
    by_cat = {r["key"]: r for r in queries.breakdown(sqlite_url, "Ville A", "category")}
    # A group whose every figure is unknown shows None, never 0.
    assert by_cat["other"]["value"] is None and by_cat["other"]["unknown"] == 1
    use = queries.breakdown(sqlite_url, "Ville A", "stage", stage="use")
    assert [r["key"] for r in use] == ["use"]
    assert use[0]["value"] == pytest.approx(1800 * 0.0813225 + 30)
    # Departments by allocation: the VM's part of srv to its department (DSI), the idle capacity and the
    # rest of srv shared with the item of no department (unknown), the laptops to RH; they add up to the
    # total.  By the items' own department column (department_id), srv would all be the DSI's.
    by_dept = {r["label"]: r for r in queries.breakdown(sqlite_url, "Ville A", "department")}
    assert set(by_dept) == {"RH", "DSI", "shared / unallocated"}
    srv = 400.0 + 10.0 + 1800 * 0.0813225 + 5.0
    assert by_dept["DSI"]["value"] == pytest.approx(136.6)
    assert by_dept["shared / unallocated"]["value"] == pytest.approx(srv - 136.6)
    assert by_dept["shared / unallocated"]["unknown"] == 1 and by_dept["RH"]["unknown"] == 0
    total = {r["key"]: r for r in queries.breakdown(sqlite_url, "Ville A", "criterion")}["climate_change"]
    assert sum(r["value"] for r in by_dept.values()) == pytest.approx(total["value"])
    own = {r["key"]: r for r in queries.breakdown(sqlite_url, "Ville A", "department_id")}
    assert own[ids["it"]]["value"] == pytest.approx(srv) and own[None]["value"] is None
    manufacturing = {
        r["label"]: r for r in queries.breakdown(sqlite_url, "Ville A", "department", stage="manufacturing")
    }
    assert manufacturing["DSI"]["value"] == pytest.approx(100.0)
    with pytest.raises(InputError, match="whole estate"):
        queries.breakdown(sqlite_url, "Ville A", "department", where={"site_id": ids["dc"]})
    with pytest.raises(InputError, match="quantity"):
        queries.breakdown(sqlite_url, "Ville A", "department", per="unit")


def test_per_user_per_employee_per_unit(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    store_run(sqlite_url, ids["org"], make_result(ids))
    apps = queries.breakdown(sqlite_url, "Ville A", "application", per="user")
    assert len(apps) == 1 and apps[0]["label"] == "Paie (production)"
    assert apps[0]["value"] == pytest.approx(136.6 / 25) and apps[0]["unit"] == "kgCO2e/user"
    per_emp = queries.breakdown(sqlite_url, "Ville A", "criterion", per="employee")
    total = {r["key"]: r for r in queries.breakdown(sqlite_url, "Ville A", "criterion")}
    for row in per_emp:
        assert row["value"] == pytest.approx(total[row["key"]]["value"] / 40)
    dept = {r["label"]: r for r in queries.breakdown(sqlite_url, "Ville A", "department", per="employee")}
    assert dept["RH"]["value"] == pytest.approx((850 + 61.5 + 30 + 13.95) / 30)
    per_unit = {r["key"]: r for r in queries.breakdown(sqlite_url, "Ville A", "category", per="unit")}
    assert per_unit["laptop"]["value"] == pytest.approx((850 + 61.5 + 30 + 13.95) / 20)
    with pytest.raises(InputError, match="--per"):
        queries.breakdown(sqlite_url, "Ville A", "site", per="user")
    with pytest.raises(InputError, match="criterion"):
        queries.breakdown(sqlite_url, "Ville A", "site", criterion="nope")


def test_no_run_yet_is_a_clear_error(sqlite_url: str) -> None:
    seed_inventory(sqlite_url)
    with pytest.raises(NotFound, match="no footprint run yet"):
        queries.breakdown(sqlite_url, "Ville A", "stage")
    assert service.latest_run(sqlite_url, "Ville A") is None


def test_loader_gives_the_contract_frames(db_url: str) -> None:
    ids = seed_inventory(db_url)
    seed_inventory(db_url, "Other org")
    with session_scope(db_url) as s:
        inv = load_inventory(s, ids["org"])
    for name, types in (
        ("sites", schema.SITES),
        ("departments", schema.DEPARTMENTS),
        ("equipment", schema.EQUIPMENT),
        ("vms", schema.VMS),
        ("cloud", schema.CLOUD),
        ("applications", schema.APPLICATIONS),
        ("app_links", schema.APP_LINKS),
        ("storage", schema.STORAGE),
    ):
        assert dict(getattr(inv, name).schema) == types, name
    assert inv.equipment.height == 3 and inv.app_links.height == 1
    srv = inv.equipment.filter(pl.col("name") == "srv-1").row(0, named=True)
    assert srv["purchase_date"].isoformat() == "2020-07-08" and srv["refurbished"] is True
    assert srv["measured_kwh"] is None and srv["cpu_threads"] == 16
    assert inv.app_links.row(0, named=True)["vm_id"] == ids["vm"]


def test_inputs_hash_ignores_row_order_and_sees_changes(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    with session_scope(sqlite_url) as s:
        inv = load_inventory(s, ids["org"])
    before = inputs_hash(inv)
    inv.equipment = inv.equipment.reverse()
    assert inputs_hash(inv) == before
    with session_scope(sqlite_url) as s:
        s.get(Equipment, ids["pc"]).quantity = 21  # type: ignore[union-attr]
    with session_scope(sqlite_url) as s:
        assert inputs_hash(load_inventory(s, ids["org"])) != before
