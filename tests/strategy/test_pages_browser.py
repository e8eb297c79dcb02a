"""A planner's flow in a real browser, without JavaScript: create a scenario, add a change from its kind's
form, run it, make an action from it, record an indicator's measurement; every page visited within the
budgets, EcoIndex ≥ 75 and axe-core clean, in French and English."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.strategy import service, steering
from tests.strategy.world import ORG, populate
from tests.web.harness import PASSWORD, make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

MANAGER = "planificatrice@example.org"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int, str]]:
    from sobre.orgs import service as orgs

    root = tmp_path_factory.mktemp("planner")
    home = root / "home"
    url = load_settings(home).database_url
    populate(url, root)
    with session_scope(url) as s:
        org_id = orgs.get(s, ORG).id
        steering.define_kpi(s, ORG, "formes", "Agents formés", unit="%", direction="up", target_value=80)
    make_user(url, MANAGER, roles={org_id: "manager"})
    with live_server(home) as base:
        yield base, org_id, url


def test_scenario_to_action_to_measurement_without_javascript(
    browser: Any, site: tuple[str, int, str]
) -> None:
    base, org_id, url = site
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Adresse électronique").fill(MANAGER)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    visited: list[str] = []

    def here() -> None:
        parsed = urlparse(page.url)
        path = parsed.path + (f"?{parsed.query}" if parsed.query and "notice=" not in parsed.query else "")
        if path not in visited:
            visited.append(path)

    page.goto(f"{base}/o/{org_id}/strategy/scenarios")
    here()
    page.get_by_label("Nom").fill("Vie longue des PC")
    page.get_by_role("button", name="Créer le scénario").click()
    expect(page.get_by_role("heading", name="Scénario : Vie longue des PC")).to_be_visible()
    here()
    page.get_by_role("link", name="durée de vie allongée").click()
    here()
    page.get_by_label("Catégorie").fill("laptop")
    page.get_by_label("Jusqu'à (années)").fill("6")
    page.get_by_role("button", name="Ajouter le changement").click()
    expect(page.get_by_text("Le changement a été ajouté")).to_be_visible()
    page.get_by_role("button", name="Calculer le scénario").click()
    # Computed in the background: the page refreshes itself until the effect is there.
    effect = page.locator("table", has_text="écart par critère et étape")
    expect(effect).to_be_visible(timeout=180_000)
    assert effect.get_by_role("rowheader", name="climate_change (kgCO2e)").count() == 1
    page.get_by_role("button", name="Créer une action à partir de ce scénario").click()
    expect(page.get_by_text("L'action a été créée.")).to_be_visible()
    here()
    page.goto(f"{base}/o/{org_id}/strategy/kpis/formes")
    here()
    page.get_by_label("Valeur (%)").fill("abc")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    expect(page.locator("#f-value-error")).to_be_visible()  # a field-level message, the page kept
    page.get_by_label("Valeur (%)").fill("22,5")
    page.get_by_label("Date").fill("2025-06-30")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    expect(page.get_by_text("La mesure a été enregistrée.")).to_be_visible()
    context.close()

    with session_scope(url) as s:
        (action,) = steering.list_actions(s, ORG)
        kpi = next(k for k in steering.kpis(s, ORG) if k["code"] == "formes")
        scenario = service.get_scenario(s, ORG, "Vie longue des PC")
    assert action["origin"] == "scenario" and action["scenario"] == "Vie longue des PC"
    assert scenario.effect is not None
    delta = scenario.effect.delta("climate_change")
    assert delta is not None and action["avoided"]["climate_change"]["value"] == -delta
    assert kpi["latest"]["value"] == 22.5 and kpi["latest"]["by"] and kpi["latest"]["on"] == "2025-06-30"

    state = _signed_in(browser, base)
    for path in [*visited, f"/o/{org_id}/strategy/actions", f"/o/{org_id}/strategy/objectives"]:
        for lang in ("fr", "en"):
            m = measure(browser, base, path, state, lang=lang)
            print(m.line())
            assert m.status == 200, path
            assert_budgets(m)


def _signed_in(browser: Any, base: str) -> Any:
    return signed_in_state(browser, base, MANAGER)
