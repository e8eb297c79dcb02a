"""The inventory's pages and API through HTTP (SQLite and PostgreSQL): a messy GLPI export uploaded with a
dry-run preview, imported with rejects downloaded, its ambiguous model resolved, lists filtered, sorted and
paginated by the database, an item's page, the equipment form with field-level messages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.inventory.models import Equipment, ImportBatch, ModelReview
from tests.web.harness import World, build_world, csrf_from

#: A French GLPI computer export as GLPI writes it (cp1252, ';', dd/mm/yyyy, "Dell Inc.", a model that
#: matches three catalogue references), with rows that must be rejected: an impossible date, and two
#: items with one manufacturer and serial (which of them is the real one is for a person to say).
GLPI = (
    "Nom;Entité;Statut;Fabricant;Modèle;Type;Numéro de série;Lieu;Utilisateur;Date d'achat\n"
    "PC-001;Compta;En service;Dell Inc.;Latitude 5420;Portable;ABC123;;jdupont;01/09/2022\n"
    "PC-002;Compta;En réparation;Hewlett-Packard;EliteBook 840;Portable;ABC124;;;\n"
    "PC-003;Compta;En service;Hewlett-Packard;EliteBook 840;Portable;ABC125;;mdurand;31/02/2022\n"
    "PC-004;Urbanisme;En stock;Lenovo;ThinkPad T14;Portable;ABC126;;;15/06/2021\n"
    "PC-005;Urbanisme;En stock;Lenovo;ThinkPad T14;Portable;ABC126;;;15/06/2021\n"
    "ECR-01;Compta;En service;Dell;P2419H;Moniteur;S1;;;2020-01-02\n"
).encode("cp1252")


def upload(client, w: World, content: bytes = GLPI, name: str = "glpi_ordinateurs.csv", **fields: str):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(w.a_url("/imports")).text)
    return client.post(
        w.a_url("/imports"),
        data={"csrf_token": token, "format": "auto", **fields},
        files={"file": (name, content, "text/csv")},
    )


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home")
    yield w
    w.close()


def test_dry_run_previews_and_writes_nothing(world: World) -> None:
    manager = world.client("manager")
    r = upload(manager, world, dry_run="1")
    assert r.status_code == 200, r.text[:500]
    assert "PC-003" in r.text and "31/02/2022" in r.text  # the rejected row, shown with its reason
    with session_scope(world.url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Equipment)) == 0
        assert s.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == 0


def test_import_rejects_download_and_review(world: World) -> None:
    manager = world.client("manager")
    r = upload(manager, world)
    assert r.status_code == 303, r.text[:500]
    result = manager.get(r.headers["location"])
    assert result.status_code == 200
    with session_scope(world.url) as s:
        batch = s.scalars(sa.select(ImportBatch)).one()
        batch_id, rejected, inserted = batch.id, batch.rejected, batch.inserted
    assert rejected == 3 and inserted == 3  # the bad date and both rows of one serial
    rejects = manager.get(world.a_url(f"/imports/{batch_id}/rejects"))
    assert rejects.status_code == 200 and rejects.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(rejects.content.decode("utf-8-sig")), delimiter=";"))
    assert {"PC-003", "PC-004", "PC-005"} <= {cell for row in rows for cell in row}
    # A viewer reads the result and downloads the rejects, but imports nothing.
    viewer = world.client("viewer")
    assert viewer.get(world.a_url(f"/imports/{batch_id}/rejects")).status_code == 200
    assert upload(viewer, world).status_code == 403

    page = manager.get(world.a_url("/reviews"))
    assert "EliteBook 840" in page.text
    with session_scope(world.url) as s:
        review = s.scalars(sa.select(ModelReview)).one()
        review_id, candidate = review.id, review.candidates[1]["ref"]
    token = csrf_from(page.text)
    r = manager.post(
        world.a_url(f"/reviews/{review_id}"), data={"csrf_token": token, "ref": candidate, "action": "accept"}
    )
    assert r.status_code == 303
    with session_scope(world.url) as s:
        assert s.scalar(sa.select(Equipment.model_ref).where(Equipment.name == "PC-002")) == candidate
        assert s.get(ModelReview, review_id).status == "resolved"
    # Settled once: a second answer is refused with a message.
    again = manager.post(
        world.a_url(f"/reviews/{review_id}"), data={"csrf_token": token, "ref": candidate, "action": "accept"}
    )
    assert again.status_code == 422


def _seed(url: str, org: int, n: int) -> None:
    with session_scope(url) as s:
        for i in range(n):
            s.add(
                Equipment(
                    org_id=org,
                    name=f"PC-{i:04d}",
                    category="laptop" if i % 3 else "desktop",
                    quantity=1 + i % 4,
                    status="in_use" if i % 5 else "in_stock",
                )
            )


def test_lists_filter_sort_paginate_in_the_database(world: World) -> None:
    _seed(world.url, world.a, 60)
    _seed(world.url, world.b, 5)
    viewer = world.client("viewer")
    r = viewer.get(world.a_url("/inventory?kind=equipment&category=desktop&sort=-name"))
    assert r.status_code == 200
    names = [n for n in __import__("re").findall(r">(PC-\d{4})<", r.text)]
    assert names[0] == "PC-0057" and all(int(n[3:]) % 3 == 0 for n in names)
    assert len(names) == 20  # the 20 desktops fit on one page
    r = viewer.get(world.a_url("/inventory?kind=equipment&page=3"))
    assert "PC-0050" in r.text and "PC-0049" not in r.text  # 25 per page, by name
    r = viewer.get(world.a_url("/inventory?kind=equipment&q=pc-001"))
    assert "PC-0010" in r.text and "PC-0020" not in r.text
    for kind in ("vms", "cloud", "applications", "storage", "services", "sites", "departments"):
        assert viewer.get(world.a_url(f"/inventory?kind={kind}")).status_code == 200
    assert viewer.get(world.a_url("/inventory?kind=nothing")).status_code == 404
    # The API: same list, same filters, organisation B's rows never in it.
    api = world.api("viewer")
    body = api.get(f"/api/v1/orgs/{world.a}/items?kind=equipment&category=desktop&per_page=5").json()
    assert body["total"] == 20 and len(body["items"]) == 5 and body["next"]
    assert api.get(f"/api/v1/orgs/{world.a}/items?kind=equipment").json()["total"] == 60


def test_item_page_and_equipment_form(world: World) -> None:
    _seed(world.url, world.a, 2)
    technician = world.client("technician")
    with session_scope(world.url) as s:
        item_id = s.scalar(sa.select(Equipment.id).where(Equipment.name == "PC-0001"))
    page = technician.get(world.a_url(f"/inventory/equipment/{item_id}"))
    assert page.status_code == 200 and "PC-0001" in page.text
    form = technician.get(world.a_url(f"/inventory/equipment/{item_id}/edit"))
    token = csrf_from(form.text)
    bad = {
        "csrf_token": token,
        "name": "",
        "category": "laptop",
        "status": "in_use",
        "data_quality": "high",
        "quantity": "-2",
        "purchase_date": "2021-13-40",
    }
    r = technician.post(world.a_url(f"/inventory/equipment/{item_id}/edit"), data=bad)
    assert r.status_code == 422
    assert r.text.count('class="field-error"') == 3  # name, quantity and date, each at its field
    good = {
        **bad,
        "name": "PC-0001",
        "quantity": "2",
        "purchase_date": "2021-03-15",
        "model": "Latitude 5420",
        "manufacturer": "Dell",
    }
    r = technician.post(world.a_url(f"/inventory/equipment/{item_id}/edit"), data=good)
    assert r.status_code == 303, r.text[:400]
    with session_scope(world.url) as s:
        row = s.get(Equipment, item_id)
        assert (row.quantity, str(row.purchase_date), row.model_ref) == (
            2.0,
            "2021-03-15",
            "dell-latitude-5420",
        )
    r = technician.post(world.a_url(f"/inventory/equipment/{item_id}/edit"), data={**good, "site": "Nowhere"})
    assert r.status_code == 422 and "field-error" in r.text  # sites are imported, not typed
    # Organisation B's members do not even learn that the item exists.
    assert world.client("b-admin").get(world.a_url(f"/inventory/equipment/{item_id}")).status_code == 404


def test_list_orders_are_read_from_indexes(db_url: str) -> None:
    """Each list order of the large tables is read in order from an index (organisation first) instead of
    sorting all the organisation's rows: SQLite's plan names the index and sorts nothing but, for other
    columns' descending orders, the ties; PostgreSQL, told to avoid whole-table scans and sorts, reads an
    index in the list's order and sorts at most the ties (an incremental sort)."""
    from sobre.core.db import get_engine
    from sobre.inventory import listing

    engine = get_engine(db_url)
    sqlite = engine.dialect.name == "sqlite"
    cases = [("equipment", c, False) for c in listing.kind("equipment").sortable]
    cases += [("equipment", "name", True), ("vms", "name", True), ("equipment", "category", True)]
    with engine.connect() as conn:
        if not sqlite:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_sort = off")
        for key, sort, descending in cases:
            k = listing.kind(key)
            stmt = listing.ordered(k, listing._filtered(k, 1, {}, ""), sort, descending).limit(25).offset(50)
            sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
            if sqlite:
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
                assert "INDEX" in plan and "(org_id=?)" in plan, (key, sort, descending, plan)
                assert ("TEMP B-TREE FOR RIGHT PART" in plan) == (descending and sort != "name"), plan
                assert "TEMP B-TREE FOR ORDER BY" not in plan, (key, sort, descending, plan)
            else:
                plan = "\n".join(str(r[0]) for r in conn.exec_driver_sql(f"EXPLAIN {sql}"))
                assert "Index" in plan and "Seq Scan" not in plan, (key, sort, descending, plan)
                # At most the ties are sorted: an incremental sort over the index's order.
                nodes = [line.strip().removeprefix("->  ") for line in plan.splitlines()]
                assert not [n for n in nodes if n.startswith("Sort  (")], (key, sort, descending, plan)
                if "Incremental Sort" in plan:
                    assert f"Presorted Key: {sort}" in plan, (key, sort, descending, plan)
