"""Supervision in a real browser (Debian's Chromium, headless) against a live ``sobre serve``.

The demo seed gives the organisation its hosts, a day of metrics, rules, graded alerts, a maintenance window,
a disk at risk and security events.  Every supervision page is measured (budgets, EcoIndex, axe-core) and
works without JavaScript; the main flows are driven through the pages: the overview, a host page with its
charts, acknowledging an alert, creating a silence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.orgs import service as orgs
from sobre.supervision import alerting, demo, service
from sobre.web.app import build_registry
from tests.web.harness import concrete_path, make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

ORG = "Ville de Sobreville"
TECHNICIAN = "technicienne@example.org"
VIEWER = "lecteur@example.org"


@dataclass
class Site:
    base: str
    org: int
    url: str
    samples: dict[str, object]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("supervision-browser")
    home = root / "home"
    url = load_settings(home).database_url
    with session_scope(url) as s:
        org = orgs.create(s, ORG, employees=400, country="FR").id
    make_user(url, TECHNICIAN, roles={org: "technician"})
    make_user(url, VIEWER, roles={org: "viewer"})
    demo.populate(url, ORG, folder=root / "supervision", days=1)
    alerts = alerting.list_alerts(url, ORG)
    from sobre.supervision import triage

    samples: dict[str, object] = {
        "host_id": service.host_ids(url, ORG)["esx-001"],
        "alert_id": next(a["id"] for a in alerts if a["alertname"] == "HostDown"),
        "rule_id": 1,
        "event_id": triage.list_security(url, ORG)[0]["id"],
    }
    with live_server(home) as base:
        yield Site(base, org, url, samples)


def signed_in(browser: Any, site: Site, email: str, *, javascript: bool = True) -> Any:
    return signed_in_state(browser, site.base, email, javascript=javascript)


def _supervision_pages(site: Site, cookies: dict[str, str]) -> list[str]:
    """Every GET page of supervision that answers HTML to this user (downloads left out)."""
    paths = []
    for spec in build_registry().routes:
        if spec.kind != "page" or spec.capability != "supervision" or "GET" not in spec.methods:
            continue
        path = concrete_path(spec, site.org, site.samples)
        r = httpx.get(site.base + path, cookies=cookies, follow_redirects=True)
        if r.status_code == 200 and r.headers["content-type"].startswith("text/html"):
            paths.append(path)
    return paths


def test_every_supervision_page_meets_the_budgets_and_is_accessible(browser: Any, site: Site) -> None:
    state = signed_in(browser, site, TECHNICIAN)
    cookies = {c["name"]: c["value"] for c in state["cookies"]}
    paths = _supervision_pages(site, cookies)
    assert len(paths) >= 14, paths
    measures = [measure(browser, site.base, p, state) for p in paths]
    measures.append(measure(browser, site.base, f"/o/{site.org}/supervision", state, lang="en"))
    measures.append(
        measure(browser, site.base, f"/o/{site.org}/supervision", signed_in(browser, site, VIEWER))
    )
    for m in measures:
        print(m.line())
        assert m.status == 200, m.url
        assert_budgets(m)


def test_every_supervision_page_works_without_javascript(browser: Any, site: Site) -> None:
    state = signed_in(browser, site, TECHNICIAN, javascript=False)
    cookies = {c["name"]: c["value"] for c in state["cookies"]}
    context = browser.new_context(java_script_enabled=False, storage_state=state, locale="fr-FR")
    page = context.new_page()
    for path in _supervision_pages(site, cookies):
        page.goto(site.base + path)
        assert page.locator("main h1").count() == 1, path
        assert page.locator("script").count() == 0, path
    context.close()


def test_overview_from_the_menu(browser: Any, site: Site) -> None:
    context = browser.new_context(storage_state=signed_in(browser, site, VIEWER), locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/")
    page.get_by_role("navigation").get_by_role("link", name="Supervision", exact=True).first.click()
    assert page.url == f"{site.base}/o/{site.org}/supervision"
    main = page.locator("main")
    assert main.get_by_role("heading", level=1).inner_text() == "Supervision"
    text = main.inner_text()
    assert "Hôtes par état" in text
    # The urgent alerts are listed, most severe first, each a link to its page.
    assert main.get_by_role("link", name="HostDown").count() >= 1
    # Each chart is an image with a name, followed by its data table.
    charts = main.locator("svg[role=img]")
    assert charts.count() >= 2
    for i in range(charts.count()):
        assert charts.nth(i).get_attribute("aria-labelledby") or charts.nth(i).get_attribute("aria-label")
    # A viewer is offered no button that changes anything.
    assert main.locator("form[method=post]").count() == 0
    context.close()


def test_host_page_shows_its_charts_and_their_tables(browser: Any, site: Site) -> None:
    context = browser.new_context(storage_state=signed_in(browser, site, VIEWER), locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/supervision/hosts")
    page.locator("main").get_by_role("link", name="esx-001", exact=True).click()
    assert page.url == f"{site.base}/o/{site.org}/supervision/hosts/{site.samples['host_id']}"
    main = page.locator("main")
    assert "esx-001" in main.get_by_role("heading", level=1).inner_text()
    charts = main.locator("svg[role=img]")
    assert charts.count() >= 3
    # Every chart's data is also a table with a caption and column headers.
    tables = page.evaluate("""() => [...document.querySelectorAll('main table')].map(t => ({
        caption: (t.caption || {}).textContent || '',
        cols: t.querySelectorAll('thead th[scope=col]').length,
        rows: t.querySelectorAll('tbody tr').length}))""")
    assert len(tables) >= charts.count()
    assert all(t["caption"].strip() and t["cols"] >= 2 and t["rows"] >= 1 for t in tables)
    # A 24 h span, then 7 days: a plain link or form, no script needed.
    assert "RAPL" in main.inner_text()
    context.close()


def test_acknowledge_an_alert(browser: Any, site: Site) -> None:
    context = browser.new_context(storage_state=signed_in(browser, site, TECHNICIAN), locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/supervision/alerts")
    page.locator("main").get_by_role("link", name="HighCpu").first.click()
    assert re.search(r"/supervision/alerts/\d+$", page.url)
    page.get_by_label("Commentaire", exact=True).fill("Sauvegarde en cours, surveillée")
    page.get_by_role("button", name="Acquitter").click()
    expect(page.get_by_text("L'alerte est acquittée.")).to_be_visible()
    timeline = page.locator("ol.timeline").inner_text()
    assert TECHNICIAN in timeline and "Sauvegarde en cours, surveillée" in timeline
    assert page.get_by_role("button", name="Acquitter").count() == 0  # acknowledged once
    alert = next(a for a in alerting.list_alerts(site.url, ORG) if a["alertname"] == "HighCpu")
    assert alert["acknowledged_by"] == TECHNICIAN
    context.close()


def test_create_a_silence(browser: Any, site: Site) -> None:
    context = browser.new_context(storage_state=signed_in(browser, site, TECHNICIAN), locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.org}/supervision/silences")
    # A wrong matcher is named on its field, the rest of the form kept.
    page.get_by_label("Sélecteurs").fill("host")
    page.get_by_label("Durée").fill("2h")
    page.get_by_role("button", name="Créer le silence").click()
    field = page.get_by_label("Sélecteurs")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Durée").input_value() == "2h"
    field.fill("alertname=HostDown,host=srv-006")
    page.get_by_label("Pourquoi").fill("Serveur arrêté pour remplacement de la carte mère")
    page.get_by_role("button", name="Créer le silence").click()
    expect(page.get_by_text("Le silence est créé.")).to_be_visible()
    assert "host=srv-006" in page.locator("main table").first.inner_text()
    assert any("srv-006" in s["matchers"] for s in alerting.list_silences(site.url, ORG))
    context.close()
