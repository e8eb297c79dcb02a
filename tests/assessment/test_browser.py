"""Assessments in a real browser (Debian's Chromium, headless) against a live ``sobre serve``.

A referent fills an RGESN assessment through the pages (answers, evidence text, link and file, a refused
answer and its message), submits it; a manager validates it and downloads the declaration; a maturity round
is filled with JavaScript off.  Every page checked on the way has no serious or critical axe-core violation,
and every page of every kind of assessment meets the budgets (≤ 150 KB, ≤ 10 requests, no external
resource, EcoIndex ≥ 75).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sobre.assessment import service as svc
from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from tests.assessment.site import ORG, PEOPLE, SERVICE, Town, build_town
from tests.web.harness import PASSWORD
from tests.web.live import assert_budgets, live_server, measure

pytestmark = pytest.mark.browser


@dataclass
class Live:
    base: str
    town: Town

    def o(self, path: str) -> str:
        return f"{self.base}/o/{self.town.org}{path}"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from tests.conftest import SHARED

    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not beside the checkout")
    home = tmp_path_factory.mktemp("assessment-browser") / "home"
    town = build_town(load_settings(home).database_url, SHARED / "data")
    with live_server(home) as base:
        yield Live(base, town)


def sign_in(browser: Any, base: str, who: str, *, javascript: bool = True, lang: str = "fr-FR") -> Any:
    context = browser.new_context(java_script_enabled=javascript, locale=lang, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Adresse électronique").fill(PEOPLE[who])
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    return page


def axe_clean(page: Any) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    found = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not found, f"{page.url}: {found}"


def test_a_referent_fills_an_assessment_and_a_manager_validates_it(
    browser: Any, live: Live, tmp_path: Path
) -> None:
    page = sign_in(browser, live.base, "referent")
    page.goto(live.o("/"))
    page.get_by_role("navigation", name="Rubriques de Ville de Sobreville").get_by_role(
        "link", name="Évaluations"
    ).click()
    axe_clean(page)
    page.get_by_role("link", name="Lancer une évaluation").click()
    page.get_by_label("Référentiel").select_option("rgesn@2024")
    # No service chosen: the form says so beside the field.
    page.get_by_role("button", name="Lancer").click()
    expect(page.locator("#f-service-error")).to_be_visible()
    axe_clean(page)
    page.get_by_label("Service numérique").select_option(SERVICE)
    page.get_by_label("Titre").fill("RGESN du portail famille — automne")
    page.get_by_role("button", name="Lancer").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("RGESN du portail famille — automne")
    expect(page.get_by_text("L’évaluation est lancée.")).to_be_visible()
    axe_clean(page)

    page.get_by_role("link", name="Renseigner les réponses").click()
    assert page.locator("caption").first.inner_text().startswith("1. Stratégie")
    # 1.1 applies to every service: "Non applicable" is refused and nothing of the form is saved.
    page.locator("#f-answer-1\\.1").select_option("not_applicable")
    page.locator("#f-evidence-1\\.1").fill("Hors périmètre")
    page.locator("#f-answer-1\\.2").select_option("in_progress")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.locator("#f-answer-1\\.1-error")).to_be_visible()
    assert page.locator("#f-answer-1\\.1").get_attribute("aria-invalid") == "true"
    axe_clean(page)
    page.locator("#f-answer-1\\.1").select_option("validated")
    page.locator("#f-evidence-1\\.1").fill("Étude d’utilité présentée en comité le 12 février")
    page.locator("#f-comment-1\\.2").fill("Atelier avec les usagers prévu en novembre")
    page.get_by_role("button", name="Enregistrer et passer à la thématique suivante").click()
    expect(page.get_by_text("Les réponses sont enregistrées.")).to_be_visible()
    assert page.locator("caption").first.inner_text().startswith("2. Spécifications")
    axe_clean(page)

    # One criterion in full: its official texts, and a link and a file as evidence.
    page.goto(page.url.split("/answer")[0] + "/items/1.3")
    expect(page.get_by_role("heading", name="Moyen de test ou de contrôle")).to_be_visible()
    proof = tmp_path / "schéma-architecture.pdf"
    proof.write_bytes(b"%PDF-1.4 schema")
    page.get_by_role("combobox", name="Réponse", exact=True).select_option("validated")
    page.get_by_label("Lien").fill("https://intranet.sobreville.fr/architecture")
    page.get_by_label("Fichier").set_input_files(str(proof))
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("link", name="schéma-architecture.pdf")).to_be_visible()
    axe_clean(page)
    with page.expect_download() as got:
        page.get_by_role("link", name="schéma-architecture.pdf").click()
    assert Path(got.value.path()).read_bytes() == b"%PDF-1.4 schema"

    page.get_by_role("link", name="RGESN du portail famille — automne · 1. Stratégie").click()  # its theme
    page.get_by_role("link", name="RGESN du portail famille — automne", exact=True).click()  # the overview
    page.get_by_role("button", name="Soumettre pour revue").click()
    expect(page.get_by_text("L’évaluation est soumise pour revue.")).to_be_visible()
    assert page.get_by_role("button", name="Valider").count() == 0  # a referent does not validate
    overview = page.url.split("?")[0]
    page.context.close()

    manager = sign_in(browser, live.base, "manager")
    manager.goto(overview)
    manager.get_by_role("button", name="Valider").click()
    expect(manager.locator("#f-incomplete-error")).to_be_visible()  # 75 criteria unanswered: said, not hidden
    axe_clean(manager)
    manager.get_by_label("Valider bien que 75 élément(s) ne soient pas renseignés").check()
    manager.get_by_role("button", name="Valider").click()
    expect(manager.get_by_text("L’évaluation est validée ; ses scores sont figés.")).to_be_visible()
    manager.get_by_role("link", name="Scores", exact=True).click()
    assert manager.locator("svg.chart").count() == 2 and manager.locator("table.data").count() == 2
    axe_clean(manager)
    manager.go_back()
    with manager.expect_download() as got:
        manager.get_by_role("link", name="HTML EN").click()
    declaration = Path(got.value.path()).read_text(encoding="utf-8")
    assert "Eco-design declaration" in declaration and "Arcep, Arcom, ADEME" in declaration
    manager.context.close()
    with session_scope(live.town.url) as s:
        latest = svc.latest(s, ORG, "rgesn", service=SERVICE)
        assert latest is not None and latest.status == "validated" and latest.answered == 3


def test_a_maturity_round_is_filled_without_javascript(browser: Any, live: Live) -> None:
    page = sign_in(browser, live.base, "referent", javascript=False)
    page.goto(live.o(f"/assessments/new?previous={live.town.ids['maturity_2026']}"))
    page.get_by_role("button", name="Lancer").click()
    expect(page.get_by_text("L’évaluation est lancée.")).to_be_visible()
    page.get_by_role("link", name="Renseigner les réponses").click()
    page.get_by_role("link", name="c. Mesure et évaluation").click()
    page.locator("#f-answer-c1").select_option("4")
    page.locator("#f-target-c1").select_option("4")
    page.locator("#f-comment-c1").fill("Tableau de bord mensuel en place")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(page.get_by_text("Les réponses sont enregistrées.")).to_be_visible()
    assert page.locator("#f-answer-c1").input_value() == "4"
    assert page.locator("script").count() == 0
    page.goto(live.o("/assessments/history"))
    assert page.locator("#history svg").count() == 1
    page.context.close()


def _pages(live: Live) -> list[str]:
    ids = live.town.ids
    paths = [
        "/assessments",
        "/assessments?kind=rgaa&sort=-title",
        "/referentials",
        "/referentials/rgesn/2024",
        "/referentials/rgaa/4.1.2?theme=11",
        "/referentials/gbpnr/v1?theme=g",
        "/referentials/rgesn/2024/items/4.1",
        "/assessments/new",
        "/assessments/history",
        "/assessments/history?kind=rgesn",
        f"/assessments/compare?first={ids['maturity_2025']}&second={ids['maturity_2026']}",
        f"/assessments/{ids['rgesn_draft']}/answer?theme=4",
        f"/assessments/{ids['rgesn_draft']}/items/4.1",
        f"/assessments/{ids['rgaa']}/answer?theme=11&page=P04",
        f"/assessments/{ids['rgaa']}/items/11.1?page=P04",
        f"/assessments/{ids['rgaa']}/sample",
    ]
    for key in ("maturity_2025", "maturity_2026", "rgesn", "rgaa", "rgesn_draft"):
        a = f"/assessments/{ids[key]}"
        paths += [a, a + "/answer", a + "/scores", a + "/recommendations", a + "/trail", a + "/details"]
    return [f"/o/{live.town.org}{p}" for p in paths]


@pytest.mark.parametrize("who", ["admin", "viewer"])
def test_every_assessment_page_meets_the_budgets_without_serious_violation(
    browser: Any, live: Live, who: str
) -> None:
    page = sign_in(browser, live.base, who)
    state = page.context.storage_state()
    page.context.close()
    if who == "admin":
        paths = _pages(live) + ["/admin/referentials"]
    else:  # a viewer reads everything but has no form to start an assessment
        paths = [p for p in _pages(live) if not p.endswith("/assessments/new")]
    measures = [measure(browser, live.base, p, state) for p in paths]
    measures.append(measure(browser, live.base, _pages(live)[0], state, lang="en"))
    for m in measures:
        print(m.line())
        assert m.status == 200, m.url
        assert_budgets(m)
