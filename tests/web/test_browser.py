"""The shell in a real browser (Debian's Chromium, headless) against a live ``sobre serve``.

Every HTML page of the route table is visited: budgets (≤ 150 KB, ≤ 10 requests, no external resource),
EcoIndex ≥ 75, axe-core without serious or critical violation, and the same page without JavaScript.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.orgs import service as orgs
from sobre.web import service
from sobre.web.app import build_registry
from tests.web.harness import PASSWORD, concrete_path, make_user
from tests.web.live import assert_budgets, live_server, measure, signed_in_state

pytestmark = pytest.mark.browser

ADMIN = "consultant@example.org"
VIEWER = "reader@example.org"


@dataclass
class Site:
    base: str
    a: int
    b: int
    admin_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    home = tmp_path_factory.mktemp("browser") / "home"
    url = load_settings(home).database_url
    with session_scope(url) as s:
        a = orgs.create(s, "Ville d'Exemple", employees=1200, inhabitants=52000, country="FR").id
        b = orgs.create(s, "Syndicat Numérique", employees=40, country="FR").id
    admin_id = make_user(url, ADMIN, admin=True, roles={a: "admin", b: "viewer"})
    make_user(url, VIEWER, roles={a: "viewer"})
    with session_scope(url) as s:
        # Some history for the audit pages and a token for the tokens page.
        user = service.user_by_id(s, admin_id)
        service.create_token(s, user, a, "viewer", "nightly sync", allowed_roles=["viewer"])
    with live_server(home) as base:
        yield Site(base, a, b, admin_id)


def test_sign_in_switch_organisation_and_language_then_sign_out(browser: Any, site: Site) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.a}/members")
    assert page.url.startswith(f"{site.base}/sign-in?next=")  # sent to sign in, then back
    page.get_by_label("Adresse électronique").fill(ADMIN)
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("L'adresse électronique ou le mot de passe est incorrect.").first).to_be_visible()
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert page.url == f"{site.base}/o/{site.a}/members"
    assert page.locator(".org-name").inner_text() == "Ville d'Exemple"
    # The organisation switcher (two organisations): a plain form.
    page.get_by_label("Organisation", exact=True).select_option(str(site.b))
    page.get_by_role("button", name="Aller").click()
    assert (
        page.url == f"{site.base}/o/{site.b}/"
        and page.locator(".org-name").inner_text() == "Syndicat Numérique"
    )
    # Switch the language: the same page, in English, and it sticks.
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == f"{site.base}/o/{site.b}/"
    page.goto(f"{site.base}/account")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    page.get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté.")).to_be_visible()
    assert page.url.startswith(f"{site.base}/sign-in")
    page.goto(f"{site.base}/account")
    assert "/sign-in" in page.url
    context.close()


def test_skip_link_and_keyboard(browser: Any, site: Site) -> None:
    context = browser.new_context(storage_state=signed_in_state(browser, site.base, ADMIN))
    page = context.new_page()
    page.goto(f"{site.base}/o/{site.a}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    context.close()


def _html_pages(site: Site, cookies: dict[str, str]) -> list[str]:
    """Every GET page of the route table that answers HTML to this user (downloads and JSON left out)."""
    paths = []
    for spec in build_registry().routes:
        if spec.kind != "page" or "GET" not in spec.methods:
            continue
        path = concrete_path(spec, site.a, {"user_id": site.admin_id})
        r = httpx.get(site.base + path, cookies=cookies, follow_redirects=True, timeout=60)
        if r.status_code == 200 and r.headers["content-type"].startswith("text/html"):
            paths.append(path)
    return paths


@pytest.mark.long
def test_every_page_meets_the_budgets_and_has_no_serious_accessibility_violation(
    browser: Any, site: Site
) -> None:
    state = signed_in_state(browser, site.base, ADMIN)
    cookies = {c["name"]: c["value"] for c in state["cookies"]}
    paths = _html_pages(site, cookies)
    assert len(paths) >= 12, paths
    measures = [measure(browser, site.base, p, state) for p in paths]
    measures.append(measure(browser, site.base, "/sign-in"))
    measures.append(measure(browser, site.base, "/sign-in", lang="en"))
    measures.append(measure(browser, site.base, "/no-such-page", state))
    measures.append(measure(browser, site.base, "/admin/users", signed_in_state(browser, site.base, VIEWER)))
    assert {m.status for m in measures} == {200, 404, 403}
    for m in measures:
        print(m.line())
        assert_budgets(m)


def test_every_page_works_without_javascript(browser: Any, site: Site) -> None:
    state = signed_in_state(browser, site.base, ADMIN, javascript=False)
    cookies = {c["name"]: c["value"] for c in state["cookies"]}
    assert any(c["name"] == "sobre_session" for c in state["cookies"])  # signed in with JavaScript off
    context = browser.new_context(java_script_enabled=False, storage_state=state, locale="fr-FR")
    page = context.new_page()
    for path in _html_pages(site, cookies):
        page.goto(site.base + path)
        assert page.locator("main h1").count() == 1, path
        assert page.locator("script").count() == 0, path
    # Forms work natively: give a role, then switch the language.
    page.goto(f"{site.base}/o/{site.a}/members")
    page.get_by_label("Adresse électronique").fill(VIEWER)
    page.get_by_role("combobox", name="Rôle").select_option("referent")
    page.get_by_role("button", name="Attribuer le rôle").click()
    expect(page.get_by_text("Le rôle a été attribué.")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    context.close()


def test_home_folder_path_is_not_leaked(site: Site, tmp_path: Path) -> None:
    page = httpx.get(f"{site.base}/sign-in").text
    assert str(tmp_path.parent) not in page and "uvicorn" not in httpx.get(
        f"{site.base}/healthz"
    ).headers.get("server", "")
