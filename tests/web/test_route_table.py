"""Generated from the application's route table: every route × role × organisation.

It covers the routes of every capability, present and future, without edits: a capability that registers a
page or an endpoint is checked here as soon as it exists.  (A test capability registered below stands in for
them and proves it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.responses import HTMLResponse

from sobre.web.context import Ctx
from sobre.web.permissions import INSTALLATION_ADMIN, PUBLIC, ROLES, SIGNED_IN
from tests.web.harness import World, audit_count, build_world, concrete_path, csrf_from, route_table


def _sample_capability(registry) -> None:  # type: ignore[no-untyped-def]
    """What another capability would register: a permission, a page, a form and an endpoint."""
    registry.permission("sample.view", ROLES, "web.perm.org_view")
    registry.permission("sample.edit", ("admin", "manager"), "web.perm.org_view")

    @registry.page("/sample/{item_id}", permission="sample.view")
    def sample_page(ctx: Ctx, item_id: int) -> HTMLResponse:
        return HTMLResponse(f"item {item_id}")

    @registry.page("/sample/{item_id}", permission="sample.edit", methods=("POST",))
    def sample_edit(ctx: Ctx, item_id: int) -> HTMLResponse:
        with ctx.session() as s:
            from sobre.core import audit

            audit.record(s, action="event", entity="sample", org_id=ctx.org.id, summary="edited")
        return HTMLResponse("edited")

    @registry.api("/sample", permission="sample.edit", methods=("POST",))
    def sample_api(ctx: Ctx) -> dict:
        return {"ok": True}


@pytest.fixture
def routed(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home", extra=[("sample", None, _sample_capability)])
    yield w
    w.close()


def _call(client, method: str, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
    return (
        client.request(method, path, data=data)
        if method in ("POST", "PUT", "PATCH")
        else client.request(method, path)
    )


def test_the_table_holds_every_capability_route(routed: World) -> None:
    names = {r.name for r in route_table(routed.app)}
    assert {
        "sample.sample_page",
        "sample.sample_edit",
        "sample.sample_api",
        "web.members",
        "web.api_me",
    } <= names
    for spec in route_table(routed.app):
        if spec.kind == "endpoint":
            assert spec.permission in routed.app.state.sobre.registry.endpoint_auth, spec.name
        else:
            assert spec.permission in routed.app.state.sobre.permissions, spec.name


class _Refusals:
    """Who is checked for a refusal (an outsider's 404, a role's 403) of each route.

    On SQLite, every caller. On PostgreSQL, one per route, in turn, so that every caller is still checked
    on many routes: a refusal comes from the guard, before the route's handler, and the guard runs the same
    queries whatever the route and the caller (the session, then the membership of that user in that
    organisation); only which answer it gives depends on the role, and that is decided in Python from the
    permission table, which SQLite's run checks for every pair. Every request that reaches a handler (a
    role allowed to GET the route) still runs on both backends. See docs/testing.md.
    """

    def __init__(self, url: str) -> None:
        self.every = url.startswith("sqlite")
        self._turns: dict[tuple[str, ...], int] = {}  # a turn per list of callers, so each comes round
        self.offered: set[str] = set()
        self.checked: set[str] = set()

    def __call__(self, callers: list[str]) -> list[str]:
        self.offered.update(callers)
        if not self.every and len(callers) > 1:
            turn = self._turns.get(tuple(callers), 0)
            self._turns[tuple(callers)] = turn + 1
            callers = [callers[turn % len(callers)]]
        self.checked.update(callers)
        return callers


@pytest.mark.long
def test_every_route_for_every_role_and_organisation(routed: World) -> None:
    """For each route: anonymous, each role of A, a member of B only, an installation administrator."""
    table = routed.app.state.sobre.permissions
    pages = {who: routed.client(who) for who in [*ROLES, "b-admin", "installation-admin"]}
    tokens = {role: routed.api(role) for role in ROLES}
    b_token = routed.api("b-admin", "admin", org=routed.b)
    anonymous = routed.anonymous()
    tokens_of = {who: csrf_from(client.get("/account").text) for who, client in pages.items()}
    refusals = _Refusals(routed.url)
    checked = 0
    for spec in route_table(routed.app):
        for method in spec.methods:
            if spec.kind == "endpoint":
                _check_endpoint(routed, spec, method, pages["admin"], tokens_of["admin"], tokens["admin"])
            elif spec.kind == "page":
                path_a = concrete_path(spec, routed.a)
                # Anonymous: public pages answer, the others send to the sign-in page.
                if spec.permission != PUBLIC:
                    r = _call(anonymous, method, path_a)
                    assert r.status_code in (303, 403), (spec.name, method, r.status_code)
                    if method == "GET":
                        assert r.headers["location"].startswith("/sign-in?next="), spec.name
                if spec.org_scoped:
                    # A member of B only, and the installation administrator without a role in A: 404.
                    for outsider in refusals(["b-admin", "installation-admin"]):
                        client = pages[outsider]
                        r = _call(client, method, path_a, {"csrf_token": tokens_of[outsider]})
                        assert r.status_code == 404, (spec.name, method, outsider, r.status_code)
                    refused = refusals([role for role in ROLES if not table.allows(role, spec.permission)])
                    for role in ROLES:
                        client = pages[role]
                        allowed = table.allows(role, spec.permission)
                        if allowed or role in refused:
                            if method == "GET":
                                r = client.get(path_a)
                                assert (r.status_code == 403) == (not allowed), (
                                    spec.name,
                                    role,
                                    r.status_code,
                                )
                                assert r.status_code < 500, (spec.name, role, r.status_code, r.text[:300])
                            elif not allowed:
                                before = audit_count(routed.url)
                                r = _call(client, method, path_a, {"csrf_token": tokens_of[role]})
                                assert r.status_code == 403, (spec.name, method, role, r.status_code)
                                assert audit_count(routed.url) == before, (
                                    f"{role} changed something through {spec.name}"
                                )
                            checked += 1
                elif spec.permission == INSTALLATION_ADMIN:
                    for role in refusals(list(ROLES)):
                        client = pages[role]
                        data = (
                            {"csrf_token": csrf_from(client.get("/account").text)} if spec.changes else None
                        )
                        assert _call(client, method, path_a, data).status_code == 403, (spec.name, role)
                elif spec.permission == SIGNED_IN and method == "GET":
                    r = pages["viewer"].get(path_a)
                    assert r.status_code in (200, 303, 404), (spec.name, r.status_code)
            else:
                path_a = concrete_path(spec, routed.a)
                path_b = concrete_path(spec, routed.b)
                if spec.permission != PUBLIC:
                    r = _call(anonymous, method, path_a, None)
                    assert r.status_code == 401, (spec.name, method, r.status_code)
                    assert r.headers["content-type"].startswith("application/problem+json")
                if spec.org_scoped:
                    # A's tokens never reach B, whatever their role, and B's token never reaches A.
                    for role in refusals(list(ROLES)):
                        assert _call(tokens[role], method, path_b, None).status_code == 404, (
                            spec.name,
                            method,
                            role,
                        )
                    assert _call(b_token, method, path_a, None).status_code == 404, (spec.name, method)
                    refused = refusals([role for role in ROLES if not table.allows(role, spec.permission)])
                    for role, client in tokens.items():
                        allowed = table.allows(role, spec.permission)
                        if not allowed and role in refused:
                            before = audit_count(routed.url)
                            r = _call(client, method, path_a, None)
                            assert r.status_code == 403, (spec.name, method, role, r.status_code)
                            assert audit_count(routed.url) == before
                        elif allowed and method == "GET":
                            r = client.get(path_a)
                            assert r.status_code < 500 and r.status_code != 403, (
                                spec.name,
                                role,
                                r.status_code,
                            )
                        if allowed or role in refused:
                            checked += 1
    org_routes = [s for s in route_table(routed.app) if s.org_scoped]
    assert refusals.checked == refusals.offered  # every caller refused somewhere, on either backend
    if refusals.every:
        assert checked == sum(len(s.methods) for s in org_routes) * len(ROLES)
    else:  # every role allowed to use a route, and one refused role where some are
        assert checked == sum(
            sum(table.allows(role, s.permission) for role in ROLES)
            + (not all(table.allows(role, s.permission) for role in ROLES))
            for s in org_routes
            for _ in s.methods
        )
    assert len(org_routes) >= 10


def _check_endpoint(routed: World, spec, method: str, session, csrf: str, person_token) -> None:  # type: ignore[no-untyped-def]
    """Routes with their own authentication: only their credentials open them, never a person's."""
    path = concrete_path(spec, routed.a)
    before = audit_count(routed.url)
    for who, client, data in (
        ("anonymous", routed.anonymous(), None),
        ("session", session, {"csrf_token": csrf}),
        ("person token", person_token, None),
    ):
        r = _call(client, method, path, data)
        assert r.status_code == 401, (spec.name, method, who, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json"), (spec.name, who)
    assert audit_count(routed.url) == before, spec.name
    auth = routed.app.state.sobre.registry.endpoint_auth[spec.permission]
    if auth.credentials is not None:
        own = routed.anonymous(headers=auth.credentials(routed.url, routed.a))
        r = own.request(method, path, json={}) if method != "GET" else own.get(path)
        assert r.status_code not in (401, 403) and r.status_code < 500, (spec.name, r.status_code, r.text)


def test_every_form_posted_without_its_csrf_token_is_refused(routed: World) -> None:
    """Every unsafe page route, by the most powerful caller who may use it, without a token or a wrong one."""
    admin_a = routed.client("admin")
    root = routed.client("installation-admin")
    anonymous = routed.anonymous()
    anonymous.get("/sign-in")  # a pre-session, as a real browser has
    unsafe = [s for s in route_table(routed.app) if s.kind == "page" and s.changes]
    assert len(unsafe) >= 10
    for spec in unsafe:
        client = {PUBLIC: anonymous, INSTALLATION_ADMIN: root}.get(spec.permission, admin_a)
        path = concrete_path(spec, routed.a)
        before = audit_count(routed.url)
        for data in ({}, {"csrf_token": "forged"}):
            for method in spec.methods:
                r = client.request(method, path, data=data)
                assert r.status_code == 403, (spec.name, method, data, r.status_code)
                assert "csrf" in r.text.lower() or "formulaire" in r.text.lower(), spec.name
        assert audit_count(routed.url) == before, spec.name
    # A token from another session is no good either.
    other = routed.client("manager")
    stolen = csrf_from(other.get("/account").text)
    assert admin_a.post("/account/language", data={"csrf_token": stolen, "language": "en"}).status_code == 403


def test_the_sample_capability_is_reached_by_those_it_allows(routed: World) -> None:
    manager = routed.client("manager")
    page = manager.get(routed.a_url("/sample/7"))
    assert page.status_code == 200 and page.text == "item 7"
    token = csrf_from(manager.get("/account").text)
    assert manager.post(routed.a_url("/sample/7"), data={"csrf_token": token}).text == "edited"
    r = routed.api("manager").post(f"/api/v1/orgs/{routed.a}/sample")
    assert r.json() == {"ok": True}, r.text


def test_a_route_naming_an_unknown_permission_stops_the_start(tmp_path: Path, sqlite_url: str) -> None:
    from sobre.web.permissions import DeclarationError

    def bad(registry) -> None:  # type: ignore[no-untyped-def]
        @registry.page("/x", permission="nobody.declared.this")
        def x() -> None: ...

    with pytest.raises(DeclarationError, match="unknown permission"):
        build_world(sqlite_url, tmp_path / "h", extra=[("bad", None, bad)])
