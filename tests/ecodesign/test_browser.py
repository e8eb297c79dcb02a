"""Eco-design in a real browser (Debian's Chromium) against a live ``sobre serve``: pages and a journey of a
local test site measured from the EcoIndex page, Sobre's own sign-in page measured the same way, objectives
and reviews through the forms (without JavaScript), and every page within the budgets, axe-core clean.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.ecodesign import ecoindex, opportunity, service
from sobre.ecodesign.measure import PageMeasure
from sobre.inventory import services
from sobre.orgs import service as orgs
from tests.ecodesign.site import HOME_DOM, Site, serve
from tests.ecodesign.test_ecoindex import reference
from tests.web.harness import make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

MANAGER = "dsi@ville.example"
ORG = "Ville d'Exemple"


@dataclass
class Live:
    base: str
    org: int
    url: str  # the database
    site: Site
    mairie: int
    sobre: int
    planned: int
    reviews: list[int]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    home = tmp_path_factory.mktemp("ecodesign-browser") / "home"
    url = load_settings(home).database_url
    with session_scope(url) as s:
        org_id = orgs.create(s, ORG, employees=800, country="FR").id
    make_user(url, MANAGER, roles={org_id: "manager"})
    with serve() as site, live_server(home) as base:
        yield Live(base, org_id, url, site, *_seed(url, site.url, base))


def _seed(url: str, site_url: str, base: str) -> tuple[int, int, int, list[int]]:
    """Three services (the test site, Sobre itself, a planned one), a history, objectives and reviews."""
    with session_scope(url) as s:
        mairie = services.create(s, ORG, "Site de la mairie", url=site_url, status="live", users=20000).id
        sobre = services.create(s, ORG, "Sobre", url=base, status="live").id
        planned = services.create(s, ORG, "Rendez-vous en ligne", status="planned").id
        # Three weeks of a page getting heavier, for the pages measured below.
        t0 = datetime(2026, 10, 1, tzinfo=UTC)
        history = []
        for i in range(21):
            r = ecoindex.compute(200 + 15 * i, 12 + i, 300 + 25 * i)
            history.append(
                PageMeasure(
                    url=f"{site_url}/archives",
                    dom=r.dom,
                    requests=r.requests,
                    bytes=int(r.size_kb * 1000),
                    score=r.score,
                    grade=r.grade,
                    ghg_g=r.ghg_g,
                    water_cl=r.water_cl,
                    measured_at=t0 + timedelta(days=i),
                )
            )
        service.record_measures(s, ORG, history)
        service.set_objective(s, ORG, "Sobre", "ecoindex_grade", "A")
        expectation = opportunity.Expectation(
            need="prendre rendez-vous sans attendre au guichet",
            users=12000,
            alternatives=["téléphone"],
            cloud_instances=1,
            storage_gb=20,
            page_views=90000,
            expected_score=75,
        )
        first = service.opportunity_review(s, ORG, "Rendez-vous en ligne", expectation, reviewer="DSI").id
        second = service.periodic_review(s, ORG, "Site de la mairie").id
    return mairie, sobre, planned, [first, second]


def signed_in(browser: Any, base: str, *, javascript: bool = True) -> Any:
    """A context signed in through the sign-in form (the shell's browser tests do it this way)."""
    state = signed_in_state(browser, base, MANAGER, javascript=javascript)
    return browser.new_context(storage_state=state, java_script_enabled=javascript, locale="fr-FR")


def _latest(live: Live, url: str) -> dict[str, Any]:
    with session_scope(live.url) as s:
        return service.history(s, ORG, url=url, limit=1)[0]


def test_pages_and_a_journey_measured_from_the_ecoindex_page(browser: Any, live: Live) -> None:
    site = live.site
    context = signed_in(browser, live.base)
    page = context.new_page()
    page.goto(f"{live.base}/o/{live.org}/")
    page.locator("nav.org-nav").get_by_role("link", name="EcoIndex").click()
    page.locator("#f-service_id").select_option(str(live.mairie))
    page.get_by_label("Pages", exact=True).fill(site.url + "/")
    journey = {
        "name": "Demande",
        "steps": [
            {"name": "Formulaire", "goto": site.url + "/demarches"},
            {"name": "Envoi", "fill": {"#nom": "Dupont"}, "click": "button[type=submit]"},
        ],
    }
    page.get_by_label("Parcours utilisateur").fill(json.dumps(journey))
    page.get_by_label("Attente (secondes)").fill("0,3")
    start = len(site.log)
    page.get_by_role("button", name="Mesurer").click()
    expect(page.get_by_text("Les pages ont été mesurées.")).to_be_visible()
    # The server's browser counted what the test site sent: requests, bytes on the wire, DOM elements.
    home = _latest(live, site.url + "/")
    log = [r for r in site.log[start:] if r[0] != "/favicon.ico"]
    assert home["requests"] == 5 and home["bytes"] == sum(b for _, b in log[:5]) and home["dom"] == HOME_DOM
    assert (home["score"], home["grade"], home["ghg_g"], home["water_cl"]) == reference(
        home["dom"], home["requests"], home["bytes"] / 1000
    )
    sent = _latest(live, site.url + "/envoi?nom=Dupont")
    assert sent["journey"] == "Demande" and sent["step"] == "Envoi" and sent["requests"] == 1
    # The measured page in the table, then its history.
    table = page.get_by_role("table", name="Adresses mesurées et leur dernière mesure")
    row = table.get_by_role("row").filter(has=page.get_by_role("link", name=site.url + "/", exact=True))
    expect(row.get_by_text(f"{home['grade']} {home['score']}")).to_be_visible()
    row.get_by_role("link").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Historique EcoIndex d'une page"
    expect(page.get_by_text(f"{home['grade']} {home['score']}").first).to_be_visible()
    context.close()


def test_sobre_measures_its_own_sign_in_page(browser: Any, live: Live) -> None:
    context = signed_in(browser, live.base)
    page = context.new_page()
    page.goto(f"{live.base}/o/{live.org}/ecoindex")
    page.locator("#f-service_id").select_option(str(live.sobre))
    page.get_by_label("Pages", exact=True).fill(f"{live.base}/sign-in")
    page.get_by_label("Attente (secondes)").fill("0,3")
    page.get_by_role("button", name="Mesurer").click()
    expect(page.get_by_text("Les pages ont été mesurées.")).to_be_visible()
    own = _latest(live, f"{live.base}/sign-in")
    assert own["error"] is None and own["requests"] == 2  # the page and its stylesheet
    assert (own["score"], own["grade"], own["ghg_g"], own["water_cl"]) == reference(
        own["dom"], own["requests"], own["bytes"] / 1000
    )
    assert own["score"] >= 75, own
    print(
        f"Sobre's sign-in page: {own['dom']} elements, {own['requests']} requests, {own['size_kb']:.1f} kB, "
        f"EcoIndex {own['score']} ({own['grade']})"
    )
    # Its objective (grade A) judged by a periodic review, through the service's page.
    page.locator("nav.org-nav").get_by_role("link", name="Écoconception des services").click()
    page.locator("#main").get_by_role("link", name="Sobre", exact=True).click()
    page.get_by_role("button", name="Faire la revue des objectifs maintenant").click()
    expect(page.get_by_text("La revue a été enregistrée.")).to_be_visible()
    verdict = "Objectifs atteints" if own["grade"] == "A" else "Objectifs non atteints"
    expect(page.get_by_text(verdict, exact=True)).to_be_visible()
    context.close()


def test_objectives_and_an_opportunity_review_without_javascript(browser: Any, live: Live) -> None:
    context = signed_in(browser, live.base, javascript=False)
    page = context.new_page()
    page.goto(f"{live.base}/o/{live.org}/ecodesign/services/{live.mairie}")
    page.locator("#f-kind").select_option("page_weight_kb")
    page.locator("#f-target").fill("beaucoup")
    page.get_by_role("button", name="Enregistrer l'objectif").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert page.locator("#f-target").get_attribute("aria-invalid") == "true"
    page.locator("#f-target").fill("500")
    page.get_by_role("button", name="Enregistrer l'objectif").click()
    expect(page.get_by_text("L'objectif a été enregistré.")).to_be_visible()
    objectives = page.get_by_role("table", name="Objectifs de Site de la mairie")
    expect(objectives.get_by_role("row", name="Poids de page (ko)").get_by_text("500")).to_be_visible()
    # The planned service's opportunity review, before build.
    page.goto(f"{live.base}/o/{live.org}/ecodesign/services/{live.planned}")
    page.get_by_role("link", name="Nouvelle revue d'opportunité").click()
    page.get_by_label("Besoin auquel répond le service").fill("prendre rendez-vous en ligne")
    page.get_by_label("Utilisateurs attendus par an").fill("12000")
    page.get_by_label("Serveurs physiques dédiés").fill("2")
    page.get_by_label("Pages vues par an").fill("50000")
    page.get_by_role("button", name="Faire la revue").click()
    expect(page.get_by_text("Résultat : À retravailler")).to_be_visible()
    reasons = page.get_by_role("list").filter(has_text="aucune alternative étudiée")
    assert reasons.count() == 1 and "hébergement mutualisé" in reasons.inner_text()
    context.close()


def test_every_page_meets_the_budgets_and_has_no_serious_accessibility_violation(
    browser: Any, live: Live
) -> None:
    context = signed_in(browser, live.base)
    state = context.storage_state()
    context.close()
    o = f"/o/{live.org}"
    paths = [
        f"{o}/ecoindex",
        f"{o}/ecoindex?service={live.mairie}&sort=-score",
        f"{o}/ecoindex/history?url={live.site.url}/archives&service={live.mairie}",
        f"{o}/ecodesign/services",
        f"{o}/ecodesign/services/{live.mairie}",
        f"{o}/ecodesign/services/{live.planned}/opportunity",
        *(f"{o}/ecodesign/reviews/{r}" for r in live.reviews),
    ]
    measures = [measure(browser, live.base, p, state) for p in paths]
    measures.append(measure(browser, live.base, paths[0], state, lang="en"))
    for m in measures:
        print(m.line())
        assert m.status == 200, m.url
        assert_budgets(m)
