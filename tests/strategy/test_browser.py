"""The steering dashboard in a real browser: trend charts and their tables, budgets, axe-core, both languages,
and the one-click action from a scenario without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.strategy import service, steering
from tests.strategy.world import ORG, populate
from tests.web.harness import make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

MANAGER = "pilote@example.org"


@dataclass
class Site:
    base: str
    org_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from sobre.orgs import service as orgs

    root = tmp_path_factory.mktemp("steering")
    home = root / "home"
    url = load_settings(home).database_url
    populate(url, root)
    with session_scope(url) as s:
        org_id = orgs.get(s, ORG).id
        service.set_vision(s, ORG, vision="Un numérique <sobre> & utile.", scope=None, governance=None)
        service.create_scenario(s, ORG, "Vie longue")
        service.add_change(s, ORG, "Vie longue", "extend_lifetime", {"category": "laptop", "years": 2})
        service.create_scenario(s, ORG, "Écrans")
        service.add_change(s, ORG, "Écrans", "fewer_devices", {"category": "monitor", "share": 0.5})
        service.add_objective(
            s,
            ORG,
            "−30 % par agent",
            criterion="climate_change",
            reduction=0.3,
            baseline_year=2025,
            target_year=2030,
            per="agent",
        )
        steering.define_kpi(s, ORG, "formes", "Agents formés", unit="%", direction="up", target_value=80)
        for month, value in ((3, 10.0), (6, 22.0), (9, 31.0), (12, 45.0)):
            steering.record(s, ORG, "formes", value, date(2025, month, 28), "RH")
        steering.define_kpi(
            s, ORG, "fp", "Empreinte par agent", source="footprint_per_agent", target_value=50
        )
    steering.action_from_scenario(
        url, ORG, "Vie longue", effort="low", start_date=date(2026, 1, 1), due_date=date(2027, 6, 30)
    )
    steering.measure(url, ORG, date(2025, 12, 31), "tests")
    make_user(url, MANAGER, roles={org_id: "manager"})
    with live_server(home) as base:
        yield Site(base, org_id)


def test_dashboard_has_trend_charts_meets_budgets_and_is_axe_clean(browser: Any, site: Site) -> None:
    state = signed_in_state(browser, site.base, MANAGER)
    for lang in ("fr", "en"):
        for path in (f"/o/{site.org_id}/strategy", f"/o/{site.org_id}/strategy/document"):
            m = measure(browser, site.base, path, state, lang=lang)
            print(m.line())
            assert m.status == 200
            assert_budgets(m)
    context = browser.new_context(storage_state=state, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org_id}/strategy")
    assert page.locator("main h1").count() == 1
    trend = page.locator("figure.chart", has=page.get_by_role("img", name="Évolution : Agents formés"))
    assert trend.count() == 1
    assert trend.locator("table tbody tr").count() == 4  # one row per measurement beside the chart
    assert page.get_by_role("img", name="Feuille de route").count() == 1
    assert "Un numérique <sobre> & utile." in page.locator("main").inner_text()
    actions = page.locator("table", has_text="Plan d'action")
    assert actions.get_by_role("rowheader", name="Vie longue").count() == 1
    page.get_by_label("Statut").select_option("done")
    page.get_by_role("button", name="Filtrer les actions").click()
    assert "status=done" in page.url and actions.get_by_role("rowheader", name="Vie longue").count() == 0
    context.close()


def test_one_click_action_from_a_scenario_without_javascript(
    browser: Any, site: Site, tmp_path: Path
) -> None:
    state = signed_in_state(browser, site.base, MANAGER, javascript=False)
    context = browser.new_context(java_script_enabled=False, storage_state=state, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org_id}/strategy")
    page.get_by_label("Scénario").select_option("Écrans")
    page.get_by_role("button", name="Créer une action à partir de ce scénario").click()
    expect(page.get_by_text("L'action a été créée.")).to_be_visible()
    assert (
        page.locator("table", has_text="Plan d'action").get_by_role("rowheader", name="Écrans").count() == 1
    )
    context.close()
