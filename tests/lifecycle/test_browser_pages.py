"""The lifecycle pages in a real browser (Debian's Chromium, headless) against a live ``sobre serve``.

Every lifecycle page meets Sobre's budgets (≤ 150 KB, ≤ 10 requests, no external resource, EcoIndex ≥ 75)
with no serious or critical axe-core violation, in French and English, and works without JavaScript; the
issue's flows run end to end through the pages: a WEEE batch imported with its certificate and that
certificate downloaded from each item, a malformed file refused with row and column and nothing written,
an event recorded, a repair-or-replace comparison, a supplier assessed through the questionnaire.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.inventory.importer import import_file
from sobre.lifecycle import purchasing
from sobre.orgs import service as orgs
from sobre.web.app import build_registry
from tests.lifecycle.conftest import ORG, pdf_bytes, write_glpi
from tests.lifecycle.test_pages import BATCH, MALFORMED
from tests.lifecycle.test_pages_routes import QUERIES, seed_rows
from tests.web.harness import PASSWORD, concrete_path, make_user
from tests.web.live import assert_budgets, live_server, measure

pytestmark = pytest.mark.browser

MANAGER = "gestionnaire@commune.example"
#: Routes that answer a file, not a page (checked by the flows below and by test_pages).
DOWNLOADS = {
    "lifecycle.export",
    "lifecycle.criteria_export",
    "lifecycle.watch_digest_export",
    "lifecycle.item_certificate",
    "lifecycle.event_proof",
    "lifecycle.questionnaire",
}
VIEWER = "lecteur@commune.example"


@dataclass
class Site:
    base: str
    org: int
    url: str
    home: Path
    folder: Path
    samples: dict[str, object]


def _seed(url: str, home: Path, folder: Path) -> dict[str, object]:
    """A small commune with some of everything, its manager and a viewer."""
    with session_scope(url) as s:
        org_id = orgs.create(s, ORG, inhabitants=52_000, employees=400, country="FR").id
    assert (
        import_file(url, ORG, write_glpi(folder), kind="equipment", rejects_dir=folder / "rejects").rejected
        == 0
    )
    samples = seed_rows(url, home, folder, ORG)
    make_user(url, MANAGER, roles={org_id: "manager"})
    make_user(url, VIEWER, roles={org_id: "viewer"})
    return {"org": org_id, **samples}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("lifecycle-browser")
    home = folder / "home"
    url = load_settings(home).database_url
    samples = _seed(url, load_settings(home).home, folder)
    org = int(str(samples.pop("org")))
    with live_server(home) as base:
        yield Site(base, org, url, load_settings(home).home, folder, samples)


def signed_in(browser: Any, base: str, email: str, *, javascript: bool = True, lang: str = "fr") -> Any:
    context = browser.new_context(java_script_enabled=javascript, locale=lang, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return context


def lifecycle_pages(site: Site, cookies: dict[str, str]) -> list[str]:
    """Every GET page of the lifecycle capability that answers HTML, and the parts of its documents."""
    paths = []
    for spec in build_registry().routes:
        if spec.capability != "lifecycle" or spec.kind != "page" or "GET" not in spec.methods:
            continue
        if spec.name in DOWNLOADS:
            continue
        path = concrete_path(spec, site.org, site.samples) + QUERIES.get(spec.name, "")
        r = httpx.get(site.base + path, cookies=cookies, timeout=60)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), (
            path,
            r.status_code,
        )
        paths.append(path)
    o = f"/o/{site.org}"
    paths += [
        f"{o}/regulatory/agec/trail?year=2024&n=3",
        f"{o}/regulatory/report?year=2025&part=destinations",
        f"{o}/regulatory/report?year=2025&part=fleet-age",
        f"{o}/regulatory/reen?year=2025&part=reen-impact",
        f"{o}/regulatory/reen?year=2025&part=reen-indicators",
        f"{o}/regulatory/csrd?part=e1-6",
        f"{o}/lifecycle?kind=recycled&sort=item",
    ]
    return paths


@pytest.mark.long
def test_every_lifecycle_page_meets_the_budgets_in_french_and_english(browser: Any, site: Site) -> None:
    context = signed_in(browser, site.base, MANAGER)
    state = context.storage_state()
    context.close()
    cookies = {c["name"]: c["value"] for c in state["cookies"]}
    paths = lifecycle_pages(site, cookies)
    assert len(paths) >= 35, paths
    measures = [measure(browser, site.base, p, state) for p in paths]
    english = [
        p
        for p in paths
        if "/regulatory" in p or p.endswith(("/lifecycle", "/purchases", "/suppliers", "/watch"))
    ]
    measures += [measure(browser, site.base, p, state, lang="en") for p in english]
    viewer = signed_in(browser, site.base, VIEWER)
    measures.append(
        measure(browser, site.base, f"/o/{site.org}/purchases/new", viewer.storage_state())
    )  # 403
    viewer.close()
    assert {m.status for m in measures} == {200, 403}
    for m in measures:
        print(m.line())
        assert_budgets(m)


def test_every_lifecycle_page_works_without_javascript(browser: Any, site: Site) -> None:
    context = signed_in(browser, site.base, MANAGER, javascript=False)
    cookies = {c["name"]: c["value"] for c in context.storage_state()["cookies"]}
    page = context.new_page()
    for path in lifecycle_pages(site, cookies):
        page.goto(site.base + path)
        assert page.locator("main h1").count() == 1, path
        assert page.locator("script").count() == 0, path
        levels = page.evaluate(
            "[...document.querySelectorAll('main h1, main h2, main h3')].map(h => +h.tagName[1])"
        )
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (path, levels)
    context.close()


def test_a_weee_batch_imported_in_the_browser_offers_its_certificate_from_each_item(
    browser: Any, site: Site
) -> None:
    context = signed_in(browser, site.base, MANAGER, javascript=False)
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/lifecycle")
    page.get_by_role("link", name="Importer un lot d'événements").first.click()
    # A malformed file first: refused with its row and column, nothing written.
    bad = site.folder / "sortie.csv"
    bad.write_bytes(MALFORMED)
    page.get_by_label("Fichier des événements").set_input_files(str(bad))
    page.get_by_role("button", name="Importer").click()
    expect(
        page.get_by_role("heading", name="Problèmes trouvés (3)").or_(
            page.locator("caption", has_text="Problèmes trouvés")
        )
    ).to_be_visible()
    refusal = page.locator("main p.field-error").first.inner_text()
    assert "sortie.csv, ligne 3, colonne « date », valeur « 31/02/2025 »" in refusal
    with session_scope(site.url) as s:
        before = s.scalar(sa.text("select count(*) from lifecycle_event"))
    # The collection of March, with its certificate.
    good = site.folder / "collecte-mars.csv"
    good.write_bytes(BATCH)
    certificate = pdf_bytes("Certificat CERT-2025-0042")
    cert = site.folder / "CERT-2025-0042.pdf"
    cert.write_bytes(certificate)
    page.get_by_label("Fichier des événements").set_input_files(str(good))
    page.get_by_label("Certificat (fichier)").set_input_files(str(cert))
    page.get_by_label("Lot", exact=True).fill("Collecte DEEE mars 2025")
    page.get_by_role("button", name="Importer").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Collecte DEEE mars 2025"
    expect(page.get_by_text("Le fichier est importé.")).to_be_visible()
    with session_scope(site.url) as s:
        assert s.scalar(sa.text("select count(*) from lifecycle_event")) == before + 3
    links = page.locator("main table a[href$='/certificate']")
    assert links.count() == 3
    for i in range(3):
        with page.expect_download() as info:
            links.nth(i).click()
        download = info.value
        assert download.suggested_filename == "CERT-2025-0042.pdf"
        assert Path(download.path()).read_bytes() == certificate
    # From the item's own page too.
    page.get_by_role("link", name="ECR-001", exact=True).click()
    assert "éliminé" in page.locator("dl.facts").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Télécharger sa preuve de fin de vie").click()
    assert Path(info.value.path()).read_bytes() == certificate
    context.close()


def test_record_an_event_then_compare_repair_and_replace(browser: Any, site: Site) -> None:
    context = signed_in(browser, site.base, MANAGER, javascript=False)
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/lifecycle/events/new")
    page.locator("#f-item").fill("TEL-001")
    page.locator("#f-kind").select_option("resold")
    page.locator("#f-date").fill("2025-06-02")
    page.get_by_role("button", name="Enregistrer l'événement").click()
    # The resale price is missing: the field says so, nothing is recorded.
    expect(page.locator("#f-price-error")).to_be_visible()
    expect(page.locator(".error-summary a[href='#f-price']")).to_be_visible()
    page.get_by_label("Prix de cession (€ HT)").fill("45,50")
    page.get_by_label("Le nouveau détenteur s'engage à le réemployer").select_option("yes")
    page.get_by_role("button", name="Enregistrer l'événement").click()
    assert page.get_by_role("heading", level=1).inner_text() == "TEL-001"
    assert "cédé pour réemploi" in page.locator("dl.facts").inner_text()
    assert "Prix de cession (€ HT) : 45,50 €" in page.locator("main table").inner_text()
    page.goto(f"{site.base}/o/{site.org}/lifecycle/items/{site.samples['item_id']}")
    page.get_by_label("Coût de la réparation (€ HT)").fill("180")
    page.get_by_role("button", name="Comparer").click()
    table = page.locator("main table.data").last.inner_text()
    assert "Réparer" in table and "Remplacer (neuf)" in table and "kg CO₂e" in table
    assert page.locator("svg[role=img]").count() == 1
    context.close()


def test_a_supplier_assessed_through_the_questionnaire(browser: Any, site: Site) -> None:
    context = signed_in(browser, site.base, MANAGER, lang="en")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/suppliers")
    page.get_by_role("link", name="Télécom SA").click()
    page.get_by_role("link", name="Assess (ESG questionnaire)").click()
    questions = page.locator("main select")
    for i in range(questions.count()):
        questions.nth(i).select_option("n/a")
    page.locator("#f-a_env_policy").select_option("yes")
    page.locator("#f-e_env_policy").fill("https://telecom.example/policy.pdf")
    page.locator("#f-a_ecolabel_offer").fill("40")
    page.get_by_role("button", name="Score and keep the assessment").click()
    expect(page.get_by_text("The assessment was scored and kept.")).to_be_visible()
    (row,) = [r for r in purchasing.ranking(site.url, ORG) if r["supplier"] == "Télécom SA"]
    assert row["score"] is not None
    assert re.search(rf"{row['score']:.1f} / 100", page.locator("dl.facts").inner_text())
    context.close()
