"""In a real browser (Debian's Chromium) against a live ``sobre serve``: a user opens a request on the portal,
an agent solves it with a knowledge base article, the user rates it; the portal, the knowledge base and the
agents' pages meet the budgets and axe-core finds no serious or critical violation; all of it without
JavaScript too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.orgs import service as orgs
from sobre.servicedesk import desk, kb, service
from tests.web.harness import make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

USER = "agent.accueil@ville.example.org"
TECH = "tech@ville.example.org"


@dataclass
class Site:
    base: str
    org: int
    url: str
    user_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("sd-browser") / "home"
    url = load_settings(home).database_url
    with session_scope(url) as s:
        org = orgs.create(s, "Ville d'Exemple", employees=300, country="FR").id
        desk.add_group(s, org, "Support")
        desk.add_category(s, org, "Poste de travail > Imprimante", group="Support")
        kb.install_starter(s, org)
        kb.save(
            s,
            org,
            slug="bourrage",
            lang="fr",
            kind="procedure",
            audience="end_user",
            status="published",
            title="Débloquer un bourrage de l'imprimante",
            author="tech",
            summary="Retirer la feuille coincée sans abîmer l'imprimante.",
            body="## Étapes\n\n1. Ouvrez le capot avant de l'imprimante.\n2. Retirez doucement la feuille.\n"
            "3. Refermez le capot.",
        )
    user_id = make_user(url, USER, roles={org: "referent"})
    make_user(url, TECH, roles={org: "technician"})
    with live_server(home) as base:
        yield Site(base, org, url, user_id)


def test_a_request_from_the_portal_solved_with_an_article(browser: Any, site: Site) -> None:
    user = browser.new_context(storage_state=signed_in_state(browser, site.base, USER), locale="fr-FR")
    page = user.new_page()
    page.goto(f"{site.base}/o/{site.org}/portal")
    page.get_by_label("Type").select_option("incident")
    page.get_by_label("Titre").fill("Bourrage papier à l'imprimante du 2e étage")
    page.get_by_label("Description").fill("La feuille reste coincée à chaque impression.")
    page.get_by_label("Catégorie").select_option("Poste de travail > Imprimante")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_text("Votre demande est enregistrée.")).to_be_visible()
    expect(
        page.get_by_role("link", name="Débloquer un bourrage de l'imprimante")
    ).to_be_visible()  # suggested
    number = int(page.url.split("/portal/")[1].split("?")[0])

    agent = browser.new_context(storage_state=signed_in_state(browser, site.base, TECH), locale="fr-FR")
    desk_page = agent.new_page()
    desk_page.goto(f"{site.base}/o/{site.org}/desk")
    desk_page.get_by_role("link", name="Bourrage papier à l'imprimante du 2e étage").click()
    desk_page.get_by_text("Résoudre", exact=True).click()  # opens the <details>
    desk_page.get_by_label("Solution").fill("Feuille coincée retirée ; procédure envoyée à l'utilisateur.")
    desk_page.get_by_label("Article de la base utilisé").select_option(
        label="Débloquer un bourrage de l'imprimante"
    )
    desk_page.get_by_role("button", name="Résoudre le ticket").click()
    expect(desk_page.get_by_text("Le ticket est résolu.")).to_be_visible()
    with session_scope(site.url) as s:
        t = service.get(s, site.org, number)
        assert t.status == "solved" and t.solution_article_id is not None

    page.goto(f"{site.base}/o/{site.org}/portal/{number}")
    expect(page.get_by_text("Résolue : dites-nous si cela fonctionne")).to_be_visible()
    page.get_by_label("Votre avis").select_option("5")
    page.get_by_role("button", name="Donner mon avis").click()
    expect(page.get_by_text("Merci pour votre avis.")).to_be_visible()
    user.close()
    agent.close()


@pytest.mark.long
def test_portal_kb_and_desk_pages_meet_the_budgets_and_axe(browser: Any, site: Site) -> None:
    with session_scope(site.url) as s:
        article = kb.get(s, site.org, "bourrage", "fr").id
        number = service.open_ticket(
            s, site.org, title="Écran qui clignote", requester=USER, requester_user_id=site.user_id
        ).number
    user = signed_in_state(browser, site.base, USER)
    tech = signed_in_state(browser, site.base, TECH)
    o = f"/o/{site.org}"
    pages = [
        (p, user)
        for p in (
            f"{o}/portal",
            f"{o}/kb",
            f"{o}/kb?q=imprimante",
            f"{o}/kb/{article}",
            f"{o}/portal/{number}",
        )
    ]
    pages += [
        (p, tech)
        for p in (
            f"{o}/desk",
            f"{o}/desk/tickets/{number}",
            f"{o}/desk/problems",
            f"{o}/kb/edit",
            f"{o}/kb/edit/{article}",
            f"{o}/docs",
            f"{o}/desk/indicators",
        )
    ]
    for path, state in pages:
        for lang in ("fr", "en"):
            m = measure(browser, site.base, path, state, lang=lang)
            print(m.line())
            assert m.status == 200, path
            assert_budgets(m)


def test_the_portal_works_without_javascript(browser: Any, site: Site) -> None:
    state = signed_in_state(browser, site.base, USER, javascript=False)
    context = browser.new_context(java_script_enabled=False, storage_state=state, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/portal")
    assert page.locator("script").count() == 0
    page.get_by_label("Titre").fill("Besoin d'un second écran")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_text("Votre demande est enregistrée.")).to_be_visible()
    page.get_by_label("Votre message").fill("Pour la comptabilité, au 1er étage.")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Votre message est envoyé.")).to_be_visible()
    page.goto(f"{site.base}/o/{site.org}/kb?q=mot+de+passe")
    expect(page.get_by_role("link", name="Des mots de passe solides, un par service")).to_be_visible()
    context.close()
