"""Data sobriety in a real browser (Debian's Chromium) against a live ``sobre serve``: a share's listing
uploaded and scanned, its findings grouped and sorted, the plan downloaded, retention policies set, without
JavaScript; every page within the budgets (≤ 150 KB, ≤ 10 requests, EcoIndex ≥ 75) and axe-core clean.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.datasobriety import service
from sobre.datasobriety.demo import write_listing
from sobre.datasobriety.rot import parse_as_of
from sobre.datasobriety.run import ScanRequest, run_scan
from sobre.datasobriety.storage import StorageParams
from sobre.inventory.models import Equipment
from sobre.orgs import service as orgs
from tests.datasobriety.test_pages import listing_bytes
from tests.web.harness import make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

MANAGER = "dsi@ville.example"
VIEWER = "elu@ville.example"


@dataclass
class Site:
    base: str
    org: int
    listing: Path
    scan_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("datasobriety-browser")
    home = root / "home"
    url = load_settings(home).database_url
    with session_scope(url) as s:
        org = orgs.create(s, "Ville d'Exemple", employees=800, country="FR")
        for name, user in (("PC-1", "alice"), ("PC-2", "bob")):
            s.add(Equipment(org_id=org.id, name=name, category="laptop", user=user, status="in_use"))
        org_id = org.id
        service.install_default_policies(s, "Ville d'Exemple")
    make_user(url, MANAGER, roles={org_id: "manager"})
    make_user(url, VIEWER, roles={org_id: "viewer"})
    # A scan already there (the town's share, 1,500 files) for the pages measured below.
    as_of = parse_as_of("2026-06-01")
    shared = write_listing(root / "partage.csv", ["alice", "bob"], as_of, 11, rows=1500)
    params = StorageParams("hdd", 2, 1, given=frozenset({"media", "replicas", "backups"}))
    done = run_scan(url, ScanRequest(shared, as_of, org="Ville d'Exemple", listing=True, storage=params))
    assert done.scan_id is not None
    listing = root / "export-mairie.csv"
    listing.write_bytes(listing_bytes())
    with live_server(home) as base:
        yield Site(base, org_id, listing, done.scan_id)


def signed_in(browser: Any, base: str, email: str, *, javascript: bool = True) -> Any:
    """A context signed in through the sign-in form (the shell's browser tests do it this way)."""
    state = signed_in_state(browser, base, email, javascript=javascript)
    return browser.new_context(storage_state=state, java_script_enabled=javascript, locale="fr-FR")


def test_a_listing_is_scanned_its_findings_sorted_and_its_plan_downloaded_without_javascript(
    browser: Any, site: Site
) -> None:
    context = signed_in(browser, site.base, MANAGER, javascript=False)
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/")
    page.locator("nav.org-nav").get_by_role("link", name="Sobriété des données").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sobriété des données : analyses"
    page.get_by_label("Liste de fichiers (obligatoire)", exact=True).set_input_files(str(site.listing))
    page.get_by_label("Date de référence").fill("2026-06-01")
    page.get_by_label("Support de stockage").select_option("hdd")
    page.get_by_label("Copies en ligne").fill("2")
    page.get_by_label("Copies de sauvegarde").fill("1")
    page.get_by_role("button", name="Analyser la liste").click()
    expect(page.get_by_text("La liste a été analysée et l'analyse enregistrée.")).to_be_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "Analyse de export-mairie.csv"
    totals = page.get_by_role("table", name="Constats par sorte et empreinte annuelle de leur conservation")
    assert "540,0\u00a0ko" in totals.get_by_role("row", name="Copies en double").inner_text()
    # The findings: groups of identical files, the largest reclaimable space first; sorting by a link.
    page.get_by_role("link", name="Constats", exact=True).click()
    groups = page.get_by_role("table", name="Groupes de fichiers identiques, avec leurs copies")
    expect(groups.get_by_role("row").nth(1).get_by_text("Finances/budget-2024.xlsx")).to_be_visible()
    page.get_by_role("link", name="Copies", exact=True).click()
    assert "sort=copies" in page.url
    expect(
        groups.get_by_role("row").nth(1).get_by_text("Finances/budget-2024.xlsx")
    ).to_be_visible()  # 2 copies
    page.get_by_role("link", name="Copies", exact=True).click()  # again: descending
    assert "sort=-copies" in page.url
    expect(groups.get_by_role("row").nth(1).get_by_text("Partage/cr-conseil.odt")).to_be_visible()  # 3 copies
    page.get_by_role("link", name="Fichiers temporaires et résidus").click()
    files = page.get_by_role("table", name="Fichiers temporaires et résidus : les fichiers")
    assert files.get_by_role("row", name="Photos/Thumbs.db").get_by_text("Thumbs.db").count() >= 1
    # The plan, and its files as a download.
    page.get_by_role("link", name="Analyse de export-mairie.csv").click()
    page.get_by_role("link", name="Plan de suppression et d'archivage").click()
    plan = page.get_by_role("table", name="Éléments du plan et empreinte évitée par chacun chaque année")
    expect(
        plan.get_by_role("row", name="Copies en trop des doublons").get_by_text("Supprimer")
    ).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="ses fichiers (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert {r["item"] for r in rows} >= {"duplicates", "trivial", "empty"} and len(rows) >= 9
    context.close()


def test_retention_policies_are_set_through_the_form(browser: Any, site: Site) -> None:
    context = signed_in(browser, site.base, MANAGER, javascript=False)
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/")
    page.locator("nav.org-nav").get_by_role("link", name="Durées de conservation").click()
    page.get_by_role("link", name="Modifier la durée office").click()
    assert page.get_by_label("Catégorie de données").input_value() == "office"
    page.get_by_label("Conserver").fill("toujours")
    page.get_by_role("button", name="Enregistrer la durée").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Saisissez une durée")
    summary.get_by_role("link").first.click()  # the summary's link leads to the field at fault
    assert page.url.endswith("#f-retention")
    page.get_by_label("Conserver").fill("4y")
    page.get_by_role("button", name="Enregistrer la durée").click()
    expect(page.get_by_text("La durée de conservation a été enregistrée.")).to_be_visible()
    mine = page.get_by_role("table", name="Durées de conservation de Ville d'Exemple")
    expect(mine.get_by_role("row", name="office").get_by_text("4 ans")).to_be_visible()
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Retention periods"
    context.close()


def test_every_page_meets_the_budgets_and_has_no_serious_accessibility_violation(
    browser: Any, site: Site
) -> None:
    context = signed_in(browser, site.base, MANAGER)
    state = context.storage_state()
    context.close()
    scan = f"/o/{site.org}/data/scans/{site.scan_id}"
    paths = [
        f"/o/{site.org}/data",
        scan,
        f"{scan}/findings",
        f"{scan}/findings?kind=obsolete&sort=-size&page=2",
        f"{scan}/findings?kind=retention",
        f"{scan}/findings?kind=duplicates&group=1",
        f"{scan}/plan",
        f"/o/{site.org}/data/policies",
    ]
    measures = [measure(browser, site.base, p, state) for p in paths]
    measures.append(measure(browser, site.base, paths[1], state, lang="en"))
    viewer = signed_in(browser, site.base, VIEWER)
    measures.append(measure(browser, site.base, paths[0], viewer.storage_state()))
    viewer.close()
    for m in measures:
        print(m.line())
        assert m.status == 200, m.url
        assert_budgets(m)
