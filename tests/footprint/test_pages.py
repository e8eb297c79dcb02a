"""The footprint's pages and API through HTTP (SQLite and PostgreSQL): a run launched in the background and
followed to its end, its totals with ranges, an item explained, two runs compared, the dashboard, factor
sets with source and licence, an own factor set with field-level messages."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.footprint.runs.models import FootprintRun
from sobre.inventory.importer import import_file
from sobre.inventory.models import Equipment
from tests.web.harness import World, build_world, csrf_from

INVENTORY = (
    "name;category;manufacturer;model;quantity;status;purchase_date;country;department\n"
    "pc-1;laptop;Dell;Latitude 5420;10;in_use;2021-03-15;FR;Finance\n"
    "pc-2;desktop;HP;ProDesk 400;4;in_use;2019-06-01;FR;IT\n"
    "scr-1;monitor;Dell;P2419H;14;in_use;2020-01-02;FR;IT\n"
    "srv-1;rack_server;Dell;PowerEdge R740;1;in_use;2018-01-01;FR;IT\n"
)


def wait_done(client, world: World, run_id: int, timeout: float = 120) -> str:  # type: ignore[no-untyped-def]
    """Refresh the run's page as a browser would until it stops running; return the last page."""
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(world.a_url(f"/runs/{run_id}"))
        assert page.status_code == 200
        if 'http-equiv="refresh"' not in page.text:
            return str(page.text)
        assert time.monotonic() < deadline, "the run did not finish"
        time.sleep(0.3)


def launch(client, world: World, **fields: str) -> int:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(world.a_url("/runs")).text)
    r = client.post(world.a_url("/runs"), data={"csrf_token": token, "profile": "sobre", **fields})
    assert r.status_code == 303, r.text[:400]
    found = re.search(r"/runs/(\d+)", r.headers["location"])
    assert found
    return int(found.group(1))


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home")
    path = tmp_path / "inventory.csv"
    path.write_text(INVENTORY, encoding="utf-8")
    with session_scope(db_url) as s:
        from sobre.orgs import service as orgs

        name = orgs.get_by_id(s, w.a).name
    summary = import_file(db_url, name, path, rejects_dir=tmp_path)
    assert summary.inserted == 4
    yield w
    w.close()


def test_launch_follow_show_explain_compare(world: World) -> None:
    manager = world.client("manager")
    home = manager.get(world.a_url("/"))
    assert home.status_code == 200 and "footprint.dash" not in home.text
    first = launch(manager, world, reference_date="2025-01-01")
    page = wait_done(manager, world, first)
    with session_scope(world.url) as s:
        run = s.get(FootprintRun, first)
        assert run.status == "done", run.error
        climate = next(c for c in run.criteria if "climate" in c["code"])
        total = run.totals[climate["code"]]
    assert total["low"] <= total["value"] <= total["high"] and total["value"] > 0
    assert "<svg" in page and "<table" in page  # the stage chart and its data table
    # The dashboard: totals with ranges, breakdowns as charts with tables, data quality, reviews.
    home = manager.get(world.a_url("/")).text
    assert home.count('<figure class="chart"') == 4
    assert f"n° {first}" in home and "Qualité des données des équipements" in home
    # An item's explanation, reached from its inventory page.
    with session_scope(world.url) as s:
        pc = s.scalar(sa.select(Equipment.id).where(Equipment.name == "pc-1"))
    item = manager.get(world.a_url(f"/inventory/equipment/{pc}")).text
    assert f"/runs/{first}/explain?item=equipment:{pc}" in item
    explained = manager.get(world.a_url(f"/runs/{first}/explain?item=equipment:{pc}"))
    assert explained.status_code == 200 and "<code>" in explained.text and "×" in explained.text
    assert manager.get(world.a_url(f"/runs/{first}/explain?item=nobody")).status_code == 404
    # A second run at a later date ages the equipment: the comparison shows both and the difference.
    second = launch(manager, world, reference_date="2026-06-01")
    wait_done(manager, world, second)
    compared = manager.get(world.a_url(f"/runs/compare?a={first}&b={second}&by=category"))
    assert compared.status_code == 200 and f"#{second}" in compared.text
    assert compared.text.count("<tr>") >= 4
    assert manager.get(world.a_url(f"/runs/compare?a={first}&b=999999")).status_code == 422
    listing = manager.get(world.a_url("/runs")).text
    assert f"/runs/{first}" in listing and f"/runs/{second}" in listing
    # The API: the same runs, results, explanation and comparison, never another organisation's.
    api = world.api("viewer")
    base = f"/api/v1/orgs/{world.a}"
    assert api.get(f"{base}/runs").json()["total"] == 2
    rows = api.get(f"{base}/runs/{first}/results?by=stage").json()
    assert {r["key"] for r in rows} >= {"manufacturing", "use"}
    assert api.get(f"{base}/runs/{first}/explain", params={"item": f"equipment:{pc}"}).json()["item"]["name"]
    assert len(api.get(f"{base}/runs/compare?a={first}&b={second}").json()) >= 2
    b_api = world.api("b-admin", "admin", org=world.b)
    assert b_api.get(f"/api/v1/orgs/{world.b}/runs/{first}").status_code == 404


def test_a_run_launched_by_the_api_runs_in_the_background(world: World) -> None:
    api = world.api("technician")
    base = f"/api/v1/orgs/{world.a}"
    r = api.post(f"{base}/runs", json={"profile": "g4it"})
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    deadline = time.monotonic() + 120
    while api.get(f"{base}/runs/{run_id}").json()["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    assert api.get(f"{base}/runs/{run_id}").json()["status"] == "done"
    assert world.api("viewer").post(f"{base}/runs", json={}).status_code == 403


def test_factor_sets_and_own_factors(world: World) -> None:
    manager = world.client("manager")
    page = manager.get(world.a_url("/factors"))
    assert page.status_code == 200
    found = re.search(r'href="(/o/\d+/factors/[^"]+)"', page.text)
    assert found
    rows = manager.get(found.group(1))
    assert rows.status_code == 200 and "<tbody><tr>" in rows.text.replace("\n", "")
    token = csrf_from(page.text)
    bad = {
        "csrf_token": token,
        "ref": "laptop",
        "stage": "manufacturing",
        "criterion": "climate_change",
        "value": "abc",
        "source": "",
    }
    r = manager.post(world.a_url("/factors/overrides"), data=bad)
    assert r.status_code == 422 and r.text.count('class="field-error"') == 2  # value and source
    good = {**bad, "value": "250", "low": "200", "high": "320", "source": "Dell EPD Latitude 5420 (2021)"}
    assert manager.post(world.a_url("/factors/overrides"), data=good).status_code == 303
    assert "Dell EPD Latitude 5420" in manager.get(world.a_url("/factors")).text
    viewer = world.client("viewer")
    assert (
        viewer.post(
            world.a_url("/factors/overrides"),
            data={**good, "csrf_token": csrf_from(viewer.get(world.a_url("/factors")).text)},
        ).status_code
        == 403
    )


def test_item_pages_read_the_latest_run_item_by_item(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The item page's figures come from the run's by-item copy (row groups of two rows here, so lookups
    pick among several) and are exactly what the run's full scan gives, for every item, in the latest run."""
    from datetime import date

    import pyarrow.parquet as pq

    from sobre.footprint.runs import item_index, queries
    from sobre.footprint.runs.service import run_folder, run_footprint
    from sobre.orgs import service as orgs

    monkeypatch.setattr(item_index, "GROUP_ROWS", 2)
    with session_scope(world.url) as s:
        name = orgs.get_by_id(s, world.a).name
        ids = sorted(s.scalars(sa.select(Equipment.id).where(Equipment.org_id == world.a)))
    assert queries.latest_item_figures(world.url, world.a, "equipment", ids[0]) is None  # no run yet
    first = run_footprint(world.url, name, reference_date=date(2025, 1, 1)).id
    for item_id in ids:
        fast = queries.latest_item_figures(world.url, world.a, "equipment", item_id)
        assert fast == queries.item_figures(world.url, name, f"equipment:{item_id}")
        assert fast is not None and fast["impacts"] and fast["run"]["id"] == first
    assert queries.latest_item_figures(world.url, world.a, "equipment", max(ids) + 1000) is None
    assert queries.latest_item_figures(world.url, world.a, "vm", ids[0]) is None
    with session_scope(world.url) as s:
        copy = run_folder(s, s.get(FootprintRun, first)) / item_index.INDEX
    metadata = pq.read_metadata(copy)
    assert metadata.num_rows == len(ids) and metadata.num_row_groups == -(-len(ids) // 2)
    # A later run is the one the pages show, with its own (aged) figures.
    second = run_footprint(world.url, name, reference_date=date(2026, 6, 1)).id
    later = queries.latest_item_figures(world.url, world.a, "equipment", ids[0])
    assert later == queries.item_figures(world.url, name, f"equipment:{ids[0]}")
    assert later is not None and later["run"]["id"] == second
    page = world.client("viewer").get(world.a_url(f"/inventory/equipment/{ids[0]}")).text
    assert f"/runs/{second}/explain?item=equipment:{ids[0]}" in page
    assert page.count('<tr><th scope="row">') == len(later["impacts"])  # one table row per figure
