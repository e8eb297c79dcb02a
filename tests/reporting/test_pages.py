"""The diagnosis report's pages and API through HTTP: written for a run, read in the browser under a policy
that allows its own stylesheet and no script, its PDF and exports downloaded; a viewer writes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sobre.core.db import session_scope
from sobre.footprint.runs.service import run_footprint
from sobre.inventory.importer import import_file
from sobre.orgs import service as orgs
from tests.footprint.test_pages import INVENTORY
from tests.web.harness import World, build_world, csrf_from


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(sqlite_url, tmp_path / "home")
    path = tmp_path / "inventory.csv"
    path.write_text(INVENTORY, encoding="utf-8")
    with session_scope(sqlite_url) as s:
        name = orgs.get_by_id(s, w.a).name
    import_file(sqlite_url, name, path, rejects_dir=tmp_path)
    w.run_id = run_footprint(sqlite_url, name).id  # type: ignore[attr-defined]
    yield w
    w.close()


def test_write_read_and_download_a_report(world: World) -> None:
    run_id = world.run_id  # type: ignore[attr-defined]
    viewer = world.client("viewer")
    page = viewer.get(world.a_url("/reports"))
    assert page.status_code == 200
    assert viewer.get(world.a_url(f"/reports/{run_id}")).status_code == 404  # not written yet
    denied = viewer.post(world.a_url("/reports"), data={"csrf_token": csrf_from(page.text), "run_id": run_id})
    assert denied.status_code == 403

    manager = world.client("manager")
    token = csrf_from(manager.get(world.a_url("/reports")).text)
    r = manager.post(world.a_url("/reports"), data={"csrf_token": token, "run_id": str(run_id), "lang": "en"})
    assert r.status_code == 303, r.text[:300]
    html = manager.get(r.headers["location"])
    assert html.status_code == 200 and "<h1" in html.text
    policy = html.headers["content-security-policy"]
    assert (
        "style-src 'sha256-" in policy and "script-src" not in policy and "frame-ancestors 'none'" in policy
    )
    listing = viewer.get(world.a_url("/reports")).text
    assert f"/reports/{run_id}/download/pdf?lang=en" in listing
    pdf = viewer.get(world.a_url(f"/reports/{run_id}/download/pdf?lang=en"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    figures = viewer.get(world.a_url(f"/reports/{run_id}/download/json"))
    assert figures.status_code == 200 and json.loads(figures.content)
    assert viewer.get(world.a_url(f"/reports/{run_id}/download/exe")).status_code == 404
    bad = manager.post(world.a_url("/reports"), data={"csrf_token": token, "run_id": "999999", "lang": "en"})
    assert bad.status_code == 422 and "field-error" in bad.text
    # The API lists the report and serves its files; organisation B's token never reaches them.
    api = world.api("viewer")
    base = f"/api/v1/orgs/{world.a}"
    assert api.get(f"{base}/reports").json()[0]["run_id"] == run_id
    assert api.get(f"{base}/reports/{run_id}/csv").status_code == 200
    b_api = world.api("b-admin", "admin", org=world.b)
    assert b_api.get(f"/api/v1/orgs/{world.b}/reports/{run_id}/csv").status_code == 404
