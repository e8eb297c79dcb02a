"""The shell's pages end to end through HTTP: account, tokens, members, administration, audit, errors."""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa

from sobre.core import audit
from sobre.core.db import session_scope
from sobre.web import service
from tests.web.harness import World, csrf_from


def post(client, path: str, data: dict, page: str = "/account"):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_from(client.get(page).text), **data})


def test_home_sends_to_the_only_organisation_or_to_the_list(world: World) -> None:
    assert world.client("viewer").get("/").headers["location"] == f"/o/{world.a}/"
    with session_scope(world.url) as s:
        service.grant(s, service.user_by_id(s, world.users["viewer"]), world.b, "viewer")
    client = world.client("viewer")
    assert client.get("/").headers["location"] == "/orgs"
    page = client.get("/orgs").text
    assert "Commune A" in page and "Commune B" in page
    # The organisation switcher, a plain GET form: no JavaScript needed.
    home = client.get(f"/o/{world.a}/").text
    assert 'action="/switch"' in home and "selected>Commune A" in home
    assert client.get(f"/switch?org={world.b}").headers["location"] == f"/o/{world.b}/"
    assert client.get("/switch?org=999").status_code == 404


def test_layout_landmarks_header_and_navigation_by_role(sqlite_world: World) -> None:
    w = sqlite_world
    admin_page = w.client("admin").get(w.a_url("/")).text
    viewer_page = w.client("viewer").get(w.a_url("/")).text
    for page in (admin_page, viewer_page):
        assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
        assert page.count("<nav ") == 2 and "<header" in page and "<footer" in page
        assert '<span class="org-name">Commune A</span>' in page
        assert 'action="/language"' in page  # the language switch, on every page
    assert f'href="/o/{w.a}/audit"' in admin_page and f'href="/o/{w.a}/members"' in admin_page
    assert f'href="/o/{w.a}/audit"' not in viewer_page and f'href="/o/{w.a}/members"' not in viewer_page


def test_language_switch_works_without_javascript_and_sticks_to_the_user(sqlite_world: World) -> None:
    w = sqlite_world
    anonymous = w.anonymous()
    assert '<html lang="fr">' in anonymous.get("/sign-in").text
    r = post(anonymous, "/language", {"lang": "en", "next": "/sign-in"}, page="/sign-in")
    assert r.status_code == 303 and r.headers["location"] == "/sign-in"
    assert (
        '<html lang="en">' in anonymous.get("/sign-in").text and "Sign in" in anonymous.get("/sign-in").text
    )
    assert post(anonymous, "/language", {"lang": "de", "next": "/"}, page="/sign-in").status_code == 422
    r = post(anonymous, "/language", {"lang": "en", "next": "//evil.example/x"}, page="/sign-in")
    assert r.headers["location"] == "/"
    client = w.client("manager")
    post(client, "/language", {"lang": "en", "next": "/account"})
    with session_scope(w.url) as s:
        assert service.user_by_id(s, w.users["manager"]).language == "en"
    fresh = w.client("manager")  # another browser: the user's choice follows
    assert '<html lang="en">' in fresh.get("/account").text
    assert "Your account" in fresh.get("/account").text


def test_account_password_change_with_field_messages(sqlite_world: World) -> None:
    w = sqlite_world
    client = w.client("referent")
    wrong = post(client, "/account/password", {"current": "nope", "new": "x" * 12, "confirm": "x" * 12})
    assert wrong.status_code == 422 and 'id="f-current-error"' in wrong.text
    assert 'aria-describedby="f-current-error"' in wrong.text and 'href="#f-current"' in wrong.text
    from tests.web.harness import PASSWORD

    short = post(client, "/account/password", {"current": PASSWORD, "new": "short", "confirm": "short"})
    assert short.status_code == 422 and 'id="f-new-error"' in short.text
    other = w.client("referent")
    ok = post(
        client,
        "/account/password",
        {"current": PASSWORD, "new": "a new long passphrase", "confirm": "a new long passphrase"},
    )
    assert ok.status_code == 303 and "notice=web.notice.password_changed" in ok.headers["location"]
    assert client.get("/account").status_code == 200  # this session lives on
    assert other.get("/account").status_code == 303  # the other one ended
    assert "mot de passe a été changé" in client.get(ok.headers["location"]).text


def test_tokens_page_creates_once_and_revokes(sqlite_world: World) -> None:
    w = sqlite_world
    client = w.client("technician")
    r = post(
        client,
        "/account/tokens",
        {"name": "sync", "org_id": str(w.a), "role": "viewer", "expires_days": "30"},
        "/account/tokens",
    )
    assert r.status_code == 200 and "sobre_" in r.text
    token = r.text.split('<code class="secret">')[1].split("</code>")[0]
    listing = client.get("/account/tokens").text
    assert token not in listing and "sync" in listing  # never shown again
    api = w.anonymous()
    api.headers["authorization"] = f"Bearer {token}"
    assert api.get("/api/v1/me").json()["token_role"] == "viewer"
    with session_scope(w.url) as s:
        ((tok, _),) = service.list_tokens(s, w.users["technician"])
    assert post(client, f"/account/tokens/{tok.id}/revoke", {}, "/account/tokens").status_code == 303
    assert api.get("/api/v1/me").status_code == 401
    other = w.client("viewer")
    assert post(other, f"/account/tokens/{tok.id}/revoke", {}, "/account/tokens").status_code == 404


def test_members_page_grants_and_revokes_with_messages(world: World) -> None:
    admin = world.client("admin")
    page = admin.get(world.a_url("/members"))
    assert page.status_code == 200 and world.email("viewer") in page.text
    unknown = post(
        admin, world.a_url("/members"), {"email": "ghost@x.org", "role": "viewer"}, world.a_url("/members")
    )
    assert unknown.status_code == 422 and "Aucun compte" in unknown.text
    self_change = post(
        admin,
        world.a_url("/members"),
        {"email": world.email("admin"), "role": "viewer"},
        world.a_url("/members"),
    )
    assert self_change.status_code == 422
    ok = post(
        admin,
        world.a_url("/members"),
        {"email": "admin@b.example.org", "role": "referent"},
        world.a_url("/members"),
    )
    assert ok.status_code == 303
    with session_scope(world.url) as s:
        assert service.role_in(s, world.users["b-admin"], world.a) == "referent"
    r = post(admin, world.a_url(f"/members/{world.users['b-admin']}/revoke"), {}, world.a_url("/members"))
    assert r.status_code == 303
    with session_scope(world.url) as s:
        assert service.role_in(s, world.users["b-admin"], world.a) is None
    manager = world.client("manager")
    assert manager.get(world.a_url("/members")).status_code == 200  # managers see members, change nothing
    assert 'action="/o/' not in manager.get(world.a_url("/members")).text.split("<main")[1]


def test_installation_admin_creates_organisations_and_accounts(world: World) -> None:
    root = world.client("installation-admin")
    bad = post(root, "/admin/orgs", {"name": "", "employees": "-3", "country": "Atlantis"}, "/admin/orgs")
    assert bad.status_code == 422
    for field in ("name", "employees", "country"):
        assert f'id="f-{field}-error"' in bad.text
    assert (
        post(
            root,
            "/admin/orgs",
            {"name": "Commune C", "employees": "40", "country": "France", "join": "1"},
            "/admin/orgs",
        ).status_code
        == 303
    )
    assert "Commune C" in root.get("/admin/orgs").text
    created = post(root, "/admin/users", {"email": "New.Person@Example.org", "name": "New"}, "/admin/users")
    assert created.status_code == 200 and "new.person@example.org" in created.text
    password = created.text.split('<code class="secret">')[1].split("</code>")[0]
    assert len(password) >= 12
    with session_scope(world.url) as s:
        new = service.get_user(s, "new.person@example.org")
        c_id = next(
            m.org_id
            for m in service.memberships(s, world.users["installation-admin"])
            if m.org_name == "Commune C"
        )
    assert (
        post(
            root, f"/admin/users/{new.id}/grant", {"org_id": str(c_id), "role": "manager"}, "/admin/users"
        ).status_code
        == 303
    )
    detail = root.get(f"/admin/users/{new.id}").text
    assert "Commune C" in detail
    reset = post(root, f"/admin/users/{new.id}/password", {}, "/admin/users")
    assert reset.status_code == 200 and '<code class="secret">' in reset.text
    assert post(root, f"/admin/users/{new.id}/active", {"active": "0"}, "/admin/users").status_code == 303
    with session_scope(world.url) as s:
        assert not service.get_user(s, "new.person@example.org").is_active
    dup = post(root, "/admin/users", {"email": "new.person@example.org"}, "/admin/users")
    assert dup.status_code == 422


def test_every_change_is_audited_with_who_before_and_after(world: World) -> None:
    admin = world.client("admin")
    post(
        admin,
        world.a_url("/members"),
        {"email": "admin@b.example.org", "role": "viewer"},
        world.a_url("/members"),
    )
    post(
        admin,
        world.a_url("/members"),
        {"email": "admin@b.example.org", "role": "manager"},
        world.a_url("/members"),
    )
    api = world.api("admin")
    assert (
        api.put(
            f"/api/v1/orgs/{world.a}/members/{world.users['viewer']}", json={"role": "technician"}
        ).status_code
        == 200
    )
    with session_scope(world.url) as s:
        entries = list(s.scalars(audit.query(org_id=world.a, entity="web_membership")))
    web_grant, web_change, api_change = sorted(entries, key=lambda e: e.id)[-3:]
    assert (web_grant.action, web_grant.actor, web_grant.via) == ("create", world.email("admin"), "web")
    assert web_change.before == {"role": "viewer"} and web_change.after == {"role": "manager"}
    assert (api_change.via, api_change.before, api_change.after) == (
        "api",
        {"role": "viewer"},
        {"role": "technician"},
    )
    assert web_grant.address == "testclient"


def test_audit_log_is_browsable_filterable_and_exportable(world: World) -> None:
    admin = world.client("admin")
    for role in ("viewer", "manager", "referent"):
        post(
            admin,
            world.a_url("/members"),
            {"email": "admin@b.example.org", "role": role},
            world.a_url("/members"),
        )
    page = admin.get(world.a_url("/audit?entity=web_membership&action=update"))
    assert page.status_code == 200 and page.text.count("<tr>") >= 3 and "role: viewer → manager" in page.text
    with session_scope(world.url) as s:
        entry_id = s.scalars(audit.query(org_id=world.a, entity="web_membership", action="update")).first().id
        b_entry = s.scalars(audit.query(org_id=world.b)).first()
    detail = admin.get(world.a_url(f"/audit/{entry_id}"))
    assert detail.status_code == 200 and "<code>role</code>" in detail.text
    if b_entry is not None:  # an entry of B is not reachable through A
        assert admin.get(world.a_url(f"/audit/{b_entry.id}")).status_code == 404
    assert admin.get(world.a_url("/audit?since=yesterday")).status_code == 422
    export = admin.get(world.a_url("/audit/export?format=csv&action=update"))
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 2 and json.loads(rows[0]["after"]) == {"role": "referent"}
    data = json.loads(admin.get(world.a_url("/audit/export?format=json")).text)
    assert {e["entity"] for e in data} >= {"web_membership"}
    assert all(e["org_id"] == world.a for e in data)
    with session_scope(world.url) as s:
        assert (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(audit.AuditEntry)
                .where(audit.AuditEntry.summary.like("audit log exported%"))
            )
            == 2
        )
    root = world.client("installation-admin")
    assert "web_user" in root.get("/admin/audit").text  # installation-wide entries too


def test_error_pages_in_both_languages(sqlite_world: World) -> None:
    w = sqlite_world
    client = w.client("viewer")
    fr = client.get("/no/such/page")
    assert fr.status_code == 404 and "Page introuvable" in fr.text and '<html lang="fr">' in fr.text
    en = w.anonymous(headers={"accept-language": "en-GB,en;q=0.9"}).get("/nope")
    assert "Page not found" in en.text and '<html lang="en">' in en.text
    assert (
        client.get("/admin/users").status_code == 403
        and "Action non autorisée" in client.get("/admin/users").text
    )
    assert client.get("/switch?org=abc").status_code == 422


def test_an_unexpected_error_shows_the_500_page(tmp_path, sqlite_url) -> None:  # type: ignore[no-untyped-def]
    from sobre.web.context import Ctx
    from sobre.web.permissions import PUBLIC
    from tests.web.harness import build_world

    def crash(registry) -> None:  # type: ignore[no-untyped-def]
        @registry.page("/crash", permission=PUBLIC, org=False)
        def boom(ctx: Ctx) -> None:
            raise RuntimeError("boom")

    w = build_world(sqlite_url, tmp_path / "h", extra=[("crash", None, crash)])
    r = w.anonymous(headers={"accept-language": "en"}).get("/crash")
    assert r.status_code == 500 and "Server error" in r.text and "boom" not in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    w.close()
