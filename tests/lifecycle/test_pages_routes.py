"""Every lifecycle route read by every role on an organisation that has some of everything.

The generated route table of ``tests/web`` reaches each route with ids that find nothing; here the ids are
those of real rows (an item with its proof, a WEEE batch, a purchase, a supplier and its assessment, a watch
entry, a footprint run), so each handler runs to the end for each role that may read it, and refuses the
others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.footprint.runs.service import run_footprint
from sobre.lifecycle import purchasing, service, watch
from sobre.lifecycle.events import EventFacts, Kind
from sobre.web.permissions import ROLES
from tests.lifecycle.conftest import pdf_bytes
from tests.lifecycle.test_pages import BATCH, ORG, _inventory
from tests.web.harness import World, build_world, concrete_path, route_table

#: Query strings some routes need (the export as XLSX: one PDF per role would be slow); the others get
#: the year, which the yearly figures require.
QUERIES = {
    "lifecycle.export": "?year=2024&format=xlsx",
    "lifecycle.compare": "?repair_cost=180&extension=2",
    "lifecycle.api_compare": "?repair_cost=180&extension=2",
}
YEAR = "?year=2024"


def seed_rows(url: str, home: Path, folder: Path, org: str) -> dict[str, object]:
    """Some of everything in ``org`` (whose GLPI-shaped inventory is imported), as the CLI and the demo
    would leave it; answers the id of one row of each kind, as samples for the routes' paths."""
    service.record_event(
        url, home, org, "PC-001", EventFacts(Kind.REPAIRED, date(2024, 2, 1), "tech", cost=85.0)
    )
    service.record_event(
        url, home, org, "PC-001", EventFacts(Kind.REFORMED, date(2024, 11, 4), "dsi", reason="obsolete")
    )
    agreement = folder / "convention-de-don.pdf"
    agreement.write_bytes(pdf_bytes("Convention de don"))
    donated = service.record_event(
        url,
        home,
        org,
        "PC-001",
        EventFacts(
            Kind.DONATED, date(2025, 1, 15), "dsi", counterpart="École du Parc", reuse_commitment=True
        ),
        attachment=agreement,
    )
    batch = folder / "collecte-2024.csv"
    batch.write_bytes(BATCH.replace(b"2025", b"2024"))
    cert = folder / "certificat.pdf"
    cert.write_bytes(pdf_bytes("Certificat 2024"))
    service.import_events(url, home, org, batch, batch="Collecte 2024", certificate=cert)
    purchasing.add_purchase(
        url,
        org,
        ["PC-003"],
        purchase_date=date(2024, 9, 2),
        category="laptop",
        quantity=1.0,
        unit_price=650.0,
        condition="refurbished",
        supplier="Reconditio",
        ecolabels=["TCO Certified"],
    )
    purchasing.add_purchase(
        url,
        org,
        [],
        purchase_date=date(2025, 3, 2),
        category="smartphone",
        quantity=4.0,
        unit_price=300.0,
        condition="new",
        supplier="Télécom SA",
        recycled_content_pct=12.0,
    )
    purchasing.assess(
        url,
        org,
        "Reconditio",
        {"env_policy": {"answer": "yes", "evidence": "p.pdf"}, "takeback": {"answer": "no"}},
        assessed_on=date(2025, 2, 1),
    )
    watch.add_entry(
        url, org, "Décret 2024-134", kind="regulation", tags=["achats"], relevance=5, decision="comply"
    )
    run_footprint(url, org, reference_date=date(2025, 12, 31))
    with session_scope(url) as s:
        one = lambda sql: s.execute(sa.text(sql), {"o": org}).scalar_one()  # noqa: E731
        return {
            "item_id": one(
                "select e.id from equipment e join organisation o on o.id = e.org_id "
                "where o.name = :o and e.name = 'PC-001'"
            ),
            "event_id": donated.id,
            "batch_id": one(
                "select b.id from lifecycle_batch b join organisation o on o.id = b.org_id where o.name = :o"
            ),
            "purchase_id": one(
                "select min(p.id) from lifecycle_purchase p join organisation o on o.id = p.org_id "
                "where o.name = :o"
            ),
            "supplier_id": one(
                "select x.id from lifecycle_supplier x join organisation o on o.id = x.org_id "
                "where o.name = :o and x.name = 'Reconditio'"
            ),
            "assessment_id": one(
                "select a.id from lifecycle_assessment a join organisation o on o.id = a.org_id "
                "where o.name = :o"
            ),
            "entry_id": one(
                "select w.id from lifecycle_watch_entry w join organisation o on o.id = w.org_id "
                "where o.name = :o"
            ),
            "document": "agec",
        }


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(sqlite_url, tmp_path / "home")
    _inventory(w, tmp_path)
    yield w
    w.close()


def test_every_lifecycle_route_answers_each_role_on_real_rows(lite: World, tmp_path: Path) -> None:
    samples = seed_rows(lite.url, lite.app.state.sobre.settings.home, tmp_path, ORG)
    table = lite.app.state.sobre.permissions
    pages = {role: lite.client(role) for role in ROLES}
    tokens = {role: lite.api(role) for role in ROLES}
    read = [
        s
        for s in route_table(lite.app)
        if s.capability == "lifecycle" and "GET" in s.methods and s.org_scoped
    ]
    assert len(read) >= 50
    kinds: dict[str, set[str]] = {}
    for spec in read:
        path = concrete_path(spec, lite.a, samples) + QUERIES.get(spec.name, YEAR)
        for role in ROLES:
            client = pages[role] if spec.kind == "page" else tokens[role]
            r = client.get(path)
            expected = 200 if table.allows(role, spec.permission) else 403
            assert r.status_code == expected, (spec.name, role, r.status_code, r.text[:500])
            if expected == 200:
                kinds.setdefault(spec.kind, set()).add(r.headers["content-type"].split(";")[0])
    # Pages answer HTML and their downloads (PDF proofs, XLSX, CSV); the API answers JSON and the proofs.
    assert {"text/html", "application/pdf", "text/csv"} <= kinds["page"], kinds
    assert {"application/json", "application/pdf"} <= kinds["api"], kinds
    # The administrator of B reads none of A's rows through their ids in B's own paths; B's own figures
    # answer (its CSRD tables ask for a footprint run it does not have yet).
    outsider = {"page": lite.client("b-admin"), "api": lite.api("b-admin", "admin", org=lite.b)}
    for spec in read:
        path = concrete_path(spec, lite.b, samples) + QUERIES.get(spec.name, YEAR)
        r = outsider[spec.kind].get(path)
        expected = (
            404 if re.search(r"\{\w+_id", spec.path) else 422 if spec.name == "lifecycle.api_csrd" else 200
        )
        assert r.status_code == expected, (spec.name, r.status_code, r.text[:300])
