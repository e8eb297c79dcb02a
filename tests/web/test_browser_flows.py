"""The inventory, footprint and report pages in a real browser (Debian's Chromium) against a live
``sobre serve``: sign in, import a GLPI export with rejects and download them, resolve a model-match review,
launch a run and watch it finish, open an item's explanation, compare two runs, switch language, sign out;
then every page of these capabilities within the budgets (≤ 150 KB, ≤ 10 requests, EcoIndex ≥ 75) and
axe-core clean.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.footprint.factors.store import list_factor_sets
from sobre.footprint.runs.service import run_footprint
from sobre.inventory.importer import import_file
from sobre.inventory.models import Equipment
from sobre.orgs import service as orgs
from tests.footprint.test_pages import INVENTORY
from tests.inventory.test_pages import GLPI
from tests.web.harness import PASSWORD, make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

MANAGER = "dsi@commune.example"
VIEWER = "elu@commune.example"
ORG = "Commune de Test"


@dataclass
class Site:
    base: str
    org: int
    glpi: Path
    first_run: int
    item: int
    factor_set: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("flows-browser")
    home = root / "home"
    url = load_settings(home).database_url
    with session_scope(url) as s:
        org_id = orgs.create(s, ORG, employees=120, country="FR").id
    make_user(url, MANAGER, roles={org_id: "manager"})
    make_user(url, VIEWER, roles={org_id: "viewer"})
    inventory = root / "inventaire.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    import_file(url, ORG, inventory, rejects_dir=root)
    first = run_footprint(url, ORG).id
    with session_scope(url) as s:
        item = s.scalar(sa.select(Equipment.id).where(Equipment.name == "pc-1"))
        builtin = list_factor_sets(s)[0]
    glpi = root / "glpi_ordinateurs.csv"
    glpi.write_bytes(GLPI)
    with live_server(home) as base:
        yield Site(base, org_id, glpi, first, int(item or 0), f"{builtin['id']}/{builtin['version']}")


def test_the_journeys_of_a_green_it_manager(browser: Any, site: Site) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    # Sign in.
    page.goto(f"{site.base}/o/{site.org}/")
    page.get_by_label("Adresse électronique").fill(MANAGER)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert page.url == f"{site.base}/o/{site.org}/"
    expect(page.get_by_role("heading", name="Empreinte")).to_be_visible()
    # Import a GLPI export with rejects, and download them.
    page.locator("nav.org-nav").get_by_role("link", name="Imports").click()
    page.get_by_label("Fichier (obligatoire)").set_input_files(str(site.glpi))
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("Le fichier a été importé.")).to_be_visible()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Import de ")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger les 3 lignes rejetées")).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][-1] == "reason" and {r[0] for r in rows[1:]} == {"PC-003", "PC-004", "PC-005"}
    # Resolve the model-match review: pick the second candidate.
    page.get_by_role("link", name="Modèles à vérifier").first.click()
    review = page.get_by_role("region", name=re.compile("EliteBook 840"))
    choice = review.get_by_role("radio").nth(1)
    chosen = choice.get_attribute("value")
    choice.check()
    review.get_by_role("button", name="Retenir ce modèle").click()
    expect(page.get_by_text("Le modèle a été appliqué à ses éléments.")).to_be_visible()
    assert page.get_by_role("region", name=re.compile("EliteBook 840")).count() == 0
    page.get_by_role("link", name="Tranchées").click()
    expect(page.get_by_text(f"Fixé à {chosen}.")).to_be_visible()
    # Launch a run and watch it finish (the page refreshes itself while it runs).
    page.locator("nav.org-nav").get_by_role("link", name="Calculs d'empreinte").click()
    page.get_by_label("Date de référence").fill("2026-06-01")
    page.get_by_role("button", name="Lancer le calcul").click()
    expect(
        page.get_by_text("Le calcul a été lancé.").or_(page.get_by_text("Statut : terminé"))
    ).to_be_visible()
    page.get_by_text("Statut : terminé").wait_for(timeout=120_000)
    totals = page.get_by_role("table", name=re.compile("Totaux de l'organisation"))
    assert totals.get_by_role("row").count() >= 2
    # Open an item's explanation from its inventory page.
    page.goto(f"{site.base}/o/{site.org}/inventory/equipment/{site.item}")
    page.get_by_role("link", name="Comment ces chiffres ont été calculés").click()
    formulas = page.get_by_role("table", name=re.compile("Chaque chiffre avec sa formule"))
    assert "×" in formulas.inner_text()
    # Compare two runs.
    page.locator("nav.org-nav").get_by_role("link", name="Calculs d'empreinte").click()
    page.get_by_role("link", name="Comparer les deux derniers calculs").click()
    compared = page.get_by_role("table", name=re.compile("côte à côte"))
    assert compared.get_by_role("row").count() >= 3
    # Switch language, then sign out.
    page.get_by_role("button", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Compare two runs"
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{site.base}/o/{site.org}/runs")
    assert "/sign-in" in page.url
    context.close()


def test_every_page_meets_the_budgets_and_has_no_serious_accessibility_violation(
    browser: Any, site: Site
) -> None:
    state = signed_in_state(browser, site.base, MANAGER)
    o = f"/o/{site.org}"
    r = site.first_run
    paths = [
        f"{o}/",
        f"{o}/inventory",
        f"{o}/inventory?kind=equipment&category=laptop&sort=-quantity",
        f"{o}/inventory?kind=applications",
        f"{o}/inventory/equipment/{site.item}",
        f"{o}/inventory/equipment/{site.item}/edit",
        f"{o}/inventory/equipment/new",
        f"{o}/imports",
        f"{o}/reviews",
        f"{o}/runs",
        f"{o}/runs/{r}",
        f"{o}/runs/{r}?by=category",
        f"{o}/runs/{r}/explain?item=equipment:{site.item}",
        f"{o}/runs/compare?a={r}&b={r}&by=department",
        f"{o}/factors",
        f"{o}/factors/{site.factor_set}",
        f"{o}/imports/1",
        f"{o}/reports",
    ]
    measures = [measure(browser, site.base, p, state) for p in paths]
    measures.append(measure(browser, site.base, paths[0], state, lang="en"))
    viewer = signed_in_state(browser, site.base, VIEWER)
    measures.append(measure(browser, site.base, f"{o}/runs", viewer))
    for m in measures:
        print(m.line())
        assert m.status == 200, m.url
        assert_budgets(m)
