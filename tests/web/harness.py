"""Reusable helpers for page and API tests: a world of organisations and roles, signed-in clients, CSRF.

Later page tests build on these:

    def test_items_page(world):
        client = world.client("manager")              # signed in, manager of organisation A
        page = client.get(world.a_url("/items"))
        token = csrf_from(page.text)
        client.post(world.a_url("/items"), data={"csrf_token": token, ...})

``world.api("viewer")`` is an httpx-style client carrying an API token of that role in organisation A.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sobre.core import audit
from sobre.core.db import session_scope
from sobre.core.settings import Settings
from sobre.orgs import service as orgs
from sobre.web import security, service
from sobre.web.app import create_app
from sobre.web.context import SESSION_COOKIE
from sobre.web.permissions import ROLES
from sobre.web.registry import RouteSpec

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@cache
def password_hash() -> str:
    """One argon2id hash of :data:`PASSWORD`, computed once per test session (hashing is slow by design)."""
    return security.hash_password(PASSWORD)


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def make_user(url: str, email: str, *, admin: bool = False, roles: dict[int, str] | None = None) -> int:
    with session_scope(url) as s:
        user = service.create_user(s, email, None, is_admin=admin)
        user.password_hash = password_hash()
        for org_id, role in (roles or {}).items():
            service.grant(s, user, org_id, role)
        return user.id


def audit_count(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry)) or 0


@dataclass
class World:
    """Organisations A and B; one member of A per role; a member of B; an installation administrator."""

    app: FastAPI
    url: str
    a: int
    b: int
    users: dict[str, int] = field(default_factory=dict)
    _clients: list[TestClient] = field(default_factory=list)

    def email(self, who: str) -> str:
        return f"{who}@a.example.org"

    def a_url(self, path: str = "/") -> str:
        return f"/o/{self.a}{path}"

    def anonymous(self, **kw: Any) -> TestClient:
        client = TestClient(self.app, follow_redirects=False, raise_server_exceptions=False, **kw)
        self._clients.append(client)
        return client

    def client(self, who: str, **kw: Any) -> TestClient:
        """A client signed in as ``who`` (a role of A, ``b-admin`` or ``installation-admin``)."""
        client = self.anonymous(**kw)
        with session_scope(self.url) as s:
            user = service.user_by_id(s, self.users[who])
            raw = service.open_session(
                s, user, address="testclient", user_agent="pytest", policy=service.SessionPolicy()
            )
        client.cookies.set(SESSION_COOKIE, raw)
        return client

    def token(self, who: str, role: str | None = None, org: int | None = None) -> str:
        with session_scope(self.url) as s:
            user = service.user_by_id(s, self.users[who])
            _, text = service.create_token(
                s, user, org or self.a, role or who, "tests", allowed_roles=list(ROLES)
            )
        return text

    def api(self, who: str, role: str | None = None, org: int | None = None) -> TestClient:
        client = self.anonymous()
        client.headers["authorization"] = f"Bearer {self.token(who, role, org)}"
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


def build_world(
    url: str,
    home: Path,
    extra: list[tuple[str, Path | None, Callable[[Any], None]]] | None = None,
    **app_options: Any,
) -> World:
    app = create_app(Settings(home=home, database_url=url), extra=extra or [], **app_options)
    with session_scope(url) as s:
        a = orgs.create(s, "Commune A", employees=300, country="FR").id
        b = orgs.create(s, "Commune B", employees=80, country="FR").id
    world = World(app, url, a, b)
    for role in ROLES:
        world.users[role] = make_user(url, world.email(role), roles={a: role})
    world.users["b-admin"] = make_user(url, "admin@b.example.org", roles={b: "admin"})
    world.users["installation-admin"] = make_user(url, "root@example.org", admin=True)
    return world


def route_table(app: FastAPI) -> list[RouteSpec]:
    """Every route that capabilities registered (pages and API), as the application serves them."""
    return list(app.state.sobre.registry.routes)


def concrete_path(spec: RouteSpec, org: int, samples: dict[str, object] | None = None) -> str:
    """The route's path with ``{org}`` set and every other parameter filled from ``samples`` (else 1).

    Any value reaches the guard, whose refusals (404, 403, CSRF) come before the handler; tests that need
    the handler to find a row pass its id in ``samples``.
    """

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "org":
            return str(org)
        return str((samples or {}).get(name, 1))

    return re.sub(r"\{(\w+)(?::\w+)?\}", fill, spec.path)
